#!/usr/bin/env bash
# test_knock_open.sh BUILD — a knock opens the door for the knocking address
# only, for the lease, and only in the knock's address family; --target opens
# for another address only when the user's `targets` allow it.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
# UDP knocks only: the capture keeps 256 bytes a packet, the ring 13 797.
expect "the capture child logs its ring" wait_for_log "$LOG" \
	"capture child: ring snaplen=256 buffer=4856544 frames=13797 per interface" 3

echo "-- before any knock: every door is closed"
expect "alice cannot reach tcp/22 over IPv4" tcp_closed_from "$NS_A" "$SRV4" 22
expect "alice cannot reach tcp/22 over IPv6" tcp_closed_from "$NS_A" "$SRV6" 22
expect "stranger cannot reach tcp/22" tcp_closed_from "$NS_B" "$SRV4" 22

echo "-- alice knocks over IPv4 for 3 s"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged for alice's IPv4 address" wait_for_log "$LOG" \
	"accept user=alice src=$A4 target=$A4 open=tcp/22 lease=3 via=udp" 3
expect "alice reaches tcp/22 over IPv4" wait_open "$NS_A" "$SRV4" 22
expect "stranger is still refused" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the door is not open over IPv6 for alice" tcp_closed_from "$NS_A" "$SRV6" 22
# 3 s lease, of which 2-3 s already went by in the probes above.
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 5

echo "-- alice knocks over IPv6 for 3 s"
expect "postern knock over IPv6 exits 0" knock_from "$NS_A" "$SRV6" alice --lease 3s
expect "accept logged for alice's IPv6 address" wait_for_log "$LOG" \
	"accept user=alice src=$A6 target=$A6 open=tcp/22 lease=3" 3
expect "alice reaches tcp/22 over IPv6" wait_open "$NS_A" "$SRV6" 22
expect "alice's IPv4 address stays closed (other family)" tcp_closed_from "$NS_A" "$SRV4" 22
expect "stranger is refused over IPv6" tcp_closed_from "$NS_B" "$SRV6" 22
expect "the IPv6 door closes when the lease ends" wait_closed "$NS_A" "$SRV6" 22 5

echo "-- alice opens for another address her targets allow"
expect "knock --target $B4 exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s --target "$B4"
expect "accept logged with target=$B4" wait_for_log "$LOG" \
	"accept user=alice src=$A4 target=$B4 open=tcp/22" 3
expect "the target ($B4) reaches tcp/22" wait_open "$NS_B" "$SRV4" 22
expect "alice's own address is not opened" tcp_closed_from "$NS_A" "$SRV4" 22
expect "the target's door closes with the lease" wait_closed "$NS_B" "$SRV4" 22 5

echo "-- alice names a target her targets do not allow"
accepts=$(count_log "$LOG" '^.*accept user=')
outside=10.99.0.1 # never contacted: only carried inside the knock
expect "knock --target $outside exits 0" knock_from "$NS_A" "$SRV4" alice --lease 3s --target "$outside"
expect "refuse reason=policy logged" wait_for_log "$LOG" "refuse reason=policy user=alice src=$A4" 3
expect "no new accept" test "$(count_log "$LOG" '^.*accept user=')" -eq "$accepts"
expect "alice is still refused" tcp_closed_from "$NS_A" "$SRV4" 22

expect "posternd still running" kill -0 "$POSTERND_PID"
finish
