#include "base.h"
#include "gate.h"
#include "step.h"

#include <math.h>

/* Only digits (and one '.' or a trailing '%' where allowed) may start a
 * setting: strtoll/strtod would also take spaces, signs and "nan". */
static int starts_like_a_number(const char *v)
{
	return *v >= '0' && *v <= '9';
}

int sk_gate_rows_parse(const char *v, const char *name, long long *n, struct sk_err *err)
{
	char *end;

	*n = -1;
	if (!v || !*v)
		return 0;
	errno = 0;
	*n = strtoll(v, &end, 10);
	if (!starts_like_a_number(v) || errno || *end)
		return sk_err_set(err, SK_E_USAGE, "%s '%s': expected a whole number of rows (0 or more)",
				  sk_opt_given_as(name), v);
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
	if (end != v && *end == '%')
		end++;
	if (!starts_like_a_number(v) || errno || *end || !isfinite(*pct) || *pct > 100)
		return sk_err_set(err, SK_E_USAGE,
				  "%s '%s': expected a percentage from 0 to 100, such as 5, 0.5 or 5%%",
				  sk_opt_given_as(name), v);
	return 0;
}

int sk_gate_min_rows(struct sk_step *s, long long rows, long long min, const char *out,
		     struct sk_err *err)
{
	char text[128];

	if (min < 0)
		return 0;
	snprintf(text, sizeof(text), "%s: %lld rows, at least %lld wanted",
		 rows >= min ? "passed" : "failed", rows, min);
	sk_step_detail(s, "gate.min_rows", text);
	if (rows >= min)
		return 0;
	return sk_err_set(err, SK_E_QUALITY,
			  "data-quality gate: %lld rows, fewer than --min-rows %lld (STEPKIT_MIN_ROWS): "
			  "'%s' is not written; look at the step's input, or lower the gate",
			  rows, min, out);
}

/* `pct` with 2 decimals, more when 2 would show a failing share as equal
 * to the limit (5.001% is not "5.00%, at most 5%"). */
static void show_pct(char *buf, size_t n, double pct, double max_pct)
{
	for (int digits = 2; digits <= 6; digits++) {
		snprintf(buf, n, "%.*f", digits, pct);
		if (pct <= max_pct || strtod(buf, NULL) > max_pct)
			return;
	}
}

int sk_gate_max_share(struct sk_step *s, const char *gate, const char *setting,
		      const struct sk_gate_share *g, double max_pct, const char *out,
		      struct sk_err *err)
{
	char key[64], text[200], pct_text[32];
	double pct = g->of > 0 ? 100.0 * (double)g->n / (double)g->of : 0;
	int pass = pct <= max_pct;

	if (max_pct < 0)
		return 0;
	show_pct(pct_text, sizeof(pct_text), pct, max_pct);
	snprintf(key, sizeof(key), "gate.%s", gate);
	snprintf(text, sizeof(text), "%s: %s%% (%lld of %lld %s), at most %g%% wanted",
		 pass ? "passed" : "failed", pct_text, g->n, g->of, g->of_what, max_pct);
	sk_step_detail(s, key, text);
	if (pass)
		return 0;
	return sk_err_set(err, SK_E_QUALITY,
			  "data-quality gate: %s%% of the %s (%lld of %lld) %s, above %s %g%%: "
			  "'%s' is not written; %s",
			  pct_text, g->of_what, g->n, g->of, g->what, sk_opt_given_as(setting), max_pct,
			  out, g->advice);
}
