#!/usr/bin/env bash
# test_syn.sh BUILD — one-time tokens (HOTP) carried by the port carriers:
#  - `postern syn-knock` sends one SYN to a closed port (syn_ports) with the
#    token in its sequence number and TSval; it looks like the kernel's own
#    SYN (same options in the same order, window, TTL), as tcpdump sees it;
#    the captured SYN yields the token (test_carrier_syn on the pcap); the
#    daemon opens tcp/22 once, and the replayed SYN (tcpreplay) opens nothing;
#  - the token's four-port form sent with knockd's `knock` client (as
#    `postern token --ports` prints it) opens tcp/22 once.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
for tool in knock tcpdump tcpreplay nc; do
	command -v $tool >/dev/null || die "$tool is not installed (scripts/install-deps.sh)"
done
[ -x "$BUILD/tests/test_carrier_syn" ] || die "$BUILD/tests/test_carrier_syn not built"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key carol "$TEST_DIR"
"$POSTERN" token --init --user carol --key "$TEST_DIR/carol.token" --mode hotp \
	>"$TEST_DIR/token-init.log" 2>&1 || die "postern token --init failed"
SHEET="$TEST_DIR/sheet"
"$POSTERN" token --user carol --key "$TEST_DIR/carol.token" --mode hotp --count 3 \
	--ports 40000-49999 --server "$SRV4" >"$SHEET" || die "postern token failed"
TOKEN0=$(awk '$1 == "0" { print $3 }' "$SHEET")
KNOCK1=$(awk '$1 == "1" { n = NR } n && NR == n + 2 { print; exit }' "$SHEET" | sed 's/^ *//')
[ -n "$TOKEN0" ] && [ "${KNOCK1%% *}" = knock ] || die "cannot read the token sheet"
CONF="$TEST_DIR/postern.conf"
cat >"$CONF" <<EOF
[daemon]
interfaces = any
state = $TEST_DIR/state.db
run_as = nobody
default_lease = 3s
syn_ports = tcp/4444

[protect]
ports = tcp/22

[user carol]
key = $TEST_DIR/carol.key
open = tcp/22
token = hotp
token_key = $TEST_DIR/carol.token
token_open = tcp/22
token_ports = 40000-49999
EOF
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
accepts() { count_log "$LOG" "accept user=carol "; }

echo "-- the SYN looks like the kernel's"
PCAP="$TEST_DIR/syn.pcap"
capture_start "$NS_SRV" "$SRV_IF" "$PCAP" "tcp[13] & 0x12 = 0x02 and (dst port 4444 or dst port 4445)"
ip netns exec "$NS_A" nc -z -w 1 "$SRV4" 4445 </dev/null >/dev/null 2>&1
expect "postern syn-knock exits 0" ip netns exec "$NS_A" "$POSTERN" syn-knock \
	--server "$SRV4" --port 4444 --token "$TOKEN0"
capture_stop
tcpdump -n -v -r "$PCAP" 2>/dev/null >"$TEST_DIR/syn.txt"
info "$(tr -s ' ' <"$TEST_DIR/syn.txt" | head -4)"
shape() { # TTL, IP flags, TCP flags, window, options (values masked)
	local two
	two=$(grep -B1 "$1" "$TEST_DIR/syn.txt" | tr '\n' ' ')
	echo "$two" | grep -oE 'ttl [0-9]+|flags \[[^]]*\]|Flags \[[^]]*\]|win [0-9]+|options \[[^]]*\]' |
		sed -E 's/val [0-9]+/val N/; s/ecr [0-9]+/ecr N/' | tr '\n' ' '
}
KERNEL=$(shape '\.4445:') OURS=$(shape '\.4444:')
info "kernel: $KERNEL"
info "ours:   $OURS"
expect "the SYN has the kernel SYN's TTL, flags, window and options" \
	test -n "$OURS" -a "$OURS" = "$KERNEL"
expect "its sequence number is token bytes 0-3" \
	grep -q "seq $((16#${TOKEN0:0:8}))," "$TEST_DIR/syn.txt"
expect "its TSval is token bytes 4-7" grep -q "TS val $((16#${TOKEN0:8:8}))" "$TEST_DIR/syn.txt"
expect "the SYN knock opens tcp/22 (via=syn scheme=token)" wait_for_log "$LOG" \
	"accept user=carol src=$A4 target=$A4 open=tcp/22 lease=3 via=syn scheme=token" 3
expect "carol reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the door closes with the lease" wait_closed "$NS_A" "$SRV4" 22 6
# After the 3 s lease, not before: under the sanitizers this check alone
# can take longer than the lease.
expect "the captured SYN yields the token (test_carrier_syn)" \
	env POSTERN_SYN_PCAP="$PCAP" POSTERN_SYN_TOKEN="$TOKEN0" "$BUILD/tests/test_carrier_syn"

echo "-- the replayed SYN opens nothing"
n=$(accepts)
# tcpreplay resends the captured frames (the kernel SYN to 4445 too)
# from the hub side of the server's link.
ip netns exec "$NS_SRV" tcpdump -n -r "$PCAP" -w "$TEST_DIR/ours.pcap" 'dst port 4444' 2>/dev/null
expect "tcpreplay resends the SYN" replay "$NS_A" "$CLI_IF" "$TEST_DIR/ours.pcap"
sleep 1
expect "no new accept" test "$(accepts)" -eq "$n"
expect "carol is refused" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- the token's port-sequence form with knock"
info "$KNOCK1"
expect "knock (counter 1's ports) exits 0" ip netns exec "$NS_A" $KNOCK1
expect "the four-port form opens tcp/22 (via=port scheme=token)" wait_for_log "$LOG" \
	"accept user=carol src=$A4 target=$A4 open=tcp/22 lease=3 via=port scheme=token" 3
expect "carol reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the door closes with the lease" wait_closed "$NS_A" "$SRV4" 22 6
n=$(accepts)
ip netns exec "$NS_A" $KNOCK1
sleep 1
expect "the same four ports again open nothing" test "$(accepts)" -eq "$n"

expect "posternd still running" kill -0 "$POSTERND_PID"
finish
