#!/usr/bin/env bash
# test_crash_durable.sh BUILD — what was committed survives a crash: a knock
# accepted just before posternd is killed with SIGKILL (no clean shutdown,
# no WAL checkpoint) is refused as a replay by the next daemon.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
PCAP="$TEST_DIR/knock.pcap"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"

capture_start "$NS_A" "$CLI_IF" "$PCAP" "udp and dst port $KNOCK_PORT"
expect "alice's knock" knock_from "$NS_A" "$SRV4" alice --lease 2s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
capture_stop

echo "-- kill -9 the daemon right after the grant, start it again"
stop_posternd KILL
expect "posternd starts again on the same state" \
	start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG"
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 5
seen=$(lines "$LOG")
expect "tcpreplay resends the knock" replay "$NS_A" "$CLI_IF" "$PCAP"
expect "refused as a replay after the crash" \
	wait_for_log "$LOG" "refuse reason=replay user=alice src=$A4" 3 "$seen"
expect "opened once only" test "$(count_log "$LOG" 'accept user=alice')" -eq 1
expect "a fresh knock works" knock_from "$NS_A" "$SRV4" alice --lease 2s
expect "accepted" wait_for_log "$LOG" "accept user=alice src=$A4" 3 "$seen"

finish
