#!/bin/sh
# tests/servers/pg-up.sh DIR [PORT]: start a throwaway PostgreSQL cluster.
#
#   tests/servers/pg-up.sh "$T/pg"  &&  . "$T/pg/env"
#   scripts/load-sample SAMPLE_DIR          # schema + data, through the PG* variables
#   bin/extract-sales --workdir W           # psql and the steps now reach it
#   tests/servers/pg-down.sh "$T/pg"        # fast shutdown, waits for the exit
#
# It runs initdb in DIR/data (DIR is created and should be new; keep it short:
# the socket path DIR/sock/.s.PGSQL.PORT must fit in 107 bytes), starts the server on
# 127.0.0.1:PORT only (default: the first free port from 54329 up), with
# fsync off (a test cluster), and creates the login role `etl` with a random
# password, owner of the database `etldb`. TCP logins need the password
# (scram-sha-256); the Unix socket in DIR/sock lets the superuser `postgres`
# in without one (admin work in tests: loading data, pg_terminate_backend).
#
# It writes, and prints on stdout, the settings as shell lines:
#   export PGHOST=127.0.0.1 PGPORT=54329 PGDATABASE=etldb PGUSER=etl
#   export PGPASSWORD=...                 # also in DIR/password (for PGPASSWORD_FILE)
#   export PG_ADMIN='host=DIR/sock port=54329 dbname=etldb user=postgres'
#   export PG_PID=12345                   # the postmaster (also in DIR/pid)
# into DIR/env. The server log is DIR/pg.log.
#
# As root it runs the server as the `postgres` system user (initdb refuses
# root), which must be able to reach DIR; otherwise as the calling user.
# Server binaries: $PG_BINDIR, else initdb on PATH, else the newest
# /usr/lib/postgresql/*/bin (Debian). Exit 0 when ready, 1 on failure (with
# the log on stderr).
set -eu

prog=pg-up.sh
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $prog DIR [PORT]" >&2; exit 2; }
D=$1
PORT=${2:-}

BINDIR=${PG_BINDIR:-}
if [ -z "$BINDIR" ]; then
	if command -v initdb >/dev/null 2>&1; then
		BINDIR=$(dirname "$(command -v initdb)")
	else
		BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	fi
fi
[ -n "$BINDIR" ] && [ -x "$BINDIR/initdb" ] || {
	echo "$prog: no PostgreSQL server binaries (initdb): install postgresql or set PG_BINDIR" >&2
	exit 1
}

mkdir -p "$D/sock"
D=$(cd "$D" && pwd)
[ ${#D} -le 80 ] || { echo "$prog: '$D' is too long for a Unix socket path" >&2; exit 1; }

as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || { echo "$prog: running as root needs the 'postgres' user" >&2; exit 1; }
	chown -R postgres "$D"
	as_pg() { runuser -u postgres -- "$@"; }
fi

# A random password for the test role (no quotes or backslashes in it).
PW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
umask 077
printf 'admin-%s\n' "$PW" > "$D/admin-pw"
printf '%s\n' "$PW" > "$D/password"
[ "$(id -u)" -ne 0 ] || chown postgres "$D/admin-pw" "$D/password"

if ! as_pg "$BINDIR/initdb" -D "$D/data" -U postgres -E UTF8 --locale=C.UTF-8 \
	--auth-local=trust --auth-host=scram-sha-256 --pwfile="$D/admin-pw" >"$D/initdb.log" 2>&1; then
	echo "$prog: initdb failed:" >&2; cat "$D/initdb.log" >&2; exit 1
fi

# Try ports until one is free (another test or engineer may hold 54329).
if [ -n "$PORT" ]; then ports=$PORT; else ports=$(seq 54329 54360); fi
started=""
for p in $ports; do
	if as_pg "$BINDIR/pg_ctl" -D "$D/data" -l "$D/pg.log" -w -t 30 -o \
		"-p $p -k $D/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >"$D/pg_ctl.log" 2>&1; then
		started=$p; break
	fi
	grep -q 'could not bind\|already in use\|could not create lock file' "$D/pg.log" 2>/dev/null || break
done
[ -n "$started" ] || { echo "$prog: the server did not start:" >&2; cat "$D/pg.log" >&2; exit 1; }
PORT=$started

PID=$(head -1 "$D/data/postmaster.pid")
echo "$PID" > "$D/pid"
psql_admin() {
	as_pg psql -X -q -v ON_ERROR_STOP=1 "host=$D/sock port=$PORT dbname=postgres user=postgres" "$@"
}
# (the password goes through stdin, not argv)
if ! printf "CREATE ROLE etl LOGIN PASSWORD '%s';\nCREATE DATABASE etldb OWNER etl;\n" "$PW" |
	psql_admin -f - >"$D/setup.log" 2>&1; then
	echo "$prog: creating the role and database failed:" >&2; cat "$D/setup.log" >&2; exit 1
fi

umask 022
cat > "$D/env" <<ENV
export PGHOST=127.0.0.1 PGPORT=$PORT PGDATABASE=etldb PGUSER=etl
export PGPASSWORD=$PW
export PG_ADMIN='host=$D/sock port=$PORT dbname=etldb user=postgres'
export PG_PID=$PID
ENV
[ "$(id -u)" -ne 0 ] || chown postgres "$D/env"
cat "$D/env"
