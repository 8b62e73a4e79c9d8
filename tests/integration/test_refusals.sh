#!/usr/bin/env bash
# test_refusals.sh BUILD — what is not a valid, fresh knock by a known user
# is refused and logged, the door stays closed, and the daemon goes on
# serving: a wrong key, an altered knock, stale and future knocks (client
# run under a faked clock), garbage datagrams of random sizes.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

WINDOW=60 # the config's freshness window, seconds

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
mkdir -m 0700 "$TEST_DIR/rogue"
make_key alice "$TEST_DIR/rogue" # same name, a key the server never saw
write_config "$TEST_DIR/postern.conf" window=${WINDOW}s
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"

# A client clock that is off: --clock-offset shifts the knock's timestamp
# as a wrong clock would. (faketime was used first, but libfaketime and the
# sanitizer runtime deadlock in clock_gettime at start-up.)
faked_knock() {
	local offset=$1; shift
	ip netns exec "$NS_A" "$POSTERN" knock --server "$SRV4" --clock-offset "$offset" \
		--user alice --key "$TEST_DIR/alice.key" --open tcp/22 --lease 3s "$@"
}

echo "-- a knock made with a key the server does not know"
seen=$(lines "$LOG")
ip netns exec "$NS_A" "$POSTERN" knock --server "$SRV4" --user alice \
	--key "$TEST_DIR/rogue/alice.key" --open tcp/22 --lease 3s
expect "refused as unknown-tag or bad-mac" wait_for_log "$LOG" \
	"refuse reason=(unknown-tag|bad-mac) .*src=$A4" 3 "$seen"
expect "alice is refused" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- a real knock with one ciphertext byte flipped (sent with python, not postern)"
# The knock goes to a port posternd does not watch, so the original is
# never seen; tcpdump records it and python resends it altered.
PCAP="$TEST_DIR/knock.pcap"
capture_start "$NS_A" "$CLI_IF" "$PCAP" "udp and dst port 62999"
knock_from "$NS_A" "$SRV4" alice --lease 3s --port 62999 --quiet
capture_stop
seen=$(lines "$LOG")
ip netns exec "$NS_A" "$PYTHON" - "$PCAP" "$SRV4" "$KNOCK_PORT" <<'PY'
import socket, sys
from scapy.all import rdpcap, UDP
pkts = [p for p in rdpcap(sys.argv[1]) if UDP in p]
data = bytearray(bytes(pkts[0][UDP].payload))
data[40] ^= 0x01  # inside the ciphertext: tag intact, MAC must fail
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes(data), (sys.argv[2], int(sys.argv[3])))
PY
expect "altered knock refused as bad-mac" wait_for_log "$LOG" \
	"refuse reason=bad-mac user=alice src=$A4" 3 "$seen"
expect "alice is refused" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- knocks from a client clock far off (5 minutes behind / ahead)"
seen=$(lines "$LOG")
faked_knock -300 --quiet
expect "a 5-minute-old knock is refused" wait_for_log "$LOG" \
	"refuse reason=(stale|unknown-tag) .*src=$A4" 3 "$seen"
seen=$(lines "$LOG")
faked_knock 300 --quiet
expect "a knock 5 minutes ahead is refused" wait_for_log "$LOG" \
	"refuse reason=(future|unknown-tag) .*src=$A4" 3 "$seen"
expect "alice is refused" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- knocks just outside the window (the tag is still in the table)"
# The daemon only holds tags for the 30 s slots that overlap now +/- window;
# a knock 5 s beyond the window keeps its tag in that table when it falls
# in the same slot as the window's edge, so the daemon can decrypt it and
# say "stale"/"future". Wait until the clock is 10..20 s into a slot.
while :; do
	phase=$(($(date +%s) % 30))
	[ "$phase" -ge 10 ] && [ "$phase" -le 20 ] && break
	sleep 1
done
seen=$(lines "$LOG")
faked_knock "-$((WINDOW + 5))" --quiet
expect "a knock ${WINDOW}+5 s old is refused as stale" wait_for_log "$LOG" \
	"refuse reason=stale user=alice src=$A4" 3 "$seen"
seen=$(lines "$LOG")
faked_knock "$((WINDOW + 5))" --quiet
expect "a knock ${WINDOW}+5 s ahead is refused as future" wait_for_log "$LOG" \
	"refuse reason=future user=alice src=$A4" 3 "$seen"
expect "alice is refused" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- garbage datagrams from the stranger"
seen=$(lines "$LOG")
for size in 1 7 64 99 101 200 512 1400; do
	udp_garbage "$NS_B" "$SRV4" "$KNOCK_PORT" "$size"
done
for i in 1 2 3 4 5; do
	udp_garbage "$NS_B" "$SRV4" "$KNOCK_PORT" 100
	udp_garbage "$NS_B" "$SRV6" "$KNOCK_PORT" 100
done
head -c 100 /dev/urandom | ip netns exec "$NS_B" nc -u -w0 "$SRV4" "$KNOCK_PORT"
# Refusals are logged rate-limited: either the lines themselves or the
# summary of those suppressed.
expect "100-byte garbage is refused and logged" wait_for_log "$LOG" \
	"refuse reason=unknown-tag .*src=($B4|$B6)|refuse reason=unknown-tag count=" 5 "$seen"
expect "no accept for garbage" test "$(count_log "$LOG" 'accept user=')" -eq 0
expect "posternd still running" kill -0 "$POSTERND_PID"
expect "the stranger is refused" tcp_closed_from "$NS_B" "$SRV4" 22

echo "-- a burst of 300 garbage knocks: refusal lines are rate-limited and summed"
seen=$(lines "$LOG")
ip netns exec "$NS_B" "$PYTHON" -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(300):
    s.sendto(os.urandom(100), (sys.argv[1], int(sys.argv[2])))
' "$SRV4" "$KNOCK_PORT"
expect "a summary line counts the ones not logged" wait_for_log "$LOG" \
	"refuse reason=unknown-tag count=[0-9]+ note=rate-limited-summary" 5 "$seen"
# tally: the burst's refusals logged one by one ($burst) and summed ($summed)
# so far. Summaries go out once a second, so the last ones may come a
# second or two after the first (a sanitizer build is slow): wait for 300.
tally() {
	local since
	since=$(tail -n "+$((seen + 1))" "$LOG")
	burst=$(grep -c "refuse reason=unknown-tag user=- src=$B4" <<<"$since")
	summed=$(sed -n 's/.*refuse reason=unknown-tag count=\([0-9]*\) note=rate-limited-summary.*/\1/p' \
		<<<"$since" | paste -sd+ | bc)
	[ "$((burst + ${summed:-0}))" -ge 300 ]
}
for _ in $(seq 40); do tally && break; sleep 0.2; done
echo "     $burst lines, $summed summed"
expect "at most 20 lines a second for the burst (got $burst)" test "$burst" -le 60
expect "every refusal is either logged or summed (got $burst + $summed)" \
	test "$((burst + summed))" -eq 300
expect "the summaries come at most once a second (got $(count_log "$LOG" 'note=rate-limited-summary'))" \
	test "$(tail -n "+$((seen + 1))" "$LOG" | grep -c 'note=rate-limited-summary')" -le 10

echo "-- and a valid knock still works"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22

finish
