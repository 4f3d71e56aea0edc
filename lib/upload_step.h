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
 * given, see sk_path_join). It must exist and be a regular file (stat
 * follows links). 0 with `*name` pointing at the base name inside `path`,
 * or -1 with `err`: SK_E_IO "'PATH': reason", SK_E_USAGE for a path too
 * long.
 */
int sk_upload_local(struct sk_step *s, const char *arg, char path[PATH_MAX], const char **name,
		    struct sk_err *err);

/* Add `attempts` (requests made for file `name`) to the counts "attempts"
 * and "attempts.NAME" of the event. */
void sk_upload_record_attempts(struct sk_step *s, const char *name, int attempts);

/*
 * Record a stored file in the event: an output (`remote`, as messages show
 * it, `bytes`, the hex `sha256` of what was sent) and 1 and `bytes` more in
 * the counts "files" and "bytes".
 */
void sk_upload_record_output(struct sk_step *s, const char *remote, unsigned long long bytes,
			     const char *sha256);

/* Record the details "remote.NAME" (`url`) and "seconds.NAME" (`seconds`,
 * three decimals) of file `name` in the event. */
void sk_upload_record_remote(struct sk_step *s, const char *name, const char *url,
			     double seconds);

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

/* Overwrite and free a secret from sk_upload_secret(), so it does not stay
 * in freed memory. NULL is fine. */
void sk_upload_secret_free(char *secret);

#endif
