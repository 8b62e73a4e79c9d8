#!/usr/bin/env bash
# test_kill9.sh BUILD — leases live in the kernel: when posternd is killed
# with SIGKILL (parent and capture child) an open door stays open only until
# its lease ends, and a protected port stays closed to everyone else while
# the daemon is dead (fail closed).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

LEASE=4

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"

echo "-- alice knocks for $LEASE s"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" alice --lease ${LEASE}s
knocked=$SECONDS
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4 .*lease=$LEASE" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22

echo "-- kill -9 the daemon: its process group and each of its PIDs"
pids=$(posternd_pids | tr '\n' ' ')
info "posternd PIDs: $pids"
stop_posternd KILL
sleep 0.3
alive=""
for p in $pids; do pid_alive "$p" && alive+=" $p"; done
expect "no posternd process is left${alive:+ (alive:$alive)}" test -z "$alive"

# Still inside the lease: the kernel keeps the element until it times out.
if [ $((SECONDS - knocked)) -lt $((LEASE - 1)) ]; then
	expect "alice's door is still open inside the lease" tcp_open_from "$NS_A" "$SRV4" 22
else
	info "too slow to probe inside the lease; skipped that check"
fi
expect "the stranger is refused while the daemon is dead" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the stranger is refused over IPv6 too" tcp_closed_from "$NS_B" "$SRV6" 22
expect "alice's door closes when the lease ends (no daemon needed)" \
	wait_closed "$NS_A" "$SRV4" 22 $((LEASE + 2))
took=$((SECONDS - knocked))
expect "it closed about when the lease ended (${took}s after the knock)" \
	test "$took" -le $((LEASE + 3))
expect "alice stays refused" tcp_closed_from "$NS_A" "$SRV4" 22
expect "the stranger stays refused" tcp_closed_from "$NS_B" "$SRV4" 22
expect "postern's table is still in place (fail closed)" \
	ip netns exec "$NS_SRV" nft list table inet postern >/dev/null

finish
