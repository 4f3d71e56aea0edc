#include "base.h"
#include "runlog.h"
#include "fsutil.h"
#include "log.h"
#include "pgexec.h"

#include <dirent.h>
#include <limits.h>
#include <sys/resource.h>

#define EVENT_MAX (4u << 20)

static const char runs_ddl[] =
	"CREATE TABLE IF NOT EXISTS stepkit_runs ("
	"id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, run_id text NOT NULL, "
	"step text NOT NULL, target text, started timestamptz NOT NULL, "
	"completed timestamptz NOT NULL, status text NOT NULL, rows_read bigint NOT NULL, "
	"rows_inserted bigint NOT NULL, rows_updated bigint NOT NULL, "
	"rows_unchanged bigint NOT NULL, rows_failed bigint NOT NULL, error_message text, "
	"error_details jsonb, execution_ms bigint NOT NULL, peak_memory_kib bigint)";

static const char events_ddl[] =
	"CREATE TABLE IF NOT EXISTS stepkit_events (run_id text NOT NULL, step text NOT NULL, "
	"event jsonb NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(), "
	"PRIMARY KEY (run_id, step))";

long long sk_runlog_peak_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (long long)ru.ru_maxrss; /* Linux: KiB */
}

int sk_runlog_write(struct sk_pg *db, const struct sk_runlog_rec *r, struct sk_err *err)
{
	char t0[32], t1[32], n[6][24], ms[24], kib[24];
	long long msecs = (long long)(r->completed.tv_sec - r->started.tv_sec) * 1000 +
			  (long long)(r->completed.tv_usec - r->started.tv_usec) / 1000;
	const long long v[6] = {r->read, r->inserted, r->updated, r->unchanged, r->failed, 0};
	const char *pv[15];

	sk_utc_iso(&r->started, t0);
	sk_utc_iso(&r->completed, t1);
	for (int i = 0; i < 5; i++)
		snprintf(n[i], sizeof(n[i]), "%lld", v[i]);
	snprintf(ms, sizeof(ms), "%lld", msecs);
	snprintf(kib, sizeof(kib), "%lld", r->peak_kib);
	pv[0] = r->run_id;
	pv[1] = r->step;
	pv[2] = r->target;
	pv[3] = t0;
	pv[4] = t1;
	pv[5] = r->status;
	for (int i = 0; i < 5; i++)
		pv[6 + i] = n[i];
	pv[11] = r->error;
	pv[12] = r->error_kind;
	pv[13] = ms;
	pv[14] = r->peak_kib >= 0 ? kib : NULL;
	/* autocommit: one statement, one transaction of its own */
	if (sk_pgx_exec(db, "create stepkit_runs", runs_ddl, 0, NULL, NULL, err) < 0 ||
	    sk_pgx_exec(db, "write the run log",
			"INSERT INTO stepkit_runs (run_id, step, target, started, completed, status, "
			"rows_read, rows_inserted, rows_updated, rows_unchanged, rows_failed, "
			"error_message, error_details, execution_ms, peak_memory_kib) VALUES "
			"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
			"CASE WHEN $13::text IS NULL THEN NULL ELSE jsonb_build_object('kind', $13::text) END, "
			"$14, $15)",
			15, pv, NULL, err) < 0)
		return sk_err_prefix(err, "run log");
	return 0;
}

static int is_event_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sk_runlog_events(struct sk_pg *db, const char *dir, long long *n, struct sk_err *err)
{
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL, path[PATH_MAX], *text = NULL;
	size_t count = 0, cap = 0;
	int ret = -1;

	*n = 0;
	d = opendir(dir);
	if (!d) {
		sk_err_set(err, SK_E_IO, "--events '%s': %s", dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d))) {
		if (!is_event_name(e->d_name))
			continue;
		if (count == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!v) {
				sk_err_set(err, SK_E_NOMEM, "out of memory");
				goto out;
			}
			names = v;
		}
		if (!(names[count] = strdup(e->d_name))) {
			sk_err_set(err, SK_E_NOMEM, "out of memory");
			goto out;
		}
		count++;
	}
	if (count)
		qsort(names, count, sizeof(*names), by_name);
	if (sk_pgx_exec(db, "create stepkit_events", events_ddl, 0, NULL, NULL, err) < 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		const char *pv[1];

		if (sk_path_join(path, dir, names[i], err) < 0)
			goto out;
		free(text);
		if (!(text = sk_read_small_file(path, EVENT_MAX, 0, err)))
			goto out;
		pv[0] = text;
		/* the value is bound: the server parses the JSON, nothing is spliced */
		if (sk_pgx_exec(db, "load an event",
				"INSERT INTO stepkit_events (run_id, step, event) "
				"SELECT e->>'run', e->>'step', e FROM (SELECT $1::jsonb AS e) x "
				"ON CONFLICT (run_id, step) DO UPDATE SET event = EXCLUDED.event, "
				"loaded_at = now()",
				1, pv, NULL, err) < 0) {
			if (err->code != SK_E_TRANSIENT && err->code != SK_E_INTERRUPTED) {
				char why[SK_ERR_MSG_MAX];

				snprintf(why, sizeof(why), "%s", err->msg);
				sk_err_set(err, SK_E_DATA,
					   "event '%s': not a JSON object with \"run\" and \"step\": %s",
					   path, why);
			}
			goto out;
		}
		(*n)++;
	}
	ret = 0;
out:
	free(text);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	if (d)
		closedir(d);
	return ret;
}
