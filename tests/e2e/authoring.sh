#!/bin/bash
# Writing, previewing and test-sending the way coordinators work: tables,
# raw HTML shown as written (with a warning naming the line), the greeting
# and preheader as front-matter choices, images and attachments taken from
# beside the document, the list's logo and postal address, test copies
# through the real transport, and the addresses a door refuses.
. "$(dirname "$0")/../lib.sh"
CHECK="python3 $TOP/tests/tools/check_mime.py"
start_sink "$TESTDIR/sink"
mkdir -p etc
cat > etc/outreach.conf <<CONF
[transport]
url = smtp://127.0.0.1:$SINK_PORT
starttls = off
[sender]
domain = metronorth.example
[brand]
templates = $TOP/templates
[web]
base_url = https://prefs.metronorth.example
CONF
run init
run list add mn --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>" --address "Metro North STEM Network, 352 Lafayette St, Salem, MA 01970" --logo "$TOP/tests/data/logo.png"
is "$rc" 0 "a list with a postal address and a logo"
run subscriber add maria.santos@everett-schools.example --list mn --name "Maria Santos" --confirmed
cp "$TOP/tests/data/logo.png" "$TOP/tests/data/flyer.pdf" .

# A table, raw HTML, a local image, a remote one without alt text, an attachment.
cat > forum.md <<'MD'
---
list: mn
subject: Spring STEM Forum and summer internships
preheader: The forum programme, and 34 paid internships.
attach: [flyer.pdf]
---
Dear partners,

The forum is on **May 20**. ~~Registration closes April 1~~ It stays open.

| Employer | Placements | Deadline |
|:---------|-----------:|:--------:|
| Acme Robotics | 12 | April 15 |
| Salem Hospital | 8 | April 30 |

<div>Sponsored by Acme</div>

![Network logo](logo.png)

![](https://metronorth.example/banner.png)

See www.metronorth.example/forum for the programme.
MD
run preview forum.md --to maria.santos@everett-schools.example --format html
is "$rc" 0 "preview"
like "$out" '<table class="md-table"' "a Markdown table is an HTML table"
like "$out" '<td[^>]*style="[^"]*padding' "with inline styles on its cells"
like "$out" '&lt;div&gt;Sponsored by Acme&lt;/div&gt;' "raw HTML is shown as written, escaped"
unlike "$out" 'raw HTML omitted' "never deleted"
like "$err" 'forum.md:16: warning: raw HTML is shown as text' "and the coordinator is told the line"
like "$err" 'forum.md:20: warning: image without alt text' "an image without alt text is warned"
like "$out" 'src="cid:img1' "the local image is carried inline"
like "$out" 'src="https://metronorth.example/banner.png"' "a remote image stays as it is"
like "$out" '<del>Registration closes April 1</del>' "strikethrough"
like "$out" 'href="http://www.metronorth.example/forum"' "an autolink"
like "$out" 'src="cid:logo' "the list's logo is at the top"
like "$out" '352 Lafayette St, Salem, MA 01970' "its postal address in the footer"
unlike "$out" 'Dear Maria Santos,' "a body that greets gets no second greeting"
run preview forum.md --to maria.santos@everett-schools.example --format text
like "$out" 'Employer +Placements +Deadline' "the table is aligned text in the plain part"
like "$out" 'Acme Robotics +12 +April 15' "row by row"
like "$out" '<div>Sponsored by Acme</div>' "raw HTML as written in the text part"
"$BIN" preview forum.md --to maria.santos@everett-schools.example > forum.eml 2>/dev/null
res=$($CHECK forum.eml --structure "multipart/mixed multipart/related multipart/alternative text/plain text/html image/png image/png application/pdf")
is "$res" "ok: multipart/mixed multipart/related multipart/alternative text/plain text/html image/png image/png application/pdf" "the message parses strictly: related images, the attachment"
like "$(grep -i '^Content-Disposition: attachment' forum.eml)" 'filename="flyer.pdf"' "the flyer is attached"
pre=$(python3 -c 'import email,sys; m=email.message_from_file(open(sys.argv[1]))
for p in m.walk():
    if p.get_content_type()=="text/html": print(p.get_payload(decode=True).decode())' forum.eml | grep -o 'display:none[^>]*>[^<]*' | head -1)
like "$pre" 'The forum programme, and 34 paid internships.' "the preheader from the front matter"

# Greeting: by default "Dear NAME,", none when asked, or the document's own.
printf -- '---\nlist: mn\nsubject: Plain\n---\nThe meeting moved to Room 5. Please note it.\n' > plain.md
run preview plain.md --to maria.santos@everett-schools.example --format text
like "$out" 'Dear Maria Santos,' "the default greeting"
"$BIN" preview plain.md --to maria.santos@everett-schools.example --format html > plain.html 2>/dev/null
like "$(grep -o 'display:none[^>]*>[^<]*' plain.html)" 'The meeting moved to Room 5\.$' "the preheader defaults to the first sentence"
printf -- '---\nlist: mn\nsubject: G\ngreeting: none\n---\nHello.\n' > g1.md
run preview g1.md --to maria.santos@everett-schools.example --format text
unlike "$out" 'Dear' "greeting: none"
printf -- '---\nlist: mn\nsubject: G\ngreeting: "Hi {{name}}, welcome back!"\n---\nNews.\n' > g2.md
run preview g2.md --to maria.santos@everett-schools.example --format text
like "$out" 'Hi Maria Santos, welcome back!' "a greeting of the document's own"

# A local file that is missing, too big, or of a kind mail does not carry.
printf -- '---\nlist: mn\nsubject: Missing\n---\n![Map](map.png)\n' > missing.md
run preview missing.md
is "$rc" 1 "a missing image fails"; like "$err" 'map.png' "naming it"
head -c 1200000 /dev/urandom > big.png
printf -- '---\nlist: mn\nsubject: Big\n---\n![Big](big.png)\n' > big.md
run preview big.md
is "$rc" 1 "an image over 1 MB fails"; like "$err" 'big.png is 1171 KB, over the 1024 KB' "saying so"
run list set mn --logo big.png
is "$rc" 1 "a logo over 1 MB is refused when set"; like "$err" 'big.png is 1171 KB, over the 1024 KB' "saying so"
run list set mn --logo flyer.pdf
is "$rc" 1 "a logo that is not an image is refused"; like "$err" 'flyer.pdf is application/pdf, not an image' "saying what it is"
printf 'x' > run.exe
printf -- '---\nlist: mn\nsubject: Exe\nattach: run.exe\n---\nHi\n' > exe.md
run preview exe.md
is "$rc" 1 "a program is not attached"; like "$err" 'exe.md:4: attach: run.exe: not a kind of file mail carries' "saying which"

# preview --to someone not on the list says so; --outbox works with SMTP too.
run preview plain.md --to stranger@elsewhere.example --format text
like "$err" 'stranger@elsewhere.example is not on mn' "a preview for someone not on the list says so"
run preview plain.md --outbox
is "$rc" 0 "preview --outbox with an SMTP transport"
like "$out" 'composed 1 messages into var/preview/new' "writes into var/preview"
is "$(ls var/preview/new | wc -l)" 1 "one message there"

# send --test: a marked copy through the real transport, no campaign.
run send forum.md --test "head.teacher@school.example, deputy@school.example"
is "$rc" 0 "send --test"
like "$out" 'test copy to head.teacher@school.example: 250' "each copy accepted"
for _ in $(seq 30); do [ "$(ls sink | wc -l)" -ge 2 ] && break; sleep 0.1; done
is "$(ls sink | wc -l)" 2 "two test copies reached the relay"
like "$(grep -h '^Subject:' sink/*)" '\[TEST\] Spring STEM Forum' "marked [TEST]"
is "$(sql 'SELECT count(*) FROM campaigns')" 0 "and no campaign was made"

# send: the campaign id at once, even with no daemon; --wait delivers in the foreground.
run send forum.md
is "$rc" 0 "send"
like "$out" '^campaign 1 \(no daemon is running' "prints the campaign id"
is "$(sql "SELECT count(*) FROM file_refs")" 2 "the image and the flyer are kept with it"
printf -- '---\nlist: mn\nsubject: Wait for it\n---\nDear all, hello.\n' > wait.md
run send wait.md --wait
is "$rc" 0 "send --wait with no daemon"
like "$out" 'delivering in the foreground' "delivers in the foreground"
like "$out" 'campaign 2: sent, 1/1 done' "and reports the outcome"
rm -f logo.png flyer.pdf
run run --once
for _ in $(seq 30); do grep -l 'Spring STEM Forum' sink/* | xargs -r grep -L 'TEST' | grep -q . && break; sleep 0.1; done
f=$(grep -l '^Subject: Spring STEM Forum' sink/* | head -1)
ok "$([ -n "$f" ]; echo $?)" "the campaign goes out after its files are gone from disk"
like "$(cat "$f")" 'filename="flyer.pdf"' "carrying the flyer kept when it was sent"

# A notice for an event that has started is refused at once.
printf -- '---\nlist: mn\nsubject: Old\nkind: notice\nevent:\n  title: Old\n  starts: 2020-03-04 16:00\n  tz: America/New_York\n---\nCome\n' > old.md
run send old.md
is "$rc" 1 "a notice for a started event is refused"
like "$err" 'old.md:7: event.starts: the event started on Wednesday, March 4, 2020, 4:00 PM EST' "naming FILE:LINE"
printf -- '---\nlist: mn\nsubject: Meeting\nkind: notice\nevent:\n  title: Q2 meeting\n  starts: 2027-03-04 16:00\n  ends: 2027-03-04 17:30\n  tz: America/New_York\n---\nCome.\n' > meet.md
run preview meet.md --format text
like "$out" 'Thursday, March 4, 2027, 4:00–5:30 PM EST' "the event box shows start and end"
like "$out" '^A notice from Metro North STEM Network, ' "the text part's first line reads naturally"
run list set mn --organizer "No Reply <noreply@metronorth.example>"
like "$err" 'looks like an address nobody reads' "a no-reply organizer is warned when set"
run send meet.md --test a@school.example
like "$err" 'meet.md: warning: the invite.s organizer noreply@metronorth.example' "and when a notice is sent"

# Addresses: a domain without a dot is a typo, unless allowed; names of frequency and topic in any case.
run subscriber add mr.lee@woburn-hs --list mn --confirmed
is "$rc" 1 "a domain without a dot is refused"
like "$err" 'domain without a dot' "saying why"
run subscriber add local@localhost --list mn --confirmed
is "$rc" 0 "localhost is allowed by default"
printf '[sender]\nallow_dotless_domains = localhost, intranet\n' >> etc/outreach.conf
run subscriber add staff@intranet --list mn --confirmed
is "$rc" 0 "a dotless domain listed in allow_dotless_domains is allowed"
run subscriber add w@school.example --list mn --confirmed --digest Weekly --topics Meetings,Forums
is "$rc" 0 "frequency and topics in any case"
is "$(sql "SELECT digest FROM subscribers WHERE email='w@school.example'")" weekly "stored as weekly"
done_testing
