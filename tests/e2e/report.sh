#!/bin/bash
# Campaign reports: a campaign sent through a fault-injecting SMTP server
# (a refusal at RCPT, a deferral), then a one-click unsubscribe and a link
# unsubscribe on `outreach web`, and an unsubscribe by mail, a complaint
# and a soft bounce fetched from a real Dovecot by `outreach bounces
# --once`.  The report's exact figures in text, JSON and CSV; its signed
# page (a forged, altered or day-old link refused); and the page in
# headless Chromium (tests/browser/report.test.mjs: axe, the SVGs,
# no outside requests, screenshots in build/screenshots/report-*.png).
. "$(dirname "$0")/../lib.sh"
FIX=$TOP/tests/data/bounces
if ! [ -x /usr/sbin/dovecot ]; then
	skip "dovecot is missing"
	done_testing
	exit 0
fi
. "$TOP/tests/lib_dovecot.sh"
dovecot_setup
trap 'stop_dovecot; cleanup; rm -rf "$D"' EXIT
start_dovecot
ok $? "Dovecot started on 127.0.0.1:$PORT"

fault_port=$(free_port)
mkdir -p fault etc
python3 "$TOP/tests/tools/smtp_fault.py" $fault_port fault fault.pid 2>fault.log &
stop_later $!
wait_port $fault_port
WPORT=$(free_port)
B=http://127.0.0.1:$WPORT
printf 'secret\n' > imap.pass && chmod 600 imap.pass
cat > etc/outreach.conf <<CONF
[transport]
url = smtp://127.0.0.1:$fault_port
starttls = off
retry_min = 1h
retry_max = 2h
[sender]
domain = metronorth.example
[web]
listen = 127.0.0.1:$WPORT
base_url = $B
[bounces]
imap_url = imap://127.0.0.1:$PORT/INBOX
username = bounce
password_file = imap.pass
ca_file = $D/ca.pem
[brand]
templates = $TOP/templates
CONF
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>"
# Three domains: 7 at school.example (one refused at RCPT), 5 at
# district.example (one deferred), 3 at museum.example.
for a in s1 s2 s3 s4 s5 s6 reject1; do echo "$a@school.example"; done > rcpts
for a in d1 d2 d3 d4 defer1; do echo "$a@district.example"; done >> rcpts
for a in m1 m2 m3; do echo "$a@museum.example"; done >> rcpts
while read -r a; do run subscriber add "$a" --list metro-north --confirmed; done < rcpts
printf -- '---\nlist: metro-north\nsubject: "Forum news, \\"spring\\""\n---\nHello\n' > news.md
run send news.md
run run --once
is "$rc" 0 "the campaign goes out"
is "$(sql "SELECT status || ':' || count(*) FROM deliveries GROUP BY status ORDER BY status" | tr '\n' ' ')" \
	"bounced:1 deferred:1 sent:13 " "13 sent, one refused at RCPT, one deferred"

# dump_of ADDRESS - the message the fault server took for ADDRESS.
dump_of() { grep -l "^X-Rcpt-To: <\?$1>\?$" fault/* | head -1; }
unsub_of() { grep -o "$B/u/[a-z0-9-]*" "$(dump_of "$1")" | head -1; }
verp_of() { sed -nE '1,5s/^X-Mail-From: <bounces\+([^@]+)@.*/\1/p' "$(dump_of "$1")"; }
tie() { # tie FILE ADDRESS TAG - FILE as it would come back to ADDRESS's return path
	sed -E "0,/^To: <?bounces@metronorth.example>?/s//To: bounces+$(verp_of "$2")@metronorth.example/" \
		"$1" > "$TESTDIR/$3.eml"
	echo "$TESTDIR/$3.eml"
}
like "$(unsub_of s1@school.example)" "^$B/u/u-" "each message carries its unsubscribe link"
like "$(verp_of m1@museum.example)" '^b-' "and its VERP return path"

"$BIN" web 2>web.log &
stop_later $!
wait_port "$WPORT"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'List-Unsubscribe=One-Click' \
	"$(unsub_of s1@school.example)")
is "$code" 200 "a one-click unsubscribe (s1)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'unsubscribe=1' "$(unsub_of s2@school.example)")
is "$code" 200 "an unsubscribe through the page (s2)"
like "$(sql "SELECT detail FROM audit_log WHERE actor='one-click'")" '\[campaign 1\]$' \
	"the one-click unsubscribe names its campaign in the audit log"

printf 'From: d1@district.example\nTo: outreach-request@metronorth.example\nSubject: unsubscribe\nMessage-ID: <cmd-r1@district.example>\n\nPlease unsubscribe me: %s\n' \
	"$(unsub_of d1@district.example)" > cmd.eml
deliver_to_mailbox cmd.eml 1.command
deliver_to_mailbox "$(tie "$FIX/complaint.eml" m1@museum.example complaint)" 2.complaint
deliver_to_mailbox "$(tie "$FIX/soft-full.eml" d2@district.example soft)" 3.soft
run bounces --once
like "$out" 'soft 1, complaint 1, .*commands 1' "bounces --once takes the command, the complaint and the soft bounce"
like "$(sql "SELECT detail FROM audit_log WHERE actor='email' AND field='membership'")" \
	'\[campaign 1\]$' "the unsubscribe by mail names its campaign too"

run report 1
is "$rc" 0 "outreach report 1"
cat > want.txt <<'TXT'
campaign 1: Forum news, "spring"
list metro-north, newsletter, sending

recipients      15
sent            13
waiting         0
deferred        1
failed          0
bounced         2 (hard 1, soft 1)
complaints      1
complaint rate  7.69%: over the 0.3% line the big mailbox providers enforce: their filters will refuse or junk this list's mail
unsubscribes    3 (link 1, one-click 1, mail 1)
TXT
is "$(printf '%s\n' "$out" | head -12)" "$(cat want.txt)" "the text report's figures"
like "$out" $'\nfirst delivery  20[0-9-]+ [0-9:]+ UTC\nlast delivery   20[0-9-]+ [0-9:]+ UTC\ndelivery took   [0-9]+s\n' \
	"first and last delivery, and the time between"
like "$out" $'\nschool.example +7 +6 +0 +0 +0 +1 +0 +2\n' "school.example: 7, 6 sent, 1 bounced, 2 unsubscribed"
like "$out" $'\ndistrict.example +5 +4 +0 +1 +0 +1 +0 +1\n' "district.example: 5, 4 sent, 1 deferred, 1 bounced, 1 unsubscribed"
like "$out" $'\nmuseum.example +3 +3 +0 +0 +0 +0 +1 +0$' "museum.example: 3 sent, 1 complaint"

run report 1 --format json
is "$rc" 0 "--format json"
printf '%s\n' "$out" > report.json
is "$(python3 - <<'PY'
import json
r = json.load(open("report.json"))
d = {x["domain"]: x for x in r["domains"]}
print(r["campaign"]["subject"], r["recipients"], r["sent"], r["deferred"], r["failed"],
      r["bounced"], r["complaints"], r["complaint_level"], round(r["complaint_rate"], 4),
      r["unsubscribes"], [x["domain"] for x in r["domains"]], d["museum.example"]["complaints"],
      sum(r["timeline"]["sent"]))
PY
)" "Forum news, \"spring\" 15 13 1 0 {'total': 2, 'hard': 1, 'soft': 1} 1 over 0.0769 {'total': 3, 'link': 1, 'one_click': 1, 'mail': 1} ['school.example', 'district.example', 'museum.example'] 1 13" \
	"the JSON parses and holds the same figures"

"$BIN" report 1 --format csv > report.csv
is "$?" 0 "--format csv"
is "$(python3 -c 'import csv,sys; rows=list(csv.reader(open("report.csv", newline=""), strict=True)); print(len(rows), rows[0][:3], rows[-1])')" \
	"5 ['domain', 'recipients', 'sent'] ['total', '15', '13', '0', '1', '0', '2', '1', '1', '1', '3', '1', '1', '1']" \
	"the CSV parses (RFC 4180) with a row per domain and the total"
is "$(grep -c $'\r$' report.csv)/$(wc -l < report.csv)" "5/5" "every CSV record ends in CRLF"

run report 99
is "$rc" 1 "an unknown campaign is an error"
is "$err" "outreach report: no campaign 99 (see: outreach campaign ls)" "that names it"
run report 1 --format xml
is "$rc" 2 "an unknown format is a usage error"
like "$err" "^outreach report: --format 'xml': give text, json or csv" "that says which formats there are"
run report one
like "$err" "^outreach report: campaign 'one': " "a campaign that is not a number is refused"

# The page.
run report 1 --link
is "$rc" 0 "report --link"
L=$out
like "$L" "^$B/r/r-1-[0-9a-z]+-0-[a-z0-9]+$" "the link is the report page with a signed token"
code=$(curl -s -o page.html -w '%{http_code}' "$L")
is "$code" 200 "the page opens"
like "$(cat page.html)" '<header>Metro North STEM Network</header>' "headed with the list's name"
like "$(cat page.html)" '<svg class="chart"[^>]*role="img"' "with inline SVG"
like "$(cat page.html)" '<th scope="row">school.example</th><td>7</td><td>6</td>' "and the domains as a table"
unlike "$(cat page.html)" 's1@school.example|<script|src="http' "no address, no script, nothing from elsewhere"
code=$(curl -s -o bad.html -w '%{http_code}' "${L%?}$( [ "${L: -1}" = a ] && echo b || echo a)")
is "$code" 403 "an altered link is refused"
like "$(cat bad.html)" 'outreach report CAMPAIGN --link' "with a page that says how to get a new one"
# A genuine signature, but issued 25 hours ago; and a link of another purpose.
old=$(python3 - "$(cat var/secret.key)" <<'PY'
import base64, hmac, hashlib, sys, time
key = bytes.fromhex(sys.argv[1].strip())
def b36(v):
    s = ""
    while True:
        s = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36] + s
        v //= 36
        if v == 0:
            return s
def token(p, a, b):
    text = "%s-%s-%s-0" % (p, b36(a), b36(b))
    mac = hmac.new(key, b"outreach/1:" + text.encode(), hashlib.sha256).digest()[:16]
    return text + "-" + base64.b32encode(mac).decode().rstrip("=").lower()
now = int(time.time())
print(token("r", 1, now - 25 * 3600), token("r", 1, now), token("x", 1, now))
PY
)
read -r expired fresh wrong <<<"$old"
is "$(curl -s -o /dev/null -w '%{http_code}' "$B/r/$fresh")" 200 "a token made with the site key opens the page"
is "$(curl -s -o /dev/null -w '%{http_code}' "$B/r/$expired")" 403 "one issued 25 hours ago is refused"
is "$(curl -s -o /dev/null -w '%{http_code}' "$B/r/$wrong")" 403 "so is a data-export token"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$L")" 405 "the page only reads"
is "$(curl -s -o /dev/null -w '%{http_code}' "$B/r/${fresh/#r-1-/r-9-}")" 403 \
	"a token re-pointed at another campaign is refused"

if [ -x /usr/bin/chromium ] && [ -d "$TOP/tests/browser/node_modules/playwright-core" ]; then
	(cd "$TOP/tests/browser" && node report.test.mjs "$L" "$TOP/build/screenshots" 13 15) \
		> browser.tap 2> browser.err
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "browser: ${line#ok * - }" ;;
		"not ok "*) ok 1 "browser: ${line#not ok * - }" ;;
		esac
	done < browser.tap
	is "$rc" 0 "the browser check ran to its end$( [ "$rc" -ne 0 ] && printf ': %s' "$(head -c 300 browser.err)")"
	ok "$([ -s "$TOP/build/screenshots/report-375.png" ] && [ -s "$TOP/build/screenshots/report-1280.png" ]; echo $?)" \
		"screenshots in build/screenshots/report-375.png and report-1280.png"
else
	skip "chromium or tests/browser/node_modules missing (make check installs them)"
fi
done_testing
