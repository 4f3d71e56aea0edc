/*
 * quality.h: the data-quality checks of the data steps and their levels
 * GREEN, YELLOW and RED (docs/quality.md is the user's reference).
 *
 * A data step (the extracts, transform, the analyses) opens the quality
 * configuration before any work (--quality FILE / STEPKIT_QUALITY: a JSON
 * file naming checks per step), counts what the checks need while its rows
 * go by (sk_quality_row for completeness), and calls sk_quality_finish()
 * once, after counting and before committing its output. That call grades
 * every check, records the `quality` and `history` objects of the event and
 * the level for events/STEP.quality (sk_step_set_quality), logs one warning
 * per YELLOW check, and returns -1 with SK_E_QUALITY (exit 3) when a check
 * is RED: the step then leaves its output uncommitted.
 *
 * A threshold is crossed only strictly: a check that is bad below (rows,
 * completeness, validity) is YELLOW when its value is below `warn`, RED
 * when below `fail`; a value equal to the threshold is on the good side,
 * like --min-rows ("at least N"). A check that is bad above (the shares,
 * the size of a row-count change, freshness_days) is YELLOW above `warn`,
 * RED above `fail`; equal is good, like --max-unmatched ("at most P%").
 *
 * The shorthand gates --min-rows and --max-unmatched are fail thresholds of
 * rows and of the unmatched shares: they keep their messages and their
 * "gate.NAME" details (gate.h) and become checks of the event too.
 */
#ifndef SK_QUALITY_H
#define SK_QUALITY_H

#include "errors.h"
#include "gate.h"

#include <stddef.h>

struct sk_step;
struct sk_quality;

/* The --quality option of a data step, for its struct sk_opt table. */
#define SK_QUALITY_OPT(var)                                                                        \
	{"quality", "STEPKIT_QUALITY", "FILE", "data-quality checks and their warn/fail levels, from the JSON FILE (docs/quality.md); a RED check fails the step (exit 3)", &(var)}

/* The levels, worst last. */
enum sk_quality_level {
	SK_QUALITY_GREEN,
	SK_QUALITY_YELLOW,
	SK_QUALITY_RED
};

/* "GREEN", "YELLOW" or "RED". */
const char *sk_quality_level_name(enum sk_quality_level l);

/*
 * Read and validate the configuration file `path` for the data step named
 * `step` ("transform"); `setting` is how the user gave it, for messages
 * (sk_opt_given_as("--quality")). The whole file is checked, every step's
 * list, so a mistake anywhere stops the first step that reads it. `path`
 * NULL or "": no configuration (only the shorthand gates).
 * Returns a handle the caller closes, or NULL with `err` (SK_E_USAGE,
 * naming the file and the key path, e.g. "steps.transform[1].warn").
 */
struct sk_quality *sk_quality_open(const char *step, const char *path, const char *setting,
				   struct sk_err *err);

/*
 * The same from the JSON text itself; `name` stands for the file in
 * messages ("--quality 'q.json'"). For tests and for sk_quality_open.
 */
struct sk_quality *sk_quality_parse(const char *step, const char *text, const char *name,
				    struct sk_err *err);

/* Free `q`. NULL is fine. */
void sk_quality_close(struct sk_quality *q);

/* Whether the step's configuration has a check named `check` ("freshness_days"). */
int sk_quality_has(const struct sk_quality *q, const char *check);

/*
 * Count one row for the completeness checks: `len` holds the byte length
 * of each of the row's fields, in the order of the columns the step's
 * checks name (docs/quality.md lists them per step). Call it for each row
 * the step writes. NULL `q` is fine.
 */
void sk_quality_row(struct sk_quality *q, const size_t *len);

/* What a step counted, for sk_quality_finish. -1: not counted by this step. */
struct sk_quality_facts {
	long long rows;           /* rows written */
	long long rows_in;        /* validity: rows read (kept = rows) */
	long long cust_unmatched; /* unmatched_customers: n of cust_of */
	long long cust_of;
	long long prod_unmatched; /* unmatched_products: n of prod_of */
	long long prod_of;
	long long qty_positive; /* quantities_made_positive: n of rows */
	long long desc_unknown; /* description_unknown: n of rows */
	char newest[11];        /* freshness: newest invoice_date written, "" none */
	char ref_date[11];      /* the day freshness counts to, "" none */
	const char *ref_what;   /* what ref_date is ("the end of the period"), or why none */
	const char *out;        /* the output file, for the RED message */
	/* the shorthand gates (-1: not set) and their figures (gate.h) */
	long long min_rows;
	double max_unmatched;
	const struct sk_gate_share *cust_share, *prod_share;
};

/* Facts with every count -1 and every gate unset. */
void sk_quality_facts_init(struct sk_quality_facts *f);

/*
 * Grade every check of `q` (NULL: none) and the shorthand gates on `f`,
 * look up the run history (history.h) of the step next to its work
 * directory, and record the result in the step (sk_step_set_quality).
 * Returns the level through `level` (may be NULL) and 0 (GREEN, YELLOW),
 * or -1 with SK_E_QUALITY (RED): a failed shorthand gate's own message, or
 * "data-quality check NAME RED: figures, below the failure level X: 'out'
 * is not written ...". SK_E_NOMEM on a memory failure.
 */
int sk_quality_finish(struct sk_step *s, struct sk_quality *q, const struct sk_quality_facts *f,
		      enum sk_quality_level *level, struct sk_err *err);

/*
 * The grading alone, for tests: the result of `q`'s checks on `f` (and the
 * history given, `runs` previous rows_out values, newest first, `runs` 0:
 * none) as the JSON text of the event's quality object (caller frees), the
 * level in `*level`. NULL on a memory failure.
 */
char *sk_quality_grade_json(struct sk_quality *q, const struct sk_quality_facts *f,
			    const long long *prev_rows, size_t runs, enum sk_quality_level *level);

#endif
