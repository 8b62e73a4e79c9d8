#!/usr/bin/env bash
# test_check_config.sh BUILD — `posternd --check-config` accepts a good
# config (exit 0) and refuses a bad one whole (non-zero, "FILE:LINE: reason"),
# including one whose key file others can read.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

# Checking a config touches no network or firewall; it still runs in a
# namespace of its own so that a bug could never reach the host's tables.
ns_add "$NS_SRV"

# check_config FILE [more posternd options]: runs the check, output in $OUT.
check_config() {
	local file=$1; shift
	OUT=$(ip netns exec "$NS_SRV" "$POSTERND" --check-config -c "$file" "$@" 2>&1)
	RC=$?
}

# line_of FILE PATTERN: the line number of the first match.
line_of() { grep -n -m1 -- "$2" "$1" | cut -d: -f1; }

make_key alice "$TEST_DIR"
GOOD="$TEST_DIR/good.conf"
write_config "$GOOD"

echo "-- a good config"
check_config "$GOOD"
expect "exits 0" test "$RC" -eq 0
[ "$RC" -eq 0 ] || echo "$OUT"
check_config "$GOOD" -v
expect "-v exits 0 and prints the normalised config" \
	eval '[ "$RC" -eq 0 ] && grep -q "user alice" <<<"$OUT"'
expect "the normalised config carries no secret" \
	eval '! grep -qF "$(grep "^secret" "$TEST_DIR/alice.key" | cut -d" " -f2)" <<<"$OUT"'

# refused NAME FILE PATTERN_LINE: FILE must be refused with FILE:LINE: where
# LINE is the line matching PATTERN_LINE.
refused() {
	local what=$1 file=$2 line
	line=$(line_of "$file" "$3")
	check_config "$file"
	expect "$what: exit non-zero (got $RC)" test "$RC" -ne 0
	expect "$what: message is $(basename "$file"):$line: reason" \
		grep -Eq "$file:$line: [^ ]" <<<"$OUT"
	echo "     posternd said: $OUT"
}

echo "-- bad configs are refused with FILE:LINE: reason"
BAD="$TEST_DIR/bad-key.conf"
sed 's/^window = .*/window = 60s\nwindwo = 30s/' "$GOOD" >"$BAD"
refused "misspelt setting" "$BAD" '^windwo'

BAD="$TEST_DIR/bad-window.conf"
sed 's/^window = .*/window = 9000s/' "$GOOD" >"$BAD"
refused "window out of range" "$BAD" '^window'

BAD="$TEST_DIR/bad-open.conf"
sed 's/^open = tcp\/22/open = tcp\/2323/' "$GOOD" >"$BAD"
refused "a user opening an unprotected port" "$BAD" '^open = tcp/2323'

BAD="$TEST_DIR/bad-port.conf"
sed 's/^ports = tcp\/22/ports = tcp\/99999/' "$GOOD" >"$BAD"
refused "a port out of range" "$BAD" '^ports'

BAD="$TEST_DIR/bad-cidr.conf"
sed 's/^targets = .*/targets = 10.77.0.0\/33/' "$GOOD" >"$BAD"
refused "a bad CIDR" "$BAD" '^targets'

BAD="$TEST_DIR/bad-signed-sequence.conf"
sed "s|^targets = .*|&\nsign_key = $TEST_DIR/alice.pub\nrequire_signature = yes\nsequence = 7000,8000,9000|" \
	"$GOOD" >"$BAD"
refused "require_signature with a port sequence (which cannot be signed)" \
	"$BAD" '^require_signature'
expect "the reason says why" grep -q "refuses every sequence knock" <<<"$OUT"

echo "-- key files"
BAD="$TEST_DIR/missing-key.conf"
sed "s|^key = .*|key = $TEST_DIR/nobody.key|" "$GOOD" >"$BAD"
check_config "$BAD"
expect "a missing key file is refused (got $RC)" test "$RC" -ne 0
echo "     posternd said: $OUT"

cp "$TEST_DIR/alice.key" "$TEST_DIR/open.key"
chmod 0644 "$TEST_DIR/open.key"
BAD="$TEST_DIR/key-0644.conf"
sed "s|^key = .*|key = $TEST_DIR/open.key|" "$GOOD" >"$BAD"
check_config "$BAD"
expect "a key file of mode 0644 is refused (got $RC)" test "$RC" -ne 0
expect "the message names the key file" grep -q "open.key" <<<"$OUT"
echo "     posternd said: $OUT"

finish
