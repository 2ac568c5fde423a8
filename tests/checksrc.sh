#!/bin/sh
# checksrc - what src/ must not hold: unbounded or unchecked calls (sprintf, strcpy, atoi
# and the like), files over 40 KB, lines over 100 columns.
set -u
cd "$(dirname "$0")/.."
n=0
bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets)\s*\(' src/*.c src/*.h |
	grep -vE '\b(snprintf|vsnprintf)\b')
if [ -n "$bad" ]; then
	echo "not ok 1 - banned calls in src/"; echo "$bad" | sed 's/^/# /'; n=1
else
	echo "ok 1 - no banned calls in src/"
fi
big=$(find src -name '*.[ch]' -size +40k)
if [ -n "$big" ]; then
	echo "not ok 2 - files over 40 KB: $big"; n=1
else
	echo "ok 2 - no source file over 40 KB"
fi
long=$(awk 'length($0) > 100 { print FILENAME ":" FNR }' src/*.c src/*.h | head)
if [ -n "$long" ]; then
	echo "not ok 3 - lines over 100 columns"; echo "$long" | sed 's/^/# /'; n=1
else
	echo "ok 3 - lines under 100 columns"
fi
exit $n
