#!/bin/bash
# A relay that misbehaves must never cost a network its list: Postfix's
# smtp-sink refusing every RCPT (-f rcpt) or MAIL FROM (-f mail), a relay that
# is not there at all, and refusals that do or do not name the mailbox.
. "$(dirname "$0")/../lib.sh"

mkdir -p etc
conf() { # conf URL - the configuration, sending to URL
	cat > etc/outreach.conf <<CONF
[transport]
url = $1
starttls = off
retry_min = 1s
retry_max = 2s
[sender]
domain = metronorth.example
[brand]
templates = $TOP/templates
CONF
}
conf smtp://127.0.0.1:9
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>"
printf 'email,name\n' > members.csv
for i in $(seq 1 20); do printf 'teacher%d@school%d.example,Teacher %d\n' $i $((i % 5)) $i; done >> members.csv
run subscriber import members.csv --list metro-north --confirmed
run list show metro-north
like "$out" 'members: +20 \(20 active\)' "20 active members"

# 1. A relay that refuses every RCPT: the relay's fault, not the recipients'.
mkdir -p sink1 && chown nobody sink1
P1=$(free_port)
smtp-sink -u nobody -f RCPT -d "sink1/%Y%m%d%H%M%S." 127.0.0.1:$P1 64 2>>sink.log &
stop_later $!
wait_port $P1
conf smtp://127.0.0.1:$P1
printf -- '---\nlist: metro-north\nsubject: Forum news\n---\nHello\n' > news.md
run send news.md
run run --once
is "$rc" 75 "run --once exits 75 (temporary failure) when the relay refuses everyone"
like "$err" 'relay refused' "and says the relay is at fault"
is "$(sql "SELECT status FROM campaigns WHERE subject='Forum news'")" paused "the campaign is paused"
like "$(sql "SELECT status_reason FROM campaigns WHERE subject='Forum news'")" 'relay refused .* recipients .* domains' "with the reason"
is "$(sql "SELECT count(*) FROM subscribers WHERE status='bounced'")" 0 "nobody is marked bounced"
is "$(sql "SELECT count(*) FROM bounce_events")" 0 "no bounce is recorded against anyone"
is "$(sql "SELECT count(*) FROM deliveries WHERE status IN ('failed','bounced')")" 0 "no delivery has failed"
run list show metro-north
like "$out" 'members: +20 \(20 active\)' "the list still has 20 active members"

# 2. A relay that refuses MAIL FROM: paused too, and resumed by the operator.
mkdir -p sink2 && chown nobody sink2
P2=$(free_port)
smtp-sink -u nobody -f MAIL 127.0.0.1:$P2 64 2>>sink.log &
stop_later $!
wait_port $P2
conf smtp://127.0.0.1:$P2
id=$(sql "SELECT id FROM campaigns WHERE subject='Forum news'")
run campaign resume $id
is "$rc" 0 "the operator resumes the paused campaign"
run run --once
is "$rc" 75 "a relay refusing MAIL FROM: run --once exits 75"
is "$(sql "SELECT status FROM campaigns WHERE id=$id")" paused "and the campaign is paused again, not 'sent'"
like "$(sql "SELECT status_reason FROM campaigns WHERE id=$id")" 'relay refused the sender' "naming the sender refusal"
is "$(sql "SELECT count(*) FROM deliveries WHERE status IN ('failed','bounced')")" 0 "still no delivery failed"
# The relay mended: resume, and every member gets the newsletter once.
mkdir -p sink3 && chown nobody sink3
P3=$(free_port)
smtp-sink -u nobody -d "$TESTDIR/sink3/%Y%m%d%H%M%S." 127.0.0.1:$P3 64 2>>sink.log &
stop_later $!
wait_port $P3
conf smtp://127.0.0.1:$P3
run campaign resume $id
run run --once
is "$rc" 0 "with a working relay, run --once exits 0"
is "$(sql "SELECT status FROM campaigns WHERE id=$id")" sent "the campaign is sent"
for _ in $(seq 30); do [ "$(ls sink3 | wc -l)" -ge 20 ] && break; sleep 0.1; done
is "$(ls sink3 | wc -l)" 20 "every member got it once"

# 3. A relay that is not there: visible and retryable.
conf smtp://127.0.0.1:9
printf -- '---\nlist: metro-north\nsubject: Dead relay\n---\nHello\n' > dead.md
run send dead.md
run run --once
is "$rc" 75 "a dead relay: run --once exits 75"
like "$err" 'nothing could be delivered' "and says nothing could be delivered"
did=$(sql "SELECT id FROM campaigns WHERE subject='Dead relay'")
run status
like "$out" "Dead relay" "status lists the campaign"
like "$out" "last error: .*(connect|Connection refused)" "with its last error"
like "$out" "next attempt: " "and when the next attempt is due"
run campaign show $did
like "$out" "last error: .*(connect|Connection refused)" "campaign show has the last error"
like "$out" "next attempt: " "and the next attempt"
sql "UPDATE deliveries SET next_attempt = strftime('%s','now') + 3600 WHERE campaign_id = $did" >/dev/null
conf smtp://127.0.0.1:$P3
run run --once
is "$(sql "SELECT count(*) FROM deliveries WHERE campaign_id=$did AND status='sent'")" 0 "deferred deliveries wait for their time"
run campaign retry $did
is "$rc" 0 "campaign retry"
like "$out" "20 waiting deliveries of campaign $did are due now" "makes them due now"
run run --once
is "$(sql "SELECT count(*) FROM deliveries WHERE campaign_id=$did AND status='sent'")" 20 "and the next run sends them"

# 4. Only a refusal naming the mailbox disables at RCPT; the policy module decides.
F=$(free_port)
mkdir -p fault
python3 "$TOP/tests/tools/smtp_fault.py" $F fault 2>fault.log &
stop_later $!
wait_port $F
conf smtp://127.0.0.1:$F
run list add faults --name Faults --from news@metronorth.example
for a in reject1 unknown1 generic1 policy1 ok1; do run subscriber add $a@fault.example --list faults --confirmed; done
printf -- '---\nlist: faults\nsubject: Faults\n---\nHello\n' > faults.md
run send faults.md
run run --once
st() { sql "SELECT status FROM subscribers WHERE email='$1'"; }
dl() { sql "SELECT d.status FROM deliveries d JOIN campaigns c ON c.id=d.campaign_id WHERE c.subject='Faults' AND d.email='$1'"; }
is "$(st reject1@fault.example) $(dl reject1@fault.example)" "bounced bounced" "550 5.1.1 names the mailbox: disabled"
is "$(st unknown1@fault.example) $(dl unknown1@fault.example)" "bounced bounced" "'Unknown user' names the mailbox too"
is "$(st generic1@fault.example) $(dl generic1@fault.example)" "active failed" "554 5.3.0 does not: the delivery failed, the address stays"
is "$(st policy1@fault.example) $(dl policy1@fault.example)" "active failed" "5.7.1 is about our mail: the address stays"
is "$(sql "SELECT count(*) FROM bounce_events WHERE email='reject1@fault.example' AND inbound_id IS NULL")" 1 "a refusal at send time is recorded as a bounce event"

# subscriber restore undoes a bounce-disable, never an unsubscribe or a complaint.
run subscriber restore reject1@fault.example --reason "the relay's user table was wrong"
is "$rc" 0 "subscriber restore"
is "$(st reject1@fault.example)" active "puts a bounced address back"
like "$(sql "SELECT actor || ' ' || old_value || ' ' || new_value || ' ' || detail FROM audit_log WHERE email='reject1@fault.example' ORDER BY id DESC LIMIT 1")" "admin bounced active restored: the relay's user table was wrong" "audited as the administrator's, with the reason"
run subscriber restore ok1@fault.example --reason "x"
is "$rc" 1 "restoring an address that did not bounce is refused"
run subscriber add left@fault.example --list faults --confirmed
sql "UPDATE subscribers SET status='unsubscribed' WHERE email='left@fault.example'"
run subscriber restore left@fault.example --reason "asked by phone"
is "$rc" 1 "restore never undoes an unsubscribe"
like "$err" "unsubscribed.*subscriber's own" "and says why"
run subscriber restore reject1@fault.example
is "$rc" 2 "--reason is required"
run list show faults
like "$out" 'members: +6 \(4 active\)' "list show counts the subscriber's status, not only the membership's"
done_testing
