#!/usr/bin/env bash
# demo/demo.sh BUILD — postern in a box of network namespaces, step by step.
#
# Three namespaces play three machines on one switch (a fourth, the hub,
# holds the bridge):
#   server    10.77.0.1  fd77::1  runs an "SSH" service on port 22 and posternd
#   alice     10.77.0.2  fd77::2  has a key and knocks
#   stranger  10.77.0.3  fd77::3  has no key
# Nothing here touches the host's own interfaces or firewall: every command
# runs inside `ip netns exec`, and everything is removed on exit or Ctrl-C.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/integration/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (it creates network namespaces)" >&2
	exit 1
fi
lib_init "${1:-build}"

# Friendlier namespace names than the tests' (still unique per run).
NS_HUB="postern-demo$$-hub"
NS_SRV="postern-demo$$-server"
NS_A="postern-demo$$-alice"
NS_B="postern-demo$$-stranger"
LEASE=10
LOG="$TEST_DIR/posternd.log"
CONF="$TEST_DIR/postern.conf"
PROBLEMS=0

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B='' G='' R='' N=''; fi

step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
show() { printf '    $ %s\n' "$*"; }
good() { printf '    %s✓ %s%s\n' "$G" "$*" "$N"; }
bad() { printf '    %s✗ %s%s\n' "$R" "$*" "$N"; PROBLEMS=$((PROBLEMS + 1)); }

# who NS: the machine a namespace plays.
who() {
	case $1 in "$NS_A") echo "alice's" ;; "$NS_B") echo "the stranger's" ;; *) echo "the server's" ;; esac
}

# probe NS ADDR EXPECT: tries to reach ADDR:22 from NS, shows what happens,
# and compares with EXPECT (open|closed).
probe() {
	local ns=$1 addr=$2 expect=$3 out
	show "nc -w 2 $addr 22        # on $(who "$ns") machine"
	out=$(ip netns exec "$ns" nc -w 2 "$addr" 22 </dev/null 2>&1)
	if [ -n "$out" ]; then
		printf '      %s\n' "$out"
		if [ "$expect" = open ]; then good "connected: the server answered"; else bad "connected, but the door should be closed"; fi
	else
		printf '      (no answer within 2 s: postern drops the SYN)\n'
		if [ "$expect" = closed ]; then good "closed, as expected"; else bad "closed, but the door should be open"; fi
	fi
}

# ---- set the stage -------------------------------------------------------

step "0. Setting the stage: three machines in network namespaces"
ns_setup
start_tcp_service "$NS_SRV" 22 "SSH-2.0-demo (a stand-in for sshd, in the server namespace)"
echo "    server 10.77.0.1 / fd77::1, alice 10.77.0.2 / fd77::2, stranger 10.77.0.3 / fd77::3"
echo "    a TCP service listens on port 22 of the server"

show "postern keygen --user alice --out $TEST_DIR/alice.key"
make_key alice "$TEST_DIR"
good "alice's key: $(stat -c '%A' "$TEST_DIR/alice.key") (the server uses the same file)"

cat >"$CONF" <<EOF
# The demo's server config (see etc/postern.conf for every setting).
[daemon]
interfaces = any
knock_ports = udp/$KNOCK_PORT
state = $TEST_DIR/state.db
table = postern
run_as = nobody
window = 60s

[protect]
ports = tcp/22

[user alice]
key = $TEST_DIR/alice.key
open = tcp/22
targets = 10.77.0.0/24, fd77::/64
EOF
echo "    the server's config ($CONF):"
sed -n '/^\[/,$p' "$CONF" | sed 's/^/      /'
show "posternd -c $CONF        # on the server"
start_posternd "$NS_SRV" "$CONF" "$LOG" || { bad "posternd did not start"; exit 1; }
good "posternd is running (PID $POSTERND_PID): $(grep -m1 -o 'ready.*' "$LOG")"

# ---- the story -------------------------------------------------------------

step "1. Alice tries the server's SSH port before knocking"
probe "$NS_A" "$SRV4" closed

step "2. Alice knocks: one encrypted, one-time UDP datagram, lease $LEASE s"
show "postern knock --server $SRV4 --user alice --key alice.key --open tcp/22 --lease ${LEASE}s"
if knock_from "$NS_A" "$SRV4" alice --lease "${LEASE}s" | sed 's/^/      /'; then
	knocked=$SECONDS
	if wait_for_log "$LOG" "accept user=alice" 3; then
		good "the server accepted: $(grep -m1 -o 'accept user=alice.*' "$LOG")"
	else
		bad "the server did not log an accept"
	fi
else
	knocked=$SECONDS
	bad "postern knock failed"
fi

step "3. Alice connects"
wait_open "$NS_A" "$SRV4" 22 2
probe "$NS_A" "$SRV4" open

step "4. The stranger tries the same port at the same time, and knocks with a key of her own"
probe "$NS_B" "$SRV4" closed
mkdir -m 0700 "$TEST_DIR/stranger"
"$POSTERN" keygen --user alice --out "$TEST_DIR/stranger/alice.key" >/dev/null
show "postern knock --server $SRV4 --user alice --key her-own.key --open tcp/22   # on the stranger's machine"
seen=$(lines "$LOG")
ip netns exec "$NS_B" "$POSTERN" knock --server "$SRV4" --user alice \
	--key "$TEST_DIR/stranger/alice.key" --open tcp/22 --lease "${LEASE}s" | sed 's/^/      /'
if wait_for_log "$LOG" "refuse reason=" 3 "$seen"; then
	good "the server refused it: $(tail -n "+$((seen + 1))" "$LOG" | grep -m1 -o 'refuse reason=.*')"
else
	bad "the server did not log a refusal"
fi
probe "$NS_B" "$SRV4" closed

step "5. Over IPv6 the door is closed as well: the stranger, and even alice (she knocked over IPv4)"
probe "$NS_B" "$SRV6" closed
probe "$NS_A" "$SRV6" closed

step "6. Waiting for alice's $LEASE s lease to end (the kernel closes the door, not the daemon)"
left=$((LEASE - (SECONDS - knocked)))
[ "$left" -gt 0 ] && { printf '    '; for i in $(seq "$left" -1 1); do printf '%s ' "$i"; sleep 1; done; echo; }
wait_closed "$NS_A" "$SRV4" 22 5 >/dev/null || true

step "7. Alice tries again after the lease"
probe "$NS_A" "$SRV4" closed

step "What posternd logged"
grep -E 'ready|accept|refuse' "$LOG" | sed 's/^/    /'

echo
if [ "$PROBLEMS" -eq 0 ]; then
	echo "${G}${B}Demo complete: every step behaved as expected.${N}"
else
	echo "${R}${B}Demo finished with $PROBLEMS unexpected result(s).${N}"
fi
echo "(cleaning up the namespaces)"
[ "$PROBLEMS" -eq 0 ]
