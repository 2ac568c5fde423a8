#!/bin/bash
# Consent holds on every path: an address is the same address whatever its
# case; a per-list removal remembers an unsubscribe; an administrator lifts
# only the suppressions an administrator added.
. "$(dirname "$0")/../lib.sh"

run init
run list add everett --name "Everett Schools" --from news@metronorth.example
run list add chelsea --name "Chelsea Schools" --from news@metronorth.example

# Case: one address, however it is spelled.
printf 'email,name\nMaria.Santos@Everett-Schools.example,Maria Santos\nmaria.santos@everett-schools.example,Maria\n' > two.csv
run subscriber import two.csv --list everett --confirmed
is "$out" "imported 1, updated 0, rejected 1" "two spellings of one address import as one subscriber"
like "$err" "two.csv:3: duplicate of Maria.Santos@everett-schools.example on line 2" "the second is reported as a duplicate"
is "$(sql "SELECT count(*) FROM subscribers")" 1 "one subscriber"
is "$(sql "SELECT email FROM subscribers")" "Maria.Santos@everett-schools.example" "keeping the spelling given first"
run subscriber show MARIA.SANTOS@EVERETT-SCHOOLS.EXAMPLE
is "$rc" 0 "show finds her in any case"
like "$out" "Maria.Santos@everett-schools.example" "and shows her spelling"
run subscriber add maria.santos@everett-schools.example --list chelsea --confirmed
is "$(sql "SELECT count(*) FROM subscribers")" 1 "adding her to another list in another case adds no subscriber"
is "$(sql "SELECT count(*) FROM memberships")" 2 "but a membership"

run suppress add sup@x.example
run subscriber add Sup@x.example --list everett --confirmed
is "$rc" 1 "a suppressed address is refused in another case"
like "$err" "suppression list" "saying why"

run subscriber add ok14@x.example --list everett --confirmed
sql "UPDATE subscribers SET status='unsubscribed' WHERE email='ok14@x.example'; UPDATE memberships SET status='unsubscribed' WHERE subscriber_id=(SELECT id FROM subscribers WHERE email='ok14@x.example')" >/dev/null
printf 'email\nOK14@x.example\n' > ok14.csv
run subscriber import ok14.csv --list everett --confirmed
is "$(sql "SELECT status FROM subscribers WHERE email='ok14@x.example'")" unsubscribed "an unsubscribed address is not re-activated by importing it in capitals"
is "$(sql "SELECT count(*) FROM subscribers WHERE lower(email)='ok14@x.example'")" 1 "nor duplicated"

run subscriber rm MARIA.SANTOS@everett-schools.example --list chelsea
is "$rc" 0 "rm in another case"
is "$(sql "SELECT count(*) FROM memberships m JOIN lists l ON l.id=m.list_id WHERE l.slug='chelsea'")" 0 "removes the membership"

# Per-list removal remembers an unsubscribe.
run subscriber add k.patel@chelsea-schools.example --list chelsea --confirmed
run subscriber add k.patel@chelsea-schools.example --list everett --confirmed
sql "UPDATE memberships SET status='unsubscribed' WHERE list_id=(SELECT id FROM lists WHERE slug='chelsea') AND subscriber_id=(SELECT id FROM subscribers WHERE email='k.patel@chelsea-schools.example')" >/dev/null
run subscriber rm k.patel@chelsea-schools.example --list chelsea
is "$rc" 0 "removing an unsubscribed membership"
like "$out" "unsubscribed.*kept" "says the unsubscribe is kept"
run subscriber add K.Patel@chelsea-schools.example --list chelsea --confirmed
is "$rc" 1 "and the address cannot be added back to that list by an administrator"
like "$err" "unsubscribed" "saying why"
is "$(sql "SELECT m.status FROM memberships m JOIN lists l ON l.id=m.list_id JOIN subscribers s ON s.id=m.subscriber_id WHERE l.slug='chelsea' AND s.email='k.patel@chelsea-schools.example'")" unsubscribed "the membership still says unsubscribed"
run subscriber add k.patel@chelsea-schools.example --list everett --confirmed
is "$(sql "SELECT status FROM subscribers WHERE email='k.patel@chelsea-schools.example'")" active "other lists are not affected"

# suppress rm lifts only what an administrator added.
run subscriber add gone@x.example --list everett --confirmed
sql "UPDATE subscribers SET status='unsubscribed' WHERE email='gone@x.example'" >/dev/null
run subscriber rm gone@x.example
like "$(sql "SELECT origin FROM suppressions WHERE email='gone@x.example'")" unsubscribed "forgetting an unsubscribed address suppresses it, as its own word"
run suppress rm GONE@x.example
is "$rc" 1 "suppress rm refuses to lift the subscriber's own unsubscribe"
like "$err" "own" "saying whose word it is"
is "$(sql "SELECT count(*) FROM suppressions WHERE email='gone@x.example'")" 1 "the suppression stays"
run suppress rm SUP@x.example
is "$rc" 0 "an administrator's own suppression can be lifted, in any case"
is "$(sql "SELECT count(*) FROM suppressions WHERE email='sup@x.example'")" 0 "and is gone"

# Export and import round trip: a suppressed address stays suppressed.
run subscriber add held@x.example --list everett --confirmed
run suppress add held@x.example --reason "asked by phone"
run subscriber export --list everett
printf '%s\n' "$out" > export.csv
like "$(head -1 export.csv)" "suppressed" "the export has a suppressed column"
like "$(grep '^held@x.example' export.csv)" ",yes" "a suppressed address is exported as suppressed"
like "$(grep '^Maria.Santos' export.csv)" ",no" "and an ordinary one as not"
run list add copy --name Copy --from news@metronorth.example
run subscriber import export.csv --list copy --confirmed
is "$rc" 0 "the export imports back"
is "$(sql "SELECT count(*) FROM suppressions WHERE email='held@x.example'")" 1 "still suppressed"
is "$(sql "SELECT count(*) FROM memberships m JOIN lists l ON l.id=m.list_id JOIN subscribers s ON s.id=m.subscriber_id WHERE l.slug='copy' AND s.email='held@x.example' AND m.status='active'")" 0 "and not made an active member"
done_testing
