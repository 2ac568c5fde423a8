#!/bin/sh
# bench/import.sh - import N generated subscribers (default 100,000) into a
# fresh database and print rows/second and peak RSS.
# Target (issue 2): under 2 s and under 32 MB on a 2-core machine.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100000}
make -s outreach
dir=$(mktemp -d /tmp/outreach-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
python3 - "$n" "$dir/members.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
topics = ["", "meetings", "forums;opportunities", "newsletter"]
digests = ["immediate", "weekly", "monthly", ""]
with open(path, "w") as f:
    f.write("email,name,topics,digest\n")
    for i in range(n):
        f.write(f"member{i}@school{i % 500}.example,Member {i},{topics[i % 4]},{digests[i % 4]}\n")
PY
bin=$PWD/outreach
cd "$dir"
"$bin" init >/dev/null
"$bin" list add bench --name Bench --from bench@example.org >/dev/null
/usr/bin/time -f '%e %M' -o time.txt "$bin" subscriber import members.csv --list bench --confirmed
read -r secs kb < time.txt
python3 - "$n" "$secs" "$kb" <<'PY'
import sys
n, secs, kb = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"import: {n} rows in {secs:.2f} s = {n / max(secs, 0.001):,.0f} rows/s, peak RSS {kb / 1024:.1f} MB")
PY
