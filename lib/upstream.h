/*
 * upstream.h: do not read a file whose producing step failed.
 *
 * A step run by hand after its upstream step failed in the same work
 * directory would read the file an earlier run left there, without a word.
 * Every step writes its event to <workdir>/events/<step>.json, so the event of
 * the step that makes a file sits beside it: when that event says the step
 * did not succeed, the file is stale.
 */
#ifndef SK_UPSTREAM_H
#define SK_UPSTREAM_H

#include "errors.h"

/* The option every reading step offers to read the file anyway. */
#define SK_UPSTREAM_OPT(field)                                                                      \
	{"ignore-upstream", "STEPKIT_IGNORE_UPSTREAM", NULL,                                        \
	 "read the input even when the step that writes it failed last (events/STEP.json)", &(field)}

/*
 * Check the event of `step` (e.g. "transform") in the directory of `input`
 * (DIR/events/<step>.json for DIR/transformed_data.csv). Returns 0 when there
 * is no event, it cannot be read as JSON, or its "status" is "succeeded",
 * and also when the step did not succeed but `ignore` is set (non-NULL,
 * non-empty, not "0"): then it logs a warning saying so. Otherwise -1 with
 * `err` (SK_E_PERMANENT, exit 1) naming the input, the event, its status and
 * error, and what to do.
 */
int sk_upstream_check(const char *input, const char *step, const char *ignore,
		      struct sk_err *err);

#endif
