#!/bin/bash
# Where templates are found: beside the configuration file, in the installed
# data directory, or beside the binary, whatever the working directory; when
# they are nowhere, the error says where it looked.
. "$(dirname "$0")/../lib.sh"

# A directory far from the source tree, no templates key: found beside the binary.
mkdir -p work/etc
cd work
printf '[sender]\ndomain = metronorth.example\n' > etc/outreach.conf
run init
run list add net --name Net --from news@metronorth.example
run subscriber add ada@school.example --list net --confirmed
printf -- '---\nlist: net\nsubject: Hello\n---\nHello {{name}}\n' > hello.md
run send hello.md
is "$rc" 0 "send works from a directory other than the source tree"
run run --once
is "$(ls var/outbox/new | wc -l)" 1 "and the message is composed with the templates beside the binary"

# Templates beside the configuration file win, however the command is run.
mkdir -p ../conf/etc/mytemplates
cp -r "$TOP"/templates/* ../conf/etc/mytemplates/
sed -i 's/<body/<body data-marker="beside-the-config"/' ../conf/etc/mytemplates/newsletter.html
printf '[sender]\ndomain = metronorth.example\n[brand]\ntemplates = mytemplates\n' > ../conf/etc/outreach.conf
run -c ../conf/etc/outreach.conf preview hello.md --format html
is "$rc" 0 "preview with templates named relative to the configuration file"
like "$out" 'beside-the-config' "uses the templates beside the configuration file"

# A binary with no templates anywhere near it: the error lists every place tried.
cp "$BIN" ./lonely
run_lonely() { out=$(./lonely "$@" 2>"$TESTDIR/.stderr"); rc=$?; err=$(cat "$TESTDIR/.stderr"); }
run_lonely preview hello.md
is "$rc" 1 "no templates anywhere: the command fails"
like "$err" "\\[brand\\] templates 'templates' not found: looked in $TESTDIR/work/etc/templates, $TESTDIR/work/etc/../templates, .*/share/outreach/templates, $TESTDIR/work/templates" "naming every place it looked"
cd ..
done_testing
