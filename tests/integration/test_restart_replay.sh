#!/usr/bin/env bash
# test_restart_replay.sh BUILD — replay records survive a restart: a knock
# accepted before posternd was stopped and started again is refused as a
# replay when resent (by tcpreplay) within the freshness window afterwards.
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

echo "-- alice knocks (recorded by tcpdump)"
capture_start "$NS_A" "$CLI_IF" "$PCAP" "udp and dst port $KNOCK_PORT"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s
knocked=$SECONDS
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
capture_stop
expect "tcpdump recorded the knock" test "$(pcap_count "$PCAP")" -eq 1
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22

echo "-- restart posternd (SIGTERM, then start again)"
expect "posternd exits by itself on SIGTERM" stop_posternd TERM
expect "with status 0 (it was $POSTERND_EXIT)" test "$POSTERND_EXIT" -eq 0
expect "posternd starts again on the same state" \
	start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG"
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 5

echo "-- the recorded knock is replayed after the restart"
# Still inside the freshness window (60 s), so only the replay store can
# tell it was used.
info "$((SECONDS - knocked)) s after the knock"
seen=$(lines "$LOG")
expect "tcpreplay sent the frame" replay "$NS_A" "$CLI_IF" "$PCAP"
expect "refuse reason=replay logged by the new daemon" wait_for_log "$LOG" \
	"refuse reason=replay user=alice src=$A4" 3 "$seen"
expect "the door was opened once only" test "$(count_log "$LOG" 'accept user=alice')" -eq 1
expect "alice is refused" tcp_closed_from "$NS_A" "$SRV4" 22

finish
