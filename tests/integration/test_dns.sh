#!/usr/bin/env bash
# test_dns.sh BUILD — knocks in DNS query names (dns = sniff | authoritative).
#
# Real nftables, real packets, a real recursive resolver (Debian's unbound,
# in a namespace of its own, with QNAME minimisation and 0x20 case
# randomisation on) and real `dig`, all inside namespaces this test creates:
#  (a) sniff: a `postern knock --via dns` query straight to the server's UDP
#      53 opens the door over IPv4 and IPv6, while nothing answers there;
#      a token from the `postern token` sheet sent with plain `dig` opens it
#      too (when the token scheme is built);
#  (b) authoritative: every query for the zone gets an immediate, plausible
#      answer (also through unbound, never SERVFAIL), other zones REFUSED;
#      `postern knock --via dns --resolver UNBOUND --target ALICE` opens the
#      door for alice; the same name replayed with dig opens nothing; a knock
#      through the resolver that does not name its target is refused (by the
#      client, and by policy when forced); the resolver's duplicates and
#      plain queries never produce attack-level (notice) log lines.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
for tool in unbound dig tcpdump; do
	command -v $tool >/dev/null || die "$tool not installed (scripts/install-deps.sh)"
done

ZONE=k.example.net
NS_R="$NS_PREFIX-resolver"
R4=10.77.0.4 R6=fd77::4
LOG="$TEST_DIR/posternd-sniff.log"
CONF="$TEST_DIR/postern.conf"
PCAP="$TEST_DIR/dns-knock.pcap"

# posternd with -v, so the debug lines (duplicates) are in the log too.
cat >"$TEST_DIR/posternd-v" <<SH
#!/bin/sh
exec "$POSTERND" -v "\$@"
SH
chmod 0755 "$TEST_DIR/posternd-v"
POSTERND_BIN=$POSTERND
POSTERND="$TEST_DIR/posternd-v"

ns_setup
ns_add "$NS_R"
ns_link "$NS_R" "$CLI_IF" h-resolver "$R4" "$R6"
wait_link_up "$NS_R" "$CLI_IF" || die "resolver link did not come up"
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"

TOKENS=no
grep -q scheme_token "$SRC_DIR/src/daemon/scheme.c" && TOKENS=yes

# config MODE [extra daemon lines]: the test config with DNS keys.
config() {
	local mode=$1; shift
	write_config "$CONF"
	local lines="dns = $mode\\ndns_zone = $ZONE"
	local l
	for l in "$@"; do lines="$lines\\n$l"; done
	sed -i "s/^\[daemon\]\$/[daemon]\\n$lines/" "$CONF"
	if [ "$TOKENS" = yes ]; then
		printf 'token = hotp\ntoken_key = %s\ntoken_open = tcp/22\n' \
			"$TEST_DIR/alice.token" >>"$CONF"
	fi
}
if [ "$TOKENS" = yes ]; then
	"$POSTERN" token --init --mode hotp --user alice --key "$TEST_DIR/alice.token" \
		>"$TEST_DIR/alice.init" || die "postern token --init"
fi

# wait_sandboxed: "ready" comes as the capture opens; packets are read once
# the child has entered its sandbox (a child that dies on the way is
# restarted, and the next one says so).
wait_sandboxed() {
	wait_for_log "$LOG" 'capture child sandboxed' 10 || die "the capture child never got ready"
}
# dns_knock NS SERVER [options]: alice's full knock in a DNS query name.
dns_knock() {
	local ns=$1 server=$2; shift 2
	knock_from "$ns" "$server" alice --via dns --zone "$ZONE" --lease 3s --quiet "$@"
}
# dig_status NS SERVER NAME [dig options]: the status dig reports (or "timeout").
dig_status() {
	local ns=$1 server=$2 name=$3; shift 3
	local out
	out=$(ip netns exec "$ns" dig +tries=1 +time=2 "$@" @"$server" "$name" A 2>&1)
	if grep -q 'status:' <<<"$out"; then
		sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out" | head -n 1
	else
		echo timeout
	fi
}
# notices LOG SKIP: refusal lines at notice level (the attack-level ones)
# after line SKIP, excluding the one the test provoked on purpose.
refusals_after() { tail -n "+$(($2 + 1))" "$1" | grep -E 'refuse reason=' | grep -v 'reason=duplicate' || true; }

# ============================================================================
echo "== (a) dns = sniff: queries straight to the server's UDP 53, captured"
config sniff
expect "dns = sniff passes --check-config" \
	ip netns exec "$NS_SRV" "$POSTERND_BIN" --check-config -c "$CONF"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
wait_sandboxed

expect "tcp/22 closed to alice over IPv4" tcp_closed_from "$NS_A" "$SRV4" 22
expect "nothing answers on the server's port 53 in sniff mode" \
	test "$(dig_status "$NS_B" "$SRV4" "www.$ZONE")" = timeout
capture_start "$NS_A" "$CLI_IF" "$PCAP" "udp dst port 53"
expect "postern knock --via dns (IPv4) exits 0" dns_knock "$NS_A" "$SRV4"
expect "accept logged with via=dns" \
	wait_for_log "$LOG" "accept user=alice src=$A4 .*via=dns" 3
capture_stop
expect "alice reaches tcp/22 over IPv4" wait_open "$NS_A" "$SRV4" 22
expect "the stranger is still refused" tcp_closed_from "$NS_B" "$SRV4" 22
NAME=$(tcpdump -n -r "$PCAP" 2>/dev/null | grep -o 'A? [^ ]*' | head -n 1 | cut -c4-)
info "the knock's query name: $NAME"
expect "one A query, RD set, under the zone, 3 labels of 63/63/34 characters" \
	bash -c "[ \$(tcpdump -n -r '$PCAP' 2>/dev/null | grep -c '+ A? ') -eq 1 ] &&
		echo '$NAME' | grep -Eq '^[a-z2-7]{63}\.[a-z2-7]{63}\.[a-z2-7]{34}\.$ZONE\.$'"
expect "the door closes when the 3 s lease ends" wait_closed "$NS_A" "$SRV4" 22 5
seen=$(lines "$LOG")
ip netns exec "$NS_B" dig +tries=1 +time=1 @"$SRV4" "$NAME" A >/dev/null 2>&1
expect "the same name sent again by the stranger is refused as a replay" \
	wait_for_log "$LOG" "refuse reason=replay user=alice src=$B4 via=dns" 3 "$seen"
expect "and opens nothing" tcp_closed_from "$NS_A" "$SRV4" 22

expect "tcp/22 closed to alice over IPv6" tcp_closed_from "$NS_A" "$SRV6" 22
expect "postern knock --via dns (IPv6) exits 0" dns_knock "$NS_A" "$SRV6"
expect "accept logged for fd77::2 with via=dns" \
	wait_for_log "$LOG" "accept user=alice src=$A6 .*via=dns" 3
expect "alice reaches tcp/22 over IPv6" wait_open "$NS_A" "$SRV6" 22
expect "the stranger is refused over IPv6" tcp_closed_from "$NS_B" "$SRV6" 22

seen=$(lines "$LOG")
ip netns exec "$NS_B" dig +tries=1 +time=1 @"$SRV4" \
	"$(head -c 63 /dev/zero | tr '\0' a).$(head -c 63 /dev/zero | tr '\0' b).$(head -c 34 /dev/zero | tr '\0' c).$ZONE" A >/dev/null 2>&1
expect "a knock-shaped name of garbage is refused (unknown-tag via=dns)" \
	wait_for_log "$LOG" "refuse reason=unknown-tag .*src=$B4 via=dns" 3 "$seen"
expect "posternd still runs" kill -0 "$POSTERND_PID"

if [ "$TOKENS" = yes ]; then
	wait_closed "$NS_A" "$SRV4" 22 5
	LABEL=$("$POSTERN" token --mode hotp --user alice --key "$TEST_DIR/alice.token" \
		--counter 0 --count 1 --zone "$ZONE" | awk '$1 == "dig" {print $NF; exit}')
	info "token query from the sheet: dig $LABEL"
	seen=$(lines "$LOG")
	ip netns exec "$NS_A" dig +tries=1 +time=1 @"$SRV4" "$LABEL" >/dev/null 2>&1
	expect "plain dig of a token from the sheet is accepted (via=dns scheme=token)" \
		wait_for_log "$LOG" "accept user=alice src=$A4 .*via=dns scheme=token" 3 "$seen"
	expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
else
	info "the token scheme is not built in this tree: no dig token case"
fi
stop_posternd
# Leases outlive the daemon (kernel timeouts): start (b) with none.
ip netns exec "$NS_SRV" nft flush set inet postern leases4
ip netns exec "$NS_SRV" nft flush set inet postern leases6

# ============================================================================
echo "== (b) dns = authoritative, through a real unbound"
config authoritative
expect "dns = authoritative passes --check-config" \
	ip netns exec "$NS_SRV" "$POSTERND_BIN" --check-config -c "$CONF"
LOG="$TEST_DIR/posternd-authoritative.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
wait_sandboxed
expect "posternd bound udp/53 in its capture child" \
	bash -c "ip netns exec '$NS_SRV' ss -Hlun 'sport = :53' | grep -q ."

mkdir -p "$TEST_DIR/unbound"
cat >"$TEST_DIR/unbound/unbound.conf" <<UNBOUND
server:
	interface: $R4
	interface: $R6
	access-control: 10.77.0.0/24 allow
	access-control: fd77::/64 allow
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$TEST_DIR/unbound"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	module-config: "iterator"
	qname-minimisation: yes
	use-caps-for-id: yes
	do-not-query-localhost: no
stub-zone:
	name: "$ZONE"
	stub-addr: $SRV4
UNBOUND
ip netns exec "$NS_R" unbound -d -c "$TEST_DIR/unbound/unbound.conf" \
	>"$TEST_DIR/unbound.log" 2>&1 </dev/null &
UNBOUND_PID=$!
BG_PIDS+=("$UNBOUND_PID")
wait_for_log "$TEST_DIR/unbound.log" 'start of service' 10 || die "unbound did not start"

echo "-- plain queries get an immediate, plausible answer"
seen=$(lines "$LOG")
t0=$(date +%s%N)
expect "dig somethingelse.$ZONE through unbound: NOERROR (not SERVFAIL)" \
	test "$(dig_status "$NS_B" "$R4" "somethingelse.$ZONE")" = NOERROR
t1=$(date +%s%N)
info "answered through unbound in $(( (t1 - t0) / 1000000 )) ms"
expect "... within a second" test $(( (t1 - t0) / 1000000 )) -lt 1000
expect "dig +norec straight to the server (IPv4): NOERROR, authoritative" \
	bash -c "ip netns exec '$NS_B' dig +norec +tries=1 +time=2 @$SRV4 www.$ZONE A |
		grep -q 'status: NOERROR' && ip netns exec '$NS_B' dig +norec +tries=1 +time=2 \
		@$SRV4 www.$ZONE A | grep -q 'flags: qr aa;'"
expect "dig +norec straight to the server (IPv6): NOERROR" \
	test "$(dig_status "$NS_B" "$SRV6" "www.$ZONE" +norec)" = NOERROR
expect "dig of the zone's SOA: an answer" \
	bash -c "ip netns exec '$NS_B' dig +short +tries=1 +time=2 @$R4 $ZONE SOA | grep -q hostmaster"
expect "another zone straight to the server: REFUSED" \
	test "$(dig_status "$NS_B" "$SRV4" www.example.org +norec)" = REFUSED
expect "the case of the question is echoed (dig checks the question)" \
	test "$(dig_status "$NS_B" "$SRV4" "WwW.K.eXaMpLe.NeT" +norec)" = NOERROR
sleep 0.3
expect "plain queries log nothing at all" test -z "$(refusals_after "$LOG" "$seen")"

echo "-- a full knock through unbound, naming alice's address"
expect "tcp/22 closed to alice" tcp_closed_from "$NS_A" "$SRV4" 22
expect_not "without --target the client refuses to knock through a resolver" \
	dns_knock "$NS_A" "$SRV4" --resolver "$R4"
seen=$(lines "$LOG")
capture_start "$NS_SRV" "$SRV_IF" "$PCAP" "udp dst port 53"
expect "postern knock --via dns --resolver $R4 --target $A4 exits 0 (NOERROR)" \
	dns_knock "$NS_A" "$SRV4" --resolver "$R4" --target "$A4"
expect "accept logged: src is the resolver, target alice, via=dns" \
	wait_for_log "$LOG" "accept user=alice src=$R4 target=$A4 .*via=dns" 3 "$seen"
capture_stop
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the stranger is still refused" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the resolver itself was not let in" tcp_closed_from "$NS_R" "$SRV4" 22
info "queries unbound sent to the server for it:"
tcpdump -n -r "$PCAP" 2>/dev/null | sed -n 's/.* \(A? [^ ]*\).*/     \1/p' | cut -c1-110
FULL=$(tcpdump -n -r "$PCAP" 2>/dev/null | grep -o 'A? [^ ]*' | cut -c4- |
	awk 'length($0) > 160' | head -n 1)
expect "the full name reached the server (after minimised queries)" test -n "$FULL"
expect "unbound randomised its case (0x20)" bash -c "echo '$FULL' | grep -q '[A-Z]'"
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 6

echo "-- the same name replayed with dig"
seen=$(lines "$LOG")
ip netns exec "$NS_B" dig +tries=1 +time=2 @"$SRV4" "$FULL" A >/dev/null 2>&1
ip netns exec "$NS_B" dig +tries=1 +time=2 @"$SRV4" "$(tr 'a-z' 'A-Z' <<<"$FULL")" A >/dev/null 2>&1
expect "the replay is seen and dropped as a duplicate (debug line)" \
	wait_for_log "$LOG" "reason=duplicate src=$B4 via=dns" 3 "$seen"
sleep 0.5
expect "and opens nothing" tcp_closed_from "$NS_A" "$SRV4" 22
expect "no second accept" test "$(count_log "$LOG" "accept user=alice src=$R4 ")" -eq 1

echo "-- a knock through the resolver that does not name its target"
seen=$(lines "$LOG")
expect "postern knock --target source through unbound is sent" \
	dns_knock "$NS_A" "$SRV4" --resolver "$R4" --target source
expect "refused by policy: a knock through a DNS resolver must name its target" \
	wait_for_log "$LOG" "refuse reason=policy user=alice src=$R4 via=dns.*must name its target" 3 "$seen"
expect "no door for the resolver" tcp_closed_from "$NS_R" "$SRV4" 22
expect "no door for alice" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- log hygiene: resolver traffic is never logged as an attack"
expect "no refuse reason=replay from the resolver in the whole run" \
	test "$(count_log "$LOG" "refuse reason=replay .*src=$R4")" -eq 0
expect "the only notice-level refusal is the policy one provoked above" \
	test "$(count_log "$LOG" 'refuse reason=')" -eq \
	"$(( $(count_log "$LOG" 'refuse reason=duplicate') + 1 ))"
expect "unbound never marked the server down (no SERVFAIL afterwards)" \
	test "$(dig_status "$NS_B" "$R4" "after.$ZONE")" = NOERROR
expect "posternd still runs" kill -0 "$POSTERND_PID"

finish
