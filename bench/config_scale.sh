#!/usr/bin/env bash
# bench/config_scale.sh BUILD [USERS] — what a config of many users costs.
#
# Generates USERS users (default 100000) in a temporary directory: one key
# file per user (KEYS=files, the default), one keys file for all of them
# and one [user NAME] section each (KEYS=keysfile: [daemon] keys_file), or
# the keys file and one [user *] section for all (KEYS=template), then prints
#   1. BUILD/bench/bench_config CONF: config_load time and RSS, in process;
#   2. posternd's start-up, twice: a first start (no state db yet), then a
#      restart on the state db the first left (the usual case): from exec
#      to "ready" in its log, run in a network namespace of its own
#      (pcfg<PID>) on lo, state in the temporary directory; RSS of the
#      parent and the child once ready (VmRSS counts the pages they share
#      after fork in both; Pss splits them; private is what each holds
#      alone: what killing it would free), the Rss of its capture rings
#      (the socket:[...] mappings in smaps), and the load average.
# CAPTURE_BUFFER=SIZE sets [daemon] capture_buffer (builds that have it).
# The namespace, the daemon (killed by its PID) and the directory are removed
# on every exit. Root only (netns). Prints figures; never fails on time.
set -uo pipefail

build=${1:?usage: config_scale.sh BUILD [USERS]}
users=${2:-100000}
KEYS=${KEYS:-files}
READY_TIMEOUT=${READY_TIMEOUT:-60}
posternd=$(realpath "$build/posternd")
bench=$(realpath "$build/bench/bench_config")
dir=$(mktemp -d /tmp/pcfg.XXXXXX)
ns=pcfg$$
dpid=""

cleanup() {
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		kill "$dpid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$dpid" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

chmod 0711 "$dir"
echo "config_scale: $users users, keys from ${KEYS}, in $dir"
python3 - "$users" "$dir" "$KEYS" <<'PY'
import base64, os, sys
n, d, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.umask(0o077)
os.mkdir(d + "/keys")
keys = open(d + "/users.keys", "w") if mode in ("keysfile", "template") else None
with open(d + "/postern.conf", "w") as conf:
    conf.write("[daemon]\ninterfaces = lo\nknock_ports = udp/62201\nstate = %s/state.db\n"
               "table = postern\nrun_as = nobody\nwindow = 60s\nfirewall = drop\n" % d)
    if keys:
        conf.write("keys_file = %s/users.keys\n" % d)
    conf.write("\n[protect]\nports = tcp/22\n")
    if mode == "template":
        conf.write("\n[user *]\nopen = tcp/22\n")
    for i in range(n):
        name = "u%06d" % i
        secret = base64.b64encode(os.urandom(32)).decode()
        if keys:
            keys.write("%s %s\n" % (name, secret))
            if mode == "keysfile":
                conf.write("\n[user %s]\nopen = tcp/22\n" % name)
        else:
            path = "%s/keys/%s.key" % (d, name)
            with open(path, "w") as f:
                f.write("postern-key 1\nuser %s\nsecret %s\n" % (name, secret))
            conf.write("\n[user %s]\nkey = %s\nopen = tcp/22\n" % (name, path))
if keys:
    keys.close()
PY
# CAPTURE_BUFFER=2m: posternd's [daemon] capture_buffer (its capture ring).
if [ -n "${CAPTURE_BUFFER:-}" ]; then
	sed -i "/^\[daemon\]/a capture_buffer = $CAPTURE_BUFFER" "$dir/postern.conf"
fi
chmod 0644 "$dir/postern.conf"

echo "== in process (bench_config)"
"$bench" -r "${ROUNDS:-3}" "$dir/postern.conf"

ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up

# Starts posternd, waits for "ready", prints the figures, stops it (by PID).
start_once() {
	echo "== posternd start-up: $1"
	: >"$dir/log"
	t0=$(date +%s%N)
	ip netns exec "$ns" "$posternd" -c "$dir/postern.conf" >"$dir/log" 2>&1 </dev/null &
	dpid=$!
	ready=""
	deadline=$((SECONDS + READY_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if grep -qw ready "$dir/log"; then ready=$(date +%s%N); break; fi
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.005
	done
	if [ -z "$ready" ]; then
		echo "posternd: not ready after $READY_TIMEOUT s (parent rss" \
			"$(awk '/^VmRSS:/ { print $2 " " $3 }' /proc/$dpid/status 2>/dev/null))"
		tail -n 5 "$dir/log"
		return 1
	fi
	sleep 0.5 # let the child settle before reading its RSS
	echo "posternd: ready after $(((ready - t0) / 1000000)) ms (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	# ip netns exec execs posternd in place, so dpid is the parent.
	for p in $dpid $(cat /proc/$dpid/task/*/children 2>/dev/null); do
		echo "  pid $p ($(tr -d '\0' </proc/$p/comm 2>/dev/null)):" \
			"$(awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { print "rss " r " KiB, peak " h " KiB" }' /proc/$p/status)," \
			"pss $(awk '/^Pss:/ { print $2 }' /proc/$p/smaps_rollup) KiB," \
			"private $(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' /proc/$p/smaps_rollup) KiB," \
			"capture ring rss $(awk '/^[0-9a-f]+-[0-9a-f]+ / { ring = /socket:\[/ }
				ring && /^Rss:/ { s += $2 } END { print s + 0 }' /proc/$p/smaps) KiB"
	done
	kill "$dpid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=""
}

start_once "first start (new state db)" && start_once "restart (existing state db)"
exit 0
