#!/usr/bin/env bash
# test_passphrase.sh BUILD — passphrase-derived keys end to end: keygen
# --passphrase refuses a weak passphrase (saying why, writing nothing),
# writes a client file without a secret and a server copy with the derived
# one; the daemon runs on the server copy; a knock with the passphrase
# (from a file, then from stdin) opens the door, one with a wrong
# passphrase is refused as an unknown tag; without a terminal or a
# passphrase file the knock says so; on a terminal a --dynamic knock asks
# for the passphrase once.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
PASS_FILE="$TEST_DIR/pass"
printf 'gravel jumps over a velvet kite\n' >"$PASS_FILE"
printf 'password1234\n' >"$TEST_DIR/weak"
printf 'gravel jumps over a velvet kit3\n' >"$TEST_DIR/wrong"
CLIENT="$TEST_DIR/alice-client.key"
keygen() { "$POSTERN" keygen --user alice --kdf-cost interactive "$@"; }

echo "-- keygen"
out=$(keygen --passphrase-file "$TEST_DIR/weak" --out "$TEST_DIR/w.key" \
	--server-out "$TEST_DIR/ws.key" 2>&1)
expect "a weak passphrase is refused, naming why" \
	grep -q 'passphrase refused: too weak: .*common word ("password")' <<<"$out"
expect "and no key file is written" test ! -e "$TEST_DIR/w.key" -a ! -e "$TEST_DIR/ws.key"
expect_not "--passphrase without --server-out is refused" \
	keygen --passphrase-file "$PASS_FILE" --out "$TEST_DIR/x.key"
expect "keygen --passphrase writes both copies" keygen --passphrase-file "$PASS_FILE" \
	--out "$CLIENT" --server-out "$TEST_DIR/alice.key"
expect "the client's copy has the KDF lines" \
	grep -Eq '^kdf argon2id$' "$CLIENT"
expect "... and no secret" bash -c '! grep -q "^secret " "$1"' _ "$CLIENT"
expect "the server's copy has the derived secret and the KDF lines" \
	bash -c 'grep -q "^secret " "$1" && grep -q "^salt " "$1"' _ "$TEST_DIR/alice.key"

CONF="$TEST_DIR/postern.conf"
write_config "$CONF" users=alice
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"

knock() { # knock [options]: alice's passphrase knock from her namespace
	ip netns exec "$NS_A" "$POSTERN" knock --server "$SRV4" --user alice \
		--key "$CLIENT" --open tcp/22 --lease 3s "$@"
}

echo "-- knocks"
seen=$(lines "$LOG")
knock --passphrase-file "$PASS_FILE" >"$TEST_DIR/k1.out" 2>&1
cat "$TEST_DIR/k1.out"
expect "the knock says how long the derivation took" \
	grep -Eq "derived alice's key from the passphrase in [0-9.]+ s \(Argon2id, 64 MiB" \
	"$TEST_DIR/k1.out"
expect "passphrase knock accepted" wait_for_log "$LOG" "accept user=alice src=$A4 " 5 "$seen"
expect "door open" wait_open "$NS_A" "$SRV4" 22
wait_closed "$NS_A" "$SRV4" 22 8 || fail "door did not close"

seen=$(lines "$LOG")
knock --passphrase-file - --quiet <"$PASS_FILE"
expect "passphrase from stdin: accepted" wait_for_log "$LOG" "accept user=alice src=$A4 " 5 "$seen"
wait_closed "$NS_A" "$SRV4" 22 8 || fail "door did not close"

seen=$(lines "$LOG")
knock --passphrase-file "$TEST_DIR/wrong" --quiet
expect "a wrong passphrase derives another key: refused" \
	wait_for_log "$LOG" "refuse reason=unknown-tag user=- src=$A4" 5 "$seen"
expect "door closed" tcp_closed_from "$NS_A" "$SRV4" 22

# On a terminal (script(1) gives the knock a pty; the passphrase is typed
# into it): asked once, also with --dynamic, which needs a second key from
# the same file (alice has no dynamic knocks here, so no reply comes).
printf 'gravel jumps over a velvet kite\n' | script -qec "ip netns exec $NS_A \
	$POSTERN knock --server $SRV4 --user alice --key $CLIENT --open tcp/22 \
	--lease 3s --dynamic=300 --next-file $TEST_DIR/next" /dev/null >"$TEST_DIR/tty.out" 2>&1
expect "--dynamic on a terminal asks for the passphrase once" \
	test "$(grep -o "Passphrase for alice's key" "$TEST_DIR/tty.out" | wc -l)" -eq 1
cat "$TEST_DIR/tty.out"

out=$(setsid -w ip netns exec "$NS_A" "$POSTERN" knock --server "$SRV4" --user alice \
	--key "$CLIENT" --open tcp/22 </dev/null 2>&1)
expect "no terminal and no --passphrase-file: said so" \
	grep -q "no terminal to ask for the pass phrase" <<<"$out"
finish
