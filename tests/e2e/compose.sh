#!/bin/bash
# Composition: preview of a newsletter, a notice with an invite, non-ASCII and
# a Markdown torture file; every message parses without defects in Python's
# strict email parser; front-matter errors name FILE:LINE and the key.
. "$(dirname "$0")/../lib.sh"
CHECK="python3 $TOP/tests/tools/check_mime.py"
mkdir -p etc
printf '[brand]\ntemplates = %s/templates\n[sender]\ndomain = metronorth.example\n[web]\nbase_url = https://prefs.metronorth.example/\n' "$TOP" > etc/outreach.conf

run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North STEM Network <news@metronorth.example>" --reply-to coordinator@metronorth.example --description "Schools, colleges and employers"
run list add net --name "Réseau STEM, Nord" --from "Zoë Ærø, Coordinator <zoe@net.example>"
run subscriber add jurgen@school.example --list metro-north --name "Jürgen Müller-Lüdenscheidt, PhD" --confirmed
run subscriber add jurgen@school.example --list net --confirmed

"$BIN" preview "$TOP/etc/demo/newsletter.md" --to jurgen@school.example > newsletter.eml
is "$?" 0 "preview a newsletter"
out=$(python3 -c 'import re,sys; print(re.sub(r"\r?\n[ \t]+", " ", open(sys.argv[1]).read()))' newsletter.eml)
res=$($CHECK newsletter.eml --subject "Spring STEM Forum: save the date, and summer internships are open" --to-name "Jürgen Müller-Lüdenscheidt, PhD")
is "$res" "ok: multipart/alternative text/plain text/html" "newsletter parses strictly, structure and headers"
like "$out" '^List-Id: Metro North STEM Network <metro-north.metronorth.example>$' "List-Id (RFC 2919)"
like "$out" 'List-Unsubscribe: <https://prefs.metronorth.example/u/u-' "List-Unsubscribe has the signed https URL"
like "$out" 'mailto:outreach-request@metronorth.example\?subject=unsubscribe%20u-' "List-Unsubscribe has the mailto"
like "$out" '^Reply-To: coordinator@metronorth.example$' "Reply-To"

run preview "$TOP/etc/demo/newsletter.md" --to jurgen@school.example --format text
like "$out" 'Dear Jürgen Müller-Lüdenscheidt, PhD,' "text part greets the subscriber"
like "$out" 'full programme \[1\]' "links become numbered footnotes"
like "$out" '\[1\] https://metronorth.example/forum' "footnote URLs listed"
like "$out" 'https://prefs.metronorth.example/u/u-' "text part has the unsubscribe URL"
ok "$(printf '%s\n' "$out" | awk 'length > 100 { bad = 1 } END { exit bad }'; echo $?)" "text part is wrapped"

run preview "$TOP/etc/demo/newsletter.md" --to jurgen@school.example --format html
like "$out" 'Dear Jürgen Müller-Lüdenscheidt, PhD,' "HTML part greets the subscriber"
like "$out" '<h1 style="' "HTML has inline styles"
ok "$(printf '%s' "$out" | grep -qiE '<img|src="http|<link|@import|<script'; [ $? -ne 0 ]; echo $?)" "no external resources or tracking pixels"

"$BIN" preview "$TOP/etc/demo/notice.md" --to jurgen@school.example > notice.eml
is "$?" 0 "preview a notice"
res=$($CHECK notice.eml --expect-calendar)
is "$res" "ok: multipart/mixed multipart/alternative text/plain text/html text/calendar" "notice with invite parses strictly"
python3 - notice.eml > ics.txt <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.strict)
for p in m.walk():
    if p.get_content_type() == "text/calendar":
        sys.stdout.write(p.get_content())
PY
like "$(cat ics.txt)" 'DTSTART;TZID=America/New_York:20270304T160000' "invite starts at 16:00 New York time"
like "$(cat ics.txt)" 'BEGIN:VTIMEZONE' "invite carries its VTIMEZONE"
uid1=$(grep '^UID:' ics.txt)
"$BIN" preview "$TOP/etc/demo/notice.md" > notice2.eml
uid2=$(python3 -c '
import email, email.policy, sys
m = email.message_from_bytes(open("notice2.eml", "rb").read(), policy=email.policy.default)
for p in m.walk():
    if p.get_content_type() == "text/calendar":
        print([l for l in p.get_content().splitlines() if l.startswith("UID:")][0])')
is "$uid2" "$(printf '%s' "$uid1" | tr -d '\r')" "the event UID is stable"

# Non-ASCII list name and From, torture Markdown, long subject.
cp "$TOP/tests/data/torture.md" "$TOP/tests/data/logo.png" "$TOP/tests/data/flyer.pdf" .
"$BIN" preview torture.md --to jurgen@school.example > torture.eml
is "$?" 0 "preview the torture file"
res=$($CHECK torture.eml --structure "multipart/mixed multipart/related multipart/alternative text/plain text/html image/png application/pdf" --subject "Torture test: ünïcödé, emoji 🚀, and a very long subject line that goes on and on well past seventy-eight columns so it must be folded")
is "$res" "ok: multipart/mixed multipart/related multipart/alternative text/plain text/html image/png application/pdf" \
	"torture message (a table, raw HTML, an image, an attachment) parses strictly"
run preview torture.md --format html
ok "$(printf '%s' "$out" | grep -q '<script>'; [ $? -ne 0 ]; echo $?)" "raw <script> is not passed through"
ok "$(printf '%s' "$out" | grep -q 'javascript:'; [ $? -ne 0 ]; echo $?)" "javascript: links are dropped"
run preview torture.md --format text
like "$out" '^\.leading dot line' "a leading-dot line survives in the text part"

# Front-matter and document errors name FILE:LINE and the key.
printf -- '---\nlist: nope\nsubject: x\n---\nbody\n' > nolist.md
run preview nolist.md; is "$rc" 1 "unknown list fails"
is "$err" "outreach preview: nolist.md:2: list: no list 'nope' (see: outreach list ls)" "unknown list names FILE:LINE"
printf -- '---\nlist: net\nsubject: x\ntopic: robots\n---\nbody\n' > notopic.md
run preview notopic.md
like "$err" "notopic.md:4: topic: unknown topic 'robots'" "unknown topic names FILE:LINE"
printf -- '---\nlist: net\nsubject: x\ntemplate: fancy\n---\nbody\n' > notpl.md
run preview notpl.md
like "$err" "notpl.md:4: template: .*fancy.html" "unknown template names FILE:LINE"
printf -- '---\nlist: net\nsubject: x\nsend_at: 2026-13-01 09:00 America/New_York\n---\nbody\n' > baddate.md
run preview baddate.md
like "$err" "baddate.md:4: send_at: " "bad date names FILE:LINE and key"
printf -- '---\nlist: net\nsubject: x\nevent:\n  title: T\n  starts: 2027-03-04 16:00\n  ends: 2027-03-04 15:00\n  tz: America/New_York\n---\nbody\n' > badend.md
run preview badend.md
like "$err" "badend.md:7: event.ends: " "end before start names FILE:LINE"
printf -- '---\nlist: net\nsubject: x\nevent:\n  title: T\n  starts: 2027-03-04 16:00\n  tz: Mars/Olympus_Mons\n---\nbody\n' > badtz.md
run preview badtz.md
like "$err" "badtz.md:7: event.tz: .*Mars/Olympus_Mons" "bad time zone names FILE:LINE"
printf -- '---\nlist: net\nsubjct: x\n---\nbody\n' > badkey.md
run preview badkey.md
like "$err" "badkey.md:3: unknown key 'subjct'" "unknown key names FILE:LINE"
run preview missing.md; is "$rc" 1 "missing file fails"

run template check newsletter; is "$rc" 0 "template check newsletter"
run template check notice; is "$rc" 0 "template check notice"
run template check confirm; is "$rc" 0 "template check confirm"
run template check probe; is "$rc" 0 "template check probe"
mkdir -p tpl && printf '{{#name}}x\n' > tpl/bad.html && printf 'ok\n' > tpl/bad.txt
printf '[brand]\ntemplates = tpl\n' > bad.conf
run -c bad.conf template check bad
is "$rc" 1 "template check finds an error"
like "$err" "tpl/bad.html: line 1: section 'name' is never closed" "template error names file and line"

# The outbox: one message per wanted recipient.
run preview "$TOP/etc/demo/newsletter.md" --outbox
like "$out" "composed 1 messages into var/outbox/new" "preview --outbox composes into the Maildir"
f=$(ls var/outbox/new/* | head -1)
like "$(head -1 "$f")" '^Return-Path: <bounces\+b-0-0-0-[a-z0-9]+@metronorth.example>' "Maildir copy has the VERP return path"

# A body that would cost cmark minutes of CPU is refused at once, naming its line.
python3 -c "
import sys
sys.stdout.write('---\nlist: metro-north\nsubject: x\n---\nFine first line.\n\n' + '>' * 200000 + ('*' * 1000 + 'a') * 200 + '\n')" > bomb.md
t0=$(date +%s)
run send bomb.md
is "$rc" 1 "send refuses a Markdown bomb"
like "$err" "bomb.md:7: body: nested more than 32 levels deep" "naming the file and line"
ok "$([ $(($(date +%s) - t0)) -lt 10 ]; echo $?)" "without spending the CPU (a bound, not a benchmark)"
is "$(ls queue/new 2>/dev/null | wc -l)" 0 "and queues nothing"
run preview bomb.md
like "$err" "bomb.md:7: body: nested" "preview refuses it the same way"

done_testing
