/*
 * pgexec.h: the writing side of PostgreSQL over a pg.h connection:
 * statements with bound parameters and their results, and COPY ... FROM
 * STDIN with the server's rejection of a row located (its COPY line and
 * column), for the load steps.
 *
 * Values never become SQL text here: a statement's values travel as bound
 * text parameters ($1...), a load's values as COPY data. Identifiers are
 * quoted with sk_pgx_ident(). Every wait goes through sk_pg_wait(), so a
 * termination signal cancels the running statement and a lost connection
 * is SK_E_TRANSIENT (exit 75), as in pg.h; a statement the server refuses
 * is classified by its SQLSTATE there.
 *
 * Note: sk_pg_open() makes the session read-only (an extract never
 * writes); call sk_pgx_read_write() once after connecting.
 */
#ifndef SK_PGEXEC_H
#define SK_PGEXEC_H

#include "buf.h"
#include "errors.h"
#include "pg.h"

/* A statement's result (owned by the caller: sk_pgx_free). */
struct sk_pgx_res;

/*
 * Run one statement, its parameters bound as text ($1 = pv[0]; a NULL
 * element is SQL NULL). `what` names it in messages ("begin", "upsert").
 * With `out`, the result is handed over (rows or command tag); else it is
 * freed. 0, or -1 with `err`.
 */
int sk_pgx_exec(struct sk_pg *db, const char *what, const char *sql, int np,
		const char *const *pv, struct sk_pgx_res **out, struct sk_err *err);

/* Rows of a result; a value (borrowed; NULL for SQL NULL); the rows a command touched. */
int sk_pgx_rows(const struct sk_pgx_res *r);
const char *sk_pgx_get(const struct sk_pgx_res *r, int row, int col);
long long sk_pgx_affected(const struct sk_pgx_res *r);
void sk_pgx_free(struct sk_pgx_res *r); /* NULL is fine */

/* Allow writes in this session (undoes pg.h's read-only default). */
int sk_pgx_read_write(struct sk_pg *db, struct sk_err *err);

/*
 * Append `name` to `b` as a quoted SQL identifier ("a""b"), whatever it
 * holds: the only way a name from a flag or a header enters SQL text.
 */
int sk_pgx_ident(struct sk_buf *b, const char *name, struct sk_err *err);

/*
 * The row the server refused during a COPY, from the error's CONTEXT line
 * ("COPY t, line 5, column qty: ..."): `line` is COPY's own count (1 for
 * the first row COPY read), `column` the column's name when the server
 * named one, else "". `message` is the server's primary message.
 */
struct sk_pgx_copy_fail {
	unsigned long long line; /* 0: the error named no row */
	char column[128];
	char message[256];
	char sqlstate[6];
};

/*
 * COPY FROM STDIN. sk_pgx_copy_begin sends `sql` (a COPY ... FROM STDIN
 * statement) and waits until the server accepts data; sk_pgx_copy_put
 * sends bytes (whole rows or not); sk_pgx_copy_end ends the data and
 * reads the outcome: the number of rows copied in `*rows`. When the server
 * refused the data, -1 with `err` set and, when the error has a COPY
 * context for relation `relname`, `*fail` filled (line > 0): the caller
 * maps COPY's line to the file's. A local failure between begin and end
 * (bad input, a signal) should sk_pgx_copy_abort(), or simply close the
 * connection: either way the server keeps none of the rows.
 */
int sk_pgx_copy_begin(struct sk_pg *db, const char *sql, struct sk_err *err);
int sk_pgx_copy_put(struct sk_pg *db, const char *data, size_t len, struct sk_err *err);
int sk_pgx_copy_end(struct sk_pg *db, const char *relname, long long *rows,
		    struct sk_pgx_copy_fail *fail, const char *const *columns, size_t ncolumns,
		    struct sk_err *err);
void sk_pgx_copy_abort(struct sk_pg *db, const char *why);

/* Ask the server to cancel the running statement (best effort; a signal arrived). */
void sk_pgx_cancel(struct sk_pg *db);

#endif
