/*
 * pgstep.h: how a step connects to PostgreSQL from its options, shared by
 * the extracts and load-postgres: the read timeout setting, a password in
 * --db refused (argv is world-readable), nothing configured at all refused
 * (a configuration error, not a retry for minutes), PGPASSWORD_FILE, the
 * application_name "stepkit-TOOL", and the server's notices through the
 * logger (JSON logs stay JSON). The connection itself is pg.h's.
 */
#ifndef SK_PGSTEP_H
#define SK_PGSTEP_H

#include "errors.h"

struct sk_pg;

struct sk_pg_step_conf {
	const char *db;      /* the --db / STEPKIT_DB value, or NULL */
	const char *db_name; /* "--db" or "STEPKIT_DB": what the user used */
	const char *read_timeout;      /* the value, or NULL/"": the default */
	const char *read_timeout_name; /* "--read-timeout" or "STEPKIT_PG_READ_TIMEOUT" */
	long read_timeout_default;     /* seconds; 0: SK_PG_READ_TIMEOUT_DEFAULT */
	/* What else the user may do when nothing is configured, appended to
	 * the message after ", or " ("use --source file:DIR"); NULL: nothing. */
	const char *otherwise;
};

/*
 * The settings alone, before anything is read or connected: the read
 * timeout parses, --db holds no password, a server is configured. 0, or
 * -1 with `err` (SK_E_USAGE, exit 2). Sets `*read_timeout_ms` for
 * sk_pg_cfg when not NULL.
 */
int sk_pg_step_validate(const struct sk_pg_step_conf *c, long *read_timeout_ms,
			struct sk_err *err);

/*
 * Validate (as above), then connect (sk_pg_open). Returns the handle, or
 * NULL with `err`.
 */
struct sk_pg *sk_pg_step_open(const struct sk_pg_step_conf *c, struct sk_err *err);

#endif
