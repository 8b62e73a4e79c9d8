#!/usr/bin/env bash
# test_dynamic.sh BUILD — dynamic knocks (SIG^2-style) end to end:
#  - an SPA knock with --dynamic opens the door and brings back an
#    encrypted reply; the next knock is stored (mode 0600);
#  - the reply's forwarded high port reaches the real service from alice,
#    and not from a stranger (DNAT only for the knocking address);
#  - the stored next knock, sent by `postern knock --next`, opens the door
#    and brings the one after it;
#  - that one, sent by knockd's `knock` client with the printed ports,
#    opens the door too;
#  - sending a used next knock again is refused as a replay (nothing opens);
#  - a knock of a user without dynamic = yes gets no reply at all.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
command -v knock >/dev/null || die "knock is not installed (scripts/install-deps.sh)"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
make_key bob "$TEST_DIR"
CONF="$TEST_DIR/postern.conf"
cat >"$CONF" <<EOF2
[daemon]
interfaces = any
state = $TEST_DIR/state.db
run_as = nobody
default_lease = 3s

[protect]
ports = tcp/22

[user alice]
key = $TEST_DIR/alice.key
open = tcp/22
dynamic = yes
dynamic_ports = 40000-40999
dynamic_length = 4
dynamic_forward = tcp/22
dynamic_forward_ports = 50000-50999
sequence_timeout = 3s

[user bob]
key = $TEST_DIR/bob.key
open = tcp/22
EOF2
LOG="$TEST_DIR/posternd.log"
expect "posternd --check-config accepts the dynamic config" \
	"$POSTERND" --check-config -c "$CONF"
expect "the normalised config spells out the dynamic keys" \
	sh -c "'$POSTERND' --check-config -v -c '$CONF' | grep -q '^dynamic_forward_ports = 50000-50999$'"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"

A() { ip netns exec "$NS_A" "$@"; }
NEXT="$TEST_DIR/alice.next"
next_field() { sed -n "s/^$1 //p" "$NEXT"; }

echo "-- an SPA knock with --dynamic"
expect "alice cannot reach tcp/22 before knocking" tcp_closed_from "$NS_A" "$SRV4" 22
out=$(knock_from "$NS_A" "$SRV4" alice --lease 3 --dynamic=3000 2>&1)
echo "$out" | sed 's/^/  | /'
expect "the client received and stored the reply" grep -q "next knock stored in $NEXT" <<<"$out"
expect "the next-knock file exists with mode 0600" \
	test "$(stat -c %a "$NEXT" 2>/dev/null)" = 600
expect "the door opened for alice" wait_open "$NS_A" "$SRV4" 22
expect "the daemon logged the reply" \
	wait_for_log "$LOG" "dynamic user=alice src=$A4 reply-to=[0-9]+ generation=1 forward=tcp/[0-9]+->22" 3
gen1=$(next_field generation)
seq1=$(next_field sequence)
info "generation $gen1: $seq1"
expect "the stored next knock has 4 steps in 40000-40999, the last one udp" \
	grep -Eq '^(4[0][0-9]{3}:(tcp|udp),){3}40[0-9]{3}:udp$' <<<"$seq1"
fwd=$(sed -n 's/^forward port \([0-9]*\) .*/\1/p' <<<"$out")
info "forwarded port: ${fwd:-none}"
expect "the reply names a forwarded high port in 50000-50999" \
	test -n "$fwd" -a "${fwd:-0}" -ge 50000 -a "${fwd:-0}" -le 50999
expect "alice reaches the service on the forwarded port $fwd" \
	tcp_open_from "$NS_A" "$SRV4" "$fwd"
expect "the stranger does not reach it on port $fwd" \
	tcp_closed_from "$NS_B" "$SRV4" "$fwd"
expect "the stranger does not reach tcp/22 either" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 8

echo "-- the stored next knock, sent by postern knock --next"
cp "$NEXT" "$TEST_DIR/gen1.next"
before=$(count_log "$LOG" "accept user=alice .*scheme=dynamic")
out=$(A "$POSTERN" knock --next --user alice --key "$TEST_DIR/alice.key" 2>&1)
echo "$out" | sed 's/^/  | /'
expect "postern knock --next opened the door" wait_open "$NS_A" "$SRV4" 22
expect "the daemon accepted it as a dynamic knock" \
	test "$(count_log "$LOG" "accept user=alice .*scheme=dynamic")" -gt "$before"
gen2=$(next_field generation)
expect "the reply to it stored a new next knock (generation $gen1 -> $gen2)" \
	test "${gen2:-0}" -gt "${gen1:-0}"
expect "the door closes again" wait_closed "$NS_A" "$SRV4" 22 8

echo "-- the next one, sent by knockd's knock client"
seq2=$(next_field sequence)
ports=$(tr ',' ' ' <<<"$seq2")
info "knock -d 50 $SRV4 $ports"
before=$(count_log "$LOG" "accept user=alice .*scheme=dynamic")
# shellcheck disable=SC2086
A knock -d 50 "$SRV4" $ports
expect "knock with the printed ports opened the door" wait_open "$NS_A" "$SRV4" 22
expect "the daemon accepted it as a dynamic knock" \
	test "$(count_log "$LOG" "accept user=alice .*scheme=dynamic")" -gt "$before"
expect "the door closes again" wait_closed "$NS_A" "$SRV4" 22 8

echo "-- replays"
replays=$(count_log "$LOG" "refuse reason=replay user=alice .*scheme=dynamic")
accepts=$(count_log "$LOG" "accept user=alice ")
A "$POSTERN" knock --next --user alice --key "$TEST_DIR/alice.key" --dynamic=1000 \
	>/dev/null 2>&1
expect "the used knock, sent again with --next, is refused as a replay" \
	wait_for_log "$LOG" "refuse reason=replay user=alice .*scheme=dynamic" 3 \
	"$(( $(lines "$LOG") - 1 ))"
# shellcheck disable=SC2086
A knock -d 50 "$SRV4" $ports
sleep 1
expect "the used knock, sent again with knock, is refused as a replay" \
	test "$(count_log "$LOG" "refuse reason=replay user=alice .*scheme=dynamic")" -ge $((replays + 2))
expect "no replay opened the door" tcp_closed_from "$NS_A" "$SRV4" 22
expect "no replay was accepted" test "$(count_log "$LOG" "accept user=alice ")" -eq "$accepts"

echo "-- after a lost reply: a normal SPA knock with --dynamic resynchronises"
out=$(knock_from "$NS_A" "$SRV4" alice --lease 3 --dynamic=3000 2>&1)
gen3=$(next_field generation)
expect "a fresh next knock was stored (generation $gen3)" \
	test "${gen3:-0}" -gt "${gen2:-0}"
expect "the door closes again" wait_closed "$NS_A" "$SRV4" 22 8
A "$POSTERN" knock --next --user alice --key "$TEST_DIR/alice.key" >/dev/null 2>&1
expect "and it works" wait_open "$NS_A" "$SRV4" 22

echo "-- users without dynamic = yes get no reply"
out=$(ip netns exec "$NS_B" "$POSTERN" knock --server "$SRV4" --user bob \
	--key "$TEST_DIR/bob.key" --open tcp/22 --lease 3 --dynamic=1000 \
	--next-file "$TEST_DIR/bob.next" 2>&1)
expect "bob's door opened" wait_open "$NS_B" "$SRV4" 22
expect "bob's client got no reply" grep -q "no reply" <<<"$out"
expect "no next-knock file for bob" test ! -e "$TEST_DIR/bob.next"
expect "the daemon never replied to bob" test "$(count_log "$LOG" "dynamic user=bob")" -eq 0

finish
