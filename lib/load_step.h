/*
 * load_step.h: the load-postgres step around the loaders (load.h, star.h):
 * options, the files, the connection (pg.h: libpq's PG* variables or --db,
 * PGPASSWORD_FILE), one transaction per invocation, the run log and the
 * events (runlog.h), the step event's counts, and --check.
 *
 * One transaction: every file, the events and (for the star) every table
 * commit together or not at all. On any failure the connection is closed
 * without COMMIT, so the server rolls everything back; a lost connection
 * or a server restart is SK_E_TRANSIENT (exit 75) and a rerun is safe.
 * Then the run log row is written on a fresh connection, in its own
 * transaction (a failure to write it is a warning: the load's own error
 * is what the step reports). After a successful COMMIT the run log row is
 * written on the same connection; if that fails the step fails (a rerun
 * of an upsert or a replace changes nothing and logs again).
 */
#ifndef SK_LOAD_STEP_H
#define SK_LOAD_STEP_H

#include "errors.h"

struct sk_step;

/*
 * The read timeout's default, seconds: longer than the extracts' 300 s, as
 * the server sends nothing while one INSERT ... ON CONFLICT works through
 * millions of rows of an upsert or of the star.
 */
#define SK_LOAD_READ_TIMEOUT_DEFAULT 3600

/* Option values (borrowed from argv or environ; NULL when unset). */
struct sk_load_opts {
	const char *table, *mode, *key, *where, *dedup, *audit, *target, *events, *db, *read_timeout;
};

/* Load (argv: the files). 0, or -1 with `err`. */
int sk_load_step_run(struct sk_step *s, const struct sk_load_opts *o, int argc, char **argv,
		     struct sk_err *err);

/*
 * --check: the options, the files (readable, header), the database
 * (reachable, login), the table (exists, header matches its columns, the
 * key has a unique index), the privileges the mode needs. Writes nothing.
 * What is wrong comes with the SQL that fixes it.
 */
int sk_load_step_check(struct sk_step *s, const struct sk_load_opts *o, int argc, char **argv,
		       struct sk_err *err);

#endif
