/*
 * runlog.h: the pipeline's history in SQL: one row per invocation of a
 * load step in `stepkit_runs`, and the JSON events of every step of a run
 * in `stepkit_events` (jsonb, one row per run and step, upserted), so the
 * DAG's history is a query away. scripts/warehouse.sql creates both
 * tables; these functions create them too when they are missing (CREATE
 * TABLE IF NOT EXISTS), so a first run needs no setup beyond CREATE on
 * the schema.
 */
#ifndef SK_RUNLOG_H
#define SK_RUNLOG_H

#include "errors.h"
#include "pg.h"

#include <sys/time.h>

/* One invocation. Strings are borrowed; NULL is SQL NULL. */
struct sk_runlog_rec {
	const char *run_id;
	const char *step;        /* "load-postgres" */
	const char *target;      /* the table, or "sales-star" */
	const char *status;      /* "succeeded" or "failed" */
	struct timeval started, completed;
	long long read, inserted, updated, unchanged, failed;
	const char *error;       /* the message, or NULL */
	const char *error_kind;  /* sk_ecode_name(), or NULL */
	long long peak_kib;      /* peak resident memory */
};

/*
 * Insert `r` into stepkit_runs as a transaction of its own (the caller's
 * connection must not be inside one). 0, or -1 with `err`.
 */
int sk_runlog_write(struct sk_pg *db, const struct sk_runlog_rec *r, struct sk_err *err);

/*
 * Load every DIR/[name].json event file (the files of the step events of a
 * run: sk_step writes them to WORKDIR/events) into stepkit_events, keyed by
 * the event's own "run" and "step", replacing an older row of the same
 * pair. Runs in the caller's transaction. The number of events in `*n`.
 * 0, or -1 with `err` (SK_E_IO: the directory or a file; SK_E_DATA: a file
 * that is not a JSON object with "run" and "step").
 */
int sk_runlog_events(struct sk_pg *db, const char *dir, long long *n, struct sk_err *err);

/* Peak resident memory of this process so far, in KiB. */
long long sk_runlog_peak_kib(void);

#endif
