#!/usr/bin/env bash
# test_user.sh BUILD — the account lifecycle with a users_dir: `postern user
# add` → the knock works; disable + SIGHUP → refused, the rule logged;
# enable → works; rotate with an overlap → old and new keys both work and
# the old one is logged as such; an overlap that has ended → the old key is
# refused, naming the rule; list and show; remove + SIGHUP → refused as
# unknown.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
USERS="$TEST_DIR/users.d"
mkdir -m 0700 "$USERS"
CONF="$TEST_DIR/postern.conf"
cat >"$CONF" <<CONF
[daemon]
interfaces = any
knock_ports = udp/$KNOCK_PORT
state = $TEST_DIR/state.db
run_as = nobody
users_dir = $USERS
[protect]
ports = tcp/22
CONF
LOG="$TEST_DIR/posternd.log"
U=(ip netns exec "$NS_SRV" "$POSTERN" user)

expect "user add writes key and drop-in" "$POSTERN" user add alice -c "$CONF" \
	--open tcp/22 --expires 2099-01-01 --client-out "$TEST_DIR/alice.key"
expect "drop-in exists" test -f "$USERS/alice.conf"
expect "server key is mode 0600" test "$(stat -c %a "$USERS/alice.key")" = 600
expect_not "adding alice twice is refused" "$POSTERN" user add alice -c "$CONF" --open tcp/22
expect_not "a port not protected is refused (config would be refused)" \
	"$POSTERN" user add bob -c "$CONF" --open tcp/80
expect "and leaves no files behind" test ! -e "$USERS/bob.conf" -a ! -e "$USERS/bob.key"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"

knock() { # knock KEYFILE: one knock as alice with that key
	ip netns exec "$NS_A" "$POSTERN" knock --server "$SRV4" --user alice \
		--key "$1" --open tcp/22 --lease 3s --quiet
}
accepted() { # accepted WHAT KEYFILE PATTERN
	local seen; seen=$(lines "$LOG")
	knock "$2"
	expect "$1: accepted" wait_for_log "$LOG" "accept user=alice .*$3" 3 "$seen"
	expect "$1: door open" wait_open "$NS_A" "$SRV4" 22
	wait_closed "$NS_A" "$SRV4" 22 8 || fail "$1: door did not close"
}
refused() { # refused WHAT KEYFILE PATTERN
	local seen; seen=$(lines "$LOG")
	knock "$2"
	expect "$1: refused and logged" wait_for_log "$LOG" "$3" 3 "$seen"
	expect "$1: door closed" tcp_closed_from "$NS_A" "$SRV4" 22
}
reload() {
	local seen; seen=$(lines "$LOG")
	kill -HUP "$POSTERND_PID"
	wait_for_log "$LOG" "reloaded .*ready|ready" 10 "$seen" || fail "reload"
	sleep 0.5
}

echo "-- added: alice's knock works"
accepted "new user" "$TEST_DIR/alice.key" "scheme=spa$"

echo "-- disable + SIGHUP"
expect "user disable" "$POSTERN" user disable alice -c "$CONF"
expect "drop-in says disabled = yes" grep -q '^disabled = yes$' "$USERS/alice.conf"
reload
refused "disabled" "$TEST_DIR/alice.key" \
	'refuse reason=policy user=alice .*rule="user alice is disabled"'
expect "user enable" "$POSTERN" user enable alice -c "$CONF"
reload
accepted "enabled again" "$TEST_DIR/alice.key" "scheme=spa$"

echo "-- rotate with a 7-day overlap: both keys work"
cp "$TEST_DIR/alice.key" "$TEST_DIR/alice-old.key"
expect "user rotate" "$POSTERN" user rotate alice -c "$CONF" --overlap 7d \
	--client-out "$TEST_DIR/alice-new.key"
expect "drop-in has old_key_until" grep -q '^old_key_until = ' "$USERS/alice.conf"
reload
accepted "new key" "$TEST_DIR/alice-new.key" "scheme=spa$"
accepted "old key in the overlap" "$TEST_DIR/alice-old.key" "key=old"

echo "-- the overlap ended: the old key is refused"
sed -i 's/^old_key_until = .*/old_key_until = 2020-01-01/' "$USERS/alice.conf"
reload
refused "old key after the overlap" "$TEST_DIR/alice-old.key" \
	'refuse reason=policy user=alice .*rule="old_key_until: the old key of alice stopped on 2020-01-01'
expect "the expired old key is warned about" wait_for_log "$LOG" \
	"key-expiry user=alice key=old expires=2020-01-01 days_left=0 note=expired" 3
accepted "new key still" "$TEST_DIR/alice-new.key" "scheme=spa$"

echo "-- list and show"
"$POSTERN" user list -c "$CONF" >"$TEST_DIR/list.out" 2>&1
cat "$TEST_DIR/list.out"
expect "list shows alice, active, expiry and a last knock" \
	grep -Eq '^alice +active +2099-01-01 +20[0-9]{2}-' "$TEST_DIR/list.out"
"$POSTERN" user show alice -c "$CONF" >"$TEST_DIR/show.out" 2>&1
cat "$TEST_DIR/show.out"
expect "show names the old key and its end" grep -q 'valid until 2020-01-01' "$TEST_DIR/show.out"
expect "show has the last knock from alice's address" grep -q "from       $A4" "$TEST_DIR/show.out"

echo "-- remove + SIGHUP: unknown"
expect "user remove" "$POSTERN" user remove alice -c "$CONF"
expect "files gone" test ! -e "$USERS/alice.conf" -a ! -e "$USERS/alice.key"
reload
refused "removed user" "$TEST_DIR/alice-new.key" "refuse reason=unknown-tag user=- src=$A4"
finish
