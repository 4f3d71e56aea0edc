/*
 * s3.h: upload files to Amazon S3 or any S3-compatible store (MinIO, Ceph
 * RGW, OpenShift Data Foundation) over http.h, signed by libcurl's
 * CURLOPT_AWS_SIGV4. Tools never sign, hash or build S3 URLs themselves.
 *
 * Every request carries x-amz-content-sha256 (the hex SHA-256 of its body,
 * so the server checks the bytes it signed) and, for bodies, Content-MD5
 * (the server rejects a body damaged on the way: BadDigest). A file below the
 * multipart threshold is one PutObject; a larger one is a multipart upload
 * (CreateMultipartUpload, UploadPart per part, CompleteMultipartUpload).
 * Each request is retried on transient errors under the retry policy; a
 * multipart upload that fails or is interrupted (SIGTERM) is aborted so no
 * orphan parts stay billed. When the abort cannot reach the server either,
 * its upload id stays recorded in `state_dir` and the next run (Argo's retry,
 * sharing the work directory) aborts it before uploading again. Afterwards
 * the object is checked with HEAD: its size must equal the file's.
 *
 * Errors follow http.h; S3 error documents add their Code and Message, and
 * the codes SlowDown, RequestTimeout, InternalError, ServiceUnavailable and
 * OperationAborted are transient whatever their HTTP status. The secret key
 * and session token never appear in a message.
 */
#ifndef SK_S3_H
#define SK_S3_H

#include "buf.h"
#include "errors.h"
#include "retry.h"
#include "sha256.h"

#define SK_S3_MIN_PART (5ULL << 20)            /* S3's floor for every part but the last */
#define SK_S3_DEFAULT_PART (16ULL << 20)
#define SK_S3_DEFAULT_THRESHOLD (64ULL << 20)
#define SK_S3_MAX_PARTS 10000

struct sk_s3;

/* Configuration; strings are borrowed and must outlive the handle. */
struct sk_s3_cfg {
	const char *endpoint;      /* "https://host[:port][/path]", or NULL: AWS,
				      https://s3.REGION.amazonaws.com */
	const char *region;        /* NULL: "us-east-1" */
	const char *bucket;        /* required */
	const char *prefix;        /* key prefix, NULL or "": none; a '/' is added
				      between it and the file name when missing */
	int path_style;            /* 1: ENDPOINT/BUCKET/KEY, 0: BUCKET.HOST/KEY,
				      -1: auto (path style when `endpoint` is set or
				      the bucket name is not a DNS label, else virtual) */
	const char *access_key;    /* required */
	const char *secret_key;    /* required; secret */
	const char *session_token; /* NULL, or sent as x-amz-security-token; secret */
	const char *ca_file;       /* PEM CA bundle for a private endpoint, or NULL */
	double connect_timeout;    /* seconds, TCP and TLS; 0: http.h's default */
	double stall_timeout;      /* seconds without a byte moving; 0: http.h's default */
	unsigned long long multipart_threshold; /* 0: SK_S3_DEFAULT_THRESHOLD */
	unsigned long long part_size;           /* 0: SK_S3_DEFAULT_PART; at least
						   SK_S3_MIN_PART; raised when a file
						   would need more than 10000 parts */
	const char *state_dir;     /* directory recording unfinished multipart uploads,
				      or NULL: none (an abort that fails is then only
				      reported) */
	const struct sk_retry_policy *retry; /* required */
	/* Called about once a second during an upload; may be NULL. */
	void (*progress)(void *ctx, const char *key, unsigned long long done,
			 unsigned long long total);
	void *progress_ctx;
};

/* What one upload did, for the step's event. */
struct sk_s3_put {
	char key[1024];            /* object key */
	char url[2048];            /* object URL (no credentials, no query) */
	unsigned long long bytes;  /* object size, checked by HEAD */
	char sha256[SK_SHA256_HEX_LEN + 1]; /* of the file, as sent */
	char etag[256];            /* as the server reported it */
	int etag_checked;          /* 1: the ETag equals the MD5 we computed (S3
				      with SSE-KMS or SSE-C returns other ETags,
				      so a mismatch is no error: Content-MD5 and
				      x-amz-content-sha256 already made the
				      server verify the bytes) */
	int parts;                 /* 0: single PUT; else the number of parts */
	int attempts;              /* 1 + every retry of every request of this file */
	int stale_aborted;         /* an earlier run's multipart upload was aborted */
	char warning[512];         /* something to log that did not fail the upload,
				      or "": an earlier upload that could not be
				      aborted, an upload id that could not be recorded */
	double seconds;
};

/*
 * Validate `cfg` and make a handle (no network traffic yet). NULL with `err`
 * (SK_E_USAGE naming the setting) for a missing bucket or key, a bad
 * endpoint or region, a part size below 5 MiB. Caller closes.
 */
struct sk_s3 *sk_s3_open(const struct sk_s3_cfg *cfg, struct sk_err *err);

/* Free the handle and its connection. NULL is fine. */
void sk_s3_close(struct sk_s3 *s);

/*
 * Upload the local file `path` as object PREFIX/`name`. Returns 0 with `out`
 * filled, or -1 with `err`, which does not name `path`: the caller prefixes
 * it. A missing or unreadable file is SK_E_IO before any request is made.
 */
int sk_s3_put_file(struct sk_s3 *s, const char *path, const char *name, struct sk_s3_put *out,
		   struct sk_err *err);

/* What --check found, step by step. */
struct sk_s3_check {
	int reachable;             /* the endpoint answered (TLS verified) */
	int bucket_exists;         /* HEAD bucket: 200 */
	int bucket_denied;         /* HEAD bucket: 403 (no s3:ListBucket, or bad
				      credentials: the write probe decides) */
	int write_ok;              /* the probe object was stored */
	int delete_ok;             /* and removed again */
	char probe_key[1024];
};

/*
 * Preflight: HEAD the bucket, then PUT a tiny probe object under the prefix
 * and DELETE it. Returns 0 when the bucket is reachable and writable (a
 * failed DELETE only leaves `delete_ok` 0), else -1 with `err` saying which
 * step failed and what to do; `res` shows how far it got.
 */
int sk_s3_check(struct sk_s3 *s, struct sk_s3_check *res, struct sk_err *err);

/* ---- building blocks, exposed for the unit tests ---- */

/* The object key for file `name`: PREFIX + '/' + name. 0 or -1. */
int sk_s3_key(const struct sk_s3 *s, const char *name, struct sk_buf *out, struct sk_err *err);

/*
 * The URL of `key` (NULL or "": the bucket itself) with the canonical query
 * `query` (NULL: none), in the handle's addressing style. The key is
 * percent-encoded as SigV4 wants it ('/' kept). 0 or -1.
 */
int sk_s3_url(const struct sk_s3 *s, const char *key, const char *query, struct sk_buf *out,
	      struct sk_err *err);

/*
 * A SigV4 canonical query string from `n` name/value pairs (`kv[2*i]`,
 * `kv[2*i+1]`; a NULL value is written "name="): names and values
 * percent-encoded, sorted by name then value, joined by '&'. libcurl 7.88
 * signs the query verbatim, so it must already be canonical. 0 or -1.
 */
int sk_s3_query(struct sk_buf *out, const char *const *kv, size_t n, struct sk_err *err);


#endif
