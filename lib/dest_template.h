/*
 * dest_template.h: placeholders in an upload destination (SFTP_REMOTE_DIR,
 * S3_PREFIX, HTTP_UPLOAD_URL), so that each run's reports land in their own
 * place (reports/{date}/) instead of replacing the previous night's.
 *
 *   {date}                the run's day, YYYY-MM-DD: the date of STEPKIT_AS_OF
 *                         (YYYY-MM-DD or an RFC 3339 time; the WorkflowTemplate
 *                         sets it from its as-of parameter, the cron's
 *                         scheduled time), else today in UTC
 *   {year} {month} {day}  its parts: 2024, 06, 15
 *   {run}                 the run id, STEPKIT_RUN_ID (the workflow's name)
 *
 * Nothing else is special: a '{' that starts no placeholder, or one left
 * open, is an error, so that a typo never becomes a directory named
 * "{dtae}". The upload tools expand their destination once, before the
 * first request.
 */
#ifndef SK_DEST_TEMPLATE_H
#define SK_DEST_TEMPLATE_H

#include "errors.h"

#include <time.h>

/* The values the placeholders stand for. */
struct sk_dest_vars {
	char date[11];   /* YYYY-MM-DD */
	const char *run; /* borrowed; NULL: unset ({run} is then an error) */
};

/*
 * Fill `v` from the environment: STEPKIT_AS_OF (its first ten characters,
 * which must be a date; unset or empty: the UTC date of `now`) and
 * STEPKIT_RUN_ID (borrowed from the environment). SK_E_USAGE: STEPKIT_AS_OF
 * is not a date; a run id that could leave its directory ('/', "..").
 */
int sk_dest_vars_env(struct sk_dest_vars *v, time_t now, struct sk_err *err);

/*
 * Expand the placeholders of `tmpl` into a new string (*out, the caller
 * frees it). `setting` (e.g. "S3_PREFIX") starts every message; the value
 * itself is never quoted, since a URL may hold a password. SK_E_USAGE: an
 * unknown placeholder (named, with the known ones), an unclosed '{', {run}
 * with no run id. SK_E_NOMEM.
 */
int sk_dest_expand(const char *tmpl, const struct sk_dest_vars *v, const char *setting, char **out,
		   struct sk_err *err);

/*
 * For a tool's option: when *value holds a '{', expand it with the
 * environment's values (sk_dest_vars_env at the current time) and point
 * *value at the result, which the caller frees through *owned (NULL when
 * nothing was expanded). NULL or no '{': nothing changes. Errors as above.
 */
int sk_dest_expand_opt(const char *setting, const char **value, char **owned, struct sk_err *err);

#endif
