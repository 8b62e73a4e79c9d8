#!/usr/bin/env bash
# test_child_forge.sh BUILD — a capture child that lies cannot open a door:
#  - POSTERN_TEST_CHILD_FORGE=knock: the child sends a well-formed MSG_KNOCK
#    for a valid user (alice, with her current tag) whose evidence is random:
#    the parent verifies it again with its own key and refuses (bad-mac);
#    nothing is added to the lease sets;
#  - POSTERN_TEST_CHILD_FORGE=mint:ADDR: the child does what an attacker
#    running code in it would do: it seals a knock for alice (open tcp/22
#    for the source) and makes alice's next HOTP token with the keys in its
#    own memory, and sends both as coming from ADDR (alice's address: the
#    door would open for her without her asking). The child holds neither
#    an AEAD key nor a token secret (childkeys.h): both are refused as
#    bad-mac and nothing opens; alice's genuine knock and token still work;
#  - POSTERN_TEST_CHILD_FORGE=size: the child sends a record of the wrong
#    size: the parent kills it ("broke the message protocol") and starts a
#    new one. The hooks are test only, read by the parent at start-up.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

leases() { ip netns exec "$NS_SRV" nft list set inet postern "$1" 2>/dev/null \
	| grep -c 'expires' || true; }

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"

echo "-- a forged knock for alice"
seen=$(lines "$LOG")
export POSTERN_TEST_CHILD_FORGE=knock
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
unset POSTERN_TEST_CHILD_FORGE
expect "the parent refuses it after verifying it itself" \
	wait_for_log "$LOG" "refuse reason=bad-mac user=alice src=192.0.2.66 via=udp scheme=spa" 5 "$seen"
expect "no accept" test "$(count_log "$LOG" 'accept user=')" -eq 0
expect "no IPv4 lease in the kernel" test "$(leases leases4)" -eq 0
expect "no IPv6 lease in the kernel" test "$(leases leases6)" -eq 0
expect "alice is still refused" tcp_closed_from "$NS_A" "$SRV4" 22
expect "a genuine knock still works" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged for the genuine knock" \
	wait_for_log "$LOG" "accept user=alice src=$A4" 3 "$seen"
stop_posternd

echo "-- knocks minted in the child with the keys it holds"
command -v oathtool >/dev/null || die "oathtool is not installed"
CONF2="$TEST_DIR/postern-token.conf"
cp "$TEST_DIR/postern.conf" "$CONF2"
"$POSTERN" token --init --mode hotp --user alice --key "$TEST_DIR/alice.token" \
	>/dev/null || die "postern token --init"
printf 'token = hotp\ntoken_key = %s\ntoken_open = tcp/22\n' "$TEST_DIR/alice.token" >>"$CONF2"
rm -f "$TEST_DIR/state.db"*
seen=$(lines "$LOG")
export POSTERN_TEST_CHILD_FORGE="mint:$A4"
start_posternd "$NS_SRV" "$CONF2" "$LOG" || die "posternd did not start"
unset POSTERN_TEST_CHILD_FORGE
expect "the minted knock is refused by the parent's AEAD" \
	wait_for_log "$LOG" "refuse reason=bad-mac user=alice src=$A4 via=udp scheme=spa" 5 "$seen"
expect "the minted token is refused by the parent's HMAC" \
	wait_for_log "$LOG" "refuse reason=bad-mac user=alice src=$A4 via=icmp scheme=token" 5 "$seen"
expect "no accept" test "$(tail -n "+$((seen + 1))" "$LOG" | grep -c 'accept user=')" -eq 0
expect "no IPv4 lease in the kernel" test "$(leases leases4)" -eq 0
expect "alice is still refused" tcp_closed_from "$NS_A" "$SRV4" 22
code=$(oathtool --hotp -b -c 0 "$(grep -v '^#' "$TEST_DIR/alice.token")")
expect "alice sends her genuine code (HOTP 0, the counter the child tried)" \
	bash -c "printf 'alice:%s' '$code' | ip netns exec '$NS_A' nc -u -w1 -q0 $SRV4 $KNOCK_PORT"
expect "accept logged for the genuine token" \
	wait_for_log "$LOG" "accept user=alice src=$A4 .*scheme=token" 3 "$seen"
expect "a genuine knock still works" knock_from "$NS_A" "$SRV4" alice --lease 3s
stop_posternd

echo "-- a record of the wrong size"
seen=$(lines "$LOG")
export POSTERN_TEST_CHILD_FORGE=size
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
unset POSTERN_TEST_CHILD_FORGE
expect "the parent calls it a protocol violation" \
	wait_for_log "$LOG" "capture child \(pid [0-9]+\) broke the message protocol \(record of [0-9]+ bytes, expected 1 to [0-9]+ times [0-9]+\); killing it" 5 "$seen"
expect "the child is killed" \
	wait_for_log "$LOG" "ended: killed by signal 9 \(Killed\); restarting in" 5 "$seen"
expect "and started again" \
	wait_for_log "$LOG" "capture child started" 5 "$(grep -n 'broke the message protocol' "$LOG" | head -n1 | cut -d: -f1)"
expect "no accept" test "$(tail -n "+$((seen + 1))" "$LOG" | grep -c 'accept user=')" -eq 0
expect "the parent is still running" pid_alive "$POSTERND_PID"

finish
