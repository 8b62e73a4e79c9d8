#!/usr/bin/env bash
# test_icmp.sh BUILD — knocks in ICMP / ICMPv6 echo requests (icmp = yes).
#
# With real nftables and real packets in namespaces: the door is closed; a
# `postern knock --via icmp` over IPv4 opens it for IPv4 and one over IPv6
# for IPv6; a knock sniffed with tcpdump and resent with tcpreplay is
# refused as a replay; 100-byte echo requests of random bytes are refused
# (unknown-tag) and logged; plain `ping` still gets the kernel's normal
# answer, and a knock works the same when the operator has told the kernel
# not to answer pings; an unprivileged user knocks through a ping socket.
# If the token scheme is built, a token sent with plain `ping -p` opens too.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
CONF="$TEST_DIR/postern.conf"
write_config "$CONF"
sed -i 's/^\[daemon\]$/[daemon]\nicmp = yes/' "$CONF"
# `ping -p` tokens need the token scheme (scheme_token.c); test them if built.
TOKENS=no
grep -q scheme_token "$SRC_DIR/src/daemon/scheme.c" && TOKENS=yes
if [ "$TOKENS" = yes ]; then
	"$POSTERN" token --init --mode hotp --user alice --key "$TEST_DIR/alice.token" \
		>"$TEST_DIR/alice.init" || die "postern token --init"
	# alice's section is the last one: her token keys go at the end.
	printf 'token = hotp\ntoken_key = %s\ntoken_open = tcp/22\n' \
		"$TEST_DIR/alice.token" >>"$CONF"
fi
LOG="$TEST_DIR/posternd.log"
PCAP="$TEST_DIR/icmp-knock.pcap"

# ping_ok NS ADDR: one echo request answered within 2 s.
ping_ok() { ip netns exec "$1" ping -n -q -c 1 -W 2 "$2" >/dev/null 2>&1; }

# icmp_garbage NS ADDR: an echo request whose data is 100 random bytes.
icmp_garbage() {
	ip netns exec "$1" "$PYTHON" -c '
import logging, os, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, IPv6, ICMP, ICMPv6EchoRequest, send, conf
conf.verb = 0
addr = sys.argv[1]
if ":" in addr:
    send(IPv6(dst=addr) / ICMPv6EchoRequest(id=0x4242, seq=1, data=os.urandom(100)))
else:
    send(IP(dst=addr) / ICMP(type=8, id=0x4242, seq=1) / os.urandom(100))
' "$2"
}

expect "icmp = yes passes --check-config" \
	ip netns exec "$NS_SRV" "$POSTERND" --check-config -c "$CONF"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
# ICMP echo data up to 512 bytes: the capture keeps 512, the old 8 MiB ring.
expect "the capture child logs its ring" wait_for_log "$LOG" \
	"capture child: ring snaplen=512 buffer=8388576 frames=13797 per interface" 3

echo "-- the host answers pings as always: postern neither adds nor removes replies"
expect "alice's IPv4 ping is answered" ping_ok "$NS_A" "$SRV4"
expect "alice's IPv6 ping is answered" ping_ok "$NS_A" "$SRV6"
expect "the stranger's ping is answered" ping_ok "$NS_B" "$SRV4"
sleep 0.5
expect "plain pings are not knocks: nothing logged" \
	test "$(count_log "$LOG" '^.*(accept|refuse) ')" -eq 0

echo "-- IPv4: closed, knock in an echo request, open"
expect "tcp/22 closed to alice over IPv4" tcp_closed_from "$NS_A" "$SRV4" 22
capture_start "$NS_A" "$CLI_IF" "$PCAP" "icmp and icmp[0] = 8"
expect "postern knock --via icmp exits 0" \
	knock_from "$NS_A" "$SRV4" alice --via icmp --lease 3s --quiet
expect "accept logged with via=icmp" \
	wait_for_log "$LOG" "accept user=alice src=$A4 .*via=icmp" 3
capture_stop
expect "tcpdump recorded exactly one echo request" test "$(pcap_count "$PCAP")" -eq 1
expect "the echo request carries 100 bytes of data" \
	bash -c "tcpdump -n -r '$PCAP' 2>/dev/null | grep -q 'ICMP echo request.*length 108'"
expect "alice reaches tcp/22 over IPv4" wait_open "$NS_A" "$SRV4" 22
expect "the stranger is still refused" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the door closes when the 3 s lease ends" wait_closed "$NS_A" "$SRV4" 22 5

echo "-- the captured knock, resent byte for byte with tcpreplay"
seen=$(lines "$LOG")
expect "tcpreplay sent the frame" replay "$NS_A" "$CLI_IF" "$PCAP"
expect "refuse reason=replay logged (via=icmp)" \
	wait_for_log "$LOG" "refuse reason=replay user=alice src=$A4 via=icmp" 3 "$seen"
expect "the door was opened once only" \
	test "$(count_log "$LOG" "accept user=alice src=$A4 ")" -eq 1
expect "alice is refused after the replay" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- IPv6: closed, knock in an ICMPv6 echo request, open"
expect "tcp/22 closed to alice over IPv6" tcp_closed_from "$NS_A" "$SRV6" 22
expect "postern knock -6 --via icmp exits 0" \
	knock_from "$NS_A" "$SRV6" alice --via icmp --lease 5s --quiet
expect "accept logged for fd77::2 with via=icmp" \
	wait_for_log "$LOG" "accept user=alice src=$A6 .*via=icmp" 3
expect "alice reaches tcp/22 over IPv6" wait_open "$NS_A" "$SRV6" 22
expect "the stranger is refused over IPv6" tcp_closed_from "$NS_B" "$SRV6" 22

echo "-- 100-byte echo requests of random bytes"
seen=$(lines "$LOG")
icmp_garbage "$NS_B" "$SRV4"
icmp_garbage "$NS_B" "$SRV6"
expect "IPv4 garbage refused: unknown-tag via=icmp" \
	wait_for_log "$LOG" "refuse reason=unknown-tag .*src=$B4 via=icmp" 3 "$seen"
expect "IPv6 garbage refused: unknown-tag via=icmp" \
	wait_for_log "$LOG" "refuse reason=unknown-tag .*src=$B6 via=icmp" 3 "$seen"
expect "garbage opened nothing for the stranger" tcp_closed_from "$NS_B" "$SRV4" 22
expect "posternd still runs" kill -0 "$POSTERND_PID"

echo "-- the operator's choice: the kernel ignores pings, knocks still work"
ip netns exec "$NS_SRV" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
expect_not "with icmp_echo_ignore_all=1 a ping gets no reply" ping_ok "$NS_A" "$SRV4"
seen=$(lines "$LOG")
expect "postern knock --via icmp exits 0" \
	knock_from "$NS_A" "$SRV4" alice --via icmp --lease 3s --quiet
expect "the knock is accepted all the same" \
	wait_for_log "$LOG" "accept user=alice src=$A4 .*via=icmp" 3 "$seen"
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
ip netns exec "$NS_SRV" sysctl -qw net.ipv4.icmp_echo_ignore_all=0
expect "with icmp_echo_ignore_all=0 pings are answered again" ping_ok "$NS_A" "$SRV4"
expect "the door closes" wait_closed "$NS_A" "$SRV4" 22 5

echo "-- an unprivileged user knocks through a ping socket (no raw socket)"
# Only nobody's copy of the key, in a directory only nobody can enter.
chmod 0711 "$TEST_DIR"
install -d -o nobody -m 0700 "$TEST_DIR/nobody"
install -o nobody -m 0600 "$TEST_DIR/alice.key" "$TEST_DIR/nobody/alice.key"
knock_as_nobody() {
	ip netns exec "$NS_A" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all "$POSTERN" knock --server "$1" \
		--user alice --key "$TEST_DIR/nobody/alice.key" --open tcp/22 \
		--via icmp --lease 3s --quiet
}
ip netns exec "$NS_A" sysctl -qw net.ipv4.ping_group_range="1 0"
expect_not "without ping sockets nobody cannot send an echo request" \
	knock_as_nobody "$SRV4"
ip netns exec "$NS_A" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
seen=$(lines "$LOG")
expect "with ping sockets allowed nobody's IPv4 knock is sent" knock_as_nobody "$SRV4"
expect "and accepted" wait_for_log "$LOG" "accept user=alice src=$A4 .*via=icmp" 3 "$seen"
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
seen=$(lines "$LOG")
expect "nobody's IPv6 knock through a ping socket is sent" knock_as_nobody "$SRV6"
expect "and accepted" wait_for_log "$LOG" "accept user=alice src=$A6 .*via=icmp" 3 "$seen"

# ---- `ping -p` tokens: only where the token scheme is built ----
# token HEX_COUNTER: alice's 8-byte HOTP token for that counter, as the
# `postern token` sheet prints it for `ping -p`.
token() {
	"$POSTERN" token --mode hotp --user alice --key "$TEST_DIR/alice.token" \
		--counter "$1" --count 1 | awk '/^[0-9]/ {print $3}'
}
if [ "$TOKENS" = yes ]; then
	wait_closed "$NS_A" "$SRV4" 22 5
	wait_closed "$NS_A" "$SRV6" 22 5
	echo "-- plain iputils ping -p with a token from the sheet, IPv4 then IPv6"
	seen=$(lines "$LOG")
	ip netns exec "$NS_A" ping -n -q -c 1 -W 1 -p "$(token 0)" "$SRV4" >/dev/null 2>&1
	expect "ping -p token accepted over IPv4 (via=icmp scheme=token)" \
		wait_for_log "$LOG" "accept user=alice src=$A4 .*via=icmp scheme=token" 3 "$seen"
	expect "alice reaches tcp/22 over IPv4" wait_open "$NS_A" "$SRV4" 22
	seen=$(lines "$LOG")
	ip netns exec "$NS_A" ping -n -q -6 -c 1 -W 1 -p "$(token 1)" "$SRV6" >/dev/null 2>&1
	expect "ping -6 -p token accepted over IPv6 (via=icmp scheme=token)" \
		wait_for_log "$LOG" "accept user=alice src=$A6 .*via=icmp scheme=token" 3 "$seen"
	expect "alice reaches tcp/22 over IPv6" wait_open "$NS_A" "$SRV6" 22
	seen=$(lines "$LOG")
	ip netns exec "$NS_B" ping -n -q -c 1 -W 1 -p "$(token 1)" "$SRV4" >/dev/null 2>&1
	expect "the used token, pinged again by the stranger, is refused" \
		wait_for_log "$LOG" "refuse reason=[a-z-]+ .*src=$B4 via=icmp scheme=token" 3 "$seen"
	expect "and opens nothing for the stranger" tcp_closed_from "$NS_B" "$SRV4" 22
else
	info "the token scheme is not built in this tree: no end-to-end ping -p case"
fi

finish
