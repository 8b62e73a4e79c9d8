#!/usr/bin/env bash
# test_state_full_reserved.sh BUILD — a full state disk once the WAL's
# reserve is written (state_reserve_wal: a knock's commit rewrites blocks
# the WAL already has). The state store lives on a tmpfs large enough for
# the reserve; a ballast file then fills it. Whatever the daemon decides on
# the full disk, it loses nothing and fails closed: a knock it accepts is
# recorded (after a restart on the still-full disk its replay is refused),
# a knock it cannot record is refused with reason=state-error, and no door
# opens twice for one knock. Freed, the disk takes knocks again.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

# The reserve (~5 MB) is only written with 16 times that free.
state_on_tmpfs 100m

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
sed -i "s|^state = .*|state = $STATE_DIR/state.db|" "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
PCAP="$TEST_DIR/knock.pcap"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"

expect "a knock works on the empty disk" knock_from "$NS_A" "$SRV4" alice --lease 2s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
wal_bytes=$(stat -c %s "$STATE_DIR/state.db-wal" 2>/dev/null || echo 0)
info "WAL: $wal_bytes bytes"
expect "the WAL's reserve was written (>= 4.9 MB)" test "$wal_bytes" -ge 4900000

echo "-- fill the disk, then alice knocks (recorded by tcpdump)"
dd if=/dev/zero of="$STATE_DIR/ballast" bs=64k >/dev/null 2>&1
info "free: $(df --output=avail -k "$STATE_DIR" | tail -n1) KiB"
expect "the door is shut again" wait_closed "$NS_A" "$SRV4" 22 5
seen=$(lines "$LOG")
capture_start "$NS_A" "$CLI_IF" "$PCAP" "udp and dst port $KNOCK_PORT"
knock_from "$NS_A" "$SRV4" alice --lease 2s >/dev/null
capture_stop
expect "tcpdump recorded the knock" test "$(pcap_count "$PCAP")" -eq 1
expect "the knock is decided: accepted (recorded) or refused as state-error" \
	wait_for_log "$LOG" "(accept|refuse reason=state-error) user=alice src=$A4" 3 "$seen"
accepted=$(tail -n "+$((seen + 1))" "$LOG" | grep -c "accept user=alice src=$A4")
info "on the full disk the knock was $([ "$accepted" -gt 0 ] && echo accepted || echo refused)"
expect "the daemon keeps running" pid_alive "$POSTERND_PID"

echo "-- restart on the still-full disk, then the knock is replayed"
expect "posternd exits by itself on SIGTERM" stop_posternd TERM
expect "posternd starts again on the full disk" \
	start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG"
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 5
seen=$(lines "$LOG")
expect "tcpreplay sent the frame" replay "$NS_A" "$CLI_IF" "$PCAP"
expect "the replay is refused (as a replay, or as state-error)" wait_for_log "$LOG" \
	"refuse reason=(replay|state-error) user=alice src=$A4" 3 "$seen"
expect "no accept for the replay" \
	test "$(tail -n "+$((seen + 1))" "$LOG" | grep -c 'accept user=')" -eq 0
expect "alice is refused" tcp_closed_from "$NS_A" "$SRV4" 22
if [ "$accepted" -gt 0 ]; then
	# Accepted on the full disk means recorded: the new daemon knows it.
	expect "the knock accepted on the full disk is a replay to the new daemon" \
		wait_for_log "$LOG" "refuse reason=replay user=alice src=$A4" 1 "$seen"
fi

free_disk_then_knock

finish
