/* Unit tests for lib/history.c: the previous runs found next to the work directory. */
#include "base.h"
#include "history.h"
#include "tap.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/sk-history-XXXXXX";

/* DIR/NAME/events/STEP.json holding `text` (NULL: the directory only). */
static void plant(const char *name, const char *step, const char *text)
{
	char p[PATH_MAX];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/%s/events", dir, name);
	mkdir(p, 0700);
	if (!text)
		return;
	snprintf(p, sizeof(p), "%s/%s/events/%s.json", dir, name, step);
	fp = fopen(p, "w");
	fputs(text, fp);
	fclose(fp);
}

static const char *event(const char *status, const char *tmpl, const char *finished, int rows)
{
	static char buf[4][400];
	static int i;
	char t[100] = "";

	i = (i + 1) % 4;
	if (tmpl)
		snprintf(t, sizeof(t), "\"template\": \"%s\", ", tmpl);
	snprintf(buf[i], sizeof(buf[i]),
		 "{\"step\": \"transform\", \"run\": \"run-%d\", \"status\": \"%s\", %s"
		 "\"finished\": \"%s\", \"rows_out\": %d}\n",
		 rows, status, t, finished, rows);
	return buf[i];
}

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_history h;
	char work[PATH_MAX], end[11], why[160];
	const char *before = "2024-05-10T00:00:00.000Z";

	if (!mkdtemp(dir))
		return 1;
	plant("cur", "transform", event("succeeded", "t1", "2024-05-01T00:00:00.000Z", 1));
	plant("a", "transform", event("succeeded", "t1", "2024-05-01T02:00:00.000Z", 10));
	plant("b", "transform", event("succeeded", "t1", "2024-05-02T02:00:00.000Z", 20));
	plant("c", "transform", event("failed", "t1", "2024-05-03T02:00:00.000Z", 30));
	plant("d", "transform", event("succeeded", "t2", "2024-05-04T02:00:00.000Z", 40));
	plant("e", "transform", event("succeeded", "t1", "2024-05-11T02:00:00.000Z", 50));
	plant("f", "transform", "{not json");
	plant("g", "transform", event("succeeded", NULL, "2024-05-05T02:00:00.000Z", 60));
	plant(".h", "transform", event("succeeded", "t1", "2024-05-06T02:00:00.000Z", 70));
	plant("i", "extract-sales", event("succeeded", "t1", "2024-05-07T02:00:00.000Z", 80));
	plant("j", "transform",
	      "{\"status\": \"succeeded\", \"template\": \"t1\", "
	      "\"finished\": \"2024-05-08T02:00:00.000Z\", \"rows_out\": \"9\"}");
	snprintf(work, sizeof(work), "%s/cur", dir);

	ok(sk_history_find(work, "transform", "t1", before, 5, &h, &err) == 0, "find: 0");
	is_int(h.n, 2,
	       "two runs match: succeeded, template t1, finished before, rows_out a number");
	is_str(h.runs[0].run, "run-20", "newest first");
	is_str(h.runs[0].finished, "2024-05-02T02:00:00.000Z", "its finished time");
	is_int(h.runs[0].rows_out, 20, "its rows_out");
	is_str(h.runs[1].run, "run-10", "then the older one");
	is_int(h.seen, 9, "every sibling but the work directory and dot-directories is looked at");

	sk_history_find(work, "transform", "t1", before, 1, &h, &err);
	is_int(h.n, 1, "at most N: the newest");
	is_int(h.runs[0].rows_out, 20, "...is kept");

	sk_history_find(work, "transform", NULL, before, 5, &h, &err);
	is_int(h.n, 1, "no template: only the runs without one match");
	is_int(h.runs[0].rows_out, 60, "...the run recorded without a template");

	sk_history_find(work, "transform", "t2", before, 5, &h, &err);
	is_int(h.n, 1, "another template: its own runs");

	sk_history_find(work, "transform", "t1", "2024-05-02T00:00:00.000Z", 5, &h, &err);
	is_int(h.n, 1, "runs that finished after this one started do not count");

	sk_history_find(work, "analyze-sales", "t1", before, 5, &h, &err);
	is_int(h.n, 0, "another step: none, no error");

	snprintf(work, sizeof(work), "%s/missing/cur", dir);
	ok(sk_history_find(work, "transform", "t1", before, 5, &h, &err) == 0 && h.n == 0,
	   "a work directory that is not there: none, no error");

	/* the period end of this run's extract-sales */
	plant("p1", "extract-sales", "{\"details\": {\"range\": \"2024-04-01..2024-04-30\"}}");
	plant("p2", "extract-sales", "{\"details\": {\"range\": \"all\"}}");
	plant("p3", "extract-sales", "{\"details\": {}}");
	plant("p4", "transform", NULL);
	snprintf(work, sizeof(work), "%s/p1", dir);
	ok(sk_history_period_end(work, end, why) == 1, "period end: found");
	is_str(end, "2024-04-30", "period end: the last day of the range");
	snprintf(work, sizeof(work), "%s/p2", dir);
	ok(sk_history_period_end(work, end, why) == 0, "range all: no period end");
	is_str(why, "extract-sales read all dates, not a period", "...says why");
	snprintf(work, sizeof(work), "%s/p3", dir);
	sk_history_period_end(work, end, why);
	is_str(why, "events/extract-sales.json records no date range", "no range: says why");
	snprintf(work, sizeof(work), "%s/p4", dir);
	sk_history_period_end(work, end, why);
	is_str(why, "no readable events/extract-sales.json in the work directory",
	       "no event: says why");

	{
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done_testing();
}
