#include "base.h"
#include "utf8.h"
#include "summary.h"
#include "fsutil.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <time.h>
#include <strings.h>

#define EVENT_MAX_BYTES (1024 * 1024) /* an event is a few kB; more is not ours */
#define MAX_EVENTS 1000
#define VALUE_MAX 800       /* one value in the text, bytes: keeps lines < 998 */
#define RAW_FAILURES_MAX 2000
#define SUBJECT_NAMES 3     /* failed steps named in the subject */

struct event {
	json_t *o;  /* the parsed event (owned) */
	char *path; /* where it came from (owned) */
	char *name; /* the task it reports (owned): see task_of() */
};

struct sk_summary {
	struct event *ev;
	size_t nev, cap;
	json_t *failures;   /* array of objects */
	char *raw_failures; /* failures text that did not parse, cleaned */
	json_t *notes;      /* array of strings */
	char status[16];    /* set by sk_summary_set_status, "" when derived */
	int empty;          /* an extract succeeded with no rows: the reports are empty */
};

int sk_summary_clean(struct sk_buf *out, const char *s, size_t max, struct sk_err *err)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), used = 0;

	for (size_t i = 0; i < len;) {
		size_t n = sk_utf8_seq_len(p + i, len - i);
		if (used + (n ? n : 1) > max) {
			return sk_buf_adds(out, "...", err);
		}
		if (n == 0) {
			if (sk_buf_add(out, "?", 1, err) < 0)
				return -1;
			n = 1;
		} else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
			if (sk_buf_add(out, " ", 1, err) < 0)
				return -1;
		} else if (sk_buf_add(out, p + i, n, err) < 0) {
			return -1;
		}
		i += n;
		used += n;
	}
	if (!out->data) /* an empty value still makes a valid string */
		return sk_buf_add(out, "", 0, err);
	return 0;
}

/* A cleaned, owned copy of `s`, or NULL with `err`. */
static char *clean_dup(const char *s, size_t max, struct sk_err *err)
{
	struct sk_buf b = SK_BUF_INIT(max + 8);

	if (sk_summary_clean(&b, s, max, err) < 0) {
		sk_buf_release(&b);
		return NULL;
	}
	return b.data;
}

static int add_note(struct sk_summary *sm, struct sk_err *err, const char *fmt, ...)
	SK_PRINTF(3, 4);

static int add_note(struct sk_summary *sm, struct sk_err *err, const char *fmt, ...)
{
	char raw[SK_ERR_MSG_MAX];
	char *clean;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (!(clean = clean_dup(raw, sizeof(raw), err)))
		return -1;
	ret = json_array_append_new(sm->notes, json_string(clean));
	free(clean);
	return ret == 0 ? 0 : sk_err_set(err, SK_E_NOMEM, "out of memory");
}

struct sk_summary *sk_summary_open(struct sk_err *err)
{
	struct sk_summary *sm = calloc(1, sizeof(*sm));

	if (!sm || !(sm->failures = json_array()) || !(sm->notes = json_array())) {
		sk_summary_close(sm);
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	return sm;
}

void sk_summary_close(struct sk_summary *sm)
{
	if (!sm)
		return;
	for (size_t i = 0; i < sm->nev; i++) {
		json_decref(sm->ev[i].o);
		free(sm->ev[i].path);
		free(sm->ev[i].name);
	}
	free(sm->ev);
	json_decref(sm->failures);
	json_decref(sm->notes);
	free(sm->raw_failures);
	free(sm);
}

static int event_failed(json_t *o);
static int bad_quality(json_t *o);

static const char *str_field(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/*
 * The name an event goes by in the summary. The events directory holds one
 * file per task, and the file's name names the task: the three upload tasks
 * all run upload-sftp (their events say "step": "upload-sftp") but write
 * upload-sales.json, upload-customers.json and upload-products.json. A
 * source without a .json file name falls back to the step.
 */
static char *task_of(const char *source, const char *step)
{
	const char *base = strrchr(source, '/'), *dot;

	base = base ? base + 1 : source;
	dot = strrchr(base, '.');
	if (!dot || strcmp(dot, ".json") || dot == base)
		return strdup(step);
	return strndup(base, (size_t)(dot - base));
}

static int by_start(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	int c = strcmp(str_field(x->o, "started"), str_field(y->o, "started"));

	return c ? c : strcmp(x->name, y->name);
}

int sk_summary_add_event(struct sk_summary *sm, const char *source, const char *text,
			 struct sk_err *err)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	struct event *grown;
	const char *name;

	if (!o)
		return add_note(sm, err, "'%s': not valid JSON (line %d: %s): event ignored", source,
				je.line, je.text);
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "step"))) {
		json_decref(o);
		return add_note(sm, err, "'%s': not a step event (no \"step\"): ignored", source);
	}
	if (sm->nev == MAX_EVENTS) {
		json_decref(o);
		return add_note(sm, err, "more than %d events: '%s' ignored", MAX_EVENTS, source);
	}
	if (sm->nev == sm->cap) {
		size_t cap = sm->cap ? sm->cap * 2 : 16;
		if (!(grown = realloc(sm->ev, cap * sizeof(*grown)))) {
			json_decref(o);
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		}
		sm->ev = grown;
		sm->cap = cap;
	}
	sm->ev[sm->nev].o = o;
	sm->ev[sm->nev].path = strdup(source);
	sm->ev[sm->nev].name = task_of(source, str_field(o, "step"));
	if (!sm->ev[sm->nev].path || !sm->ev[sm->nev].name) {
		free(sm->ev[sm->nev].path);
		free(sm->ev[sm->nev].name);
		json_decref(o);
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	}
	name = sm->ev[sm->nev].name;
	/* keep the events ordered as they come in (insertion sort: few events) */
	for (size_t i = sm->nev; i > 0 && by_start(&sm->ev[i - 1], &sm->ev[i]) > 0; i--) {
		struct event t = sm->ev[i - 1];
		sm->ev[i - 1] = sm->ev[i];
		sm->ev[i] = t;
	}
	sm->nev++;
	if (bad_quality(o) && add_note(sm, err, "%s: quality.status is not GREEN, YELLOW or RED: "
				       "counted as YELLOW", name) < 0)
		return -1;
	/* an empty night must not look like a good one: say it in the subject and the notes */
	if (!strncmp(str_field(o, "step"), "extract-", 8) && !event_failed(o) &&
	    json_is_integer(json_object_get(o, "rows_out")) &&
	    json_integer_value(json_object_get(o, "rows_out")) == 0) {
		sm->empty = 1;
		return add_note(sm, err, "%s wrote no rows: the reports are empty", name);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sk_summary_load_events(struct sk_summary *sm, const char *dir, const char *skip_step,
			   struct sk_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[PATH_MAX], skip[NAME_MAX + 1];
	size_t n = 0, cap = 0;
	int ret = -1;

	if (!d) {
		if (errno == ENOENT)
			return add_note(sm, err, "no step events: '%s' does not exist", dir);
		return add_note(sm, err, "no step events: '%s': %s", dir, strerror(errno));
	}
	snprintf(skip, sizeof(skip), "%s.json", skip_step ? skip_step : "");
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **grown;
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") ||
		    !strcmp(de->d_name, skip))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(names, cap * sizeof(*names)))) {
				sk_err_set(err, SK_E_NOMEM, "out of memory");
				goto out;
			}
			names = grown;
		}
		if (!(names[n] = strdup(de->d_name))) {
			sk_err_set(err, SK_E_NOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	/* readdir order is the file system's: sort for a reproducible result */
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		struct sk_err rerr = SK_ERR_INIT;
		char *text;
		if (sk_path_join(path, dir, names[i], &rerr) < 0 ||
		    !(text = sk_read_small_file(path, EVENT_MAX_BYTES, 0, &rerr))) {
			if (add_note(sm, err, "%s: event ignored", rerr.msg) < 0)
				goto out;
			continue;
		}
		if (sk_summary_add_event(sm, path, text, err) < 0) {
			free(text);
			goto out;
		}
		free(text);
	}
	if (n == 0 && add_note(sm, err, "no step events in '%s'", dir) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

size_t sk_summary_nevents(const struct sk_summary *sm)
{
	return sm->nev;
}

const char *sk_summary_event_path(const struct sk_summary *sm, size_t i)
{
	return i < sm->nev ? sm->ev[i].path : NULL;
}

int sk_summary_add_failures(struct sk_summary *sm, const char *text, struct sk_err *err)
{
	json_error_t je;
	json_t *a;
	size_t i;
	json_t *v;
	const char *p = text ? text : "";

	size_t len;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' ||
			   p[len - 1] == '\r'))
		len--;
	if (len == 0 || (len == 4 && !strncmp(p, "null", 4)))
		return 0;
	a = json_loads(p, JSON_DECODE_ANY, &je);
	if (!a || !json_is_array(a)) {
		int ret = add_note(sm, err, "the workflow's failures are not a JSON array%s%s%s",
				   a ? "" : " (", a ? "" : je.text, a ? "" : ")");
		json_decref(a);
		if (ret < 0)
			return -1;
		char *raw = strndup(p, len);
		if (!raw)
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		free(sm->raw_failures);
		sm->raw_failures = clean_dup(raw, RAW_FAILURES_MAX, err);
		free(raw);
		return sm->raw_failures ? 0 : -1;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_object(v)) {
			if (add_note(sm, err, "failure %zu is not an object: ignored", i + 1) < 0)
				goto fail;
			continue;
		}
		if (json_array_append(sm->failures, v) < 0) {
			sk_err_set(err, SK_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	json_decref(a);
	return 0;
fail:
	json_decref(a);
	return -1;
}

size_t sk_summary_nfailures(const struct sk_summary *sm)
{
	return json_array_size(sm->failures);
}

int sk_summary_set_status(struct sk_summary *sm, const char *status, struct sk_err *err)
{
	static const char *const known[] = {"Succeeded", "Failed", "Error"};

	for (size_t i = 0; i < SK_ARRAY_SIZE(known); i++) {
		if (!strcasecmp(status, known[i])) {
			snprintf(sm->status, sizeof(sm->status), "%s", known[i]);
			return 0;
		}
	}
	return sk_err_set(err, SK_E_USAGE, "status '%s': use Succeeded, Failed or Error", status);
}

static int event_failed(json_t *o)
{
	return strcmp(str_field(o, "status"), "succeeded") != 0;
}

const char *sk_summary_status(const struct sk_summary *sm)
{
	if (sm->status[0])
		return sm->status;
	if (json_array_size(sm->failures) || sm->raw_failures)
		return "Failed";
	for (size_t i = 0; i < sm->nev; i++)
		if (event_failed(sm->ev[i].o))
			return "Failed";
	return sm->nev ? "Succeeded" : "Unknown";
}

/* ---- quality levels ----------------------------------------------------- */

static const char *const level_names[] = {"GREEN", "YELLOW", "RED"};

/* 0 GREEN, 1 YELLOW, 2 RED, -1 for anything else. */
static int level_rank(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s && !strcmp(s, level_names[i]))
			return i;
	return -1;
}

int sk_summary_level_rank(const char *level)
{
	return level_rank(level);
}

/* The event's quality object, or NULL (a step that does not grade). */
static json_t *quality_of(json_t *o)
{
	json_t *q = json_object_get(o, "quality");

	return json_is_object(q) ? q : NULL;
}

/* A "quality" member that is not null: the step grades its output. */
static int grades(json_t *o)
{
	json_t *q = json_object_get(o, "quality");

	return q && !json_is_null(q);
}

static int bad_quality(json_t *o)
{
	json_t *q = quality_of(o);

	return grades(o) && (!q || level_rank(json_string_value(json_object_get(q, "status"))) < 0);
}

/* An event's level: RED when it failed, its quality status otherwise
 * (a damaged one counts YELLOW), GREEN without a quality object. */
static int event_level(json_t *o)
{
	int r;

	if (event_failed(o))
		return 2;
	if (!grades(o))
		return 0;
	r = level_rank(json_string_value(json_object_get(quality_of(o), "status")));
	return r < 0 ? 1 : r;
}

const char *sk_summary_level(const struct sk_summary *sm)
{
	const char *st = sk_summary_status(sm);
	int worst = 0;

	if (!strcmp(st, "Failed") || !strcmp(st, "Error"))
		return level_names[2];
	if (!strcmp(st, "Unknown")) /* no events at all: nothing proves the run good */
		worst = 1;
	for (size_t i = 0; i < sm->nev; i++) {
		int r = event_level(sm->ev[i].o);
		if (r > worst)
			worst = r;
	}
	return level_names[worst];
}

size_t sk_summary_nnotes(const struct sk_summary *sm)
{
	return json_array_size(sm->notes);
}

const char *sk_summary_note(const struct sk_summary *sm, size_t i)
{
	return json_string_value(json_array_get(sm->notes, i));
}

/*
 * Argo names the attempts of a retried task "extract-sales(0)",
 * "extract-sales(1)"...: strip that suffix so a task counts once, and
 * matches the step name of its event.
 */
static const char *task_name(const char *display, char *buf, size_t size)
{
	size_t len = strlen(display), i;

	if (len < 3 || display[len - 1] != ')' || len >= size)
		return display;
	for (i = len - 2; i > 0 && display[i] >= '0' && display[i] <= '9'; i--)
		;
	if (display[i] != '(' || i == len - 2 || i == 0)
		return display;
	memcpy(buf, display, i);
	buf[i] = '\0';
	return buf;
}

/* The names of what failed, distinct, in order: failures first, then events. */
static json_t *failed_names(const struct sk_summary *sm)
{
	json_t *names = json_array(), *seen = json_object(), *v;
	char buf[256];
	size_t i;

	if (!names || !seen)
		goto fail;
	json_array_foreach(sm->failures, i, v) {
		const char *n = str_field(v, "displayName");
		if (!*n)
			n = str_field(v, "templateName");
		n = task_name(n, buf, sizeof(buf));
		if (*n && !json_object_get(seen, n)) {
			if (json_object_set_new(seen, n, json_true()) < 0 ||
			    json_array_append_new(names, json_string(n)) < 0)
				goto fail;
		}
	}
	for (i = 0; i < sm->nev; i++) {
		const char *n = sm->ev[i].name;
		if (event_failed(sm->ev[i].o) && !json_object_get(seen, n)) {
			if (json_object_set_new(seen, n, json_true()) < 0 ||
			    json_array_append_new(names, json_string(n)) < 0)
				goto fail;
		}
	}
	json_decref(seen);
	return names;
fail:
	json_decref(seen);
	json_decref(names);
	return NULL;
}

int sk_summary_subject_head(const struct sk_summary *sm, const char *prefix,
			    const char *pipeline, const char *run, struct sk_buf *out,
			    struct sk_err *err)
{
	if (prefix && *prefix &&
	    (sk_summary_clean(out, prefix, VALUE_MAX, err) < 0 || sk_buf_adds(out, " ", err) < 0))
		return -1;
	if (sk_buf_addf(out, err, "%s ", sk_summary_level(sm)) < 0 ||
	    sk_summary_clean(out, pipeline, VALUE_MAX, err) < 0 || sk_buf_adds(out, " ", err) < 0 ||
	    sk_summary_clean(out, run, VALUE_MAX, err) < 0)
		return -1;
	return 0;
}

int sk_summary_subject(const struct sk_summary *sm, const char *prefix, const char *pipeline,
		       const char *run, struct sk_buf *out, struct sk_err *err)
{
	const char *status = sk_summary_status(sm);
	json_t *names = NULL;
	size_t n;
	int ret = -1;

	if (sk_summary_subject_head(sm, prefix, pipeline, run, out, err) < 0 ||
	    sk_buf_addf(out, err, ": %s", status) < 0)
		goto out;
	if (!strcmp(status, "Succeeded")) {
		ret = sm->empty ? sk_buf_adds(out, " (no rows: empty reports)", err) : 0;
		goto out;
	}
	if (!(names = failed_names(sm))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	n = json_array_size(names);
	for (size_t i = 0; i < n && i < SUBJECT_NAMES; i++)
		if (sk_buf_adds(out, i ? ", " : ": ", err) < 0 ||
		    sk_summary_clean(out, json_string_value(json_array_get(names, i)), 100, err) < 0)
			goto out;
	if (n > SUBJECT_NAMES && sk_buf_addf(out, err, " and %zu more", n - SUBJECT_NAMES) < 0)
		goto out;
	ret = 0;
out:
	json_decref(names);
	return ret;
}

/* ---- text tables -------------------------------------------------------- */

#define TABLE_MAX_COLS 7

struct table {
	size_t ncol;
	const char *head[TABLE_MAX_COLS];
	int right[TABLE_MAX_COLS]; /* 1: right-aligned (numbers) */
	char **cells;              /* nrows * ncol owned strings */
	size_t nrows, cap;
};

/* Display width: UTF-8 characters, not bytes, so names line up. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int table_row(struct table *t, struct sk_err *err, ...)
{
	va_list ap;
	int ret = 0;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **grown = realloc(t->cells, cap * t->ncol * sizeof(*grown));
		if (!grown)
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		t->cells = grown;
		t->cap = cap;
	}
	va_start(ap, err);
	for (size_t c = 0; c < t->ncol; c++) {
		const char *v = va_arg(ap, const char *);
		char *cell = ret < 0 ? NULL : clean_dup(v, VALUE_MAX, err);
		if (!cell)
			ret = -1;
		t->cells[t->nrows * t->ncol + c] = cell;
	}
	va_end(ap);
	t->nrows++; /* even when incomplete: table_free frees what is there */
	return ret;
}

static int pad(struct sk_buf *out, size_t n, struct sk_err *err)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		if (sk_buf_add(out, spaces, k, err) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

static int table_line(const struct table *t, const size_t *w, const char *const *row,
		      struct sk_buf *out, struct sk_err *err)
{
	for (size_t c = 0; c < t->ncol; c++) {
		size_t cw = width(row[c]);
		int last = c + 1 == t->ncol;
		if (c > 0 && sk_buf_adds(out, "  ", err) < 0)
			return -1;
		if (t->right[c] && pad(out, w[c] - cw, err) < 0)
			return -1;
		if (sk_buf_adds(out, row[c], err) < 0)
			return -1;
		if (!t->right[c] && !last && pad(out, w[c] - cw, err) < 0)
			return -1;
	}
	return sk_buf_adds(out, "\n", err);
}

static int table_render(const struct table *t, struct sk_buf *out, struct sk_err *err)
{
	size_t w[TABLE_MAX_COLS];

	for (size_t c = 0; c < t->ncol; c++) {
		w[c] = width(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++)
			if (width(t->cells[r * t->ncol + c]) > w[c])
				w[c] = width(t->cells[r * t->ncol + c]);
	}
	if (table_line(t, w, t->head, out, err) < 0)
		return -1;
	for (size_t r = 0; r < t->nrows; r++)
		if (table_line(t, w, (const char *const *)t->cells + r * t->ncol, out, err) < 0)
			return -1;
	return 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* ---- body --------------------------------------------------------------- */

static void int_text(json_t *v, char out[32])
{
	if (json_is_integer(v))
		snprintf(out, 32, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, 32, "-");
}

/* A check's value or threshold: integers as they are, other numbers with
 * two decimals, null or missing "-", a string cleaned. Owned by `out`. */
static void num_text(json_t *v, char out[64])
{
	if (json_is_integer(v))
		snprintf(out, 64, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, 64, "%.2f", json_real_value(v));
	else if (json_is_string(v))
		snprintf(out, 64, "%s", json_string_value(v));
	else
		snprintf(out, 64, "-");
}

/* A delivery step's event (upload, notify: sk_upload_counts_begin()) counts
 * files and bytes; its rows in and out mean nothing. */
static int delivers(json_t *ev)
{
	return json_is_integer(json_object_get(json_object_get(ev, "counts"), "files"));
}

static int steps_table(const struct sk_summary *sm, struct table *t, struct sk_err *err)
{
	int files_cols = 0;

	*t = (struct table){5, {"step", "status", "rows in", "rows out", "seconds"}, {0, 0, 1, 1, 1},
			    NULL, 0, 0};
	/* files and bytes columns only when a delivery step is in the run */
	for (size_t i = 0; i < sm->nev; i++)
		files_cols |= delivers(sm->ev[i].o);
	if (files_cols)
		*t = (struct table){7, {"step", "status", "rows in", "rows out", "files", "bytes",
					"seconds"}, {0, 0, 1, 1, 1, 1, 1}, NULL, 0, 0};
	for (size_t i = 0; i < sm->nev; i++) {
		json_t *o = sm->ev[i].o, *sec = json_object_get(o, "seconds");
		json_t *counts = json_object_get(o, "counts");
		char in[32] = "-", outn[32] = "-", nf[32] = "-", nb[32] = "-", secs[32];
		int d = delivers(o);
		if (!d) {
			int_text(json_object_get(o, "rows_in"), in);
			int_text(json_object_get(o, "rows_out"), outn);
		} else {
			int_text(json_object_get(counts, "files"), nf);
			int_text(json_object_get(counts, "bytes"), nb);
		}
		if (json_is_number(sec))
			snprintf(secs, sizeof(secs), "%.2f", json_number_value(sec));
		else
			snprintf(secs, sizeof(secs), "-");
		if ((files_cols ? table_row(t, err, sm->ev[i].name, str_field(o, "status"), in,
					    outn, nf, nb, secs)
				: table_row(t, err, sm->ev[i].name, str_field(o, "status"), in,
					    outn, secs)) < 0)
			return -1;
	}
	return 0;
}

/* Every check of every step; with `only_bad`, those not GREEN. */
static int quality_table(const struct sk_summary *sm, int only_bad, struct table *t,
			 struct sk_err *err)
{
	*t = (struct table){6, {"step", "check", "value", "warn", "fail", "status"},
			    {0, 0, 1, 1, 1, 0}, NULL, 0, 0};
	for (size_t i = 0; i < sm->nev; i++) {
		json_t *c;
		size_t j;
		json_array_foreach(json_object_get(quality_of(sm->ev[i].o), "checks"), j, c) {
			char v[64], w[64], f[64];
			const char *st = str_field(c, "status");
			if (only_bad && !strcmp(st, "GREEN"))
				continue;
			num_text(json_object_get(c, "value"), v);
			num_text(json_object_get(c, "warn"), w);
			num_text(json_object_get(c, "fail"), f);
			if (table_row(t, err, sm->ev[i].name, str_field(c, "name"), v, w, f,
				      *st ? st : "-") < 0)
				return -1;
		}
	}
	return 0;
}

/* The previous run's rows out, or NULL when the event has no earlier run. */
static json_t *previous_of(json_t *o)
{
	json_t *prev = json_object_get(json_object_get(o, "history"), "previous");

	return json_is_object(prev) ? prev : NULL;
}

/* "+6.0%" from `prev` to `cur`; "" when it cannot be computed. */
static void change_text(json_t *cur, json_t *prev, char out[32])
{
	double a, b;

	out[0] = '\0';
	if (!json_is_number(cur) || !json_is_number(prev))
		return;
	a = json_number_value(prev);
	b = json_number_value(cur);
	if (a == 0)
		snprintf(out, 32, "%s", b == 0 ? "+0.0%" : "n/a (from 0)");
	else
		snprintf(out, 32, "%+.1f%%", (b - a) / a * 100.0);
}

/* One row per data step (an event with a "history" key): this run's rows
 * out against the previous run's. */
static int trend_table(const struct sk_summary *sm, struct table *t, struct sk_err *err)
{
	*t = (struct table){5, {"step", "rows out", "previous", "previous run", "change"},
			    {0, 1, 1, 0, 1}, NULL, 0, 0};
	for (size_t i = 0; i < sm->nev; i++) {
		json_t *o = sm->ev[i].o, *prev = previous_of(o);
		char cur[32], p[32], ch[32];
		if (!json_object_get(o, "history"))
			continue;
		int_text(json_object_get(o, "rows_out"), cur);
		if (!prev) {
			if (table_row(t, err, sm->ev[i].name, cur, "-", "-", "no earlier run") < 0)
				return -1;
			continue;
		}
		int_text(json_object_get(prev, "rows_out"), p);
		change_text(json_object_get(o, "rows_out"), json_object_get(prev, "rows_out"), ch);
		if (table_row(t, err, sm->ev[i].name, cur, p,
			      *str_field(prev, "run") ? str_field(prev, "run") : "-",
			      *ch ? ch : "-") < 0)
			return -1;
	}
	return 0;
}

static int outputs_table(const struct sk_summary *sm, struct table *t, struct sk_err *err)
{
	*t = (struct table){4, {"step", "file", "bytes", "sha256"}, {0, 0, 1, 0}, NULL, 0, 0};
	for (size_t i = 0; i < sm->nev; i++) {
		json_t *o = sm->ev[i].o, *f;
		size_t j;
		json_array_foreach(json_object_get(o, "outputs"), j, f) {
			char bytes[32];
			int_text(json_object_get(f, "bytes"), bytes);
			if (table_row(t, err, sm->ev[i].name, str_field(f, "path"), bytes,
				      str_field(f, "sha256")) < 0)
				return -1;
		}
	}
	return 0;
}

static int errors_section(const struct sk_summary *sm, struct sk_buf *out, struct sk_err *err)
{
	for (size_t i = 0; i < sm->nev; i++) {
		json_t *o = sm->ev[i].o, *e = json_object_get(o, "error");
		char code[32];
		if (!json_is_object(e))
			continue;
		int_text(json_object_get(o, "exit_code"), code);
		if (sk_summary_clean(out, sm->ev[i].name, 100, err) < 0 ||
		    sk_buf_adds(out, ": ", err) < 0 ||
		    sk_summary_clean(out, str_field(e, "message"), VALUE_MAX, err) < 0 ||
		    sk_buf_adds(out, " (", err) < 0 ||
		    sk_summary_clean(out, str_field(e, "kind"), 32, err) < 0 ||
		    sk_buf_addf(out, err, ", exit %s)\n", code) < 0)
			return -1;
	}
	return 0;
}

/* ", key VALUE" when the failure has that field. */
static int failure_detail(struct sk_buf *out, int *first, const char *label, json_t *f,
			  const char *key, struct sk_err *err)
{
	const char *v = str_field(f, key);

	if (!*v)
		return 0;
	if (sk_buf_adds(out, *first ? "  " : ", ", err) < 0 || sk_buf_adds(out, label, err) < 0 ||
	    sk_summary_clean(out, v, 200, err) < 0)
		return -1;
	*first = 0;
	return 0;
}

static int failures_section(const struct sk_summary *sm, struct sk_buf *out, struct sk_err *err)
{
	size_t i;
	json_t *f;

	json_array_foreach(sm->failures, i, f) {
		const char *name = str_field(f, "displayName");
		int first = 1;
		if (!*name)
			name = str_field(f, "templateName");
		if (sk_summary_clean(out, *name ? name : "(unnamed)", 200, err) < 0 ||
		    sk_buf_adds(out, ": ", err) < 0 ||
		    sk_summary_clean(out, *str_field(f, "message") ? str_field(f, "message") : "(no message)",
				     VALUE_MAX, err) < 0 ||
		    sk_buf_adds(out, "\n", err) < 0)
			return -1;
		if (failure_detail(out, &first, "phase ", f, "phase", err) < 0 ||
		    failure_detail(out, &first, "template ", f, "templateName", err) < 0 ||
		    failure_detail(out, &first, "pod ", f, "podName", err) < 0 ||
		    failure_detail(out, &first, "finished ", f, "finishedAt", err) < 0 ||
		    (!first && sk_buf_adds(out, "\n", err) < 0))
			return -1;
	}
	return 0;
}

static int notes_section(const struct sk_summary *sm, struct sk_buf *out, struct sk_err *err)
{
	for (size_t i = 0; i < sk_summary_nnotes(sm); i++)
		if (sk_buf_addf(out, err, "%s\n", sk_summary_note(sm, i)) < 0)
			return -1;
	return 0;
}

/* ---- HTML ---------------------------------------------------------------- */

int sk_summary_html_escape(struct sk_buf *out, const char *s, size_t max, struct sk_err *err)
{
	struct sk_buf b = SK_BUF_INIT(max + 8);
	int ret = -1;

	if (sk_summary_clean(&b, s, max, err) < 0)
		goto out;
	for (const char *p = b.data; *p; p++) {
		const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
				: *p == '"' ? "&quot;" : *p == '\'' ? "&#39;" : NULL;
		if (rep ? sk_buf_adds(out, rep, err) < 0 : sk_buf_add(out, p, 1, err) < 0)
			goto out;
	}
	ret = 0;
out:
	sk_buf_release(&b);
	return ret;
}

static const char *level_color(const char *s)
{
	static const char *const colors[] = {"#1a7f37", "#9a6700", "#cf222e"};
	int r = level_rank(s);

	return r < 0 ? NULL : colors[r];
}

/* A level word, coloured. */
static int html_level(struct sk_buf *out, const char *level, struct sk_err *err)
{
	const char *c = level_color(level);

	if (!c)
		return sk_summary_html_escape(out, level, 100, err);
	return sk_buf_addf(out, err, "<strong style=\"color:%s\">%s</strong>", c, level);
}

static int table_html(const struct table *t, struct sk_buf *out, struct sk_err *err)
{
	if (sk_buf_adds(out, "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" "
			     "style=\"border-collapse:collapse\">\n<tr>", err) < 0)
		return -1;
	for (size_t c = 0; c < t->ncol; c++)
		if (sk_buf_addf(out, err, "<th>%s</th>", t->head[c]) < 0)
			return -1;
	if (sk_buf_adds(out, "</tr>\n", err) < 0)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		if (sk_buf_adds(out, "<tr>", err) < 0)
			return -1;
		for (size_t c = 0; c < t->ncol; c++) {
			const char *v = t->cells[r * t->ncol + c];
			if (sk_buf_adds(out, t->right[c] ? "<td align=\"right\">" : "<td>", err) < 0 ||
			    (level_color(v) ? html_level(out, v, err)
					    : sk_summary_html_escape(out, v, VALUE_MAX, err)) < 0 ||
			    sk_buf_adds(out, "</td>", err) < 0)
				return -1;
		}
		if (sk_buf_adds(out, "</tr>\n", err) < 0)
			return -1;
	}
	return sk_buf_adds(out, "</table>\n", err);
}

int sk_summary_html_pre(struct sk_buf *out, const char *heading, const char *text,
			struct sk_err *err)
{
	const char *p = text ? text : "";

	if (sk_buf_adds(out, "<h2>", err) < 0 ||
	    sk_summary_html_escape(out, heading, VALUE_MAX, err) < 0 ||
	    sk_buf_adds(out, "</h2>\n<pre>", err) < 0)
		return -1;
	/* line by line: cleaning would flatten the line ends */
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, n);
		int rc;
		if (!line)
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		rc = sk_summary_html_escape(out, line, 4 * VALUE_MAX, err);
		free(line);
		if (rc < 0 || sk_buf_adds(out, "\n", err) < 0)
			return -1;
		p = nl ? nl + 1 : p + n;
	}
	return sk_buf_adds(out, "</pre>\n", err);
}

int sk_summary_html_open(struct sk_buf *out, const char *title, struct sk_err *err)
{
	if (sk_buf_adds(out, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>",
			err) < 0 ||
	    sk_summary_html_escape(out, title, VALUE_MAX, err) < 0 ||
	    sk_buf_adds(out, "</title>\n</head>\n<body style=\"font-family:sans-serif\">\n", err) < 0)
		return -1;
	return 0;
}

int sk_summary_html_close(struct sk_buf *out, struct sk_err *err)
{
	return sk_buf_adds(out, "</body>\n</html>\n", err);
}

/* ---- sections in either form -------------------------------------------- */

enum form { TEXT, HTML };

typedef int (*table_fn)(const struct sk_summary *, struct table *, struct sk_err *);

static int quality_all(const struct sk_summary *sm, struct table *t, struct sk_err *err)
{
	return quality_table(sm, 0, t, err);
}

static int quality_bad(const struct sk_summary *sm, struct table *t, struct sk_err *err)
{
	return quality_table(sm, 1, t, err);
}

/* A table under its heading; left out when empty unless `always`. */
static int table_section(const struct sk_summary *sm, enum form f, const char *heading,
			 table_fn fill, int always, struct sk_buf *out, struct sk_err *err)
{
	struct table t = {0};
	int ret = -1;

	if (fill(sm, &t, err) < 0)
		goto out;
	if (!t.nrows && !always) {
		ret = 0;
		goto out;
	}
	if (f == TEXT ? (sk_buf_addf(out, err, "\n%s:\n", heading) < 0 || table_render(&t, out, err) < 0)
		      : (sk_buf_addf(out, err, "<h2>%s</h2>\n", heading) < 0 || table_html(&t, out, err) < 0))
		goto out;
	ret = 0;
out:
	table_free(&t);
	return ret;
}

typedef int (*lines_fn)(const struct sk_summary *, struct sk_buf *, struct sk_err *);

/* Lines under a heading; left out when there are none. */
static int lines_section(const struct sk_summary *sm, enum form f, const char *heading,
			 lines_fn fill, struct sk_buf *out, struct sk_err *err)
{
	struct sk_buf b = SK_BUF_INIT(out->max);
	int ret = -1;

	if (fill(sm, &b, err) < 0)
		goto out;
	if (b.len && (f == TEXT ? sk_buf_addf(out, err, "\n%s:\n%s", heading, b.data)
				: sk_summary_html_pre(out, heading, b.data, err)) < 0)
		goto out;
	ret = 0;
out:
	sk_buf_release(&b);
	return ret;
}

static int raw_failures(const struct sk_summary *sm, struct sk_buf *out, struct sk_err *err)
{
	return sm->raw_failures ? sk_buf_addf(out, err, "%s\n", sm->raw_failures) : 0;
}

/* Everything after the heading lines: steps, quality, trend, files,
 * errors, failures, notes. */
static int sections(const struct sk_summary *sm, enum form f, struct sk_buf *out,
		    struct sk_err *err)
{
	if (sm->nev && (table_section(sm, f, "Steps", steps_table, 1, out, err) < 0 ||
			table_section(sm, f, "Quality", quality_all, 0, out, err) < 0 ||
			table_section(sm, f, "Trend", trend_table, 0, out, err) < 0 ||
			table_section(sm, f, "Output files", outputs_table, 0, out, err) < 0 ||
			lines_section(sm, f, "Errors", errors_section, out, err) < 0))
		return -1;
	if (lines_section(sm, f, "Failures reported by the workflow", failures_section, out, err) < 0 ||
	    lines_section(sm, f, "Failures reported by the workflow (not JSON)", raw_failures, out,
			  err) < 0 ||
	    lines_section(sm, f, "Notes", notes_section, out, err) < 0)
		return -1;
	return 0;
}

static int heading(const struct sk_summary *sm, enum form f, const char *pipeline,
		   const char *run, const char *what, struct sk_buf *out, struct sk_err *err)
{
	const char *level = sk_summary_level(sm);

	if (f == TEXT) {
		if (sk_buf_adds(out, "Run ", err) < 0 || sk_summary_clean(out, pipeline, 200, err) < 0 ||
		    sk_buf_adds(out, " ", err) < 0 || sk_summary_clean(out, run, 200, err) < 0 ||
		    sk_buf_addf(out, err, "%s%s\nLevel: %s\n", what ? " " : ": ",
				what ? what : sk_summary_status(sm), level) < 0)
			return -1;
		return 0;
	}
	if (sk_buf_adds(out, "<h1>Run ", err) < 0 ||
	    sk_summary_html_escape(out, pipeline, 200, err) < 0 || sk_buf_adds(out, " ", err) < 0 ||
	    sk_summary_html_escape(out, run, 200, err) < 0 ||
	    sk_buf_addf(out, err, "%s%s</h1>\n<p>Level: ", what ? " " : ": ",
			what ? what : sk_summary_status(sm)) < 0 ||
	    html_level(out, level, err) < 0 || sk_buf_adds(out, "</p>\n", err) < 0)
		return -1;
	return 0;
}

int sk_summary_body(const struct sk_summary *sm, const char *pipeline, const char *run,
		    struct sk_buf *out, struct sk_err *err)
{
	if (heading(sm, TEXT, pipeline, run, NULL, out, err) < 0)
		return -1;
	return sections(sm, TEXT, out, err);
}

int sk_summary_html(const struct sk_summary *sm, const char *pipeline, const char *run,
		    struct sk_buf *out, struct sk_err *err)
{
	if (heading(sm, HTML, pipeline, run, NULL, out, err) < 0)
		return -1;
	return sections(sm, HTML, out, err);
}

/* ---- the approval request ------------------------------------------------ */

/* "1d 2h 3m 4s", leaving out the zero parts ("0s" for 0). */
void sk_summary_duration(long long secs, char out[64])
{
	static const struct { long long n; char unit; } parts[] = {
		{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < SK_ARRAY_SIZE(parts); i++) {
		long long k = secs / parts[i].n;
		if (!k)
			continue;
		secs -= k * parts[i].n;
		o += (size_t)snprintf(out + o, 64 - o, "%s%lld%c", o ? " " : "", k, parts[i].unit);
		if (o >= 64)
			break;
	}
	if (!out[0])
		snprintf(out, 64, "0s");
}

int sk_summary_approval_command(const struct sk_approval *a, int approve, int resume,
				struct sk_buf *out, struct sk_err *err)
{
	char ns[160] = "";

	if (a->namespace && *a->namespace)
		snprintf(ns, sizeof(ns), " -n %s", a->namespace);
	if (resume)
		return sk_buf_addf(out, err, "argo resume %s%s", a->workflow, ns);
	return sk_buf_addf(out, err,
			   "argo node set %s%s --output-parameter approve=%s "
			   "--node-field-selector displayName=%s",
			   a->workflow, ns, approve ? "yes" : "no", a->node);
}

static int approval_commands(const struct sk_approval *a, enum form f, struct sk_buf *out,
			     struct sk_err *err)
{
	static const char *const what[] = {
		"To reject (the run stops before anything is published)",
		"To approve (the run goes on and publishes)"};

	for (int approve = 1; approve >= 0; approve--) {
		if (sk_buf_addf(out, err, f == TEXT ? "\n%s:\n" : "<p>%s:</p>\n<pre>", what[approve]) < 0)
			return -1;
		for (int resume = 0; resume < 2; resume++)
			if (sk_buf_adds(out, f == TEXT ? "  " : "", err) < 0 ||
			    sk_summary_approval_command(a, approve, resume, out, err) < 0 ||
			    sk_buf_adds(out, "\n", err) < 0)
				return -1;
		if (f == HTML && sk_buf_adds(out, "</pre>\n", err) < 0)
			return -1;
	}
	return 0;
}

/* When the wait ends, as a time and a duration. */
static int approval_deadline(const struct sk_approval *a, enum form f, struct sk_buf *out,
			     struct sk_err *err)
{
	char when[32], dur[64];
	time_t end;
	struct tm tm;

	if (a->timeout < 0)
		return sk_buf_addf(out, err,
				   f == TEXT ? "\nNo approval timeout is set "
					       "(NOTIFY_APPROVAL_TIMEOUT): the run waits until "
					       "someone answers or its own deadline ends it.\n"
					     : "<p>No approval timeout is set "
					       "(NOTIFY_APPROVAL_TIMEOUT): the run waits until "
					       "someone answers or its own deadline ends it.</p>\n");
	end = a->now + (time_t)a->timeout;
	if (!gmtime_r(&end, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "?");
	sk_summary_duration(a->timeout, dur);
	return sk_buf_addf(out, err,
			   f == TEXT ? "\nThe wait ends at %s, %s after this message "
				       "(NOTIFY_APPROVAL_TIMEOUT=%lld): without an answer by then "
				       "the run fails and nothing is published.\n"
				     : "<p>The wait ends at <strong>%s</strong>, %s after this message "
				       "(NOTIFY_APPROVAL_TIMEOUT=%lld): without an answer by then "
				       "the run fails and nothing is published.</p>\n",
			   when, dur, a->timeout);
}

/* "STEP CHECK: MESSAGE" for each check that is not GREEN. */
static int check_messages(const struct sk_summary *sm, struct sk_buf *out, struct sk_err *err)
{
	for (size_t i = 0; i < sm->nev; i++) {
		json_t *c;
		size_t j;
		json_array_foreach(json_object_get(quality_of(sm->ev[i].o), "checks"), j, c) {
			if (!strcmp(str_field(c, "status"), "GREEN") || !*str_field(c, "message"))
				continue;
			if (sk_summary_clean(out, sm->ev[i].name, 100, err) < 0 ||
			    sk_buf_adds(out, " ", err) < 0 ||
			    sk_summary_clean(out, str_field(c, "name"), 100, err) < 0 ||
			    sk_buf_adds(out, ": ", err) < 0 ||
			    sk_summary_clean(out, str_field(c, "message"), VALUE_MAX, err) < 0 ||
			    sk_buf_adds(out, "\n", err) < 0)
				return -1;
		}
	}
	return 0;
}

static int approval(const struct sk_summary *sm, enum form f, const char *pipeline,
		    const char *run, const struct sk_approval *a, struct sk_buf *out,
		    struct sk_err *err)
{
	struct table t = {0};
	int ret = -1;

	if (heading(sm, f, pipeline, run, "waits for approval", out, err) < 0 ||
	    quality_bad(sm, &t, err) < 0)
		goto out;
	if (!t.nrows) {
		if (sk_buf_adds(out, f == TEXT ? "\nChecks to look at: none, every check is GREEN.\n"
					       : "<p>Checks to look at: none, every check is GREEN.</p>\n",
				err) < 0)
			goto out;
	} else if (f == TEXT ? sk_buf_adds(out, "\nChecks to look at:\n", err) < 0 ||
				       table_render(&t, out, err) < 0
			     : sk_buf_adds(out, "<h2>Checks to look at</h2>\n", err) < 0 ||
				       table_html(&t, out, err) < 0) {
		goto out;
	}
	if (lines_section(sm, f, "Why", check_messages, out, err) < 0 ||
	    approval_commands(a, f, out, err) < 0 || approval_deadline(a, f, out, err) < 0 ||
	    sections(sm, f, out, err) < 0)
		goto out;
	ret = 0;
out:
	table_free(&t);
	return ret;
}

int sk_summary_approval_body(const struct sk_summary *sm, const char *pipeline, const char *run,
			     const struct sk_approval *a, struct sk_buf *out, struct sk_err *err)
{
	return approval(sm, TEXT, pipeline, run, a, out, err);
}

int sk_summary_approval_html(const struct sk_summary *sm, const char *pipeline, const char *run,
			     const struct sk_approval *a, struct sk_buf *out, struct sk_err *err)
{
	return approval(sm, HTML, pipeline, run, a, out, err);
}

/* ---- the webhook's structured fields ------------------------------------- */

static json_t *copy_num(json_t *v)
{
	return json_is_number(v) ? json_copy(v) : json_null();
}

/* A JSON string of `s` cleaned (valid UTF-8 whatever a file name held). */
static json_t *jclean(const char *s)
{
	struct sk_err err = SK_ERR_INIT;
	char *c = clean_dup(s, VALUE_MAX, &err);
	json_t *v = c ? json_string(c) : NULL;

	free(c);
	return v;
}

int sk_summary_json(const struct sk_summary *sm, json_t *doc, struct sk_err *err)
{
	json_t *checks = json_array(), *trend = json_array();

	if (!checks || !trend)
		goto nomem;
	for (size_t i = 0; i < sm->nev; i++) {
		json_t *o = sm->ev[i].o, *c, *prev;
		size_t j;
		json_array_foreach(json_object_get(quality_of(o), "checks"), j, c) {
			const char *st = str_field(c, "status");
			json_t *row = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:o}", "step",
						jclean(sm->ev[i].name), "name",
						jclean(str_field(c, "name")),
						"value", copy_num(json_object_get(c, "value")),
						"warn", copy_num(json_object_get(c, "warn")),
						"fail", copy_num(json_object_get(c, "fail")),
						"status", level_rank(st) < 0 ? "YELLOW" : st,
						"message", jclean(str_field(c, "message")));
			if (!row || json_array_append_new(checks, row) < 0)
				goto nomem;
		}
		if (!json_object_get(o, "history"))
			continue;
		prev = previous_of(o);
		{
			json_t *cur = json_object_get(o, "rows_out"), *p = json_object_get(prev, "rows_out");
			json_t *ch = json_null();
			if (json_is_number(cur) && json_is_number(p) && json_number_value(p) != 0) {
				double pct = (json_number_value(cur) - json_number_value(p)) /
					     json_number_value(p) * 100.0;
				json_decref(ch);
				ch = json_real((double)llround(pct * 10) / 10.0);
			}
			json_t *row = json_pack("{s:o, s:o, s:o, s:o, s:o}", "step",
						jclean(sm->ev[i].name), "rows_out", copy_num(cur),
						"previous_rows_out", copy_num(p), "previous_run",
						*str_field(prev, "run") ? jclean(str_field(prev, "run"))
									: json_null(),
						"change_percent", ch);
			if (!row || json_array_append_new(trend, row) < 0)
				goto nomem;
		}
	}
	if (json_object_set_new(doc, "checks", checks) < 0) {
		checks = NULL;
		goto nomem;
	}
	if (json_object_set_new(doc, "trend", trend) < 0) {
		trend = NULL;
		checks = NULL;
		goto nomem;
	}
	return 0;
nomem:
	json_decref(checks);
	json_decref(trend);
	return sk_err_set(err, SK_E_NOMEM, "out of memory");
}
