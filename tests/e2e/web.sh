#!/bin/bash
# The web side over HTTP with curl: `outreach web` on 127.0.0.1, fed the
# links of real composed messages.  RFC 8058 one-click, every flow's GET
# changing nothing and its POST changing the database and the audit log,
# and every 4xx: forged, altered, truncated, wrong-purpose and expired
# tokens, unknown paths, wrong methods, malformed and oversized bodies,
# the sign-up form's honeypot, per-address limit and origin check.
. "$(dirname "$0")/../lib.sh"

PORT=$(free_port)
B=http://127.0.0.1:$PORT
mkdir -p etc
cat > etc/outreach.conf <<CONF
[web]
listen = 127.0.0.1:$PORT
base_url = $B
signup_per_hour = 3
signup_origins = https://www.metronorth.example
[sender]
domain = metronorth.example
[brand]
name = STEM networks
templates = $TOP/templates
CONF
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>" --description "Schools, colleges and employers north of the city"
run list add metrowest --name "MetroWest STEM Education Network" --from "MetroWest <news@metrowest.example>"
run list add board --name "Board only" --from "Board <board@metronorth.example>" --private
run list show board
like "$out" 'sign-up: +none \(private list\)' "a private list has no sign-up form"
run subscriber add ada@school.example --list metro-north --name "Ada Lovelace" --confirmed
run subscriber add ada@school.example --list metrowest --confirmed
run subscriber add grace@school.example --list metro-north --confirmed
printf -- '---\nlist: metro-north\nsubject: Forum news\n---\nHello\n' > news.md
run send news.md
run run --once
msg=$(grep -l '^To: .*ada@school.example' var/outbox/new/* | head -1)
U=$(grep -o "$B/u/[a-z0-9-]*" "$msg" | head -1)
P=$(grep -o "$B/p/[a-z0-9-]*" "$msg" | head -1)
like "$U" "^$B/u/u-" "the message carries an unsubscribe link under base_url"
like "$(grep -i '^List-Unsubscribe-Post:' "$msg")" 'List-Unsubscribe=One-Click' "and the one-click header"

"$BIN" web 2>web.log &
WPID=$!
stop_later $WPID
wait_port "$PORT"
ok $? "outreach web listens on 127.0.0.1:$PORT"

# http CURL-ARGS - status in $code, body in $body, headers in $hdr.
http() {
	code=$(curl -s -o body.out -D hdr.out -w '%{http_code}' "$@")
	body=$(cat body.out)
	hdr=$(cat hdr.out)
}
mem() { sql "SELECT m.status FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id JOIN lists l ON l.id=m.list_id WHERE s.email='$1' AND l.slug='$2'"; }
audits() { sql "SELECT count(*) FROM audit_log"; }

http "$B/healthz"
is "$code $body" "200 ok" "healthz answers 200 while the database is reachable"

# Unsubscribe: the GET changes nothing.
before=$(audits)
http "$U"
is "$code" 200 "GET of the unsubscribe link"
like "$body" 'Unsubscribe from Metro North STEM Network' "names the list"
like "$body" 'a\*\*\*@school\.example' "shows the address partly masked"
unlike "$body" 'ada@school' "and never whole"
like "$body" "<form method=\"post\" action=\"$B/u/" "its button POSTs to the same link"
like "$body" "href=\"$B/p/p-" "and links to the preference centre"
is "$(mem ada@school.example metro-north)" active "a GET changes nothing"
is "$(audits)" "$before" "and writes nothing to the audit log"
like "$hdr" 'Referrer-Policy: no-referrer' "Referrer-Policy: no-referrer"
like "$hdr" 'Cache-Control: no-store' "Cache-Control: no-store"
like "$hdr" 'X-Content-Type-Options: nosniff' "nosniff"
like "$hdr" "Content-Security-Policy: default-src 'none';.*frame-ancestors 'none'" "a CSP without script, no framing"
unlike "$hdr" 'Set-Cookie' "no cookie"

# RFC 8058 one-click.
http -X POST -H 'Content-Type: application/x-www-form-urlencoded' -d 'List-Unsubscribe=One-Click' "$U"
is "$code" 200 "the one-click POST answers 200"
like "$body" 'You are unsubscribed' "with a short page"
is "$(mem ada@school.example metro-north)" unsubscribed "and unsubscribes that membership at once"
is "$(mem ada@school.example metrowest)" active "only that one"
is "$(sql "SELECT actor FROM audit_log WHERE email='ada@school.example' ORDER BY id DESC LIMIT 1")" one-click "audited as one-click"
http -X POST -d 'undo=1' "$U"
like "$body" 'subscribed again' "'I did this by mistake' resubscribes"
is "$(mem ada@school.example metro-north)" active "the membership is active again"
is "$(sql "SELECT actor FROM audit_log WHERE email='ada@school.example' ORDER BY id DESC LIMIT 1")" link "as the subscriber's own action"
http -X POST -F 'List-Unsubscribe=One-Click' "$U"
is "$(mem ada@school.example metro-north)" unsubscribed "a multipart/form-data one-click POST works too"
http -X POST -d 'all=1' "$U"
is "$(mem ada@school.example metrowest)" unsubscribed "'unsubscribe from all lists' ends every membership"
run subscriber set ada@school.example --topics all
sql "UPDATE memberships SET status='active' WHERE subscriber_id=(SELECT id FROM subscribers WHERE email='ada@school.example')"

# Every bad token gets the same 403 and changes nothing.
before=$(audits)
tok=${U##*/}
bad=$(printf '%s' "$tok" | sed 's/.$/a/'); [ "$bad" = "$tok" ] && bad=$(printf '%s' "$tok" | sed 's/.$/b/')
for t in "$bad" "${tok%?????}" "u-1-1-0-aaaaaaaaaaaaaaaaaaaaaaaaaa" "${P##*/}" "x"; do
	http -X POST -d 'List-Unsubscribe=One-Click' "$B/u/$t"
	is "$code" 403 "a forged, altered, truncated or wrong-purpose token is refused ($t)"
done
like "$body" 'This link does not work' "with a clear page"
is "$(audits)" "$before" "and nothing changed"
is "$(mem ada@school.example metro-north)" active "the membership stayed"

# The other 4xx.
http "$B/nope"
is "$code" 404 "an unknown path is 404"
http "$B/u/"
is "$code" 404 "an empty token is 404"
http "$B/u/a%2Fb"
is "$code" 404 "a token with other characters is 404"
http -X PUT "$U"
is "$code" 405 "a wrong method is 405"
like "$hdr" 'Allow: GET, HEAD, POST' "naming the allowed ones"
http -X POST -d 'a=%zz' "$U"
is "$code" 400 "bad percent-encoding is 400"
http -X POST --data-binary $'a=\x01' "$U"
is "$code" 400 "a control character in a field is 400"
http -X POST -H 'Content-Type: text/plain' -d 'x' "$U"
is "$code" 400 "a body that is not a form is 400"
head -c 70000 /dev/zero | tr '\0' a > big.txt
http -X POST --data-binary @big.txt "$U"
is "$code" 413 "a body over 64 KB is 413"
http -X POST -H 'Transfer-Encoding: chunked' --data-binary @big.txt "$U"
is "$code" 413 "a chunked body over 64 KB is 413"
is "$(mem ada@school.example metro-north)" active "none of them changed anything"
http "$B/healthz"
is "$code" 200 "the server is still up"

# The preference centre.
http "$P"
is "$code" 200 "the preference page"
like "$body" 'name="csrf" value="f-' "carries a form token"
like "$body" '<input type="checkbox" name="list" value="metro-north" checked>' "ticks the lists it is on"
unlike "$body" 'value="board"' "but not private lists it is not on"
csrf=$(printf '%s' "$body" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
before=$(audits)
http -X POST -d "topic=meetings&digest=weekly&list=metro-north" "$P"
is "$code" 403 "saving without the form token is refused"
is "$(audits)" "$before" "and changes nothing"
http -X POST -d "csrf=$csrf&topic=meetings&topic=forums&digest=weekly&list=metro-north&list=metrowest&pause_until=&name=Ada+King" "$P"
is "$code" 200 "saving the preferences"
like "$body" 'Saved' "says so"
is "$(sql "SELECT digest || ' ' || name FROM subscribers WHERE email='ada@school.example'")" "weekly Ada King" "frequency and name saved"
is "$(sql "SELECT group_concat(slug) FROM (SELECT t.slug FROM subscriber_topics x JOIN topics t ON t.id=x.topic_id JOIN subscribers s ON s.id=x.subscriber_id WHERE s.email='ada@school.example' ORDER BY t.slug)")" "forums,meetings" "topics saved"
like "$(sql "SELECT group_concat(field || ':' || actor) FROM audit_log WHERE email='ada@school.example' AND id > $(sql "SELECT max(id) FROM audit_log") - 5")" 'digest:link' "each change audited with source link"
http -X POST -d "csrf=$csrf&digest=weekly&list=metro-north&pause_until=2099-05-01" "$P"
is "$(mem ada@school.example metrowest)" unsubscribed "unticking a list leaves it"
is "$(sql "SELECT date(paused_until, 'unixepoch') FROM subscribers WHERE email='ada@school.example'")" 2099-05-01 "pause until a date"
http -X POST -d "csrf=$csrf&digest=hourly" "$P"
is "$code" 400 "an unknown frequency is 400"
http -X POST -d "csrf=$csrf&topic=robots" "$P"
is "$code" 400 "an unknown topic is 400"
http -X POST -d "csrf=$csrf&pause_until=May+1" "$P"
is "$code" 400 "a malformed date is 400"
http -X POST -d "csrf=$csrf&digest=Immediate&list=metro-north&pause_until=" "$P"
is "$(sql "SELECT digest || ' ' || coalesce(paused_until, 'none') FROM subscribers WHERE email='ada@school.example'")" "immediate none" "frequency names in any case; an empty date ends the pause"

# Data export and erasure: a fresh link, valid a day, mailed to the address itself.
http -X POST -d "csrf=$csrf&action=export" "$P"
like "$body" 'Check your inbox' "asking for an export sends a link"
run run --once
xmsg=$(grep -l "$B/x/" var/outbox/new/* | head -1)
X=$(grep -o "$B/x/[a-z0-9-]*" "$xmsg" | head -1)
like "$(grep '^To:' "$xmsg")" 'ada@school.example' "to the address itself"
http "$X"
is "$code" 200 "the export page"
like "$body" 'Download my data' "offers a button"
http -X POST -d 'download=1' "$X"
is "$code" 200 "its POST"
like "$hdr" 'Content-Type: application/json' "returns JSON"
like "$hdr" 'Content-Disposition: attachment' "as a download"
is "$(python3 -c 'import json,sys; d=json.load(open("body.out")); print(d["email"], d["digest"], sorted(m["list"] for m in d["memberships"]), len(d["history"]) > 3, len(d["messages"]) >= 1)')" "ada@school.example immediate ['metro-north', 'metrowest'] True True" "with memberships, history and messages"
sid=$(sql "SELECT id FROM subscribers WHERE email='ada@school.example'")
old=$(python3 "$TOP/tests/tools/make_token.py" var/secret.key x "$sid" $(( $(date +%s) - 90000 )))
http "$B/x/$old"
is "$code" 403 "an export link more than a day old is refused"
http "$B/e/${X##*/x/}"
is "$code" 403 "an export token does not erase"

run subscriber add grace@school.example --list metrowest --confirmed
gid=$(sql "SELECT id FROM subscribers WHERE email='grace@school.example'")
GU=$(grep -o "$B/u/[a-z0-9-]*" $(grep -l '^To: .*grace@school.example' var/outbox/new/* | head -1) | head -1)
E=$B/e/$(python3 "$TOP/tests/tools/make_token.py" var/secret.key e "$gid" "$(date +%s)")
http "$E"
like "$body" 'Erase my data' "the erase page offers a button"
is "$(sql "SELECT count(*) FROM subscribers WHERE email='grace@school.example'")" 1 "its GET erases nothing"
http -X POST -d 'erase=1' "$E"
like "$body" 'Your data is erased' "its POST erases"
is "$(sql "SELECT count(*) FROM subscribers WHERE email='grace@school.example'")" 0 "the subscriber is gone"
is "$(sql "SELECT origin FROM suppressions WHERE email='grace@school.example'")" erased "the address stays only as a suppression"
is "$(sql "SELECT count(*) FROM audit_log WHERE email='grace@school.example'") $(sql "SELECT count(*) FROM deliveries WHERE email='grace@school.example'")" "0 0" "and nowhere else"
http -X POST -d 'List-Unsubscribe=One-Click' "$GU"
is "$code $(printf '%s' "$body" | grep -c '<h1>You are unsubscribed</h1>')" "200 1" "an old unsubscribe link of an erased subscriber still says unsubscribed"

# Sign-up with confirmation.
http "$B/s/metro-north"
is "$code" 200 "a public list's sign-up form"
like "$body" '<label for="email">' "with labelled fields"
like "$body" 'name="website"' "and the hidden honeypot"
http "$B/s/board"
is "$code" 404 "a private list has no form"
http "$B/s/nope"
is "$code" 404 "nor has a list that does not exist"
http -X POST -d 'email=new.teacher%40school.example&name=New+Teacher&topic=forums' "$B/s/metro-north"
is "$code" 200 "signing up"
like "$body" 'Check your inbox' "gets the neutral answer"
is "$(mem new.teacher@school.example metro-north)" unconfirmed "the membership waits for confirmation"
run run --once
cmsg=$(grep -l '^To: .*new.teacher@school.example' var/outbox/new/* | head -1)
C=$(grep -o "$B/c/[a-z0-9-]*" "$cmsg" | head -1)
like "$C" "^$B/c/c-" "the confirmation request went out with its link"
http "$C"
like "$body" 'Confirm my subscription' "its page has a button"
is "$(mem new.teacher@school.example metro-north)" unconfirmed "the GET confirms nothing"
http -X POST -d 'confirm=1' "$C"
like "$body" 'You are subscribed' "the POST confirms"
is "$(mem new.teacher@school.example metro-north) $(sql "SELECT status FROM subscribers WHERE email='new.teacher@school.example'")" "active active" "the subscriber is active"
like "$(sql "SELECT actor || ' ' || detail FROM audit_log WHERE email='new.teacher@school.example' AND new_value='active' ORDER BY id DESC LIMIT 1")" 'link confirmed by link' "audited as confirmed by link"
http -X POST -d 'email=new.teacher%40school.example' "$B/s/metro-north"
like "$body" 'Check your inbox' "signing up again gets the same answer"

# Abuse: honeypot, another origin, the per-address limit, no enumeration.
http -X POST -d 'email=bot.victim%40school.example&website=http%3A%2F%2Fspam.example' "$B/s/metro-north"
like "$body" 'Check your inbox' "a filled honeypot gets the same answer"
is "$(sql "SELECT count(*) FROM subscribers WHERE email='bot.victim@school.example'")" 0 "and nothing is done"
http -X POST -H 'Origin: https://evil.example' -d 'email=x%40school.example' "$B/s/metro-north"
is "$code" 403 "a POST from another web site is refused"
http -X POST -H 'Origin: https://www.metronorth.example' -d 'email=embedded%40school.example' "$B/s/metro-north"
is "$code" 200 "but taken from an origin in signup_origins"
run subscriber add angry@school.example --list metro-north --confirmed
sql "UPDATE subscribers SET status='complained' WHERE email='angry@school.example'"
http -X POST -d 'email=angry%40school.example' "$B/s/metro-north"
is "$code" 429 "past signup_per_hour from one address: 429"
kill -TERM $WPID
wait $WPID
is "$?" 0 "SIGTERM: outreach web stops cleanly"
"$BIN" web 2>>web.log &
WPID=$!
stop_later $WPID
wait_port "$PORT"
before=$(sql "SELECT count(*) FROM deliveries")
http -X POST -d 'email=angry%40school.example' "$B/s/metro-north"
like "$body" 'Check your inbox' "a complained address gets the same answer"
is "$(sql "SELECT count(*) FROM deliveries")" "$before" "and no mail"
http -X POST -d 'email=not-an-address' "$B/s/metro-north"
is "$code" 400 "a bad address is 400"
like "$body" 'That address cannot be used' "with the form again and the reason"

# An unsubscribed address signs up again: the confirmation mail goes, only its POST reactivates.
run subscriber add back@school.example --list metro-north --confirmed
sql "UPDATE memberships SET status='unsubscribed' WHERE subscriber_id=(SELECT id FROM subscribers WHERE email='back@school.example')"
http -X POST -d 'email=back%40school.example' "$B/s/metro-north"
is "$(mem back@school.example metro-north)" unconfirmed "an unsubscribed address signing up waits for confirmation"
run run --once
C2=$(grep -o "$B/c/[a-z0-9-]*" $(grep -l '^To: .*back@school.example' var/outbox/new/* | tail -1) | head -1)
like "$C2" "/c/c-" "and is sent a confirmation request"
# Seven days on, the request has expired.
sql "UPDATE deliveries SET updated_at = updated_at - 8 * 86400 WHERE email='back@school.example' AND campaign_id IN (SELECT id FROM campaigns WHERE kind='confirm')"
http "$C2"
like "$body" 'This confirmation link has expired' "an old request says it has expired"
http -X POST -d 'confirm=1' "$C2"
is "$code" 410 "and confirms nothing"
is "$(mem back@school.example metro-north)" unconfirmed "still waiting"
http -X POST -d 'resend=1' "$C2"
like "$body" 'A new confirmation request is on its way' "it offers a new request"
run run --once
C3=$(grep -o "$B/c/[a-z0-9-]*" $(ls -t $(grep -l '^To: .*back@school.example' var/outbox/new/*) | head -1) | head -1)
http -X POST -d 'confirm=1' "$C3"
is "$(mem back@school.example metro-north)" active "the new request confirms"

# A preview's links change nothing.
PU=$("$BIN" preview news.md | grep -o "$B/u/[a-z0-9-]*" | head -1)
http -X POST -d 'List-Unsubscribe=One-Click' "$PU"
like "$body" 'preview or a test copy' "a preview's unsubscribe link changes nothing"

python3 -c 'print("x" * 40000)' > longhdr.txt
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Long: $(cat longhdr.txt)" "$U")
ok "$([ "$code" -ge 400 ] && [ "$code" -lt 500 ] || [ "$code" = 000 ]; echo $?)" "headers over the limit are refused (got $code)"
http "$B/healthz"
is "$code" 200 "and the server is still up"
unlike "$(cat web.log)" 'ERROR|AddressSanitizer' "no error logged"
kill -TERM $WPID
wait $WPID
is "$?" 0 "stops cleanly again"

# The daemon runs the web side as one more worker, unless [web] listen is off.
"$BIN" daemon 2>daemon.log &
DPID=$!
stop_later $DPID
wait_port "$PORT"
http "$B/healthz"
is "$code" 200 "the daemon's web worker serves the pages"
like "$(cat daemon.log)" 'started web worker' "as a worker of its own"
kill -TERM $DPID
wait $DPID
is "$?" 0 "and stops with the daemon"
printf '[web]\nlisten = off\n' > etc/off.conf
sed -n '/^\[sender\]/,$p' etc/outreach.conf >> etc/off.conf
"$BIN" -c etc/off.conf daemon 2>daemon-off.log &
DPID=$!
stop_later $DPID
for _ in $(seq 50); do grep -q 'queue: worker started' daemon-off.log && break; sleep 0.1; done
unlike "$(cat daemon-off.log)" 'web worker' "with [web] listen = off the daemon runs no web worker"
kill -TERM $DPID
wait $DPID

# Mail over SMTP with links that cannot work: send and the daemon warn loudly.
sed -i "s|^\[sender\]|[transport]\nurl = smtp://127.0.0.1:9\n[sender]|" etc/outreach.conf
printf -- '---\nlist: metro-north\nsubject: Warned\n---\nHello\n' > warned.md
run send warned.md
like "$err" 'WARNING: \[web\] base_url points at this machine' "send warns that loopback links will not work"
done_testing
