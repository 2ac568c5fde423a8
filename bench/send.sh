#!/bin/bash
# bench/send.sh [N] - deliver one personalised newsletter to N subscribers
# (default 20,000, on 37 domains) through Postfix's smtp-sink on 127.0.0.1
# over 4 reused connections, at two sizes (about 7 KB, and about 21 KB with
# 32 short sections), beside two references in the same run, same sink,
# same connections, same message size:
#   - curl_bare: a bare libcurl multi client pushing one pre-built message
#     (the ceiling of any sender built on libcurl);
#   - smtp-source -d: Postfix's own client, reusing its sessions.
# Each size runs ROUNDS times (default 3), the three columns one after the
# other in every round, from the same starting state; it prints the median
# messages/second of each, outreach's ratios to both, its peak RSS, and the
# fewest messages outreach sent in a round (all N, or something is wrong).
# Targets (the delivery issue): outreach at least 0.9 of curl_bare at both
# sizes; peak RSS under 32 MB for 100,000 recipients (bench/send.sh 100000).
# Signed columns, same campaign, state, connections and rounds: outreach with
# [dkim] algorithm ed25519, and with rsa (2048 bits).  Targets (the DKIM
# issue): Ed25519 at least 0.9 of unsigned; RSA at least 0.8 of the smaller
# of unsigned and twice the single-core `openssl speed rsa2048` signing rate,
# measured at the start of the same run and printed.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
n=${1:-20000}
rounds=${ROUNDS:-3}
sessions=4
make -s outreach build/bench/curl_bare
dir=$(mktemp -d /tmp/outreach-send.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
smtp-sink -u nobody 127.0.0.1:$port 1024 2>/dev/null &
sink=$!
trap 'kill $sink 2>/dev/null; rm -rf "$dir"' EXIT
sleep 0.3

# newsletter SECTIONS - a newsletter document with that many short sections.
newsletter() {
	python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
print("---\nlist: bench\nsubject: \"Metro North STEM Network: news for the week\"\n---")
print("Dear {{name}},\n\nThis week across the network: forums, internships and meetings.\n")
for i in range(n):
    print(f"## {i + 1}. Opportunity at partner employer number {i + 1}\n")
    print(f"A paid summer placement with engineers, grades 10 to 12; "
          f"[details](https://metronorth.example/o/{i + 1}).\n")
PY
}

# The machine's own RSA-2048 signing rate on one core, the bound of RSA signing.
rsa_speed=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { print int($6) }')

# outreach_round CONF - reset to the starting state, run the queue once: "rate rss sent".
outreach_round() {
	rm -rf var/outreach.db-wal var/outreach.db-shm queue
	cp start.db var/outreach.db
	cp -a start.queue queue
	local t0 t1 sent
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o rss.txt $o -c "$1" run --once 2>/dev/null || true
	t1=$(date +%s.%N)
	sent=$(sqlite3 var/outreach.db "SELECT count(*) FROM deliveries WHERE status='sent'")
	echo "$(rate "$sent" "$t0" "$t1") $(cat rss.txt) $sent"
}

rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.0f}')" "$@"; }

printf '%-8s %9s %9s %12s %10s %10s %10s %9s %9s %9s %8s %9s\n' size outreach curl_bare \
	smtp-source "/bare" "/source" "RSS MB" messages ed25519 rsa2048 "ed/uns" "rsa/bound"
for sections in 6 32; do
	work=$dir/s$sections
	mkdir -p "$work/etc"
	cd "$work"
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
[web]
base_url = https://prefs.metronorth.example
[log]
level = warn
CONF
	o=$top/outreach
	$o init >/dev/null
	$o list add bench --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>" >/dev/null
	python3 -c "
print('email,name')
for i in range($n): print(f'member{i}@school{i % 37}.example,Member Number {i}')" > members.csv
	$o subscriber import members.csv --list bench --confirmed >/dev/null
	$o dkim keygen --selector ed --domain metronorth.example --key-file ed.pem \
		--algorithm ed25519 >/dev/null
	$o dkim keygen --selector rsa --domain metronorth.example --key-file rsa.pem >/dev/null
	printf '[dkim]\nselector = ed\nkey_file = ed.pem\nalgorithm = ed25519\n' |
		cat etc/outreach.conf - > etc/ed.conf
	printf '[dkim]\nselector = rsa\nkey_file = rsa.pem\nalgorithm = rsa\n' |
		cat etc/outreach.conf - > etc/rsa.conf
	newsletter $sections > news.md
	$o preview news.md | sed 's/$/\r/' > message.eml
	size=$(wc -c < message.eml)
	$o send news.md >/dev/null 2>&1
	# The starting state of every round: the campaign queued, nothing sent.
	cp var/outreach.db start.db
	cp -a queue start.queue
	: > results.txt
	for round in $(seq "$rounds"); do
		read -r ours rss sent < <(outreach_round etc/outreach.conf)
		bare=$($top/build/bench/curl_bare "smtp://127.0.0.1:$port/metronorth.example" message.eml \
		       "$n" $sessions | sed -E 's/.* = ([0-9]+) msg\/s.*/\1/')
		t2=$(date +%s.%N)
		smtp-source -s $sessions -d -m "$n" -l "$size" -f bench@metronorth.example \
		            -t sink@example.org 127.0.0.1:$port
		t3=$(date +%s.%N)
		read -r ed ed_rss ed_sent < <(outreach_round etc/ed.conf)
		read -r rsa rsa_rss rsa_sent < <(outreach_round etc/rsa.conf)
		[ "$ed_rss" -gt "$rss" ] && rss=$ed_rss
		[ "$rsa_rss" -gt "$rss" ] && rss=$rsa_rss
		[ "$ed_sent" -lt "$sent" ] && sent=$ed_sent
		[ "$rsa_sent" -lt "$sent" ] && sent=$rsa_sent
		echo "$ours $bare $(rate "$n" "$t2" "$t3") $rss $sent $ed $rsa" >> results.txt
	done
	python3 - "$size" results.txt "$rsa_speed" <<'PY'
import statistics, sys
size, speed = int(sys.argv[1]), float(sys.argv[3])
rows = [list(map(float, l.split())) for l in open(sys.argv[2])]
ours, bare, src = (statistics.median(r[i] for r in rows) for i in range(3))
ed, rsa = (statistics.median(r[i] for r in rows) for i in (5, 6))
rss, sent = max(r[3] for r in rows), min(int(r[4]) for r in rows)
print(f"{size / 1024:5.1f} KB {ours:9,.0f} {bare:9,.0f} {src:12,.0f} {ours / bare:10.2f}"
      f" {ours / src:10.2f} {rss / 1024:10.1f} {sent:9,d} {ed:9,.0f} {rsa:9,.0f}"
      f" {ed / ours:8.2f} {rsa / min(ours, 2 * speed):9.2f}")
PY
	cd "$top"
done
echo "(median msg/s of $rounds rounds; outreach: personalised messages composed, sent and"
echo " recorded, from process start to exit; $sessions connections each; ed25519, rsa2048:"
echo " the same, every message DKIM-signed; ed/uns = ed25519 / unsigned (target >= 0.9);"
echo " rsa/bound = rsa2048 / min(unsigned, 2 x $rsa_speed RSA-2048 signatures/s on one core,"
echo " openssl speed in this run) (target >= 0.8); messages: the fewest any outreach run sent)"
