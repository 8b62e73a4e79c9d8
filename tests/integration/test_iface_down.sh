#!/usr/bin/env bash
# test_iface_down.sh BUILD — posternd bound to one interface survives that
# interface going down and up: it says so in the log, resumes capture, and
# a knock afterwards opens the door; it is the same process throughout.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf" interfaces="$SRV_IF"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
pid=$POSTERND_PID
expect "ready line names $SRV_IF" grep -Eq "ready.*$SRV_IF" "$LOG"

echo "-- a knock works before the flap"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22

echo "-- ip link set dev $SRV_IF down; wait; up"
seen=$(lines "$LOG")
ip -n "$NS_SRV" link set dev "$SRV_IF" down
expect "the log says $SRV_IF went down" wait_for_log "$LOG" "$SRV_IF.*down|down.*$SRV_IF" 5 "$seen"
sleep 2
seen=$(lines "$LOG")
ip -n "$NS_SRV" link set dev "$SRV_IF" up
# The kernel drops IPv6 addresses on link down; IPv4 ones stay.
ns_restore_addrs
expect "$SRV_IF has carrier again" wait_link_up "$NS_SRV" "$SRV_IF"
expect "the log says capture resumed on $SRV_IF" wait_for_log "$LOG" "resum.*$SRV_IF" 10 "$seen"
expect "posternd is the same process (PID $pid)" test "$POSTERND_PID" = "$pid"
expect "posternd still running" pid_alive "$pid"

echo "-- knocks work again after the flap"
# Let the first lease run out, so the probe below shows the new knock.
expect "the first lease has ended" wait_closed "$NS_A" "$SRV4" 22 5
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged after the flap" wait_for_log "$LOG" "accept user=alice src=$A4" 3 "$seen"
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "postern knock over IPv6 exits 0" knock_from "$NS_A" "$SRV6" alice --lease 3s
expect "IPv6 knock accepted after the flap" wait_for_log "$LOG" "accept user=alice src=$A6" 3 "$seen"
expect "alice reaches tcp/22 over IPv6" wait_open "$NS_A" "$SRV6" 22
expect "the stranger is still refused" tcp_closed_from "$NS_B" "$SRV4" 22

finish
