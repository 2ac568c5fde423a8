# tests/lib.sh - helpers for end-to-end tests (sourced by tests/e2e/*.sh).
#
# Each test runs in a fresh directory with the built-in defaults (var/, queue/),
# prints TAP lines, and ends with done_testing.  run/run_in capture the
# binary's stdout, stderr and exit status in $out, $err and $rc.
set -u
TOP=${OUTREACH_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN=${OUTREACH_BIN:-$TOP/outreach}
TESTDIR=$(mktemp -d "${OUTREACH_TEST_TMP:-/tmp}/e2e.XXXXXX")
chmod 755 "$TESTDIR"  # smtp-sink runs as nobody and writes below it
cd "$TESTDIR" || exit 1
T=0
FAILED=0
PIDS_TO_STOP=""

ok() { # ok CONDITION-STATUS DESCRIPTION
	T=$((T + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T - $2"
	else
		echo "not ok $T - $2"
		FAILED=$((FAILED + 1))
	fi
}

is() { # is GOT WANT DESCRIPTION
	T=$((T + 1))
	if [ "$1" == "$2" ]; then
		echo "ok $T - $3"
	else
		echo "not ok $T - $3"
		echo "#   got:  $(printf '%s' "$1" | head -c 2000)"
		echo "#   want: $(printf '%s' "$2" | head -c 2000)"
		FAILED=$((FAILED + 1))
	fi
}

like() { # like GOT REGEX DESCRIPTION
	T=$((T + 1))
	if printf '%s' "$1" | grep -qE -- "$2"; then
		echo "ok $T - $3"
	else
		echo "not ok $T - $3"
		echo "#   got:  $(printf '%s' "$1" | head -c 2000)"
		echo "#   want: /$2/"
		FAILED=$((FAILED + 1))
	fi
}

unlike() { # unlike GOT REGEX DESCRIPTION
	T=$((T + 1))
	if printf '%s' "$1" | grep -qE -- "$2"; then
		echo "not ok $T - $3"
		echo "#   got:  $(printf '%s' "$1" | head -c 2000)"
		echo "#   want no match for: /$2/"
		FAILED=$((FAILED + 1))
	else
		echo "ok $T - $3"
	fi
}

# A misspelt helper or a missing tool must fail the script, not vanish.
command_not_found_handle() {
	echo "not ok - command not found: $1" >&2
	: > "$TESTDIR/.command-not-found"
	return 127
}

skip() { # skip DESCRIPTION
	T=$((T + 1))
	echo "ok $T # SKIP $1"
}

run() { # run ARGS... - run outreach
	out=$("$BIN" "$@" 2>"$TESTDIR/.stderr")
	rc=$?
	err=$(cat "$TESTDIR/.stderr")
}

sql() { # sql QUERY - read the database directly
	sqlite3 -batch -noheader "${DB:-var/outreach.db}" "$1"
}

stop_later() { PIDS_TO_STOP="$PIDS_TO_STOP $1"; }

cleanup() {
	local p
	for p in $PIDS_TO_STOP; do kill "$p" 2>/dev/null; done
	for p in $PIDS_TO_STOP; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.3; done
		kill -9 "$p" 2>/dev/null
	done
	[ "$FAILED" -eq 0 ] && rm -rf "$TESTDIR"
}
trap cleanup EXIT

free_port() { # free_port - an unused TCP port on 127.0.0.1
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

done_testing() {
	if [ -e "$TESTDIR/.command-not-found" ]; then
		T=$((T + 1))
		echo "not ok $T - every command the script ran exists"
		FAILED=$((FAILED + 1))
	fi
	echo "1..$T"
	[ "$FAILED" -eq 0 ]
}

wait_port() { # wait_port PORT - until something listens on 127.0.0.1:PORT (5 s at most)
	local i
	for i in $(seq 50); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

start_sink() { # start_sink DIR - smtp-sink in dump mode into DIR; sets SINK_PORT
	mkdir -p "$1" && chown nobody "$1"
	SINK_PORT=$(free_port)
	smtp-sink -u nobody -d "$1/%Y%m%d%H%M%S." 127.0.0.1:"$SINK_PORT" 256 2>>"$TESTDIR/sink.log" &
	stop_later $!
	wait_port "$SINK_PORT"
}
