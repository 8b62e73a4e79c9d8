#!/usr/bin/env bash
# demo/demo.sh BUILD — postern in a box of network namespaces, step by step.
#
# Four namespaces play four machines on one switch (a fifth, the hub, holds
# the bridge):
#   server    10.77.0.1  fd77::1  runs an "SSH" service on port 22 and posternd
#   alice     10.77.0.2  fd77::2  has a key and a token sheet, and knocks
#   stranger  10.77.0.3  fd77::3  has no key
#   resolver  10.77.0.4  fd77::4  a recursive DNS resolver (unbound), like
#                                 the one of a hotel, an ISP or 9.9.9.9
# The story: a single-packet knock over UDP (steps 1-7), the same knock
# hidden in a DNS lookup sent through the resolver (steps 8-9), and a
# one-time token sent with nothing but `ping -p` (steps 10-11).
#
# Nothing here touches the host's own interfaces or firewall: every command
# that sends or receives a packet runs inside `ip netns exec`, and everything
# is removed on exit or Ctrl-C (tests/integration/lib.sh: processes by PID,
# then whatever is left in our namespaces, then the namespaces). Exits 0
# only if every step behaved as expected.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$here/../tests/integration/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (it creates network namespaces)" >&2
	exit 1
fi
for tool in nc ping unbound dig; do
	command -v "$tool" >/dev/null \
		|| { echo "demo: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
lib_init "${1:-build}"

# Friendlier namespace names than the tests' (still unique per run).
NS_HUB="postern-demo$$-hub"
NS_SRV="postern-demo$$-server"
NS_A="postern-demo$$-alice"
NS_B="postern-demo$$-stranger"
NS_R="postern-demo$$-resolver"
R4=10.77.0.4 R6=fd77::4
ZONE=k.example.net
LEASE=10     # the UDP knock's lease (steps 2-7)
DNS_LEASE=5  # the DNS knock's lease (steps 8-9)
LOG="$TEST_DIR/posternd.log"
CONF="$TEST_DIR/postern.conf"
PROBLEMS=0
STARTED=$SECONDS

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B='' G='' R='' N=''; fi

step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
say() { local l; for l in "$@"; do if [ -n "$l" ]; then printf '    %s\n' "$l"; else echo; fi; done; }
show() { printf '    $ %s\n' "$*"; }
more() { printf '        %s\n' "$*"; } # a continued command line
good() { printf '    %s✓ %s%s\n' "$G" "$*" "$N"; }
bad() { printf '    %s✗ %s%s\n' "$R" "$*" "$N"; PROBLEMS=$((PROBLEMS + 1)); }
indent() { sed 's/^/      /'; }
# fatal WHAT: a step the rest of the demo cannot do without.
fatal() { bad "$*"; echo "${R}${B}Demo stopped: $*${N}"; exit 1; }

# who NS: the machine a namespace plays.
who() {
	case $1 in
	"$NS_A") echo "alice's" ;;
	"$NS_B") echo "the stranger's" ;;
	"$NS_R") echo "the resolver's" ;;
	*) echo "the server's" ;;
	esac
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

# logged SKIP PATTERN WHAT: waits (5 s) for a log line after line SKIP that
# matches PATTERN, and shows it; WHAT says what it means.
logged() {
	local skip=$1 pattern=$2 what=$3
	if wait_for_log "$LOG" "$pattern" 5 "$skip"; then
		good "$what:"
		tail -n "+$((skip + 1))" "$LOG" | grep -E -m1 -- "$pattern" | sed 's/^[^ ]* posternd: /      /'
	else
		bad "$what: no log line matching '$pattern'"
	fi
}

# ---- set the stage -------------------------------------------------------

step "0. Setting the stage: four machines in network namespaces"
say "postern keeps a service (here SSH, port 22) closed to everyone: its packets" \
	"are dropped, the port looks like nothing is there. A *knock* is a packet only" \
	"alice can make; posternd sees it, checks it and opens port 22 for alice's" \
	"address alone, for a short *lease*. Then the kernel closes it again." ""
ns_setup
ns_add "$NS_R"
ns_link "$NS_R" "$CLI_IF" h-resolver "$R4" "$R6"
wait_link_up "$NS_R" "$CLI_IF" || fatal "the resolver's link did not come up"
start_tcp_service "$NS_SRV" 22 "SSH-2.0-demo (a stand-in for sshd, in the server namespace)"
say "server 10.77.0.1 / fd77::1, alice 10.77.0.2 / fd77::2, stranger 10.77.0.3 / fd77::3," \
	"resolver 10.77.0.4 / fd77::4 (a DNS resolver, used from step 8 on)" \
	"a TCP service listens on port 22 of the server"

show "postern keygen --user alice --out $TEST_DIR/alice.key"
make_key alice "$TEST_DIR"
good "alice's knock key: $(stat -c '%A' "$TEST_DIR/alice.key") (the server uses the same file)"
show "postern token --init --mode hotp --user alice --key $TEST_DIR/alice.token"
"$POSTERN" token --init --mode hotp --user alice --key "$TEST_DIR/alice.token" \
	>"$TEST_DIR/alice.token.init" 2>&1 || { cat "$TEST_DIR/alice.token.init"; fatal "postern token --init failed"; }
good "alice's token secret: $(stat -c '%A' "$TEST_DIR/alice.token") (HOTP, RFC 4226: for one-time codes and ping -p tokens)"

cat >"$CONF" <<EOF
# The demo's server config (see etc/postern.conf for every setting).
[daemon]
interfaces = any
knock_ports = udp/$KNOCK_PORT
state = $TEST_DIR/state.db
table = postern
run_as = nobody
window = 60s
# knocks in pings: full knocks, and ping -p tokens
icmp = yes
# knocks in DNS names under the knock zone; posternd is its name server
dns = authoritative
dns_zone = $ZONE

[protect]
ports = tcp/22

[user alice]
key = $TEST_DIR/alice.key
open = tcp/22
# addresses a knock may ask the door to open for
targets = 10.77.0.0/24, fd77::/64
# one-time tokens: a counter (hotp), the secret, the one door they open
token = hotp
token_key = $TEST_DIR/alice.token
token_open = tcp/22
EOF
say "the server's config ($CONF):"
sed -n '/^\[/,$p' "$CONF" | indent
show "posternd --check-config -c $CONF"
ip netns exec "$NS_SRV" "$POSTERND" --check-config -c "$CONF" >"$TEST_DIR/check.out" 2>&1 \
	|| { indent <"$TEST_DIR/check.out"; fatal "the config was refused"; }
show "posternd -c $CONF        # on the server"
start_posternd "$NS_SRV" "$CONF" "$LOG" || fatal "posternd did not start"
# Packets are read once the capture child has entered its sandbox.
wait_for_log "$LOG" 'capture child sandboxed' 10 || fatal "posternd's capture child never got ready"
good "posternd is running (PID $POSTERND_PID): $(grep -m1 -o 'ready.*' "$LOG")"

# ---- 1. UDP ----------------------------------------------------------------

step "1. Alice tries the server's SSH port before knocking"
probe "$NS_A" "$SRV4" closed

step "2. Alice knocks: one encrypted, one-time UDP datagram, lease $LEASE s"
say "The knock (100 bytes, indistinguishable from random) names alice's request:" \
	"open tcp/22 for ${LEASE} s. Nothing listens on the knock port and nothing answers."
show "postern knock --server $SRV4 --user alice --key alice.key --open tcp/22 --lease ${LEASE}s"
seen=$(lines "$LOG")
if knock_from "$NS_A" "$SRV4" alice --lease "${LEASE}s" | indent; then
	knocked=$SECONDS
	logged "$seen" "accept user=alice src=$A4 .*via=udp" "the server accepted"
else
	knocked=$SECONDS
	bad "postern knock failed"
fi

step "3. Alice connects"
wait_open "$NS_A" "$SRV4" 22 3
probe "$NS_A" "$SRV4" open

step "4. The stranger tries the same port at the same time, and knocks with a key of her own"
probe "$NS_B" "$SRV4" closed
mkdir -m 0700 "$TEST_DIR/stranger"
"$POSTERN" keygen --user alice --out "$TEST_DIR/stranger/alice.key" >/dev/null
show "postern knock --server $SRV4 --user alice --key her-own.key --open tcp/22   # on the stranger's machine"
seen=$(lines "$LOG")
ip netns exec "$NS_B" "$POSTERN" knock --server "$SRV4" --user alice \
	--key "$TEST_DIR/stranger/alice.key" --open tcp/22 --lease "${LEASE}s" | indent
logged "$seen" "refuse reason=.*src=$B4" "the server refused it"
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

# ---- 2. DNS through a recursive resolver -----------------------------------

step "8. A knock hidden in a DNS lookup, sent through a recursive resolver"
say "Alice may be somewhere only DNS gets out (a hotel, a captive portal). The" \
	"knock can be the name in one ordinary DNS lookup under the knock zone" \
	"$ZONE: alice asks her resolver, the resolver asks the zone's name server," \
	"and that name server is posternd (dns = authoritative). In real life the" \
	"parent zone delegates it ($ZONE. NS gw.example.net.); here unbound's" \
	"stub-zone says the same: $ZONE is served by $SRV4."
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
	log-queries: yes
	module-config: "iterator"
	qname-minimisation: yes
	use-caps-for-id: yes
stub-zone:
	name: "$ZONE"
	stub-addr: $SRV4
UNBOUND
show "unbound -d -c unbound.conf        # on the resolver: QNAME minimisation and 0x20 on"
ip netns exec "$NS_R" unbound -d -c "$TEST_DIR/unbound/unbound.conf" \
	>"$TEST_DIR/unbound.out" 2>&1 </dev/null &
BG_PIDS+=("$!")
wait_for_log "$TEST_DIR/unbound.out" 'start of service' 10 \
	|| { tail -n 5 "$TEST_DIR/unbound.out" | indent; fatal "unbound did not start"; }
good "unbound is running on $R4"

say "Any lookup in the zone gets a prompt, plausible answer, knock or not:"
show "dig @$R4 hello.$ZONE        # on the stranger's machine"
status=$(ip netns exec "$NS_B" dig +tries=2 +time=2 @"$R4" "hello.$ZONE" A 2>&1 \
	| sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -n 1)
if [ "$status" = NOERROR ]; then
	good "status: NOERROR (no data): the answer says nothing about knocks"
else
	bad "status: ${status:-no answer} (expected NOERROR)"
fi

say "" "Through a resolver the server sees the resolver's address, not alice's;" \
	"opening the door for \"the source\" would open it for everyone behind that" \
	"resolver. So a knock through a resolver must name its target (--target)."
show "postern knock --via dns --zone $ZONE --resolver $R4 --server $SRV4 \\"
more "--user alice --key alice.key --open tcp/22 --target $A4 --lease ${DNS_LEASE}s"
seen=$(lines "$LOG")
if knock_from "$NS_A" "$SRV4" alice --via dns --zone "$ZONE" --resolver "$R4" \
	--target "$A4" --lease "${DNS_LEASE}s" | indent; then
	logged "$seen" "accept user=alice src=$R4 target=$A4 .*via=dns" \
		"the server accepted it: src is the resolver, target is alice, via=dns"
else
	bad "postern knock --via dns failed"
fi
name=$(grep -o "info: $A4 [^ ]*\.$ZONE\. A IN" "$TEST_DIR/unbound.out" | head -n 1 | cut -d' ' -f3)
[ -n "$name" ] && say "the name alice looked up (from unbound's query log), 160 base32" \
	"characters of encrypted knock:" "  ${name:0:72}..."

step "9. Alice connects; the resolver itself is not let in"
wait_open "$NS_A" "$SRV4" 22 3
probe "$NS_A" "$SRV4" open
probe "$NS_R" "$SRV4" closed

# ---- 3. a ping -p token ------------------------------------------------------

step "10. A one-time token sent with plain ping, from a machine without postern"
say "postern token prints alice a sheet of one-time tokens (like an S/Key list)," \
	"with the exact command that sends each one. Each line works once."
show "postern token --mode hotp --user alice --key alice.token --count 3 --server $SRV4"
"$POSTERN" token --mode hotp --user alice --key "$TEST_DIR/alice.token" --count 3 \
	--server "$SRV4" >"$TEST_DIR/sheet.txt" 2>&1 || { indent <"$TEST_DIR/sheet.txt"; fatal "postern token failed"; }
indent <"$TEST_DIR/sheet.txt"
ping_cmd=$(awk '$1 == "ping" { $1 = $1; print; exit }' "$TEST_DIR/sheet.txt")
echo "$ping_cmd" | grep -Eq "^ping -c1 -p [0-9a-f]{16} $SRV4\$" \
	|| fatal "no 'ping -c1 -p <16 hex digits> $SRV4' line on the sheet"
read -ra ping_argv <<<"$ping_cmd"

say "Waiting for the DNS knock's ${DNS_LEASE} s lease to end, so the token has a closed door to open."
wait_closed "$NS_A" "$SRV4" 22 $((DNS_LEASE + 3)) || true
probe "$NS_A" "$SRV4" closed

show "$ping_cmd        # on alice's machine, the first line of the sheet"
seen=$(lines "$LOG")
ip netns exec "$NS_A" "${ping_argv[@]}" 2>&1 | grep -v '^$' | indent
logged "$seen" "accept user=alice src=$A4 .*via=icmp scheme=token" \
	"the server accepted the token (via=icmp scheme=token)"
wait_open "$NS_A" "$SRV4" 22 3
probe "$NS_A" "$SRV4" open

step "11. The stranger saw that ping on the wire and sends the very same one"
show "$ping_cmd        # on the stranger's machine"
seen=$(lines "$LOG")
ip netns exec "$NS_B" "${ping_argv[@]}" >/dev/null 2>&1
logged "$seen" "refuse reason=replay .*src=$B4 via=icmp scheme=token" \
	"refused: the token was used once already (reason=replay)"
probe "$NS_B" "$SRV4" closed

# ---- the end -------------------------------------------------------------------

step "What posternd logged"
grep -E 'ready|accept|refuse' "$LOG" | sed 's/^/    /'

echo
if [ "$PROBLEMS" -eq 0 ]; then
	echo "${G}${B}Demo complete in $((SECONDS - STARTED)) s: every step behaved as expected.${N}"
else
	echo "${R}${B}Demo finished with $PROBLEMS unexpected result(s).${N}"
fi
echo "(cleaning up the namespaces)"
[ "$PROBLEMS" -eq 0 ]
