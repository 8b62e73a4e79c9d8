#!/usr/bin/env bash
# test_tagfilter.sh BUILD — kernel_filter = tags: where every knock is a
# single-packet knock in a UDP datagram, the capture's kernel filter checks
# the tag: garbage of a knock's size never reaches the capture ring, valid
# knocks do, and the filter follows the window as it slides (a knock whose
# slot was not in the first filter still opens). With another carrier in
# the config the filter stays libpcap's, by port and length (and the log
# says so), and the same garbage does reach the ring; so it does with the
# default, kernel_filter = ports, where each refusal is logged.
#
# The ring's count is PACKET_STATISTICS of the child's capture socket
# (bench/ringstat), which counts the packets that passed the filter.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
RINGSTAT="$BUILD/bench/ringstat"
[ -x "$RINGSTAT" ] || die "$RINGSTAT missing (run make BUILD=$BUILD)"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
LOG="$TEST_DIR/posternd.log"

# garbage N: N datagrams of a knock's size (100 random bytes) from the
# stranger to the knock port.
garbage() {
	ip netns exec "$NS_B" "$PYTHON" -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[1])):
    s.sendto(os.urandom(100), (sys.argv[2], int(sys.argv[3])))
' "$1" "$SRV4" "$KNOCK_PORT"
}

# ring_packets: packets the capture ring took since the last call.
ring_packets() {
	# shellcheck disable=SC2046 # one PID per word
	"$RINGSTAT" $(posternd_pids) | sed -n 's/.*packets=\([0-9]*\).*/\1/p'
}

between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# garbage_in_ring LO HI WHAT: sends 300 garbage datagrams and expects the
# ring to have taken LO..HI packets meanwhile.
garbage_in_ring() {
	local n
	ring_packets >/dev/null
	garbage 300
	sleep 0.5
	n=$(ring_packets)
	expect "$3 (the ring took ${n:-?} of 300)" between "${n:-x}" "$1" "$2"
}

# alice_opens WHAT [KNOCK ARGS...]: her knock opens tcp/22 for her.
alice_opens() {
	local what=$1; shift
	expect "$what: the knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s "$@"
	expect "$what: alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
}

# tags_config FILE: write_config's, with kernel_filter = tags.
tags_config() {
	write_config "$1"
	sed -i 's/^\[daemon\]$/[daemon]\nkernel_filter = tags/' "$1"
}

echo "-- UDP knocks only: the tags are in the kernel filter"
tags_config "$TEST_DIR/postern.conf"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
started=$(date +%s)
# One user, a ±60-s window: the tags of 5 slots.
expect "the child's kernel filter checks the tags" wait_for_log "$LOG" \
	"capture child: kernel filter checks the tags \\(5 now\\)" 3
garbage_in_ring 0 0 "no garbage reaches the ring"
alice_opens "a knock"
n=$(ring_packets)
expect "her knock reached the ring (got ${n:-?})" between "${n:-x}" 1 3
expect "the door closes with the lease" wait_closed "$NS_A" "$SRV4" 22 5

echo "-- the window slides: a knock of a slot the first filter did not hold"
# The first filter held the slots up to that of started + 60. A knock from
# a clock 55 s ahead falls past it once the time passes the next slot's
# start - 55; the daemon accepts it (inside the ±60-s window) only if the
# filter was rebuilt with the new slot.
past=$(( ((started + 60) / 30 + 1) * 30 - 55 + 2 ))
wait_s=$((past - $(date +%s)))
echo "   waiting ${wait_s} s for the slot to change"
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
skip=$(lines "$LOG")
alice_opens "a knock 55 s ahead" --clock-offset 55
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3 "$skip"
garbage_in_ring 0 0 "garbage still stays out"
expect "posternd still running" kill -0 "$POSTERND_PID"
stop_posternd

echo "-- with ICMP knocks too: libpcap's filter, by port and length"
tags_config "$TEST_DIR/postern-icmp.conf"
sed -i 's/^\[daemon\]$/[daemon]\nicmp = yes/' "$TEST_DIR/postern-icmp.conf"
: >"$LOG"
start_posternd "$NS_SRV" "$TEST_DIR/postern-icmp.conf" "$LOG" || die "posternd did not start"
expect "the child says the tags cannot be used" wait_for_log "$LOG" \
	"kernel_filter = tags, but this config takes other knocks.*ports and lengths only" 3
garbage_in_ring 300 310 "the garbage reaches the ring"
alice_opens "a knock"
stop_posternd

echo "-- 500 users (2 500 tags, more than a filter holds): by port and length"
tags_config "$TEST_DIR/postern-many.conf"
keys="$TEST_DIR/users.keys"
(umask 077; "$PYTHON" -c '
import base64, os
for i in range(499):
    print("u%03d %s" % (i, base64.b64encode(os.urandom(32)).decode()))
' >"$keys")
sed -i "s|^\[daemon\]\$|[daemon]\nkeys_file = $keys|" "$TEST_DIR/postern-many.conf"
printf '\n[user *]\nopen = tcp/22\n' >>"$TEST_DIR/postern-many.conf"
: >"$LOG"
start_posternd "$NS_SRV" "$TEST_DIR/postern-many.conf" "$LOG" || die "posternd did not start"
expect "the child says the tags do not fit" wait_for_log "$LOG" \
	"kernel_filter = tags: 2500 tags, more than the 2048 a filter holds; filtering by port and length only" 3
garbage_in_ring 300 310 "the garbage reaches the ring"
alice_opens "a knock"
stop_posternd

echo "-- the default, kernel_filter = ports: garbage reaches the child, which logs it"
write_config "$TEST_DIR/postern-ports.conf"
: >"$LOG"
start_posternd "$NS_SRV" "$TEST_DIR/postern-ports.conf" "$LOG" || die "posternd did not start"
garbage_in_ring 300 310 "the garbage reaches the ring"
expect "its refusal is logged" wait_for_log "$LOG" "refuse reason=unknown-tag .*src=$B4" 3
expect_not "no kernel filter with tags" grep -q "kernel filter" "$LOG"
stop_posternd
finish
