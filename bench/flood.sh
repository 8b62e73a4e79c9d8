#!/usr/bin/env bash
# bench/flood.sh BUILD — holding under flood: posternd, then fwknopd, same
# scenarios, same namespaces, one table (issue 5).
#
# Topology: tests/integration/lib.sh's, under names of our own
# (pflood<PID>-*): a server namespace (the daemon, pinned to CPU 0 with
# taskset), alice's namespace (the probe: valid knocks), and a flooder
# namespace (the "stranger" of lib.sh; bench/flood pinned to CPU 1), all
# joined through a bridge in a hub namespace. Nothing is sent anywhere else;
# namespaces and every process started are removed on every exit path.
#
# Per daemon, each scenario runs a bounded flood (bench/flood: at most
# FLOOD_SECONDS and a packet count) and, while it runs, FLOOD_KNOCKS valid knocks
# from alice, each from a pre-sealed packet the probe sends itself
# (probe_connect -U -X), so latency starts at the send, not at a client's
# process start. Before each knock the door is closed again (postern: nft
# delete element; fwknopd: iptables -F FWKNOP_INPUT) and checked shut.
#
#   idle              no flood, IDLE_KNOCKS knocks
#   garbage R         random bytes of the daemon's knock size at R pps
#                     (RATES; 0 = as fast as the flooder can)
#   wrongkey          well-formed knocks sealed with random keys, max rate
#   replay            one captured valid knock of alice's, resent, max rate
#   altered           that knock with a counter over its nonce: every packet
#                     distinct, with a valid tag, none authentic, max rate
#   spoofed           wrong-key knocks with alice's source address (raw
#                     socket), max rate: alice must still get in
#   users N           N configured users: start-up (until "ready"), RSS
#
# After posternd's scenarios, the idle one runs once more against
# bench/floor_server in posternd's place and table: a plain UDP socket, one
# record flushed as posternd flushes its WAL, one netlink batch. It is the
# machine's part of an idle knock, the baseline for posternd's idle row
# (printed under the table; FLOOR=0 skips it).
#
# The flooder (FLOOD_SEND=packet, the default) sends prebuilt Ethernet
# frames through an AF_PACKET socket that bypasses its own stack and qdisc;
# FLOOD_SEND=udp uses a UDP socket (a raw one for the spoofed flood). The
# hub's bridge does not call iptables (bridge-nf-call-* = 0 in the hub): a
# switch, not a firewall. On veth the receiving namespace's stack runs on
# the sending CPU, so by default the server's kernel receive path (IP, UDP,
# the capture's BPF filter and ring copy) runs on the flooder's CPU; the
# "rx-on-srv" scenario steers it (RPS) to the server's CPU, as a NIC would.
#
# CPU = the daemon's processes' user+system time over the scenario's
# knocks, in % of one core; RSS = their summed VmRSS, the largest seen.
# ring = packets that passed the daemon's capture filter per second, and
# ring drops = how many of them found the capture ring full (bench/ringstat:
# PACKET_STATISTICS of the daemon's AF_PACKET sockets); backlog drops = what
# the kernel dropped before any capture (the server CPU's input backlog).
# Prints figures; never fails on time. Exit 0 measured, 77 not root, 1 set-up
# failure.
#
#   RATES="2000 20000 100000 200000 0" FLOOD_KNOCKS=8 IDLE_KNOCKS=20 FLOOD_SECONDS=12 \
#   USERS=100000 DAEMONS="posternd fwknopd" bench/flood.sh build
#
# CAPTURE_BUFFER=SIZE sets posternd's [daemon] capture_buffer (e.g. 2m).
# KERNEL_FILTER=tags (the default here) or ports sets its [daemon]
# kernel_filter: with tags its capture's kernel filter also drops datagrams
# whose tag no user has now (postern.conf(5); ports is posternd's default).
# USERS_KEYS=template (default: keys_file + [user *]) or files (a key file
# and a [user NAME] section per user) for the many-users start-up.
# SCENARIOS (default all) names the scenarios to run, e.g. only the idle
# knock-to-open latency of posternd:
#   SCENARIOS=idle IDLE_KNOCKS=30 USERS=0 DAEMONS=posternd bench/flood.sh build
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
LIB="$here/../tests/integration/lib.sh"
RATES=${RATES:-"2000 20000 100000 200000 0"}
FLOOD_KNOCKS=${FLOOD_KNOCKS:-8}
IDLE_KNOCKS=${IDLE_KNOCKS:-20}
FLOOD_SECONDS=${FLOOD_SECONDS:-12} # upper bound; a flood is stopped after its knocks
FLOOD_MAX_PACKETS=20000000
FLOOD_SEND=${FLOOD_SEND:-packet}
FLOOD_BATCH=256
USERS=${USERS:-100000}
USERS_KEYS=${USERS_KEYS:-template} # or files: a key file and a section per user
DAEMONS=${DAEMONS:-"posternd fwknopd"}
SCENARIOS=${SCENARIOS:-all}
OPEN_TIMEOUT_MS=${OPEN_TIMEOUT_MS:-2000}
CLOSED_CHECK_MS=100
KERNEL_FILTER=${KERNEL_FILTER:-tags}
INTERVAL_US=${INTERVAL_US:-25} # a new probe connect every INTERVAL_US µs (probe_connect -i)
DOOR_PORT=22
SRV_CPU=0 FLOOD_CPU=1

[ -r "$LIB" ] || { echo "flood: $LIB missing" >&2; exit 1; }
# shellcheck source=tests/integration/lib.sh
. "$LIB"
NS_PREFIX="pflood$$"
# shellcheck disable=SC2034 # read by lib.sh
NS_HUB="$NS_PREFIX-hub" NS_SRV="$NS_PREFIX-srv" NS_A="$NS_PREFIX-alice" NS_B="$NS_PREFIX-flood"
lib_init "$@"

PROBE="$BUILD/bench/probe_connect"
FLOOD="$BUILD/bench/flood"
SEAL="$BUILD/bench/seal_knock"
RINGSTAT="$BUILD/bench/ringstat"
FLOOR_SERVER="$BUILD/bench/floor_server"
for f in "$PROBE" "$FLOOD" "$SEAL" "$RINGSTAT" "$FLOOR_SERVER"; do
	[ -x "$f" ] || { echo "flood: $f missing (run make BUILD=$BUILD)"; exit 1; }
done
for tool in ip nft taskset python3; do
	command -v $tool >/dev/null || { echo "flood: $tool not installed"; exit 1; }
done
HZ=$(getconf CLK_TCK)
RES="$TEST_DIR/results"
mkdir -p "$RES" "$TEST_DIR/client" && chmod 0700 "$TEST_DIR/client"
A() { ip netns exec "$NS_A" "$@"; }
S() { ip netns exec "$NS_SRV" "$@"; }

# ---- helpers -----------------------------------------------------------------

stats() { # FILE -> "median p95" in ms
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "- -"; exit }
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			r = int(0.95 * NR + 0.999999); if (r > NR) r = NR
			printf "%.2f %.2f\n", med / 1000, v[r] / 1000 }'
}
field() { sed -n "s/.*\\b$1=\\(-\\{0,1\\}[0-9.]*\\).*/\\1/p" <<<"$2"; }

DPID="" # the daemon's main PID
daemon_pids() { [ -n "$DPID" ] && { echo "$DPID"; pgrep -P "$DPID" 2>/dev/null; }; }
cpu_ticks() { # summed utime+stime of the daemon's processes
	local t=0 p v
	for p in $(daemon_pids); do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) && t=$((t + v))
	done
	echo "$t"
}
rss_kib() {
	local t=0 p v
	for p in $(daemon_pids); do
		v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) && t=$((t + ${v:-0}))
	done
	echo "$t"
}
backlog_drops() { # machine-wide: softnet_stat's second column, summed over CPUs
	local t=0 v
	while read -r _ v _; do t=$((t + 16#$v)); done </proc/net/softnet_stat
	echo "$t"
}
pin_daemon() { local p; for p in $(daemon_pids); do taskset -a -p -c "$SRV_CPU" "$p" >/dev/null; done; }

alive() {
	kill -0 "$DPID" 2>/dev/null || { echo "flood: $CUR exited; stopping"; tail -n 20 "$TEST_DIR/$CUR.log"; exit 1; }
}

close_door() {
	case $CUR in
	posternd | floor) S nft delete element inet postern leases4 "{ $A4 . tcp . $DOOR_PORT }" >/dev/null 2>&1 ;;
	fwknopd) S iptables -F FWKNOP_INPUT >/dev/null 2>&1 ;;
	esac
	A "$PROBE" -i 1000 "$SRV4" "$DOOR_PORT" "$CLOSED_CHECK_MS" >/dev/null 2>&1
	[ $? -eq 1 ]
}

# seal N FILE: N fresh valid knocks of alice's, one hex line each.
seal() {
	case $CUR in
	posternd | floor) "$SEAL" "$TEST_DIR/client/alice.key" "$1" "$DOOR_PORT" 2 >"$2" ;;
	fwknopd)
		: >"$2"
		local i
		for i in $(seq "$1"); do
			fwknop -A "tcp/$DOOR_PORT" -a "$A4" -D "$SRV4" --use-hmac \
				--key-base64-rijndael "$FWK_KEY" --key-base64-hmac "$FWK_HMAC" \
				-T -B "$TEST_DIR/fwk.pkt" --no-save-args --rc-file "$TEST_DIR/fwknoprc" \
				>/dev/null 2>&1 || return 1
			tr -d "\n" <"$TEST_DIR/fwk.pkt" | od -An -v -tx1 | tr -d ' \n' >>"$2"
			echo >>"$2"
		done ;;
	esac
}

# knocks N OUTFILE: N knocks; latencies (us) to OUTFILE; sets OK, RSSMAX.
knocks() {
	local n=$1 out=$2 line v
	seal "$n" "$TEST_DIR/knocks.hex" || { echo "flood: cannot seal knocks"; exit 1; }
	: >"$out"
	OK=0 RSSMAX=0 SKIPPED=0
	while read -r hex; do
		alive
		# A door left open (a lease re-added) is not a knock: not counted.
		close_door || { SKIPPED=$((SKIPPED + 1)); continue; }
		line=$(A "$PROBE" -i "$INTERVAL_US" -U "$KNOCK_PORT" -X "$hex" \
			"$SRV4" "$DOOR_PORT" "$OPEN_TIMEOUT_MS")
		v=$(field open_us "$line")
		if [ -n "$v" ] && [ "$v" -ge 0 ]; then
			echo "$v" >>"$out"
			OK=$((OK + 1))
		fi
		v=$(rss_kib)
		[ "$v" -gt "$RSSMAX" ] && RSSMAX=$v
	done <"$TEST_DIR/knocks.hex"
}

# perf_summary: the PERF=1 profiles, summed up into $RES/perf*.txt.
perf_summary() {
	# --symfs=/: the child's files are not visible in its own (empty) root.
	perf report -i "$TEST_DIR/perf.data" --stdio --no-children --sort dso,symbol \
		-g none --symfs=/ 2>/dev/null | grep -v '^#' | grep '%' | head -n 25 >"$RES/perf.txt"
	perf report -i "$TEST_DIR/perf-all.data" --stdio --no-children --sort cpu,comm \
		-g none 2>/dev/null | grep -v '^#' | grep '%' | head -n 12 >"$RES/perf-cpu.txt"
	perf report -i "$TEST_DIR/perf-all.data" --stdio --no-children --sort symbol \
		-g none --cpu "$FLOOD_CPU" 2>/dev/null | grep -v '^#' | grep '%' | head -n 20 \
		>"$RES/perf-flood-cpu.txt"
	# Each sample of the flooder's CPU by the innermost stage on its stack.
	perf script -i "$TEST_DIR/perf-all.data" --cpu "$FLOOD_CPU" 2>/dev/null | awk '
		BEGIN { RS = ""; FS = "\n" }
		{ split($1, h, " "); st = "other"
		  if (h[1] != "flood" && h[1] !~ /^ksoftirqd/) { n++; a["other processes"]++; next }
		  for (i = 2; i <= NF; i++) {
			f = $i
			if (f ~ /tpacket_rcv|packet_rcv/) { st = "server: capture tap (BPF filter, ring copy)"; break }
			if (f ~ /__icmp_send/) { st = "server: ICMP port unreachable"; break }
			if (f ~ /ip_rcv|ip_local_deliver|udp4_lib_rcv|ip_route_input/) { st = "server: IP/UDP receive"; break }
			if (f ~ /br_handle_frame|br_forward|br_dev_queue|br_nf_/) { st = "hub: bridge"; break }
			if (f ~ /netif_receive_skb|process_backlog|net_rx_action|handle_softirqs/) { st = "softirq/backlog"; break }
			if (f ~ /veth_xmit|dev_queue_xmit|dev_hard_start_xmit|packet_direct_xmit/) { st = "veth transmit"; break }
			if (f ~ /sendmsg|sendmmsg|packet_snd|udp_send|ip_output|ip_make_skb/) { st = "flooder: send syscall"; break }
			if (f ~ /\/flood\)|libc\.so|vdso/) { st = "flooder: user space"; break }
		  }
		  n++; a[st]++ }
		END { for (k in a) printf "%6.1f%%  %s\n", 100 * a[k] / n, k }' \
		| sort -rn >"$RES/perf-stages.txt"
}

want() { [ "$SCENARIOS" = all ] || [[ " $SCENARIOS " == *" $1 "* ]]; }

# scenario NAME RATE FLOODARGS...: a flood (none if RATE is -) with knocks.
scenario() {
	local name=$1 rate=$2; shift 2
	want "$name" || return 0
	local fpid="" sent="-" n=$FLOOD_KNOCKS
	[ "$rate" = - ] && n=$IDLE_KNOCKS
	local rps=0
	[ "$name" = rx-on-srv ] && rps=$((1 << SRV_CPU))
	S sh -c "echo $rps >/sys/class/net/$SRV_IF/queues/rx-0/rps_cpus" \
		|| echo "flood: cannot set RPS on $SRV_IF"
	if [ "$rate" != - ]; then
		ip netns exec "$NS_B" taskset -c "$FLOOD_CPU" "$FLOOD" -r "$rate" \
			-n "$FLOOD_MAX_PACKETS" -t "$FLOOD_SECONDS" -b "$FLOOD_BATCH" \
			"${SEND_ARGS[@]}" "$@" "$SRV4" "$KNOCK_PORT" >"$TEST_DIR/flood.out" 2>&1 &
		fpid=$!
		BG_PIDS+=("$fpid")
		sleep 0.3
	fi
	local t0 c0 t1 c1 ppid=""
	# PERF=1: during posternd's heaviest garbage flood (PERF_SCENARIO: another
	# max-rate one), profile the capture child, and both CPUs (the kernel
	# side: on veth the server's receive path runs on the flooder's CPU).
	if [ "${PERF:-0}" = 1 ] && [ "$CUR" = posternd ] && [ "$name" = "${PERF_SCENARIO:-garbage}" ] \
		&& [ "$rate" = 0 ] && command -v perf >/dev/null; then
		perf record -g -o "$TEST_DIR/perf.data" -p "$(pgrep -P "$DPID" | head -n 1)" \
			-- sleep 3 >/dev/null 2>&1 &
		ppid=$!
		perf record -a -g -o "$TEST_DIR/perf-all.data" -- sleep 3 >/dev/null 2>&1 &
		ppid="$ppid $!"
	fi
	local b0 b1 ring
	# shellcheck disable=SC2046 # one PID per word
	"$RINGSTAT" $(daemon_pids) >/dev/null # resets the ring's counters
	t0=$(date +%s%N) c0=$(cpu_ticks) b0=$(backlog_drops)
	knocks "$n" "$TEST_DIR/lat.us"
	t1=$(date +%s%N) c1=$(cpu_ticks) b1=$(backlog_drops)
	# shellcheck disable=SC2046
	ring=$("$RINGSTAT" $(daemon_pids))
	if [ -n "$ppid" ]; then
		# shellcheck disable=SC2086 # two PIDs
		wait $ppid # summed up at the end, once the daemon is gone (see there)
	fi
	if [ -n "$fpid" ]; then
		local still=0
		kill -0 "$fpid" 2>/dev/null && still=1
		kill -TERM "$fpid" 2>/dev/null
		wait "$fpid" 2>/dev/null
		sent=$(field pps "$(cat "$TEST_DIR/flood.out")")
		[ "$still" = 0 ] && sent="${sent}*" # the flood ended before the knocks
	fi
	S sh -c "echo 0 >/sys/class/net/$SRV_IF/queues/rx-0/rps_cpus"
	local cpu rx rdrops bdrops=$((b1 - b0))
	cpu=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v ns=$((t1 - t0)) \
		'BEGIN { printf "%.0f", (ns > 0) ? (100 * c / hz / (ns / 1e9)) : 0 }')
	rx=$(awk -v p="$(field packets "$ring")" -v ns=$((t1 - t0)) \
		'BEGIN { printf "%.0f", (ns > 0 && p != "") ? p / (ns / 1e9) : 0 }')
	rdrops=$(field drops "$ring")
	read -r p50 p95 < <(stats "$TEST_DIR/lat.us")
	[ "$rate" = 0 ] && rate=max
	n=$((n - SKIPPED))
	echo "$name|$rate|${sent:--}|$OK/$n|$p50|$p95|$cpu|$((RSSMAX / 1024))|$rx|${rdrops:--}|$bdrops" >>"$RES/$CUR"
	printf "  %-8s %-9s rate=%-7s sent_pps=%-8s ring_pps=%-7s ring_drops=%-6s backlog_drops=%-7s ok=%s/%s p50=%s p95=%s cpu=%s%% rss=%sMiB load=%s\n" \
		"$CUR" "$name" "$rate" "${sent:--}" "$rx" "${rdrops:--}" "$bdrops" "$OK" "$n" "$p50" "$p95" \
		"$cpu" "$((RSSMAX / 1024))" "$(cut -d' ' -f1 /proc/loadavg)"
}

run_scenarios() {
	local size=$1 wrongkey_args=("${@:2}")
	scenario idle -
	local r
	for r in $RATES; do
		scenario garbage "$r" -k random -z "$size"
	done
	scenario wrongkey 0 "${wrongkey_args[@]}"
	if want replay || want altered; then
		seal 1 "$TEST_DIR/replay.hex"
		# The captured knock is used once (it opens the door), then replayed.
		close_door
		A "$PROBE" -U "$KNOCK_PORT" -X "$(head -n 1 "$TEST_DIR/replay.hex")" \
			"$SRV4" "$DOOR_PORT" "$OPEN_TIMEOUT_MS" >/dev/null
	fi
	scenario replay 0 -k file -f "$TEST_DIR/replay.hex"
	scenario altered 0 -k altered -f "$TEST_DIR/replay.hex"
	scenario spoofed 0 -s "$A4" "${wrongkey_args[@]}"
	scenario rx-on-srv 0 -k random -z "$size"
}

# run_floor: the idle scenario against floor_server (the machine's part of
# a knock: a wake-up, one record flushed as posternd flushes its WAL, one
# netlink batch), in posternd's place and posternd's table, which is left
# in place for it. FLOOR=0 skips it.
run_floor() {
	[ "${FLOOR:-1}" = 1 ] && want idle || return 0
	CUR=floor
	# Beside posternd's state.db: the same filesystem and directory.
	setsid ip netns exec "$NS_SRV" "$FLOOR_SERVER" "$KNOCK_PORT" "$DOOR_PORT" \
		"$TEST_DIR/floor.record" >"$TEST_DIR/floor.log" 2>&1 </dev/null &
	DPID=$!
	BG_PIDS+=("$DPID")
	for _ in $(seq 100); do
		grep -q ready "$TEST_DIR/floor.log" && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	if grep -q ready "$TEST_DIR/floor.log" && kill -0 "$DPID" 2>/dev/null; then
		echo "flood: $(cat "$TEST_DIR/floor.log")"
		pin_daemon
		close_door || { echo "flood: tcp/$DOOR_PORT open before the floor's knocks"; exit 1; }
		knocks 1 "$TEST_DIR/warmup.us"
		scenario idle -
	else
		echo "flood: floor_server did not start:"; cat "$TEST_DIR/floor.log"
	fi
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=""
}

# ---- set-up ----------------------------------------------------------------------

echo "flood: machine $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); daemon on CPU $SRV_CPU, flooder on CPU $FLOOD_CPU"
ns_setup
# The hub is a switch: no iptables on bridged frames (br_netfilter would
# charge conntrack and hook walks for every flood packet to the flooder).
ip netns exec "$NS_HUB" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
	net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null
SEND_ARGS=()
if [ "$FLOOD_SEND" = packet ]; then
	SRV_MAC=$(ip -n "$NS_SRV" -br link show dev "$SRV_IF" | awk '{ print $3 }')
	SEND_ARGS=(-i "$CLI_IF" -m "$SRV_MAC")
fi
S sysctl -qw net.core.rmem_max=16777216 2>/dev/null
"$POSTERN" keygen --user alice --out "$TEST_DIR/client/alice.key" \
	--server-out "$TEST_DIR/alice.key" >"$TEST_DIR/keygen.out" 2>&1 \
	|| { cat "$TEST_DIR/keygen.out"; echo "flood: postern keygen failed"; exit 1; }
start_tcp_service "$NS_SRV" "$DOOR_PORT"

# ---- posternd ----------------------------------------------------------------------

if [[ " $DAEMONS " == *" posternd "* ]]; then
	CUR=posternd
	echo "flood: posternd (kernel_filter = $KERNEL_FILTER)"
	write_config "$TEST_DIR/postern.conf" interfaces="$SRV_IF" run_as=nobody
	# CAPTURE_BUFFER=2m: posternd's [daemon] capture_buffer (its ring).
	[ -n "${CAPTURE_BUFFER:-}" ] &&
		sed -i "/^\[daemon\]/a capture_buffer = $CAPTURE_BUFFER" "$TEST_DIR/postern.conf"
	sed -i "/^\[daemon\]/a kernel_filter = $KERNEL_FILTER" "$TEST_DIR/postern.conf"
	start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$TEST_DIR/posternd.log" \
		|| { echo "flood: posternd did not start"; exit 1; }
	DPID=$POSTERND_PID
	pin_daemon
	close_door || { echo "flood: tcp/$DOOR_PORT open before any knock"; exit 1; }
	knocks 1 "$TEST_DIR/warmup.us" # first SQLite/nft use: not counted
	run_scenarios 100 -k wrongkey # 100 bytes: a knock's size
	grep -c '\baccept\b' "$TEST_DIR/posternd.log" >"$RES/posternd.accepts"
	stop_posternd
	DPID=""
	run_floor
	S nft delete table inet postern 2>/dev/null
fi

# ---- fwknopd ----------------------------------------------------------------------

if [[ " $DAEMONS " == *" fwknopd "* ]]; then
	CUR=fwknopd
	if ! command -v fwknopd >/dev/null || ! command -v fwknop >/dev/null \
		|| ! command -v iptables >/dev/null; then
		echo "flood: fwknopd, fwknop or iptables not installed: fwknopd skipped"
		echo "fwknopd not installed" >"$RES/fwknopd.skip"
	else
		echo "flood: fwknopd ($(fwknopd --version 2>&1 | head -n 1))"
		: >"$TEST_DIR/fwknoprc" && chmod 0600 "$TEST_DIR/fwknoprc"
		FWK_KEY=$(head -c 32 /dev/urandom | base64 -w0)
		FWK_HMAC=$(head -c 64 /dev/urandom | base64 -w0)
		mkdir -p "$TEST_DIR/fwk" && chmod 0700 "$TEST_DIR/fwk"
		# Debian's fwknopd.conf as installed, with the interface set.
		sed "s/^#*[[:space:]]*PCAP_INTF.*/PCAP_INTF $SRV_IF;/" /etc/fwknop/fwknopd.conf \
			>"$TEST_DIR/fwk/fwknopd.conf"
		printf 'SOURCE ANY\nOPEN_PORTS tcp/%s\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\nFW_ACCESS_TIMEOUT 2\n' \
			"$DOOR_PORT" "$FWK_KEY" "$FWK_HMAC" >"$TEST_DIR/fwk/access.conf"
		chmod 0600 "$TEST_DIR/fwk/"*
		# The protected port: dropped unless fwknopd's chain (jumped to
		# first, from INPUT position 1) accepts it.
		S iptables -A INPUT -p tcp --dport "$DOOR_PORT" -j DROP
		FWK=(fwknopd -f -i "$SRV_IF" -c "$TEST_DIR/fwk/fwknopd.conf"
			-a "$TEST_DIR/fwk/access.conf" -d "$TEST_DIR/fwk/digest.cache"
			-p "$TEST_DIR/fwk/fwknopd.pid" -r "$TEST_DIR/fwk")
		setsid ip netns exec "$NS_SRV" "${FWK[@]}" >"$TEST_DIR/fwknopd.log" 2>&1 </dev/null &
		DPID=$!
		BG_PIDS+=("$DPID")
		for _ in $(seq 100); do
			grep -q "Starting fwknopd main event loop\|Sniffing interface" "$TEST_DIR/fwknopd.log" && break
			kill -0 "$DPID" 2>/dev/null || break
			sleep 0.1
		done
		if ! kill -0 "$DPID" 2>/dev/null; then
			echo "flood: fwknopd did not start:"; tail -n 20 "$TEST_DIR/fwknopd.log"
			echo "fwknopd did not start" >"$RES/fwknopd.skip"
		else
			pin_daemon
			sleep 0.5
			# fwknop packets sealed with other keys: the wrong-key flood.
			: >"$TEST_DIR/fwk_wrong.hex"
			for _ in $(seq 8); do
				fwknop -A "tcp/$DOOR_PORT" -a "$A4" -D "$SRV4" --use-hmac \
					--key-base64-rijndael "$(head -c 32 /dev/urandom | base64 -w0)" \
					--key-base64-hmac "$(head -c 64 /dev/urandom | base64 -w0)" \
					-T -B "$TEST_DIR/fwk.pkt" --no-save-args --rc-file "$TEST_DIR/fwknoprc" >/dev/null 2>&1
				tr -d "\n" <"$TEST_DIR/fwk.pkt" | od -An -v -tx1 | tr -d ' \n' >>"$TEST_DIR/fwk_wrong.hex"
				echo >>"$TEST_DIR/fwk_wrong.hex"
			done
			FWK_SIZE=$(($(head -n 1 "$TEST_DIR/fwk_wrong.hex" | wc -c) / 2))
			knocks 1 "$TEST_DIR/warmup.us"
			run_scenarios "$FWK_SIZE" -k file -f "$TEST_DIR/fwk_wrong.hex"
			grep -ci "added.*rule.*for" "$TEST_DIR/fwknopd.log" >"$RES/fwknopd.accepts"
		fi
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		DPID=""
		S iptables -F INPUT 2>/dev/null
	fi
fi

# ---- many users ---------------------------------------------------------------------

users_posternd() {
	local n=$1 dir="$TEST_DIR/many"
	mkdir -p "$dir/keys" && chmod 0700 "$dir" "$dir/keys"
	python3 - "$n" "$dir" "$TEST_DIR/alice.key" "$USERS_KEYS" <<'EOF'
import base64, os, sys
n, d, alice, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
# template: the other users in one keys_file, their settings in [user *]
# (how 100 000 users are meant to be configured); files: a key file and a
# [user NAME] section each.
with open(d + "/postern.conf", "w") as conf:
    conf.write("[daemon]\ninterfaces = %s\nknock_ports = udp/62201\nstate = %s/state.db\n"
               "table = postern\nrun_as = nobody\nwindow = 60s\nfirewall = drop\n"
               % (os.environ["SRV_IF"], d))
    if mode == "template":
        conf.write("keys_file = %s/users.keys\n" % d)
    conf.write("\n[protect]\nports = tcp/22\n")
    conf.write("\n[user alice]\nkey = %s\nopen = tcp/22\n" % alice)
    old = os.umask(0o077)
    if mode == "template":
        conf.write("\n[user *]\nopen = tcp/22\n")
        with open(d + "/users.keys", "w") as keys:
            for i in range(n - 1):
                keys.write("u%06d %s\n" % (i, base64.b64encode(os.urandom(32)).decode()))
    else:
        for i in range(n - 1):
            name = "u%06d" % i
            path = "%s/keys/%s.key" % (d, name)
            with open(path, "w") as f:
                f.write("postern-key 1\nuser %s\nsecret %s\n"
                        % (name, base64.b64encode(os.urandom(32)).decode()))
            conf.write("\n[user %s]\nkey = %s\nopen = tcp/22\n" % (name, path))
    os.umask(old)
EOF
}

if [ "${USERS:-0}" -gt 0 ]; then
	export SRV_IF
	if [[ " $DAEMONS " == *" posternd "* ]]; then
		CUR=posternd
		echo "flood: posternd with $USERS users ($USERS_KEYS: generating keys and config)"
		users_posternd "$USERS"
		t0=$(date +%s%N)
		setsid ip netns exec "$NS_SRV" "$POSTERND" -c "$TEST_DIR/many/postern.conf" \
			>"$TEST_DIR/many.log" 2>&1 </dev/null &
		DPID=$!
		POSTERND_PID=$DPID
		ready=""
		deadline=$((SECONDS + 30)) # 30 s at most
		while [ "$SECONDS" -lt "$deadline" ]; do
			if grep -qw ready "$TEST_DIR/many.log"; then ready=$(date +%s%N); break; fi
			kill -0 "$DPID" 2>/dev/null || break
			sleep 0.01
		done
		if [ -n "$ready" ]; then
			pin_daemon
			sleep 1
			startup=$(((ready - t0) / 1000000))
			knocks 3 "$TEST_DIR/lat.us"
			read -r p50 _ < <(stats "$TEST_DIR/lat.us")
			echo "users $USERS|-|-|$OK/3|$p50|-|start ${startup} ms|$((RSSMAX / 1024))" >>"$RES/posternd"
			echo "  posternd  $USERS users: start-up ${startup} ms, rss ${RSSMAX} KiB (parent+child), knocks $OK/3"
			for p in $(daemon_pids); do
				echo "    pid $p: $(awk '/^VmRSS:/ { print $2 " " $3 }' /proc/$p/status)"
			done
		else
			echo "users $USERS|-|-|-|-|-|not ready in 30 s|$(($(rss_kib) / 1024))" >>"$RES/posternd"
			tail -n 5 "$TEST_DIR/many.log"
		fi
		stop_posternd
		DPID=""
		S nft delete table inet postern 2>/dev/null
	fi
	if [[ " $DAEMONS " == *" fwknopd "* ]] && [ ! -e "$RES/fwknopd.skip" ]; then
		CUR=fwknopd
		echo "flood: fwknopd with $USERS access stanzas"
		python3 - "$USERS" "$TEST_DIR/fwk/access-many.conf" "$FWK_KEY" "$FWK_HMAC" <<'EOF'
import base64, os, sys
n, path, key, hmac = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
with open(path, "w") as f:
    for i in range(n - 1):
        f.write("SOURCE ANY\nOPEN_PORTS tcp/22\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\n\n"
                % (base64.b64encode(os.urandom(32)).decode(), base64.b64encode(os.urandom(64)).decode()))
    f.write("SOURCE ANY\nOPEN_PORTS tcp/22\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\nFW_ACCESS_TIMEOUT 2\n" % (key, hmac))
EOF
		chmod 0600 "$TEST_DIR/fwk/access-many.conf"
		S iptables -A INPUT -p tcp --dport "$DOOR_PORT" -j DROP
		t0=$(date +%s%N)
		FWK[7]="$TEST_DIR/fwk/access-many.conf" # -a
		FWK[9]="$TEST_DIR/fwk/digest-many.cache" # -d
		setsid ip netns exec "$NS_SRV" "${FWK[@]}" \
			>"$TEST_DIR/fwknopd-many.log" 2>&1 </dev/null &
		DPID=$!
		BG_PIDS+=("$DPID")
		ready=""
		deadline=$((SECONDS + 30)) # 30 s at most
		while [ "$SECONDS" -lt "$deadline" ]; do
			if grep -q "Starting fwknopd main event loop\|Sniffing interface" "$TEST_DIR/fwknopd-many.log"; then
				ready=$(date +%s%N); break
			fi
			kill -0 "$DPID" 2>/dev/null || break
			sleep 0.01
		done
		if [ -n "$ready" ]; then
			pin_daemon
			startup=$(((ready - t0) / 1000000))
			knocks 3 "$TEST_DIR/lat.us"
			read -r p50 _ < <(stats "$TEST_DIR/lat.us")
			echo "users $USERS|-|-|$OK/3|$p50|-|start ${startup} ms|$((RSSMAX / 1024))" >>"$RES/fwknopd"
			echo "  fwknopd   $USERS stanzas: start-up ${startup} ms, rss ${RSSMAX} KiB, knocks $OK/3"
		else
			echo "users $USERS|-|-|-|-|-|not ready in 30 s|-" >>"$RES/fwknopd"
		fi
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		DPID=""
		S iptables -F INPUT 2>/dev/null
	fi
fi

# ---- the table ---------------------------------------------------------------------

# Only now: while the child lives, perf looks for its files in its own
# (empty) root and finds no symbols.
[ -s "$TEST_DIR/perf.data" ] && perf_summary

echo
echo "flood: valid knocks (ok/n), knock-to-open latency from the send (ms), daemon CPU (% of a core) and RSS (MiB)"
echo "  sent: what the flooder sent on CPU $FLOOD_CPU, pps ('*': the flood's bound ended it before the knocks did)"
echo "  ring: packets/s that passed the daemon's capture filter; drops: ring full / kernel backlog (machine-wide)"
echo "  posternd ran with kernel_filter = $KERNEL_FILTER"
fmt="%-10s %-6s | %-7s %-7s %-9s %-5s %-7s %-7s %-4s %-3s | %-7s %-7s %-9s %-5s %-7s %-7s %-4s %-3s\n"
# shellcheck disable=SC2059
printf "$fmt" scenario rate sent ring drops ok p50 p95 cpu rss sent ring drops ok p50 p95 cpu rss
# shellcheck disable=SC2059
printf "$fmt" "" "" posternd "" "" "" "" "" "" "" fwknopd "" "" "" "" "" "" ""
touch "$RES/posternd" "$RES/fwknopd"
paste -d'#' "$RES/posternd" "$RES/fwknopd" | while IFS='#' read -r a b; do
	IFS='|' read -r name rate s1 ok1 p501 p951 cpu1 rss1 rx1 rd1 bd1 <<<"$a"
	IFS='|' read -r _ _ s2 ok2 p502 p952 cpu2 rss2 rx2 rd2 bd2 <<<"${b:-||||||||||}"
	case $name in
	users*)
		printf "%-22s | %-27s rss %-5s | %-29s rss %-5s\n" "$name" "$cpu1, ok $ok1, p50 $p501" "$rss1" \
			"${cpu2:--}, ok ${ok2:--}, p50 ${p502:--}" "${rss2:--}"
		;;
	*)
		# shellcheck disable=SC2059
		printf "$fmt" "$name" "$rate" "$s1" "$rx1" "$rd1/$bd1" "$ok1" "$p501" "$p951" "$cpu1" "$rss1" \
			"${s2:--}" "${rx2:--}" "${rd2:--}/${bd2:--}" "${ok2:--}" "${p502:--}" "${p952:--}" "${cpu2:--}" "${rss2:--}"
		;;
	esac
done
[ -e "$RES/fwknopd.skip" ] && echo "fwknopd: $(cat "$RES/fwknopd.skip")"
if [ -s "$RES/floor" ]; then
	IFS='|' read -r _ _ _ ok p50 p95 _ <"$RES/floor"
	echo "floor (bench/floor_server in posternd's place: a wake-up, one flushed record, one netlink batch):" \
		"idle ok $ok p50 $p50 p95 $p95"
fi
if [ -s "$RES/perf.txt" ]; then
	echo
	echo "perf: posternd's capture child during the heaviest garbage flood (self time, top 25)"
	cat "$RES/perf.txt"
	echo
	echo "perf -a: samples by CPU and command (daemon on CPU $SRV_CPU, flooder on CPU $FLOOD_CPU)"
	cat "$RES/perf-cpu.txt"
	echo
	echo "perf -a: the flooder's CPU $FLOOD_CPU by stage (innermost on the stack)"
	cat "$RES/perf-stages.txt"
	echo
	echo "perf -a: the flooder's CPU $FLOOD_CPU, self time, top 20"
	cat "$RES/perf-flood-cpu.txt"
fi
echo "daemon accept lines: posternd $(cat "$RES/posternd.accepts" 2>/dev/null || echo -)," \
	"fwknopd rule additions $(cat "$RES/fwknopd.accepts" 2>/dev/null || echo -)"
exit 0
