/*
 * summary.h: the run summary notify sends, built from the steps' events
 * (WORKDIR/events/STEP.json, written by the step runtime, see step.h) and,
 * in Argo's exit handler, from the workflow's own list of failures
 * ({{workflow.failures}}: a JSON array of objects with displayName,
 * message, templateName, phase, podName, finishedAt).
 *
 * Reading is forgiving on purpose: a notification about a broken run must
 * still go out when the events directory is missing, a step died before
 * writing its event, or an event file is damaged. Such problems become
 * "notes" (shown in the body; the caller logs them as warnings), never
 * errors. Only running out of memory fails.
 *
 * Every string taken from an event or from the failures is cleaned before
 * it reaches the text: control characters (CR, LF included) become spaces
 * and overlong values are cut at a UTF-8 character boundary, so the text is
 * one line per item and valid UTF-8.
 */
#ifndef SK_SUMMARY_H
#define SK_SUMMARY_H

#include "buf.h"
#include "errors.h"

#include <jansson.h>
#include <time.h>

struct sk_summary;

/* A new, empty summary, or NULL with `err` (SK_E_NOMEM). Caller closes. */
struct sk_summary *sk_summary_open(struct sk_err *err);

/* Free it. NULL is fine. */
void sk_summary_close(struct sk_summary *sm);

/*
 * Read every event file DIR/NAME.json, except hidden files (an atomic
 * write in progress) and `skip_step`.json (notify's own event from an
 * earlier attempt). Events are ordered by their "started" time, then by
 * step name. A missing or empty directory and unreadable or malformed files
 * become notes. 0, or -1 with `err` (SK_E_NOMEM).
 */
int sk_summary_load_events(struct sk_summary *sm, const char *dir, const char *skip_step,
			   struct sk_err *err);

/*
 * Add one event from its JSON text; `source` (a path) names it in notes.
 * Text that is not a step event (an object with a string "step") becomes a
 * note. 0, or -1 with `err` (SK_E_NOMEM).
 */
int sk_summary_add_event(struct sk_summary *sm, const char *source, const char *text,
			 struct sk_err *err);

/* Number of events read, and the path of event `i` (borrowed). */
size_t sk_summary_nevents(const struct sk_summary *sm);
const char *sk_summary_event_path(const struct sk_summary *sm, size_t i);

/*
 * Add Argo's {{workflow.failures}}. Empty text, "null" and "[]" add
 * nothing. Text that is not a JSON array of objects becomes a note, and the
 * raw text (cleaned, cut to 2000 bytes) is shown in the body so that what
 * Argo said is not lost. 0, or -1 with `err` (SK_E_NOMEM).
 */
int sk_summary_add_failures(struct sk_summary *sm, const char *json, struct sk_err *err);

/* Number of failures added. */
size_t sk_summary_nfailures(const struct sk_summary *sm);

/*
 * Set the run's status as the workflow reports it (--status; Argo's
 * {{workflow.status}}): "Succeeded", "Failed" or "Error", in any letter
 * case. 0, or -1 with `err` (SK_E_USAGE) for another word.
 */
int sk_summary_set_status(struct sk_summary *sm, const char *status, struct sk_err *err);

/*
 * The status: the one set above; otherwise derived: "Failed" when a
 * failure was added or an event's status is not "succeeded", "Succeeded"
 * when there are events and all succeeded, "Unknown" without any. Borrowed.
 */
const char *sk_summary_status(const struct sk_summary *sm);

/* Notes about what could not be read, in order (borrowed). */
size_t sk_summary_nnotes(const struct sk_summary *sm);
const char *sk_summary_note(const struct sk_summary *sm, size_t i);

/*
 * The run's worst level, "GREEN", "YELLOW" or "RED" (static):
 * RED when the status is Failed or Error, an event is not "succeeded" or
 * a step's quality.status is RED; else YELLOW when a step's quality.status
 * is YELLOW (or not one of the three words: a note says so) or there are
 * no events at all (status Unknown); else GREEN. An event without a
 * "quality" object (a delivery step, a step before issue 11) is GREEN.
 */
const char *sk_summary_level(const struct sk_summary *sm);

/* 0 for "GREEN", 1 "YELLOW", 2 "RED", -1 for anything else. */
int sk_summary_level_rank(const char *level);

/* Append the head every subject starts with: "[PREFIX ]LEVEL PIPELINE RUN". */
int sk_summary_subject_head(const struct sk_summary *sm, const char *prefix,
			    const char *pipeline, const char *run, struct sk_buf *out,
			    struct sk_err *err);

/*
 * Append the subject line: "[PREFIX ]LEVEL PIPELINE RUN: STATUS", and for a run
 * that did not succeed ": step, step" naming what failed (the failures'
 * displayName, then failed events' step; at most three, then "and N
 * more"). UTF-8, not yet encoded for a header. 0, or -1 with `err`.
 */
int sk_summary_subject(const struct sk_summary *sm, const char *prefix, const char *pipeline,
		       const char *run, struct sk_buf *out, struct sk_err *err);

/*
 * Append the body text (LF line ends, UTF-8): the status line, the line
 * "Level: LEVEL", a table of
 * steps (step, status, rows in, rows out, seconds; with columns files and
 * bytes between the rows and the seconds when an event counts "files": a
 * delivery step's, whose rows show "-", and the others' files "-"), the
 * quality checks (step, check, value, warn, fail, status; when a step has
 * checks), the trend (each step whose event has "history": rows out, the
 * previous run's rows out and run, the change in percent, or "no earlier
 * run"), the output files with bytes and sha256, the steps' errors with their messages, the workflow's
 * failures, and the notes. Sections without content are left out.
 * 0, or -1 with `err`.
 */
int sk_summary_body(const struct sk_summary *sm, const char *pipeline, const char *run,
		    struct sk_buf *out, struct sk_err *err);

/*
 * The same as an HTML fragment: <h1> with the status, the level, then
 * each section as a <table> (or <pre> for the errors, failures and notes).
 * Every value is cleaned and HTML-escaped. Wrap it between
 * sk_summary_html_open() and sk_summary_html_close().
 */
int sk_summary_html(const struct sk_summary *sm, const char *pipeline, const char *run,
		    struct sk_buf *out, struct sk_err *err);

/* "<!DOCTYPE html>...<body ...>" with `title` escaped, and the end. */
int sk_summary_html_open(struct sk_buf *out, const char *title, struct sk_err *err);
int sk_summary_html_close(struct sk_buf *out, struct sk_err *err);

/* <h2>heading</h2><pre>text, escaped</pre>: text sections (attachments). */
int sk_summary_html_pre(struct sk_buf *out, const char *heading, const char *text,
			struct sk_err *err);

/* Append `s` cleaned (sk_summary_clean) with & < > " ' escaped for HTML. */
int sk_summary_html_escape(struct sk_buf *out, const char *s, size_t max, struct sk_err *err);

/* What an approval request names: the Argo workflow waiting at its
 * suspend node, and when the wait ends. All borrowed; the names must
 * already be checked safe to paste into a shell (notify does). */
struct sk_approval {
	const char *workflow;  /* the Workflow's name */
	const char *namespace; /* NULL or "": no -n (the kube context's namespace) */
	const char *node;      /* the suspend node's displayName */
	long long timeout;     /* seconds the suspend waits, -1 unknown */
	time_t now;            /* when the message is written (its Date) */
};

/*
 * Append one of the four argo commands: `resume` 0 sets the node's output
 * parameter (`argo node set WF [-n NS] --output-parameter approve=yes|no
 * --node-field-selector displayName=NODE`), 1 resumes (`argo resume WF
 * [-n NS]`). 0 or -1.
 */
int sk_summary_approval_command(const struct sk_approval *a, int approve, int resume,
				struct sk_buf *out, struct sk_err *err);

/*
 * The approval request, as text or as an HTML fragment: "Run P R waits for
 * approval", the level, the checks that are not GREEN (table, then their
 * messages), the commands to approve and to reject, when the wait ends
 * (a UTC time and a duration), then the same sections as the body. 0 or -1.
 */
int sk_summary_approval_body(const struct sk_summary *sm, const char *pipeline, const char *run,
			     const struct sk_approval *a, struct sk_buf *out, struct sk_err *err);
int sk_summary_approval_html(const struct sk_summary *sm, const char *pipeline, const char *run,
			     const struct sk_approval *a, struct sk_buf *out, struct sk_err *err);

/* "1d 2h 3m 4s" without the zero parts ("0s" for 0). */
void sk_summary_duration(long long secs, char out[64]);

/*
 * Add "checks" (every step's checks: step, name, value, warn, fail,
 * status, message) and "trend" (each step with "history": step, rows_out,
 * previous_rows_out, previous_run, change_percent rounded to 0.1, null
 * when not computable) to the JSON object `doc`. 0 or -1 (SK_E_NOMEM).
 */
int sk_summary_json(const struct sk_summary *sm, json_t *doc, struct sk_err *err);

/*
 * Append `s` to `out` cleaned the way every value in the summary is:
 * control characters become spaces, invalid UTF-8 bytes become '?', and
 * the text is cut to `max` bytes at a character boundary (ending in "...").
 * Exposed for notify's own lines and the unit tests.
 */
int sk_summary_clean(struct sk_buf *out, const char *s, size_t max, struct sk_err *err);

#endif
