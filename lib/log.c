#include "base.h"
#include "log.h"
#include "utf8.h"

#include <jansson.h>
#include <sys/time.h>
#include <unistd.h>

enum format { FMT_AUTO, FMT_TEXT, FMT_JSON };

static const char *progname = "stepkit";
static const char *run_id;
static enum format format = FMT_AUTO;
static enum sk_log_level min_level = SK_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sk_setprogname(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *sk_progname(void)
{
	return progname;
}

void sk_log_set_run(const char *id)
{
	run_id = id;
}

int sk_log_set_format(const char *name, struct sk_err *err)
{
	if (!strcmp(name, "auto"))
		format = FMT_AUTO;
	else if (!strcmp(name, "text"))
		format = FMT_TEXT;
	else if (!strcmp(name, "json"))
		format = FMT_JSON;
	else
		return sk_err_set(err, SK_E_USAGE,
				  "log format '%s': use auto, text or json", name);
	return 0;
}

int sk_log_set_level(const char *name, struct sk_err *err)
{
	for (size_t i = 0; i < SK_ARRAY_SIZE(level_names); i++) {
		if (!strcmp(name, level_names[i])) {
			min_level = (enum sk_log_level)i;
			return 0;
		}
	}
	return sk_err_set(err, SK_E_USAGE,
			  "log level '%s': use debug, info, warn or error", name);
}


/* write(2) until done: stderr may be a pipe that takes short writes. */
static void write_all(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to complain */
		}
		p += n;
		len -= (size_t)n;
	}
}

void sk_utc_iso(const struct timeval *tv, char out[32])
{
	struct tm tm;
	size_t n;

	gmtime_r(&tv->tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(tv->tv_usec / 1000) % 1000);
}

static void emit_json(enum sk_log_level level, const struct sk_log_field *fields,
		      size_t nfields, const char *msg)
{
	char ts[32];
	struct timeval tv;
	json_t *o;
	char *line;

	gettimeofday(&tv, NULL);
	sk_utc_iso(&tv, ts);
	o = json_object();
	if (!o)
		return;
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "level", json_string(level_names[level]));
	json_object_set_new(o, "step", json_string(progname));
	if (run_id)
		json_object_set_new(o, "run", json_string(run_id));
	/* msg is valid UTF-8: vlog escaped every other byte */
	json_object_set_new(o, "msg", json_string(msg));
	for (size_t i = 0; i < nfields; i++) {
		json_t *v = fields[i].str ? json_string(fields[i].str)
					  : json_integer(fields[i].num);
		json_object_set_new(o, fields[i].key, v);
	}
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line)
		return;
	write_all(line, strlen(line));
	write_all("\n", 1);
	free(line);
}

static void emit_text(enum sk_log_level level, const char *msg)
{
	char line[2048];
	int n;

	if (level >= SK_LOG_WARN && level != SK_LOG_ERROR)
		n = snprintf(line, sizeof(line), "%s: warning: %s\n", progname, msg);
	else
		n = snprintf(line, sizeof(line), "%s: %s\n", progname, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	write_all(line, (size_t)n);
}

static void vlog(enum sk_log_level level, const struct sk_log_field *fields,
		 size_t nfields, const char *fmt, va_list ap)
{
	char raw[1536], msg[4 * sizeof(raw)];
	int saved = errno;
	int json;

	if (level < min_level)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* one line, valid UTF-8: a control character becomes '?', a byte that
	 * is not UTF-8 '\xE9', so a bad value in a message loses nothing else */
	sk_utf8_escape(msg, sizeof(msg), raw, strlen(raw), 1);
	json = format == FMT_JSON ||
	       (format == FMT_AUTO && !isatty(STDERR_FILENO));
	if (json)
		emit_json(level, fields, nfields, msg);
	else
		emit_text(level, msg);
	errno = saved;
}

void sk_log_fields(enum sk_log_level level, const struct sk_log_field *fields,
		   size_t nfields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fields, nfields, fmt, ap);
	va_end(ap);
}

#define DEFINE_LEVEL(fn, lvl)                       \
	void fn(const char *fmt, ...)               \
	{                                           \
		va_list ap;                         \
		va_start(ap, fmt);                  \
		vlog(lvl, NULL, 0, fmt, ap);        \
		va_end(ap);                         \
	}

DEFINE_LEVEL(sk_errorf, SK_LOG_ERROR)
DEFINE_LEVEL(sk_warnf, SK_LOG_WARN)
DEFINE_LEVEL(sk_infof, SK_LOG_INFO)
DEFINE_LEVEL(sk_debugf, SK_LOG_DEBUG)
