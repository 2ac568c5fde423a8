#!/bin/bash
# bench/web.sh - the web side under load, with wrk on 127.0.0.1 against
# `outreach web` (the release build):
#   - the preference page (GET): 64 connections for throughput, 16 for latency;
#   - the one-click unsubscribe POST, each request unsubscribing a different
#     subscriber (a real commit with its audit row), 64 connections.
# Prints requests per second and p99 latency of each.
# Targets (the web issue): page over 5,000 req/s at 64 connections, p99 under
# 20 ms at 16; one-click over 1,000 req/s.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
secs=${SECS:-10}
n=${SUBSCRIBERS:-60000}
command -v wrk >/dev/null || { echo "bench/web.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }
make -s outreach
dir=$(mktemp -d /tmp/outreach-web.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
cd "$dir"
mkdir -p etc
cat > etc/outreach.conf <<CONF
[web]
listen = 127.0.0.1:$port
base_url = http://127.0.0.1:$port
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
$o list add other --name "MetroWest STEM Education Network" --from "MetroWest <news@metrowest.example>" >/dev/null
python3 -c "
print('email,name,topics')
for i in range($n): print(f'member{i}@school{i % 500}.example,Member Number {i},meetings;forums')" > members.csv
$o subscriber import members.csv --list bench --confirmed >/dev/null
# A campaign to sign the links with, scheduled far ahead so nothing is sent.
printf -- '---\nlist: bench\nsubject: Bench\nsend_at: 2099-01-01 09:00 UTC\n---\nHello\n' > b.md
$o send b.md >/dev/null
$o run --once 2>/dev/null
camp=$(sqlite3 var/outreach.db "SELECT id FROM campaigns WHERE subject='Bench'")
python3 - "$port" "$n" "$camp" > urls.txt <<'PY'
import base64, hashlib, hmac, sys
port, n, camp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
key = bytes.fromhex(open("var/secret.key").read().strip())
def b36(x):
    d = "0123456789abcdefghijklmnopqrstuvwxyz"; s = ""
    while True:
        s = d[x % 36] + s; x //= 36
        if x == 0: return s
def tok(p, a, b):
    t = f"{p}-{b36(a)}-{b36(b)}-0"
    m = hmac.new(key, b"outreach/1:" + t.encode(), hashlib.sha256).digest()[:16]
    return t + "-" + base64.b32encode(m).decode().rstrip("=").lower()
print(f"http://127.0.0.1:{port}/p/{tok('p', 1, 0)}")
for i in range(1, n + 1):
    print(f"/u/{tok('u', i, camp)}")
PY
prefs=$(head -1 urls.txt)
tail -n +2 urls.txt > oneclick.txt
cat > oneclick.lua <<'LUA'
-- Each thread walks its own share of the one-click URLs: every request a new subscriber.
id = 0 -- set per thread by setup(), so not a local
local urls, threads, i = {}, 1, 0
for line in io.lines("oneclick.txt") do urls[#urls + 1] = line end
local count = 0
function setup(thread) thread:set("id", count); count = count + 1 end
function init(args) threads = tonumber(args[1]) end
request = function()
	local k = id + i * threads + 1
	i = i + 1
	if k > #urls then k = (k - 1) % #urls + 1 end
	return wrk.format("POST", urls[k], {["Content-Type"] = "application/x-www-form-urlencoded"},
	                  "List-Unsubscribe=One-Click")
end
LUA
$o web 2>web.log &
pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
curl -sf -o /dev/null "$prefs" || { echo "bench/web.sh: the preference page does not answer" >&2; exit 1; }

# report LABEL WRK-OUTPUT - requests/s and p99 from wrk --latency.
report() {
	python3 - "$1" "$2" <<'PY'
import re, sys
label, out = sys.argv[1], sys.argv[2]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
codes = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
errs = re.search(r"Socket errors: (.*)", out)
print(f"{label:<44} {rps:>9,.0f} req/s   p99 {p99:7.2f} ms" +
      (f"   non-2xx {codes.group(1)}" if codes else "") + (f"   socket errors: {errs.group(1)}" if errs else ""))
PY
}
echo "outreach web, ${secs} s each, wrk on 127.0.0.1 (2 cores shared by wrk and the server)"
report "preference page GET, 64 connections" "$(wrk -t2 -c64 -d${secs}s --latency "$prefs")"
report "preference page GET, 16 connections" "$(wrk -t2 -c16 -d${secs}s --latency "$prefs")"
before=$(sqlite3 var/outreach.db "SELECT count(*) FROM audit_log WHERE actor='one-click'")
report "one-click POST, 64 connections" "$(wrk -t2 -c64 -d${secs}s --latency -s oneclick.lua "http://127.0.0.1:$port" -- 2)"
after=$(sqlite3 var/outreach.db "SELECT count(*) FROM audit_log WHERE actor='one-click'")
echo "one-click: $((after - before)) subscribers unsubscribed, each with its audit row"
[ $((after - before)) -lt "$n" ] || echo "note: every subscriber was used; raise SUBSCRIBERS for a longer run"
