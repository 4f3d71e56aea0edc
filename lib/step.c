#include "base.h"
#include "step.h"
#include "log.h"
#include "phase.h"
#include "sig.h"

#include <getopt.h>
#include <math.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_OPTS 64
#define PROGRESS_EVERY_SEC 5.0

struct sk_step {
	const struct sk_tool *tool;
	const char *workdir;
	const char *event_file;
	const char *run_id;
	struct timeval start;
	double last_progress;
	long long rows_in, rows_out;
	json_t *inputs, *outputs, *counts, *details;
	json_t *quality, *history; /* sk_step_set_quality, NULL: not graded */
	const char *level;
	json_t *drops;           /* the keys of "counts" that are drop reasons */
	double transfer_seconds; /* uploads: the transfers, a write phase */
};

/* Options every tool has, with their environment variables. */
static const char *opt_workdir, *opt_event_file, *opt_run_id, *opt_log_format,
	*opt_log_level, *opt_check, *opt_help, *opt_version;

static const struct sk_opt common_opts[] = {
	{"workdir", "STEPKIT_WORKDIR", "DIR", "read and write files in DIR (default .)", &opt_workdir},
	{"event-file", "STEPKIT_EVENT_FILE", "FILE", "write the step event to FILE (default DIR/events/STEP.json)", &opt_event_file},
	{"run-id", "STEPKIT_RUN_ID", "ID", "run id in logs and events (default: local)", &opt_run_id},
	{"log-format", "STEPKIT_LOG_FORMAT", "FMT", "auto, text or json (auto: json unless stderr is a terminal)", &opt_log_format},
	{"log-level", "STEPKIT_LOG_LEVEL", "LEVEL", "debug, info, warn or error (default info)", &opt_log_level},
	{"check", NULL, NULL, "check configuration and connectivity, move no data", &opt_check},
	{"help", NULL, NULL, "show this help", &opt_help},
	{"version", NULL, NULL, "show the version", &opt_version},
	{0},
};

/* How each option that has a value got it: for messages (sk_opt_given_as). */
static struct {
	const struct sk_opt *opt;
	char flag[72];   /* "--NAME" */
	int from_argv;   /* else from its environment variable */
} given[MAX_OPTS];
static size_t ngiven;

const char *sk_opt_given_as(const char *name)
{
	for (size_t i = 0; i < ngiven; i++) {
		const struct sk_opt *o = given[i].opt;
		if (strcmp(name, given[i].flag) && (!o->env || strcmp(name, o->env)))
			continue;
		if (given[i].from_argv)
			return given[i].flag;
		return o->env && *o->value ? o->env : given[i].flag;
	}
	return name;
}

/* The option name of an argument as the user typed it, without a value:
 * "--password=..." may hold a secret typed by mistake. */
static void option_only(char *out, size_t n, const char *arg, int optopt_c)
{
	if (arg && arg[0] == '-' && arg[1] == '-')
		snprintf(out, n, "%.*s", (int)strcspn(arg, "="), arg);
	else if (optopt_c > 0 && optopt_c < 256)
		snprintf(out, n, "-%c", optopt_c);
	else
		snprintf(out, n, "?");
}

static double now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void print_opts(FILE *out, const struct sk_opt *o)
{
	for (; o->name; o++) {
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(out, "  %-26s %s", left, o->help);
		if (o->env)
			fprintf(out, " [%s]", o->env);
		fputc('\n', out);
	}
}

static int usage(const struct sk_tool *t)
{
	const char *sep;

	printf("usage: %s [OPTION]...%s%s\n%s\n\nOptions:\n", t->name, t->args ? " " : "",
	       t->args ? t->args : "", t->summary);
	print_opts(stdout, t->opts);
	print_opts(stdout, common_opts);
	if (t->details)
		printf("\n%s", t->details);
	/* only the statuses this tool can return */
	printf("\nExit status: 0 success, 1 permanent failure, 2 usage or configuration error");
	sep = ",\n";
	if (t->exits & SK_TOOL_GATES) {
		printf("%s3 data-quality RED (a gate or check failed)", sep);
		sep = ", ";
	}
	if (t->exits & SK_TOOL_REMOTE)
		printf("%s75 temporary failure (worth a retry)", sep);
	printf(".\n");
	return fflush(stdout) == 0 && !ferror(stdout) ? SK_EXIT_OK : SK_EXIT_FAIL;
}

/* Fill option values from the environment, then from argv (argv wins). */
static int parse_opts(const struct sk_tool *t, int argc, char **argv, int *optind_out,
		      struct sk_err *err)
{
	struct option longopts[MAX_OPTS + 1];
	const struct sk_opt *all[MAX_OPTS];
	size_t n = 0;
	int c;

	for (int pass = 0; pass < 2; pass++) {
		for (const struct sk_opt *o = pass ? common_opts : t->opts; o && o->name; o++) {
			if (n == MAX_OPTS)
				return sk_err_set(err, SK_E_USAGE, "too many options");
			all[n] = o;
			longopts[n] = (struct option){o->name, o->arg ? required_argument : no_argument,
						      NULL, (int)(n + 256)};
			given[n].opt = o;
			snprintf(given[n].flag, sizeof(given[n].flag), "--%s", o->name);
			given[n].from_argv = 0;
			n++;
			ngiven = n;
			if (o->env && getenv(o->env) && *getenv(o->env))
				*o->value = getenv(o->env);
		}
	}
	longopts[n] = (struct option){0};
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			char bad[80];
			/* never the value of an unknown --name=value: it may be a
			 * secret given by mistake (--password=...) */
			option_only(bad, sizeof(bad), argv[optind - 1], optopt);
			return sk_err_set(err, SK_E_USAGE, "%s '%s': try '%s --help'",
					  c == ':' ? "missing argument to" : "unknown option",
					  bad, t->name);
		}
		*all[c - 256]->value = all[c - 256]->arg ? optarg : "1";
		given[c - 256].from_argv = 1;
	}
	*optind_out = optind;
	return 0;
}

static json_t *jstr(const char *s)
{
	json_t *v = json_string(s);

	/* a file name that is not UTF-8 still gets recorded, escaped lossy */
	return v ? v : json_string("(not utf-8)");
}

/* ---- metrics (issue 11): what the run did and where its time went ---- */

/*
 * "metrics": the wall time `seconds` of the run split into phases: read and
 * write as the library timed them on this thread (phase.h) plus the
 * uploads' transfers (write), process the rest; rows in and out as
 * records; the drop reasons with their rows (sk_step_dropped).
 */
static json_t *metrics_json(const struct sk_step *s, double seconds)
{
	json_t *m = json_object(), *ph = json_object(), *drops = json_array();
	double rd = sk_phase_seconds(SK_PHASE_READ);
	double wr = sk_phase_seconds(SK_PHASE_WRITE) + s->transfer_seconds;
	double rest = seconds - rd - wr;
	size_t i;
	json_t *key;

	json_object_set_new(m, "duration_seconds", json_real(seconds));
	json_object_set_new(m, "records_in", json_integer(s->rows_in));
	json_object_set_new(m, "records_out", json_integer(s->rows_out));
	/* to the microsecond, as "seconds" */
	json_object_set_new(ph, "read", json_real(round(rd * 1e6) / 1e6));
	json_object_set_new(ph, "process", json_real(rest > 0 ? round(rest * 1e6) / 1e6 : 0));
	json_object_set_new(ph, "write", json_real(round(wr * 1e6) / 1e6));
	json_object_set_new(m, "phases", ph);
	json_array_foreach(s->drops, i, key) {
		json_t *d = json_object();
		const char *reason = json_string_value(key);
		json_object_set_new(d, "reason", json_string(reason));
		json_object_set(d, "rows", json_object_get(s->counts, reason));
		json_array_append_new(drops, d);
	}
	json_object_set_new(m, "drop_reasons", drops);
	return m;
}

/* The entry of "inputs" for `path` still without its digest, or NULL. */
static json_t *input_entry(const struct sk_step *s, const char *path)
{
	size_t i;
	json_t *o;

	json_array_foreach(s->inputs, i, o) {
		const char *p = json_string_value(json_object_get(o, "path"));
		if (p && !strcmp(p, path) && json_is_null(json_object_get(o, "sha256")))
			return o;
	}
	return NULL;
}

/* ---- the event ---- */

static int write_event(struct sk_step *s, int exit_code, const struct sk_err *e,
		       struct sk_err *err)
{
	char path[PATH_MAX], t0[32], t1[32], dir[PATH_MAX];
	struct timeval end;
	json_t *o = json_object();
	char *text = NULL;
	const char *status;
	double seconds;
	int ret = -1;

	gettimeofday(&end, NULL);
	sk_utc_iso(&s->start, t0);
	sk_utc_iso(&end, t1);
	if (e->code == SK_E_NONE)
		status = "succeeded";
	else if (e->code == SK_E_INTERRUPTED)
		status = "interrupted";
	else
		status = "failed";
	json_object_set_new(o, "step", jstr(s->tool->name));
	json_object_set_new(o, "run", jstr(s->run_id));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "exit_code", json_integer(exit_code));
	json_object_set_new(o, "started", json_string(t0));
	json_object_set_new(o, "finished", json_string(t1));
	seconds = (double)(end.tv_sec - s->start.tv_sec) +
		  (double)(end.tv_usec - s->start.tv_usec) / 1e6;
	json_object_set_new(o, "seconds", json_real(seconds));
	json_object_set_new(o, "rows_in", json_integer(s->rows_in));
	json_object_set_new(o, "rows_out", json_integer(s->rows_out));
	json_object_set(o, "inputs", s->inputs);
	json_object_set(o, "outputs", s->outputs);
	json_object_set(o, "counts", s->counts);
	json_object_set(o, "details", s->details);
	if (getenv("STEPKIT_TEMPLATE") && *getenv("STEPKIT_TEMPLATE"))
		json_object_set_new(o, "template", jstr(getenv("STEPKIT_TEMPLATE")));
	if (s->quality) {
		json_object_set(o, "quality", s->quality);
		json_object_set(o, "history", s->history ? s->history : json_null());
	}
	json_object_set_new(o, "metrics", metrics_json(s, seconds));
	if (e->code == SK_E_NONE) {
		json_object_set_new(o, "error", json_null());
	} else {
		json_t *je = json_object();
		json_object_set_new(je, "kind", json_string(sk_ecode_name(e->code)));
		json_object_set_new(je, "message", jstr(e->msg));
		json_object_set_new(o, "error", je);
	}
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	if (text) {
		/* the file ends with a newline, like every text file we write */
		size_t n = strlen(text);
		char *t = realloc(text, n + 2);
		if (!t) {
			free(text);
			text = NULL;
		} else {
			text = t;
			text[n] = '\n';
			text[n + 1] = '\0';
		}
	}
	if (!text) {
		sk_err_set(err, SK_E_NOMEM, "cannot format the event");
		goto out;
	}
	if (s->event_file) {
		snprintf(path, sizeof(path), "%s", s->event_file);
	} else {
		if (sk_path_join(dir, s->workdir, "events", err) < 0)
			goto out;
		if (sk_mkdir_p(dir, err) < 0)
			goto out;
		if (snprintf(path, sizeof(path), "%s/%s.json", dir, s->tool->name) >= (int)sizeof(path)) {
			sk_err_set(err, SK_E_USAGE, "event path too long");
			goto out;
		}
	}
	/* an interrupted run still reports: commit even after the signal */
	if (sk_write_file_atomic(path, text, strlen(text), 1, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		sk_err_prefix(err, "event");
	free(text);
	json_decref(o);
	return ret;
}

/*
 * WORKDIR/events/STEP.quality: the level when the checks ran and decided
 * the exit (0 or 3), else removed (a step that failed otherwise).
 */
static int write_quality_status(struct sk_step *s, int code, struct sk_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (sk_path_join(dir, s->workdir, "events", err) < 0)
		return -1;
	if (snprintf(path, sizeof(path), "%s/%s.quality", dir, s->tool->name) >= (int)sizeof(path))
		return sk_err_set(err, SK_E_USAGE, "quality status path too long");
	if (!s->level || (code != SK_EXIT_OK && code != SK_EXIT_QUALITY)) {
		if (unlink(path) < 0 && errno != ENOENT && errno != ENOTDIR)
			return sk_err_set(err, SK_E_IO, "remove '%s': %s", path, strerror(errno));
		return 0;
	}
	if (sk_mkdir_p(dir, err) < 0 ||
	    sk_write_file_atomic(path, s->level, strlen(s->level), 0, NULL, err) < 0)
		return sk_err_prefix(err, "quality status");
	return 0;
}

/* A usage error before the run: reported, and the step's status file (if
 * any) removed, as after any failure that is not a quality one. */
static int usage_failure(const struct sk_tool *t, const char *msg)
{
	struct sk_step s = {.tool = t, .workdir = opt_workdir ? opt_workdir : "."};
	struct sk_err e = SK_ERR_INIT;

	sk_errorf("%s", msg);
	if (!opt_check && write_quality_status(&s, SK_EXIT_USAGE, &e) < 0)
		sk_errorf("%s", e.msg);
	return SK_EXIT_USAGE;
}

static int apply_common(struct sk_err *err)
{
	if (opt_log_format && sk_log_set_format(opt_log_format, err) < 0)
		return -1;
	if (opt_log_level && sk_log_set_level(opt_log_level, err) < 0)
		return -1;
	return 0;
}

/* A missing work directory: only the steps that make it may go on. */
static int check_workdir(const struct sk_tool *t, const char *dir, struct sk_err *err)
{
	struct stat st;
	const char *why;

	if (t->makes_workdir)
		return 0;
	if (stat(dir, &st) < 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else
		return 0;
	return sk_err_set(err, SK_E_USAGE,
			  "%s '%s': %s: give an existing directory (the extracts create it)",
			  sk_opt_given_as("--workdir"), dir, why);
}

/* --out and --event-file name something an output may be (fsutil.h). */
static int check_outputs(struct sk_err *err)
{
	for (size_t i = 0; i < ngiven; i++) {
		const struct sk_opt *o = given[i].opt;

		if ((strcmp(o->name, "out") && strcmp(o->name, "event-file")) || !*o->value ||
		    !**o->value)
			continue;
		if (sk_output_check(*o->value, err) < 0)
			return sk_err_prefix(err, "%s", sk_opt_given_as(given[i].flag));
	}
	return 0;
}

/* Bytes as people read them: "812.0 MiB". */
static void human(char out[32], unsigned long long n)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < SK_ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void report_stale(void *ctx, const char *path, unsigned long long bytes)
{
	char size[32];

	(void)ctx;
	human(size, bytes);
	sk_warnf("stale temporary file '%s' (%s), left by a killed run: the next run removes it",
		 path, size);
}

/* --check: what killed runs left in the work directory, and the room left. */
static void check_space(const char *workdir)
{
	unsigned long long avail, total;
	char events[PATH_MAX], a[32], t[32];

	sk_stale_temps(workdir, NULL, 0, report_stale, NULL, NULL);
	if (sk_path_join(events, workdir, "events", NULL) == 0)
		sk_stale_temps(events, NULL, 0, report_stale, NULL, NULL);
	if (sk_fs_space(workdir, &avail, &total, NULL) == 0) {
		human(a, avail);
		human(t, total);
		sk_infof("work directory '%s': %s free of %s", workdir, a, t);
	}
}

/* A run starts by removing what killed runs left (their writers are dead:
 * a live writer's temporary file is never touched). */
static void remove_stale(const char *workdir)
{
	char events[PATH_MAX];

	sk_stale_temps(workdir, NULL, 1, NULL, NULL, NULL);
	if (sk_path_join(events, workdir, "events", NULL) == 0)
		sk_stale_temps(events, NULL, 1, NULL, NULL, NULL);
}

/*
 * The exit status for `err`, `*sig` the signal seen. A signal decides the
 * outcome, whatever the run made of it (an EINTR, a temporary file the
 * handler removed): the step dies by the signal (128+n) and its event says
 * "interrupted"; an error the run reported as it came is logged first.
 */
static int outcome(struct sk_err *err, int *sig)
{
	*sig = sk_interrupt_signal();
	if (*sig && err->code != SK_E_INTERRUPTED) {
		if (err->code != SK_E_NONE)
			sk_errorf("%s", err->msg);
		sk_err_set(err, SK_E_INTERRUPTED, "interrupted by signal %d", *sig);
	}
	return *sig ? 128 + *sig : sk_ecode_exit(err->code);
}

static int step_main(const struct sk_tool *tool, int argc, char **argv)
{
	struct sk_err err = SK_ERR_INIT, eerr = SK_ERR_INIT;
	struct sk_step s = {0};
	int first_arg = 1, nargs, code, rc, sig;

	sk_setprogname(tool->name);
	/* a usage error is reported before the options are applied: in the
	 * format the environment asks for, when it names a valid one */
	if (getenv("STEPKIT_LOG_FORMAT"))
		sk_log_set_format(getenv("STEPKIT_LOG_FORMAT"), NULL);
	if (parse_opts(tool, argc, argv, &first_arg, &err) < 0 || apply_common(&err) < 0)
		return usage_failure(tool, err.msg);
	if (opt_help)
		return usage(tool);
	if (opt_version) {
		printf("%s (stepkit) %s\n", tool->name, SK_VERSION);
		return fflush(stdout) == 0 ? SK_EXIT_OK : SK_EXIT_FAIL;
	}
	nargs = argc - first_arg;
	if (tool->max_args >= 0 && nargs > tool->max_args) {
		sk_err_set(&err, SK_E_USAGE, "unexpected argument '%s': try '%s --help'",
			   argv[first_arg + tool->max_args], tool->name);
		return usage_failure(tool, err.msg);
	}
	s.tool = tool;
	s.workdir = opt_workdir ? opt_workdir : ".";
	s.event_file = opt_event_file;
	s.run_id = opt_run_id ? opt_run_id : "local";
	sk_log_set_run(s.run_id);
	/* nothing is created, not even the event, in a work directory that
	 * is not there; an output option naming a directory, socket or block
	 * device is refused before any work */
	if (check_workdir(tool, s.workdir, &err) < 0) {
		/* a preflight may come before the run that makes it: say so */
		if (!opt_check)
			return usage_failure(tool, err.msg);
		sk_warnf("%s", err.msg);
		sk_err_clear(&err);
	}
	if (check_outputs(&err) < 0)
		return usage_failure(tool, err.msg);
	gettimeofday(&s.start, NULL);
	s.last_progress = now_seconds();
	s.inputs = json_array();
	s.outputs = json_array();
	s.counts = json_object();
	s.details = json_object();
	s.drops = json_array();

	if (opt_check) {
		if (!tool->check)
			rc = sk_err_set(&err, SK_E_USAGE, "--check is not supported by %s", tool->name);
		else
			rc = tool->check(&s, nargs, argv + first_arg, &err);
		check_space(s.workdir);
		if (rc == 0)
			sk_infof("check passed");
	} else {
		remove_stale(s.workdir);
		rc = tool->run(&s, nargs, argv + first_arg, &err);
	}
	if (rc < 0 && err.code == SK_E_NONE)
		err.code = SK_E_PERMANENT; /* a tool forgot to classify: never exit 0 */
	/* the level before the event, so that the event tells when it could
	 * not be written (history and the upstream check trust the event) */
	if (!opt_check && write_quality_status(&s, outcome(&err, &sig), &eerr) < 0) {
		/* cut short by a signal: logged, and the step ends as interrupted
		 * (outcome() says by which signal), not as a write error */
		if (err.code == SK_E_NONE && !(eerr.code == SK_E_INTERRUPTED && sk_interrupt_signal()))
			err = eerr;
		else
			sk_errorf("%s", eerr.msg);
	}
	for (;;) {
		code = outcome(&err, &sig);
		if (opt_check)
			break;
		if (write_event(&s, code, &err, &eerr) < 0) {
			sk_errorf("%s", eerr.msg);
			if (code == SK_EXIT_OK)
				code = sk_ecode_exit(eerr.code);
			if (sk_interrupt_signal() != sig)
				code = outcome(&err, &sig); /* the signal came during it */
			break;
		}
		/* a signal while the event was written: write it again, interrupted */
		if (sk_interrupt_signal() == sig)
			break;
	}
	if (err.code != SK_E_NONE)
		sk_errorf("%s", err.msg);
	else if (!opt_check && code == SK_EXIT_OK)
		sk_log_fields(SK_LOG_INFO, (struct sk_log_field[]){{"rows_in", s.rows_in, NULL},
								  {"rows_out", s.rows_out, NULL}},
			      2, "done: %lld rows in, %lld rows out, %.2f s", s.rows_in, s.rows_out,
			      now_seconds() - ((double)s.start.tv_sec + (double)s.start.tv_usec / 1e6));
	json_decref(s.inputs);
	json_decref(s.outputs);
	json_decref(s.counts);
	json_decref(s.details);
	json_decref(s.quality);
	json_decref(s.history);
	json_decref(s.drops);
	return code;
}

int sk_step_main(const struct sk_tool *tool, int argc, char **argv)
{
	int code = step_main(tool, argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			sk_errorf("writing stdout: %s", strerror(errno));
		if (code == SK_EXIT_OK)
			code = SK_EXIT_FAIL;
	}
	/* any SIGTERM, however early or late, ends in death by it (143) */
	sk_reraise();
	return code;
}

const char *sk_step_workdir(const struct sk_step *s)
{
	return s->workdir;
}

const char *sk_step_name(const struct sk_step *s)
{
	return s->tool->name;
}

const void *sk_step_ctx(const struct sk_step *s)
{
	return s->tool->ctx;
}

const char *sk_step_run_id(const struct sk_step *s)
{
	return s->run_id;
}

int sk_step_path(const struct sk_step *s, char out[PATH_MAX], const char *override,
		 const char *name, struct sk_err *err)
{
	if (override && *override) {
		if (snprintf(out, PATH_MAX, "%s", override) >= PATH_MAX)
			return sk_err_set(err, SK_E_USAGE, "'%s': path too long", override);
		return 0;
	}
	return sk_path_join(out, s->workdir, name, err);
}

void sk_step_rows(struct sk_step *s, long long in, long long out)
{
	s->rows_in += in;
	s->rows_out += out;
}

void sk_step_count(struct sk_step *s, const char *key, long long n)
{
	json_t *v = json_object_get(s->counts, key);

	json_object_set_new(s->counts, key,
			    json_integer((v ? json_integer_value(v) : 0) + n));
}

void sk_step_dropped(struct sk_step *s, const char *reason, long long rows)
{
	size_t i;
	json_t *k;

	sk_step_count(s, reason, rows);
	json_array_foreach(s->drops, i, k)
		if (!strcmp(json_string_value(k), reason))
			return;
	json_array_append_new(s->drops, json_string(reason));
}

void sk_step_input(struct sk_step *s, const char *path)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", jstr(path));
	json_object_set_new(o, "bytes", json_null());
	json_object_set_new(o, "sha256", json_null());
	json_array_append_new(s->inputs, o);
}

void sk_step_input_info(struct sk_step *s, const struct sk_file_info *info)
{
	json_t *o = input_entry(s, info->path);

	if (!o) {
		sk_step_input(s, info->path);
		o = json_array_get(s->inputs, json_array_size(s->inputs) - 1);
	}
	json_object_set_new(o, "bytes", json_integer((json_int_t)info->bytes));
	json_object_set_new(o, "sha256", json_string(info->sha256));
}

void sk_step_output(struct sk_step *s, const struct sk_file_info *info)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", jstr(info->path));
	json_object_set_new(o, "bytes", json_integer((json_int_t)info->bytes));
	json_object_set_new(o, "sha256", json_string(info->sha256));
	json_array_append_new(s->outputs, o);
}

void sk_step_output_copy(struct sk_step *s, const struct sk_file_info *info, const char *source,
			 const char *url, double seconds, int attempts)
{
	json_t *o;

	sk_step_output(s, info);
	/* what was sent is the input: its size and hash, taken as it was read */
	s->transfer_seconds += seconds > 0 ? seconds : 0;
	if (source && input_entry(s, source)) {
		struct sk_file_info in = *info;
		snprintf(in.path, sizeof(in.path), "%s", source);
		sk_step_input_info(s, &in);
	}
	o = json_array_get(s->outputs, json_array_size(s->outputs) - 1);
	json_object_set_new(o, "source", jstr(source));
	if (url)
		json_object_set_new(o, "url", jstr(url));
	json_object_set_new(o, "seconds", json_real(seconds));
	if (attempts > 0)
		json_object_set_new(o, "attempts", json_integer(attempts));
}

void sk_step_set_quality(struct sk_step *s, const char *level, struct json_t *quality,
			 struct json_t *history)
{
	json_decref(s->quality);
	json_decref(s->history);
	s->quality = quality;
	s->history = history;
	s->level = level;
}

void sk_step_detail(struct sk_step *s, const char *key, const char *value)
{
	json_object_set_new(s->details, key, jstr(value));
}

void sk_step_progress(struct sk_step *s, unsigned long long rows)
{
	double now, start;

	if (rows & 0xffff)
		return; /* look at the clock only every 65536 rows */
	now = now_seconds();
	if (now - s->last_progress < PROGRESS_EVERY_SEC)
		return;
	s->last_progress = now;
	start = (double)s->start.tv_sec + (double)s->start.tv_usec / 1e6;
	sk_log_fields(SK_LOG_INFO,
		      (struct sk_log_field[]){{"rows", (long long)rows, NULL},
					      {"rows_per_s", (long long)((double)rows / (now - start)), NULL}},
		      2, "progress: %llu rows, %.0f rows/s", rows, (double)rows / (now - start));
}

char *sk_env_secret(const char *name, struct sk_err *err)
{
	char file_var[128];
	const char *direct = getenv(name), *file;
	char *v;

	snprintf(file_var, sizeof(file_var), "%s_FILE", name);
	file = getenv(file_var);
	if (direct && *direct && file && *file) {
		sk_err_set(err, SK_E_USAGE, "both %s and %s are set: use one", name, file_var);
		return NULL;
	}
	if (file && *file) {
		v = sk_read_small_file(file, 64 * 1024, 1, err);
		if (!v)
			sk_err_prefix(err, "%s", file_var);
		return v;
	}
	if (direct && *direct) {
		v = strdup(direct);
		if (!v)
			sk_err_set(err, SK_E_NOMEM, "out of memory");
		return v;
	}
	return NULL;
}

int sk_step_retry_policy(struct sk_retry_policy *p, struct sk_err *err)
{
	if (sk_retry_policy_init(p, err) < 0)
		return -1;
	p->notice = sk_step_retry_notice;
	return 0;
}

void sk_step_retry_notice(const struct sk_retry_state *st, double wait, const struct sk_err *e)
{
	sk_log_fields(SK_LOG_WARN,
		      (struct sk_log_field[]){{"attempt", st->attempt, NULL},
					      {"max_attempts", st->max_attempts, NULL}},
		      2, "attempt %d/%d failed: %s; retrying in %.1f s", st->attempt,
		      st->max_attempts, e->msg, wait);
}
