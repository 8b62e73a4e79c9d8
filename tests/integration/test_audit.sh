#!/usr/bin/env bash
# test_audit.sh BUILD — the audit log and non-repudiation (docs/audit.md):
# accepted and refused knocks become hash-chained JSON records (also on the
# event stream); a signed knock's signature is in its accept record and
# verifies; a knock signed with another key is refused as bad-signature;
# require_signature refuses an unsigned knock; the alert hook fires after N
# refusals; the chain continues across a restart; `postern audit verify`
# passes, then points at the one record that was edited.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
# The alert command runs as run_as (nobody): let it reach its script and
# the directory it writes to. Key files stay 0600.
chmod 0711 "$TEST_DIR"
ALERTS="$TEST_DIR/alerts"
mkdir -m 1777 "$ALERTS"
cat >"$TEST_DIR/alert.sh" <<EOF
#!/bin/sh
# written by test_audit.sh: record argv and environment of one alert
{ echo "argv=\$*"; echo "uid=\$(id -u)"; env | sort; } >"$ALERTS/alert.\$\$"
EOF
chmod 0755 "$TEST_DIR/alert.sh"

# alice signs (keygen --sign); bob has a signing key on file but must sign
# and will not; "rogue" is alice's shared secret with someone else's
# signing key: authentic to the AEAD, but not alice's signature.
"$POSTERN" keygen --user alice --sign --out "$TEST_DIR/alice.key" \
	--sign-out "$TEST_DIR/alice.pub" >"$TEST_DIR/alice.snippet" \
	|| die "postern keygen --sign failed"
expect "keygen --sign prints the sign_key line" grep -q '^sign_key = ' "$TEST_DIR/alice.snippet"
expect "the client key file has a sign-secret" grep -q '^sign-secret ' "$TEST_DIR/alice.key"
expect "the public key file has no secret" \
	sh -c "! grep -q secret '$TEST_DIR/alice.pub'"
"$POSTERN" keygen --user bob --sign --out "$TEST_DIR/bob.key" \
	--sign-out "$TEST_DIR/bob.pub" >/dev/null || die "keygen bob"
mkdir -m 0700 "$TEST_DIR/rogue"
"$POSTERN" keygen --user alice --sign --out "$TEST_DIR/rogue/other.key" >/dev/null \
	|| die "keygen rogue"
{ grep -v '^sign-secret' "$TEST_DIR/alice.key"; grep '^sign-secret' "$TEST_DIR/rogue/other.key"; } \
	>"$TEST_DIR/rogue/alice.key"
chmod 0600 "$TEST_DIR/rogue/alice.key"

AUDIT="$TEST_DIR/audit.jsonl"
EVENTS="$TEST_DIR/events.jsonl"
CONF="$TEST_DIR/postern.conf"
cat >"$CONF" <<EOF
# written by test_audit.sh
[daemon]
interfaces = any
knock_ports = udp/$KNOCK_PORT
state = $TEST_DIR/state.db
run_as = nobody
window = 60s
icmp = yes
audit_log = $AUDIT
event_stream = $EVENTS
alert_command = $TEST_DIR/alert.sh
alert_refusals = 3/1m

[protect]
ports = tcp/22

[user alice]
key = $TEST_DIR/alice.key
sign_key = $TEST_DIR/alice.pub
open = tcp/22
targets = 10.77.0.0/24, fd77::/64

[user bob]
key = $TEST_DIR/bob.key
sign_key = $TEST_DIR/bob.pub
require_signature = yes
open = tcp/22
EOF
# One host plays server and client: the server reads the same key files
# (a server copy would come from keygen --server-out, without sign-secret).
expect "posternd --check-config accepts the audit keys" \
	"$POSTERND" --check-config -c "$CONF"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
expect "a start record opens the audit log" grep -q '"event":"start"' "$AUDIT"

echo "-- a signed knock"
seen=$(lines "$LOG")
expect "alice's signed knock is sent" knock_from "$NS_A" "$SRV4" alice --lease 5s --quiet
expect "accepted, signed" wait_for_log "$LOG" "accept user=alice src=$A4 .*signed=yes" 3 "$seen"
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the accept record carries the signature" \
	grep -Eq '"event":"accept".*"user":"alice".*"sig":"[0-9a-f]{128}","sign_key":"[0-9a-f]{64}"' "$AUDIT"

echo "-- a signed knock in a ping (164 bytes of echo data)"
seen=$(lines "$LOG")
expect "sent via icmp" knock_from "$NS_A" "$SRV4" alice --lease 5s --quiet --via icmp
expect "accepted, signed, via icmp" wait_for_log "$LOG" \
	"accept user=alice src=$A4 .*via=icmp scheme=spa signed=yes" 3 "$seen"

echo "-- an unsigned knock of alice (allowed: she need not sign)"
seen=$(lines "$LOG")
knock_from "$NS_A" "$SRV4" alice --lease 5s --quiet --no-sign
expect "accepted, not signed" wait_for_log "$LOG" "accept user=alice src=$A4 .*scheme=spa$" 3 "$seen"

echo "-- knocks signed with another key are refused as bad-signature"
seen=$(lines "$LOG")
for i in 1 2 3; do
	ip netns exec "$NS_A" "$POSTERN" knock --server "$SRV4" --user alice \
		--key "$TEST_DIR/rogue/alice.key" --open tcp/22 --lease 5s --quiet
	sleep 0.2
done
expect "refuse reason=bad-signature logged" wait_for_log "$LOG" \
	"refuse reason=bad-signature user=alice src=$A4" 3 "$seen"
expect "no accept for a bad signature" \
	test "$(tail -n "+$((seen + 1))" "$LOG" | grep -c 'accept user=')" -eq 0
expect "refuse records in the audit log" grep -q '"reason":"bad-signature"' "$AUDIT"

echo "-- the alert hook after 3 refusals of alice within 1 minute"
expect "the alert is logged" wait_for_log "$LOG" "alert kind=refusals user=alice" 3 "$seen"
for i in $(seq 30); do ls "$ALERTS"/alert.* >/dev/null 2>&1 && break; sleep 0.1; done
ALERT=$(ls "$ALERTS"/alert.* 2>/dev/null | head -1)
expect "the alert command ran" test -n "$ALERT"
expect "with argv KIND USER" grep -qx 'argv=refusals alice' "$ALERT"
expect "as nobody, not root" grep -qx "uid=$(id -u nobody)" "$ALERT"
expect "with the alert in its environment" grep -qx 'POSTERN_ALERT_COUNT=3' "$ALERT"
expect "and a clean environment" sh -c "! grep -q '^HOME=\|^TEST_DIR=\|^USER=' '$ALERT'"
expect "an alert record" grep -q '"event":"alert".*"kind":"refusals"' "$AUDIT"

echo "-- require_signature refuses bob's unsigned knock"
seen=$(lines "$LOG")
knock_from "$NS_B" "$SRV4" bob --lease 5s --quiet --no-sign
expect "refused with the rule" wait_for_log "$LOG" \
	"refuse reason=policy user=bob src=$B4 .*require_signature" 3 "$seen"
expect "bob is refused" tcp_closed_from "$NS_B" "$SRV4" 22
seen=$(lines "$LOG")
knock_from "$NS_B" "$SRV4" bob --lease 5s --quiet
expect "bob's signed knock is accepted" wait_for_log "$LOG" \
	"accept user=bob src=$B4 .*signed=yes" 3 "$seen"

echo "-- the chain continues across a restart"
stop_posternd || true
expect "a stop record" sh -c "tail -n1 '$AUDIT' | grep -q '\"event\":\"stop\"'"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not restart"
expect "the restart finds an intact tail" \
	sh -c "! grep -q 'AUDIT LOG .* IS DAMAGED' '$LOG'"
seen=$(lines "$LOG")
knock_from "$NS_A" "$SRV4" alice --lease 5s --quiet
expect "accepted after the restart" wait_for_log "$LOG" "accept user=alice src=$A4" 3 "$seen"
sleep 0.3
expect "the event stream has every record too" \
	test "$(wc -l <"$EVENTS")" -eq "$(wc -l <"$AUDIT")"

echo "-- postern audit verify"
OUT="$TEST_DIR/verify.out"
"$POSTERN" audit verify "$AUDIT" --config "$CONF" >"$OUT" 2>&1
rc=$?
cat "$OUT"
expect "verify passes (exit 0)" test "$rc" -eq 0
expect "verify counts the signatures it checked" grep -Eq 'OK: .* [4-9] signatures verified' "$OUT"
"$POSTERN" audit verify "$AUDIT" --keys "$TEST_DIR" >/dev/null 2>&1
expect "verify --keys DIR passes too" test $? -eq 0

# Edit one character of the src of a refuse record in the middle.
COPY="$TEST_DIR/edited.jsonl"
cp "$AUDIT" "$COPY"
total=$(wc -l <"$COPY")
target=$(grep -n '"event":"refuse"' "$COPY" | sed -n 2p | cut -d: -f1)
info "editing line $target of $total (src $A4 -> 10.77.0.9)"
sed -i "${target}s/\"src\":\"$A4\"/\"src\":\"10.77.0.9\"/" "$COPY"
expect "the copy differs in exactly one line" \
	test "$(diff "$AUDIT" "$COPY" | grep -c '^<')" -eq 1
"$POSTERN" audit verify "$COPY" --config "$CONF" >"$OUT" 2>&1
rc=$?
cat "$OUT"
expect "verify fails on the edited log (exit 1)" test "$rc" -eq 1
expect "verify points at the edited line $target" \
	grep -q "BROKEN at line $target: this record was altered" "$OUT"

# Edit the user of a signed accept: its own signature check catches it.
cp "$AUDIT" "$COPY"
target=$(grep -n '"event":"accept".*"sig":' "$COPY" | head -1 | cut -d: -f1)
sed -i "${target}s/\"user\":\"alice\"/\"user\":\"bob\"/" "$COPY"
"$POSTERN" audit verify "$COPY" --config "$CONF" >"$OUT" 2>&1
cat "$OUT"
expect "a signed accept whose user was changed fails at its own line" \
	grep -Eq "BROKEN at line $target: (.*signing key|bad signature)" "$OUT"

finish
