#!/bin/sh
# run-demo.sh - the sample STEM-network job: two networks, their members
# imported from CSV (bad rows included, to show how they are reported), and a
# look at what was stored.  Runs from the top of the tree, in var/demo/.
set -eu
cd "$(dirname "$0")/../.."
rm -rf var/demo
export OUTREACH_CONFIG=etc/demo/demo.conf
o=./outreach

step() { printf '\n== %s\n$ outreach %s\n' "$1" "$2"; }

step "Set up the database, spool, outbox and signing key" "init"
$o init
step "Create the two networks' lists" "list add ..."
$o list add metro-north --name "Metro North STEM Network" \
	--from "Metro North STEM Network <news@metronorth.example>" \
	--reply-to coordinator@metronorth.example \
	--description "Schools, colleges, employers and workforce boards north of Boston" \
	--address "Metro North STEM Network, 100 Main Street, Somerville, MA 02145" \
	--logo etc/demo/metro-north-logo.png
$o list add metrowest --name "MetroWest STEM Education Network" \
	--from "MetroWest STEM <hello@metrowest.example>" \
	--description "The STEM education alliance of the MetroWest region" \
	--address "MetroWest STEM Education Network, 20 Union Avenue, Framingham, MA 01702"
step "Import members (rows with problems are reported, the rest imported)" \
	"subscriber import etc/demo/metro-north.csv --list metro-north --confirmed"
$o subscriber import etc/demo/metro-north.csv --list metro-north --confirmed || true
$o subscriber import etc/demo/metrowest.csv --list metrowest --confirmed
step "The lists" "list ls"
$o list ls
step "One subscriber" "subscriber show maria.santos@everett-schools.example"
$o subscriber show maria.santos@everett-schools.example
step "Export a list as CSV" "subscriber export --list metrowest"
$o subscriber export --list metrowest
printf '\nDemo data is in var/demo/ (database var/demo/outreach.db).\n'
if [ -f etc/demo/run-demo-mail.sh ]; then
	. etc/demo/run-demo-mail.sh
fi
. etc/demo/run-demo-events.sh
