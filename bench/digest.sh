#!/bin/bash
# bench/digest.sh [N] - a weekly digest for a list of N subscribers (default
# 100,000; a third take weekly digests) with 200 upcoming events and 2,000
# open opportunities.  Prints the time from `outreach digest` starting to the
# digest campaign queued with its deliveries (and that command's peak RSS),
# then the delivery rate into the Maildir outbox like any campaign, and the
# queue runner's peak RSS.  Targets (the events issue): queued in under 10 s,
# under 64 MB.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
n=${1:-100000}
make -s outreach
dir=$(mktemp -d /tmp/outreach-digest.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
mkdir -p etc
cat > etc/outreach.conf <<CONF
[brand]
templates = $top/templates
[sender]
domain = metronorth.example
[log]
level = warn
CONF
o=$top/outreach
$o init >/dev/null
$o list add bench --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>" >/dev/null
$o list set bench --timezone America/New_York >/dev/null
python3 - "$n" <<'PY'
import sys, datetime
n = int(sys.argv[1])
with open("members.csv", "w") as f:
    f.write("email,name,digest\n")
    for i in range(n):
        f.write(f"member{i}@school{i % 37}.example,Member {i},{'weekly' if i % 3 == 0 else 'immediate'}\n")
day = datetime.date.today()
with open("events.csv", "w") as f:
    f.write("slug,list,kind,title,starts,location\n")
    for i in range(200):
        d = day + datetime.timedelta(days=2 + i % 180)
        f.write(f"event-{i},bench,{['meeting', 'forum', 'workshop'][i % 3]},Network event {i},{d} 16:00,Room {i}\n")
with open("opportunities.csv", "w") as f:
    f.write("slug,list,kind,title,org,deadline,url\n")
    for i in range(2000):
        d = day + datetime.timedelta(days=2 + i % 300)
        f.write(f"opp-{i},bench,internship,Internship {i},Employer {i % 97},{d},https://jobs.example/{i}\n")
PY
$o subscriber import members.csv --list bench --confirmed >/dev/null
$o event import events.csv >/dev/null
$o opportunity import opportunities.csv >/dev/null
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o digest-rss.txt $o digest --list bench --period weekly > digest.out
t1=$(date +%s.%N)
queued=$(sqlite3 var/outreach.db "SELECT count(*) FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id WHERE c.kind = 'digest'")
t2=$(date +%s.%N)
/usr/bin/time -f '%M' -o run-rss.txt $o run --once 2>/dev/null
t3=$(date +%s.%N)
sent=$(sqlite3 var/outreach.db "SELECT count(*) FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id WHERE c.kind = 'digest' AND d.status = 'sent'")
size=$(wc -c < "var/outbox/new/$(ls -S var/outbox/new | head -1)")
python3 - "$t0" "$t1" "$t2" "$t3" "$queued" "$sent" "$(cat digest-rss.txt)" "$(cat run-rss.txt)" "$size" "$n" <<'PY'
import sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
queued, sent, drss, rrss, size, n = map(int, sys.argv[5:11])
print(f"subscribers {n:,}; 200 events, 2,000 opportunities")
print(f"digest queued to {queued:,} weekly subscribers in {t1 - t0:.2f} s (peak RSS {drss / 1024:.1f} MB)")
print(f"delivered {sent:,} into the Maildir in {t3 - t2:.2f} s = {sent / (t3 - t2):,.0f} msg/s"
      f" (peak RSS {rrss / 1024:.1f} MB; largest message {size / 1024:.1f} KB)")
PY
