#!/bin/bash
# bench/bounces.sh - parse the whole bounce corpus 20 times with outreach and
# with sisimai (Debian's libsisimai-perl, the parser the corpus labels come
# from), same files in the same order, and print both rates and their ratio;
# then process N messages (default 2,000) from a Dovecot started on
# 127.0.0.1 with `outreach bounces --once`.
#
# sisimai comes with `sh .ci/ensure-packages bench` (run here: as root it
# installs what is missing; otherwise it prints the apt command and only
# outreach is measured).
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
corpus=${OUTREACH_CORPUS:-$TOP/../shared/corpora/bounces}
n=${1:-2000}
if ! [ -d "$corpus/emails" ]; then
	echo "bench/bounces.sh: no bounce corpus at $corpus (set OUTREACH_CORPUS)" >&2
	exit 2
fi
make -s outreach
files=("$corpus"/emails/*.eml)
args=()
for _ in $(seq 20); do args+=("${files[@]}"); done
rate() { python3 -c "import sys; n=int(sys.argv[1]); t=float(sys.argv[3])-float(sys.argv[2]); print(f'{n} messages in {t:.2f} s = {n/t:,.0f} messages/s')" "$@"; }

t0=$(date +%s.%N)
./outreach bounces parse "${args[@]}" > /dev/null
t1=$(date +%s.%N)
echo "parse: outreach $(rate "${#args[@]}" "$t0" "$t1")"

have_sisimai() { perl -MSisimai -e 1 2>/dev/null; }
have_sisimai || sh .ci/ensure-packages bench || true
if have_sisimai; then
	# One process over the same list, as outreach gets: each file is one
	# message, parsed with Sisimai->make as its own documentation shows.
	printf '%s\n' "${args[@]}" > "${TMPDIR:-/tmp}/outreach-bench-list.$$"
	s0=$(date +%s.%N)
	perl -MSisimai -e 'while (my $f = <STDIN>) { chomp $f; Sisimai->make($f); }' \
		< "${TMPDIR:-/tmp}/outreach-bench-list.$$"
	s1=$(date +%s.%N)
	rm -f "${TMPDIR:-/tmp}/outreach-bench-list.$$"
	echo "parse: sisimai $(perl -MSisimai -e 'print Sisimai->version') $(rate "${#args[@]}" "$s0" "$s1")"
	python3 -c "import sys; o=float(sys.argv[2])-float(sys.argv[1]); s=float(sys.argv[4])-float(sys.argv[3]); print(f'parse: outreach is {s/o:.1f}x sisimai')" \
		"$t0" "$t1" "$s0" "$s1"
else
	echo "parse: sisimai not installed; to compare: apt-get install -y --no-install-recommends libsisimai-perl"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
. tests/lib_dovecot.sh
dovecot_setup
work=$(mktemp -d /tmp/outreach-bounces.XXXXXX)
trap 'stop_dovecot; rm -rf "$D" "$work"' EXIT
start_dovecot
for i in $(seq "$n"); do
	f=${files[$((i % ${#files[@]}))]}
	{ printf 'X-Bench-Copy: %d\n' "$i"; cat "$f"; } > "$D/mail/bounce/new/$i.bench"
done
chown -R nobody:nogroup "$D/mail"
cd "$work"
printf 'secret\n' > imap.pass && chmod 600 imap.pass
printf '[bounces]\nimap_url = imap://127.0.0.1:%s/INBOX\nusername = bounce\npassword_file = imap.pass\nca_file = %s/ca.pem\n[log]\nlevel = warn\n' "$PORT" "$D" > bench.conf
"$TOP/outreach" -c bench.conf init > /dev/null
t0=$(date +%s.%N)
"$TOP/outreach" -c bench.conf bounces --once 2>/dev/null
t1=$(date +%s.%N)
echo "imap:  $(rate "$n" "$t0" "$t1")"
