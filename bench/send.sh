#!/bin/bash
# bench/send.sh - deliver one personalised newsletter to N subscribers
# (default 100,000) through Postfix's smtp-sink on 127.0.0.1 with 4
# connections, and compare with Postfix's smtp-source sending the same number
# of messages of the same size over the same 4 sessions to the same sink.
# Prints messages/second, peak RSS and the ratio.
# Targets (issue 4): at least 0.8 of smtp-source; RSS under 64 MB.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100000}
sessions=4
make -s outreach
top=$PWD
dir=$(mktemp -d /tmp/outreach-send.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
smtp-sink -u nobody 127.0.0.1:$port 1024 2>/dev/null &
sink=$!
trap 'kill $sink 2>/dev/null; rm -rf "$dir"' EXIT
sleep 0.3
cd "$dir"
mkdir -p etc
cat > etc/outreach.conf <<CONF
[transport]
url = smtp://127.0.0.1:$port
starttls = off
max_connections = $sessions
messages_per_connection = 1000000
[sender]
domain = metronorth.example
[brand]
templates = $top/templates
[log]
level = warn
CONF
o=$top/outreach
$o init >/dev/null
$o list add bench --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>" >/dev/null
python3 -c "
print('email,name')
for i in range($n): print(f'member{i}@school{i % 500}.example,Member Number {i}')" > members.csv
$o subscriber import members.csv --list bench --confirmed >/dev/null
sed 's/^list: metro-north/list: bench/; /^topic:/d' "$top/etc/demo/newsletter.md" > news.md
$o send news.md >/dev/null
size=$($o preview news.md | wc -c)
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o rss.txt $o run --once 2>/dev/null
t1=$(date +%s.%N)
sent=$(sqlite3 var/outreach.db "SELECT count(*) FROM deliveries WHERE status='sent'")
t2=$(date +%s.%N)
smtp-source -s $sessions -m "$n" -l "$size" -f bench@metronorth.example -t sink@example.org 127.0.0.1:$port
t3=$(date +%s.%N)
python3 - "$n" "$sent" "$t0" "$t1" "$t2" "$t3" "$(cat rss.txt)" "$size" <<'PY'
import sys
n, sent = int(sys.argv[1]), int(sys.argv[2])
t0, t1, t2, t3 = map(float, sys.argv[3:7])
rss_kb, size = int(sys.argv[7]), int(sys.argv[8])
ours, theirs = sent / (t1 - t0), n / (t3 - t2)
print(f"outreach:     {sent} personalised messages ({size} bytes) in {t1 - t0:.1f} s = {ours:,.0f} msg/s, peak RSS {rss_kb / 1024:.1f} MB")
print(f"smtp-source:  {n} messages of {size} bytes, 4 sessions, in {t3 - t2:.1f} s = {theirs:,.0f} msg/s")
print(f"ratio:        {ours / theirs:.2f} of smtp-source")
PY
