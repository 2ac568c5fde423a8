#!/bin/sh
# run-fuzzers.sh SECONDS - run every libFuzzer target in build/fuzz/ for SECONDS
# each, with its corpus in build/fuzz/corpus/NAME, seeded from the project's
# own sample files.  Prints one TAP line per target; a crash, leak or timeout fails it
# and leaves the reproducer in build/fuzz/.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-10}
n=0
fail=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	n=$((n + 1))
	corpus=build/fuzz/corpus/$name
	mkdir -p "$corpus"
	# Seeds are the project's own sample files, read in place.
	case $name in
	fuzz_template) seeds="templates" ;;
	fuzz_frontmatter | fuzz_markdown) seeds="etc/demo tests/data" ;;
	fuzz_csv) seeds="etc/demo" ;;
	fuzz_bounce) seeds="tests/data/bounces" ;;
	fuzz_form) seeds="tests/data/web" ;;
	*) seeds= ;;
	esac
	log=build/fuzz/$name.log
	if (cd build/fuzz && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
		"./$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="./$name-" "corpus/$name" $(for d in $seeds; do echo "../../$d"; done)) \
		>"$log" 2>&1; then
		echo "ok $n - $name ran ${secs}s: $(grep -Eo 'stat::number_of_executed_units: [0-9]+|#[0-9]+\s+DONE.*' "$log" | tail -1)"
	else
		echo "not ok $n - $name failed (see $log)"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 | sed 's/^/# /'
		fail=1
	fi
done
[ "$n" -gt 0 ] || echo "ok 1 # SKIP no fuzz targets built"
exit $fail
