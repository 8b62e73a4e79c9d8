#!/usr/bin/env bash
# test_child_stop_cont.sh BUILD — stopping the capture child and letting it
# go on (SIGSTOP/SIGCONT: job control, a debugger or strace attaching, a
# checkpoint) must not kill it: the kernel resumes its interrupted poll()
# through restart_syscall(2), which the seccomp allow-list must permit.
# The child keeps its PID, the parent does not restart it, and a knock sent
# after the stop still opens the door.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
wait_for_log "$LOG" "capture child sandboxed" 5 || die "the child did not start"
child=$(pgrep -P "$POSTERND_PID" | head -n 1)
[ -n "$child" ] || die "no capture child"
sleep 0.3 # the child is asleep in poll() now

for round in 1 2 3; do
	kill -STOP "$child"
	sleep 0.2
	kill -CONT "$child"
	sleep 0.3
	expect "round $round: the child survives SIGSTOP/SIGCONT" pid_alive "$child"
done
expect "the child never ended" test "$(count_log "$LOG" 'capture child .* ended')" -eq 0
expect "no restart" test "$(count_log "$LOG" 'capture child started')" -eq 1
expect "a knock after the stops opens the door" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "alice gets in" wait_open "$NS_A" "$SRV4" 22
expect "the same child handled it" pid_alive "$child"

finish
