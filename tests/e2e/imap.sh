#!/bin/bash
# The bounce worker against a real Dovecot on 127.0.0.1, started here as
# nobody, with STARTTLS and a certificate from a test CA (verified by
# outreach).  A mix of bounces in the formats of several MTAs (the project's
# own fixtures in tests/data/bounces), a complaint, an auto-reply, an
# unsubscribe command and junk; Dovecot restarted in the middle, and
# stopped under the running daemon.  A bounce comes back to the VERP return
# path of the message it is about, so each fixture is first addressed to the
# return path of a real delivery; a forged one, tied to nothing, changes
# nobody.
. "$(dirname "$0")/../lib.sh"
FIX=$TOP/tests/data/bounces
if ! [ -x /usr/sbin/dovecot ]; then
	skip "dovecot is missing"
	done_testing
	exit 0
fi
# variant FILE TAG - a copy of FILE with its own Message-ID, so it is new to the worker.
variant() {
	sed -E "s/^(Message-I[Dd]: <)/\1$2-/" "$1" > "$TESTDIR/$2.eml"
	echo "$TESTDIR/$2.eml"
}
. "$TOP/tests/lib_dovecot.sh"
dovecot_setup
trap 'stop_dovecot; cleanup; rm -rf "$D"' EXIT
start_dovecot
ok $? "Dovecot started on 127.0.0.1:$PORT"

mkdir -p etc
printf 'secret\n' > imap.pass && chmod 600 imap.pass
cat > etc/outreach.conf <<CONF
[bounces]
imap_url = imap://127.0.0.1:$PORT/INBOX
username = bounce
password_file = imap.pass
ca_file = $D/ca.pem
[sender]
domain = metronorth.example
[brand]
templates = $TOP/templates
CONF
run init
run list add net --name Net --from news@net.example
for a in j.alvarez@college.example p.osei@district.example full.box@charter.example \
	annoyed.parent@isp.example d.rivera@school.example leaver@school.example \
	intern.desk@works.example educator@museum.example; do
	run subscriber add $a --list net --confirmed
done
# A campaign through the Maildir transport, so a bounce can name its delivery by VERP.
run subscriber add verp@school.example --list net --confirmed
printf -- '---\nlist: net\nsubject: Hello\n---\nHello\n' > hello.md
run send hello.md
run run --once
# verp_of ADDRESS - the VERP token of the outbox copy sent to ADDRESS.
verp_of() {
	grep -l "^To: $1" var/outbox/new/* | head -1 | xargs head -1 |
		sed -E 's/^Return-Path: <bounces\+([^@]+)@.*/\1/'
}
# tie FILE ADDRESS TAG - FILE as it would come back: to ADDRESS's return path.
tie() {
	sed -E "0,/^To: <?bounces@metronorth.example>?/s//To: bounces+$(verp_of "$2")@metronorth.example/" \
		"$1" > "$TESTDIR/$3.eml"
	echo "$TESTDIR/$3.eml"
}
verp=$(verp_of verp@school.example)
like "$verp" '^b-[0-9a-z]+-0-0-[a-z0-9]+$' "the outbox copy carries a VERP token"
HARD_POSTFIX=$(tie "$FIX/hard-postfix.eml" j.alvarez@college.example hard-postfix)
HARD_EXIM=$(tie "$FIX/hard-exim.eml" p.osei@district.example hard-exim)
SOFT_FULL=$(tie "$FIX/soft-full.eml" full.box@charter.example soft-full)
COMPLAINT=$(tie "$FIX/complaint.eml" annoyed.parent@isp.example complaint)
HARD_SENDMAIL=$(tie "$FIX/hard-sendmail.eml" intern.desk@works.example hard-sendmail)
like "$(grep -m1 '^To:' "$HARD_POSTFIX")" '^To: bounces\+b-' "a fixture is addressed to its delivery's return path"
cat > verp.eml <<MSG
From: MAILER-DAEMON@mx.elsewhere.example
To: bounces+$verp@metronorth.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <verp-dsn-1@mx.elsewhere.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

The mail system could not deliver your message.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.elsewhere.example

Final-Recipient: rfc822; forwarded-copy@elsewhere.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--b1--
MSG
deliver_to_mailbox verp.eml 0.verp
deliver_to_mailbox "$HARD_POSTFIX" 1.hard
deliver_to_mailbox "$HARD_EXIM" 2.hard
deliver_to_mailbox "$SOFT_FULL" 3.soft
deliver_to_mailbox "$COMPLAINT" 4.complaint
deliver_to_mailbox "$FIX/autoreply.eml" 5.autoreply
printf 'From: Leaver <leaver@school.example>\nTo: outreach-request@localhost\nSubject: unsubscribe\nMessage-ID: <cmd1@school.example>\n\nunsubscribe\n' > cmd.eml
deliver_to_mailbox cmd.eml 6.command
printf 'this is not a message at all\n\x01\x02\n' > junk.eml
deliver_to_mailbox junk.eml 7.junk

# A certificate from another CA is refused before any password is sent.
sed -i "s|ca_file = .*|ca_file = $D/other.pem|" etc/outreach.conf
run bounces --once
is "$rc" 1 "an untrusted IMAP certificate is refused"
like "$err" "certificate not trusted" "and the error says why"
sed -i "s|ca_file = .*|ca_file = $D/ca.pem|" etc/outreach.conf

run bounces --once
is "$rc" 0 "bounces --once"
like "$out" '^processed 8: hard 3, soft 1, complaint 1, autoreply 1, other 0, commands 1, unparsed 1' "summary counts every kind"
st() { sql "SELECT status FROM subscribers WHERE email='$1'"; }
is "$(st j.alvarez@college.example)" bounced "hard bounce (Postfix DSN) disables the address"
is "$(st verp@school.example)" bounced "a bounce naming another address is tied to its delivery by VERP"
is "$(st p.osei@district.example)" bounced "hard bounce (Exim, no DSN) disables its address"
is "$(st full.box@charter.example)" active "one soft bounce only counts"
like "$(sql "SELECT decision FROM bounce_events WHERE email='full.box@charter.example'")" 'counted' "the soft bounce is counted"
is "$(st annoyed.parent@isp.example)" complained "a complaint marks the subscriber complained"
is "$(sql "SELECT group_concat(m.status) FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id WHERE s.email='annoyed.parent@isp.example'")" unsubscribed "and unsubscribes from every list"
is "$(st d.rivera@school.example)" active "an auto-reply changes nothing"
is "$(sql "SELECT group_concat(m.status) FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id WHERE s.email='leaver@school.example'")" unsubscribed "the unsubscribe command unsubscribes its sender"
like "$(sql "SELECT detail FROM audit_log WHERE email='j.alvarez@college.example' AND actor='bounce'")" 'hard bounce' "the audit log names the bounce"
like "$(sql "SELECT new_value || ' ' || detail FROM audit_log WHERE email='full.box@charter.example' AND field='bounce'")" '^soft 5.2.2 counted: soft bounce score 1 of 3' "the audit log shows a bounce that changed nothing yet"
is "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" 2>/dev/null | grep -c '^[0-9]')" 0 "the inbox is empty"
is "$(ls "$D/mail/bounce/.processed/cur" | wc -l)" 7 "seven messages moved to processed"
is "$(ls "$D/mail/bounce/.unparsed/cur" | wc -l)" 1 "the junk moved to unparsed"

# Restart Dovecot in the middle; the same bounces again change nothing.
stop_dovecot
run bounces --once
is "$rc" 1 "with Dovecot down, bounces --once fails cleanly"
like "$err" "connect" "and says it could not connect"
start_dovecot
deliver_to_mailbox "$HARD_POSTFIX" 8.hard-again
deliver_to_mailbox "$SOFT_FULL" 9.soft-again
run bounces --once
like "$out" '^processed 2: .*already seen 2' "the same messages again are recognised"
is "$(sql "SELECT count(*) FROM bounce_events")" 5 "and nothing is double-counted (5 events)"

# Anyone can mail the bounce address: a report no token or Message-ID of
# ours ties to a delivery disables nobody.  A command is matched to its
# sender whatever the case of the address.
cat > forged-dsn.eml <<MSG
From: MAILER-DAEMON@mx.attacker.example
To: bounces@metronorth.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <forged-dsn-1@mx.attacker.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="f1"

--f1
Content-Type: text/plain

Delivery failed.

--f1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.attacker.example

Final-Recipient: rfc822; d.rivera@school.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--f1--
MSG
deliver_to_mailbox forged-dsn.eml 14.forged-dsn
run subscriber add k.patel@chelsea-schools.example --list net --confirmed
printf 'From: K. Patel <K.Patel@Chelsea-Schools.example>\nTo: outreach-request@localhost\nSubject: unsubscribe\nMessage-ID: <cmd2@chelsea-schools.example>\n\nunsubscribe\n' > kcmd.eml
deliver_to_mailbox kcmd.eml 15.command-case
run bounces --once
like "$out" '^processed 2: hard 1, .*commands 1' "the forged report and the command are read"
is "$(st d.rivera@school.example)" active "a forged bounce tied to no mail of ours disables nobody"
like "$(sql "SELECT decision FROM bounce_events WHERE email='d.rivera@school.example'")" 'not tied to any mail of ours' "it is recorded as not tied"
is "$(sql "SELECT group_concat(m.status) FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id WHERE s.email='k.patel@chelsea-schools.example'")" unsubscribed "an unsubscribe from K.Patel@Chelsea-Schools.example unsubscribes k.patel@chelsea-schools.example"

# Double opt-in: the confirmation request goes out, and a plain reply to it
# (sent to its Reply-To, which carries the signed token) confirms.
run subscriber add newbie@school.example --list net
like "$out" 'confirmation request queued' "a subscriber added unconfirmed is sent a confirmation request"
run run --once
req=$(grep -l '^To: newbie@school.example' var/outbox/new/*)
ok $? "the confirmation request is in the outbox"
replyto=$(python3 -c 'import email,sys; print(email.message_from_file(open(sys.argv[1]))["Reply-To"].strip())' "$req")
like "$replyto" '^outreach-request\+c-[0-9a-z-]+@net.example$' "its Reply-To carries the confirmation token, on the list's domain"
grep -q '^Reply-To: outreach-request+c-' "$req"
ok $? "its Reply-To's address is on the Reply-To line, not on a continuation line"
printf 'From: Newbie <newbie@school.example>\nTo: %s\nSubject: Re: Please confirm\nMessage-ID: <re1@school.example>\n\nYes!\n' "$replyto" > reply.eml
printf 'From: Newbie <newbie@school.example>\nTo: %s\nSubject: Re: Please confirm\nMessage-ID: <re2@school.example>\n\nYes!\n' "${replyto/+c-/+c-x}" > forged.eml
deliver_to_mailbox forged.eml 12.forged
run bounces --once
is "$(sql "SELECT m.status FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id WHERE s.email='newbie@school.example'")" unconfirmed "a reply with a forged token confirms nothing"
deliver_to_mailbox reply.eml 13.confirm
run bounces --once
like "$out" 'commands 1' "the reply is taken as a command"
is "$(sql "SELECT m.status FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id WHERE s.email='newbie@school.example'")" active "and the reply confirms the membership"
like "$(sql "SELECT detail FROM audit_log WHERE email='newbie@school.example' AND actor='email'")" 'confirmed by reply' "the audit log says how"

# AUTHENTICATE PLAIN (SASL) logs in as well as LOGIN does.
printf '[bounces]\nauth = plain\n' >> etc/outreach.conf
run bounces --once
is "$rc" 0 "bounces --once with auth = plain"
like "$out" '^processed 0' "and finds nothing new"
printf 'wrong\n' > bad.pass && chmod 600 bad.pass
sed "s|^password_file = .*|password_file = bad.pass|" etc/outreach.conf > etc/bad.conf
run -c etc/bad.conf bounces --once
like "$err" 'AUTHENTICATE PLAIN failed' "a wrong password fails, naming the SASL exchange"
sed -i '/^auth = plain$/d' etc/outreach.conf

# A folder the server will not create is a clear error, not a crash.
{ cat etc/outreach.conf; printf '[bounces]\nprocessed_folder = ~nope\n'; } > etc/badfolder.conf
run -c etc/badfolder.conf bounces --once
is "$rc" 1 "a processed folder the server refuses fails the pass"
like "$err" '~nope' "naming the folder"

# A daemon started with no mailbox runs no bounce worker; a mailbox added
# and announced with SIGHUP starts one.
grep -v '^imap_url' etc/outreach.conf > etc/live.conf
"$BIN" -c etc/live.conf daemon 2>daemon.log &
dpid=$!
stop_later $dpid
for _ in $(seq 50); do grep -q 'started queue worker' daemon.log && break; sleep 0.1; done
sleep 0.5
is "$(grep -c 'started bounces worker' daemon.log)" 0 "no mailbox configured: no bounce worker"
cp etc/outreach.conf etc/live.conf
kill -HUP $dpid
# The daemon's bounce worker waits with IDLE and picks up new mail by itself.
for _ in $(seq 50); do grep -q 'bounces: worker started' daemon.log && break; sleep 0.1; done
like "$(cat daemon.log)" 'started bounces worker' "SIGHUP with a mailbox now configured starts the bounce worker"
# A new database path cannot be taken up by a reload (the lock is on the old one).
{ cat etc/outreach.conf; printf '[database]\npath = var/other.db\n'; } > etc/live.conf
kill -HUP $dpid
for _ in $(seq 50); do grep -q 'needs a restart' daemon.log && break; sleep 0.1; done
like "$(cat daemon.log)" 'reload: \[database\] path changed from var/outreach.db to var/other.db; that needs a restart' "a reload that moves the database is refused"
cp etc/outreach.conf etc/live.conf
sleep 1
deliver_to_mailbox "$HARD_SENDMAIL" 10.hard-daemon
printf 'From: Someone <someone@school.example>\nSubject: hello\nMessage-ID: <x1@school.example>\n\nhello\n' > plain.eml
deliver_to_mailbox plain.eml 11.plain
for _ in $(seq 100); do
	[ "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" 2>/dev/null | grep -c '^[0-9]')" = 0 ] && break
	sleep 0.2
done
is "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" 2>/dev/null | grep -c '^[0-9]')" 0 "the daemon's worker processed new mail without a restart"
like "$(cat daemon.log)" 'bounces: .*hard bounce for <intern.desk@works.example>' "and logged the bounce"
# The server goes away under the running daemon (master and the processes
# holding its connections): the worker reconnects, it never dies of SIGPIPE.
stop_dovecot
for p in $(ss -tnpH "sport = :$PORT" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
	kill -9 "$p" 2>/dev/null
done
for _ in $(seq 100); do grep -q 'bounces: .*\(reconnecting\|trying again\)' daemon.log && break; sleep 0.1; done
sleep 1
like "$(cat daemon.log)" 'bounces: .*(reconnecting|trying again)' "with the IMAP server gone, the worker says it reconnects"
unlike "$(cat daemon.log)" 'killed by signal' "and no worker is killed by a signal"
start_dovecot
deliver_to_mailbox "$(variant "$FIX/hard-qmail.eml" after-restart)" 11a.after
for _ in $(seq 150); do
	[ "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" 2>/dev/null | grep -c '^[0-9]')" = 0 ] && break
	sleep 0.2
done
is "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" 2>/dev/null | grep -c '^[0-9]')" 0 "once the server is back, the worker takes new mail again"
unlike "$(cat daemon.log)" 'killed by signal' "still no worker killed by a signal"
kill -TERM $dpid
wait $dpid
is "$?" 0 "the daemon stops cleanly with its bounce worker"

# A server without MOVE: COPY, then UID EXPUNGE of exactly those messages,
# so a message someone else marked \Deleted is not expunged with them.
stop_dovecot
cat >> "$D/dovecot.conf" <<'CONF'
protocol imap {
  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS CHILDREN NAMESPACE UNSELECT
}
CONF
start_dovecot
caps=$(python3 - "$PORT" "$D/ca.pem" <<'PY'
import imaplib, ssl, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.starttls(ssl.create_default_context(cafile=sys.argv[2]))
m.login("bounce", "secret")
print(" ".join(sorted(m.capabilities)))
PY
)
unlike "$caps" '(^| )MOVE( |$)' "the restarted server offers no MOVE"
like "$caps" 'UIDPLUS' "but offers UIDPLUS"
cp "$FIX/autoreply.eml" "$D/mail/bounce/cur/12.keep:2,ST"
chown nobody:nogroup "$D/mail/bounce/cur/12.keep:2,ST"
deliver_to_mailbox "$FIX/hard-qmail.eml" 13.nomove
run bounces --once
is "$rc" 0 "bounces --once without MOVE"
like "$out" '^processed 1:' "processes the one unseen message"
ok "$(grep -qs 'educator@museum.example' "$D"/mail/bounce/.processed/cur/*; echo $?)" "it was copied to processed"
is "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" | grep -c '^13\.nomove')" 0 "and expunged from INBOX"
is "$(ls "$D/mail/bounce/cur" | grep -c '^12\.keep')" 1 "another message marked \\Deleted is left alone"

# A message over the 8 MB limit is set aside unread (only 8 MB + 1 byte is fetched).
python3 - > big.eml <<'PY'
import sys
sys.stdout.write("From: MAILER-DAEMON@mx.example.org\r\nSubject: huge\r\nMessage-ID: <huge@mx.example.org>\r\n\r\n")
line = "x" * 76 + "\r\n"
sys.stdout.write(line * (9 * 1024 * 1024 // len(line)))
PY
deliver_to_mailbox big.eml 14.big
run bounces --once
is "$rc" 0 "bounces --once with a 9 MB message"
like "$err" "is $(stat -c %s big.eml) bytes, over the 8388608 limit: moved to unparsed" "is set aside, with its real size"
ok "$(grep -qs '^Message-ID: <huge@mx.example.org>' "$D"/mail/bounce/.unparsed/cur/*; echo $?)" "into the unparsed folder"
sent=$(grep -o 'Logged out in=[0-9]* out=[0-9]*' "$D/dovecot.log" | tail -1 | sed 's/.*out=//')
ok "$([ -n "$sent" ] && [ "$sent" -lt 8500000 ]; echo $?)" "having fetched no more than the limit (server sent ${sent:-?} bytes)"

# A move the server refuses leaves the message unseen in INBOX; once the
# folder is writable again, the next pass recognises it and moves it.
chmod -R a-w "$D/mail/bounce/.processed"
deliver_to_mailbox "$(variant "$FIX/hard-exim.eml" stuck)" 15.stuck
run bounces --once
is "$rc" 1 "a refused move fails the pass"
like "$err" "folder 'processed'" "naming the folder"
inbox() { ls "$D/mail/bounce/new" "$D/mail/bounce/cur" 2>/dev/null | grep '^15\.stuck'; }
like "$(inbox)" '^15\.stuck' "the message is still in INBOX"
unlike "$(inbox)" ':2,[A-Z]*S' "and not flagged \\Seen"
chmod -R u+w "$D/mail/bounce/.processed"
run bounces --once
is "$rc" 0 "the next pass succeeds"
like "$out" 'already seen 1' "it knows the message, and counts nothing twice"
is "$(inbox)" "" "and moves it out of INBOX"

# The daemon's worker, failing pass after pass, waits longer each time
# (1 s, 2 s, 4 s ...) and carries on once the fault is gone.
chmod -R a-w "$D/mail/bounce/.processed"
deliver_to_mailbox "$(variant "$FIX/hard-sendmail.eml" retry)" 16.retry
like "$(ls "$D/mail/bounce/new")" '16\.retry' "a new message waits in INBOX"
"$BIN" daemon 2>daemon2.log &
dpid=$!
stop_later $dpid
for _ in $(seq 100); do grep -q 'reconnecting in 4s' daemon2.log && break; sleep 0.1; done
like "$(grep -o 'reconnecting in [0-9]*s' daemon2.log | tr '\n' ' ')" '^reconnecting in 1s reconnecting in 2s reconnecting in 4s' "a failing pass backs off, doubling"
chmod -R u+w "$D/mail/bounce/.processed"
for _ in $(seq 150); do [ -z "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" | grep '^16\.retry')" ] && break; sleep 0.1; done
is "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" | grep '^16\.retry')" "" "and processes the message once the folder takes it"

# A reload in the middle of a long pass: the worker stops between two
# messages, the new one carries on, and nothing is counted twice.
python3 - "$FIX/hard-postfix.eml" "$D/mail/bounce/new" <<'PY'
import sys
src = open(sys.argv[1]).read()
for i in range(1500):
    open(f"{sys.argv[2]}/20.long{i}", "w").write(src.replace("Message-ID: <", f"Message-ID: <long{i}-", 1))
PY
chown nobody:nogroup "$D"/mail/bounce/new/20.long*
for _ in $(seq 200); do [ "$(sql "SELECT count(*) FROM inbound WHERE message_key LIKE '<long%'")" -gt 0 ] && break; sleep 0.05; done
kill -HUP $dpid
for _ in $(seq 100); do grep -q 'signalled: ' daemon2.log && break; sleep 0.1; done
like "$(cat daemon2.log)" 'bounces: signalled: [0-9]+ unseen messages left for the next pass' "SIGHUP ends a long bounce pass between two messages"
for _ in $(seq 300); do [ "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" | grep -c '^20\.long')" = 0 ] && break; sleep 0.1; done
is "$(ls "$D/mail/bounce/new" "$D/mail/bounce/cur" | grep -c '^20\.long')" 0 "the reloaded worker processes the rest"
is "$(sql "SELECT count(*) FROM inbound WHERE message_key LIKE '<long%'")" 1500 "each message recorded once"
unlike "$(cat daemon2.log)" 'did not finish in time|killed by signal' "no worker had to be killed"
kill -TERM $dpid
wait $dpid
is "$?" 0 "the daemon stops cleanly"
done_testing
