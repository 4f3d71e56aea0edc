/* Unit tests for lib/dest_template.c: placeholders in upload destinations. */
#include "base.h"
#include "dest_template.h"
#include "tap.h"

/* expand TMPL with V: the result, or "ERR: message" */
static char got[1024];
static const char *expand(const char *tmpl, const struct sk_dest_vars *v)
{
	struct sk_err err = SK_ERR_INIT;
	char *out = NULL;

	if (sk_dest_expand(tmpl, v, "S3_PREFIX", &out, &err) < 0)
		snprintf(got, sizeof(got), "ERR %d: %s", (int)err.code, err.msg);
	else
		snprintf(got, sizeof(got), "%s", out);
	free(out);
	return got;
}

static const char *env_date(const char *as_of, time_t now)
{
	struct sk_dest_vars v;
	struct sk_err err = SK_ERR_INIT;

	if (as_of)
		setenv("STEPKIT_AS_OF", as_of, 1);
	else
		unsetenv("STEPKIT_AS_OF");
	if (sk_dest_vars_env(&v, now, &err) < 0)
		snprintf(got, sizeof(got), "ERR %d: %s", (int)err.code, err.msg);
	else
		snprintf(got, sizeof(got), "%s", v.date);
	return got;
}

int main(void)
{
	struct sk_dest_vars v = {"2024-06-15", "sales-analysis-cron-1718409600"};
	struct sk_dest_vars norun = {"2024-01-02", NULL};
	struct sk_err err = SK_ERR_INIT;
	const char *val;
	char *owned;

	is_str(expand("reports/{date}/", &v), "reports/2024-06-15/", "{date}");
	is_str(expand("{year}/{month}/{day}", &v), "2024/06/15", "{year} {month} {day}");
	is_str(expand("runs/{run}/{date}-", &v), "runs/sales-analysis-cron-1718409600/2024-06-15-", "{run}");
	is_str(expand("https://h.example/in/{date}/", &v), "https://h.example/in/2024-06-15/", "in a URL");
	is_str(expand("plain/dir", &v), "plain/dir", "no placeholder: unchanged");
	is_str(expand("", &v), "", "empty stays empty");
	is_str(expand("{date}{date}", &v), "2024-06-152024-06-15", "twice, adjacent");
	is_str(expand("r/{dtae}/", &v),
	       "ERR 1: S3_PREFIX: unknown placeholder '{dtae}' (known: {date} {year} {month} {day} {run})",
	       "a typo is an error, not a directory");
	is_str(expand("r/{date", &v),
	       "ERR 1: S3_PREFIX: a '{' is not closed (placeholders: {date} {year} {month} {day} {run})",
	       "an unclosed brace");
	is_str(expand("r/{}", &v),
	       "ERR 1: S3_PREFIX: unknown placeholder '{}' (known: {date} {year} {month} {day} {run})",
	       "empty braces");
	is_str(expand("{run}", &norun), "ERR 1: S3_PREFIX: {run} needs STEPKIT_RUN_ID (the workflow's name)",
	       "{run} without a run id");
	is_str(expand("{date}", &norun), "2024-01-02", "{date} without a run id is fine");

	/* the environment: STEPKIT_AS_OF, else today (UTC) */
	is_str(env_date("2024-06-15", 0), "2024-06-15", "STEPKIT_AS_OF as a date");
	is_str(env_date("2024-06-15T00:00:00Z", 0), "2024-06-15", "STEPKIT_AS_OF as the cron's scheduled time");
	is_str(env_date("2024-06-15T23:30:00+02:00", 0), "2024-06-15", "a scheduled time in another zone: its own date");
	is_str(env_date("", 86400 * 365), "1971-01-01", "empty: today (UTC)");
	is_str(env_date(NULL, 86400 * 365 - 1), "1970-12-31", "unset: today (UTC)");
	is_str(env_date("{{workflow.scheduledTime}}", 0),
	       "ERR 1: STEPKIT_AS_OF '{{workflow.scheduledTime}}' is not a date (YYYY-MM-DD or an RFC 3339 time)",
	       "a malformed STEPKIT_AS_OF is refused");
	is_str(env_date("2024-02-30", 0),
	       "ERR 1: STEPKIT_AS_OF '2024-02-30' is not a date (YYYY-MM-DD or an RFC 3339 time)",
	       "an impossible date is refused");
	unsetenv("STEPKIT_AS_OF");
	setenv("STEPKIT_RUN_ID", "../up", 1);
	ok(sk_dest_vars_env(&v, 0, &err) < 0 && err.code == SK_E_USAGE, "a run id with '/' is refused");
	is_str(err.msg, "STEPKIT_RUN_ID '../up' cannot be a directory name for {run}", "message names it");

	/* the tools' helper: nothing to do without '{'; otherwise expanded and owned */
	setenv("STEPKIT_RUN_ID", "wf-1", 1);
	setenv("STEPKIT_AS_OF", "2024-06-15", 1);
	val = "reports";
	ok(sk_dest_expand_opt("SFTP_REMOTE_DIR", &val, &owned, &err) == 0 && owned == NULL &&
		   !strcmp(val, "reports"),
	   "no placeholder: value untouched, nothing owned");
	val = NULL;
	ok(sk_dest_expand_opt("SFTP_REMOTE_DIR", &val, &owned, &err) == 0 && val == NULL, "unset stays unset");
	val = "reports/{date}/{run}";
	ok(sk_dest_expand_opt("SFTP_REMOTE_DIR", &val, &owned, &err) == 0 && owned == val, "expanded into an owned string");
	is_str(val, "reports/2024-06-15/wf-1", "from STEPKIT_AS_OF and STEPKIT_RUN_ID");
	free(owned);
	val = "reports/{when}";
	ok(sk_dest_expand_opt("SFTP_REMOTE_DIR", &val, &owned, &err) < 0 && owned == NULL, "an error owns nothing");
	is_str(err.msg, "SFTP_REMOTE_DIR: unknown placeholder '{when}' (known: {date} {year} {month} {day} {run})",
	       "the setting is named");
	return done_testing();
}
