#!/bin/bash
# CSV import of 10,000 rows with bad rows mixed in, export, re-import, audit log.
. "$(dirname "$0")/../lib.sh"

run init
run list add metro-north --name "Metro North STEM Network" --from "news@metronorth.example"
run list add copy --name "Copy" --from "news@metronorth.example"

# Row i (line i+1) is good unless i % 500 hits one of the bad kinds below.
python3 - <<'PY'
import csv
bad = {}
with open("members.csv", "w", newline="") as f:
    f.write("email,name,topics,digest\r\n")
    line = 1
    for i in range(10000):
        line += 1
        k = i % 500
        if k == 7:
            f.write(f"not-an-address-{i},Bad Row,,\r\n"); bad[line] = "invalid address"
        elif k == 11:
            f.write(f"dup{i - 11}@school{(i - 11) % 37}.example,Dup,,\r\n"); bad[line] = "duplicate"
        elif k == 13:
            f.write(f"u{i}@school.example,Topic,robots,\r\n"); bad[line] = "unknown topic"
        elif k == 17:
            f.write(f"q{i}@school.example,\"broken \"quote,,\r\n"); bad[line] = "quote"
        elif k == 19:
            f.write(f"d{i}@school.example,Digest,,hourly\r\n"); bad[line] = "digest"
        elif k == 23:
            f.write(f"f{i}@school.example,Too,many,fields,here\r\n"); bad[line] = "fields"
        else:
            name = f"Teacher {i}" if i % 3 else f"\"Müller, Jürgen {i}\""
            topics = ["", "meetings", "\"forums,opportunities\"", "newsletter;meetings"][i % 4]
            digest = ["", "weekly", "monthly", "immediate"][i % 4]
            email = f"dup{i}@school{i % 37}.example" if k == 0 else f"user{i}@School{i % 37}.EXAMPLE"
            f.write(f"{email},{name},{topics},{digest}\r\n")
with open("expected-bad.txt", "w") as f:
    for line in sorted(bad):
        f.write(f"{line} {bad[line]}\n")
PY
nbad=$(wc -l < expected-bad.txt)

run subscriber import members.csv --list metro-north --dry-run --confirmed
is "$rc" 0 "dry run succeeds"
like "$out" "^dry run: would have imported $((10000 - nbad)), updated 0, rejected $nbad\$" "dry run counts"
is "$(sql 'SELECT count(*) FROM subscribers')" 0 "dry run changes nothing"

run subscriber import members.csv --list metro-north --confirmed
is "$rc" 0 "import succeeds despite bad rows"
is "$out" "imported $((10000 - nbad)), updated 0, rejected $nbad" "summary line"
is "$(printf '%s\n' "$err" | wc -l)" "$nbad" "one report line per rejected row"
got_lines=$(printf '%s\n' "$err" | sed -E 's/^members\.csv:([0-9]+): .*/\1/' | sort -n | tr '\n' ' ')
want_lines=$(cut -d' ' -f1 expected-bad.txt | sort -n | tr '\n' ' ')
is "$got_lines" "$want_lines" "every rejected row is reported with its line number"
like "$err" "members.csv:9: invalid address 'not-an-address-7': missing '@'" "invalid address reported"
like "$err" "members.csv:13: duplicate of dup0@school0.example on line 2" "duplicate in file reported"
like "$err" "members.csv:15: .*unknown topic 'robots'" "unknown topic reported"
like "$err" "members.csv:19: .*quot" "bad quoting reported"
like "$err" "members.csv:21: unknown digest 'hourly'" "bad digest reported"
like "$err" "members.csv:25: expected 4 fields as in the header, found 5" "field count reported"
is "$(sql 'SELECT count(*) FROM memberships WHERE status="active"')" "$((10000 - nbad))" "members are active"
is "$(sql "SELECT name FROM subscribers WHERE email='user1@school1.example'")" "Teacher 1" "domain normalised, name kept"
is "$(sql "SELECT name FROM subscribers WHERE email='user3@school3.example'")" "Müller, Jürgen 3" "quoted UTF-8 name with comma"
is "$(sql "SELECT digest FROM subscribers WHERE email='user1@school1.example'")" "weekly" "digest imported"
is "$(sql "SELECT group_concat(t.slug) FROM subscriber_topics x JOIN topics t ON t.id=x.topic_id JOIN subscribers s ON s.id=x.subscriber_id WHERE s.email='user2@school2.example' ORDER BY t.slug")" "forums,opportunities" "quoted topic list imported"
is "$(sql "SELECT count(*) FROM audit_log WHERE actor='import' AND field='membership' AND new_value='active'")" "$((10000 - nbad))" "one audit row per imported membership"

run subscriber import members.csv --list metro-north --confirmed
like "$out" "^imported 0, updated 0, rejected $nbad \($((10000 - nbad)) unchanged\)" "re-import changes nothing"

# Consent: an unsubscribed address is never re-activated by import.
sql "UPDATE memberships SET status='unsubscribed' WHERE subscriber_id=(SELECT id FROM subscribers WHERE email='user1@school1.example')"
printf 'email,name\nuser1@School1.example,Teacher 1\n' > again.csv
run subscriber import again.csv --list metro-north --confirmed
is "$out" "imported 0, updated 0, rejected 1" "unsubscribed row is rejected"
like "$err" "again.csv:2: user1@school1.example has unsubscribed from this list; it is not re-subscribed" "and the reason is given"
is "$(sql "SELECT m.status FROM memberships m JOIN subscribers s ON s.id=m.subscriber_id WHERE s.email='user1@school1.example'")" "unsubscribed" "still unsubscribed"

# Export, import the export into another list, export again: identical.
run subscriber export --list metro-north
is "$rc" 0 "export succeeds"
printf '%s\n' "$out" > export1.csv
is "$(head -1 export1.csv | tr -d '\r')" "email,name,topics,digest,status,suppressed" "export header"
is "$(($(wc -l < export1.csv) - 1))" "$((10000 - nbad))" "export has every member"
run subscriber import export1.csv --list copy
is "$out" "imported $((10000 - nbad)), updated 0, rejected 0" "export imports cleanly"
run subscriber export --list copy
printf '%s\n' "$out" > export2.csv
is "$(cmp export1.csv export2.csv && echo same)" "same" "export of the re-import is identical"
run subscriber export --list metro-north --status unsubscribed
is "$(printf '%s\n' "$out" | wc -l)" 2 "export --status filters"
run subscriber export --list metro-north --status bogus
is "$rc" 2 "bad --status is a usage error"

# A row with fewer fields than the header is one bad row, not the end of the import.
run list add news --name "News" --from "news@metronorth.example"
printf 'email,name\nfew@x.example\nok@x.example,OK\n' > few.csv
run subscriber import few.csv --list news --dry-run
is "$rc" 0 "a short row does not abort the import"
like "$err" "^few.csv:2: expected 2 fields as in the header, found 1" "and is reported with its line"
is "$out" "dry run: would have imported 1, updated 0, rejected 1; 1 confirmation requests" "the rest would be imported"

# Spreadsheet formula injection: cells starting with = + - @ are neutralised
# on export and restored on import, so an export still imports back unchanged.
printf 'email,name\n=cmd@x.example,=cmd|'"'"' /C calc'"'"'!A0\nplus@x.example,+1 555 0100\nat@x.example,@SUM(A1)\nminus@x.example,-2+3\nq@x.example,'"'"'=already quoted\nplain@x.example,Ana Lima\n' > formula.csv
run subscriber import formula.csv --list news --confirmed
is "$out" "imported 6, updated 0, rejected 0" "names that look like formulas import as written"
is "$(sql "SELECT name FROM subscribers WHERE email='=cmd@x.example'")" "=cmd|' /C calc'!A0" "stored as written"
run subscriber export --list news
printf '%s\n' "$out" > formula-export.csv
unlike "$(cut -d, -f1,2 formula-export.csv | tr -d '\r' | grep -v '^email')" '(^|,)[=+@-]' "no exported cell starts with = + - or @"
like "$(cat formula-export.csv)" "'=cmd@x.example,'=cmd" "a formula-like cell is prefixed with a quote"
run list add news2 --name "News 2" --from "news@metronorth.example"
run subscriber import formula-export.csv --list news2
run subscriber export --list news2
printf '%s\n' "$out" > formula-export2.csv
is "$(cmp formula-export.csv formula-export2.csv && echo same)" same "the export imports back unchanged"
# A leading quote before a formula character is a spreadsheet's "this is text" mark, not part of the value.
is "$(sql "SELECT group_concat(name, '|') FROM (SELECT name FROM subscribers WHERE email IN ('q@x.example','minus@x.example') ORDER BY email)")" "-2+3|=already quoted" "names survive the round trip"

# Addresses that could never be sent are refused at the door, with a reason;
# an IDN domain is kept in its ASCII (A-label) form, which every relay takes.
printf 'email,name\nÜnï@bücher.example,U\n"""a b""@x.example",Q\nana@bücher.example,Ana\n' > idn.csv
run subscriber import idn.csv --list news --confirmed
is "$out" "imported 1, updated 0, rejected 2" "two unsendable addresses refused"
like "$err" "idn.csv:2: invalid address 'Ünï@bücher.example': non-ASCII local part" "a UTF-8 local part is refused, naming why"
like "$err" "idn.csv:3: invalid address '\"a b\"@x.example': quoted local part" "a quoted local part is refused, naming why"
is "$(sql "SELECT email FROM subscribers WHERE name='Ana'")" "ana@xn--bcher-kva.example" "an IDN domain is stored as its A-label"
run subscriber add "Ünï@bücher.example" --list news --confirmed
is "$rc" 1 "subscriber add refuses it too"
run subscriber show ana@bücher.example
like "$out" "email: +ana@xn--bcher-kva.example" "the U-label spelling finds the subscriber"

# Whole-file errors.
printf 'mail,name\nx@y.example,X\n' > nohdr.csv
run subscriber import nohdr.csv --list copy
is "$rc" 1 "unknown column fails the import"
like "$err" "nohdr.csv:1: unknown column 'mail'" "unknown column named"
run subscriber import missing.csv --list copy
is "$rc" 1 "missing file fails"; like "$err" "missing.csv: No such file" "missing file named"
: > empty.csv
run subscriber import empty.csv --list copy
like "$err" "empty file" "empty file named"

done_testing
