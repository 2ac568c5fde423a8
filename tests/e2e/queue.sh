#!/bin/bash
# The spool, the queue runner and the daemon against real SMTP servers on
# 127.0.0.1: Postfix's smtp-sink (dump mode) and a fault-injecting server.
. "$(dirname "$0")/../lib.sh"

start_sink "$TESTDIR/sink"
sink_port=$SINK_PORT
fault_port=$(free_port)
mkdir -p fault
python3 "$TOP/tests/tools/smtp_fault.py" $fault_port fault fault.pid 2>fault.log &
stop_later $!
wait_port $fault_port

mkdir -p etc
cat > etc/outreach.conf <<CONF
[transport]
url = smtp://127.0.0.1:$sink_port
starttls = off
retry_min = 1s
retry_max = 2s
[sender]
domain = metronorth.example
[brand]
templates = $TOP/templates
CONF
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>"
printf 'email,name,topics\n' > members.csv
for i in $(seq 1 40); do printf 'member%d@school%d.example,Member %d,%s\n' $i $((i % 3)) $i "$([ $((i % 4)) = 0 ] && echo opportunities)"; done >> members.csv
run subscriber import members.csv --list metro-north --confirmed
is "$out" "imported 40, updated 0, rejected 0" "40 subscribers"
run subscriber add weekly@school.example --list metro-north --confirmed --digest weekly
run subscriber add gone@school.example --list metro-north --confirmed
run suppress add gone@school.example

cat > news.md <<'MD'
---
list: metro-north
subject: "Forum news"
topic: forums
---
# Forum news

.a line starting with a dot
..and one with two
MD

run send news.md
is "$rc" 0 "send with no daemon queues the file"
like "$out" '^campaign 1 \(no daemon is running: `outreach run --once` sends it' \
	"send says which campaign it made, and that no daemon sends it"
is "$(ls queue/new | wc -l)" 0 "the file left queue/new"
is "$(sql "SELECT count(*) FROM campaigns WHERE status IN ('queued','scheduled')")" 1 \
	"the campaign waits for a runner"
run run --once
is "$rc" 0 "run --once"
is "$(ls queue/cur | wc -l)" 1 "and is in queue/cur"
is "$(sql "SELECT status FROM campaigns")" "sent" "the campaign is sent"
# 40 members, 10 of whom chose only 'opportunities'; weekly and suppressed ones excluded.
is "$(sql "SELECT count(*) FROM deliveries WHERE status='sent'")" 30 "30 deliveries sent"
for _ in $(seq 30); do [ "$(ls sink | wc -l)" -ge 30 ] && break; sleep 0.1; done
is "$(ls sink | wc -l)" 30 "smtp-sink received 30 messages"
is "$(grep -l 'X-Rcpt-Args: <weekly@school.example>' sink/* 2>/dev/null | wc -l)" 0 "weekly digest subscriber not mailed"
is "$(grep -l 'X-Rcpt-Args: <gone@school.example>' sink/* 2>/dev/null | wc -l)" 0 "suppressed subscriber not mailed"
is "$(grep -l 'X-Rcpt-Args: <member4@school1.example>' sink/* 2>/dev/null | wc -l)" 0 "subscriber without the topic not mailed"
f=$(grep -l 'X-Rcpt-Args: <member1@school1.example>' sink/* | head -1)
like "$(cat "$f")" 'X-Mail-Args: .*<bounces\+b-[0-9a-z]+-0-0-[a-z0-9]+@metronorth.example>' "envelope sender is the VERP address"
python3 - "$f" > body.txt <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
raw = raw[raw.index(b"\n", raw.index(b"X-Rcpt-Args")) + 1:]
m = email.message_from_bytes(raw, policy=email.policy.default)
print(m.get_body(("plain",)).get_content())
PY
like "$(cat body.txt)" $'\n\\.a line starting with a dot' "a line starting with '.' arrives intact"
like "$(cat body.txt)" $'\n\\.\\.and one with two' "a line starting with '..' arrives intact"
is "$(sql "SELECT count(*) FROM deliveries WHERE message_id LIKE '<1.%@metronorth.example>'")" 30 "Message-IDs are stored"
run run --once
is "$(ls sink | wc -l)" 30 "a second run sends nothing again"

# Faults: hard bounce at RCPT, policy refusal, deferral, throttling, dropped connection.
sed -i "s/127.0.0.1:$sink_port/127.0.0.1:$fault_port/" etc/outreach.conf
run list add faults --name Faults --from news@metronorth.example
for a in reject1 policy1 defer1 defer2 throttle1 drop1 bigfail1 ok1 ok2; do
	run subscriber add $a@fault.example --list faults --confirmed
done
printf -- '---\nlist: faults\nsubject: Faults\n---\nHello\n' > faults.md
run send faults.md
run run --once
delivery() { sql "SELECT d.status FROM deliveries d JOIN campaigns c ON c.id=d.campaign_id WHERE c.subject='Faults' AND d.email='$1'"; }
is "$(delivery reject1@fault.example)" bounced "5xx at RCPT: bounced"
is "$(sql "SELECT status FROM subscribers WHERE email='reject1@fault.example'")" bounced "and the subscriber is marked bounced"
like "$(sql "SELECT detail FROM audit_log WHERE email='reject1@fault.example' AND actor='bounce'")" '550 5.1.1' "the audit log keeps the SMTP reply"
is "$(delivery policy1@fault.example)" failed "5.7.x policy refusal: failed"
is "$(sql "SELECT status FROM subscribers WHERE email='policy1@fault.example'")" active "but the subscriber stays active"
is "$(delivery bigfail1@fault.example)" failed "5xx after DATA: failed"
is "$(delivery ok1@fault.example)" sent "ordinary address: sent"
like "$(sql "SELECT last_reply FROM deliveries WHERE email='defer1@fault.example'")" '451 4.3.0' "4xx reply is stored"
is "$(delivery defer1@fault.example)" deferred "4xx: deferred"
is "$(sql "SELECT next_attempt > updated_at AND next_attempt <= updated_at + 3 FROM deliveries WHERE email='defer1@fault.example'")" 1 \
	"deferred delivery has a next attempt, retry_min to retry_max after it was deferred"
# An address that unsubscribes while its message waits for a retry is not retried.
is "$(delivery defer2@fault.example)" deferred "a second deferred delivery"
run subscriber rm defer2@fault.example --list faults
sleep 3
run run --once
is "$(delivery defer2@fault.example)" failed "once its membership is gone, a waiting retry is dropped"
like "$(sql "SELECT last_reply FROM deliveries WHERE email='defer2@fault.example'")" '^not sent: ' "and says why"
sleep 3
run run --once
is "$(delivery drop1@fault.example)" sent "dropped connection: retried and sent"
# run --once is one pass over what is due when it starts: a retry due later
# waits for the next pass.  throttle1 is refused three times.
is "$(delivery throttle1@fault.example)" deferred "throttled: still deferred after three passes"
sleep 3
run run --once
is "$(delivery throttle1@fault.example)" sent "throttled: retried at each pass and sent"
like "$err$(cat /dev/null)" '' "run --once ran"
is "$(grep -c 'X-Rcpt-To: ok1@fault.example' fault/* | awk -F: '{s+=$2} END {print s}')" 1 "ok1 received exactly one copy"

# Give up after give_up_after.
sql "UPDATE deliveries SET first_attempt = first_attempt - 400000 WHERE email='defer1@fault.example'"
run run --once
is "$(delivery defer1@fault.example)" failed "a delivery deferred too long fails"
like "$(sql "SELECT last_reply FROM deliveries WHERE email='defer1@fault.example'")" '^gave up: ' "and says it gave up"

# The late guard and stale notices.
sed -i "s/127.0.0.1:$fault_port/127.0.0.1:$sink_port/" etc/outreach.conf
printf -- '---\nlist: metro-north\nsubject: Late news\nsend_at: 2020-01-01 09:00 America/New_York\n---\nLate\n' > late.md
run send late.md
run run --once
is "$(sql "SELECT status FROM campaigns WHERE subject='Late news'")" paused "a campaign far past its send time is held"
like "$(sql "SELECT status_reason FROM campaigns WHERE subject='Late news'")" 'max_lateness' "with a clear reason"
id=$(sql "SELECT id FROM campaigns WHERE subject='Late news'")
run campaign resume $id
is "$rc" 0 "campaign resume"
run run --once
is "$(sql "SELECT status FROM campaigns WHERE subject='Late news'")" sent "a resumed late campaign is sent"
printf -- '---\nlist: metro-north\nsubject: Stale notice\nkind: notice\nevent:\n  title: Past meeting\n  starts: 2021-03-04 16:00\n  tz: America/New_York\n---\nCome\n' > stale.md
run send stale.md
is "$rc" 1 "send refuses a notice for an event that has started"
like "$err" 'stale.md:7: event.starts: the event started on Thursday, March 4, 2021, 4:00 PM EST' \
	"naming the file and line"
is "$(sql "SELECT count(*) FROM campaigns WHERE subject='Stale notice'")" 0 "and makes no campaign"
# Dropped straight into the spool (as a script might), the runner drops it.
cp stale.md queue/tmp/stale.md && mv queue/tmp/stale.md queue/new/stale.md
run run --once
is "$(sql "SELECT status FROM campaigns WHERE subject='Stale notice'")" cancelled "a notice for an event that has started is never sent"
is "$(sql "SELECT count(*) FROM deliveries d JOIN campaigns c ON c.id=d.campaign_id WHERE c.subject='Stale notice'")" 0 "and has no deliveries"

# Per-domain pacing defers to the next minute without counting an attempt.
sed -i 's/^\[transport\]$/[transport]\ndomain_per_minute = 2/' etc/outreach.conf
run list add paced --name "Paced" --from "Metro North <news@metronorth.example>"
for i in 1 2 3 4 5; do run subscriber add "p$i@paced.example" --list paced --confirmed; done
printf -- '---\nlist: paced\nsubject: Paced news\n---\nOne domain\n' > paced.md
run send paced.md
run run --once
q="FROM deliveries d JOIN campaigns c ON c.id=d.campaign_id WHERE c.subject='Paced news'"
sent=$(sql "SELECT count(*) $q AND d.status='sent'")
ok "$([ "$sent" -ge 2 ] && [ "$sent" -lt 5 ]; echo $?)" "pacing: 2 a minute to one domain sent first (got $sent)"
is "$(sql "SELECT count(*) $q AND d.status='deferred' AND d.last_reply LIKE 'paced:%'")" $((5 - sent)) "the rest deferred as paced"
is "$(sql "SELECT count(*) $q AND d.status='deferred' AND (d.attempts <> 0 OR d.first_attempt IS NOT NULL)")" 0 "a paced delivery has no attempt counted"
is "$(sql "SELECT count(*) $q AND d.status='deferred' AND d.next_attempt % 60 <> 0")" 0 "and waits for the next minute"
sed -i '/^domain_per_minute = 2$/d' etc/outreach.conf
sql "UPDATE deliveries SET next_attempt = 0 WHERE status = 'deferred'" >/dev/null
run run --once
is "$(sql "SELECT count(*) $q AND d.status='sent' AND d.attempts = 1")" 5 "then each is sent on its first attempt"

# A bad file dropped into the spool goes to failed/ with the reason.
printf -- '---\nlist: nope\nsubject: x\n---\nx\n' > queue/tmp/bad.md && mv queue/tmp/bad.md queue/new/bad.md
run run --once
ok "$([ -f queue/failed/bad.md ]; echo $?)" "a bad spool file is moved to failed/"
like "$(cat queue/failed/bad.md.error)" "bad.md:2: list: no list 'nope'" "with a .error file naming FILE:LINE"

# The daemon: one per database, ingests at once, SIGTERM exits cleanly.
"$BIN" daemon 2>daemon.log &
dpid=$!
stop_later $dpid
for _ in $(seq 50); do grep -q 'worker started' daemon.log && break; sleep 0.1; done
run daemon
is "$rc" 1 "a second daemon refuses to start"
like "$err" "another outreach daemon \(pid $dpid\)" "and names the running one"
run run --once
is "$rc" 1 "run --once refuses while the daemon runs"
before=$(ls sink | wc -l)
# The same text again within a day is refused: a file dropped twice is sent once.
run send news.md
is "$rc" 1 "send refuses the same text sent less than a day ago"
like "$err" "news.md: the same text became campaign [0-9]+ at .*; change it to send it again" "and says which campaign it became"
sed 's/^subject: "Forum news"$/subject: "Forum news, again"/' news.md > news2.md
run send --wait news2.md
is "$rc" 0 "send --wait with a daemon"
like "$out" '^campaign [0-9]+' "send prints the campaign id"
like "$out" 'campaign [0-9]+: sent, 30/30 done: sent 30' "and waits for delivery"
for _ in $(seq 30); do [ "$(ls sink | wc -l)" -ge $((before + 30)) ] && break; sleep 0.1; done
is "$(ls sink | wc -l)" $((before + 30)) "the daemon delivered 30 more"
run status
like "$out" "daemon: +running \(pid $dpid\)" "status shows the daemon"

# Whatever is dropped into queue/new, the worker neither hangs nor follows links.
mkfifo queue/new/0-fifo.md
ln -s /etc/shadow queue/new/0-link.md
printf -- '---\nlist: metro-north\nsubject: Dropped twice\n---\nOnce\n' > queue/tmp/d1.md
mv queue/tmp/d1.md queue/new/1-first.md
ln queue/new/1-first.md queue/new/2-second.md
sed 's/^subject: "Forum news"$/subject: "After the FIFO"/' news.md > news3.md
run send news3.md
like "$out" '^campaign [0-9]+' "a FIFO in the spool does not stop the worker"
for _ in $(seq 50); do [ -f queue/failed/2-second.md.error ] && break; sleep 0.1; done
ok "$([ -p queue/failed/0-fifo.md ]; echo $?)" "the FIFO is moved to failed/"
like "$(cat queue/failed/0-fifo.md.error)" "not a regular file \(a FIFO\)" "with the reason"
ok "$([ -L queue/failed/0-link.md ]; echo $?)" "the symbolic link is moved to failed/, not followed"
like "$(cat queue/failed/0-link.md.error)" "a symbolic link \(not followed\)" "with the reason"
is "$(sql "SELECT count(*) FROM campaigns WHERE subject='Dropped twice'")" 1 "a file dropped under two names becomes one campaign"
like "$(cat queue/failed/2-second.md.error)" "the same text became campaign [0-9]+ at" "the second name is refused with the reason"
unlike "$(cat daemon.log)" 'killed by signal|shadow' "nothing crashed, nothing followed the link"
kill -TERM $dpid
t0=$(date +%s)
wait $dpid
drc=$?
is "$drc" 0 "SIGTERM: the daemon exits 0"
ok "$([ $(($(date +%s) - t0)) -le 10 ]; echo $?)" "within 10 seconds"

done_testing
