/*
 * pg.h: PostgreSQL through libpq: connect the libpq way, describe a query,
 * stream its rows, and classify every failure as transient or permanent.
 *
 * Connecting. libpq reads its own environment (PGHOST, PGPORT, PGDATABASE,
 * PGUSER, PGPASSWORD, PGPASSFILE, PGSSLMODE, ...). On top of it:
 *   - `conninfo` (the tools' --db / STEPKIT_DB) is a conninfo string
 *     ("host=db port=5432 dbname=shop"), a URI ("postgresql://u@db/shop") or
 *     a plain database name; what it sets beats the environment;
 *   - `password` (a mounted secret file, PGPASSWORD_FILE) is passed to libpq
 *     as the "password" keyword, below the conninfo: a password written in
 *     the conninfo still wins, as it would over PGPASSWORD;
 *   - connect_timeout defaults to 10 s (unless PGCONNECT_TIMEOUT or the
 *     conninfo set it), application_name to `appname` (unless PGAPPNAME or
 *     the conninfo set it), TCP keepalives probe a silent server after 60 s;
 *   - a read timeout (default SK_PG_READ_TIMEOUT_DEFAULT s) bounds every wait
 *     for the server, reading and sending (the connection is non-blocking:
 *     a send flushes with poll() too): no byte for that long (a frozen backend, a network
 *     that drops packets without a reset, a query that takes that long to
 *     produce its next row) fails with SK_E_TRANSIENT; TCP keepalives do
 *     not catch a stopped backend, as its kernel still answers them;
 *   - the server's NOTICE, WARNING, INFO lines go to `notice` (one line,
 *     scrubbed), never to stderr as libpq would print them;
 *   - client_encoding is forced to UTF8 (SPEC: UTF-8 bytes), DateStyle to
 *     ISO (a date reads 2011-12-09, a timestamp 2011-12-09 08:30:00, whatever
 *     the server's default), and the session is made read-only: an extract
 *     never writes to the database.
 *
 * Secrets. No message this module produces contains the conninfo or a
 * password: failures name the target as "host=H port=P dbname=D user=U" and
 * quote libpq's or the server's text, from which every password known to
 * the module (the `password` argument, one inside the conninfo, PGPASSWORD)
 * is blanked out as a second line of defence.
 *
 * Errors (the code in `err`, which decides the exit status):
 *   SK_E_TRANSIENT  the server cannot be reached (refused, no route, DNS,
 *                   timeout), is starting up or shutting down, the
 *                   connection dropped, SQLSTATE class 08 (connection),
 *                   53 (resources), 57P01-57P03 (admin/crash shutdown,
 *                   cannot connect now), 57014 (query cancelled: a
 *                   statement_timeout, or an administrator's
 *                   pg_cancel_backend; a retry under less load may
 *                   succeed), 40001/40P01 (serialization, deadlock), no
 *                   data within the read timeout: worth retrying (exit 75);
 *   SK_E_PERMANENT  refused credentials (28000, 28P01), unknown database or
 *                   role, SQL errors (42xxx...): the server's primary
 *                   message and its SQLSTATE (exit 1);
 *   SK_E_USAGE      a conninfo string libpq cannot parse (exit 2);
 *   SK_E_INTERRUPTED a termination signal arrived while waiting (the
 *                   running query is cancelled on the server).
 */
#ifndef SK_PG_H
#define SK_PG_H

#include "errors.h"

#include <stddef.h>

struct sk_pg;

/* Seconds without a byte from the server before a wait fails (sk_pg_cfg). */
#define SK_PG_READ_TIMEOUT_DEFAULT 300

/*
 * Receives one server notice: `warning` is 1 for WARNING, 0 for NOTICE,
 * INFO, LOG, DEBUG. `msg` is one line, "postgres TARGET: server WARNING:
 * text (SQLSTATE 01000)", with no password in it; borrowed for the call.
 */
typedef void (*sk_pg_notice_cb)(void *ctx, int warning, const char *msg);

struct sk_pg_cfg {
	const char *conninfo; /* conninfo, URI or database name; NULL/"": environment only */
	const char *password; /* NULL: libpq finds it (PGPASSWORD, PGPASSFILE) */
	const char *appname;  /* application_name, e.g. "stepkit-extract-sales" */
	/* Longest wait for the server, ms: 0 the default (SK_PG_READ_TIMEOUT_DEFAULT
	 * seconds), -1 none. See sk_pg_read_timeout_parse. */
	long read_timeout_ms;
	/* The setting named when the read timeout fires ("--read-timeout");
	 * NULL: "read timeout". */
	const char *read_timeout_name;
	/* Server notices; NULL: they are dropped (never printed). */
	sk_pg_notice_cb notice;
	void *notice_ctx;
};

/*
 * Parse a read timeout setting: whole seconds, 1 to 86400, or 0 for none.
 * `what` names the setting in the message. Sets `*ms` for
 * sk_pg_cfg.read_timeout_ms (-1 for 0). 0, or -1 with `err` (SK_E_USAGE).
 */
int sk_pg_read_timeout_parse(const char *v, const char *what, long *ms, struct sk_err *err);

/*
 * Whether a server is configured at all: a non-empty `conninfo`, or one of
 * libpq's target variables (PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGUSER,
 * PGSERVICE) or PGPASSWORD_FILE set. Without any, libpq would try a local
 * socket that a container never has: a caller says what to set instead.
 */
int sk_pg_configured(const char *conninfo);

/*
 * Whether `conninfo` (a conninfo string or URI) carries a password: a
 * non-empty password keyword or user:password@ in a URI, or a string libpq
 * cannot parse that may hold one. Lets a caller refuse a password given on
 * the command line (visible in ps and /proc/PID/cmdline) without quoting it.
 */
int sk_pg_conninfo_has_password(const char *conninfo);

/*
 * Connect. Returns a handle the caller closes, or NULL with `err` set (see
 * above; the message names the target and ends with what to check). The
 * caller may wipe `cfg->password` once this returns.
 */
struct sk_pg *sk_pg_open(const struct sk_pg_cfg *cfg, struct sk_err *err);

/* Disconnect and free. NULL is fine. */
void sk_pg_close(struct sk_pg *db);

/* The user logged in as (borrowed, never NULL, valid until sk_pg_close). */
const char *sk_pg_user(const struct sk_pg *db);

/*
 * What the connection reaches, "host=H port=P dbname=D user=U" (host may be
 * a socket directory), for messages and events (borrowed).
 */
const char *sk_pg_target(const struct sk_pg *db);

/*
 * The SQLSTATE of the last failure the server reported ("42P01"), or ""
 * when the last failure was not the server's (borrowed). Lets a caller add
 * its own advice ("create the tables") to the message in `err`.
 */
const char *sk_pg_sqlstate(const struct sk_pg *db);

/*
 * Parse and analyse `sql` on the server without running it (an unnamed
 * prepared statement, then Describe): a syntax error, a missing table or
 * column fails here. On success sets the number of result columns and of
 * parameters ($1, $2...) the statement uses. 0, or -1 with `err`.
 * The statement must be a single one; a trailing ';' is not allowed.
 */
int sk_pg_describe(struct sk_pg *db, const char *sql, int *ncols, int *nparams,
		   struct sk_err *err);

/*
 * Check that `sql` can run, reading no row: it runs as
 * "SELECT * FROM (sql) AS q LIMIT 0" with NULL for each of its `nparams`
 * parameters, so the executor checks privileges (a describe does not).
 */
int sk_pg_probe(struct sk_pg *db, const char *sql, int nparams, struct sk_err *err);

/* One result row. Everything is borrowed and valid only during the callback. */
struct sk_pg_row {
	size_t n;                /* number of fields */
	const char *const *f;    /* values, NUL-terminated; SQL NULL is "" */
	const size_t *len;       /* their lengths */
	unsigned long long num;  /* 1 for the first row */
};

/* Called once per row; returns 0 to go on, or -1 with `err` set to stop. */
typedef int (*sk_pg_row_cb)(void *ctx, const struct sk_pg_row *row, struct sk_err *err);

/*
 * Run `sql` and hand its rows to `cb` in order, never holding the whole
 * result in memory.
 *
 * Without parameters (`nparams` 0) it streams
 * "COPY (sql) TO STDOUT WITH (FORMAT csv)" and parses each row with libcsv;
 * NULL and the empty string both arrive as "". With parameters, COPY cannot
 * take them (it has no bind step), so rather than splice values into the
 * SQL it declares a server-side cursor for `sql` with the values bound as
 * text parameters ($1 = params[0], ...), and fetches it in batches inside a
 * read-only transaction. Both ways the output columns are the text forms
 * of the types: format them in the query (to_char, trim_scale) when the
 * bytes matter.
 *
 * Returns the number of rows (>= 0), or -1 with `err`: SQL errors are
 * permanent, a connection lost mid-stream is transient, a signal is
 * SK_E_INTERRUPTED, and an error of `cb` is passed through unchanged. A
 * row whose field count differs from the first row's is SK_E_DATA.
 */
long long sk_pg_stream(struct sk_pg *db, const char *sql, int nparams,
		       const char *const *params, sk_pg_row_cb cb, void *ctx,
		       struct sk_err *err);

/*
 * `s` as a quoted SQL literal ('it''s'), escaped by libpq for this
 * connection's encoding and settings. Returns a string the caller frees
 * with free(), or NULL with `err` set.
 */
char *sk_pg_literal(struct sk_pg *db, const char *s, struct sk_err *err);

/*
 * For modules that use libpq beyond this API (pgexec.c: statements that
 * write, COPY FROM STDIN). sk_pg_conn: the connection (borrowed).
 * sk_pg_wait: wait until the socket is readable, then consume the input;
 * 0, or -1 with `err` (a signal: SK_E_INTERRUPTED, the running query
 * cancelled; a lost link: SK_E_TRANSIENT). sk_pg_fail: classify a failed
 * result (NULL: the connection's own error) into `err` as described above,
 * message "postgres TARGET: WHAT: reason (SQLSTATE x)"; returns -1.
 */
struct pg_conn;
struct pg_result;
struct pg_conn *sk_pg_conn(struct sk_pg *db);
int sk_pg_wait(struct sk_pg *db, struct sk_err *err);
int sk_pg_fail(struct sk_pg *db, const char *what, const struct pg_result *res,
	       struct sk_err *err);

#endif
