/*
 * history.h: the previous successful runs of a step, found on disk, so the
 * trend checks (row_change) need no database.
 *
 * The rule (docs/quality.md, "History"): the run directories are siblings,
 * as Argo's /data/WORKFLOW_NAME directories on the volume are. For the step
 * STEP running in the work directory W, every other directory D next to W
 * (not W itself, no name starting with '.') is a candidate; its run counts
 * when D/events/STEP.json is a JSON object with "status": "succeeded", a
 * "template" equal to this run's (STEPKIT_TEMPLATE; both absent or empty
 * also match), an integer "rows_out" and a "finished" time earlier than
 * this run's start. The newest `max` of them by "finished" are kept.
 * Unreadable or foreign directories and events are skipped, never an error.
 */
#ifndef SK_HISTORY_H
#define SK_HISTORY_H

#include "errors.h"

#include <stddef.h>

/* At most this many runs are compared. */
#define SK_HISTORY_MAX 100

struct sk_history_run {
	char run[128];     /* its "run" id, or the directory name when it has none */
	char finished[40]; /* its "finished" time, as written */
	long long rows_out;
};

struct sk_history {
	size_t n;    /* runs found, newest first */
	size_t seen; /* directories looked at */
	struct sk_history_run runs[SK_HISTORY_MAX];
};

/*
 * Find the runs of `step` next to `workdir` by the rule above: `tmpl` the
 * template (NULL or "": none), `before` this run's start (an ISO time as the
 * events write them, "2024-05-01T02:00:00.000Z"), at most `max` (1 to
 * SK_HISTORY_MAX) of them into `h`. 0, or -1 with `err` (SK_E_NOMEM only).
 */
int sk_history_find(const char *workdir, const char *step, const char *tmpl, const char *before,
		    size_t max, struct sk_history *h, struct sk_err *err);

/*
 * The end of the date range this run's extract-sales recorded: the "range"
 * detail ("2024-04-01..2024-04-30") of WORKDIR/events/extract-sales.json
 * into `end`. 1 found, 0 not (`why` says why, for a message: "no
 * events/extract-sales.json", "extract-sales read all dates").
 */
int sk_history_period_end(const char *workdir, char end[11], char why[160]);

#endif
