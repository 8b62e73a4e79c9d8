#!/usr/bin/env bash
# test_template.sh BUILD — [user *]: a user who is only a line of keys_file
# takes the template's settings, and their knock opens the door; a key whose
# name is not in keys_file opens nothing. The checker counts the template's
# users without printing each, and `postern user` lists and shows them
# without pretending they have a section (nor adds them again).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
for u in alice carol mallory; do make_key "$u" "$TEST_DIR"; done
secret() { awk '$1 == "secret" { print $2 }' "$TEST_DIR/$1.key"; }

# alice has a section of her own; carol is only in keys_file; mallory has a
# well-formed key but is in neither.
keys="$TEST_DIR/users.keys"
(umask 077; printf '# name secret\nalice %s\ncarol %s\n' "$(secret alice)" \
	"$(secret carol)" >"$keys")
mkdir -m 0700 "$TEST_DIR/users.d"
CONF="$TEST_DIR/postern.conf"
cat >"$CONF" <<EOF
[daemon]
interfaces = any
knock_ports = udp/$KNOCK_PORT
state = $TEST_DIR/state.db
table = postern
run_as = nobody
keys_file = $keys
users_dir = $TEST_DIR/users.d

[protect]
ports = tcp/22

[user alice]
open = tcp/22

[user *]
open = tcp/22
max_lease = 10s
EOF

echo "-- the checker"
check=$("$POSTERND" --check-config -v -c "$CONF" 2>&1)
expect "posternd --check-config accepts it, counting carol as a template user" \
	grep -q "OK (2 users, 1 from \[user \*\], 1 protected port)" <<<"$check"
expect "the print counts the template's users" \
	grep -q "^# 1 user of keys_file $keys with no section of their own" <<<"$check"
expect "the print has [user *] once" test "$(grep -c '^\[user \*\]' <<<"$check")" -eq 1
expect_not "the print has no section for carol" grep -q '^\[user carol\]' <<<"$check"

echo "-- a secret in [user *] is refused with its line"
sed 's|^max_lease = 10s$|key = /etc/postern/x.key|' "$CONF" >"$TEST_DIR/bad.conf"
bad=$("$POSTERND" --check-config -c "$TEST_DIR/bad.conf" 2>&1)
expect "the checker refuses key = in [user *]" \
	grep -q "bad.conf:18: key cannot be in \[user \*\]" <<<"$bad"

echo "-- postern user"
list=$("$POSTERN" user list --config "$CONF" 2>&1)
expect "user list names carol" grep -q "^carol " <<<"$list"
show=$("$POSTERN" user show carol --config "$CONF" 2>&1)
expect "user show says carol's settings are [user *]'s" \
	grep -q "defined in keys_file $keys, settings of \[user \*\]" <<<"$show"
expect "user show prints the template's max_lease" grep -q "max_lease = 10" <<<"$show"
add=$("$POSTERN" user add carol --open tcp/22 --config "$CONF" 2>&1)
expect "user add carol fails" test $? -ne 0
expect "and says carol is in keys_file" grep -q "exists already, in keys_file" <<<"$add"
expect "and writes no drop-in" test ! -e "$TEST_DIR/users.d/carol.conf"
dis=$("$POSTERN" user disable carol --config "$CONF" 2>&1)
expect "user disable carol says where carol is" grep -q "is a line of keys_file" <<<"$dis"

LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
expect "ready with 2 users" grep -q "ready: .* 2 user(s)" "$LOG"

echo "-- before any knock: the door is closed"
expect "tcp/22 is closed" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- mallory, not in keys_file, knocks"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" mallory --lease 3s
expect "refused as an unknown tag" wait_for_log "$LOG" \
	"refuse reason=unknown-tag user=- src=$A4 via=udp" 3
expect "no accept for mallory" test "$(count_log "$LOG" 'accept user=mallory')" -eq 0
expect "tcp/22 stays closed" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- carol, a template user, knocks"
expect "postern knock exits 0" knock_from "$NS_A" "$SRV4" carol --lease 3s
expect "accept logged for carol" wait_for_log "$LOG" \
	"accept user=carol src=$A4 target=$A4 open=tcp/22 lease=3 via=udp" 3
expect "carol reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the stranger is still refused" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 6

echo "-- the template's max_lease holds for carol"
expect "a 60-s knock exits 0" knock_from "$NS_A" "$SRV4" carol --lease 60s
expect "carol's lease is cut to the template's 10 s" wait_for_log "$LOG" \
	"accept user=carol src=$A4 target=$A4 open=tcp/22 lease=10 via=udp" 3

expect "posternd still running" kill -0 "$POSTERND_PID"
expect "alice's one section is freed in the child too" \
	test "$(count_log "$LOG" 'capture child: 2 users known by their tag keys only')" -eq 1
stop_posternd

echo "-- every user from keys_file: the child keeps their tag keys only"
sed -i '/^\[user alice\]/,/^$/d' "$CONF"
seen=$(lines "$LOG")
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
expect "the child frees the users' names and settings" wait_for_log "$LOG" \
	"capture child: 2 users known by their tag keys only" 3 "$seen"
expect "mallory is still an unknown tag" knock_from "$NS_A" "$SRV4" mallory --lease 3s
expect "refused as such" wait_for_log "$LOG" "refuse reason=unknown-tag user=- src=$A4 via=udp" 3 "$seen"
expect "alice, now a template user, knocks" knock_from "$NS_A" "$SRV4" alice --lease 3s
expect "accept logged for alice" wait_for_log "$LOG" \
	"accept user=alice src=$A4 target=$A4 open=tcp/22 lease=3 via=udp" 3 "$seen"
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the child was never restarted" test "$(count_log "$LOG" 'capture child .* ended')" -eq 0
finish
