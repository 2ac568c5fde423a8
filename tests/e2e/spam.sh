#!/bin/bash
# SpamAssassin (local tests only, no network) scores the sample newsletter and
# notice below 2.0, with no MIME or HTML structure rule firing.  HTML_MESSAGE
# (score 0.001) only says that an HTML part exists, and is allowed.
. "$(dirname "$0")/../lib.sh"
if ! command -v spamassassin >/dev/null; then
	skip "spamassassin is not installed"
	done_testing
	exit 0
fi
mkdir -p etc
printf '[brand]\ntemplates = %s/templates\n[sender]\ndomain = metronorth.example\n[web]\nbase_url = https://prefs.metronorth.example\n' "$TOP" > etc/outreach.conf
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North STEM Network <news@metronorth.example>" --reply-to coordinator@metronorth.example --description "Schools, colleges, employers and workforce boards north of Boston"
run subscriber add maria.santos@everett-schools.example --list metro-north --name "Maria Santos" --confirmed
for doc in newsletter notice; do
	run preview "$TOP/etc/demo/$doc.md" --to maria.santos@everett-schools.example
	printf '%s\n' "$out" > $doc.eml
	report=$(spamassassin -L -t < $doc.eml 2>/dev/null)
	status=$(printf '%s\n' "$report" | sed -n '/^X-Spam-Status:/,/^[^ \t]/p' | head -n -1 | tr -d '\n\t')
	score=$(printf '%s' "$status" | sed -E 's/.*score=(-?[0-9.]+).*/\1/')
	rules=$(printf '%s' "$status" | sed -E 's/.*tests=([^ ]*).*/\1/')
	echo "# $doc: SpamAssassin score $score, rules: $rules"
	ok "$(python3 -c "import sys; sys.exit(0 if float('$score') < 2.0 else 1)"; echo $?)" "$doc scores below 2.0 ($score)"
	bad=$(printf '%s' "$rules" | tr ',' '\n' | grep -E '^(MIME_|HTML_|MPART_|CTYPE_|__MIME)' | grep -v '^HTML_MESSAGE$' | tr '\n' ' ')
	is "$bad" "" "$doc fires no MIME or HTML structure rule"
done
done_testing
