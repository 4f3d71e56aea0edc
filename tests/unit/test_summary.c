/* Unit tests for lib/summary.c: events and Argo failures into subject and body. */
#include "base.h"
#include "summary.h"
#include "tap.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define EV(step, status, started, secs, in, out, extra)                                     \
	"{\"step\": \"" step "\", \"run\": \"r1\", \"status\": \"" status "\", \"exit_code\": 0, " \
	"\"started\": \"" started "\", \"seconds\": " secs ", \"rows_in\": " in               \
	", \"rows_out\": " out extra "}"

static char *text(struct sk_summary *sm, int subject, const char *prefix)
{
	static struct sk_buf b = SK_BUF_INIT(1 << 20);
	struct sk_err err = SK_ERR_INIT;
	int rc;

	sk_buf_reset(&b);
	rc = subject ? sk_summary_subject(sm, prefix, "sales-analysis", "r1", &b, &err)
		     : sk_summary_body(sm, "sales-analysis", "r1", &b, &err);
	if (rc < 0)
		printf("# error: %s\n", err.msg);
	return b.data ? b.data : (char *)"";
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(s, f) < 0 || fclose(f) != 0)
		printf("# cannot write %s\n", path);
}

static void test_clean(void)
{
	struct sk_buf b = SK_BUF_INIT(1024);
	struct sk_err err = SK_ERR_INIT;

	sk_summary_clean(&b, "a\r\nBcc: x@y\tz", 100, &err);
	is_str(b.data, "a  Bcc: x@y z", "clean: CR, LF, tab become spaces");
	sk_buf_reset(&b);
	sk_summary_clean(&b, "ok \xff\xfe end", 100, &err);
	is_str(b.data, "ok ?? end", "clean: invalid UTF-8 bytes become '?'");
	sk_buf_reset(&b);
	sk_summary_clean(&b, "Zürich", 2, &err);
	is_str(b.data, "Z...", "clean: cut before a 2-byte character, not inside it");
	sk_buf_reset(&b);
	sk_summary_clean(&b, "Zürich", 3, &err);
	is_str(b.data, "Zü...", "clean: cut after a whole character");
	sk_buf_reset(&b);
	sk_summary_clean(&b, "", 3, &err);
	is_str(b.data, "", "clean: empty stays a string");
	sk_buf_release(&b);
}

static void test_events(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);

	ok(sm != NULL, "open");
	is_str(sk_summary_status(sm), "Unknown", "no events, no status: Unknown");
	/* added out of order: the body orders by start time */
	sk_summary_add_event(sm, "e/transform.json",
			     EV("transform", "succeeded", "2025-07-01T00:00:14Z", "3.021", "541909",
				"530104", ", \"outputs\": [{\"path\": \"transformed_data.csv\", "
					  "\"bytes\": 40111222, \"sha256\": \"ab12\"}], \"error\": null"),
			     &err);
	sk_summary_add_event(sm, "e/extract-sales.json",
			     EV("extract-sales", "succeeded", "2025-07-01T00:00:01Z", "12.3", "0",
				"541909", ", \"outputs\": [{\"path\": \"raw_sales.csv\", \"bytes\": "
					  "45580638, \"sha256\": \"cd34\"}], \"error\": null"),
			     &err);
	is_int(sk_summary_nevents(sm), 2, "two events");
	is_str(sk_summary_status(sm), "Succeeded", "all succeeded: Succeeded");
	is_str(text(sm, 1, "[stepkit]"), "[stepkit] GREEN sales-analysis r1: Succeeded", "subject: the level after the prefix");
	is_str(text(sm, 1, ""), "GREEN sales-analysis r1: Succeeded", "subject without a prefix");
	is_str(text(sm, 0, NULL),
	       "Run sales-analysis r1: Succeeded\n"
	       "Level: GREEN\n"
	       "\n"
	       "Steps:\n"
	       "step           status     rows in  rows out  seconds\n"
	       "extract-sales  succeeded        0    541909    12.30\n"
	       "transform      succeeded   541909    530104     3.02\n"
	       "\n"
	       "Output files:\n"
	       "step           file                     bytes  sha256\n"
	       "extract-sales  raw_sales.csv         45580638  cd34\n"
	       "transform      transformed_data.csv  40111222  ab12\n",
	       "body: steps ordered by start, numbers right-aligned, outputs with bytes and sha256");

	sk_summary_add_event(sm, "e/analyze-sales.json",
			     EV("analyze-sales", "failed", "2025-07-01T00:00:18Z", "0.5", "7", "0",
				", \"exit_code\": 1, \"error\": {\"kind\": \"data\", \"message\": "
				"\"'x.csv': line 7:\\r\\nquantity 'x12' is not an integer\"}"),
			     &err);
	is_str(sk_summary_status(sm), "Failed", "a failed event: Failed");
	is_str(text(sm, 1, "[stepkit]"), "[stepkit] RED sales-analysis r1: Failed: analyze-sales",
	       "subject names the failed step");
	ok(strstr(text(sm, 0, NULL),
		  "\nErrors:\nanalyze-sales: 'x.csv': line 7:  quantity 'x12' is not an integer "
		  "(data, exit 1)\n") != NULL,
	   "body: the error, its kind and exit code, CR/LF flattened");
	ok(strstr(text(sm, 0, NULL), "analyze-sales  failed           7         0     0.50\n") != NULL,
	   "body: the failed step's row");
	is_int(sk_summary_set_status(sm, "succeeded", &err), 0, "status in any letter case");
	is_str(sk_summary_status(sm), "Succeeded", "an explicit status wins over the events");
	is_str(text(sm, 1, "[x]"), "[x] RED sales-analysis r1: Succeeded", "no names when succeeded; a failed event is still RED");
	is_int(sk_summary_set_status(sm, "Done", &err), -1, "unknown status refused");
	is_int(err.code, SK_E_USAGE, "as a usage error");
	sk_summary_close(sm);
}

static void test_bad_events(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);

	is_int(sk_summary_add_event(sm, "a.json", "{\"step\": ", &err), 0, "broken JSON is not an error");
	is_int(sk_summary_add_event(sm, "b.json", "[1, 2]", &err), 0, "a non-event is not an error");
	/* no .json name: the summary goes by the event's own step name */
	is_int(sk_summary_add_event(sm, "c", "{\"step\": \"x\\r\\nBcc: evil@x\", \"status\": \"failed\"}", &err),
	       0, "a hostile step name is taken");
	is_int(sk_summary_nevents(sm), 1, "only the real event counts");
	is_int(sk_summary_nnotes(sm), 2, "two notes");
	ok(strstr(sk_summary_note(sm, 0), "'a.json': not valid JSON") == sk_summary_note(sm, 0),
	   "note names the file: %s", sk_summary_note(sm, 0));
	is_str(sk_summary_note(sm, 1), "'b.json': not a step event (no \"step\"): ignored", "non-event note");
	is_str(text(sm, 1, "[s]"), "[s] RED sales-analysis r1: Failed: x  Bcc: evil@x",
	       "subject: control characters flattened");
	ok(strstr(text(sm, 0, NULL), "x  Bcc: evil@x  failed        -         -        -\n") != NULL,
	   "body: missing numbers shown as '-'");
	ok(strstr(text(sm, 0, NULL), "\nNotes:\n'a.json'") != NULL, "body: notes at the end");
	sk_summary_close(sm);
}

static void test_failures(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);

	is_int(sk_summary_add_failures(sm, "", &err), 0, "empty failures");
	is_int(sk_summary_add_failures(sm, " null\n", &err), 0, "null failures");
	is_int(sk_summary_add_failures(sm, "[]", &err), 0, "no failures");
	is_int(sk_summary_nfailures(sm), 0, "nothing added");
	is_str(sk_summary_status(sm), "Unknown", "still Unknown");
	sk_summary_add_failures(sm,
				"[{\"displayName\":\"transform\",\"message\":\"Error (exit code 1)\","
				"\"templateName\":\"step\",\"phase\":\"Failed\",\"podName\":\"wf-transform-1\","
				"\"finishedAt\":\"2025-07-01T00:00:17Z\"},"
				"{\"displayName\":\"transform\",\"message\":\"again\"},"
				"{\"templateName\":\"upload-s3\",\"message\":\"\"},"
				"{\"displayName\":\"analyze-sales\"},{\"displayName\":\"notify-x\"}, 7]",
				&err);
	is_int(sk_summary_nfailures(sm), 5, "five failure objects");
	is_str(sk_summary_status(sm), "Failed", "failures: Failed");
	is_str(text(sm, 1, "[stepkit]"),
	       "[stepkit] RED sales-analysis r1: Failed: transform, upload-s3, analyze-sales and 1 more",
	       "subject: distinct names, three, then a count");
	is_str(text(sm, 0, NULL),
	       "Run sales-analysis r1: Failed\n"
	       "Level: RED\n"
	       "\n"
	       "Failures reported by the workflow:\n"
	       "transform: Error (exit code 1)\n"
	       "  phase Failed, template step, pod wf-transform-1, finished 2025-07-01T00:00:17Z\n"
	       "transform: again\n"
	       "upload-s3: (no message)\n"
	       "  template upload-s3\n"
	       "analyze-sales: (no message)\n"
	       "notify-x: (no message)\n"
	       "\n"
	       "Notes:\n"
	       "failure 6 is not an object: ignored\n",
	       "body: every failure with its details");
	sk_summary_close(sm);

	sm = sk_summary_open(&err);
	sk_summary_add_event(sm, "e/upload-sales.json",
			     "{\"step\": \"upload-sftp\", \"status\": \"failed\", \"rows_in\": 0}", &err);
	sk_summary_add_event(sm, "e/up\nx.json", "{\"step\": \"upload-sftp\", \"status\": \"succeeded\"}",
			     &err);
	is_str(text(sm, 1, NULL), "RED sales-analysis r1: Failed: upload-sales",
	       "subject: an event goes by its file's name (the task), not the shared tool name");
	ok(strstr(text(sm, 0, NULL), "\nup x          succeeded") != NULL,
	   "body: a control character in an event file name is flattened");
	sk_summary_close(sm);

	sm = sk_summary_open(&err);
	sk_summary_add_failures(sm,
				"[{\"displayName\":\"extract-sales(0)\"},{\"displayName\":\"extract-sales(1)\"},"
				"{\"displayName\":\"extract-sales\"},{\"displayName\":\"f(x)\"},"
				"{\"displayName\":\"g()\"}]",
				&err);
	is_str(text(sm, 1, NULL), "RED sales-analysis r1: Failed: extract-sales, f(x), g()",
	       "subject: retry attempts 'NAME(N)' count as their task once");
	sk_summary_close(sm);

	sm = sk_summary_open(&err);
	is_int(sk_summary_add_failures(sm, "{{workflow.failures}}\n", &err), 0, "unparsed template: not an error");
	is_str(sk_summary_status(sm), "Failed", "unreadable failures still mean Failed");
	ok(strstr(text(sm, 0, NULL),
		  "\nFailures reported by the workflow (not JSON):\n{{workflow.failures}}\n") != NULL,
	   "body: the raw text is kept");
	sk_summary_close(sm);
}

static void test_dir(void)
{
	struct sk_err err = SK_ERR_INIT;
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], ev[PATH_MAX + 32], p[PATH_MAX + 64];
	struct sk_summary *sm = sk_summary_open(&err);

	snprintf(dir, sizeof(dir), "%s/sk-summary-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(ev, sizeof(ev), "%s/events", dir);
	is_int(sk_summary_load_events(sm, ev, "notify", &err), 0, "a missing directory is not an error");
	is_int(sk_summary_nnotes(sm), 1, "but a note");
	ok(strstr(sk_summary_note(sm, 0), "does not exist") != NULL, "saying so: %s", sk_summary_note(sm, 0));
	sk_summary_close(sm);

	mkdir(ev, 0755);
	snprintf(p, sizeof(p), "%s/b.json", ev);
	write_file(p, EV("b", "succeeded", "2025-07-01T00:00:02Z", "1", "0", "0", ""));
	snprintf(p, sizeof(p), "%s/a.json", ev);
	write_file(p, EV("a", "succeeded", "2025-07-01T00:00:02Z", "1", "0", "0", ""));
	snprintf(p, sizeof(p), "%s/notify.json", ev);
	write_file(p, EV("notify", "failed", "2025-07-01T00:00:00Z", "1", "0", "0", ""));
	snprintf(p, sizeof(p), "%s/.c.json.tmp-x", ev);
	write_file(p, "half");
	snprintf(p, sizeof(p), "%s/readme.txt", ev);
	write_file(p, "not an event");
	sm = sk_summary_open(&err);
	is_int(sk_summary_load_events(sm, ev, "notify", &err), 0, "load");
	is_int(sk_summary_nevents(sm), 2, "own event, hidden and non-JSON files skipped");
	is_int(sk_summary_nnotes(sm), 0, "no notes");
	snprintf(p, sizeof(p), "%s/a.json", ev);
	is_str(sk_summary_event_path(sm, 0), p, "same start: ordered by step name");
	is_str(sk_summary_status(sm), "Succeeded", "Succeeded");
	sk_summary_close(sm);

	for (const char *f = "a.json\0b.json\0notify.json\0.c.json.tmp-x\0readme.txt\0"; *f; f += strlen(f) + 1) {
		snprintf(p, sizeof(p), "%s/%s", ev, f);
		unlink(p);
	}
	sm = sk_summary_open(&err);
	sk_summary_load_events(sm, ev, "notify", &err);
	ok(sk_summary_nnotes(sm) == 1 && strstr(sk_summary_note(sm, 0), "no step events in"),
	   "an empty directory is noted");
	sk_summary_close(sm);
	rmdir(ev);
	rmdir(dir);
}

/* an empty night (an extract wrote no rows) is said in the subject and the notes */
static void test_empty_night(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);

	sk_summary_add_event(sm, "e/extract-customers.json",
			     EV("extract-customers", "succeeded", "2024-06-15T00:00:01Z", "0.1", "7", "7", ""), &err);
	is_str(text(sm, 1, NULL), "GREEN sales-analysis r1: Succeeded", "rows: a plain subject");
	is_int(sk_summary_nnotes(sm), 0, "rows: no note");
	sk_summary_add_event(sm, "e/extract-sales.json",
			     EV("extract-sales", "succeeded", "2024-06-15T00:00:00Z", "0.1", "0", "0", ""), &err);
	sk_summary_add_event(sm, "e/analyze-sales.json",
			     EV("analyze-sales", "succeeded", "2024-06-15T00:00:02Z", "0.1", "0", "0", ""), &err);
	is_str(text(sm, 1, NULL), "GREEN sales-analysis r1: Succeeded (no rows: empty reports)",
	       "no sales rows: the subject says the reports are empty");
	is_int(sk_summary_nnotes(sm), 1, "one note, for the extract only");
	is_str(sk_summary_note(sm, 0), "extract-sales wrote no rows: the reports are empty", "the note names the extract");
	ok(strstr(text(sm, 0, NULL), "\nNotes:\nextract-sales wrote no rows: the reports are empty\n") != NULL,
	   "the body shows it under Notes");
	sk_summary_close(sm);
}

/* Upload and notify events count files and bytes: the table shows those. */
static void test_delivery(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);

	sk_summary_add_event(sm, "e/analyze-sales.json",
			     EV("analyze-sales", "succeeded", "2025-07-01T00:00:18Z", "0.5", "530104",
				"3901", ", \"error\": null"),
			     &err);
	sk_summary_add_event(sm, "e/upload-s3.json",
			     EV("upload-s3", "succeeded", "2025-07-01T00:00:20Z", "1.25", "0", "0",
				", \"counts\": {\"files\": 3, \"bytes\": 412345, \"attempts\": 3}, "
				"\"error\": null"),
			     &err);
	is_str(text(sm, 0, NULL),
	       "Run sales-analysis r1: Succeeded\n"
	       "Level: GREEN\n"
	       "\n"
	       "Steps:\n"
	       "step           status     rows in  rows out  files   bytes  seconds\n"
	       "analyze-sales  succeeded   530104      3901      -       -     0.50\n"
	       "upload-s3      succeeded        -         -      3  412345     1.25\n",
	       "body: an upload shows files and bytes, not 0 rows; other steps '-' for files");
	sk_summary_close(sm);
}

#define CHECK(name, value, warn, fail, status, msg)                                          \
	"{\"name\": \"" name "\", \"value\": " value ", \"warn\": " warn ", \"fail\": " fail     \
	", \"status\": \"" status "\", \"message\": \"" msg "\"}"

static char *html(struct sk_summary *sm)
{
	static struct sk_buf b = SK_BUF_INIT(1 << 20);
	struct sk_err err = SK_ERR_INIT;

	sk_buf_reset(&b);
	if (sk_summary_html(sm, "sales-analysis", "r1", &b, &err) < 0)
		printf("# error: %s\n", err.msg);
	return b.data ? b.data : (char *)"";
}

/* The run's level: RED > YELLOW > GREEN, a failure is RED, no events YELLOW. */
static void test_levels(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);

	is_str(sk_summary_level(sm), "YELLOW", "level: no events at all (Unknown) is YELLOW");
	sk_summary_add_event(sm, "e/upload-s3.json",
			     EV("upload-s3", "succeeded", "2025-07-01T00:00:20Z", "1", "0", "0", ""), &err);
	is_str(sk_summary_level(sm), "GREEN", "level: an event without quality is GREEN");
	sk_summary_add_event(sm, "e/extract-sales.json",
			     EV("extract-sales", "succeeded", "2025-07-01T00:00:01Z", "1", "0", "9",
				", \"quality\": {\"status\": \"GREEN\", \"checks\": []}"), &err);
	is_str(sk_summary_level(sm), "GREEN", "level: all GREEN");
	sk_summary_add_event(sm, "e/transform.json",
			     EV("transform", "succeeded", "2025-07-01T00:00:02Z", "1", "9", "9",
				", \"quality\": {\"status\": \"YELLOW\", \"checks\": []}"), &err);
	is_str(sk_summary_level(sm), "YELLOW", "level: one YELLOW step");
	is_str(text(sm, 1, "[stepkit]"), "[stepkit] YELLOW sales-analysis r1: Succeeded",
	       "subject: YELLOW, the rest as before");
	sk_summary_add_event(sm, "e/analyze-sales.json",
			     EV("analyze-sales", "succeeded", "2025-07-01T00:00:03Z", "1", "9", "9",
				", \"quality\": {\"status\": \"RED\", \"checks\": []}"), &err);
	is_str(sk_summary_level(sm), "RED", "level: a RED step wins");
	sk_summary_close(sm);

	sm = sk_summary_open(&err);
	sk_summary_add_event(sm, "e/transform.json",
			     EV("transform", "succeeded", "2025-07-01T00:00:02Z", "1", "9", "9",
				", \"quality\": {\"status\": \"ORANGE\"}"), &err);
	is_str(sk_summary_level(sm), "YELLOW", "level: an unknown quality status counts YELLOW");
	is_str(sk_summary_note(sm, 0),
	       "transform: quality.status is not GREEN, YELLOW or RED: counted as YELLOW",
	       "level: and a note says so");
	sk_summary_add_event(sm, "e/analyze-customers.json",
			     EV("analyze-customers", "failed", "2025-07-01T00:00:03Z", "1", "9", "0", ""),
			     &err);
	is_str(sk_summary_level(sm), "RED", "level: a failed step is RED");
	sk_summary_close(sm);

	sm = sk_summary_open(&err);
	sk_summary_add_failures(sm, "[{\"displayName\":\"transform\"}]", &err);
	is_str(sk_summary_level(sm), "RED", "level: a workflow failure without events is RED");
	sk_summary_close(sm);
	sm = sk_summary_open(&err);
	sk_summary_set_status(sm, "Error", &err);
	is_str(sk_summary_level(sm), "RED", "level: --status Error is RED");
	sk_summary_close(sm);
	is_int(sk_summary_level_rank("GREEN"), 0, "rank GREEN");
	is_int(sk_summary_level_rank("RED"), 2, "rank RED");
	is_int(sk_summary_level_rank("red"), -1, "rank: exact words only");
}

/* The quality and trend sections, in text and in HTML (escaped). */
static void test_quality_trend(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);
	char *h;

	sk_summary_add_event(sm, "e/extract-sales.json",
			     EV("extract-sales", "succeeded", "2025-07-01T00:00:01Z", "1", "0", "30",
				", \"quality\": {\"status\": \"GREEN\", \"checks\": []}, \"history\": null"),
			     &err);
	sk_summary_add_event(sm, "e/transform.json",
			     EV("transform", "succeeded", "2025-07-01T00:00:02Z", "1", "30", "25",
				", \"quality\": {\"status\": \"YELLOW\", \"checks\": ["
				CHECK("rows", "25", "600000", "1000", "YELLOW", "25 rows, below 600000") ", "
				CHECK("<script>&", "93.456", "95", "null", "GREEN", "x") ", "
				CHECK("row_change", "null", "10", "null", "GREEN", "no history")
				"]}, \"history\": {\"runs\": 2, \"previous\": {\"run\": \"r0\", "
				"\"rows_out\": 20, \"finished\": \"2025-06-30T00:00:02Z\"}}"),
			     &err);
	sk_summary_add_event(sm, "e/analyze-sales.json",
			     EV("analyze-sales", "succeeded", "2025-07-01T00:00:03Z", "1", "25", "0",
				", \"history\": {\"runs\": 1, \"previous\": {\"run\": \"r0\", \"rows_out\": 0}}"),
			     &err);
	is_str(text(sm, 0, NULL),
	       "Run sales-analysis r1: Succeeded\n"
	       "Level: YELLOW\n"
	       "\n"
	       "Steps:\n"
	       "step           status     rows in  rows out  seconds\n"
	       "extract-sales  succeeded        0        30     1.00\n"
	       "transform      succeeded       30        25     1.00\n"
	       "analyze-sales  succeeded       25         0     1.00\n"
	       "\n"
	       "Quality:\n"
	       "step       check       value    warn  fail  status\n"
	       "transform  rows           25  600000  1000  YELLOW\n"
	       "transform  <script>&   93.46      95     -  GREEN\n"
	       "transform  row_change      -      10     -  GREEN\n"
	       "\n"
	       "Trend:\n"
	       "step           rows out  previous  previous run          change\n"
	       "extract-sales        30         -  -             no earlier run\n"
	       "transform            25        20  r0                    +25.0%\n"
	       "analyze-sales         0         0  r0                     +0.0%\n",
	       "body: quality table, trend with percent change and 'no earlier run'");
	h = html(sm);
	ok(strstr(h, "<tr><td>transform</td><td>&lt;script&gt;&amp;</td><td align=\"right\">93.46</td>") != NULL,
	   "html: a check name with <script> and & escaped");
	ok(strstr(h, "<script>") == NULL, "html: no raw <script>");
	ok(strstr(h, "<td align=\"right\">+25.0%</td>") != NULL, "html: trend change");
	ok(strstr(h, "<p>Level: <strong style=\"color:#9a6700\">YELLOW</strong></p>") != NULL,
	   "html: the level, coloured");
	{
		json_t *doc = json_object();
		char *dump;
		is_int(sk_summary_json(sm, doc, &err), 0, "json fields");
		dump = json_dumps(doc, JSON_COMPACT);
		ok(strstr(dump, "\"trend\":[{\"step\":\"extract-sales\",\"rows_out\":30,\"previous_rows_out\":null,"
				"\"previous_run\":null,\"change_percent\":null},{\"step\":\"transform\",\"rows_out\":25,"
				"\"previous_rows_out\":20,\"previous_run\":\"r0\",\"change_percent\":25.0}") != NULL,
		   "json: trend rows (%s)", dump);
		ok(strstr(dump, "{\"step\":\"transform\",\"name\":\"row_change\",\"value\":null,\"warn\":10,"
				"\"fail\":null,\"status\":\"GREEN\",\"message\":\"no history\"}") != NULL,
		   "json: a check with null value and threshold");
		free(dump);
		json_decref(doc);
	}
	sk_summary_close(sm);
}

static void test_approval(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_summary *sm = sk_summary_open(&err);
	struct sk_approval a = {"sales-analysis-x7k2p", "stepkit", "approve", 5400, 1751364000};
	static struct sk_buf b = SK_BUF_INIT(1 << 20);
	char d[64];

	sk_summary_add_event(sm, "e/transform.json",
			     EV("transform", "succeeded", "2025-07-01T00:00:02Z", "1", "30", "25",
				", \"quality\": {\"status\": \"YELLOW\", \"checks\": ["
				CHECK("rows", "25", "600000", "1000", "YELLOW", "25 rows, below the warning level 600000") ", "
				CHECK("validity", "99", "90", "80", "GREEN", "fine") "]}"),
			     &err);
	is_int(sk_summary_approval_body(sm, "sales-analysis", "r1", &a, &b, &err), 0, "approval text");
	is_str(b.data,
	       "Run sales-analysis r1 waits for approval\n"
	       "Level: YELLOW\n"
	       "\n"
	       "Checks to look at:\n"
	       "step       check  value    warn  fail  status\n"
	       "transform  rows      25  600000  1000  YELLOW\n"
	       "\n"
	       "Why:\n"
	       "transform rows: 25 rows, below the warning level 600000\n"
	       "\n"
	       "To approve (the run goes on and publishes):\n"
	       "  argo node set sales-analysis-x7k2p -n stepkit --output-parameter approve=yes --node-field-selector displayName=approve\n"
	       "  argo resume sales-analysis-x7k2p -n stepkit\n"
	       "\n"
	       "To reject (the run stops before anything is published):\n"
	       "  argo node set sales-analysis-x7k2p -n stepkit --output-parameter approve=no --node-field-selector displayName=approve\n"
	       "  argo resume sales-analysis-x7k2p -n stepkit\n"
	       "\n"
	       "The wait ends at 2025-07-01T11:30:00Z, 1h 30m after this message (NOTIFY_APPROVAL_TIMEOUT=5400): "
	       "without an answer by then the run fails and nothing is published.\n"
	       "\n"
	       "Steps:\n"
	       "step       status     rows in  rows out  seconds\n"
	       "transform  succeeded       30        25     1.00\n"
	       "\n"
	       "Quality:\n"
	       "step       check     value    warn  fail  status\n"
	       "transform  rows         25  600000  1000  YELLOW\n"
	       "transform  validity     99      90    80  GREEN\n",
	       "approval: checks, commands, deadline, then the summary");
	a.namespace = NULL;
	a.timeout = -1;
	sk_buf_reset(&b);
	sk_summary_approval_command(&a, 0, 0, &b, &err);
	is_str(b.data, "argo node set sales-analysis-x7k2p --output-parameter approve=no "
		       "--node-field-selector displayName=approve", "approval: no namespace, no -n");
	sk_buf_reset(&b);
	sk_summary_approval_body(sm, "sales-analysis", "r1", &a, &b, &err);
	ok(strstr(b.data, "\nNo approval timeout is set (NOTIFY_APPROVAL_TIMEOUT): the run waits until "
			  "someone answers or its own deadline ends it.\n") != NULL,
	   "approval: without a timeout, says so");
	sk_summary_duration(0, d);
	is_str(d, "0s", "duration 0");
	sk_summary_duration(86400 + 61, d);
	is_str(d, "1d 1m 1s", "duration: zero parts left out");
	sk_buf_release(&b);
	sk_summary_close(sm);
}

int main(void)
{
	test_levels();
	test_quality_trend();
	test_approval();
	test_clean();
	test_empty_night();
	test_delivery();
	test_events();
	test_bad_events();
	test_failures();
	test_dir();
	return done_testing();
}
