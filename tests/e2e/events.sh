#!/bin/bash
# Events and opportunities as data; meeting notices with invites, their
# update and cancellation applied by calendar parsers to the same UID;
# reminders at the right local time across the March DST change; digests
# once per period, only to digest subscribers, never repeating an item.
# Mail goes through smtp-sink; the clock is set with OUTREACH_NOW.
. "$(dirname "$0")/../lib.sh"

# Sunday 2027-02-28 12:00 UTC: before the US change to daylight time (March 14).
export OUTREACH_NOW=1803816000
start_sink "$TESTDIR/sink"
mkdir -p etc
cat > etc/outreach.conf <<CONF
[transport]
url = smtp://127.0.0.1:$SINK_PORT
starttls = off
[sender]
domain = metronorth.example
[brand]
templates = $TOP/templates
[web]
base_url = https://prefs.metronorth.example
CONF
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>"
run list set metro-north --timezone America/New_York --organizer "Dana Reyes, Coordinator <dana@metronorth.example>"
is "$rc" 0 "list set"
run list show metro-north
like "$out" 'time zone: +America/New_York' "the list's time zone"
like "$out" 'organizer: +Dana Reyes, Coordinator <dana@metronorth.example>' "and its organizer"
run list set metro-north --timezone Mars/Olympus
is "$rc" 1 "an unknown time zone is refused"
like "$err" "unknown time zone 'Mars/Olympus'" "naming it"

for a in teacher parent; do run subscriber add $a@school.example --list metro-north --confirmed; done
run subscriber add weekly@school.example --list metro-north --confirmed --digest weekly
run subscriber add monthly@school.example --list metro-north --confirmed --digest monthly
run subscriber add forums@school.example --list metro-north --confirmed --digest weekly --topics forums
run subscriber add news-only@school.example --list metro-north --confirmed --topics newsletter

# Events and opportunities in; every bad one refused with its reason, nothing stored.
run event add q1-meeting --list metro-north --kind meeting --title "Q1 network meeting" --starts "2027-03-16 16:00" --location "Salem State University, Room 2"
is "$rc" 0 "event add"
like "$out" 'Tuesday, March 16, 2027, 4:00 PM EDT' "in the list's time zone, daylight time by then"
run event add q1-meeting --list metro-north --kind meeting --title Again --starts "2027-03-17 16:00"
is "$rc" 1 "a duplicate slug is refused"; like "$err" "already exists" "saying so"
run event add old --list metro-north --kind meeting --title Old --starts "2027-01-05 16:00"
is "$rc" 1 "a past start is refused"; like "$err" "in the past" "saying so"
run event add backwards --list metro-north --kind meeting --title B --starts "2027-04-01 16:00" --ends "2027-04-01 15:00"
is "$rc" 1 "an end before the start is refused"; like "$err" "is not after starts" "saying so"
run event add zone --list metro-north --kind meeting --title Z --starts "2027-04-01 16:00" --tz Mars/Olympus
is "$rc" 1 "an unknown zone is refused"; like "$err" "unknown time zone 'Mars/Olympus'" "naming it"
run event add nolist --list nowhere --kind meeting --title N --starts "2027-04-01 16:00"
is "$rc" 1 "an unknown list is refused"; like "$err" "no list 'nowhere'" "naming it"
run event add party --list metro-north --kind party --title P --starts "2027-04-01 16:00"
is "$rc" 1 "an unknown kind is refused"; like "$err" "use meeting, forum or workshop" "listing the kinds"
is "$(sql 'SELECT count(*) FROM events')" 1 "nothing stored but the good one"
run opportunity add late --list metro-north --kind internship --title Late --org X --deadline 2027-02-01
is "$rc" 1 "a deadline already passed is refused"; like "$err" "has passed" "saying so"
run opportunity add lab-intern --list metro-north --kind internship --title "Summer lab internship" --org "Acme Robotics" --deadline 2027-03-03 --url https://acme.example/jobs/1
is "$rc" 0 "opportunity add"
printf 'slug,list,kind,title,starts,ends,tz,location\nforum-2027,metro-north,forum,Annual STEM Forum,2027-05-20 09:00,2027-05-20 15:00,,"Boston Convention Center"\nbad-row,metro-north,forum,Bad,2027-13-40 09:00,,,\nwkshop,metro-north,workshop,Robotics workshop,2027-04-10 10:00,,America/Chicago,Lab\n' > events.csv
run event import events.csv
is "$out" "imported 2, rejected 1" "event import: the good rows in, the bad one out"
like "$err" "events.csv:3: starts '2027-13-40 09:00'" "the bad row named by line"
printf 'slug,list,kind,title,org,deadline\nsummer-job,metro-north,summer-job,Camp counselor,City of Salem,2027-04-15\nwbl,metro-north,program,Work-based learning,Northshore WIB,\nno-org,metro-north,program,No org,,\n' > opps.csv
run opportunity import opps.csv
is "$out" "imported 2, rejected 1" "opportunity import"
like "$err" "opps.csv:4: --org is required" "the bad row named by line"

# The notice: to every member who wants meetings, whatever their digest frequency.
run notice q1-meeting --remind 7d,1d
is "$rc" 0 "notice with reminders"
like "$out" 'a reminder at 2027-03-09 16:00 America/New_York' "7 days before, at 4 PM standard time"
like "$out" 'a reminder at 2027-03-15 16:00 America/New_York' "1 day before, at 4 PM daylight time"
is "$(sql "SELECT group_concat(send_at - 1804000000, ',') FROM (SELECT send_at FROM campaigns WHERE subject LIKE 'Reminder:%' ORDER BY send_at)")" "$((1804626000 - 1804000000)),$((1805140800 - 1804000000))" "the reminders' instants: 21:00 UTC, then 20:00 UTC across the change"
run run --once
for _ in $(seq 50); do [ "$(ls sink | wc -l)" -ge 4 ] && break; sleep 0.1; done
got() { grep -l "X-Rcpt-Args: <$1>" sink/* 2>/dev/null | xargs -r grep -l "^Subject: .*$2" | head -1; }
ics() { # ics FILE OUT - the text/calendar part of a stored message
	python3 - "$1" > "$2" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
raw = raw[raw.index(b"\n", raw.index(b"X-Rcpt-Args")) + 1:]
m = email.message_from_bytes(raw, policy=email.policy.default)
for p in m.walk():
    if p.get_content_type() == "text/calendar":
        sys.stdout.write(p.get_content())
PY
}
for a in teacher parent weekly monthly; do
	ok "$([ -n "$(got $a@school.example 'Q1 network meeting')" ]; echo $?)" "the notice reaches $a@school.example"
done
is "$(got news-only@school.example 'Q1 network meeting')" "" "not a member who wants only the newsletter topic"
ics "$(got teacher@school.example 'Q1 network meeting')" invite0.ics
like "$(cat invite0.ics)" 'METHOD:REQUEST' "an invite (REQUEST)"
like "$(cat invite0.ics)" 'ORGANIZER;CN=.*Dana Reyes, Coordinator.*:mailto:dana@metronorth.example' "with the list's organizer"
like "$(cat invite0.ics)" 'DTSTART;TZID=America/New_York:20270316T160000' "at 16:00 New York time"

# A newsletter goes to those who take mail at once, never to digest subscribers.
printf -- '---\nlist: metro-north\nsubject: Network news for March\n---\n# News\n\nRobotics teams from twelve schools met in Lowell.\n\nMore below.\n' > news.md
run send news.md
run run --once
for _ in $(seq 30); do [ -n "$(got teacher@school.example 'Network news')" ] && break; sleep 0.1; done
ok "$([ -n "$(got teacher@school.example 'Network news')" ]; echo $?)" "an immediate subscriber gets the newsletter"
is "$(got weekly@school.example 'Network news')$(got monthly@school.example 'Network news')" "" "digest subscribers do not"

# The update and the cancellation reach exactly those who got the invite.
run subscriber add late@school.example --list metro-north --confirmed
run event update q1-meeting --location "Salem State University, Room 5"
is "$rc" 0 "event update"
like "$out" 'the update to the 4 who got its invite' "to the four who got the invite"
run run --once
for _ in $(seq 30); do [ -n "$(got teacher@school.example 'Updated:')" ] && break; sleep 0.1; done
ics "$(got teacher@school.example 'Updated:')" invite1.ics
like "$(cat invite1.ics)" 'SEQUENCE:1' "the update has SEQUENCE 1"
is "$(got late@school.example 'Updated:')" "" "someone who joined since gets no update"
f=$(got teacher@school.example 'Updated:')
like "$(sed -n '/^$/,$p' "$f" | python3 -c 'import sys,quopri; print(quopri.decodestring(sys.stdin.buffer.read()).decode("utf-8","replace"))')" 'Changed: place' "it says what changed, first"
run event cancel q1-meeting
is "$rc" 0 "event cancel"
like "$out" '2 unsent notices or reminders cancelled' "the reminders are cancelled"
run run --once
for _ in $(seq 30); do [ -n "$(got teacher@school.example 'Cancelled:')" ] && break; sleep 0.1; done
ics "$(got teacher@school.example 'Cancelled:')" invite2.ics
like "$(cat invite2.ics)" 'METHOD:CANCEL' "the cancellation is a CANCEL"
like "$(cat invite2.ics)" 'STATUS:CANCELLED' "with STATUS:CANCELLED"
is "$(grep -c '^UID:' invite0.ics invite1.ics invite2.ics | cut -d: -f2 | sort -u | tr -d '\n')" 1 "each carries one event"
is "$(grep -h '^UID:' invite0.ics invite1.ics invite2.ics | sort -u | wc -l)" 1 "the same UID all through"
out=$("$OUTREACH_TOP/build/san/ical_apply" invite0.ics invite1.ics 2>&1)
like "$out" ' 1 CONFIRMED 20270316T160000 Salem State University, Room 5$' "libical: the update replaces the entry"
out=$("$OUTREACH_TOP/build/san/ical_apply" invite0.ics invite1.ics invite2.ics 2>&1)
like "$out" ' 2 CANCELLED ' "libical: the cancellation cancels it"
is "$(printf '%s\n' "$out" | wc -l)" 1 "one entry, not three"
PY3=python3
/usr/bin/python3 -c 'import icalendar' 2>/dev/null && PY3=/usr/bin/python3
if $PY3 -c 'import icalendar' 2>/dev/null; then
	res=$($PY3 - invite0.ics invite1.ics invite2.ics <<'PY'
import sys, icalendar
cal = {}
for f in sys.argv[1:]:
    c = icalendar.Calendar.from_ical(open(f, "rb").read())
    method = str(c.get("METHOD"))
    for ev in c.walk("VEVENT"):
        uid, seq = str(ev["UID"]), int(ev.get("SEQUENCE", 0))
        if uid in cal and seq < cal[uid][0]:
            continue
        cal[uid] = (seq, "CANCELLED" if method == "CANCEL" else str(ev.get("STATUS")),
                    str(ev.get("LOCATION")))
print(len(cal), *list(cal.values())[0])
PY
)
	is "$res" "1 2 CANCELLED Salem State University, Room 5" "Python icalendar applies them to the same entry"
else
	skip "python3-icalendar is missing"
fi

# Reminders never go after the start: with the clock past it, it is cancelled.
run event add q2-meeting --list metro-north --kind meeting --title "Q2 network meeting" --starts "2027-03-10 16:00"
run notice q2-meeting --remind 1d
id=$(sql "SELECT id FROM campaigns WHERE subject LIKE 'Reminder: Q2%'")
OUTREACH_NOW=1805000000 run run --once
is "$(sql "SELECT status FROM campaigns WHERE id=$id")" cancelled "a reminder due after its event started is never sent"

# Weekly digest: once per ISO week; only weekly subscribers; an item once per subscriber.
run digest --list metro-north --period weekly
is "$rc" 0 "digest"
like "$out" 'the weekly digest of metro-north for 2027-W08' "for ISO week 8 (in New York)"
digest_id=$(sql "SELECT id FROM campaigns WHERE kind='digest'")
run digest --list metro-north --period weekly
is "$rc" 0 "a second run in the same week exits 0"
like "$out" 'already made' "and says so"
is "$(sql "SELECT count(*) FROM campaigns WHERE kind='digest'")" 1 "one digest queued"
run run --once
for _ in $(seq 30); do [ -n "$(got weekly@school.example 'weekly digest')" ] && break; sleep 0.1; done
d=$(got weekly@school.example 'weekly digest')
ok "$([ -n "$d" ]; echo $?)" "the weekly subscriber gets the digest"
is "$(grep -l 'weekly digest' sink/* | xargs grep -h '^X-Rcpt-Args:' | sort -u | tr -d '\r' | tr '\n' ' ')" "X-Rcpt-Args: <forums@school.example> X-Rcpt-Args: <weekly@school.example> " "and only the weekly subscribers"
f=$(got forums@school.example 'weekly digest')
ftext=$(sed -n '/^$/,$p' "$f" | python3 -c 'import sys,quopri; print(quopri.decodestring(sys.stdin.buffer.read()).decode("utf-8","replace"))')
like "$ftext" 'Annual STEM Forum' "one who chose forums gets the forum"
unlike "$ftext" 'Summer lab internship' "and not the internship, a topic not chosen"
text=$(sed -n '/^$/,$p' "$d" | python3 -c 'import sys,quopri; print(quopri.decodestring(sys.stdin.buffer.read()).decode("utf-8","replace"))')
like "$text" 'Annual STEM Forum' "it lists the forum"
like "$text" 'Summer lab internship' "and the internship"
like "$text" 'closes in 3 days' "which closes in 3 days"
like "$text" 'Network news for March' "and the week's newsletter"
ics "$d" digest.ics
like "$(cat digest.ics)" 'METHOD:PUBLISH' "with the events to add to a calendar"
ok "$([ "$(wc -c < "$d")" -lt 102000 ]; echo $?)" "under Gmail's clipping limit"
# Monthly, then a switch to weekly: the internship is not sent to her twice.
run digest --list metro-north --period monthly
like "$out" 'monthly digest of metro-north for 2027-02' "the monthly digest for February"
run run --once
run subscriber set monthly@school.example --digest weekly
OUTREACH_NOW=$((OUTREACH_NOW + 7 * 86400)) run opportunity add stem-camp --list metro-north --kind program --title "STEM summer camp" --org "Northshore Community College"
OUTREACH_NOW=$((OUTREACH_NOW + 7 * 86400)) run digest --list metro-north --period weekly
like "$out" 'for 2027-W09' "the next week's digest"
OUTREACH_NOW=$((OUTREACH_NOW + 7 * 86400)) run run --once
for _ in $(seq 30); do [ -n "$(grep -l 'X-Rcpt-Args: <monthly@school.example>' sink/* | xargs -r grep -l 'weekly digest')" ] && break; sleep 0.1; done
m=$(grep -l 'X-Rcpt-Args: <monthly@school.example>' sink/* | xargs -r grep -l 'weekly digest' | head -1)
ok "$([ -n "$m" ]; echo $?)" "the switched subscriber gets the weekly digest"
mtext=$(sed -n '/^$/,$p' "$m" | python3 -c 'import sys,quopri; print(quopri.decodestring(sys.stdin.buffer.read()).decode("utf-8","replace"))')
like "$mtext" 'STEM summer camp' "listing what is new"
unlike "$mtext" 'Summer lab internship' "without the internship her monthly digest listed"
done_testing
