#!/bin/bash
# Operator tools against real servers on 127.0.0.1: outreach doctor with
# smtp-sink as the relay (no STARTTLS; it takes no AUTH), an unprivileged Dovecot as the
# bounce mailbox and `outreach web`, all ok; then each piece broken in turn
# (a secret key readable by others, a template whose unsubscribe link is
# hidden, the relay down, a wrong IMAP password, the web side down, a
# corrupted database) is a fail line with its fix and exit status 1.
# Backup while the daemon sends, restore refused under the daemon and over
# a database without --force, then done with --force and row for row the
# same.  The manual pages name every command and key and render without
# warnings; the systemd units are hardened and pass systemd-analyze verify;
# under systemd, log lines carry the journal's priority.
. "$(dirname "$0")/../lib.sh"
if ! [ -x /usr/sbin/dovecot ] || ! command -v smtp-sink >/dev/null; then
	skip "dovecot or smtp-sink is missing"
	done_testing
	exit 0
fi
. "$TOP/tests/lib_dovecot.sh"
dovecot_setup
trap 'stop_dovecot; cleanup; rm -rf "$D"' EXIT
start_dovecot
ok $? "Dovecot started on 127.0.0.1:$PORT"

# A relay of our own (not start_sink): the test stops and restarts it by PID.
SINK_PORT=$(free_port)
mkdir -p sink && chown nobody sink
sink_start() {
	smtp-sink -u nobody -d "$TESTDIR/sink/%Y%m%d%H%M%S." 127.0.0.1:"$SINK_PORT" 256 \
		2>>"$TESTDIR/sink.log" &
	SINK_PID=$!
	stop_later $SINK_PID
	wait_port "$SINK_PORT"
}
sink_start
ok $? "smtp-sink listens on 127.0.0.1:$SINK_PORT"

WEB_PORT=$(free_port)
cp -r "$TOP/templates" tpl
mkdir -p etc
printf 'secret\n' > imap.pass && chmod 600 imap.pass
cat > etc/outreach.conf <<CONF
[transport]
url = smtp://127.0.0.1:$SINK_PORT
starttls = off
[bounces]
imap_url = imap://127.0.0.1:$PORT/INBOX
username = bounce
password_file = imap.pass
ca_file = $D/ca.pem
[web]
listen = 127.0.0.1:$WEB_PORT
base_url = http://127.0.0.1:$WEB_PORT
[sender]
domain = metronorth.example
[brand]
templates = $TESTDIR/tpl
[dkim]
domain = metronorth.example
selector = ed2026
key_file = $TESTDIR/dkim.pem
algorithm = ed25519
CONF
run init
ok $rc "init"
# The DKIM record as DNS would serve it (the test build reads OUTREACH_DKIM_TXT_FILE).
run dkim keygen --selector ed2026 --domain metronorth.example --key-file dkim.pem --algorithm ed25519
printf '%s\n' "$out" | sed -n 's/^\([^ ]*\)\. IN TXT ( "\(.*\)" )$/\1 \2/p' > dkim.txt
is "$(wc -l < dkim.txt)" 1 "a DKIM key and its record"
export OUTREACH_DKIM_TXT_FILE=$TESTDIR/dkim.txt
web_start() {
	"$BIN" web 2>>"$TESTDIR/web.log" &
	WEB_PID=$!
	stop_later $WEB_PID
	wait_port "$WEB_PORT"
}
web_start
ok $? "outreach web listens on 127.0.0.1:$WEB_PORT"

run doctor
is "$rc" 0 "doctor exits 0 on a good set-up"
unlike "$out" '^(warn|fail) ' "no check warns or fails"
like "$out" '^0 ok|[1-9][0-9]* ok, 0 warnings, 0 failed$' "the summary counts no failure"
for c in config permissions database transport bounces templates dkim web; do
	like "$out" "^ok +$c " "the $c check is ok"
done
like "$out" "ok +permissions +secret key var/secret.key is mode 0600" "the secret key's mode is checked"
like "$out" "ok +transport +relay smtp://127.0.0.1:$SINK_PORT answers$" \
	"the relay is greeted and answers NOOP"
like "$out" "imap://127.0.0.1:$PORT/INBOX accepts bounce's login" "the bounce mailbox takes the login"
like "$out" "http://127.0.0.1:$WEB_PORT/healthz answers 200" "the web side answers /healthz"
is "$(ls sink | wc -l)" 0 "the relay check sent no mail"

# broken WHAT REGEX FIX - doctor now fails, reporting REGEX and then FIX.
broken() {
	run doctor
	is "$rc" 1 "$1: doctor exits 1"
	like "$out" "$2" "$1: reported as a failure"
	like "$out" "fix: $3" "$1: with its fix"
	like "$err" '^outreach doctor: some checks failed' "$1: one line on stderr"
}

chmod 644 var/secret.key
broken "secret key mode 0644" '^fail +permissions +secret key var/secret.key is mode 0644' \
	'chmod 600 var/secret.key'
chmod 600 var/secret.key

cp tpl/newsletter.html newsletter.html.good
sed -i 's|<a href="{{unsubscribe_url}}"[^>]*>Unsubscribe</a>|<!-- <a href="{{unsubscribe_url}}">Unsubscribe</a> -->|' \
	tpl/newsletter.html
broken "unsubscribe link in a comment" \
	'^fail +templates +.*/newsletter.html: \{\{unsubscribe_url\}\} at line [0-9]+ is inside an HTML comment' \
	'put the link where readers see it'
cp newsletter.html.good tpl/newsletter.html
sed -i 's|<a href="{{unsubscribe_url}}"|<a style="display: none" href="{{unsubscribe_url}}"|' tpl/newsletter.html
broken "unsubscribe link hidden" 'newsletter.html: \{\{unsubscribe_url\}\} at line [0-9]+ is in a hidden element' \
	'put the link where readers see it'
cp newsletter.html.good tpl/newsletter.html
sed -i 's|{{unsubscribe_url}}|{{! no link }}|' tpl/digest.txt
broken "text part without the link" 'digest.txt: no \{\{unsubscribe_url\}\} anywhere' 'put the link'
cp "$TOP/templates/digest.txt" tpl/digest.txt
cp tpl/confirm.html tpl/weekly-brief.html && cp tpl/confirm.txt tpl/weekly-brief.txt
broken "a new list template without the link" 'weekly-brief.html: no \{\{unsubscribe_url\}\}' \
	'put the link'
rm tpl/weekly-brief.*

kill "$SINK_PID"
wait "$SINK_PID" 2>/dev/null
broken "relay down" "^fail +transport +relay smtp://127.0.0.1:$SINK_PORT: .*(connect|Connection refused)" \
	'start the relay, or correct host and port in \[transport\] url'
sink_start

printf 'wrong\n' > imap.pass
broken "wrong IMAP password" "^fail +bounces +imap: LOGIN failed" \
	'check \[bounces\] username and the password in password_file'
printf 'secret\n' > imap.pass

kill "$WEB_PID"
wait "$WEB_PID" 2>/dev/null
broken "web down" "^fail +web +http://127.0.0.1:$WEB_PORT/healthz: .*connect" \
	'start outreach daemon \(or outreach web\)'

cp var/outreach.db good.db
dd if=/dev/urandom of=var/outreach.db bs=1024 seek=5 count=20 conv=notrunc 2>/dev/null
broken "corrupted database" '^fail +database +' 'stop outreach and put the last good backup back: outreach restore FILE --force'
cp good.db var/outreach.db
rm -f var/outreach.db-wal var/outreach.db-shm

# --- backup and restore ---
run list add net --name "Metro North" --from "Metro North <news@metronorth.example>"
{
	echo email,name
	for i in $(seq 1 3000); do echo "member$i@school.example,Member $i"; done
} > members.csv
run subscriber import members.csv --list net --confirmed
ok $rc "3000 subscribers imported"
printf -- '---\nlist: net\nsubject: Term dates\n---\nHello\n' > news.md
run send news.md
ok $rc "a campaign queued"
"$BIN" daemon 2>daemon.log &
DPID=$!
stop_later $DPID
for _ in $(seq 400); do
	[ "$(sql "SELECT count(*) FROM deliveries WHERE status = 'sent'")" -gt 0 ] 2>/dev/null && break
	sleep 0.05
done
run backup b1.db
ok $rc "backup while the daemon sends: $err"
sent_at_backup=$(sqlite3 b1.db "SELECT count(*) FROM deliveries WHERE status = 'sent'")
is "$(sqlite3 b1.db 'PRAGMA integrity_check')" ok "the backup passes its integrity check"
is "$(sqlite3 b1.db 'PRAGMA journal_mode')" delete "the backup is one self-contained file"
is "$(sqlite3 b1.db 'SELECT count(*) FROM subscribers')" 3000 "the backup holds every subscriber"
ok "$([ ! -e b1.db-wal ] && [ -z "$(ls b1.db.tmp.* 2>/dev/null)" ]; echo $?)" "no -wal or temporary file beside it"
run backup b1.db
is "$rc" 1 "a second backup to the same file is refused"
like "$err" 'b1.db exists \(give --force to replace it\)' "naming the file and --force"
run restore b1.db --force
is "$rc" 1 "restore is refused while the daemon runs"
like "$err" "^outreach restore: refused while the daemon runs: another outreach daemon \(pid $DPID\)" \
	"naming the daemon's pid"
for _ in $(seq 300); do
	[ "$(sql "SELECT count(*) FROM deliveries WHERE status = 'sent'")" = 3000 ] && break
	sleep 0.1
done
is "$(sql "SELECT count(*) FROM deliveries WHERE status = 'sent'")" 3000 "the daemon sent the campaign"
like "$sent_at_backup" '^[1-9][0-9]*$' "the backup was taken mid-campaign ($sent_at_backup of 3000 sent in it)"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null

run backup b2.db
ok $rc "backup of the stopped database"
before=$(sqlite3 var/outreach.db .dump)
run subscriber add late@school.example --list net --confirmed
run restore b2.db
is "$rc" 1 "restore over an existing database without --force is refused"
like "$err" 'database var/outreach.db exists \(give --force to replace it\)' "naming the database and --force"
is "$(sql "SELECT count(*) FROM subscribers WHERE email = 'late@school.example'")" 1 "and the database is untouched"
run restore b2.db --force
ok $rc "restore with --force"
like "$out" 'var/outreach.db restored from b2.db \(schema version [0-9]+\)' "says what it restored"
after=$(sqlite3 var/outreach.db .dump)
ok "$([ "$before" == "$after" ]; echo $?)" "the restored database holds the same rows"
is "$(sql "SELECT count(*) FROM subscribers WHERE email = 'late@school.example'")" 0 "the later change is gone"
ok "$([ ! -e var/outreach.db-wal ]; echo $?)" "the old database's log was removed"
run doctor
like "$out" '^ok +database +var/outreach.db passes its integrity check' "doctor finds the restored database sound"

sqlite3 other.db 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
run restore other.db --force
is "$rc" 1 "restore of another program's database is refused"
like "$err" "other.db is an SQLite database but not outreach's" "saying so"
echo "not a database" > junk.db
run restore junk.db --force
like "$err" '^outreach restore: database junk.db: .*not a database' "restore of a text file is refused"
cp b2.db newer.db && sqlite3 newer.db 'PRAGMA user_version = 999'
run restore newer.db --force
like "$err" 'newer.db has schema version 999, newer than this outreach understands' \
	"a database from a newer outreach is refused"
run restore missing.db --force
like "$err" 'missing.db: No such file or directory' "a missing file is named"

# --- manual pages ---
"$BIN" help --man > outreach.1
"$BIN" config man > outreach.conf.5
for page in outreach.1 outreach.conf.5; do
	warnings=$(groff -man -Tutf8 -ww "$page" 2>&1 >/dev/null)
	is "$warnings" "" "$page renders without warnings"
done
man1=$(MANWIDTH=300 man -l outreach.1 2>&1)
man5=$(MANWIDTH=300 man -l outreach.conf.5 2>&1)
"$BIN" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p' > commands
ok "$([ "$(wc -l < commands)" -gt 40 ]; echo $?)" "the overview lists $(wc -l < commands) commands"
missing=""
while read -r c; do
	printf '%s' "$man1" | grep -qF "outreach $c" || missing="$missing [$c]"
done < commands
is "$missing" "" "outreach(1) documents every command"
"$BIN" config example | awk '/^\[/ {s=$0} /^;?[a-z_]+ = / {sub(/^;/, ""); print s, $1}' > keys
ok "$([ "$(wc -l < keys)" -ge 50 ]; echo $?)" "the example names $(wc -l < keys) keys"
missing=""
section=""
while read -r s k; do
	# The key must appear under its own section's heading.
	printf '%s\n' "$man5" | awk -v s="$s" -v k="$k" '
		$0 == s {in_s = 1; next}
		/^\[/ {in_s = 0}
		in_s && $1 == k {found = 1}
		END {exit !found}' || missing="$missing $s$k"
done < keys
is "$missing" "" "outreach.conf(5) documents every key under its section"
like "$(make -s -C "$TOP" -n install DESTDIR=/nonexistent 2>&1)" \
	'share/man/man1/outreach.1.*|share/man/man5/outreach.conf.5' "make install installs both pages"
inst=$(make -s -C "$TOP" -n install DESTDIR=/nonexistent 2>&1)
like "$inst" 'man5/outreach.conf.5' "including outreach.conf(5)"

# --- systemd units ---
for unit in outreach.service outreach-web.service outreach-digest.service; do
	u=$TOP/etc/$unit
	for want in '^User=outreach$' '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' \
		'^ReadWritePaths=/var/lib/outreach/var /var/lib/outreach/queue$' '^ProtectHome=yes$' \
		'^PrivateTmp=yes$' '^ProtectKernelTunables=yes$' \
		'^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX$' '^SystemCallFilter=@system-service$' \
		'^CapabilityBoundingSet=$'; do
		like "$(cat "$u")" "$want" "$unit: $want"
	done
	if command -v systemd-analyze >/dev/null; then
		mkdir -p units
		sed "s|/usr/local/bin/outreach|$BIN|" "$u" > "units/$unit"
		is "$(systemd-analyze verify "units/$unit" 2>&1)" "" "systemd-analyze verify $unit"
	else
		skip "systemd-analyze is missing"
	fi
done

# --- the journal ---
: > journal.log
JOURNAL_STREAM=$(stat -c '%d:%i' journal.log) "$BIN" web 2>>journal.log &
JPID=$!
stop_later $JPID
wait_port "$WEB_PORT"
kill "$JPID"
wait "$JPID" 2>/dev/null
like "$(cat journal.log)" '^<6>info: web: ' "under systemd an info line starts with its journal priority"
like "$(cat journal.log)" '^<4>warn: web: ' "and a warning with its own"
unlike "$(cat journal.log)" '^[0-9]{4}-' "and carries no timestamp of its own"
like "$(cat web.log)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* outreach info: web: ' \
	"elsewhere a line starts with its timestamp"

done_testing
