#!/usr/bin/env bash
# test_otp — RFC 2289 one-time password knocks end to end, with nothing but
# `nc` (and `dig`) on the client: a chain set up with `postern otp init`,
# six words over UDP open the door; the same words again are refused
# (replay); a response two further down the chain opens it (look-ahead
# resync); an older response is refused; the low-water warning shows in the
# log and in `postern user list`; the chain's position survives a restart;
# and, when the DNS carrier is built in, the words as a query name work too.
#
#   tests/integration/test_otp.sh BUILD
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"
ns_setup

CONF=$TEST_DIR/postern.conf
LOG=$TEST_DIR/posternd.log
PASS=$TEST_DIR/pass
ZONE=k.example.net
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HAVE_DNS=0
grep -q carrier_dns "$SRC/src/daemon/carrier.c" && grep -q '"dns_zone"' "$SRC/src/lib/config_keys.c" \
	&& HAVE_DNS=1

make_key alice "$TEST_DIR"
write_config "$CONF"
# Short leases so each step starts from a closed door.
sed -i '/^\[daemon\]/a default_lease = 3s' "$CONF"
[ "$HAVE_DNS" = 1 ] && sed -i "/^\[daemon\]/a dns = sniff\ndns_zone = $ZONE" "$CONF"
cat >>"$CONF" <<EOC
otp = md5
otp_open = tcp/22
otp_low_water = 10
otp_lookahead = 5
EOC
printf 'correct horse battery staple\n' >"$PASS"
chmod 0600 "$PASS"

# ---- set-up ------------------------------------------------------------------
"$POSTERN" otp init --config "$CONF" --user alice --seed ssh22 --count 14 \
	--passphrase-file "$PASS" >"$TEST_DIR/init.out" 2>&1
expect "postern otp init sets up the chain" grep -q 'otp-md5 13 ssh22' "$TEST_DIR/init.out"
expect_not "init refuses the current seed again" "$POSTERN" otp init --config "$CONF" \
	--user alice --seed ssh22 --count 14 --passphrase-file "$PASS"
printf 'short\n' >"$TEST_DIR/short"
expect_not "init refuses a pass phrase under 10 characters" "$POSTERN" otp init \
	--config "$CONF" --user alice --seed other1 --count 5 --passphrase-file "$TEST_DIR/short"

# The responses 13 (next) down to 8, as six words.
"$POSTERN" otp next --config "$CONF" --user alice --count 6 --server "$SRV4" \
	--zone "$ZONE" --passphrase-file "$PASS" >"$TEST_DIR/next.out" 2>&1
mapfile -t WORDS < <(sed -n 's/^  words: //p' "$TEST_DIR/next.out")
mapfile -t DNSNAMES < <(sed -n 's/^  dns:   dig @[^ ]* //p' "$TEST_DIR/next.out")
[ "${#WORDS[@]}" -eq 6 ] || { cat "$TEST_DIR/next.out"; die "postern otp next printed ${#WORDS[@]} responses"; }
expect "next prints the nc command" grep -q "nc -u -w1 $SRV4 $KNOCK_PORT" "$TEST_DIR/next.out"
# The same responses from the challenge alone, as any RFC 2289 calculator would.
"$POSTERN" otp next --challenge 'otp-md5 13 ssh22' --passphrase-file "$PASS" \
	>"$TEST_DIR/chal.out" 2>&1
expect "a challenge gives the same response" grep -q "words: ${WORDS[0]}\$" "$TEST_DIR/chal.out"

start_tcp_service "$NS_SRV" 22 "SSH-2.0-test"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"
expect "door closed before any knock" tcp_closed_from "$NS_A" "$SRV4" 22

# otp_udp WORDS: one datagram, as a user without postern sends it.
otp_udp() {
	echo "$1" | ip netns exec "$NS_A" nc -u -w1 "$SRV4" "$KNOCK_PORT" >/dev/null 2>&1
}

# ---- the next response opens; the same again is refused ----------------------
skip=$(lines "$LOG")
otp_udp "${WORDS[0]}"
expect "six words over UDP open the door" wait_open "$NS_A" "$SRV4" 22 5
expect "the accept names the otp scheme" wait_for_log "$LOG" \
	'accept user=alice .*open=tcp/22 .*via=udp scheme=otp' 3 "$skip"
expect "the door closes when the lease ends" wait_closed "$NS_A" "$SRV4" 22 8

skip=$(lines "$LOG")
otp_udp "$(echo "${WORDS[0]}" | tr 'A-Z ' 'a-z-')" # same value, other spelling
otp_udp "${WORDS[0]}"
expect "the same words again are refused as a replay" wait_for_log "$LOG" \
	'refuse reason=replay user=alice .*scheme=otp' 5 "$skip"
expect "a replay opens nothing" tcp_closed_from "$NS_A" "$SRV4" 22

# ---- look-ahead: two lost responses, the third opens ---------------------------
skip=$(lines "$LOG")
otp_udp "${WORDS[3]}"
expect "a response two further down opens (look-ahead)" wait_open "$NS_A" "$SRV4" 22 5
expect "the resync is logged" wait_for_log "$LOG" 'otp resync user=alice skipped=2' 3 "$skip"
expect "the low-water warning is logged after the knock" wait_for_log "$LOG" \
	'otp chain low user=alice open=tcp/22 seed=ssh22 seq=10' 3 "$skip"
expect "the door closes again" wait_closed "$NS_A" "$SRV4" 22 8

# ---- an older response (one of the skipped) is refused ---------------------------
skip=$(lines "$LOG")
otp_udp "${WORDS[1]}"
expect "an old response is refused" wait_for_log "$LOG" 'refuse reason=.* scheme=otp' 5 "$skip"
expect "an old response opens nothing" tcp_closed_from "$NS_A" "$SRV4" 22

# ---- garbage text is refused quietly, the daemon lives ------------------------------
for junk in 'hello there world' 'ZZZZ ZZZZ ZZZZ ZZZZ' 'A A A A A A' '0123456789abcdef'; do
	echo "$junk" | ip netns exec "$NS_B" nc -u -w1 "$SRV4" "$KNOCK_PORT" >/dev/null 2>&1
done
expect "posternd survives text garbage" kill -0 "$POSTERND_PID"

# ---- postern user list ----------------------------------------------------------------
"$POSTERN" user list --config "$CONF" >"$TEST_DIR/users.out" 2>&1
rc=$?
expect "user list shows the chain LOW" grep -Eq '^alice .*otp tcp/22 .*otp-md5 9 ssh22 .*10 left +LOW' \
	"$TEST_DIR/users.out"
expect "user list exits 1 when a chain is low" test "$rc" -eq 1

# ---- restart: the position is durable, the warning shows at start-up ---------------------
stop_posternd
skip=$(lines "$LOG")
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not restart"
expect "the low-water warning is logged at start-up" wait_for_log "$LOG" \
	'otp chain low user=alice .*at start-up' 3 "$skip"
otp_udp "${WORDS[3]}"
expect "after a restart the last response is still refused" wait_for_log "$LOG" \
	'refuse reason=replay user=alice .*scheme=otp' 5 "$skip"
expect "... and opens nothing" tcp_closed_from "$NS_A" "$SRV4" 22

# ---- DNS (sniffed queries straight to the server) ---------------------------------------
if [ "$HAVE_DNS" = 1 ]; then
	skip=$(lines "$LOG")
	ip netns exec "$NS_A" dig +tries=1 +time=1 @"$SRV4" "${DNSNAMES[4]}" A >/dev/null 2>&1
	expect "six words as a DNS name open the door" wait_open "$NS_A" "$SRV4" 22 5
	expect "the accept names the dns carrier" wait_for_log "$LOG" \
		'accept user=alice .*via=dns scheme=otp' 3 "$skip"
else
	info "DNS carrier not built in: DNS part skipped"
fi

finish
