#!/usr/bin/env bash
# test_child_crash.sh BUILD — a capture child that crashes is restarted with
# back-off: three crashes (SIGABRT) in a row give restarts after 2, 4 and 8 seconds;
# the parent stays up, and once a child runs again a knock works.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

# wait_new_child OLD TIMEOUT: prints the PID of a running child other than OLD.
wait_new_child() {
	local old=$1 deadline=$((SECONDS + $2)) c
	while [ "$SECONDS" -lt "$deadline" ]; do
		c=$(pgrep -P "$POSTERND_PID" | head -n 1)
		if [ -n "$c" ] && [ "$c" != "$old" ] && pid_alive "$c"; then
			echo "$c"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"

child=$(wait_new_child "" 5) || die "no capture child"
for delay in 2 4 8; do
	# SIGABRT, not SIGSEGV: the sanitizer build catches SEGV in a handler
	# of its own (which the seccomp filter then stops), ABRT it leaves alone.
	echo "-- kill -ABRT the child ($child)"
	seen=$(lines "$LOG")
	kill -ABRT "$child"
	expect "crash logged, restart in $delay s" wait_for_log "$LOG" \
		"capture child \(pid $child\) ended: killed by signal 6 \(Aborted\); restarting in $delay s" 3 "$seen"
	start=$SECONDS
	child=$(wait_new_child "$child" $((delay + 5))) || { fail "no new child"; break; }
	took=$((SECONDS - start))
	expect "a new child ($child) after about $delay s (took ${took}s)" \
		test "$took" -ge $((delay - 1)) -a "$took" -le $((delay + 2))
done
expect "the parent is still running" pid_alive "$POSTERND_PID"

echo "-- after recovery"
seen=$(lines "$LOG")
wait_for_log "$LOG" "capture child sandboxed" 5 "$(($(lines "$LOG") - 3))" || true
expect "alice's knock" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3 "$seen"
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22

finish
