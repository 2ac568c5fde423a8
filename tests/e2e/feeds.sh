#!/bin/bash
# A public list's feeds over HTTP, against `outreach web` on 127.0.0.1 with
# the clock set (OUTREACH_NOW): events.ics parsed by Python's icalendar and
# by libical (every upcoming event with its UID and zoned DTSTART, nothing
# cancelled or past, CRLF and folded lines); the opportunities page (open
# ones only, soonest deadline first, "closes in N days", every value
# escaped, no raw HTML from a description); its Atom feed checked element
# by element against what RFC 4287 requires and parsed by feedparser.  A
# private or unknown list is 404, another method 405; the feeds may be
# cached and answer a matching If-None-Match with 304.
. "$(dirname "$0")/../lib.sh"

# The parsers are Debian's packages: Debian's own python3 first.
PY=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import icalendar, feedparser' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	skip "python3-icalendar or python3-feedparser missing (make check installs them)"
	done_testing
	exit 0
fi

T0=1798822800   # 2027-01-01 12:00 EST: the data goes in
T1=1801242000   # 2027-01-29 12:00 EST: the feeds are read
export OUTREACH_NOW=$T0
PORT=$(free_port)
B=http://127.0.0.1:$PORT
mkdir -p etc
cat > etc/outreach.conf <<CONF
[web]
listen = 127.0.0.1:$PORT
base_url = $B
[sender]
domain = metronorth.example
[brand]
name = STEM networks
templates = $TOP/templates
CONF
LNAME='Metro North STEM <Network> & Friends'
run init
run list add metro-north --name "$LNAME" --from "Metro North <news@metronorth.example>" --description "Schools & colleges north of the city"
run list set metro-north --timezone America/New_York --organizer "Dana Reyes <dana@metronorth.example>"
is "$rc" 0 "a public list with a time zone and an organizer"
run list add metrowest --name "MetroWest STEM Education Network" --from "MetroWest <news@metrowest.example>"
run list add board --name "Board only" --from "Board <board@metronorth.example>" --private

# Events: two upcoming in two zones, one that will be past, one cancelled, one private.
printf 'Bring a **laptop**; parking is free, behind the gym. Everyone who teaches STEM north of the city is welcome to this forum.\n' > forum.md
run event add spring-forum --list metro-north --kind forum --title "Spring STEM Forum: Café & talks" --starts "2027-03-04 16:00" --ends "2027-03-04 17:30" --location "Somerville High School, 81 Highland Ave" --url https://metronorth.example/forum --description-file forum.md
is "$rc" 0 "event add (with a Markdown description)"
run event add west-workshop --list metro-north --kind workshop --title "Robotics workshop" --starts "2027-04-10 10:00" --tz America/Los_Angeles
run event add january-meeting --list metro-north --kind meeting --title "January meeting" --starts "2027-01-10 16:00"
run event add february-meeting --list metro-north --kind meeting --title "February meeting" --starts "2027-02-15 16:00"
run event cancel february-meeting
is "$rc" 0 "event cancel"
run event add board-meeting --list board --kind meeting --title "Board meeting" --starts "2027-03-01 16:00"
is "$(sql "SELECT count(*) FROM events")" 5 "five events stored"
uid() { sql "SELECT uid FROM events WHERE slug='$1'"; }

# Opportunities: deadlines 3, 22 and 45 days off at T1, none, closed, past, private.
printf '# About\n\nWork with **robots**. <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[apply](javascript:alert(3))\n' > evil.md
run opportunity add robo-intern --list metro-north --kind internship --title 'Robotics <script>alert("x")</script> intern' --org "Acme & Sons" --deadline 2027-02-01 --url https://acme.example/jobs/1 --location "Boston, MA" --description-file evil.md
is "$rc" 0 "opportunity add (a title with a script tag, a description with raw HTML)"
run opportunity add lab-program --list metro-north --kind program --title "Lab program" --org "Salem State" --deadline 2027-03-15
run opportunity add summer-job --list metro-north --kind summer-job --title "Summer job" --org "City of Lynn" --deadline 2027-02-20
run opportunity add partner --list metro-north --kind partnership --title "Employer partnership" --org "Northshore CC"
run opportunity add closed-one --list metro-north --kind internship --title "Closed internship" --org "Gone Inc" --deadline 2027-02-10
run opportunity close closed-one
is "$rc" 0 "opportunity close"
run opportunity add past-one --list metro-north --kind internship --title "Past internship" --org "Late Ltd" --deadline 2027-01-20
run opportunity add board-only --list board --kind partnership --title "Board secret" --org "Board"
is "$(sql "SELECT count(*) FROM opportunities")" 7 "seven opportunities stored"

OUTREACH_NOW=$T1 "$BIN" web 2>web.log &
stop_later $!
wait_port "$PORT"
ok $? "outreach web listens on 127.0.0.1:$PORT"

# http CURL-ARGS - status in $code, body in $body (file body.out), headers in $hdr.
http() {
	rm -f body.out hdr.out
	code=$(curl -s -o body.out -D hdr.out -w '%{http_code}' "$@")
	body=$(cat body.out)
	hdr=$(tr -d '\r' < hdr.out)
}
header() { printf '%s\n' "$hdr" | grep -i "^$1:" | head -1 | sed 's/^[^:]*: *//'; }
L=$B/l/metro-north

# --- events.ics ---
http "$L/events.ics"
is "$code" 200 "events.ics answers 200"
cp body.out events.ics
is "$(header Content-Type)" "text/calendar; charset=utf-8" "as text/calendar; charset=utf-8"
like "$(header Cache-Control)" 'max-age=300' "may be cached for five minutes"
like "$(header ETag)" '^"[0-9a-f]{32}"$' "with an ETag"
is "$(header X-Content-Type-Options)" nosniff "and the site's security headers"
like "$(header Content-Security-Policy)" "default-src 'none'" "a CSP"
is "$(header Referrer-Policy)" no-referrer "no-referrer"
res=$("$PY" - events.ics <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\r\n")
print("crlf" if lines[-1] == b"" and b"\n" not in data.replace(b"\r\n", b"") else "bare LF")
print("folded" if max(len(l) for l in lines) <= 75 and any(l.startswith(b" ") for l in lines)
      else "longest %d" % max(len(l) for l in lines))
PY
)
is "$res" $'crlf\nfolded' "CRLF line ends, lines folded at 75 octets"
res=$("$PY" - events.ics <<'PY'
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
print("METHOD", cal.get("METHOD"))
print("NAME", cal.get("X-WR-CALNAME"))
print("ZONES", " ".join(sorted(str(z.get("TZID")) for z in cal.walk("VTIMEZONE"))))
for ev in cal.walk("VEVENT"):
    s = ev.get("DTSTART")
    print("EVENT", ev.get("UID"), s.params.get("TZID"), s.dt.strftime("%Y%m%dT%H%M%S"),
          s.dt.utcoffset(), ev.get("STATUS"), ev.get("ORGANIZER"), ev.get("SUMMARY"))
    print("DESC", " ".join(str(ev.get("DESCRIPTION")).split()))
PY
)
is "$(printf '%s\n' "$res" | grep '^METHOD')" "METHOD PUBLISH" "icalendar parses it: METHOD:PUBLISH"
is "$(printf '%s\n' "$res" | grep '^NAME')" "NAME $LNAME" "named after the list (X-WR-CALNAME)"
is "$(printf '%s\n' "$res" | grep '^ZONES')" "ZONES America/Los_Angeles America/New_York" "a VTIMEZONE for each zone used"
is "$(printf '%s\n' "$res" | grep -c '^EVENT')" 2 "exactly the two upcoming events"
like "$res" "EVENT $(uid spring-forum) America/New_York 20270304T160000 -1 day, 19:00:00 CONFIRMED mailto:dana@metronorth.example Spring STEM Forum: Café & talks" "the forum: its UID, 4 PM in New York (EST), the list's organizer"
like "$res" "EVENT $(uid west-workshop) America/Los_Angeles 20270410T100000 -1 day, 17:00:00 CONFIRMED" "the workshop in its own zone (PDT)"
like "$res" 'DESC Bring a laptop; parking is free, behind the gym\. Everyone who teaches STEM' "the description as plain text from the Markdown"
unlike "$res" "$(uid january-meeting)|$(uid february-meeting)|$(uid board-meeting)" "no past, cancelled or other list's event"
like "$body" "DTSTART;TZID=America/New_York:20270304T160000"$'\r' "DTSTART;TZID=... as written"
like "$body" "UID:$(uid spring-forum)"$'\r' "UID as stored"
if [ -x "$TOP/build/san/ical_apply" ]; then
	out=$("$TOP/build/san/ical_apply" events.ics 2>&1)
	is "$(printf '%s\n' "$out" | awk '{print $1, $3, $4}' | sort)" "$(printf '%s\n' "$(uid spring-forum) CONFIRMED 20270304T160000" "$(uid west-workshop) CONFIRMED 20270410T100000" | sort)" "libical parses it to the same two events"
else
	skip "build/san/ical_apply not built: libical's reading not checked"
fi
etag=$(header ETag)
http -H "If-None-Match: $etag" "$L/events.ics"
is "$code" 304 "a matching If-None-Match is 304"
is "$(cat body.out 2>/dev/null | wc -c)" 0 "without a body"
http -I "$L/events.ics"
is "$code $(header ETag)" "200 $etag" "HEAD answers as GET does"
is "$(curl -s -I -o /dev/null -w '%{size_download}' "$L/events.ics")" 0 "without the body"

# --- private and unknown lists, other paths and methods ---
for p in events.ics opportunities opportunities.atom; do
	http "$B/l/board/$p"
	is "$code" 404 "a private list has no $p (404)"
	http "$B/l/nowhere/$p"
	is "$code" 404 "nor has an unknown list"
done
like "$body" 'There is no page at this address' "the site's 404 page"
is "$(header Cache-Control)" no-store "which is not cached"
for p in "$B/l/metro-north/" "$B/l/metro-north/events" "$B/l/metro-north/events.ics/x" "$B/l/metro_north/events.ics" "$B/l//events.ics" "$B/l/metro-north"; do
	http "$p"
	is "$code" 404 "no page at ${p#"$B"}"
done
for m in POST PUT DELETE; do
	for p in events.ics opportunities opportunities.atom; do
		http -X "$m" "$L/$p"
		is "$code $(header Allow)" "405 GET, HEAD" "$m $p is 405, naming GET and HEAD"
	done
done

# --- the opportunities page ---
http "$L/opportunities"
is "$code" 200 "the opportunities page"
is "$(header Content-Type)" "text/html; charset=utf-8" "as HTML"
like "$(header Cache-Control)" 'max-age=300' "may be cached for five minutes"
like "$(printf '%s\n' "$body" | grep '<link rel="alternate"')" "type=\"application/atom\\+xml\" [^>]*href=\"$L/opportunities.atom\">" "names its Atom feed in the head"
like "$body" "<a href=\"$L/opportunities.atom\">" "and links to it"
is "$(printf '%s\n' "$body" | grep -o 'id="o-[a-z-]*"' | tr '\n' ' ')" 'id="o-robo-intern" id="o-summer-job" id="o-lab-program" id="o-partner" ' "the open ones, soonest deadline first, none last"
unlike "$body" 'closed-one|Closed internship|past-one|Past internship|Board secret' "not the closed, the past nor another list's"
like "$body" '<strong class="soon">closes in 3 days</strong>' "\"closes in 3 days\" highlighted"
is "$(printf '%s\n' "$body" | grep -c 'class="soon"')" 1 "only for the one within 7 days"
like "$body" 'Apply by <time datetime="2027-02-01">Monday, February 1, 2027</time>' "the deadline as a date in the list's time zone"
like "$body" '<a href="https://acme.example/jobs/1">Robotics &lt;script&gt;alert\(&quot;x&quot;\)&lt;/script&gt; intern</a>' "the title escaped, linked to its URL"
like "$body" '<span class="who">Acme &amp; Sons</span> · Internship · Boston, MA' "organisation, kind and location"
like "$body" 'Work with <strong>robots</strong>' "the description rendered from Markdown"
like "$body" '<h3>About</h3>' "its headings below the entry's own"
unlike "$body" '<script|<img|javascript:' "no raw HTML, script or javascript: link from a description or a title"
like "$body" 'robots</strong>. &lt;script&gt;alert\(1\)&lt;/script&gt;' "raw HTML in a description shows as the text written"
like "$body" 'No deadline: open until filled' "an opportunity without a deadline says so"
like "$body" "America/New_York" "names the time zone of the deadlines"
etag=$(header ETag)
http -H "If-None-Match: $etag" "$L/opportunities"
is "$code" 304 "an unchanged page is 304 to a matching If-None-Match"
http "$B/l/metrowest/opportunities"
is "$code" 200 "a list without opportunities"
like "$body" 'No opportunities are open just now' "says so"
unlike "$body" 'class="opps"' "and lists none"

# --- the Atom feed, strictly ---
cat > atom_check.py <<'PY'
# atom_check.py FEED SELF_URL - what RFC 4287 requires of a feed, then feedparser's reading.
import re, sys, xml.etree.ElementTree as ET
import feedparser

A = "{http://www.w3.org/2005/Atom}"
data = open(sys.argv[1], "rb").read()
root = ET.fromstring(data)
bad = []
date = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

def exactly_one(el, name, where):
    found = el.findall(A + name)
    if len(found) != 1:
        bad.append("%s has %d <%s>" % (where, len(found), name))
        return None
    if name in ("id", "updated") and not (found[0].text or "").strip():
        bad.append("%s: empty <%s>" % (where, name))
    if name == "updated" and not date.match(found[0].text or ""):
        bad.append("%s: <updated> %r is not RFC 3339" % (where, found[0].text))
    if name == "id" and not re.match(r"^(tag|https?|urn):", found[0].text or ""):
        bad.append("%s: <id> %r is not an IRI" % (where, found[0].text))
    return found[0]

def has_author(el):
    return any((a.findtext(A + "name") or "").strip() for a in el.findall(A + "author"))

if root.tag != A + "feed":
    bad.append("the root is %s" % root.tag)
exactly_one(root, "id", "feed")
exactly_one(root, "title", "feed")
exactly_one(root, "updated", "feed")
entries = root.findall(A + "entry")
if not has_author(root) and not all(has_author(e) for e in entries):
    bad.append("no feed author, and not every entry has one")
selfs = [l for l in root.findall(A + "link") if l.get("rel") == "self"]
if len(selfs) != 1 or selfs[0].get("href") != sys.argv[2]:
    bad.append("link rel=self: %r" % [l.get("href") for l in selfs])
alts = [(l.get("type"), l.get("hreflang")) for l in root.findall(A + "link")
        if l.get("rel", "alternate") == "alternate"]
if len(alts) != len(set(alts)):
    bad.append("two alternate links of one type and language")
ids = []
for i, e in enumerate(entries):
    where = "entry %d" % (i + 1)
    ids.append((exactly_one(e, "id", where).text or "") if e.find(A + "id") is not None else "")
    exactly_one(e, "title", where)
    exactly_one(e, "updated", where)
    if not any(l.get("rel", "alternate") == "alternate" and l.get("href")
               for l in e.findall(A + "link")):
        bad.append(where + ": no link rel=alternate")
    if e.find(A + "content") is None and e.find(A + "summary") is None:
        bad.append(where + ": neither content nor summary")
if len(ids) != len(set(ids)):
    bad.append("entry ids repeat")
print("rfc4287:", "; ".join(bad) if bad else "ok")
d = feedparser.parse(data)
print("bozo:", int(d.bozo), d.get("bozo_exception", ""))
print("title:", d.feed.title)
print("updated:", root.findtext(A + "updated"))
print("feed id:", root.findtext(A + "id"))
for e in d.entries:
    print("entry:", e.id, "|", e.title, "|", e.link, "|", e.updated)
    print("content:", " ".join((e.content[0].value if e.get("content") else "").split()))
PY
http "$L/opportunities.atom"
is "$code" 200 "the Atom feed"
is "$(header Content-Type)" "application/atom+xml; charset=utf-8" "as application/atom+xml"
like "$(header Cache-Control)" 'max-age=300' "may be cached for five minutes"
cp body.out feed.atom
res=$("$PY" atom_check.py feed.atom "$L/opportunities.atom" 2>&1)
is "$(printf '%s\n' "$res" | grep '^rfc4287:')" "rfc4287: ok" "every element RFC 4287 requires, once (xml.etree)"
is "$(printf '%s\n' "$res" | grep '^bozo:' | sed 's/ *$//')" "bozo: 0" "feedparser reads it without complaint (bozo 0)"
is "$(printf '%s\n' "$res" | grep '^title:')" "title: $LNAME: open opportunities" "its title, escaped and read back whole"
is "$(printf '%s\n' "$res" | grep '^feed id:')" "feed id: tag:metronorth.example,2026:list/metro-north/opportunities" "a stable tag: id for the feed"
is "$(printf '%s\n' "$res" | grep '^updated:')" "updated: $(date -u -d "@$(sql "SELECT max(o.updated_at) FROM opportunities o JOIN lists l ON l.id=o.list_id WHERE l.slug='metro-north' AND o.status='open' AND (o.deadline=0 OR o.deadline IS NULL OR o.deadline>=$T1)")" +%Y-%m-%dT%H:%M:%SZ)" "updated: the latest change among its entries"
is "$(printf '%s\n' "$res" | grep '^entry:' | sed 's/ |.*//' | tr '\n' ' ')" "entry: tag:metronorth.example,2026:opportunity/robo-intern entry: tag:metronorth.example,2026:opportunity/summer-job entry: tag:metronorth.example,2026:opportunity/lab-program entry: tag:metronorth.example,2026:opportunity/partner " "one entry per open opportunity, each with a stable tag: id"
like "$res" 'entry: tag:metronorth.example,2026:opportunity/robo-intern \| Robotics <script>alert\("x"\)</script> intern \| https://acme.example/jobs/1 \|' "a title read back exactly as typed; the link is the opportunity's URL"
like "$res" "opportunity/partner \\| Employer partnership \\| $L/opportunities#o-partner \\|" "without a URL, the link is its place on the page"
like "$res" 'content: .*Work with <strong>robots</strong>' "the description as escaped HTML"
unlike "$(printf '%s\n' "$res" | grep '^content:')" '<script|<img|javascript:' "without raw HTML from the description"
unlike "$(cat feed.atom)" 'closed-one|past-one|board-only' "nothing closed, past or private"
http "$B/l/metrowest/opportunities.atom"
cp body.out empty.atom
res=$("$PY" atom_check.py empty.atom "$B/l/metrowest/opportunities.atom" 2>&1)
is "$(printf '%s\n' "$res" | grep -E '^(rfc4287|bozo):' | sed 's/ *$//' | tr '\n' ' ')" "rfc4287: ok bozo: 0 " "an empty feed is still a valid one"
is "$(printf '%s\n' "$res" | grep '^updated:')" "updated: $(date -u -d "@$(sql "SELECT created_at FROM lists WHERE slug='metrowest'")" +%Y-%m-%dT%H:%M:%SZ)" "updated when the list was made"

# Whatever reached the database, the feeds stay well-formed: a control
# character and a byte that is not UTF-8, written behind the CLI's back.
sql "UPDATE opportunities SET org = 'Bad' || char(1) || CAST(X'FF' AS TEXT) || ' Org' WHERE slug='lab-program'"
sql "UPDATE events SET location = 'Room' || char(11) || ' 5' || CAST(X'C3' AS TEXT) WHERE slug='west-workshop'"
http "$L/opportunities.atom"
cp body.out bad.atom
res=$("$PY" atom_check.py bad.atom "$L/opportunities.atom" 2>&1)
is "$(printf '%s\n' "$res" | grep -E '^(rfc4287|bozo):' | sed 's/ *$//' | tr '\n' ' ')" "rfc4287: ok bozo: 0 " "a control character or a bad byte in the data leaves the feed valid"
like "$(cat bad.atom)" $'Bad\xef\xbf\xbd Org' "the bad byte shown as U+FFFD, the control character left out"
http "$L/opportunities"
like "$body" $'<span class="who">Bad\xef\xbf\xbd Org</span>' "on the page too"
http "$L/events.ics"
cp body.out bad.ics
res=$("$PY" -c 'import sys, icalendar; c = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read()); print(sorted(str(e.get("LOCATION")) for e in c.walk("VEVENT")))' bad.ics 2>&1)
is "$res" $'[\'Room 5\xef\xbf\xbd\', \'Somerville High School, 81 Highland Ave\']' "and the calendar keeps the event, its text cleaned"

# A change shows at once: the ETag changes with the content.
etag=$(curl -s -D - -o /dev/null "$L/opportunities.atom" | tr -d '\r' | grep -i '^etag:' | sed 's/^[^:]*: *//')
OUTREACH_NOW=$T1 run opportunity close summer-job
http -H "If-None-Match: $etag" "$L/opportunities.atom"
is "$code" 200 "after a change the old ETag no longer matches"
unlike "$body" 'opportunity/summer-job' "and the closed opportunity is gone from the feed"

http "$B/healthz"
is "$code" 200 "the server is still up"
unlike "$(cat web.log)" 'left out|shown as text' "no feed entry was left out or degraded"
done_testing
