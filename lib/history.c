#include "base.h"
#include "history.h"
#include "fsutil.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* An event is small; a bigger file is not one of ours. */
#define EVENT_MAX (1u << 20)
/* Siblings looked at, at most: a volume of a few years of nightly runs. */
#define SIBLINGS_MAX 100000

/* A sibling's event, or NULL: only a regular file of an event's size is
 * read (a FIFO there would make the step wait for a writer that never comes) */
static json_t *load_event(const char *path)
{
	struct stat st;
	json_t *o;
	int fd;

	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)EVENT_MAX) {
		close(fd);
		return NULL;
	}
	o = json_loadfd(fd, 0, NULL);
	close(fd);
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static const char *str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Whether the event `o` is a run to compare with, by the rule of history.h. */
static int matches(json_t *o, const char *tmpl, const char *before)
{
	const char *status = str_of(o, "status"), *t = str_of(o, "template");
	const char *finished = str_of(o, "finished");

	if (!status || strcmp(status, "succeeded") ||
	    !json_is_integer(json_object_get(o, "rows_out")))
		return 0;
	if (strcmp(t ? t : "", tmpl ? tmpl : ""))
		return 0;
	return finished && strcmp(finished, before) < 0;
}

/* Keep `r` among the newest `max` in `h` (newest first). */
static void keep(struct sk_history *h, size_t max, const struct sk_history_run *r)
{
	size_t i = h->n;

	while (i > 0 && strcmp(h->runs[i - 1].finished, r->finished) < 0)
		i--;
	if (i >= max)
		return;
	if (h->n == max)
		h->n--;
	memmove(&h->runs[i + 1], &h->runs[i], (h->n - i) * sizeof(h->runs[0]));
	h->runs[i] = *r;
	h->n++;
}

int sk_history_find(const char *workdir, const char *step, const char *tmpl, const char *before,
		    size_t max, struct sk_history *h, struct sk_err *err)
{
	char real[PATH_MAX], parent[PATH_MAX], self[NAME_MAX + 1], path[PATH_MAX];
	DIR *d = NULL;
	struct dirent *de;

	(void)err; /* nothing here fails the step: history is what can be found */
	h->n = h->seen = 0;
	if (max > SK_HISTORY_MAX)
		max = SK_HISTORY_MAX;
	if (max == 0 || !realpath(workdir, real))
		return 0;
	{
		/* the parent and the name of the work directory itself */
		char *slash = strrchr(real, '/');
		snprintf(self, sizeof(self), "%s", slash + 1);
		snprintf(parent, sizeof(parent), "%.*s", slash == real ? 1 : (int)(slash - real),
			 real);
	}
	if (!(d = opendir(parent)))
		return 0;
	while ((de = readdir(d)) && h->seen < SIBLINGS_MAX) {
		struct sk_history_run r;
		json_t *o;
		const char *run;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/events/%s.json",
			     strcmp(parent, "/") ? parent : "", de->d_name,
			     step) >= (int)sizeof(path))
			continue;
		h->seen++;
		if (!(o = load_event(path)))
			continue;
		if (matches(o, tmpl, before)) {
			run = str_of(o, "run");
			snprintf(r.run, sizeof(r.run), "%.127s", run ? run : de->d_name);
			snprintf(r.finished, sizeof(r.finished), "%s", str_of(o, "finished"));
			r.rows_out = (long long)json_integer_value(json_object_get(o, "rows_out"));
			keep(h, max, &r);
		}
		json_decref(o);
	}
	closedir(d);
	return 0;
}

int sk_history_period_end(const char *workdir, char end[11], char why[160])
{
	char path[PATH_MAX];
	json_t *o = NULL;
	const char *range;
	int ret = 0;

	end[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/events/extract-sales.json", workdir) >=
		    (int)sizeof(path) ||
	    !(o = load_event(path))) {
		snprintf(why, 160, "no readable events/extract-sales.json in the work directory");
		goto out;
	}
	range = str_of(json_object_get(o, "details"), "range");
	if (!range) {
		snprintf(why, 160, "events/extract-sales.json records no date range");
	} else if (strlen(range) != 22 || strncmp(range + 10, "..", 2)) {
		snprintf(why, 160, "extract-sales read %s dates, not a period",
			 !strcmp(range, "all") ? "all" : "unknown");
	} else {
		memcpy(end, range + 12, 10);
		end[10] = '\0';
		ret = 1;
	}
out:
	json_decref(o);
	return ret;
}
