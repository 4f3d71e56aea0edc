# tests/lib.sh: TAP helpers for the shell tests (tests/cli/*.t, tests/int/*.t).
# Source it first; it sets $TOP (repository root), $BIN (the programs under test:
# $STEPKIT_BIN, default bin/), a private $T (removed
# at exit, together with any server registered with `stop_at_exit PID`).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${STEPKIT_BIN:-$TOP/bin}   # make test-asan points it at build/asan/bin
T=$(mktemp -d "${TMPDIR:-/tmp}/stepkit-test.XXXXXX")
chmod 755 "$T"
export STEPKIT_LOG_FORMAT=text
_n=0
_failed=0
_pids=""

_cleanup() {
	for p in $_pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $_pids; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap _cleanup EXIT

# stop_at_exit PID: kill PID (TERM, then KILL) when the test ends.
stop_at_exit() { _pids="$_pids $1"; }

# wait_ready LOG PID [SECONDS]: wait (SECONDS, default 10, at most) for a
# test server started in the background to print READY in LOG; 0 once it
# has, else 1 with LOG shown as TAP comments (the server died or never got
# ready)
wait_ready() {
	for _ in $(seq 1 $((${3:-10} * 20))); do
		grep -q READY "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	grep -q READY "$1" 2>/dev/null && return 0
	sed 's/^/#   /' "$1"
	return 1
}

# need_ready LOG PID WHAT [SECONDS]: wait_ready, else bail out of the test
# file: every check after it would fail for the same reason
need_ready() {
	wait_ready "$1" "$2" "${4:-10}" || { echo "Bail out! $3 did not start (its log above)"; exit 1; }
}

# need_built PROGRAM...: each of bin/'s PROGRAMs built, or bail out
need_built() {
	local b
	for b in "$@"; do
		[ -x "$BIN/$b" ] || { echo "Bail out! $BIN/$b is not built: run make"; exit 1; }
	done
}

# need_pg: PostgreSQL's server binaries and psql, or skip the file (PG_BINDIR
# exported for tests/servers/pg-up.sh)
need_pg() {
	PG_BINDIR=${PG_BINDIR:-}
	if [ -z "$PG_BINDIR" ] && ! command -v initdb >/dev/null 2>&1; then
		PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	fi
	[ -n "$PG_BINDIR" ] || command -v initdb >/dev/null 2>&1 ||
		skip_all "no PostgreSQL server binaries (initdb): install postgresql (scripts/install-deps)"
	command -v psql >/dev/null 2>&1 || skip_all "no psql: install postgresql-client"
	export PG_BINDIR
}

# pg_up: the file's own PostgreSQL in $T/pg, stopped at exit, its settings
# (PGHOST...) read, libpq's other variables cleared; or bail out with its log
pg_up() {
	if ! "$TOP/tests/servers/pg-up.sh" "$T/pg" >"$T/pg-up.out" 2>"$T/pg-up.err"; then
		echo "Bail out! tests/servers/pg-up.sh failed: $(head -c 2000 "$T/pg-up.err")"
		exit 1
	fi
	. "$T/pg/env"
	stop_at_exit "$PG_PID"
	unset PGSSLMODE PGSERVICE PGOPTIONS PGCONNECT_TIMEOUT PGAPPNAME PGPASSWORD_FILE PGPASSFILE
}

ok() { # ok COND_STATUS NAME
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}

# run CMD...: run with stdout in $T/out, stderr in $T/err, status in $rc
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }

# expect_exit CODE NAME CMD...: run CMD, check its exit status
expect_exit() {
	local want=$1 name=$2; shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then ok 0 "$name (exit $want)"; else
		ok 1 "$name (exit $rc, want $want)"; sed 's/^/#   stderr: /' "$T/err" | head -20; fi
}

# expect_err TEXT NAME: the last command's stderr holds TEXT exactly (fixed string)
expect_err() {
	if grep -qF -- "$1" "$T/err"; then ok 0 "$2"; else ok 1 "$2"
		echo "#   want in stderr: $1"; sed 's/^/#   stderr: /' "$T/err" | head -20; fi
}

# same_file GOT WANT NAME: byte-identical files
same_file() {
	if cmp -s "$1" "$2"; then ok 0 "$3"; else ok 1 "$3"
		diff -u "$2" "$1" 2>&1 | head -30 | sed 's/^/#   /'; fi
}

# no_file PATH NAME: PATH does not exist
no_file() { if [ -e "$1" ]; then ok 1 "$2 ($1 exists)"; else ok 0 "$2"; fi; }

# no_temp DIR NAME: no temporary file left in DIR
no_temp() {
	local left; left=$(find "$1" -maxdepth 1 -name '.*.tmp-*' | head -3)
	if [ -z "$left" ]; then ok 0 "$2"; else ok 1 "$2: left $left"; fi
}

# no_secret_in FILE... -- SECRET...: one check per secret (its first three
# characters in the name) that it appears in none of the files
no_secret_in() {
	local secret files=()
	while [ "$1" != -- ]; do files+=("$1"); shift; done
	shift
	for secret in "$@"; do
		if grep -qF -- "$secret" "${files[@]}"; then
			ok 1 "secret '${secret:0:3}...' appears in a log line or an event"
			grep -nF -- "$secret" "${files[@]}" | head -3 | sed 's/^/#   /'
		else
			ok 0 "secret '${secret:0:3}...' appears in no log line and no event"
		fi
	done
}
# run_kept TOOL NAME WANT [VAR=VALUE]... [ARG]...: run $BIN/TOOL --workdir $W
# with those variables (a later one wins) and arguments, expecting exit WANT;
# its stderr and event are appended to $T/all.err and $T/all.events for the
# secret scan at the end (no_secret_in)
run_kept() {
	local tool=$1 name=$2 want=$3 envs=()
	shift 3
	while [ $# -gt 0 ] && [[ $1 =~ ^[A-Z_][A-Z0-9_]*= ]]; do
		envs+=("$1")
		shift
	done
	rm -f "$W/events/$tool.json"
	expect_exit "$want" "$name" env "${envs[@]}" "$BIN/$tool" --workdir "$W" "$@"
	cat "$T/err" >>"$T/all.err"
	if [ -f "$W/events/$tool.json" ]; then cat "$W/events/$tool.json" >>"$T/all.events"; fi
	return 0
}
skip_all() { echo "1..0 # SKIP $*"; trap - EXIT; rm -rf "$T"; exit 0; }

done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; }
