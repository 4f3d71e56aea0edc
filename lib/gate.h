/*
 * gate.h: the data-quality gates of the data steps (exit status 3,
 * SK_E_QUALITY). A gate is checked after the rows are processed and before
 * the output is committed: when it fails, the output file is left as it was
 * (no new file, nothing half-written), the step exits 3 and its event
 * records the gate ("gate.NAME" details: "passed: ..." or "failed: ...").
 * The next steps of the DAG do not run; Argo does not retry (only 75).
 *
 * Settings are parsed before any work, so a bad value is a usage error
 * (exit 2) with nothing read or written.
 */
#ifndef SK_GATE_H
#define SK_GATE_H

#include "errors.h"

struct sk_step;

/* The --min-rows option of a data step, for its struct sk_opt table. */
#define SK_GATE_MIN_ROWS_OPT(var)                                                                  \
	{"min-rows", "STEPKIT_MIN_ROWS", "N", "data-quality gate: fail (exit 3, output not written) when fewer than N rows would be written", &(var)}

/*
 * A row-count setting (`name` its flag or variable, e.g. "STEPKIT_MIN_ROWS";
 * messages name the one the user gave, sk_opt_given_as): a whole
 * number from 0 (digits only) into `*n`; unset or empty: -1 (no gate). 0, or -1 with
 * SK_E_USAGE.
 */
int sk_gate_rows_parse(const char *v, const char *name, long long *n, struct sk_err *err);

/*
 * A percentage setting: "5", "0.5" or "5%" (digits first: no sign, no
 * space), from 0 to 100, into `*pct`;
 * unset or empty: -1 (no gate). 0, or -1 with SK_E_USAGE naming `name`.
 */
int sk_gate_percent_parse(const char *v, const char *name, double *pct, struct sk_err *err);

/*
 * The gate "at least `min` rows" (min < 0: none) on the `rows` that would be
 * written to `out`. 0, or -1 with SK_E_QUALITY saying how many, the gate and
 * that `out` was not written.
 */
int sk_gate_min_rows(struct sk_step *s, long long rows, long long min, const char *out,
		     struct sk_err *err);

/* What a share gate counts: `n` of `of` `of_what` ("rows") `what`. */
struct sk_gate_share {
	long long n, of;
	const char *of_what; /* the population: "rows", "rows with a customer_id" */
	const char *what;    /* what the n have: "have a stock_code missing from ..." */
	const char *advice;  /* what to do, ending the message */
};

/*
 * The gate "at most `max_pct` percent of the population are `what`"
 * (max_pct < 0: none), named `gate` in the event ("gate.NAME") and
 * `setting` (its flag) in the message, or its variable when the user gave
 * that (sk_opt_given_as). 0, or -1 with SK_E_QUALITY.
 */
int sk_gate_max_share(struct sk_step *s, const char *gate, const char *setting,
		      const struct sk_gate_share *g, double max_pct, const char *out,
		      struct sk_err *err);

#endif
