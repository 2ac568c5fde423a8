# run-demo-mail.sh - sourced by run-demo.sh: send the sample newsletter and
# meeting notice through the spool and the queue runner into the embedded
# Maildir outbox (no SMTP server is configured).
step "Preview the newsletter as one member gets it" \
	"preview etc/demo/newsletter.md --to maria.santos@everett-schools.example --format text"
$o preview etc/demo/newsletter.md --to maria.santos@everett-schools.example --format text
step "Queue the newsletter and the meeting notice (with its invite)" "send etc/demo/newsletter.md"
$o send etc/demo/newsletter.md
# The meeting is always three weeks ahead: a notice for a past event is refused.
day=$(date -d '+21 days' +%F)
sed -e "s/2027-03-04/$day/g" -e "s/Thursday, March 4/$(date -d "$day" '+%A, %B %-d')/g" \
	etc/demo/notice.md > var/demo/notice.md
$o send var/demo/notice.md
step "Deliver what is due (cron-style; \`outreach daemon\` does this continuously)" "run --once"
$o run --once 2>/dev/null
$o status
step "What happened to the newsletter" "report 1"
$o report 1
step "A new sign-up waits for confirmation (double opt-in)" \
	"subscriber add new.teacher@lowell-schools.example --list metro-north"
$o subscriber add new.teacher@lowell-schools.example --list metro-north --name "Sam Rivera"
$o run --once 2>/dev/null
req=$(grep -l '^To: Sam Rivera' var/demo/outbox/new/* | head -1)
printf '\nThe confirmation request (%s); a reply to it confirms:\n' "$req"
awk '/^$/ { exit } /^[ \t]/ { if (show) printf "%s", $0; next }
	{ if (show) print ""; show = /^(Subject|Reply-To):/; if (show) printf "%s", $0 }
	END { if (show) print "" }' "$req"
printf '\nThe outbox is a Maildir: var/demo/outbox/new/ holds one file per message.\n'
ls var/demo/outbox/new | head -3
step "Every link in every message is served by the web side" \
	"web   (or the daemon's web worker)"
msg=$(grep -l '^To: .*maria.santos@everett-schools.example' var/demo/outbox/new/* | head -1)
prefs=$(grep -o 'http://127.0.0.1:8025/p/[a-z0-9-]*' "$msg" | head -1)
printf 'Maria Santos'"'"'s preference centre (from the newsletter she was sent):\n\n    %s\n\n' "$prefs"
printf 'Serve it on 127.0.0.1:8025 with:\n\n    OUTREACH_CONFIG=etc/demo/demo.conf ./outreach web\n'
