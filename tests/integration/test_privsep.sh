#!/usr/bin/env bash
# test_privsep.sh BUILD — what each posternd process may do, read from
# /proc: the parent keeps only CAPS_PARENT_KEEP (effective and bounding);
# the capture child runs as run_as with no capability in any set, locked
# securebits, no_new_privs, a seccomp filter, an empty root, and none of the
# parent's files (state store) open; knocks still work. Then the same with
# the chroot fallback (POSTERN_TEST_SANDBOX=chroot, test only).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

# cap_kill(5) setgid(6) setuid(7) setpcap(8) net_bind_service(10)
# net_admin(12) net_raw(13) sys_chroot(18)
PARENT_CAPS=00000000000435e0

field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

child_pid() { pgrep -P "$POSTERND_PID" | head -n 1; }

# no_dir_or_file_open PID: past stdin/stdout/stderr (which may be a log
# file), PID holds no directory (the parent holds one for the state store's
# flush, walsync.c; openat(dir, "..") would lead out of an empty root) and
# no regular file.
no_dir_or_file_open() {
	local f
	for f in /proc/"$1"/fd/*; do
		case ${f##*/} in 0 | 1 | 2) continue ;; esac
		if [ -d "$f" ] || [ -f "$f" ]; then
			echo "  open: $f -> $(readlink "$f")"
			return 1
		fi
	done
}

# check_child MODE: the sandbox of the running child; MODE is
# "namespaces" or "chroot".
check_child() {
	local mode=$1 c root_list
	c=$(child_pid)
	[ -n "$c" ] || { fail "no capture child"; return; }
	info "capture child pid $c"
	expect "child runs as nobody (uid 65534)" test "$(field "$c" Uid)" = 65534
	expect "child gid is nobody's" test "$(field "$c" Gid)" = 65534
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		expect "child $set is empty" test "$(field "$c" $set)" = 0000000000000000
	done
	expect "child has no_new_privs" test "$(field "$c" NoNewPrivs)" = 1
	expect "child is under a seccomp filter (mode 2)" test "$(field "$c" Seccomp)" = 2
	root_list=$(ls -A "/proc/$c/root/" 2>&1)
	expect "child's root directory is empty (${root_list:-empty})" test -z "$root_list"
	expect "child holds no descriptor of the state store" \
		bash -c "! ls -l /proc/$c/fd/ | grep -q state.db"
	expect "child holds no descriptor of a directory or regular file" \
		no_dir_or_file_open "$c"
	expect "child maps no file of the state store" \
		bash -c "! grep -q state.db /proc/$c/maps"
	if [ "$mode" = namespaces ]; then
		expect "child is in its own user namespace" \
			test "$(readlink "/proc/$c/ns/user")" != "$(readlink /proc/self/ns/user)"
		expect "child is in its own mount namespace" \
			test "$(readlink "/proc/$c/ns/mnt")" != "$(readlink "/proc/$POSTERND_PID/ns/mnt")"
		expect "child is in its own network namespace" \
			test "$(readlink "/proc/$c/ns/net")" != "$(readlink "/proc/$POSTERND_PID/ns/net")"
		expect "log says namespaces" wait_for_log "$LOG" "sandboxed: .*namespaces" 3 "$seen"
	else
		expect "child shares the user namespace (chroot fallback)" \
			test "$(readlink "/proc/$c/ns/user")" = "$(readlink /proc/self/ns/user)"
		expect "log says chroot" wait_for_log "$LOG" "sandboxed: .*chroot" 3 "$seen"
	fi
}

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
write_config "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"

echo "-- sandbox with namespaces"
seen=$(lines "$LOG")
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
wait_for_log "$LOG" "sandboxed" 5 "$seen" || die "child never sandboxed"
expect "parent is root" test "$(field "$POSTERND_PID" Uid)" = 0
expect "parent CapEff is exactly the kept set ($(field "$POSTERND_PID" CapEff))" \
	test "$(field "$POSTERND_PID" CapEff)" = $PARENT_CAPS
expect "parent CapPrm is exactly the kept set" test "$(field "$POSTERND_PID" CapPrm)" = $PARENT_CAPS
expect "parent CapBnd is trimmed to the kept set ($(field "$POSTERND_PID" CapBnd))" \
	test "$(field "$POSTERND_PID" CapBnd)" = $PARENT_CAPS
expect "parent CapInh and CapAmb are empty" \
	test "$(field "$POSTERND_PID" CapInh)$(field "$POSTERND_PID" CapAmb)" = 00000000000000000000000000000000
expect "parent logged what it keeps" wait_for_log "$LOG" "parent keeps cap_kill,.*cap_net_admin" 1
check_child namespaces
expect "alice's knock works" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "no child was killed by seccomp" test "$(count_log "$LOG" 'signal 31')" -eq 0
stop_posternd

echo "-- sandbox with the chroot fallback"
seen=$(lines "$LOG")
export POSTERN_TEST_SANDBOX=chroot
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"
unset POSTERN_TEST_SANDBOX
wait_for_log "$LOG" "sandboxed" 5 "$seen" || die "child never sandboxed"
expect "test hook announced" wait_for_log "$LOG" "TEST HOOK: POSTERN_TEST_SANDBOX=chroot" 1 "$seen"
check_child chroot
expect "alice's knock works" knock_from "$NS_A" "$SRV6" alice --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A6" 3 "$seen"
expect "no child was killed by seccomp" test "$(count_log "$LOG" 'signal 31')" -eq 0

finish
