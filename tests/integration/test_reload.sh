#!/usr/bin/env bash
# test_reload.sh BUILD — SIGHUP reloads the configuration atomically:
#  - a good new file (a new user, a new protected port) is checked whole,
#    then swapped in: the new user's knock works, the new port is protected,
#    the capture child is restarted, and leases granted before are kept;
#  - a file with a bad line, or naming a key file others can read, is
#    refused with FILE:LINE (or the key file) and the reason, and the
#    running configuration keeps serving.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

leases4() { ip netns exec "$NS_SRV" nft list set inet postern leases4 2>/dev/null; }
protected() { ip netns exec "$NS_SRV" nft list set inet postern protected 2>/dev/null; }
hup() { kill -HUP "$POSTERND_PID"; }

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
make_key bob "$TEST_DIR"
CONF="$TEST_DIR/postern.conf"
write_config "$CONF"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
child1=$(pgrep -P "$POSTERND_PID" | head -n1)

echo "-- alice opens a door for 60 s"
expect "alice's knock" knock_from "$NS_A" "$SRV4" alice --lease 60s
expect "accept logged" wait_for_log "$LOG" "accept user=alice src=$A4" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "bob is unknown so far" knock_from "$NS_B" "$SRV4" bob --lease 5s
expect "bob refused (unknown tag)" wait_for_log "$LOG" "refuse reason=unknown-tag user=- src=$B4" 3

echo "-- a good new config: bob added, tcp/8080 protected"
write_config "$CONF" users="alice bob"
sed -i 's|^ports = tcp/22$|ports = tcp/22, tcp/8080|' "$CONF"
seen=$(lines "$LOG")
hup
expect "reload logged" wait_for_log "$LOG" "reloaded $CONF: 2 user\(s\), 2 protected port\(s\); leases kept" 5 "$seen"
expect "the capture child was restarted" \
	wait_for_log "$LOG" "stopping capture child \(pid $child1\): configuration reloaded" 3 "$seen"
expect "ready again" wait_for_log "$LOG" "ready: capturing" 5 "$seen"
expect "tcp/8080 is in the protected set" bash -c "$(declare -f protected); NS_SRV=$NS_SRV protected | grep -q 8080"
expect "alice's lease was kept" bash -c "ip netns exec $NS_SRV nft list set inet postern leases4 | grep -q '$A4 . tcp . 22'"
expect "alice still reaches tcp/22" tcp_open_from "$NS_A" "$SRV4" 22
expect "bob's knock" knock_from "$NS_B" "$SRV4" bob --lease 5s
expect "bob accepted under the new config" wait_for_log "$LOG" "accept user=bob src=$B4" 5 "$seen"

echo "-- a bad line: refused with FILE:LINE, the running config stays"
cp "$CONF" "$CONF.good"
sed -i 's|^window = .*|window = forever|' "$CONF"
line=$(grep -n '^window = forever' "$CONF" | cut -d: -f1)
seen=$(lines "$LOG")
hup
expect "refusal names $CONF:$line" \
	wait_for_log "$LOG" "reload refused: $CONF:$line: .*; keeping the running configuration" 5 "$seen"
expect "no child restart for a refused reload" \
	test "$(tail -n "+$((seen + 1))" "$LOG" | grep -c 'configuration reloaded')" -eq 0
expect "bob's knock still works" knock_from "$NS_B" "$SRV4" bob --lease 5s
expect "accepted under the running config" \
	wait_for_log "$LOG" "accept user=bob src=$B4" 5 "$seen"

echo "-- a key file others can read: refused, the running config stays"
cp "$CONF.good" "$CONF"
chmod 0644 "$TEST_DIR/bob.key"
seen=$(lines "$LOG")
hup
expect "refusal names bob's key file" \
	wait_for_log "$LOG" "reload refused: .*bob.key.*; keeping the running configuration" 5 "$seen"
chmod 0600 "$TEST_DIR/bob.key"
expect "alice's knock still works" knock_from "$NS_A" "$SRV4" alice --lease 5s
expect "accepted" wait_for_log "$LOG" "accept user=alice src=$A4" 5 "$seen"
expect "posternd still running" pid_alive "$POSTERND_PID"

finish
