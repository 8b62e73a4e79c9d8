#!/usr/bin/env bash
# test_hooks.sh BUILD — open/close hooks see every door of a grant; a close
# that comes due while posternd is down runs at the next start; a one-shot
# grant admits one new connection (the second is refused, the first goes
# on); at start-up an element the state does not know is removed and a
# lease the kernel lost is not re-opened, both logged.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
make_key alice "$TEST_DIR"
make_key bob "$TEST_DIR"
chmod 0711 "$TEST_DIR"
OUT="$TEST_DIR/out"
mkdir -m 1777 "$OUT"
HOOKS="$OUT/hooks.log"
cat >"$TEST_DIR/hook.sh" <<PROG
#!/bin/sh
echo "event=\$POSTERN_EVENT user=\$POSTERN_USER addr=\$POSTERN_ADDR ports=\$POSTERN_PORTS lease=\$POSTERN_LEASE one_shot=\$POSTERN_ONE_SHOT argv=\$*" >>"$HOOKS"
echo "hook \$POSTERN_EVENT done"
PROG
chmod 0755 "$TEST_DIR/hook.sh"

# An echo service on tcp/443 that keeps connections (the one-shot test
# needs the first connection to stay up), and the usual one on tcp/22.
start_tcp_service "$NS_SRV" 22
ip netns exec "$NS_SRV" "$PYTHON" -c '
import socket, threading
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 443)); s.listen(16)
def echo(c):
    while True:
        d = c.recv(100)
        if not d: break
        c.sendall(d)
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
' </dev/null >/dev/null 2>&1 &
BG_PIDS+=("$!")
sleep 0.5

CONF="$TEST_DIR/postern.conf"
cat >"$CONF" <<EOF2
[daemon]
interfaces = any
knock_ports = udp/$KNOCK_PORT
state = $TEST_DIR/state.db
table = postern
run_as = nobody
firewall = drop

[protect]
ports = tcp/22, tcp/443

[user alice]
key = $TEST_DIR/alice.key
open = tcp/22, tcp/443
on_open = opened
on_close = closed

[user bob]
key = $TEST_DIR/bob.key
open = tcp/443
one_shot = yes

[trigger opened]
command = $TEST_DIR/hook.sh opened
timeout = 5s

[trigger closed]
command = $TEST_DIR/hook.sh closed
timeout = 5s
EOF2
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
nftl() { ip netns exec "$NS_SRV" nft "$@"; }

echo "-- open and close hooks see every door"
expect "alice knocks for tcp/22 and tcp/443, 3 s" \
	knock_from "$NS_A" "$SRV4" alice --open tcp/22 --open tcp/443 --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4 target=$A4 open=tcp/22,tcp/443 lease=3" 3
expect "the open hook starts (logged)" wait_for_log "$LOG" "trigger-start trigger=opened event=open user=alice" 3
expect "its output is logged" wait_for_log "$LOG" "trigger-output trigger=opened pid=[0-9]+: hook open done" 3
expect "the open hook saw both ports, the address and the lease" wait_for_log "$HOOKS" \
	"^event=open user=alice addr=$A4 ports=tcp/22 tcp/443 lease=3 one_shot=no argv=opened$" 3
expect "alice reaches tcp/443" wait_open "$NS_A" "$SRV4" 443
expect "lease-closed logged when the lease ends, with both doors" wait_for_log "$LOG" \
	"lease-closed user=alice addr=$A4 close=tcp/22,tcp/443 hook=closed" 6
expect "the close hook saw both ports" wait_for_log "$HOOKS" \
	"^event=close user=alice addr=$A4 ports=tcp/22 tcp/443 lease=3 one_shot=no argv=closed$" 3
expect "the doors are closed" wait_closed "$NS_A" "$SRV4" 443 3

echo "-- a close that comes due while posternd is down runs at the next start"
expect "alice knocks for tcp/22, 3 s" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4 target=$A4 open=tcp/22 lease=3" 3
expect "the open hook ran" wait_for_log "$HOOKS" "^event=open .*ports=tcp/22 lease=3" 3
expect "posternd stops (SIGTERM) before the lease ends" stop_posternd TERM
closes=$(grep -c '^event=close' "$HOOKS")
# Down long enough that the close is surely "late" (> 2 s past the 3-s
# lease, in whole seconds) however fast posternd stops and starts again.
sleep 6
expect "no close hook ran while it was down" test "$(grep -c '^event=close' "$HOOKS")" -eq "$closes"
seen=$(lines "$LOG")
expect "posternd starts again" start_posternd "$NS_SRV" "$CONF" "$LOG"
expect "the pending close is handled, late (logged)" wait_for_log "$LOG" \
	"lease-closed user=alice addr=$A4 close=tcp/22 hook=closed late=[0-9]+s" 5 "$seen"
expect "the close hook ran after the restart" wait_for_log "$HOOKS" \
	"^event=close user=alice addr=$A4 ports=tcp/22 lease=3" 3
expect "and only once" test "$(grep -c '^event=close.*ports=tcp/22 lease=3' "$HOOKS")" -eq 1

echo "-- one-shot: one new connection, then the door is closed"
expect "bob (one_shot = yes) knocks from the stranger's host for tcp/443, 30 s" \
	knock_from "$NS_B" "$SRV4" bob --open tcp/443 --lease 30s
expect "accept logged" wait_for_log "$LOG" "accept user=bob src=$B4 target=$B4 open=tcp/443 lease=30" 3
expect "the element is in the kernel's oneshot4 set" \
	bash -c "ip netns exec $NS_SRV nft list set inet postern oneshot4 | grep -q '$B4 . tcp . 443'"
result=$(ip netns exec "$NS_B" "$PYTHON" -c '
import socket, sys
a = sys.argv[1]
s1 = socket.create_connection((a, 443), timeout=2)
out = ["first=ok"]
try:
    s2 = socket.create_connection((a, 443), timeout=2)
    out.append("second=ok")
except OSError:
    out.append("second=refused")
s1.sendall(b"still-here")
out.append("first-still=" + ("ok" if s1.recv(100) == b"still-here" else "broken"))
print(" ".join(out))
' "$SRV4" 2>&1)
info "nc-style probe: $result"
expect "the first connection is admitted" grep -q "first=ok" <<<"$result"
expect "a second new connection is refused (dropped by the kernel)" grep -q "second=refused" <<<"$result"
expect "the first connection still works" grep -q "first-still=ok" <<<"$result"
expect "the element left the set with the first connection" \
	bash -c "! ip netns exec $NS_SRV nft list set inet postern oneshot4 | grep -q '$B4 . tcp . 443'"
expect "nc cannot connect either" tcp_closed_from "$NS_B" "$SRV4" 443

echo "-- reconciliation at start-up"
expect "alice knocks for tcp/22, 60 s" knock_from "$NS_A" "$SRV4" alice --lease 60s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4 target=$A4 open=tcp/22 lease=60" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "posternd stops" stop_posternd TERM
expect "the kernel loses alice's lease (deleted by hand)" \
	nftl delete element inet postern leases4 "{ $A4 . tcp . 22 }"
expect "a stray element is added by hand" \
	nftl add element inet postern leases4 "{ 10.77.0.99 . tcp . 22 timeout 1h }"
seen=$(lines "$LOG")
expect "posternd starts again" start_posternd "$NS_SRV" "$CONF" "$LOG"
expect "the stray element is removed (logged)" wait_for_log "$LOG" \
	"reconcile-removed set=leases4 elem=\"10.77.0.99 . tcp . 22\" reason=unknown-to-state" 3 "$seen"
expect "it is gone from the kernel" \
	bash -c "! ip netns exec $NS_SRV nft list set inet postern leases4 | grep -q 10.77.0.99"
expect "the lost lease is logged and not re-opened" wait_for_log "$LOG" \
	"reconcile-lost user=alice addr=$A4 port=tcp/22 expires=[0-9]+ note=not-reopened" 3 "$seen"
# bob's one-shot door was used, so the kernel no longer has it either:
# it counts as lost (reconcile.h).
expect "the summary is logged" wait_for_log "$LOG" "reconcile: [0-9]+ lease\\(s\\) in the kernel match the state, [12] lost \\(not re-opened\\), 1 unknown removed" 3 "$seen"
expect "alice's door stays closed" tcp_closed_from "$NS_A" "$SRV4" 22
expect "the lost lease's close hook runs" wait_for_log "$LOG" \
	"lease-closed user=alice addr=$A4 close=tcp/22 hook=closed" 3 "$seen"

expect "posternd still running" kill -0 "$POSTERND_PID"
finish
