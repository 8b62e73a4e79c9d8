#!/usr/bin/env bash
# bench/latency.sh BUILD — knock-to-open latency, in network namespaces.
#
# Builds the test topology of tests/integration/lib.sh (server, alice and a
# bridge, each in a namespace of its own; the host's network and firewall are
# never touched), runs BUILD/posternd in the server namespace (run_as =
# nobody, firewall = drop, tcp/22 protected), a TCP listener on tcp/22 and
# one on an unprotected port, and from alice's namespace, KNOCKS times:
#
#   probe_connect 10.77.0.1 22 TIMEOUT -- postern knock ... --lease 2s -q
#
# probe_connect starts its clock, runs `postern knock` and waits for it, then
# starts a TCP connect every INTERVAL_US microseconds (each waiting up to 1 ms
# for its answer) until one gets through the door.
# Between knocks the lease is deleted with `nft delete element` in the server
# namespace and the door is checked closed, so every knock really opens it.
#
# Baseline, measured in the same run: the same probe running /bin/true and
# connecting to an unprotected open port (process start + one round trip).
#
# Prints figures (median, p95, min, max in ms); never fails on time. Exits 0
# when it measured, 77 when it cannot run here (not root), 1 on a set-up
# failure. Bounded: at most KNOCKS knocks of at most 3 s each.
#
#   KNOCKS=30 INTERVAL_US=25 bench/latency.sh build
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
LIB="$here/../tests/integration/lib.sh"
KNOCKS=${KNOCKS:-30}
INTERVAL_US=${INTERVAL_US:-25}
OPEN_TIMEOUT_MS=3000 # per knock: a door not open by then counts as a miss
CLOSED_CHECK_MS=300 # how long "closed" must hold before a knock
BASE_PORT=8080 # unprotected: the baseline
DOOR_PORT=22 # protected (write_config protects tcp/22)

case $KNOCKS in '' | *[!0-9]*) echo "latency: KNOCKS must be a number" >&2; exit 1 ;; esac
if [ "$KNOCKS" -lt 1 ] || [ "$KNOCKS" -gt 1000 ]; then
	echo "latency: KNOCKS must be 1..1000" >&2
	exit 1
fi
[ -r "$LIB" ] || { echo "latency: $LIB missing" >&2; exit 1; }
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# Names of our own (still carrying our PID), so that a clean-up of stale
# test namespaces ("ptest*") elsewhere cannot pull ours away mid-run.
NS_PREFIX="pbench$$"
# shellcheck disable=SC2034 # read by lib.sh
NS_HUB="$NS_PREFIX-hub" NS_SRV="$NS_PREFIX-srv" NS_A="$NS_PREFIX-alice" NS_B="$NS_PREFIX-stranger"
lib_init "$@" # root check, $BUILD, $TEST_DIR, cleanup traps (namespaces, PIDs)

PROBE="$BUILD/bench/probe_connect"
[ -x "$PROBE" ] || { echo "latency: $PROBE missing (run make BUILD=$BUILD)"; exit 1; }
for tool in ip nft; do
	command -v $tool >/dev/null || { echo "latency: $tool not installed"; exit 1; }
done

# ---- statistics ----------------------------------------------------------------

# stats FILE: "median p95 min max mean" (ms, 2 decimals) of the microsecond
# figures in FILE, one a line. p95 is the nearest-rank percentile.
stats() {
	sort -n "$1" | awk '
		{ v[NR] = $1; sum += $1 }
		END {
			if (NR == 0) { print "n/a n/a n/a n/a n/a"; exit }
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			r = int(0.95 * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR
			printf "%.2f %.2f %.2f %.2f %.2f\n", med / 1000, v[r] / 1000,
				v[1] / 1000, v[NR] / 1000, sum / NR / 1000
		}'
}

# field NAME LINE: the value of NAME=value in a probe line.
field() { sed -n "s/.*\\b$1=\\(-\\{0,1\\}[0-9]*\\).*/\\1/p" <<<"$2"; }

# ---- set-up --------------------------------------------------------------------

echo "latency: knock-to-open in network namespaces; $KNOCKS knocks, connect retry every ${INTERVAL_US} us"
ns_setup
mkdir -p "$TEST_DIR/client" && chmod 0700 "$TEST_DIR/client"
# The client's copy and the server's copy, as an operator would make them.
"$POSTERN" keygen --user alice --out "$TEST_DIR/client/alice.key" \
	--server-out "$TEST_DIR/alice.key" >"$TEST_DIR/keygen.out" 2>&1 \
	|| { cat "$TEST_DIR/keygen.out"; echo "latency: postern keygen failed"; exit 1; }
write_config "$TEST_DIR/postern.conf" interfaces="$SRV_IF" run_as=nobody
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$TEST_DIR/posternd.log" \
	|| { echo "latency: posternd did not start"; exit 1; }
start_tcp_service "$NS_SRV" "$DOOR_PORT"
start_tcp_service "$NS_SRV" "$BASE_PORT"

KNOCK_CMD=("$POSTERN" knock --server "$SRV4" --user alice
	--key "$TEST_DIR/client/alice.key" --open "tcp/$DOOR_PORT" --lease 2s -q)
A() { ip netns exec "$NS_A" "$@"; }

# gone: stops the run if our namespaces or the daemon disappeared.
gone() {
	local ns
	for ns in "$NS_SRV" "$NS_A"; do
		ip netns pids "$ns" >/dev/null 2>&1 \
			|| { echo "latency: namespace $ns disappeared; stopping"; exit 1; }
	done
	kill -0 "$POSTERND_PID" 2>/dev/null \
		|| { echo "latency: posternd exited; stopping"; exit 1; }
}

# close_door: deletes alice's lease (if any) and checks that the door stays
# shut for CLOSED_CHECK_MS (the probe must time out: exit 1, nothing else);
# 1 if it cannot be closed.
close_door() {
	ip netns exec "$NS_SRV" nft delete element inet postern leases4 \
		"{ $A4 . tcp . $DOOR_PORT }" >/dev/null 2>&1
	A "$PROBE" -i 1000 "$SRV4" "$DOOR_PORT" "$CLOSED_CHECK_MS" >/dev/null 2>&1
	local rc=$?
	[ "$rc" -eq 1 ] && return 0
	gone
	[ "$rc" -eq 0 ] || { echo "latency: probe_connect failed (exit $rc)"; exit 1; }
	return 1
}

close_door || { echo "latency: tcp/$DOOR_PORT is open before any knock"; exit 1; }
# One knock to warm up (page cache, first nft transaction); not counted.
A "$PROBE" -i "$INTERVAL_US" "$SRV4" "$DOOR_PORT" "$OPEN_TIMEOUT_MS" -- "${KNOCK_CMD[@]}" \
	>"$TEST_DIR/warmup.out" 2>&1 \
	|| { cat "$TEST_DIR/warmup.out"; echo "latency: the warm-up knock did not open the door"; exit 1; }

# ---- measurements ----------------------------------------------------------------

: >"$TEST_DIR/base.us"
: >"$TEST_DIR/base_cmd.us"
: >"$TEST_DIR/base_conn.us"
: >"$TEST_DIR/open.us"
: >"$TEST_DIR/cmd.us"
: >"$TEST_DIR/server.us"
misses=0
not_closed=0
for _ in $(seq "$KNOCKS"); do
	gone
	# Baseline: process start of a trivial command + connect to an open port.
	line=$(A "$PROBE" -i "$INTERVAL_US" "$SRV4" "$BASE_PORT" 1000 -- /bin/true)
	v=$(field open_us "$line")
	c=$(field cmd_us "$line")
	if [ -n "$v" ] && [ "$v" -ge 0 ]; then
		echo "$v" >>"$TEST_DIR/base.us"
		echo "$c" >>"$TEST_DIR/base_cmd.us"
		echo $((v - c)) >>"$TEST_DIR/base_conn.us"
	fi

	if ! close_door; then
		not_closed=$((not_closed + 1))
		continue
	fi
	line=$(A "$PROBE" -i "$INTERVAL_US" "$SRV4" "$DOOR_PORT" "$OPEN_TIMEOUT_MS" -- "${KNOCK_CMD[@]}")
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		gone
		echo "latency: probe_connect or postern knock failed (exit $rc)"
		exit 1
	fi
	open_us=$(field open_us "$line")
	cmd=$(field cmd_us "$line")
	if [ -z "$open_us" ] || [ "$open_us" -lt 0 ]; then
		misses=$((misses + 1))
		continue
	fi
	echo "$open_us" >>"$TEST_DIR/open.us"
	echo "$cmd" >>"$TEST_DIR/cmd.us"
	echo $((open_us - cmd)) >>"$TEST_DIR/server.us"
done
close_door

# ---- report ------------------------------------------------------------------------

accepted=$(count_log "$TEST_DIR/posternd.log" '\baccept\b')
n=$(wc -l <"$TEST_DIR/open.us")
echo
fmt="  %-42s %4s %8s %8s %8s %8s %8s %7s\n"
# shellcheck disable=SC2059 # one format for every row
printf "$fmt" "measurement (ms)" "n" "median" "p95" "min" "max" "mean" "x base"
# row NAME FILE [BASEFILE]: one line of figures; x base = median / BASEFILE's.
row() {
	local med p95 min max mean bmed ratio=""
	read -r med p95 min max mean < <(stats "$2")
	if [ -n "${3:-}" ]; then
		read -r bmed _ < <(stats "$3")
		ratio=$(awk -v a="$med" -v b="$bmed" \
			'BEGIN { if (b + 0 > 0 && a != "n/a") printf "%.1f", a / b; else print "n/a" }')
	fi
	# shellcheck disable=SC2059
	printf "$fmt" "$1" "$(wc -l <"$2")" "$med" "$p95" "$min" "$max" "$mean" "$ratio"
}
row "baseline A: /bin/true + connect (open port)" "$TEST_DIR/base.us"
row "  B: /bin/true process (fork+exec+exit)" "$TEST_DIR/base_cmd.us"
row "  C: connect to an open port" "$TEST_DIR/base_conn.us"
row "knock-to-open: postern knock + connect" "$TEST_DIR/open.us" "$TEST_DIR/base.us"
row "  postern knock process (vs B)" "$TEST_DIR/cmd.us" "$TEST_DIR/base_cmd.us"
row "  postern knock exited until open (vs C)" "$TEST_DIR/server.us" "$TEST_DIR/base_conn.us"
echo "  (x base = median / the baseline's median, both measured in this run;"
echo "   'until open' includes up to one ${INTERVAL_US}-us retry interval and one round trip)"
echo "  knocks: $n opened, $misses not open within ${OPEN_TIMEOUT_MS} ms," \
	"$not_closed skipped (door would not close); daemon accept lines: $accepted"
exit 0
