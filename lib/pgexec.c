#include "base.h"
#include "pgexec.h"
#include "sig.h"

#include <libpq-fe.h>
#include <poll.h>

#define POLL_MS 200

/* A result is libpq's own; the struct name only keeps PGresult out of headers. */
#define RES(r) ((PGresult *)(r))

/*
 * Read the results of the statement just sent, never blocking outside
 * sk_pg_wait (which watches for signals and the read timeout): the first
 * error wins, else the last result, left in `*keep` (NULL: none). A COPY IN
 * result ends the loop: data is expected next.
 */
static int drain(struct sk_pg *db, PGresult **keep, struct sk_err *err)
{
	PGconn *c = sk_pg_conn(db);
	PGresult *r;

	*keep = NULL;
	for (;;) {
		while (PQisBusy(c))
			if (sk_pg_wait(db, err) < 0)
				return -1;
		r = PQgetResult(c);
		if (!r)
			return 0;
		if (PQresultStatus(r) == PGRES_COPY_IN) {
			PQclear(*keep);
			*keep = r;
			return 0;
		}
		if (*keep && PQresultStatus(*keep) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(*keep);
			*keep = r;
		}
	}
}

/* drain(), and an error result (or none at all) reported as `what` failing */
static int collect(struct sk_pg *db, const char *what, PGresult **out, struct sk_err *err)
{
	PGresult *keep = NULL;

	if (drain(db, &keep, err) < 0) {
		PQclear(keep);
		return -1;
	}
	if (!keep || PQresultStatus(keep) == PGRES_FATAL_ERROR) {
		sk_pg_fail(db, what, keep, err);
		PQclear(keep);
		return -1;
	}
	*out = keep;
	return 0;
}

int sk_pgx_exec(struct sk_pg *db, const char *what, const char *sql, int np,
		const char *const *pv, struct sk_pgx_res **out, struct sk_err *err)
{
	PGresult *r = NULL;
	ExecStatusType st;

	if (out)
		*out = NULL;
	if (sk_interrupted())
		return sk_err_set(err, SK_E_INTERRUPTED, "%s: interrupted by signal %d", what,
				  sk_interrupt_signal());
	if (!PQsendQueryParams(sk_pg_conn(db), sql, np, NULL, pv, NULL, NULL, 0))
		return sk_pg_fail(db, what, NULL, err);
	if (collect(db, what, &r, err) < 0)
		return -1;
	st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		/* a COPY statement given to exec: end it cleanly, then refuse */
		if (st == PGRES_COPY_IN)
			sk_pgx_copy_abort(db, "not expected");
		PQclear(r);
		return sk_err_set(err, SK_E_PERMANENT, "%s: unexpected result %s", what,
				  PQresStatus(st));
	}
	if (out)
		*out = (struct sk_pgx_res *)r;
	else
		PQclear(r);
	return 0;
}

int sk_pgx_rows(const struct sk_pgx_res *r)
{
	return PQntuples(RES(r));
}

const char *sk_pgx_get(const struct sk_pgx_res *r, int row, int col)
{
	if (row >= PQntuples(RES(r)) || col >= PQnfields(RES(r)) || PQgetisnull(RES(r), row, col))
		return NULL;
	return PQgetvalue(RES(r), row, col);
}

long long sk_pgx_affected(const struct sk_pgx_res *r)
{
	const char *n = PQcmdTuples(RES(r));

	return n && *n ? strtoll(n, NULL, 10) : 0;
}

void sk_pgx_free(struct sk_pgx_res *r)
{
	PQclear(RES(r));
}

int sk_pgx_read_write(struct sk_pg *db, struct sk_err *err)
{
	return sk_pgx_exec(db, "set session read write",
			   "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", 0, NULL, NULL, err);
}

int sk_pgx_ident(struct sk_buf *b, const char *name, struct sk_err *err)
{
	if (sk_buf_add(b, "\"", 1, err) < 0)
		return -1;
	for (const char *p = name; *p; p++)
		if (sk_buf_add(b, p, 1, err) < 0 || (*p == '"' && sk_buf_add(b, "\"", 1, err) < 0))
			return -1;
	return sk_buf_add(b, "\"", 1, err);
}

/* ---- COPY FROM STDIN ---- */

/*
 * A termination signal: cancel what the server is doing for us (a long
 * statement would otherwise go on for nobody, holding its locks), then
 * report. As in pg.c; PQcancel uses a connection of its own.
 */
void sk_pgx_cancel(struct sk_pg *db)
{
	PGcancel *c = PQgetCancel(sk_pg_conn(db));
	char buf[256];

	if (c) {
		(void)PQcancel(c, buf, sizeof(buf)); /* best effort: we are leaving */
		PQfreeCancel(c);
	}
}

static int interrupted(struct sk_pg *db, const char *what, struct sk_err *err)
{
	sk_pgx_cancel(db);
	return sk_err_set(err, SK_E_INTERRUPTED, "%s: interrupted by signal %d", what,
			  sk_interrupt_signal());
}

/*
 * During COPY the socket is non-blocking: a blocking send() that the
 * server does not drain (it is busy, or hung) would not notice SIGTERM,
 * since libpq retries on EINTR. So we wait for room ourselves, reading
 * whatever the server says meanwhile (its error, or its goodbye).
 */
static int flush_out(struct sk_pg *db, const char *what, struct sk_err *err)
{
	PGconn *c = sk_pg_conn(db);

	for (;;) {
		struct pollfd p = {PQsocket(c), POLLOUT | POLLIN, 0};
		int rc = PQflush(c);

		if (rc == 0)
			return 0;
		if (rc < 0)
			return sk_pg_fail(db, what, NULL, err);
		if (sk_interrupted())
			return interrupted(db, what, err);
		rc = poll(&p, 1, POLL_MS);
		if (rc < 0 && errno != EINTR)
			return sk_err_set(err, SK_E_TRANSIENT, "%s: poll: %s", what, strerror(errno));
		if (rc > 0 && (p.revents & POLLIN) && !PQconsumeInput(c))
			return sk_pg_fail(db, what, NULL, err);
	}
}

/* CopyDone, or CopyFail with `why`: queued (1), or no room yet (0) */
static int end_data(struct sk_pg *db, const char *why, struct sk_err *err)
{
	for (;;) {
		int rc = PQputCopyEnd(sk_pg_conn(db), why);

		if (rc < 0)
			return sk_pg_fail(db, "copy", NULL, err);
		if (flush_out(db, "copy", err) < 0)
			return -1;
		if (rc == 1)
			return 0;
	}
}

int sk_pgx_copy_begin(struct sk_pg *db, const char *sql, struct sk_err *err)
{
	PGresult *r = NULL;
	int ret = -1;

	if (!PQsendQueryParams(sk_pg_conn(db), sql, 0, NULL, NULL, NULL, NULL, 0))
		return sk_pg_fail(db, "copy", NULL, err);
	if (collect(db, "copy", &r, err) < 0)
		goto out;
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		sk_err_set(err, SK_E_PERMANENT, "copy: unexpected result %s",
			   PQresStatus(PQresultStatus(r)));
		goto out;
	}
	if (PQsetnonblocking(sk_pg_conn(db), 1) != 0) {
		sk_pg_fail(db, "copy", NULL, err);
		goto out;
	}
	ret = 0;
out:
	PQclear(r);
	return ret;
}

int sk_pgx_copy_put(struct sk_pg *db, const char *data, size_t len, struct sk_err *err)
{
	if (sk_interrupted())
		return interrupted(db, "copy", err);
	if (len > INT32_MAX)
		return sk_err_set(err, SK_E_NOMEM, "copy: block too large");
	for (;;) {
		/* 1 queued, 0 no room yet (non-blocking), -1 the connection failed */
		int rc = PQputCopyData(sk_pg_conn(db), data, (int)len);

		if (rc < 0)
			return sk_pg_fail(db, "copy", NULL, err);
		if (flush_out(db, "copy", err) < 0)
			return -1;
		if (rc == 1)
			return 0;
	}
}

void sk_pgx_copy_abort(struct sk_pg *db, const char *why)
{
	PGresult *r = NULL;
	struct sk_err ignore = SK_ERR_INIT;

	if (end_data(db, why, &ignore) < 0 || PQsetnonblocking(sk_pg_conn(db), 0) != 0)
		return;
	/* the server answers the CopyFail with an error: read it, quietly */
	(void)drain(db, &r, &ignore);
	PQclear(r);
}

/*
 * Find "COPY <relname>, line N[, column C]: ..." in the context lines. The
 * column is the longest of `columns` followed by ':' or, in a binary COPY,
 * the line's end (a name may hold ", " or ": " itself).
 */
static void parse_context(const char *ctx, const char *relname, const char *const *columns,
			  size_t ncolumns, struct sk_pgx_copy_fail *f)
{
	char prefix[300];
	const char *p;
	size_t best = 0;

	snprintf(prefix, sizeof(prefix), "COPY %s, line ", relname);
	for (p = ctx; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, prefix, strlen(prefix)))
			break;
	}
	if (!p || !*p)
		return;
	p += strlen(prefix);
	while (*p >= '0' && *p <= '9')
		f->line = f->line * 10 + (unsigned long long)(*p++ - '0');
	if (strncmp(p, ", column ", 9))
		return;
	p += 9;
	for (size_t i = 0; i < ncolumns; i++) {
		size_t n = strlen(columns[i]);

		/* (COPY of CSV: "C: value"; binary: "C" alone) */
		if (n > best && !strncmp(p, columns[i], n) &&
		    (p[n] == ':' || p[n] == '\n' || p[n] == '\0')) {
			best = n;
			snprintf(f->column, sizeof(f->column), "%s", columns[i]);
		}
	}
}

int sk_pgx_copy_end(struct sk_pg *db, const char *relname, long long *rows,
		    struct sk_pgx_copy_fail *fail, const char *const *columns, size_t ncolumns,
		    struct sk_err *err)
{
	PGresult *keep = NULL;
	int ret = -1;

	memset(fail, 0, sizeof(*fail));
	if (end_data(db, NULL, err) < 0)
		return -1;
	if (PQsetnonblocking(sk_pg_conn(db), 0) != 0)
		return sk_pg_fail(db, "copy", NULL, err);
	if (drain(db, &keep, err) < 0)
		goto out;
	if (!keep || PQresultStatus(keep) != PGRES_COMMAND_OK) {
		const char *ctx = keep ? PQresultErrorField(keep, PG_DIAG_CONTEXT) : NULL;
		const char *msg = keep ? PQresultErrorField(keep, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		const char *st = keep ? PQresultErrorField(keep, PG_DIAG_SQLSTATE) : NULL;

		const char *col = keep ? PQresultErrorField(keep, PG_DIAG_COLUMN_NAME) : NULL;

		if (ctx)
			parse_context(ctx, relname, columns, ncolumns, fail);
		/* a NOT NULL violation names its column in a field of its own */
		if (!fail->column[0] && col)
			snprintf(fail->column, sizeof(fail->column), "%s", col);
		snprintf(fail->message, sizeof(fail->message), "%s", msg ? msg : "");
		snprintf(fail->sqlstate, sizeof(fail->sqlstate), "%s", st ? st : "");
		sk_pg_fail(db, "copy", keep, err);
		goto out;
	}
	*rows = sk_pgx_affected((struct sk_pgx_res *)keep);
	ret = 0;
out:
	PQclear(keep);
	return ret;
}
