# lib.sh — helpers for postern's integration tests and the demo.
#
# Source it from a test script after setting nothing; the first argument of
# the test (BUILD, the build directory) is read from $1 by lib_init.
#
#   . "$(dirname "$0")/lib.sh"
#   lib_init "$@"          # BUILD dir, temp dir, traps
#   ns_setup               # server + alice + stranger namespaces
#   ...
#   finish                 # prints the tally, exits 0 or 1
#
# Topology (all inside namespaces this script creates; the host's own
# interfaces, addresses and firewall are never touched):
#
#      alice  10.77.0.2 fd77::2 ─┐
#                                ├─ bridge (hub ns) ── server 10.77.0.1 fd77::1
#   stranger  10.77.0.3 fd77::3 ─┘                     interface $SRV_IF
#
# Every veth is created inside the hub namespace with its peer moved straight
# into its namespace, so no interface ever appears in the host namespace.
# Names carry the PID of the test ($$), so tests can run side by side.
#
# Cleanup: lib_init installs a trap on EXIT, INT and TERM that stops every
# process started here (by PID), kills anything left in our namespaces, and
# deletes the namespaces and the temp dir.

# ---- names and addresses -------------------------------------------------

NS_PREFIX="ptest$$"
NS_HUB="$NS_PREFIX-hub"
NS_SRV="$NS_PREFIX-srv"
NS_A="$NS_PREFIX-alice"
NS_B="$NS_PREFIX-stranger"
SRV_IF="psrv0" # the server's interface (inside its namespace)
CLI_IF="eth0"  # each client's interface (inside its namespace)
SRV4=10.77.0.1 A4=10.77.0.2 B4=10.77.0.3
SRV6=fd77::1 A6=fd77::2 B6=fd77::3
KNOCK_PORT=62201
PYTHON=/usr/bin/python3 # Debian's, which has scapy (not a pyenv shim)

PASSES=0
FAILS=0
POSTERND_PID=""
BG_PIDS=()
NAMESPACES=()

# ---- output ----------------------------------------------------------------

pass() { PASSES=$((PASSES + 1)); echo "PASS: $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
info() { echo "  .. $*"; }
die() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); exit 1; }

# expect DESCRIPTION CMD...: PASS if CMD succeeds, FAIL otherwise.
expect() {
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# expect_not DESCRIPTION CMD...: PASS if CMD fails.
expect_not() {
	local what=$1; shift
	if "$@"; then fail "$what"; else pass "$what"; fi
}

# Prints the tally of this test and exits 0 if nothing failed.
finish() {
	echo "$(basename "$0"): $PASSES checks passed, $FAILS failed"
	[ "$FAILS" -eq 0 ] && [ "$PASSES" -gt 0 ] && exit 0
	exit 1
}

# ---- setup and teardown ----------------------------------------------------

# state_on_tmpfs SIZE: mounts a tmpfs of SIZE (e.g. 512k) at
# $TEST_DIR/statefs (STATE_DIR) for a state store, and has the EXIT trap
# remove $STATE_DIR/ballast and unmount it (lazily: the daemon may still hold
# it) before lib_cleanup removes TEST_DIR. Call after lib_init.
state_on_tmpfs() {
	STATE_DIR="$TEST_DIR/statefs"
	mkdir -p "$STATE_DIR"
	mount -t tmpfs -o "size=$1,mode=0700" postern-test "$STATE_DIR" || die "cannot mount a tmpfs"
	trap 'rc=$?; rm -f "$STATE_DIR/ballast"; umount -l "$STATE_DIR" 2>/dev/null; (exit $rc); lib_cleanup' EXIT
}

# free_disk_then_knock: the end of a full-disk test: removes the ballast
# from $STATE_DIR and checks that alice's next knock is accepted and opens
# tcp/22 (the daemon recovers by itself, no restart).
free_disk_then_knock() {
	echo "-- free the disk"
	rm -f "$STATE_DIR/ballast"
	local seen
	seen=$(lines "$LOG")
	expect "a knock works again" knock_from "$NS_A" "$SRV4" alice --lease 2s
	expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3 "$seen"
	expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
}

# lib_init BUILD: checks root and the binaries, makes $TEST_DIR, sets traps.
lib_init() {
	local build=${1:-build}
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: $(basename "$0") needs root"; exit 77; }
	BUILD=$(cd "$build" 2>/dev/null && pwd) || { echo "FAIL: no build dir $build"; exit 1; }
	POSTERN="$BUILD/postern"
	POSTERND="$BUILD/posternd"
	[ -x "$POSTERN" ] && [ -x "$POSTERND" ] \
		|| { echo "FAIL: $BUILD/postern or $BUILD/posternd missing (run make)"; exit 1; }
	TEST_DIR=$(mktemp -d /tmp/postern-test.XXXXXX)
	chmod 0700 "$TEST_DIR"
	trap lib_cleanup EXIT
	# Turn a signal into a normal exit so the EXIT trap does the cleanup.
	trap 'echo "interrupted"; exit 130' INT TERM
}

lib_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_posternd >/dev/null 2>&1 || true
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	ns_cleanup
	if [ "$rc" -ne 0 ] && [ -n "${TEST_DIR:-}" ]; then
		# Show the daemon's last words: that is what explains a failure.
		local log
		for log in "$TEST_DIR"/*.log; do
			[ -s "$log" ] || continue
			echo "---- last lines of $(basename "$log") ----"
			tail -n 25 "$log"
		done
	fi
	if [ -n "${TEST_DIR:-}" ] && [ "${KEEP:-0}" != 1 ]; then
		rm -rf "$TEST_DIR"
	fi
	exit "$rc"
}

# ns_add NAME: creates a namespace with loopback up and remembers it.
ns_add() {
	ip netns add "$1" || die "ip netns add $1"
	NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# ns_link NS IFNAME HUBPORT ADDR4 ADDR6: a veth from the hub's bridge into NS.
ns_link() {
	local ns=$1 ifname=$2 hubport=$3 a4=$4 a6=$5
	ip -n "$NS_HUB" link add "$hubport" type veth peer name "$ifname" netns "$ns" \
		|| die "veth $hubport/$ifname"
	ip -n "$NS_HUB" link set "$hubport" master br0 up
	ip -n "$ns" addr add "$a4/24" dev "$ifname"
	ip -n "$ns" addr add "$a6/64" dev "$ifname" nodad
	ip -n "$ns" link set "$ifname" up
}

# ns_setup: the topology drawn at the top of this file.
ns_setup() {
	ns_add "$NS_HUB"
	ns_add "$NS_SRV"
	ns_add "$NS_A"
	ns_add "$NS_B"
	# The hub only switches frames: no addresses, no IPv6 chatter of its own.
	ip netns exec "$NS_HUB" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$NS_HUB" link add br0 type bridge mcast_snooping 0 || die "bridge"
	ip -n "$NS_HUB" link set br0 up
	ns_link "$NS_SRV" "$SRV_IF" h-srv "$SRV4" "$SRV6"
	ns_link "$NS_A" "$CLI_IF" h-alice "$A4" "$A6"
	ns_link "$NS_B" "$CLI_IF" h-stranger "$B4" "$B6"
	wait_link_up "$NS_SRV" "$SRV_IF" && wait_link_up "$NS_A" "$CLI_IF" \
		&& wait_link_up "$NS_B" "$CLI_IF" || die "links did not come up"
}

# wait_link_up NS IFNAME: waits (5 s) until the link has carrier.
wait_link_up() {
	local i
	for i in $(seq 50); do
		ip -n "$1" link show dev "$2" 2>/dev/null | grep -q 'state UP' && return 0
		sleep 0.1
	done
	return 1
}

# ns_restore_addrs: re-adds the server's addresses if a link flap removed
# them (the kernel drops IPv6 addresses when a link goes down).
ns_restore_addrs() {
	ip -n "$NS_SRV" -4 addr show dev "$SRV_IF" | grep -q "inet $SRV4/" \
		|| ip -n "$NS_SRV" addr add "$SRV4/24" dev "$SRV_IF"
	ip -n "$NS_SRV" -6 addr show dev "$SRV_IF" | grep -q "inet6 $SRV6/" \
		|| ip -n "$NS_SRV" addr add "$SRV6/64" dev "$SRV_IF" nodad
}

# ns_cleanup: kills whatever still runs in our namespaces (only ours: their
# names carry our PID) and deletes them.
ns_cleanup() {
	local ns pids
	for ns in "${NAMESPACES[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	done
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NAMESPACES=()
}

# ---- logs ------------------------------------------------------------------

# wait_for_log FILE PATTERN TIMEOUT [SKIP]: waits until a line after the
# first SKIP lines of FILE matches the extended regex PATTERN.
wait_for_log() {
	local file=$1 pattern=$2 timeout=${3:-10} skip=${4:-0}
	local deadline=$((SECONDS + timeout))
	while :; do
		tail -n "+$((skip + 1))" "$file" 2>/dev/null | grep -Eq -- "$pattern" && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# count_log FILE PATTERN: prints how many lines match.
count_log() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }

# lines FILE: prints how many lines FILE has (0 if none).
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# ---- keys and config -------------------------------------------------------

# make_key USER DIR: writes DIR/USER.key (0600) with postern keygen.
make_key() {
	"$POSTERN" keygen --user "$1" --out "$2/$1.key" >"$2/$1.snippet" 2>&1 \
		|| { cat "$2/$1.snippet"; die "postern keygen --user $1 failed"; }
}

# write_config FILE [name=value...]: writes a test config. Names:
#   interfaces (any), window (60s), run_as (nobody), firewall (drop),
#   users ("alice"), targets ("10.77.0.0/24, fd77::/64"), knock_port (62201).
# Each user NAME gets key = $TEST_DIR/NAME.key and open = tcp/22.
write_config() {
	local file=$1; shift
	local interfaces=any window=60s run_as=nobody firewall=drop users=alice
	local targets="10.77.0.0/24, fd77::/64" knock_port=$KNOCK_PORT kv
	for kv in "$@"; do
		case $kv in
		interfaces=*) interfaces=${kv#*=} ;;
		window=*) window=${kv#*=} ;;
		run_as=*) run_as=${kv#*=} ;;
		firewall=*) firewall=${kv#*=} ;;
		users=*) users=${kv#*=} ;;
		targets=*) targets=${kv#*=} ;;
		knock_port=*) knock_port=${kv#*=} ;;
		*) die "write_config: unknown setting $kv" ;;
		esac
	done
	{
		echo "# written by $(basename "$0") for one test run"
		echo "[daemon]"
		echo "interfaces = $interfaces"
		echo "knock_ports = udp/$knock_port"
		echo "state = $TEST_DIR/state.db"
		echo "table = postern"
		echo "run_as = $run_as"
		echo "window = $window"
		echo "firewall = $firewall"
		echo
		echo "[protect]"
		echo "ports = tcp/22"
		local u
		for u in $users; do
			echo
			echo "[user $u]"
			echo "key = $TEST_DIR/$u.key"
			echo "open = tcp/22"
			echo "targets = $targets"
		done
	} >"$file"
}

# ---- processes -------------------------------------------------------------

# start_posternd NS CONFIG LOGFILE: starts the daemon in the background in
# NS, in its own session (so its process group can be killed as one), and
# waits (10 s) until the log shows it is ready. Sets POSTERND_PID.
start_posternd() {
	local ns=$1 config=$2 log=$3 skip
	skip=$(lines "$log")
	# setsid does not fork here (a background job of a non-interactive shell
	# is not a group leader), and ip netns exec execs: $! is posternd.
	setsid ip netns exec "$ns" "$POSTERND" -c "$config" >>"$log" 2>&1 </dev/null &
	POSTERND_PID=$!
	local deadline=$((SECONDS + 10))
	until tail -n "+$((skip + 1))" "$log" | grep -Eqw ready; do
		if ! kill -0 "$POSTERND_PID" 2>/dev/null; then
			echo "posternd exited before it was ready:"; tail -n 20 "$log"
			POSTERND_PID=""
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "posternd not ready after 10 s:"; tail -n 20 "$log"
			return 1
		fi
		sleep 0.1
	done
}

# posternd_pids: the daemon and its children (the capture child).
posternd_pids() {
	[ -n "$POSTERND_PID" ] || return 0
	echo "$POSTERND_PID"
	pgrep -P "$POSTERND_PID" 2>/dev/null || true
}

# pid_alive PID: true if PID runs (a zombie, killed but not yet reaped by
# its new parent, does not count).
pid_alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# stop_posternd [SIGNAL]: TERM (default) the daemon and wait for it (5 s),
# then KILL whatever of it is left. SIGNAL=KILL kills parent and child at
# once. Returns 1 if the daemon ignored SIGNAL and had to be killed;
# POSTERND_EXIT holds its exit status.
stop_posternd() {
	local sig=${1:-TERM} pids i rc=0
	[ -n "$POSTERND_PID" ] || return 0
	pids=$(posternd_pids)
	if [ "$sig" = KILL ]; then
		# The whole process group and, in case the child left it, each PID.
		kill -KILL -- "-$POSTERND_PID" 2>/dev/null
		kill -KILL $pids 2>/dev/null
	else
		kill "-$sig" "$POSTERND_PID" 2>/dev/null
		for i in $(seq 50); do
			pid_alive "$POSTERND_PID" || break
			sleep 0.1
		done
		pid_alive "$POSTERND_PID" && rc=1
		kill -KILL $pids 2>/dev/null
	fi
	wait "$POSTERND_PID" 2>/dev/null
	POSTERND_EXIT=$?
	POSTERND_PID=""
	return "$rc"
}

# start_tcp_service NS PORT [BANNER]: a dual-stack TCP listener that accepts
# forever, sends BANNER (if any) and closes; waits until it listens.
start_tcp_service() {
	local ns=$1 port=$2 banner=${3:-}
	ip netns exec "$ns" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(64)
banner = sys.argv[2].encode()
while True:
    c, _ = s.accept()
    try:
        if banner:
            c.sendall(banner + b"\r\n")
    except OSError:
        pass
    c.close()
' "$port" "$banner" </dev/null >/dev/null 2>&1 &
	BG_PIDS+=("$!")
	local i
	for i in $(seq 50); do
		ip netns exec "$ns" ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	die "TCP service on port $port did not start in $ns"
}

# ---- network probes ----------------------------------------------------------

# tcp_open_from NS ADDR PORT: 0 if a TCP connection from NS succeeds within
# 1 s. postern drops (not rejects) closed doors, so "closed" is a timeout.
tcp_open_from() {
	ip netns exec "$1" nc -z -w 1 "$2" "$3" </dev/null >/dev/null 2>&1
}
tcp_closed_from() { ! tcp_open_from "$@"; }

# wait_open NS ADDR PORT [TIMEOUT]: polls (default 3 s) until the door opens:
# the accept line is logged a moment before or after the kernel has the lease.
wait_open() {
	local deadline=$((SECONDS + ${4:-3}))
	until tcp_open_from "$1" "$2" "$3"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# knock_from NS SERVER USER [postern knock options...]: one knock from NS
# with $TEST_DIR/USER.key, opening tcp/22 unless options say otherwise.
knock_from() {
	local ns=$1 server=$2 user=$3; shift 3
	local open=(--open tcp/22)
	case " $* " in *" --open "*) open=() ;; esac
	ip netns exec "$ns" "$POSTERN" knock --server "$server" --user "$user" \
		--key "$TEST_DIR/$user.key" "${open[@]}" "$@"
}

# wait_closed NS ADDR PORT TIMEOUT: polls until the door is closed.
# 1 if still open after TIMEOUT seconds.
wait_closed() {
	local deadline=$((SECONDS + $4))
	while tcp_open_from "$1" "$2" "$3"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# udp_garbage NS ADDR PORT SIZE: sends SIZE random bytes in one datagram.
udp_garbage() {
	ip netns exec "$1" "$PYTHON" -c '
import os, socket, sys
addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.sendto(os.urandom(size), (addr, port))
' "$2" "$3" "$4"
}

# ---- capture and replay with third-party tools --------------------------------

# capture_start NS IFNAME FILE FILTER: tcpdump writes matching frames to FILE.
capture_start() {
	local ns=$1 ifname=$2 file=$3 filter=$4
	ip netns exec "$ns" tcpdump -i "$ifname" --immediate-mode -U -n -w "$file" "$filter" \
		>"$file.tcpdump.log" 2>&1 &
	CAPTURE_PID=$!
	BG_PIDS+=("$CAPTURE_PID")
	# tcpdump says "listening on" once the capture is live.
	wait_for_log "$file.tcpdump.log" 'listening on' 5 || die "tcpdump did not start"
}

# capture_stop: stops tcpdump (it flushes FILE on SIGINT).
capture_stop() {
	sleep 0.3 # let the last frame reach the capture buffer
	kill -INT "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
	return 0
}

# pcap_count FILE: prints how many frames FILE holds.
pcap_count() {
	tcpdump -n -r "$1" 2>/dev/null | wc -l
}

# replay NS IFNAME FILE: resends FILE's frames byte for byte with tcpreplay.
replay() {
	ip netns exec "$1" tcpreplay -q -i "$2" "$3" >"$3.replay.log" 2>&1 \
		|| { cat "$3.replay.log"; return 1; }
}
