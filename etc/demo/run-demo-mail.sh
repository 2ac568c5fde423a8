# run-demo-mail.sh - sourced by run-demo.sh: compose the sample newsletter and
# meeting notice for every member who wants them, into the Maildir outbox.
step "Preview the newsletter as one member gets it" \
	"preview etc/demo/newsletter.md --to maria.santos@everett-schools.example --format text"
$o preview etc/demo/newsletter.md --to maria.santos@everett-schools.example --format text
step "Compose the newsletter and the meeting notice (with its invite) into the outbox" \
	"preview etc/demo/newsletter.md --outbox"
$o preview etc/demo/newsletter.md --outbox
$o preview etc/demo/notice.md --outbox
printf '\nThe outbox is a Maildir: var/demo/outbox/new/ holds one file per message.\n'
ls var/demo/outbox/new | head -3
