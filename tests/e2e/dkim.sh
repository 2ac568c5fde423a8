#!/bin/bash
# One identity per list (its domain in Message-ID, List-Id, return path and
# DKIM d=; its colours) and DKIM signing: every signed message verifies with
# python3-dkim (an independent verifier) against the key's published record,
# straight from preview and after passing through smtp-sink; a tampered body
# or header fails; dkim keygen and dkim check.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3     # Debian's python3, where python3-dkim is installed
VERIFY="$PY $TOP/tests/tools/dkim_verify.py"
if ! $PY -c 'import dkim' 2>/dev/null; then
	skip "python3-dkim is not installed (sh .ci/ensure-packages test)"
	done_testing
	exit 0
fi

# records - "NAME VALUE" lines from dkim keygen's zone-file output (its strings joined).
records() {
	$PY -c '
import re, sys
for l in sys.stdin:
    m = re.match(r"(\S+)\. IN TXT \((.*)\)$", l.strip())
    if m:
        print(m.group(1), "".join(re.findall(r"\"([^\"]*)\"", m.group(2))))'
}

start_sink "$TESTDIR/sink"
mkdir -p etc keys
cat > etc/outreach.conf <<CONF
[transport]
url = smtp://127.0.0.1:$SINK_PORT
starttls = off
[sender]
domain = outreach.example
[web]
base_url = https://prefs.metronorth.example/
[brand]
templates = $TOP/templates
CONF
run init

# --- keygen ---------------------------------------------------------------------------
run dkim keygen --selector s2026 --domain metronorth.example --key-file keys/rsa.pem
is "$rc" 0 "dkim keygen makes an RSA key"
like "$out" '^s2026\._domainkey\.metronorth\.example\. IN TXT \( "v=DKIM1; k=rsa; p=MIIB' \
	"and prints the TXT record to publish"
ok "$(printf '%s\n' "$out" | grep -o '"[^"]*"' | awk 'length > 257 { bad = 1 } END { exit bad }'; echo $?)" \
	"in strings of at most 255 octets"
printf '%s\n' "$out" | records > records.txt
is "$(stat -c %a keys/rsa.pem)" 600 "the key file is 0600"
is "$(openssl pkey -in keys/rsa.pem -noout -text 2>/dev/null | head -1)" "Private-Key: (2048 bit, 2 primes)" \
	"a 2048-bit RSA key"
run dkim keygen --selector ed2026 --domain metronorth.example --key-file keys/ed.pem --algorithm ed25519
is "$rc" 0 "dkim keygen makes an Ed25519 key"
like "$out" 'IN TXT \( "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=" \)' "its record carries the raw 32-byte key"
printf '%s\n' "$out" | records >> records.txt
before=$(md5sum keys/rsa.pem)
run dkim keygen --selector s2 --domain metronorth.example --key-file keys/rsa.pem
is "$rc" 1 "keygen never overwrites a key"
like "$err" 'keys/rsa.pem: File exists \(a key is never overwritten\)' "and says so"
is "$(md5sum keys/rsa.pem)" "$before" "the key is untouched"
run dkim keygen --selector s2 --domain metronorth.example --key-file keys/x.pem --algorithm dsa
is "$rc" 2 "an unknown algorithm is a usage error"
like "$err" "--algorithm 'dsa': rsa or ed25519" "naming it"
run dkim keygen --selector "bad_sel" --domain metronorth.example --key-file keys/x.pem
like "$err" "^outreach dkim keygen: --selector: 'bad_sel' is not a selector" "a bad selector is named"

# --- lists, each with its own identity -------------------------------------------------
run list add metro-north --name "Metro North STEM Network" \
	--from "Metro North STEM Network <news@metronorth.example>" --reply-to coordinator@metronorth.example
run list add reseau --name "Réseau STEM, Nord" --from "Zoë Ærø, Coordinatrice <zoe@reseau-nord.example>" \
	--domain lists.reseau-nord.example --color "#12345a" --accent "#abcdef"
is "$rc" 0 "list add --domain --color --accent"
run list add bad --name B --from b@b.example --domain "no domain"
is "$rc" 1 "list add refuses a bad domain"
like "$err" "^outreach list add: --domain: 'no domain' is not a domain name" "naming the option"
run list set reseau --color red
like "$err" "^outreach list set: --color: 'red' is not a colour of the form #rrggbb" "a bad colour is named"
run list set reseau --dkim-selector s1 --dkim-key-file keys/missing.pem
like "$err" "^outreach list set: --dkim-key-file: DKIM key: keys/missing.pem: No such file" \
	"a missing key file is named"
printf 'not a key\n' > keys/junk.pem
run list set reseau --dkim-selector s1 --dkim-key-file keys/junk.pem
like "$err" "^outreach list set: --dkim-key-file: DKIM key keys/junk.pem: not a PEM private key" \
	"a file that is no key is named"
run list show reseau
like "$out" 'domain:      lists.reseau-nord.example' "list show gives the domain"
like "$out" 'colours:     #12345a #abcdef' "and the colours"
run list show metro-north
like "$out" "domain:      metronorth.example \\(its From's\\)" "a list's domain is its From's by default"

run subscriber add jurgen@school.example --list metro-north --name "Jürgen Müller-Lüdenscheidt, PhD" --confirmed
run subscriber add jurgen@school.example --list reseau --confirmed

# A document with what tends to break signers: non-ASCII and folded headers,
# lines longer than 998 octets once encoded, a line that is a lone dot,
# trailing white space, empty lines at the end; and an invite (.ics).
long=$(printf 'word%.0s ' $(seq 1 300))
cat > torture.md <<MD
---
list: reseau
subject: "Réunion trimestrielle du réseau : jeudi 4 mars, avec un sujet assez long pour être plié"
kind: notice
event:
  title: Réunion du réseau
  starts: 2027-03-04 16:00
  ends: 2027-03-04 17:30
  tz: America/New_York
  location: Lycée de Somerville
---
Chers partenaires, voici l'ordre du jour.   Des espaces    en trop.

.

$long

Fin.   


MD
"$BIN" preview torture.md --to jurgen@school.example > unsigned.eml
is "$?" 0 "preview without [dkim]"
ok "$(grep -qi '^DKIM-Signature:' unsigned.eml; [ $? -ne 0 ]; echo $?)" "no key configured: no signature"
hdr=$($PY -c 'import re,sys; print(re.sub(r"\r?\n[ \t]+", " ", open(sys.argv[1]).read().split("\n\n")[0]))' unsigned.eml)
like "$hdr" '^Message-ID: <[0-9.a-f]+@lists\.reseau-nord\.example>' "Message-ID on the list's domain"
like "$hdr" 'List-Id: .*<reseau\.lists\.reseau-nord\.example>' "List-Id on the list's domain"
like "$hdr" 'mailto:outreach-request@lists\.reseau-nord\.example' "the mailto unsubscribe on the list's domain"
ok "$(grep -qE '^(Reply-To|List-Unsubscribe|To|From|Subject):\r?$' unsigned.eml; [ $? -ne 0 ]; echo $?)" \
	"no header's value starts on a continuation line"
"$BIN" preview torture.md --to jurgen@school.example --format html > torture.html
like "$(grep -c '#12345a' torture.html)" '^[1-9]' "the list's colour is in its HTML"

# --- signing with [dkim], both algorithms ---------------------------------------------------
cat >> etc/outreach.conf <<CONF
[dkim]
selector = s2026
key_file = keys/rsa.pem
algorithm = both
ed25519_selector = ed2026
ed25519_key_file = keys/ed.pem
domain = metronorth.example
CONF
"$BIN" preview torture.md --to jurgen@school.example > torture.eml
is "$?" 0 "preview signs"
is "$(grep -c '^DKIM-Signature:' torture.eml)" 2 "two signatures (RSA and Ed25519)"
res=$($VERIFY records.txt torture.eml)
is "$?" 0 "both verify with python3-dkim"
like "$res" 'ok torture.eml d=metronorth.example s=s2026 a=rsa-sha256' "RSA-SHA256"
like "$res" 'ok torture.eml d=metronorth.example s=ed2026 a=ed25519-sha256' "Ed25519-SHA256"
like "$(grep -c '^ \?=0A\?\.\?$\|^\.\r\?$' torture.eml)" '^[0-9]' "(the dot line is in the message)"
like "$(awk 'length > 200' torture.eml | wc -l)" '^0$' "(the long line was wrapped by the encoding)"
sig=$($PY -c 'import re,sys; t=open(sys.argv[1]).read(); print(re.sub(r"\r?\n[ \t]+", " ", t.split("\n\n")[0]))' torture.eml | grep '^DKIM-Signature:' | head -1)
like "$sig" 'c=relaxed/relaxed' "relaxed/relaxed"
h=$(printf '%s' "$sig" | tr -d ' ' | grep -o ';h=[^;]*' | cut -c2-)
is "$h" "h=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:List-Id:List-Unsubscribe:List-Unsubscribe-Post:From:List-Id:List-Unsubscribe:List-Unsubscribe-Post" \
	"signs the fields the one-click unsubscribe needs, over-signing From and the List-* fields"
ok "$(sed -n '/^DKIM-Signature:/,/^[^ \t]/p' torture.eml | awk 'length > 80' | grep -q .; [ $? -ne 0 ]; echo $?)" \
	"the signature fields are folded within 80 columns"

# Tampering: one character of the body, a header, an added List-Unsubscribe.
sed '0,/^Chers partenaires/s//Chers partenairez/' torture.eml > t-body.eml
$VERIFY records.txt t-body.eml > t.out
is "$?" 1 "a changed body fails"
is "$(grep -c '^FAIL' t.out)" 2 "for both signatures"
sed 's/^Subject: /Subject: Re: /' torture.eml > t-subj.eml
$VERIFY records.txt t-subj.eml > /dev/null
is "$?" 1 "a changed Subject fails"
awk 'NR == 1 { print "List-Unsubscribe: <https://evil.example/u>\r" } { print }' torture.eml > t-add.eml
$VERIFY records.txt t-add.eml > /dev/null
is "$?" 1 "an added List-Unsubscribe fails (over-signed)"
awk '/^Date:/ { sub(/Date: /, "Date:   ") } { print }' torture.eml > t-ws.eml
$VERIFY records.txt t-ws.eml > /dev/null
is "$?" 0 "white space added in a header still verifies (relaxed)"

# The newsletter of the other list, with its Reply-To, in Ed25519 only and RSA only.
"$BIN" preview "$TOP/etc/demo/newsletter.md" --to jurgen@school.example > news.eml
$VERIFY records.txt news.eml > news.out
is "$?" 0 "a newsletter with a Reply-To verifies"
is "$(tr -d '\r\n\t ' < news.eml | grep -o ';h=[^;]*' | head -1 | cut -c2-)" \
	"h=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:List-Id:List-Unsubscribe:List-Unsubscribe-Post:Reply-To:From:List-Id:List-Unsubscribe:List-Unsubscribe-Post" \
	"Reply-To is signed when present"
sed -i 's/^algorithm = both/algorithm = ed25519/; s|^key_file = keys/rsa.pem|key_file = keys/ed.pem|; s/^selector = s2026/selector = ed2026/' \
	etc/outreach.conf
"$BIN" preview torture.md --to jurgen@school.example > ed.eml
is "$(grep -c '^DKIM-Signature:' ed.eml)" 1 "algorithm ed25519: one signature"
$VERIFY records.txt ed.eml | grep -q 'ok ed.eml d=metronorth.example s=ed2026 a=ed25519-sha256'
ok $? "and it verifies"
sed -i 's|^key_file = keys/ed.pem|key_file = keys/rsa.pem|' etc/outreach.conf
run preview torture.md --to jurgen@school.example
is "$rc" 1 "algorithm ed25519 with an RSA key is refused"
like "$err" 'dkim\] key_file: DKIM key keys/rsa.pem: an RSA key, want Ed25519' "naming the key and the clash"
sed -i 's/^algorithm = ed25519/algorithm = both/; s/^selector = ed2026/selector = s2026/' etc/outreach.conf

# --- a list's own key, d= its own domain ------------------------------------------------------
run dkim keygen --selector nord --domain lists.reseau-nord.example --key-file keys/nord.pem --algorithm ed25519
printf '%s\n' "$out" | records >> records.txt
run list set reseau --dkim-selector nord --dkim-key-file keys/nord.pem
is "$rc" 0 "list set --dkim-selector --dkim-key-file"

# --- through the queue runner and smtp-sink --------------------------------------------------
for i in $(seq 1 12); do run subscriber add "member$i@school$((i % 3)).example" --list reseau --name "Membre n°$i" --confirmed; done
for i in $(seq 1 8); do run subscriber add "member$i@school$((i % 3)).example" --list metro-north --confirmed; done
run send torture.md
run send "$TOP/etc/demo/newsletter.md"
run run --once
is "$rc" 0 "run --once sends both campaigns"
is "$(sql "SELECT count(*) FROM deliveries WHERE status='sent'")" 22 "22 deliveries sent"
n=$(ls sink | wc -l)
is "$n" 22 "22 messages reached smtp-sink"
$VERIFY records.txt sink/* > sink.out
is "$?" 0 "every message verifies after passing through smtp-sink"
is "$(grep -c '^ok .* d=lists.reseau-nord.example s=nord a=ed25519-sha256' sink.out)" 13 \
	"the list with its own key: d= its domain, its selector (12 members and Jürgen)"
is "$(grep -c '^ok .* d=metronorth.example s=s2026 a=rsa-sha256' sink.out)" 9 \
	"the other list: [dkim]'s RSA key"
is "$(grep -c '^ok .* d=metronorth.example s=ed2026 a=ed25519-sha256' sink.out)" 9 \
	"and its Ed25519 key"
f=$(grep -l 'member1@school1.example' sink/* | xargs grep -l 'reseau-nord' | head -1)
like "$(grep '^X-Mail-Args:' "$f")" 'X-Mail-Args: .*<bounces\+b-[0-9a-z-]+@lists\.reseau-nord\.example>' \
	"the VERP return path is on the list's domain"

# --- dkim check, against records the test serves (the test build reads OUTREACH_DKIM_TXT_FILE) ---
OUTREACH_DKIM_TXT_FILE=$TESTDIR/records.txt run dkim check
is "$rc" 0 "dkim check: every record matches"
like "$out" '^ok        s2026\._domainkey\.metronorth\.example \(\[dkim\]\): matches keys/rsa\.pem' "RSA record"
like "$out" 'ok        nord\._domainkey\.lists\.reseau-nord\.example \(list reseau\)' "the list's own record"
grep -v '^ed2026' records.txt > r2.txt
grep '^s2026' records.txt | sed 's/^s2026/ed2026/' >> r2.txt
OUTREACH_DKIM_TXT_FILE=$TESTDIR/r2.txt run dkim check
is "$rc" 1 "a record with another key fails"
like "$out" 'MISMATCH  ed2026\._domainkey\.metronorth\.example \(\[dkim\]\): its k= is not ed25519' "and says why"
grep -v '^nord' records.txt > r3.txt
OUTREACH_DKIM_TXT_FILE=$TESTDIR/r3.txt run dkim check
is "$rc" 1 "a missing record fails"
like "$out" 'missing   nord\._domainkey\.lists\.reseau-nord\.example \(list reseau\): no TXT record' "and says which"
OUTREACH_DKIM_TXT_FILE= run dkim check
is "$rc" 75 "no DNS: exit 75"
like "$out" 'unknown   s2026\._domainkey\.metronorth\.example \(\[dkim\]\): cannot look up .*: no DNS' \
	"saying it cannot look"
like "$err" 'outreach dkim check: cannot look up 3 DKIM records: no DNS' "in one line"

# --- doctor: the same records, among its other checks ---
OUTREACH_DKIM_TXT_FILE=$TESTDIR/records.txt run doctor
like "$out" '^ok +dkim +s2026\._domainkey\.metronorth\.example \(\[dkim\]\) carries the key in keys/rsa\.pem' \
	"doctor: the global key's record"
like "$out" '^ok +dkim +nord\._domainkey\.lists\.reseau-nord\.example \(list reseau\)' "and the list's own"
OUTREACH_DKIM_TXT_FILE=$TESTDIR/r3.txt run doctor
is "$rc" 1 "doctor fails when a record is missing"
like "$out" '^fail +dkim +nord\._domainkey\.lists\.reseau-nord\.example \(list reseau\): no TXT record' \
	"naming it"
like "$out" 'fix: publish the record `outreach dkim keygen` printed' "with the fix"
OUTREACH_DKIM_TXT_FILE= run doctor
like "$out" '^warn +dkim +s2026\._domainkey\.metronorth\.example \(\[dkim\]\) not checked: cannot look up' \
	"doctor warns when it cannot look"

done_testing
