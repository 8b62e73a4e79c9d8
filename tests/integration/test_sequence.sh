#!/usr/bin/env bash
# test_sequence.sh BUILD — port sequences end to end, with real clients:
#  - a static knockd-style sequence (7000/tcp, 8000/udp, 9000/tcp) sent with
#    knockd's `knock` client (IPv4 and IPv6) and with `nc` opens tcp/22 for
#    the knocking address; it is flagged as weak in the log at start-up;
#  - wrong order, a stray port in the middle, and a too-slow knock open
#    nothing;
#  - full-range TCP SYN scans (nmap, random and ascending port order) and a
#    full-range UDP sweep open nothing;
#  - knockd-style one-time sequences: only the next unused line opens, each
#    once; merely starting one does not burn it; used lines stay used
#    across a daemon restart.
# Every scan is bounded in rate and time and stays inside the namespaces.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
for tool in knock nmap nc; do
	command -v $tool >/dev/null || die "$tool is not installed (scripts/install-deps.sh)"
done

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
make_key bob "$TEST_DIR"
SEQS="$TEST_DIR/bob.seqs"
cat >"$SEQS" <<'EOF'
# bob's one-time sequences (knockd's format: one per line)
 21001:tcp, 21002:udp, 21003:tcp
 22001, 22002, 22003:udp
 23001:udp, 23002, 23003
EOF
chmod 0600 "$SEQS"
CONF="$TEST_DIR/postern.conf"
cat >"$CONF" <<EOF
[daemon]
interfaces = any
state = $TEST_DIR/state.db
run_as = nobody
default_lease = 3s

[protect]
ports = tcp/22

[user alice]
key = $TEST_DIR/alice.key
open = tcp/22
sequence = 7000:tcp, 8000:udp, 9000:tcp
sequence_timeout = 3s

[user bob]
key = $TEST_DIR/bob.key
open = tcp/22
one_time_sequences = $SEQS
sequence_timeout = 2s
EOF
LOG="$TEST_DIR/posternd.log"
expect "posternd --check-config accepts the sequence config" \
	"$POSTERND" --check-config -c "$CONF"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
expect "the static sequence is flagged as weak at start-up" \
	grep -Eq "user alice: static port sequence 7000:tcp,8000:udp,9000:tcp is weak" "$LOG"

A() { ip netns exec "$NS_A" "$@"; }
B() { ip netns exec "$NS_B" "$@"; }
accepts() { count_log "$LOG" "accept user=$1 "; }

echo "-- before any knock"
expect "alice cannot reach tcp/22" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- scans open nothing"
before=$(count_log "$LOG" 'accept user=')
# nmap randomises the port order by default; -r scans in ascending order.
expect "nmap SYN scan of all 65535 TCP ports, random order (bounded)" \
	timeout 120 ip netns exec "$NS_A" nmap -n -Pn -sS -p- --max-retries 0 \
	--max-rate 20000 --host-timeout 100s "$SRV4" -oN "$TEST_DIR/nmap-tcp.txt"
expect "nmap SYN scan of all TCP ports, ascending order (bounded)" \
	timeout 120 ip netns exec "$NS_A" nmap -n -Pn -sS -r -p- --max-retries 0 \
	--max-rate 20000 --host-timeout 100s "$SRV4" -oN /dev/null
expect "nmap SYN scan over IPv6, random order (bounded)" \
	timeout 120 ip netns exec "$NS_A" nmap -6 -n -Pn -sS -p- --max-retries 0 \
	--max-rate 20000 --host-timeout 100s "$SRV6" -oN /dev/null
expect "UDP sweep of all 65535 ports, random order (bounded)" \
	timeout 120 ip netns exec "$NS_A" "$PYTHON" -c '
import random, socket, sys, time
ports = list(range(1, 65536)); random.shuffle(ports)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i, p in enumerate(ports):
    s.sendto(b"x", (sys.argv[1], p))
    if i % 500 == 0: time.sleep(0.02)   # about 25 000 datagrams per second at most
' "$SRV4"
expect "nmap saw tcp/22 filtered (the scan did reach the server)" \
	grep -Eq '^22/tcp +filtered' "$TEST_DIR/nmap-tcp.txt"
sleep 1
expect "no accept after the scans" test "$(count_log "$LOG" 'accept user=')" -eq "$before"
expect "alice still cannot reach tcp/22" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- the static sequence with knockd's knock client"
n=$(accepts alice)
expect "knock 7000:tcp 8000:udp 9000:tcp exits 0" A knock "$SRV4" 7000:tcp 8000:udp 9000:tcp
expect "accept logged for alice (via=port scheme=sequence)" wait_for_log "$LOG" \
	"accept user=alice src=$A4 target=$A4 open=tcp/22 lease=3 via=port scheme=sequence" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the stranger does not" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the door closes with the lease" wait_closed "$NS_A" "$SRV4" 22 6

expect "knock -6 over IPv6 exits 0" A knock -6 "$SRV6" 7000:tcp 8000:udp 9000:tcp
expect "accept logged for alice's IPv6 address" wait_for_log "$LOG" \
	"accept user=alice src=$A6 target=$A6 open=tcp/22" 3
expect "alice reaches tcp/22 over IPv6" wait_open "$NS_A" "$SRV6" 22
expect "the IPv6 door closes with the lease" wait_closed "$NS_A" "$SRV6" 22 6

echo "-- the static sequence with nc"
n=$(accepts alice)
A nc -z -w 1 "$SRV4" 7000 </dev/null >/dev/null 2>&1
echo x | A nc -u -w 1 "$SRV4" 8000 >/dev/null 2>&1
A nc -z -w 1 "$SRV4" 9000 </dev/null >/dev/null 2>&1
expect "nc -z / nc -u / nc -z opens the door" wait_open "$NS_A" "$SRV4" 22
expect "one more accept for alice" test "$(accepts alice)" -eq $((n + 1))
expect "the door closes with the lease" wait_closed "$NS_A" "$SRV4" 22 6

echo "-- wrong knocks open nothing"
n=$(accepts alice)
A knock "$SRV4" 9000:tcp 8000:udp 7000:tcp
A knock "$SRV4" 8000:udp 7000:tcp 9000:tcp
A knock "$SRV4" 7000:tcp 8000:udp 7001:tcp 9000:tcp
A knock "$SRV4" 7000:tcp 8000:tcp 9000:tcp
A knock "$SRV4" 7000:tcp 8000:udp; sleep 3.5; A knock "$SRV4" 9000:tcp
sleep 1
expect "reversed, swapped, interrupted, wrong-protocol and slow knocks: no accept" \
	test "$(accepts alice)" -eq "$n"
expect "alice is still refused" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- one-time sequences (bob, from the stranger's address)"
L1=(21001:tcp 21002:udp 21003:tcp) L2=(22001 22002 22003:udp) L3=(23001:udp 23002 23003)
B knock "$SRV4" "${L1[@]:0:2}"
sleep 2.5
expect "starting line 1 and stopping opens nothing" test "$(accepts bob)" -eq 0
B knock "$SRV4" "${L3[@]}"
sleep 1
expect "line 3 before line 2 and 1 opens nothing" test "$(accepts bob)" -eq 0
B knock "$SRV4" "${L1[@]}"
expect "line 1 in full opens (the prefix did not burn it)" wait_for_log "$LOG" \
	"accept user=bob src=$B4 target=$B4 open=tcp/22 lease=3 via=port scheme=sequence" 3
expect "bob reaches tcp/22" wait_open "$NS_B" "$SRV4" 22
expect "bob's door closes with the lease" wait_closed "$NS_B" "$SRV4" 22 6
B knock "$SRV4" "${L1[@]}"
sleep 1
expect "line 1 again opens nothing" test "$(accepts bob)" -eq 1
expect "bob is refused after the replay" tcp_closed_from "$NS_B" "$SRV4" 22
B knock "$SRV4" "${L2[@]}"
expect "line 2 opens" wait_for_log "$LOG" "accept user=bob src=$B4" 3 \
	"$(grep -n 'accept user=bob' "$LOG" | head -1 | cut -d: -f1)"
expect "two accepts for bob" test "$(accepts bob)" -eq 2
expect "bob's door closes with the lease" wait_closed "$NS_B" "$SRV4" 22 6

echo "-- across a restart"
expect "posternd stops on TERM" stop_posternd
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not restart"
expect "the low-water warning counts one unused line" \
	grep -Eq "user bob: 1 unused one-time sequence left in $SEQS" "$LOG"
B knock "$SRV4" "${L1[@]}"
B knock "$SRV4" "${L2[@]}"
sleep 1
expect "lines 1 and 2 stay used after the restart" test "$(accepts bob)" -eq 2
expect "bob is refused" tcp_closed_from "$NS_B" "$SRV4" 22
B knock "$SRV4" "${L3[@]}"
expect "line 3 opens" wait_open "$NS_B" "$SRV4" 22
expect "three accepts for bob" test "$(accepts bob)" -eq 3
B knock "$SRV4" "${L3[@]}"
sleep 1
expect "the list is used up: line 3 again opens nothing" test "$(accepts bob)" -eq 3

expect "posternd still running" kill -0 "$POSTERND_PID"
expect "no refusal from the parent for a forged sequence" \
	test "$(count_log "$LOG" 'refuse reason=malformed.*scheme=sequence')" -eq 0
finish
