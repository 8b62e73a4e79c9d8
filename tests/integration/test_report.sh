#!/usr/bin/env bash
# test_report.sh BUILD — `postern report` on a live daemon's state: alice
# knocks twice from her own address and once from another; carol never
# knocks. The text review names carol as stale and alice's last knock with
# its source; the --html page parses (python3's html.parser, tags
# balanced), is self-contained (no script, no external resource), has one
# bar per user in the per-user chart, and shows the same facts.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lib_init "$@"

ns_setup
start_tcp_service "$NS_SRV" 22
make_key alice "$TEST_DIR"
make_key carol "$TEST_DIR"
CONF="$TEST_DIR/postern.conf"
write_config "$CONF" users="alice carol"
LOG="$TEST_DIR/posternd.log"
start_posternd "$NS_SRV" "$CONF" "$LOG" || die "posternd did not start"

knock() { # knock NS: one knock as alice from NS, waits for the accept line
	local seen; seen=$(lines "$LOG")
	knock_from "$1" "$SRV4" alice --lease 2s --quiet
	wait_for_log "$LOG" "accept user=alice src=$2 " 5 "$seen"
}
# The lease history keeps seconds, one row per port: two grants to the same
# address in the same second read as one knock (state_query.h). Space them.
expect "knock 1 from alice's address accepted" knock "$NS_A" "$A4"
sleep 1.1
expect "knock 2 from alice's address accepted" knock "$NS_A" "$A4"
sleep 1.1
expect "knock 3 from another address accepted" knock "$NS_B" "$B4"

echo "-- text"
OUT="$TEST_DIR/report.txt"
expect "postern report runs" "$POSTERN" report -c "$CONF" --days 30 >"$OUT" 2>&1
cat "$OUT"
expect "the stale section names carol, who never knocked" \
	grep -Eq '^  carol +never knocked$' <(sed -n '/^STALE ACCOUNTS/,/^$/p' "$OUT")
expect "alice: 3 knocks, the last from $B4" \
	grep -Eq "^  alice +active +3 +20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{5}Z +$B4\$" "$OUT"
expect "carol's row says never" grep -Eq '^  carol +active +0 +never +-$' "$OUT"
expect "the once-seen source is named" \
	grep -Eq "^  alice +$B4: seen once" <(sed -n '/^UNUSUAL SOURCES/,/^$/p' "$OUT")
expect "the new twice-seen source is named as new this week" \
	grep -Eq "^  alice +$A4: new this week, first seen .*, 2 knocks" \
	<(sed -n '/^UNUSUAL SOURCES/,/^$/p' "$OUT")
expect_not "alice is not stale" \
	grep -Eq '^  alice ' <(sed -n '/^STALE ACCOUNTS/,/^$/p' "$OUT")
expect_not "--days 0 is refused" "$POSTERN" report -c "$CONF" --days 0
"$POSTERN" report -c "$CONF" --days 0 >/dev/null 2>&1
expect "... with exit status 2 (usage)" test $? -eq 2

echo "-- html"
HTML="$TEST_DIR/report.html"
expect "postern report --html writes the page" \
	"$POSTERN" report -c "$CONF" --html "$HTML" >/dev/null
expect "the page is mode 0600" test "$(stat -c %a "$HTML")" = 600
check_html() { # check_html FILE USERS...: prints problems, exits 1 if any
	"$PYTHON" - "$@" <<'PY'
import sys
from html.parser import HTMLParser
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr", "rect"}
class Check(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.svg, self.bars = [], [], None, {}
        self.text, self.bar_titles = [], []
        self.in_bar_title = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" or tag in ("link", "img", "iframe", "object"):
            self.problems.append("active or external element <%s>" % tag)
        for k, v in attrs:
            if k in ("src", "href") or k.startswith("on"):
                self.problems.append("attribute %s on <%s>" % (k, tag))
            if v and ("http" in v or "url(" in v):
                self.problems.append("external reference in %s" % k)
        if tag == "svg":
            self.svg = a.get("id")
        if tag == "rect" and "bar" in (a.get("class") or "").split():
            self.bars[self.svg] = self.bars.get(self.svg, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        if tag == "svg":
            self.svg = None
    def handle_data(self, d):
        self.text.append(d)
html = open(sys.argv[1], encoding="utf-8").read()
p = Check()
p.feed(html)
p.close()
if p.stack:
    p.problems.append("unclosed: %s" % p.stack)
if "http" in html or "url(" in html or "@import" in html:
    p.problems.append("external reference in the page")
users = sys.argv[2:]
if p.bars.get("per-user") != len(users):
    p.problems.append("per-user chart has %s bars for %d users" % (p.bars.get("per-user"), len(users)))
text = "".join(p.text)
for u in users:
    if u not in text:
        p.problems.append("user %s not shown" % u)
for want in ("never knocked", "Stale accounts", "Unusual sources"):
    if want not in text:
        p.problems.append("%r not in the page" % want)
for pr in p.problems:
    print("  html: " + pr)
sys.exit(1 if p.problems else 0)
PY
}
expect "the page parses, is self-contained, one bar per user" check_html "$HTML" alice carol
expect "the page names alice's last source" grep -q "<td>$B4</td>" "$HTML"
expect "--html - writes the page to stdout" \
	bash -c '"$1" report -c "$2" --html - | head -1 | grep -qx "<!DOCTYPE html>"' _ "$POSTERN" "$CONF"
finish
