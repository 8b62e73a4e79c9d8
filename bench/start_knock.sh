#!/usr/bin/env bash
# bench/start_knock.sh BUILD [BUILD2] [USERS] [ROUNDS] — start-up, end to end:
# from exec of posternd to "ready" in its log, and on to the first door
# opened for a knock sent as soon as "ready" is read.
#
# USERS users (default 100000) in a keys_file with one [user *] section
# (as KEYS=template of config_scale.sh), state in a temporary directory, in
# a network namespace of its own (pstart<PID>) on lo, with a TCP listener
# on 127.0.0.1:22 (the protected door). Each round starts posternd twice: a
# first start (no state db) and a restart (the db the first left). At
# "ready" the bench checks that the door is shut (one SYN, no answer in
# 2 ms), sends a knock of user u000000 sealed just before the start
# (bench/seal_knock, lease 2 s), and tries to connect every 2 ms until the
# door opens. Times are taken by one process (Python, in the namespace),
# so no ip-netns-exec or process start is counted after exec.
#
# With BUILD2, rounds alternate BUILD, BUILD2 (ABAB) on the same files and
# the medians of each are printed with their ratio. Prints figures; never
# fails on time (exit 1 only if posternd does not start or a door does not
# open within 5 s). Root only. The namespace, the daemons (killed by PID)
# and the directory are removed on every exit.
set -uo pipefail

a=${1:?usage: start_knock.sh BUILD [BUILD2] [USERS] [ROUNDS]}
b=""
if [ $# -ge 2 ] && [ -x "$2/posternd" ]; then b=$2; shift; fi
users=${2:-100000}
rounds=${3:-5}
dir=$(mktemp -d /tmp/pstart.XXXXXX)
ns=pstart$$

cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for build in $a $b; do
	for f in posternd bench/seal_knock; do
		[ -x "$build/$f" ] || { echo "start_knock: $build/$f missing"; exit 1; }
	done
done
chmod 0711 "$dir"
python3 - "$users" "$dir" <<'PY'
import base64, os, sys
n, d = int(sys.argv[1]), sys.argv[2]
os.umask(0o077)
with open(d + "/users.keys", "w") as keys:
    for i in range(n):
        secret = base64.b64encode(os.urandom(32)).decode()
        keys.write("u%06d %s\n" % (i, secret))
        if i == 0:
            with open(d + "/u000000.key", "w") as f:
                f.write("postern-key 1\nuser u000000\nsecret %s\n" % secret)
with open(d + "/postern.conf", "w") as conf:
    conf.write("[daemon]\ninterfaces = lo\nknock_ports = udp/62201\nstate = %s/state.db\n"
               "table = postern\nrun_as = nobody\nwindow = 60s\nfirewall = drop\n"
               "keys_file = %s/users.keys\n\n[protect]\nports = tcp/22\n\n"
               "[user *]\nopen = tcp/22\n" % (d, d))
PY
chmod 0644 "$dir/postern.conf"
ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up

echo "start_knock: $users users ([user *]), $rounds round(s), builds: $a${b:+ (A), $b (B)}"
python3 - "$ns" "$dir" "$rounds" "$a" "$b" <<'PY'
import ctypes, os, select, signal, socket, subprocess, sys, time
ns, d, rounds, builds = sys.argv[1], sys.argv[2], int(sys.argv[3]), [x for x in sys.argv[4:] if x]
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/run/netns/" + ns, os.O_RDONLY)
if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
    sys.exit("start_knock: setns: errno %d" % ctypes.get_errno())
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 22))
srv.listen(128)

def connects(wait_s):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", 22))
    _, w, _ = select.select([], [s], [], wait_s)
    ok = bool(w) and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    s.close()
    return ok

def once(build, fresh):
    if fresh:
        for sfx in ("", "-wal", "-shm"):
            try: os.unlink(d + "/state.db" + sfx)
            except FileNotFoundError: pass
    hexknock = subprocess.run([build + "/bench/seal_knock", d + "/u000000.key", "1", "22", "2"],
                              check=True, capture_output=True, text=True).stdout.split()[0]
    knock = bytes.fromhex(hexknock)
    t0 = time.monotonic()
    p = subprocess.Popen([build + "/posternd", "-c", d + "/postern.conf"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    t_ready = None
    for line in p.stdout:
        if b" ready: " in line:
            t_ready = time.monotonic()
            break
    try:
        if t_ready is None:
            sys.exit("start_knock: posternd exited before ready")
        if connects(0.002):
            sys.exit("start_knock: the door is open at ready, before any knock")
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t_sent = time.monotonic()
        u.sendto(knock, ("127.0.0.1", 62201))
        u.close()
        t_door = None
        while time.monotonic() - t_sent < 5:
            if connects(0.002):
                t_door = time.monotonic()
                break
        if t_door is None:
            sys.exit("start_knock: no door within 5 s of the knock")
    finally:
        p.send_signal(signal.SIGTERM)
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill(); p.wait()
    time.sleep(2.5)  # the 2 s lease runs out before the next round
    return ((t_ready - t0) * 1e3, (t_door - t_sent) * 1e3, (t_door - t0) * 1e3)

res = {}
for r in range(rounds):
    for i, build in enumerate(builds):
        tag = "AB"[i] if len(builds) > 1 else "-"
        for fresh in (True, False):
            kind = "first start" if fresh else "restart"
            v = once(build, fresh)
            res.setdefault((tag, kind), []).append(v)
            print("round %d %s %-11s exec->ready %6.1f ms  knock->door %5.1f ms  exec->door %6.1f ms"
                  "  (load %s)" % (r + 1, tag, kind, *v, open("/proc/loadavg").read().split()[0]),
                  flush=True)

def med(xs):
    xs = sorted(xs); n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

print("medians:")
for kind in ("first start", "restart"):
    for tag in ("-", "A", "B"):
        if (tag, kind) not in res: continue
        v = res[(tag, kind)]
        print("  %s %-11s exec->ready %6.1f ms  knock->door %5.1f ms  exec->door %6.1f ms"
              % (tag, kind, med([x[0] for x in v]), med([x[1] for x in v]), med([x[2] for x in v])))
    if ("A", kind) in res and ("B", kind) in res:
        ra = med([x[0] for x in res[("B", kind)]]) / med([x[0] for x in res[("A", kind)]])
        rd = med([x[2] for x in res[("B", kind)]]) / med([x[2] for x in res[("A", kind)]])
        print("  B/A %-11s exec->ready %.2f  exec->door %.2f" % (kind, ra, rd))
print("load average %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
PY
