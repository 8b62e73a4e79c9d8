#!/usr/bin/env bash
# test_seccomp_kill.sh BUILD — the seccomp filter kills a capture child that
# tries a forbidden system call: with POSTERN_TEST_SECCOMP_PROBE=1 (test
# only, read by the parent at start-up) the child calls openat() right after
# entering its sandbox. It must die by SIGSYS, and the parent must log it and
# restart it with growing back-off; the parent itself keeps running.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
export POSTERN_TEST_SECCOMP_PROBE=1
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
unset POSTERN_TEST_SECCOMP_PROBE

expect "the probe is announced as a test hook" \
	wait_for_log "$LOG" "TEST HOOK: POSTERN_TEST_SECCOMP_PROBE=1" 1
expect "the child is killed by SIGSYS" \
	wait_for_log "$LOG" "capture child \(pid [0-9]+\) ended: killed by signal 31 \(Bad system call\); restarting in 2 s" 5
expect "restarted, killed again, back-off doubles" \
	wait_for_log "$LOG" "killed by signal 31 \(Bad system call\); restarting in 4 s" 8
expect "the openat never returned to the child" \
	test "$(count_log "$LOG" 'openat returned')" -eq 0
expect "the parent is still running" pid_alive "$POSTERND_PID"
n=$(count_log "$LOG" "capture child started")
expect "the parent started a new child each time ($n)" test "$n" -ge 2

finish
