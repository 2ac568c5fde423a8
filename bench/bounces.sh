#!/bin/bash
# bench/bounces.sh - parse the whole bounce corpus 20 times (messages/second,
# target over 10,000/s), then process N messages (default 2,000) from a
# Dovecot started on 127.0.0.1 with `outreach bounces --once`.
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
t0=$(date +%s.%N)
./outreach bounces parse "${args[@]}" > /dev/null
t1=$(date +%s.%N)
rate() { python3 -c "import sys; n=int(sys.argv[1]); t=float(sys.argv[3])-float(sys.argv[2]); print(f'{n} messages in {t:.2f} s = {n/t:,.0f} messages/s')" "$@"; }
echo "parse: $(rate "${#args[@]}" "$t0" "$t1")"

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
