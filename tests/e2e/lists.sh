#!/bin/bash
# Lists, subscribers, preferences, suppression and the audit log through the CLI.
. "$(dirname "$0")/../lib.sh"

run --version;  like "$out" '^outreach [0-9]' "--version prints the version"
run --help;     like "$out" 'subscriber import' "--help lists the commands"
run;            is "$rc" 2 "no command is a usage error"
run frobnicate; is "$rc" 2 "unknown command exits 2"
like "$err" "unknown command 'frobnicate'" "unknown command is named"
run list --help; like "$out" 'list add' "list --help lists the list commands"
run list add --help; is "$rc" 0 "list add --help exits 0"; like "$out" '^usage: outreach list add SLUG' "list add --help shows usage"

run init;       is "$rc" 0 "init succeeds"
like "$out" 'created var/secret.key \(mode 0600\)' "init creates the secret key"
is "$(stat -c %a var/secret.key)" 600 "secret key is mode 0600"
ok "$([ -d queue/new ] && [ -d queue/tmp ] && [ -d queue/cur ] && [ -d queue/failed ]; echo $?)" "init makes the spool"
ok "$([ -d var/outbox/new ]; echo $?)" "init makes the Maildir outbox"
key=$(cat var/secret.key)
run init;       is "$rc" 0 "init is idempotent"
like "$out" 'at schema version [1-9][0-9]*$' "init reports the schema version"
is "$(cat var/secret.key)" "$key" "init never replaces the key"
is "$(sql 'PRAGMA user_version')" "$(printf '%s' "$out" | sed -nE 's/.*at schema version ([0-9]+)$/\1/p')" "schema is at the version init reports"

run list add metro-north --name "Metro North STEM Network" --from "Metro North <news@metronorth.example>" --reply-to coordinator@metronorth.example --description "Schools, colleges and employers north of Boston"
is "$rc" 0 "list add"
run list add metro-north --name X --from x@y.example
is "$rc" 1 "list add refuses a duplicate slug"; like "$err" "already exists" "duplicate named"
run list add Bad_Slug --name X --from x@y.example
is "$rc" 1 "bad slug refused"; like "$err" "lower-case" "bad slug explained"
run list add mw --name X --from "not an address"
is "$rc" 1 "bad --from refused"; like "$err" "^outreach list add: --from" "bad --from named"
run list add mw --name $'Evil\r\nBcc: x@y.example' --from x@y.example
is "$rc" 1 "header injection in --name refused"
run list add mw --from x@y.example
is "$rc" 2 "missing --name is a usage error"
run list add metrowest --name "MetroWest STEM Education Network" --from "MetroWest STEM <hello@metrowest.example>"
is "$rc" 0 "second list"
run list ls
like "$out" 'metro-north +0 +0 +Metro North STEM Network' "list ls shows counts"
run list show metro-north
like "$out" 'reply-to: +coordinator@metronorth.example' "list show shows reply-to"

run subscriber add Ada@School.EXAMPLE --list metro-north --name "Ada Lovelace" --confirmed --topics meetings,forums --digest weekly
is "$rc" 0 "subscriber add"; like "$out" '^added Ada@school.example on metro-north' "domain is lower-cased"
run subscriber add ada@school.example --list metro-north
is "$rc" 0 "the same address in another case"
like "$out" '^unchanged' "is the same subscriber"
run subscriber add Ada@school.example --list metro-north --confirmed
like "$out" '^unchanged' "re-adding is unchanged"
run subscriber add 'bad@@x' --list metro-north
is "$rc" 1 "invalid address refused"; like "$err" "invalid address 'bad@@x'" "invalid address named"
run subscriber add x@y.example --list nope
is "$rc" 1 "unknown list refused"; like "$err" "no list 'nope'" "unknown list named"
run subscriber add x@y.example --list metro-north --topics robots
is "$rc" 1 "unknown topic refused"; like "$err" "unknown topic 'robots'" "unknown topic named"
run subscriber add x@y.example --list metro-north --digest hourly
is "$rc" 1 "unknown digest refused"
run subscriber show Ada@school.example
like "$out" 'topics: +forums;meetings' "topics stored canonically"
like "$out" 'digest: +weekly' "digest stored"
like "$out" 'list: +metro-north active' "membership active"
run subscriber set Ada@school.example --topics opportunities --digest monthly
is "$rc" 0 "subscriber set"
run subscriber show Ada@school.example
like "$out" 'topics: +opportunities' "topics changed"; like "$out" 'digest: +monthly' "digest changed"
run subscriber set Ada@school.example --topics all
run subscriber show Ada@school.example
like "$out" 'topics: +all' "topics all"
run subscriber set Ada@school.example
is "$rc" 2 "set with nothing to set is a usage error"

# Unsubscribed, bounced, complained and suppressed addresses are never re-activated.
sql "UPDATE memberships SET status='unsubscribed' WHERE subscriber_id=(SELECT id FROM subscribers WHERE email='Ada@school.example')"
run subscriber add Ada@school.example --list metro-north --confirmed
is "$rc" 1 "an unsubscribed member is not re-subscribed by admin"
like "$err" 'unsubscribed from this list' "refusal says why"
run suppress add grace@navy.example --reason "asked by phone"
is "$rc" 0 "suppress add"
run subscriber add grace@navy.example --list metrowest --confirmed
is "$rc" 1 "a suppressed address is refused"; like "$err" 'suppression list \(asked by phone\)' "suppression reason shown"
run suppress ls; like "$out" 'grace@navy.example' "suppress ls"
run suppress rm grace@navy.example; is "$rc" 0 "suppress rm"
run subscriber add grace@navy.example --list metrowest --confirmed; is "$rc" 0 "after suppress rm the address can be added"

# Forgetting an ended subscriber keeps them suppressed.
sql "UPDATE subscribers SET status='bounced' WHERE email='grace@navy.example'"
run subscriber rm grace@navy.example; is "$rc" 0 "subscriber rm"
run suppress ls; like "$out" 'grace@navy.example.*bounced' "a forgotten bounced address stays suppressed"
run subscriber show grace@navy.example; is "$rc" 1 "forgotten subscriber is gone"

run subscriber rm ada@school.example --list metro-north; is "$rc" 0 "remove an unsubscribed member from one list"
like "$out" 'unsubscribed on metro-north: that record is kept' "the unsubscribe is kept, not dropped"
run subscriber add lin@school.example --list metro-north --confirmed
run subscriber rm lin@school.example --list metro-north; is "$rc" 0 "remove from one list"
run subscriber rm lin@school.example --list metro-north; is "$rc" 1 "removing twice fails"
like "$err" 'is not on list' "not on list named"

run list rm metro-north; is "$rc" 1 "list rm refuses a non-empty list"
like "$err" 'has 1 members; use --force' "list rm says why"
run list rm metro-north --force; is "$rc" 0 "list rm --force"
run list show metro-north; is "$rc" 1 "removed list is gone"

run audit Ada@school.example
like "$out" 'admin +Ada@school.example +\[metro-north\] membership: \(none\) -> active' "audit: admin add"
like "$out" 'topics: forums;meetings -> opportunities' "audit: topics change"
like "$out" 'membership: unsubscribed -> \(none\) +list metro-north removed' "audit: list removal"
run audit
like "$out" 'suppression: \(none\) -> asked by phone' "audit: suppression"

# Configuration errors name file, line and key.
mkdir -p etc
printf '[database]\npath = other.db\n\n[transport]\nmax_connections = 999\n' > etc/outreach.conf
run list ls
is "$rc" 1 "bad config value fails"
is "$err" "outreach: etc/outreach.conf:5: [transport] max_connections: '999' is too large (allowed 1 to 64)" "bad value names file, line and key"
printf '[database]\npaht = x.db\n' > bad.conf
run -c bad.conf list ls
is "$err" "outreach: bad.conf:2: [database] paht: unknown key" "unknown key named"
OUTREACH_CONFIG=bad.conf run list ls
is "$rc" 1 "OUTREACH_CONFIG is read"
printf '[database]\npath = other.db\n' > etc/outreach.conf
run init; is "$rc" 0 "init with etc/outreach.conf"
ok "$([ -f other.db ]; echo $?)" "etc/outreach.conf is used when present"
run config show; like "$out" '# from etc/outreach.conf' "config show names the file"
rm -rf etc

done_testing
