#!/usr/bin/env bash
# test_policy.sh BUILD — per-user policy (userpolicy.h): each rule refuses a
# genuine, fresh knock, the door stays closed, and the log names the rule:
# knock source outside `sources`, a target outside `targets`, a target only
# in a wide prefix (no allow_wide_targets), outside `hours` (computed from
# the clock now, so no clock is changed), a scheme or a carrier the user may
# not use, an expired key, a disabled user, a knock that does not name its
# target for a user with require_target. And the same users are accepted
# where their rules allow; a require_target user with a token is refused at
# --check-config.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
for u in alice bob carol dave erin frank gina hank ivy; do make_key "$u" "$TEST_DIR"; done
# A window of one hour that excludes now: 12 hours from now, in UTC.
H_FROM=$(date -u -d '+12 hours' +'%a %H:00')
H_TO=$(date -u -d '+13 hours' +'%H:00')
NOW_OK=$(date -u +'%a %H:00')-$(date -u -d '+1 hour' +'%H:00')
cat >"$TEST_DIR/postern.conf" <<CONF
[daemon]
interfaces = any
knock_ports = udp/$KNOCK_PORT
state = $TEST_DIR/state.db
run_as = nobody
icmp = yes
[protect]
ports = tcp/22
[user alice]
key = $TEST_DIR/alice.key
open = tcp/22
sources = $A4/32, fd77::2
[user bob]
key = $TEST_DIR/bob.key
open = tcp/22
hours = $H_FROM-$H_TO
timezone = UTC
[user carol]
key = $TEST_DIR/carol.key
open = tcp/22
schemes = token, otp
[user dave]
key = $TEST_DIR/dave.key
open = tcp/22
carriers = icmp
[user erin]
key = $TEST_DIR/erin.key
open = tcp/22
expires = 2020-01-01
[user frank]
key = $TEST_DIR/frank.key
open = tcp/22
targets = 10.0.0.0/8
[user gina]
key = $TEST_DIR/gina.key
open = tcp/22
targets = 10.77.0.0/25
hours = $NOW_OK
timezone = Europe/Berlin
[user hank]
key = $TEST_DIR/hank.key
open = tcp/22
disabled = yes
[user ivy]
key = $TEST_DIR/ivy.key
open = tcp/22
targets = $A4/32
require_target = yes
CONF
# gina's hours must hold now in Berlin: rewrite them in that zone.
G_NOW=$(TZ=Europe/Berlin date +'%a %H:00')-$(TZ=Europe/Berlin date -d '+1 hour' +'%H:00')
sed -i "s/^hours = $NOW_OK\$/hours = $G_NOW/" "$TEST_DIR/postern.conf"
LOG="$TEST_DIR/posternd.log"
expect "the config with every rule is accepted" \
	"$POSTERND" --check-config -c "$TEST_DIR/postern.conf"
start_posternd "$NS_SRV" "$TEST_DIR/postern.conf" "$LOG" || die "posternd did not start"

# refused NAME NS USER PATTERN [knock options]: the knock is refused with a
# log line matching PATTERN, and the door stays closed for NS.
refused() {
	local what=$1 ns=$2 user=$3 pattern=$4; shift 4
	local seen
	seen=$(lines "$LOG")
	knock_from "$ns" "$SRV4" "$user" --lease 5s --quiet "$@"
	expect "$what: refused, log names the rule" wait_for_log "$LOG" \
		"refuse reason=policy user=$user .*rule=\"$pattern" 3 "$seen"
	expect "$what: door closed" tcp_closed_from "$ns" "$SRV4" 22
}
# accepted NAME NS USER [knock options]: accepted and the door opens.
accepted() {
	local what=$1 ns=$2 user=$3; shift 3
	local seen
	seen=$(lines "$LOG")
	knock_from "$ns" "$SRV4" "$user" --lease 3s --quiet "$@"
	expect "$what: accepted" wait_for_log "$LOG" "accept user=$user " 3 "$seen"
	expect "$what: door open" wait_open "$ns" "$SRV4" 22
	wait_closed "$ns" "$SRV4" 22 8 || fail "$what: door did not close"
}

echo "-- sources: alice may knock from $A4 only"
refused "source outside sources" "$NS_B" alice "sources: $B4 is not among"
accepted "source inside sources" "$NS_A" alice

echo "-- hours: bob may knock $H_FROM-$H_TO UTC only (12 hours from now)"
refused "outside hours" "$NS_A" bob "hours: .* UTC is outside"

echo "-- hours in Europe/Berlin that hold now: gina"
accepted "inside hours (Europe/Berlin)" "$NS_A" gina

echo "-- targets: gina may name 10.77.0.0/25 only"
refused "target outside targets" "$NS_A" gina "target 10.77.0.200 not in this user.s targets" \
	--target 10.77.0.200

echo "-- wide targets: frank's 10.0.0.0/8 needs allow_wide_targets"
refused "target in a wide prefix" "$NS_A" frank \
	"allow_wide_targets: $A4 is only in the wide prefix 10.0.0.0/8" --target "$A4"

echo "-- require_target: ivy's knocks must name their target"
refused "knock for its source" "$NS_A" ivy \
	"require_target: the knock must name its target"
accepted "knock naming its target" "$NS_A" ivy --target "$A4"
bad="$TEST_DIR/bad-require.conf"
"$POSTERN" token --init --mode hotp --user ivy --key "$TEST_DIR/ivy.token" >/dev/null \
	|| die "postern token --init"
sed "s|^require_target = yes\$|require_target = yes\ntoken = hotp\ntoken_key = $TEST_DIR/ivy.token\ntoken_open = tcp/22|" \
	"$TEST_DIR/postern.conf" >"$bad"
expect "--check-config refuses require_target with a token" \
	bash -c "! '$POSTERND' --check-config -c '$bad' 2>'$TEST_DIR/bad.err'"
expect "and says why, with the line" grep -Eq \
	"bad-require.conf:[0-9]+: user ivy: require_target = yes refuses every token knock" \
	"$TEST_DIR/bad.err"

echo "-- schemes: carol may use token and otp, not spa"
refused "scheme not allowed" "$NS_A" carol "schemes: spa is not among"

echo "-- carriers: dave may knock by ICMP only"
refused "carrier not allowed" "$NS_A" dave "carriers: udp is not among"
accepted "allowed carrier" "$NS_A" dave --via icmp

echo "-- expires: erin's key expired on 2020-01-01"
refused "expired key" "$NS_A" erin "expires: key of erin expired on 2020-01-01"
expect "start-up warned about erin's expired key" \
	grep -Eq "key-expiry user=erin key=current expires=2020-01-01 days_left=0 note=expired" "$LOG"

echo "-- disabled: hank"
refused "disabled user" "$NS_A" hank "user hank is disabled"

echo "-- the daemon still serves"
accepted "alice again" "$NS_A" alice
finish
