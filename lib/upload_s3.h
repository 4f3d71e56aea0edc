/*
 * upload_s3.h: the upload-s3 step: send files to an S3 bucket (AWS or any
 * S3-compatible store), multipart above a threshold, each object verified
 * afterwards (s3.h does the requests). tools/upload-s3.c holds only the
 * options; doc/upload-s3.md is the operator's documentation.
 *
 * Like notify.c, this module is the step runtime of one tool, so it logs
 * (each file sent, warnings, progress, the --check steps) through log.h; it
 * never exits.
 */
#ifndef SK_UPLOAD_S3_H
#define SK_UPLOAD_S3_H

#include "errors.h"

struct sk_step;

/*
 * The tool's settings as given (flag or environment), all borrowed, NULL
 * when unset. Secrets are not here: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (each also as NAME_FILE) are
 * read from the environment by the calls below.
 */
struct sk_upload_s3_opts {
	const char *endpoint;   /* S3_ENDPOINT; NULL: https://s3.REGION.amazonaws.com */
	const char *bucket;     /* S3_BUCKET: required */
	const char *prefix;     /* S3_PREFIX: objects are PREFIX/NAME */
	const char *path_style; /* S3_PATH_STYLE: true/1 or false/0; NULL: automatic */
	const char *region;     /* AWS_REGION; NULL: us-east-1 */
	const char *ca_file;    /* S3_CA_FILE: PEM bundle of a private CA */
	const char *threshold;  /* S3_MULTIPART_THRESHOLD: a size (16M, 16MiB, 16777216) */
	const char *part_size;  /* S3_PART_SIZE: a size, at least 5M */
	const char *connect_timeout; /* S3_CONNECT_TIMEOUT: seconds (default 10) */
	const char *timeout;    /* S3_TIMEOUT: seconds without a byte moving (default 60) */
	const char *follow_symlinks; /* STEPKIT_FOLLOW_SYMLINKS: "1" sends links out of the
				   work directory (see sk_upload_link_check()) */
};

/*
 * The step. Validates the settings (SK_E_USAGE: no bucket, a bad
 * S3_PATH_STYLE or size, a part size below 5M, no access key or secret key)
 * and checks every local file (argv resolved against the work directory;
 * none: the three reports; missing or not regular: SK_E_IO) before the first
 * request, then uploads them in order as PREFIX/NAME (s3.h: retries,
 * multipart with abort, verification). Unfinished multipart uploads are
 * recorded under WORKDIR/.stepkit/upload-s3 so that the next run (Argo's
 * retry on the same volume) aborts them first. The first failure stops the
 * step, its message prefixed with the local path.
 *
 * Records in the event, per file: the local file as an input, the object as
 * an output ("s3://BUCKET/KEY", bytes, sha256, source, seconds, attempts: 1
 * plus every retry of any of its requests, and the object's URL), counts
 * "files", "bytes", "parts" and "attempts" (the sum of the files' attempts,
 * a failed file's too). 0, or -1 with `err` (classes as in s3.h).
 */
int sk_upload_s3_run(struct sk_step *s, const struct sk_upload_s3_opts *o, int argc,
		     char **argv, struct sk_err *err);

/*
 * --check: validate the settings as above, HEAD the bucket, then store and
 * delete a tiny probe object under the prefix (sk_s3_check()), each request
 * once (no retries: a preflight answers at once). Logs each
 * step that passed; a probe that could not be deleted is a warning. A
 * failure's message says what to check (endpoint, network and CA file when
 * unreachable; keys, region and policy when refused). 0, or -1 with `err`.
 */
int sk_upload_s3_check(struct sk_step *s, const struct sk_upload_s3_opts *o, struct sk_err *err);

#endif
