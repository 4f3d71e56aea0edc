/*
 * log.h: the only writer to stderr.
 *
 * One call writes one line. When stderr is a terminal the line is text,
 * "prog: message"; otherwise it is a JSON object
 * {"ts","level","step","run","msg", ...fields} so that log collectors on
 * OpenShift can parse it. STEPKIT_LOG_FORMAT (or --log-format) forces
 * "text" or "json". Messages are lowercase, without a trailing newline or
 * full stop, shaped "context: reason". Control characters in messages are
 * replaced, so hostile file content cannot forge log lines.
 */
#ifndef SK_LOG_H
#define SK_LOG_H

#include "errors.h"

#include <sys/time.h>

enum sk_log_level { SK_LOG_DEBUG, SK_LOG_INFO, SK_LOG_WARN, SK_LOG_ERROR };

/* One extra field of a JSON log line: a number, or a string when `str` is set. */
struct sk_log_field {
	const char *key;
	long long num;
	const char *str;
};

/* Remember the program name (basename of argv[0]); used as the line prefix. */
void sk_setprogname(const char *argv0);

/* The program name set above, or "stepkit". Borrowed, never NULL. */
const char *sk_progname(void);

/* The run id logged with each line (borrowed: must outlive logging). */
void sk_log_set_run(const char *run_id);

/*
 * Select the format: "auto" (json unless stderr is a terminal), "text" or
 * "json". Returns 0, or -1 with `err` (SK_E_USAGE) for another name.
 */
int sk_log_set_format(const char *name, struct sk_err *err);

/* Lowest level written: "debug", "info" (default), "warn", "error". */
int sk_log_set_level(const char *name, struct sk_err *err);

/* Format a UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ" into `out`. */
void sk_utc_iso(const struct timeval *tv, char out[32]);

/* Write one line at `level` with `nfields` extra fields (JSON only). */
void sk_log_fields(enum sk_log_level level, const struct sk_log_field *fields,
		   size_t nfields, const char *fmt, ...) SK_PRINTF(4, 5);

void sk_errorf(const char *fmt, ...) SK_PRINTF(1, 2);
void sk_warnf(const char *fmt, ...) SK_PRINTF(1, 2);
void sk_infof(const char *fmt, ...) SK_PRINTF(1, 2);
void sk_debugf(const char *fmt, ...) SK_PRINTF(1, 2);

#endif
