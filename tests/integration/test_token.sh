#!/usr/bin/env bash
# test_token.sh BUILD — one-time tokens (HOTP/TOTP, RFC 4226/6238) with
# third-party clients only: a numeric code printed by oathtool, sent as a
# "user:code" UDP datagram with nc, opens the door once; the same code again
# is refused as a replay (also after a restart); HOTP look-ahead resyncs
# after skipped codes and refuses the older ones afterwards; a TOTP code
# works once per time step; `postern token` prints the same codes as
# oathtool; a `ping -p` token opens the door when the ICMP carrier exists.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v oathtool >/dev/null || { echo "SKIP: oathtool not installed"; exit 77; }

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
make_key bob "$TEST_DIR"
CONF="$TEST_DIR/postern.conf"
write_config "$CONF" users="alice bob"
"$POSTERN" token --init --mode hotp --user alice --key "$TEST_DIR/alice.token" \
	>"$TEST_DIR/alice.init" || die "postern token --init (hotp)"
"$POSTERN" token --init --mode totp --user bob --key "$TEST_DIR/bob.token" \
	>"$TEST_DIR/bob.init" || die "postern token --init (totp)"
ASECRET=$(grep -v '^#' "$TEST_DIR/alice.token")
BSECRET=$(grep -v '^#' "$TEST_DIR/bob.token")

ICMP=no
if grep -q carrier_icmp "$SRC/src/daemon/carrier.c"; then ICMP=yes; fi
# A short lease, the token lines in each user's section, ICMP if built.
sed -i "s/^\[daemon\]$/[daemon]\ndefault_lease = 3s/" "$CONF"
[ "$ICMP" = yes ] && sed -i "s/^\[daemon\]$/[daemon]\nicmp = yes/" "$CONF"
sed -i "s|^\[user bob\]$|token = hotp\ntoken_key = $TEST_DIR/alice.token\ntoken_open = tcp/22\ntoken_ports = 40000-49999\n\n[user bob]|" "$CONF"
printf 'token = totp\ntoken_key = %s\ntoken_open = tcp/22\n' "$TEST_DIR/bob.token" >>"$CONF"
"$POSTERND" --check-config -c "$CONF" >"$TEST_DIR/check.out" 2>&1 \
	|| { cat "$TEST_DIR/check.out"; die "config refused"; }

LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"

# send_code NS USER CODE: the datagram any machine can send with nc.
send_code() {
	printf '%s:%s' "$2" "$3" | ip netns exec "$1" nc -u -w1 -q0 "$SRV4" "$KNOCK_PORT"
}
hotp() { oathtool --hotp -b -c "$1" "$ASECRET"; }
accepts() { count_log "$LOG" "accept user=$1 .*scheme=token"; }

echo "-- postern token prints what oathtool prints"
sheet=$("$POSTERN" token --mode hotp --user alice --key "$TEST_DIR/alice.token" \
	--count 6 --server "$SRV4" --ports 40000-49999 | awk '/^[0-9]/ {print $2}')
expect "HOTP codes 0..5 equal oathtool's" test "$sheet" = "$(oathtool --hotp -b -w 5 "$ASECRET")"
now=$(date +%s)
tsheet=$("$POSTERN" token --user bob --key "$TEST_DIR/bob.token" --count 1 \
	--time "$now" | awk '/^[0-9]/ {print $2}')
expect "TOTP code equals oathtool's" test "$tsheet" = \
	"$(oathtool --totp -b --now "@$now" "$BSECRET")"

echo "-- before any token: the door is closed"
expect "alice cannot reach tcp/22" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- an HOTP code from oathtool, over UDP with nc"
send_code "$NS_A" alice "$(hotp 0)"
expect "accept logged (scheme=token)" wait_for_log "$LOG" \
	"accept user=alice src=$A4 target=$A4 open=tcp/22 lease=3 via=udp scheme=token" 3
expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
expect "the stranger does not" tcp_closed_from "$NS_B" "$SRV4" 22
expect "the door closes with the lease" wait_closed "$NS_A" "$SRV4" 22 5

echo "-- the same code again is a replay"
n=$(accepts alice)
send_code "$NS_A" alice "$(hotp 0)"
expect "refuse reason=replay logged" wait_for_log "$LOG" \
	"refuse reason=replay user=alice src=$A4 via=udp scheme=token" 3
expect "no new accept" test "$(accepts alice)" -eq "$n"
expect "the door stays closed" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- HOTP look-ahead: codes 1..3 skipped, code 4 works"
send_code "$NS_A" alice "$(hotp 4)"
expect "code 4 accepted" wait_for_log "$LOG" "accept user=alice src=$A4 .*scheme=token" 3 \
	"$(grep -n 'refuse reason=replay user=alice' "$LOG" | tail -1 | cut -d: -f1)"
expect "alice reaches tcp/22 again" wait_open "$NS_A" "$SRV4" 22
wait_closed "$NS_A" "$SRV4" 22 5
n=$(accepts alice)
replays=$(count_log "$LOG" "refuse reason=replay user=alice")
for c in 2 3; do send_code "$NS_A" alice "$(hotp "$c")"; sleep 0.3; done
expect "older codes 2 and 3 refused as replays" wait_for_log "$LOG" \
	"refuse reason=replay user=alice" 3 "$(( $(lines "$LOG") - 1 ))"
sleep 0.5
expect "two more replay refusals" test "$(count_log "$LOG" "refuse reason=replay user=alice")" -ge $((replays + 2))
expect "no accept for them" test "$(accepts alice)" -eq "$n"
expect "the door stays closed" tcp_closed_from "$NS_A" "$SRV4" 22

echo "-- a wrong code is refused"
send_code "$NS_A" alice 000000
send_code "$NS_A" alice 999999
expect "refuse reason=bad-mac logged" wait_for_log "$LOG" \
	"refuse reason=bad-mac user=alice src=$A4 via=udp scheme=token" 3

echo "-- a TOTP code works once per time step"
n=$(accepts bob)
tcode=$(oathtool --totp -b "$BSECRET")
send_code "$NS_B" bob "$tcode"
expect "bob's TOTP code accepted" wait_for_log "$LOG" \
	"accept user=bob src=$B4 target=$B4 open=tcp/22 lease=3 via=udp scheme=token" 3
expect "bob reaches tcp/22" wait_open "$NS_B" "$SRV4" 22
send_code "$NS_B" bob "$tcode" # even if a new step began: an older slot
expect "the same TOTP code is a replay" wait_for_log "$LOG" \
	"refuse reason=replay user=bob src=$B4 via=udp scheme=token" 3
expect "bob has exactly one new accept" test "$(accepts bob)" -eq $((n + 1))

echo "-- after a restart, used codes stay used"
stop_posternd
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not restart"
skip=$(lines "$LOG")
send_code "$NS_A" alice "$(hotp 4)"
expect "code 4 is still a replay after the restart" wait_for_log "$LOG" \
	"refuse reason=replay user=alice" 3 "$skip"
send_code "$NS_A" alice "$(hotp 5)"
expect "code 5 works" wait_for_log "$LOG" "accept user=alice src=$A4 .*scheme=token" 3 "$skip"
wait_closed "$NS_A" "$SRV4" 22 5

if [ "$ICMP" = yes ]; then
	echo "-- a ping -p token from the sheet (counter 6) opens the door"
	hex=$("$POSTERN" token --mode hotp --user alice --key "$TEST_DIR/alice.token" \
		--counter 6 --count 1 | awk '/^[0-9]/ {print $3}')
	skip=$(lines "$LOG")
	ip netns exec "$NS_A" ping -c1 -W1 -p "$hex" "$SRV4" >/dev/null 2>&1
	expect "accept logged via=icmp" wait_for_log "$LOG" \
		"accept user=alice src=$A4 target=$A4 open=tcp/22 lease=3 via=icmp scheme=token" 3 "$skip"
	expect "alice reaches tcp/22" wait_open "$NS_A" "$SRV4" 22
	wait_closed "$NS_A" "$SRV4" 22 5
	ip netns exec "$NS_A" ping -c1 -W1 -p "$hex" "$SRV4" >/dev/null 2>&1
	expect "the same ping again is a replay" wait_for_log "$LOG" \
		"refuse reason=replay user=alice src=$A4 via=icmp scheme=token" 3 "$skip"
	expect "the door stays closed" tcp_closed_from "$NS_A" "$SRV4" 22
else
	info "no ICMP carrier in this tree: ping -p tokens not tested"
fi

expect "posternd still running" kill -0 "$POSTERND_PID"
finish
