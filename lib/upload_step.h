/*
 * upload_step.h: what the three upload steps (upload-sftp, upload-http,
 * upload-s3) share around the transfer itself: which local files they send
 * (the three reports by default), how each is resolved and checked before
 * any connection, what they record about each file in the step's event,
 * their progress lines and their secrets.
 *
 * Like notify.c and the step part of sftp.c, this is step runtime: it logs
 * (progress) through log.h only, and never exits.
 */
#ifndef SK_UPLOAD_STEP_H
#define SK_UPLOAD_STEP_H

#include "errors.h"

#include <limits.h>

struct sk_step;

/*
 * The files a delivery step (an upload, or notify's attachments) sends: its
 * `argc` positional arguments, or the
 * three reports (sales_report.csv, customer_report.csv, product_report.csv)
 * when there are none. Returns how many, with `*names` pointing at them
 * (borrowed: argv or a static list).
 */
int sk_upload_names(int argc, char **argv, const char *const **names);

/*
 * Resolve the file `arg` (one of sk_upload_names()) of an upload step
 * against the work directory into `path` (a name with a '/' is taken as
 * given, see sk_path_join). It must exist, be a regular file (stat
 * follows links) and pass sk_upload_link_check() (`follow`: the tool's
 * --follow-symlinks). 0 with `*name` pointing at the base name inside
 * `path`, or -1 with `err`: SK_E_IO "'PATH': reason", SK_E_USAGE for a
 * path too long, SK_E_PERMANENT for a link out of the work directory.
 */
int sk_upload_local(struct sk_step *s, const char *arg, char path[PATH_MAX], const char **name,
		    int follow, struct sk_err *err);

/*
 * Refuse to send a file that leads out of the work directory `workdir`
 * through a symbolic link: a link to a mounted Secret or to /etc/passwd
 * must not be uploaded or mailed because someone could write the work
 * directory. Refused (-1, SK_E_PERMANENT, the message names `path`, the
 * link's target and the opt-in) when the resolved file (realpath) lies
 * outside the resolved work directory and either `path` itself is a
 * symbolic link, or `path` was named inside the work directory (a bare
 * name, or WORKDIR/...) so a linked directory on the way led out. A
 * regular file the user named outside the work directory is theirs to
 * send. `follow` (--follow-symlinks, STEPKIT_FOLLOW_SYMLINKS=1) allows
 * everything. 0 when allowed; a file that cannot be resolved is left to
 * the caller's open to report (0). Used by the upload steps and notify's
 * attachments alike.
 */
int sk_upload_link_check(const char *workdir, const char *path, int follow, struct sk_err *err);

/*
 * Mark the event as a delivery step's (an upload, notify): its counts
 * "files" and "bytes" exist from the start, 0 until something is
 * delivered, so the event and the summaries (sk_summary_body()) show files
 * and bytes for it rather than its rows in and out, which are 0. Call once
 * at the start of the run.
 */
void sk_upload_counts_begin(struct sk_step *s);

/* One file of `bytes` delivered: +1 to the count "files", +`bytes` to "bytes". */
void sk_upload_count(struct sk_step *s, unsigned long long bytes);

/* One stored file, for the event. */
struct sk_upload_record {
	const char *source;       /* the local file */
	const char *remote;       /* where it is, as messages show it */
	const char *url;          /* the request URL when not `remote`, or NULL */
	unsigned long long bytes;
	const char *sha256;       /* hex, of what was sent */
	double seconds;
	int attempts;             /* 1 plus every retry of its requests, or 0: counted per step */
};

/*
 * Record a stored file in the event: an output (sk_step_output_copy) and 1
 * and `bytes` more in the counts "files" and "bytes". The count "attempts"
 * (every request, failed files' too) is the caller's.
 */
void sk_upload_record(struct sk_step *s, const struct sk_upload_record *r);

/*
 * Progress lines of a long transfer, "progress: 'NAME': D of T MiB", at most
 * one every 5 seconds from sk_upload_progress_start(). Caller-owned, no
 * release needed.
 */
struct sk_upload_progress {
	double last; /* wall-clock seconds of the start or of the last line */
};

/* Start the 5-second clock now. */
void sk_upload_progress_start(struct sk_upload_progress *p);

/* `done` of `total` bytes of `name` are through: log a line if it is time. */
void sk_upload_progress(struct sk_upload_progress *p, const char *name, unsigned long long done,
			unsigned long long total);

/*
 * Read the secret NAME or NAME_FILE with sk_env_secret() into `*out`, which
 * the caller frees with sk_upload_secret_free(). When neither is set: 0 with
 * `*out` NULL, or, when `required`, -1 with SK_E_USAGE "no NAME (or
 * NAME_FILE)". -1 with `err` (`*out` NULL) when the file cannot be read or
 * both are set.
 */
int sk_upload_secret(const char *name, int required, char **out, struct sk_err *err);

/*
 * A timeout setting NAME (a flag's value or its environment variable) in
 * seconds, fractions allowed, above 0 and at most a day; unset or empty:
 * `dflt`. 0, or -1 with SK_E_USAGE naming the setting.
 */
int sk_upload_seconds(const char *v, const char *name, double dflt, double *out,
		      struct sk_err *err);

/*
 * A yes/no setting NAME (a flag's value, "1" when given without one, or its
 * environment variable): "1", "true" or "yes" is 1; unset, "", "0",
 * "false" or "no" is 0 (any letter case). 0, or -1 with SK_E_USAGE naming
 * the setting.
 */
int sk_upload_bool(const char *v, const char *name, int *out, struct sk_err *err);

/* Overwrite and free a secret from sk_upload_secret(), so it does not stay
 * in freed memory. NULL is fine. */
void sk_upload_secret_free(char *secret);

#endif
