#!/bin/bash
# The HTML part rendered by headless Chromium: it loads with no external
# requests, shows the greeting, the body and the footer links, and fits a
# phone's width; the newsletter's table stacks into one column at 375 px
# (tests/browser/mail.test.mjs, screenshots in build/screenshots/).  Leaves
# screenshots in $OUTREACH_SHOTS too if that is set.
. "$(dirname "$0")/../lib.sh"
CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
	skip "chromium is not installed"
	done_testing
	exit 0
fi
mkdir -p etc
printf '[brand]\ntemplates = %s/templates\n[sender]\ndomain = metronorth.example\n[web]\nbase_url = https://prefs.metronorth.example\n' "$TOP" > etc/outreach.conf
run init
run list add metro-north --name "Metro North STEM Network" --from "Metro North STEM Network <news@metronorth.example>" --description "Schools, colleges, employers and workforce boards north of Boston"
run subscriber add maria.santos@everett-schools.example --list metro-north --name "Maria Santos" --confirmed
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TESTDIR/chrome-profile" "$@" 2>>chrome.log
}
for doc in newsletter notice; do
	run preview "$TOP/etc/demo/$doc.md" --to maria.santos@everett-schools.example --format html
	printf '%s' "$out" > $doc.html
	dom=$(chrome --dump-dom "file://$TESTDIR/$doc.html")
	if [ $doc = newsletter ]; then
		like "$dom" 'Dear Maria Santos,' "$doc: Chromium renders the greeting"
	else
		is "$(printf '%s' "$dom" | grep -o 'Dear [A-Za-z ]*,' | tr '\n' ' ')" "Dear partners, " \
			"$doc: a body that greets is greeted once, by itself"
	fi
	like "$dom" 'href="https://prefs.metronorth.example/u/u-' "$doc: unsubscribe link present"
	like "$dom" 'href="https://prefs.metronorth.example/p/p-' "$doc: preference link present"
	for width in 375 800; do
		chrome --screenshot="$TESTDIR/$doc-$width.png" --window-size=$width,1600 \
			--hide-scrollbars "file://$TESTDIR/$doc.html" >/dev/null
		ok "$([ -s "$doc-$width.png" ]; echo $?)" "$doc: screenshot at ${width}px"
	done
	[ -n "${OUTREACH_SHOTS:-}" ] && cp $doc-*.png "$OUTREACH_SHOTS"/ 2>/dev/null
done
if [ -d "$TOP/tests/browser/node_modules/playwright-core" ]; then
	(cd "$TOP/tests/browser" && node mail.test.mjs "$TESTDIR/newsletter.html" \
		"$TOP/build/screenshots" newsletter-table) > mail.tap 2> mail.err
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "${line#ok * - }" ;;
		"not ok "*) ok 1 "${line#not ok * - }" ;;
		esac
	done < mail.tap
	is "$rc" 0 "the table check ran to its end$( [ "$rc" -ne 0 ] && printf ': %s' "$(head -c 300 mail.err)")"
else
	skip "tests/browser/node_modules missing (make check installs them)"
fi
done_testing
