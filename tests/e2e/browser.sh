#!/bin/bash
# The web pages in a real browser: headless Chromium (Debian's) driven by
# playwright-core through tests/browser/pages.test.mjs, against `outreach
# web` on 127.0.0.1.  The links come from composed messages in the Maildir
# outbox; between steps this script checks the database.  Screenshots of
# every page at 375 and 1280 px are kept in build/screenshots/.
. "$(dirname "$0")/../lib.sh"
NODE_DIR=$TOP/tests/browser
if ! [ -x /usr/bin/chromium ] || ! [ -d "$NODE_DIR/node_modules/playwright-core" ]; then
	skip "chromium or tests/browser/node_modules missing (make check installs them)"
	done_testing
	exit 0
fi

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
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>" --description "Schools, colleges and employers north of the city"
run list add metrowest --name "MetroWest STEM Education Network" --from "MetroWest <news@metrowest.example>"
run subscriber add ada@school.example --list metro-north --name "Ada Lovelace" --confirmed
# The opportunities page is checked with entries on it, one closing soon.
printf 'A paid placement with engineers, grades 11 and 12.\n\n## What you do\n\n- build robots\n- test them\n' > opp.md
run opportunity add lab-intern --list metro-north --kind internship --title "Summer lab internship" --org "Acme Robotics" --deadline "$(date -d '+3 days' +%F)" --url https://acme.example/jobs/1 --location "Lowell, MA" --description-file opp.md
run opportunity add camp --list metro-north --kind summer-job --title "STEM camp counselor" --org "City of Salem"
printf -- '---\nlist: metro-north\nsubject: Forum news\n---\nHello\n' > news.md
run send news.md
run run --once
msg=$(grep -l '^To: .*ada@school.example' var/outbox/new/* | head -1)
U=$(grep -o "$B/u/[a-z0-9-]*" "$msg" | head -1)
P=$(grep -o "$B/p/[a-z0-9-]*" "$msg" | head -1)
"$BIN" web 2>web.log &
stop_later $!
wait_port "$PORT"

mem() { sql "SELECT m.status FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id JOIN lists l ON l.id=m.list_id WHERE s.email='$1' AND l.slug='$2'"; }
verdict() { # verdict GOT WANT DESCRIPTION - the answer to a step
	if [ "$1" == "$2" ]; then echo "pass $3"; else echo "fail $3 (got '$1', want '$2')"; fi
}
audits() { sql "SELECT count(*) FROM audit_log"; }

shots=$TOP/build/screenshots
# Only this test's own pictures are replaced; other tests leave theirs here too.
rm -f "$shots"/unsubscribe* "$shots"/preferences* "$shots"/signup* "$shots"/confirm* \
	"$shots"/opportunities* "$shots"/forbidden*
mkfifo answers
exec 3<>answers
before=$(audits)
(cd "$NODE_DIR" && node pages.test.mjs "$B" "$U" "$P" "$B/s/metro-north" "$shots" <&3) > browser.tap 2> browser.err &
node=$!
while IFS= read -r line; do
	case "$line" in
	"# step unsubscribe-get-changes-nothing")
		verdict "$(mem ada@school.example metro-north) $(audits)" "active $before" "loading the link changed nothing" >&3 ;;
	"# step unsubscribed")
		verdict "$(mem ada@school.example metro-north)" unsubscribed "the database says unsubscribed" >&3 ;;
	"# step resubscribed")
		verdict "$(mem ada@school.example metro-north)" active "the database says active again" >&3 ;;
	"# step preferences-saved")
		got="$(sql "SELECT digest || ' ' || name FROM subscribers WHERE email='ada@school.example'") $(sql "SELECT group_concat(slug) FROM (SELECT t.slug FROM subscriber_topics x JOIN topics t ON t.id=x.topic_id JOIN subscribers s ON s.id=x.subscriber_id WHERE s.email='ada@school.example' ORDER BY t.slug)") $(sql "SELECT count(*) FROM audit_log WHERE email='ada@school.example' AND actor='link' AND field IN ('topics','digest','name')")"
		verdict "$got" "weekly Ada B. Lovelace forums,meetings 3" "frequency, topics and name saved, each audited as link" >&3 ;;
	"# step unsubscribed-without-javascript")
		verdict "$(mem ada@school.example metro-north)" unsubscribed "the database says unsubscribed" >&3 ;;
	"# step confirm-link")
		"$BIN" run --once 2>>run.log
		c=$(grep -l '^To: .*browser.signup@school.example' var/outbox/new/* | head -1)
		link=$([ -n "$c" ] && grep -o "$B/c/[a-z0-9-]*" "$c" | head -1)
		echo "${link:-$B/c/no-confirmation-mail}" >&3 ;;
	"# step confirm-get-changes-nothing")
		verdict "$(mem browser.signup@school.example metro-north)" unconfirmed "the sign-up waits; opening the link changed nothing" >&3 ;;
	"# step confirmed")
		verdict "$(mem browser.signup@school.example metro-north) $(sql "SELECT status FROM subscribers WHERE email='browser.signup@school.example'")" "active active" "the database says active" >&3 ;;
	"#"*) ;;
	*) echo "$line" ;;
	esac
done < <(tail -f --pid=$node browser.tap 2>/dev/null)
wait $node
rc=$?
T=$(grep -cE '^(not )?ok ' browser.tap)
FAILED=$(grep -c '^not ok ' browser.tap)
if [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then
	FAILED=1
	T=$((T + 1))
	echo "not ok $T - the browser script exited $rc: $(head -c 500 browser.err)"
fi
T=$((T + 1))
if ls "$shots"/*-375.png "$shots"/*-1280.png >/dev/null 2>&1; then
	echo "ok $T - screenshots at 375 and 1280 px in build/screenshots/ ($(ls "$shots" | wc -l) files)"
else
	echo "not ok $T - screenshots in build/screenshots/"
	FAILED=$((FAILED + 1))
fi
done_testing
