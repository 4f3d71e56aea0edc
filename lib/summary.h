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
 * Append the subject line: "[PREFIX ]PIPELINE RUN: STATUS", and for a run
 * that did not succeed ": step, step" naming what failed (the failures'
 * displayName, then failed events' step; at most three, then "and N
 * more"). UTF-8, not yet encoded for a header. 0, or -1 with `err`.
 */
int sk_summary_subject(const struct sk_summary *sm, const char *prefix, const char *pipeline,
		       const char *run, struct sk_buf *out, struct sk_err *err);

/*
 * Append the body text (LF line ends, UTF-8): the status line, a table of
 * steps (step, status, rows in, rows out, seconds; with columns files and
 * bytes between the rows and the seconds when an event counts "files": a
 * delivery step's, whose rows show "-", and the others' files "-"), the output files with
 * bytes and sha256, the steps' errors with their messages, the workflow's
 * failures, and the notes. Sections without content are left out.
 * 0, or -1 with `err`.
 */
int sk_summary_body(const struct sk_summary *sm, const char *pipeline, const char *run,
		    struct sk_buf *out, struct sk_err *err);

/*
 * Append `s` to `out` cleaned the way every value in the summary is:
 * control characters become spaces, invalid UTF-8 bytes become '?', and
 * the text is cut to `max` bytes at a character boundary (ending in "...").
 * Exposed for notify's own lines and the unit tests.
 */
int sk_summary_clean(struct sk_buf *out, const char *s, size_t max, struct sk_err *err);

#endif
