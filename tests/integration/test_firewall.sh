#!/bin/bash
# test_firewall — postern's nftables backend against a real kernel, with real
# packets, in network namespaces of its own (the host's ruleset is never
# touched). Run as root:  tests/integration/test_firewall.sh [BUILD_DIR]
#
#   1. the cmocka suite build/tests/test_firewall_ns, inside a namespace;
#   2. the table as `nft` and `nft -j` see it after the driver's open, grant
#      and remove (idempotence, lease expiry, IPv6, restart keeps leases,
#      other tables untouched);
#   3. packets: a client namespace joined by a veth pair tries tcp/2222 on the
#      server (IPv4 and IPv6): refused before a grant, open after it for the
#      granted address only, refused again when the lease expires; in drop
#      mode and in mark mode (with an operator table that accepts the mark).
set -u
BUILD=${1:-build}
BIN=$BUILD/tests/test_firewall_ns
T=postern_t
PORT=2222
NS_S=pst-fw-$$-s
NS_C=pst-fw-$$-c
PIDS=()
FAILS=0

if [ "$(id -u)" != 0 ]; then
	echo "SKIP test_firewall: needs root (network namespaces, nftables)"
	exit 77
fi
for tool in ip nft nc jq; do
	if ! command -v $tool >/dev/null; then
		echo "FAIL test_firewall: $tool not installed"
		exit 1
	fi
done
if [ ! -x "$BIN" ]; then
	echo "FAIL test_firewall: $BIN not built"
	exit 1
fi

cleanup() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { # check "description" command...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

S() { ip netns exec "$NS_S" "$@"; }
C() { ip netns exec "$NS_C" "$@"; }
drv() { S env POSTERN_NETNS_TEST=1 "$BIN" "$@"; }
json() { S nft -j list table inet "$T" | jq -r "$1"; }

ip netns add "$NS_S" && ip netns add "$NS_C" || { echo "FAIL cannot create namespaces"; exit 1; }
S ip link set lo up
C ip link set lo up

# ---- 1. the cmocka suite -----------------------------------------------------
if S env POSTERN_NETNS_TEST=1 "$BIN" >/tmp/pst-fw-$$.log 2>&1; then
	pass "test_firewall_ns: cmocka suite in a namespace"
else
	cat /tmp/pst-fw-$$.log
	fail "test_firewall_ns: cmocka suite in a namespace"
fi
rm -f /tmp/pst-fw-$$.log

# ---- 2. the table as nft sees it ---------------------------------------------
S nft add table inet other
S nft add chain inet other input '{ type filter hook input priority 0; policy accept; }'
S nft add rule inet other input tcp dport 9 counter accept
OTHER_BEFORE=$(S nft list table inet other)

check "open creates the table" drv open "$T" drop tcp/$PORT
check "set protected has type inet_proto . inet_service" \
	test "$(json '.nftables[].set? | select(.name=="protected") | .type | join(" . ")')" = \
	"inet_proto . inet_service"
check "set leases4 is ipv4_addr . inet_proto . inet_service with timeout" \
	test "$(json '.nftables[].set? | select(.name=="leases4") | (.type | join(" . ")) + " " + (.flags | join(","))')" = \
	"ipv4_addr . inet_proto . inet_service timeout"
check "set leases6 is ipv6_addr . inet_proto . inet_service with timeout" \
	test "$(json '.nftables[].set? | select(.name=="leases6") | (.type | join(" . ")) + " " + (.flags | join(","))')" = \
	"ipv6_addr . inet_proto . inet_service timeout"
check "chain input hooks input at priority -10, policy accept" \
	test "$(json '.nftables[].chain? | select(.name=="input") | "\(.hook) \(.prio) \(.policy)"')" = \
	"input -10 accept"
check "protected holds tcp . $PORT" \
	test "$(json '.nftables[].set? | select(.name=="protected") | .elem[]?.concat | join(" ")')" = "tcp $PORT"
RULES1=$(json '[.nftables[].rule?] | map(select(.)) | length')
# 4, plus the two one-shot rules (firewall.h: oneshot4/6)
check "drop mode has 6 rules" test "$RULES1" = 6
drv open "$T" drop tcp/$PORT
check "opening twice adds no rule" test "$(json '[.nftables[].rule?] | map(select(.)) | length')" = "$RULES1"

check "grant 10.99.0.9 for 2s" drv grant "$T" 10.99.0.9 2 tcp/$PORT
check "the lease is in leases4" \
	test "$(json '.nftables[].set? | select(.name=="leases4") | .elem[]?.elem.val.concat | join(" ")')" = \
	"10.99.0.9 tcp $PORT"
sleep 3
check "the lease is gone after 3s" \
	test -z "$(json '.nftables[].set? | select(.name=="leases4") | .elem[]?.elem.val.concat | join(" ")')"

check "grant 2001:db8::9 for 600s" drv grant "$T" 2001:db8::9 600 tcp/$PORT
check "the IPv6 lease is in leases6" \
	test "$(json '.nftables[].set? | select(.name=="leases6") | .elem[]?.elem.val.concat | join(" ")')" = \
	"2001:db8::9 tcp $PORT"
drv grant "$T" 10.99.0.8 600 tcp/$PORT
drv open "$T" drop tcp/$PORT
check "a second open keeps the leases" \
	test "$(json '[.nftables[].set? | select(.name=="leases4" or .name=="leases6") | .elem[]?] | length')" = 2

check "remove deletes postern's table" drv remove "$T"
check "postern's table is gone" bash -c "! ip netns exec $NS_S nft list table inet $T >/dev/null 2>&1"
check "table inet other is untouched" test "$(S nft list table inet other)" = "$OTHER_BEFORE"
check "remove when absent is not an error" drv remove "$T"
S nft delete table inet other

# ---- 3. real packets -----------------------------------------------------------
ip link add pst-s-$$ type veth peer name pst-c-$$ || { echo "FAIL veth"; exit 1; }
ip link set pst-s-$$ netns "$NS_S"
ip link set pst-c-$$ netns "$NS_C"
S ip addr add 10.77.0.1/24 dev pst-s-$$
S ip addr add fd77::1/64 dev pst-s-$$ nodad
S ip link set pst-s-$$ up
C ip addr add 10.77.0.2/24 dev pst-c-$$
C ip addr add 10.77.0.3/24 dev pst-c-$$
C ip addr add fd77::2/64 dev pst-c-$$ nodad
C ip addr add fd77::3/64 dev pst-c-$$ nodad
C ip link set pst-c-$$ up

# Started directly (not through S) so that $! is nc itself: `ip netns exec`
# execs its command, and a killed function subshell would orphan nc.
ip netns exec "$NS_S" nc -4 -lkn $PORT </dev/null >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec "$NS_S" nc -6 -lkn $PORT </dev/null >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.5

reach() { C nc -z -w1 -s "$1" "$2" $PORT 2>/dev/null; }
open_from() { check "$3: $1 reaches $2:$PORT" reach "$1" "$2"; }
closed_from() { check "$3: $1 is refused at $2:$PORT" bash -c "! ip netns exec $NS_C nc -z -w1 -s $1 $2 $PORT 2>/dev/null"; }

# Sanity: without postern the port is reachable (so a refusal below is ours).
open_from 10.77.0.2 10.77.0.1 "no firewall"
open_from fd77::2 fd77::1 "no firewall"

# One round: closed, grant for the first client address, open for it only,
# closed again after the 3 s lease.
doors() { # doors MODE CLIENT OTHER SERVER
	local mode=$1 ok=$2 other=$3 srv=$4
	closed_from "$ok" "$srv" "$mode, before the grant"
	check "$mode: grant $ok for 3s" drv grant "$T" "$ok" 3 tcp/$PORT
	open_from "$ok" "$srv" "$mode, after the grant"
	closed_from "$other" "$srv" "$mode, other address"
	sleep 4
	closed_from "$ok" "$srv" "$mode, after the lease expired"
}

drv open "$T" drop tcp/$PORT || fail "open in drop mode"
doors drop 10.77.0.2 10.77.0.3 10.77.0.1
doors drop fd77::2 fd77::3 fd77::1
drv remove "$T"

# Mark mode: the operator's own table drops by default and accepts postern's
# mark (DESIGN §6 hand-off); postern's chain only marks.
S nft -f - <<'EOF'
table inet operator {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif lo accept
		meta l4proto { icmp, ipv6-icmp } accept
		meta mark & 0x00010000 == 0x00010000 accept
	}
}
EOF
drv open "$T" mark tcp/$PORT || fail "open in mark mode"
doors mark 10.77.0.2 10.77.0.3 10.77.0.1
doors mark fd77::2 fd77::3 fd77::1

if [ "$FAILS" -eq 0 ]; then
	echo "PASS test_firewall"
	exit 0
fi
echo "FAIL test_firewall: $FAILS check(s) failed"
exit 1
