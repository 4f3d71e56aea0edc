#include "base.h"
#include "gate.h"
#include "step.h"

#include <math.h>

int sk_gate_rows_parse(const char *v, const char *name, long long *n, struct sk_err *err)
{
	char *end;

	*n = -1;
	if (!v || !*v)
		return 0;
	errno = 0;
	*n = strtoll(v, &end, 10);
	if (errno || *end || end == v || *n < 0 || *v == '+' || *v == ' ')
		return sk_err_set(err, SK_E_USAGE, "%s '%s': expected a whole number of rows (0 or more)",
				  name, v);
	return 0;
}

int sk_gate_percent_parse(const char *v, const char *name, double *pct, struct sk_err *err)
{
	char *end;

	*pct = -1;
	if (!v || !*v)
		return 0;
	errno = 0;
	*pct = strtod(v, &end);
	if (*end == '%')
		end++;
	if (errno || *end || end == v || !isfinite(*pct) || *pct < 0 || *pct > 100 ||
	    *v == ' ' || *v == '+')
		return sk_err_set(err, SK_E_USAGE,
				  "%s '%s': expected a percentage from 0 to 100, such as 5, 0.5 or 5%%",
				  name, v);
	return 0;
}

int sk_gate_min_rows(struct sk_step *s, long long rows, long long min, const char *out,
		     struct sk_err *err)
{
	char text[128];

	if (min < 0)
		return 0;
	snprintf(text, sizeof(text), "%s: %lld rows, at least %lld wanted", rows >= min ? "passed" : "failed",
		 rows, min);
	sk_step_detail(s, "gate.min_rows", text);
	if (rows >= min)
		return 0;
	return sk_err_set(err, SK_E_QUALITY,
			  "data-quality gate: %lld rows, fewer than --min-rows %lld (STEPKIT_MIN_ROWS): "
			  "'%s' is not written; look at the step's input, or lower the gate",
			  rows, min, out);
}

int sk_gate_max_share(struct sk_step *s, const char *gate, const char *setting, const char *what,
		      long long n, long long of, double max_pct, const char *out,
		      const char *advice, struct sk_err *err)
{
	char key[64], text[160];
	double pct = of > 0 ? 100.0 * (double)n / (double)of : 0;
	int pass = pct <= max_pct;

	if (max_pct < 0)
		return 0;
	snprintf(key, sizeof(key), "gate.%s", gate);
	snprintf(text, sizeof(text), "%s: %.2f%% (%lld of %lld), at most %g%% wanted",
		 pass ? "passed" : "failed", pct, n, of, max_pct);
	sk_step_detail(s, key, text);
	if (pass)
		return 0;
	return sk_err_set(err, SK_E_QUALITY,
			  "data-quality gate: %.2f%% of the rows (%lld of %lld) %s, above %s %g%%: "
			  "'%s' is not written; %s",
			  pct, n, of, what, setting, max_pct, out, advice);
}
