#include "base.h"
#include "dest_template.h"
#include "buf.h"
#include "money.h"

#define KNOWN "{date} {year} {month} {day} {run}"

int sk_dest_vars_env(struct sk_dest_vars *v, time_t now, struct sk_err *err)
{
	const char *as_of = getenv("STEPKIT_AS_OF");
	const char *run = getenv("STEPKIT_RUN_ID");
	struct tm tm;

	memset(v, 0, sizeof(*v));
	if (as_of && *as_of) {
		size_t n = strlen(as_of);

		if (!(n == 10 || (n > 10 && as_of[10] == 'T')) || !sk_is_date(as_of, 10))
			return sk_err_set(err, SK_E_USAGE,
					  "STEPKIT_AS_OF '%s' is not a date (YYYY-MM-DD or an RFC 3339 time)",
					  as_of);
		memcpy(v->date, as_of, 10);
		v->date[10] = '\0';
	} else {
		if (!gmtime_r(&now, &tm))
			return sk_err_set(err, SK_E_USAGE, "cannot read the clock");
		strftime(v->date, sizeof(v->date), "%Y-%m-%d", &tm);
	}
	if (run && *run) {
		if (strchr(run, '/') || !strcmp(run, ".") || !strcmp(run, ".."))
			return sk_err_set(err, SK_E_USAGE,
					  "STEPKIT_RUN_ID '%s' cannot be a directory name for {run}", run);
		v->run = run;
	}
	return 0;
}

/* The value of placeholder NAME (len bytes), or NULL when unknown. */
static const char *lookup(const char *name, size_t len, const struct sk_dest_vars *v, char part[5])
{
#define IS(s) (len == sizeof(s) - 1 && !memcmp(name, s, len))
	if (IS("date"))
		return v->date;
	if (IS("year") || IS("month") || IS("day")) {
		size_t off = IS("year") ? 0 : IS("month") ? 5 : 8;
		size_t n = IS("year") ? 4 : 2;

		memcpy(part, v->date + off, n);
		part[n] = '\0';
		return part;
	}
	return NULL;
#undef IS
}

int sk_dest_expand(const char *tmpl, const struct sk_dest_vars *v, const char *setting, char **out,
		   struct sk_err *err)
{
	struct sk_buf b = SK_BUF_INIT(64 << 10);
	const char *p = tmpl, *open, *close, *val;
	char part[5];
	int ret = -1;

	*out = NULL;
	while ((open = strchr(p, '{'))) {
		if (sk_buf_add(&b, p, (size_t)(open - p), err) < 0)
			goto out;
		close = strchr(open, '}');
		if (!close) {
			sk_err_set(err, SK_E_USAGE, "%s: a '{' is not closed (placeholders: " KNOWN ")",
				   setting);
			goto out;
		}
		if (close - open == 4 && !memcmp(open, "{run}", 5)) {
			val = v->run;
			if (!val) {
				sk_err_set(err, SK_E_USAGE,
					   "%s: {run} needs STEPKIT_RUN_ID (the workflow's name)", setting);
				goto out;
			}
		} else if (!(val = lookup(open + 1, (size_t)(close - open - 1), v, part))) {
			sk_err_set(err, SK_E_USAGE, "%s: unknown placeholder '%.*s' (known: " KNOWN ")",
				   setting, (int)(close - open + 1 > 40 ? 40 : close - open + 1), open);
			goto out;
		}
		if (sk_buf_adds(&b, val, err) < 0)
			goto out;
		p = close + 1;
	}
	if (sk_buf_adds(&b, p, err) < 0)
		goto out;
	if (!b.data && sk_buf_add(&b, "", 0, err) < 0)
		goto out;
	*out = b.data;
	b.data = NULL;
	ret = 0;
out:
	sk_buf_release(&b);
	return ret;
}

int sk_dest_expand_opt(const char *setting, const char **value, char **owned, struct sk_err *err)
{
	struct sk_dest_vars v;

	*owned = NULL;
	if (!*value || !strchr(*value, '{'))
		return 0;
	if (sk_dest_vars_env(&v, time(NULL), err) < 0 ||
	    sk_dest_expand(*value, &v, setting, owned, err) < 0)
		return -1;
	*value = *owned;
	return 0;
}
