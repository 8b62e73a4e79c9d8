#!/usr/bin/env bash
# test_replay.sh BUILD — a knock sniffed off the wire and resent byte for
# byte by a tool that is not postern (tcpreplay) is refused as a replay, and
# the door it once opened stays closed.
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

echo "-- alice knocks while tcpdump records it on her interface"
capture_start "$NS_A" "$CLI_IF" "$PCAP" "udp and dst port $KNOCK_PORT"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
capture_stop
expect "tcpdump recorded exactly one knock datagram" test "$(pcap_count "$PCAP")" -eq 1
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the door closes when the 3 s lease ends" wait_closed "$NS_A" "$SRV4" 22 5

echo "-- the recorded frame is replayed with tcpreplay (same namespace, same source)"
expect "tcpreplay sent the frame" replay "$NS_A" "$CLI_IF" "$PCAP"
expect "refuse reason=replay logged" wait_for_log "$LOG" "refuse reason=replay user=alice src=$A4" 3
expect "the door was opened once only" test "$(count_log "$LOG" 'accept user=alice')" -eq 1
expect "alice is refused after the replay" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- a second replay is refused too"
seen=$(lines "$LOG")
replay "$NS_A" "$CLI_IF" "$PCAP"
expect "second replay refused" wait_for_log "$LOG" "refuse reason=replay user=alice" 3 "$seen"
expect "still a single accept" test "$(count_log "$LOG" 'accept user=alice')" -eq 1
expect "alice is still refused" tcp_closed_from "$NS_A" "$SRV4" 22

finish
