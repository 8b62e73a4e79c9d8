#!/usr/bin/env bash
# test_state_full_daemon.sh BUILD — the daemon on a full state disk: the
# state store lives on a tiny tmpfs; once a ballast file fills it, knocks
# are refused with reason=state-error (fail closed) and the failure is
# logged, the daemon keeps running; when the ballast is removed, knocks
# work again.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

state_on_tmpfs 512k

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
sed -i "s|^state = .*|state = $STATE_DIR/state.db|" "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"

expect "a knock works on the empty disk" knock_from "$NS_A" "$SRV4" alice --lease 2s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3

echo "-- fill the disk"
dd if=/dev/zero of="$STATE_DIR/ballast" bs=4k >/dev/null 2>&1
info "free: $(df --output=avail -k "$STATE_DIR" | tail -n1) KiB"
seen=$(lines "$LOG")
for i in 1 2 3; do
	knock_from "$NS_A" "$SRV4" alice --lease 2s >/dev/null
	sleep 0.3
done
expect "knocks refused with reason=state-error" \
	wait_for_log "$LOG" "refuse reason=state-error user=alice src=$A4" 3 "$seen"
expect "the failure is logged loudly (fail closed)" \
	wait_for_log "$LOG" "state store failed: .*refusing knocks until it can record them \(fail closed\)" 1 "$seen"
expect "no accept while the disk is full" \
	test "$(tail -n "+$((seen + 1))" "$LOG" | grep -c 'accept user=')" -eq 0
expect "the daemon keeps running" pid_alive "$POSTERND_PID"
expect "its capture child too" test -n "$(pgrep -P "$POSTERND_PID")"

free_disk_then_knock

finish
