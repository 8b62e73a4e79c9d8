#!/usr/bin/env bash
# test_trigger.sh BUILD — event triggers: a knock fires a configured command
# with the expected argv, user and environment and opens no port; a knock
# argument with a shell metacharacter, one that does not match the pattern,
# one for a trigger without a pattern, and a trigger the user may not fire
# are refused with the rule in the log; max_running and the time limit
# (SIGTERM, then SIGKILL) are enforced and logged.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
# The triggers run as nobody: they must reach their program and write
# their record (the key files stay 0600).
chmod 0711 "$TEST_DIR"
OUT="$TEST_DIR/out"
mkdir -m 1777 "$OUT"

# The operator's program (a shell script of the operator's: postern itself
# never uses a shell). It records its argv, uid and exact environment.
cat >"$TEST_DIR/record.sh" <<PROG
#!/bin/sh
{
	echo "argc=\$#"
	for a in "\$@"; do echo "arg=\$a"; done
	echo "uid=\$(id -u)"
	tr '\\0' '\\n' </proc/\$\$/environ | sed 's/^/env:/'
} >"$OUT/record.tmp" && mv "$OUT/record.tmp" "$OUT/record.txt"
echo "hello from the trigger"
echo "and from its stderr" >&2
PROG
# A program that ignores SIGTERM: the runner must escalate to SIGKILL.
cat >"$TEST_DIR/stubborn.sh" <<'PROG'
#!/bin/sh
trap '' TERM
echo "stubborn: started"
while :; do sleep 1; done
PROG
chmod 0755 "$TEST_DIR/record.sh" "$TEST_DIR/stubborn.sh"

CONF="$TEST_DIR/postern.conf"
write_config "$CONF"
cat >>"$CONF" <<EOF2
triggers = record, stubborn

[trigger record]
id = 7
command = $TEST_DIR/record.sh fixed-arg "two words" 'semi;colon'
args_pattern = ^[a-z0-9-]{1,16}\$
run_as = nobody
timeout = 10s

[trigger stubborn]
id = 8
command = $TEST_DIR/stubborn.sh
timeout = 2s
max_running = 1

[trigger secret]
id = 9
command = /bin/true
EOF2
echo "record 7" >"$TEST_DIR/triggers.map"
LOG="$TEST_DIR/posternd.log"
expect "posternd --check-config accepts the triggers" "$POSTERND" --check-config -c "$CONF"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"

nobody_uid=$(id -u nobody)
trig() {
	ip netns exec "$NS_A" "$POSTERN" knock --server "$SRV4" --user alice \
		--key "$TEST_DIR/alice.key" "$@"
}

echo "-- a trigger knock with an argument that matches the pattern"
expect "postern knock --trigger 7 --arg web-01 exits 0" trig --trigger 7 --arg web-01
expect "accept logged with the trigger and argument" wait_for_log "$LOG" \
	"accept user=alice src=$A4 trigger=record id=7 arg=web-01 via=udp" 3
expect "trigger-start logged with run_as and argv" wait_for_log "$LOG" \
	"trigger-start trigger=record event=trigger user=alice pid=[0-9]+ run_as=nobody argv=\"$TEST_DIR/record.sh fixed-arg two words semi;colon web-01\"" 3
expect "its stdout is logged" wait_for_log "$LOG" \
	"trigger-output trigger=record pid=[0-9]+: hello from the trigger" 5
expect "its stderr is logged" wait_for_log "$LOG" \
	"trigger-output trigger=record pid=[0-9]+: and from its stderr" 5
expect "its exit status is logged" wait_for_log "$LOG" \
	"trigger-exit trigger=record event=trigger user=alice pid=[0-9]+ status=0" 5
R="$OUT/record.txt"
expect "the program ran and wrote its record" test -s "$R"
info "record: $(tr '\n' '|' <"$R")"
expect "argv: 4 arguments" grep -qx "argc=4" "$R"
expect "argv[1] = fixed-arg" test "$(sed -n 2p "$R")" = "arg=fixed-arg"
expect "argv[2] = 'two words' (one element, quoted in the config)" test "$(sed -n 3p "$R")" = "arg=two words"
expect "argv[3] = 'semi;colon' (no shell: just a character)" test "$(sed -n 4p "$R")" = "arg=semi;colon"
expect "argv[4] = the knock's argument, as one element" test "$(sed -n 5p "$R")" = "arg=web-01"
expect "it ran as nobody (uid $nobody_uid)" grep -qx "uid=$nobody_uid" "$R"
expect "environment is exactly PATH, LANG, POSTERN_USER, POSTERN_TRIGGER, POSTERN_SRC" \
	test "$(grep '^env:' "$R" | sort | tr '\n' ' ')" = \
	"env:LANG=C env:PATH=/usr/sbin:/usr/bin:/sbin:/bin env:POSTERN_SRC=$A4 env:POSTERN_TRIGGER=record env:POSTERN_USER=alice "
expect "a trigger opens no port" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- the trigger by name, through the client's trigger map"
rm -f "$R"
expect "postern knock --trigger record --trigger-map exits 0" \
	trig --trigger record --trigger-map "$TEST_DIR/triggers.map" --arg db-2
expect "accept logged for arg=db-2" wait_for_log "$LOG" \
	"accept user=alice src=$A4 trigger=record id=7 arg=db-2" 3
expect "the program got db-2" wait_for_log "$R" "^arg=db-2$" 5
expect "an unknown name is refused by the client" \
	bash -c "! ip netns exec $NS_A $POSTERN knock --server $SRV4 --user alice --key $TEST_DIR/alice.key --trigger nosuch --trigger-map $TEST_DIR/triggers.map 2>/dev/null"

starts() { count_log "$LOG" 'trigger-start trigger=record'; }
echo "-- a shell metacharacter in the argument is refused before any pattern"
before=$(starts)
expect "knock --arg 'x;reboot' exits 0 (the server decides)" trig --trigger 7 --arg 'x;reboot'
expect "refused: shell metacharacter, logged" wait_for_log "$LOG" \
	"refuse reason=policy user=alice src=$A4 via=udp scheme=spa rule=\"trigger record: argument holds a shell metacharacter \\\\x3b\"" 3
expect "knock --arg 'a\$(id)' exits 0" trig --trigger 7 --arg 'a$(id)'
expect "refused: \$ is a metacharacter, logged" wait_for_log "$LOG" \
	"rule=\"trigger record: argument holds a shell metacharacter \\\\x24\"" 3
expect "knock --arg '-rf' exits 0" trig --trigger 7 --arg '-rf'
expect "refused: an argument starting with '-', logged" wait_for_log "$LOG" \
	"rule=\"trigger record: argument starts with '-' \\(an option\\)" 3

echo "-- an argument that does not match args_pattern"
expect "knock --arg UPPER exits 0" trig --trigger 7 --arg UPPER
expect "refused: does not match, logged" wait_for_log "$LOG" \
	"refuse reason=policy user=alice src=$A4 .*rule=\"trigger record: argument does not match args_pattern\"" 3
expect "knock with a 17-byte argument is refused by the client" \
	bash -c "! ip netns exec $NS_A $POSTERN knock --server $SRV4 --user alice --key $TEST_DIR/alice.key --trigger 7 --arg abcdefghijklmnopq 2>/dev/null"

echo "-- an argument for a trigger without a pattern, a trigger not listed"
expect "knock --trigger 8 --arg x exits 0" trig --trigger 8 --arg x
expect "refused: takes no argument, logged" wait_for_log "$LOG" \
	"rule=\"trigger stubborn takes no argument\"" 3
expect "knock --trigger 9 exits 0" trig --trigger 9
expect "refused: not allowed for this user, logged" wait_for_log "$LOG" \
	"rule=\"trigger secret not allowed for this user\"" 3
expect "knock --trigger 42 exits 0" trig --trigger 42
expect "refused: id not configured, logged" wait_for_log "$LOG" \
	"rule=\"trigger id 42 is not configured\"" 3
sleep 0.5
expect "none of the refused knocks ran the program" test "$(starts)" -eq "$before"

echo "-- max_running = 1 and timeout = 2s"
seen=$(lines "$LOG")
expect "first knock --trigger 8 exits 0" trig --trigger 8
expect "it starts" wait_for_log "$LOG" "trigger-start trigger=stubborn event=trigger" 3 "$seen"
expect "its output is logged" wait_for_log "$LOG" "trigger-output trigger=stubborn pid=[0-9]+: stubborn: started" 3 "$seen"
expect "second knock --trigger 8 exits 0" trig --trigger 8
expect "the second is refused: busy, max_running=1, logged" wait_for_log "$LOG" \
	"refuse reason=busy user=alice src=$A4 via=udp scheme=spa trigger=stubborn rule=\"max_running=1 reached\"" 3 "$seen"
expect "only one ran" test "$(tail -n +"$((seen + 1))" "$LOG" | grep -c 'trigger-start trigger=stubborn')" -eq 1
expect "at 2 s it gets SIGTERM (logged)" wait_for_log "$LOG" \
	"trigger-timeout trigger=stubborn pid=[0-9]+ after=2s signal=TERM" 5 "$seen"
expect "it ignores SIGTERM: SIGKILL 2 s later (logged)" wait_for_log "$LOG" \
	"trigger-timeout trigger=stubborn pid=[0-9]+ after=[0-9]+s signal=KILL" 5 "$seen"
expect "its end is logged: killed, note=timeout" wait_for_log "$LOG" \
	"trigger-exit trigger=stubborn event=trigger user=alice pid=[0-9]+ signal=KILL duration=[0-9]+s note=timeout" 5 "$seen"
# "[s]" keeps pgrep from finding this very command line.
expect "no process of it is left" bash -c "! pgrep -f '[s]tubborn.sh' >/dev/null"
seen=$(lines "$LOG")
expect "after it ended, the trigger can run again" trig --trigger 8
expect "it starts again" wait_for_log "$LOG" "trigger-start trigger=stubborn" 3 "$seen"
expect "and is stopped again at its time limit" wait_for_log "$LOG" \
	"trigger-exit trigger=stubborn .*note=timeout" 6 "$seen"

expect "posternd still running" kill -0 "$POSTERND_PID"
finish
