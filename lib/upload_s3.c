#include "base.h"
#include "upload_s3.h"
#include "aws_webid.h"
#include "fsutil.h"
#include "log.h"
#include "s3.h"
#include "step.h"
#include "upload_step.h"

/* A size: bytes, or with a K, M or G suffix (binary: 16M = 16 MiB; "MiB", "MB" too). */
static int parse_size(const char *name, const char *v, unsigned long long *out, struct sk_err *err)
{
	static const char units[] = "KMG";
	const char *u;
	char *end;
	unsigned long long n;
	int shift = 0;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *v == '-')
		goto bad;
	if (*end && *end != '\0' && (u = strchr(units, *end & ~0x20))) {
		shift = 10 * (int)(u - units + 1);
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
	}
	if (*end || n > (~0ULL >> shift))
		goto bad;
	*out = n << shift;
	return 0;
bad:
	return sk_err_set(err, SK_E_USAGE, "%s '%s': expected a size such as 16M or 16777216", name, v);
}

/* Everything a run or a check needs, secrets included (freed by cfg_release). */
struct cfg {
	struct sk_s3_cfg s3;
	struct sk_retry_policy retry;
	char state_dir[PATH_MAX];
	char *access, *secret, *token;
	int follow; /* --follow-symlinks */
};

static void cfg_release(struct cfg *c)
{
	sk_upload_secret_free(c->access);
	sk_upload_secret_free(c->secret);
	sk_upload_secret_free(c->token);
}

static void on_progress(void *ctx, const char *key, unsigned long long done, unsigned long long total)
{
	sk_upload_progress(ctx, key, done, total);
}

/* Credentials from AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (STS), when set. */
static int webid_load(struct cfg *c, struct sk_err *err)
{
	struct sk_aws_webid_cfg w = {0};
	struct sk_aws_creds cr;

	if (!sk_aws_webid_env(&w))
		return 0;
	w.connect_timeout = c->s3.connect_timeout;
	w.stall_timeout = c->s3.stall_timeout;
	w.retry = &c->retry;
	if (sk_aws_webid_assume(&w, &cr, err) < 0)
		return -1;
	c->access = cr.access_key;
	c->secret = cr.secret_key;
	c->token = cr.session_token;
	sk_infof("credentials: role '%s' by web identity (STS)%s%s", w.role_arn,
		 *cr.expiration ? ", until " : "", cr.expiration);
	return 0;
}

static int cfg_load(struct sk_step *s, const struct sk_upload_s3_opts *o, struct cfg *c,
		    struct sk_upload_progress *pr, struct sk_err *err)
{
	char dot[PATH_MAX];

	memset(c, 0, sizeof(*c));
	if (!o->bucket)
		return sk_err_set(err, SK_E_USAGE, "no bucket: set S3_BUCKET or --bucket");
	c->s3.endpoint = o->endpoint;
	c->s3.bucket = o->bucket;
	c->s3.prefix = o->prefix;
	c->s3.region = o->region;
	c->s3.ca_file = o->ca_file;
	c->s3.path_style = -1;
	if (o->path_style) {
		if (!strcmp(o->path_style, "true") || !strcmp(o->path_style, "1"))
			c->s3.path_style = 1;
		else if (!strcmp(o->path_style, "false") || !strcmp(o->path_style, "0"))
			c->s3.path_style = 0;
		else
			return sk_err_set(err, SK_E_USAGE, "S3_PATH_STYLE '%s': use true or false",
					  o->path_style);
	}
	if (o->threshold && parse_size("S3_MULTIPART_THRESHOLD", o->threshold,
				       &c->s3.multipart_threshold, err) < 0)
		return -1;
	if (o->part_size && parse_size("S3_PART_SIZE", o->part_size, &c->s3.part_size, err) < 0)
		return -1;
	if (o->part_size && c->s3.part_size < SK_S3_MIN_PART)
		return sk_err_set(err, SK_E_USAGE, "S3_PART_SIZE '%s': S3 wants parts of at least 5M",
				  o->part_size);
	if (sk_upload_seconds(o->connect_timeout, "S3_CONNECT_TIMEOUT", 0, &c->s3.connect_timeout,
			      err) < 0 ||
	    sk_upload_seconds(o->timeout, "S3_TIMEOUT", 0, &c->s3.stall_timeout, err) < 0)
		return -1;
	if (sk_step_retry_policy(&c->retry, err) < 0 ||
	    sk_upload_secret("AWS_ACCESS_KEY_ID", 0, &c->access, err) < 0)
		return -1;
	if (!c->access && webid_load(c, err) < 0) /* no static keys: the pod's identity */
		return -1;
	if (!c->secret &&
	    ((!c->access && sk_upload_secret("AWS_ACCESS_KEY_ID", 1, &c->access, err) < 0) ||
	     sk_upload_secret("AWS_SECRET_ACCESS_KEY", 1, &c->secret, err) < 0 ||
	     sk_upload_secret("AWS_SESSION_TOKEN", 0, &c->token, err) < 0))
		return -1;
	c->s3.access_key = c->access;
	c->s3.secret_key = c->secret;
	c->s3.session_token = c->token;
	if (sk_upload_bool(o->follow_symlinks, "STEPKIT_FOLLOW_SYMLINKS", &c->follow, err) < 0)
		return -1;
	c->s3.retry = &c->retry;
	/* unfinished multipart uploads are remembered next to the data, so
	 * Argo's retry (a new pod on the same volume) can abort them */
	if (sk_path_join(dot, sk_step_workdir(s), ".stepkit", err) < 0 ||
	    sk_path_join(c->state_dir, dot, "upload-s3", err) < 0)
		return -1;
	c->s3.state_dir = c->state_dir;
	c->s3.progress = on_progress;
	c->s3.progress_ctx = pr;
	return 0;
}

/* One file of a run. */
struct file {
	char path[PATH_MAX]; /* in the work directory */
	const char *name;    /* base name, inside `path` */
};

/* Upload one file and record it. */
static int put_file(struct sk_step *s, struct sk_s3 *s3, const char *bucket, const struct file *f,
		    struct sk_err *err)
{
	struct sk_s3_put r;
	char remote[PATH_MAX];
	int rc;

	sk_step_input(s, f->path);
	rc = sk_s3_put_file(s3, f->path, f->name, &r, err);
	sk_step_count(s, "attempts", r.attempts);
	if (r.stale_aborted)
		sk_warnf("'%s': aborted the unfinished multipart upload an earlier run left", r.key);
	if (r.warning[0])
		sk_warnf("'%s': %s", r.key, r.warning);
	if (rc < 0)
		return sk_err_prefix(err, "'%s'", f->path);
	if (!r.etag_checked)
		sk_infof("'%s': ETag %s is not the MD5 of the file (normal with SSE-KMS); the server "
			 "verified Content-MD5 and the payload SHA-256", r.key, r.etag);
	snprintf(remote, sizeof(remote), "s3://%s/%s", bucket, r.key);
	sk_upload_record(s, &(struct sk_upload_record){.source = f->path,
						       .remote = remote,
						       .url = r.url,
						       .bytes = r.bytes,
						       .sha256 = r.sha256,
						       .seconds = r.seconds,
						       .attempts = r.attempts});
	sk_step_count(s, "parts", r.parts);
	sk_log_fields(SK_LOG_INFO,
		      (struct sk_log_field[]){{"bytes", (long long)r.bytes, NULL},
					      {"parts", r.parts, NULL},
					      {"attempts", r.attempts, NULL}},
		      3, "sent '%s' to 's3://%s/%s': %llu bytes, %s%d part%s, %d attempt%s, %.2f s",
		      f->path, bucket, r.key, r.bytes, r.parts ? "multipart, " : "",
		      r.parts ? r.parts : 1, r.parts > 1 ? "s" : "", r.attempts,
		      r.attempts == 1 ? "" : "s", r.seconds);
	return 0;
}

int sk_upload_s3_run(struct sk_step *s, const struct sk_upload_s3_opts *o, int argc, char **argv,
		     struct sk_err *err)
{
	const char *const *names;
	int n = sk_upload_names(argc, argv, &names);
	struct file *files = calloc((size_t)n, sizeof(*files));
	struct sk_upload_progress pr;
	struct sk_s3 *s3 = NULL;
	struct cfg c;
	int ret = -1;

	sk_upload_progress_start(&pr);
	sk_upload_counts_begin(s);
	if (cfg_load(s, o, &c, &pr, err) < 0)
		goto out;
	if (!files) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	/* every local file is checked before the first request */
	for (int i = 0; i < n; i++)
		if (sk_upload_local(s, names[i], files[i].path, &files[i].name, c.follow, err) < 0)
			goto out;
	if (!(s3 = sk_s3_open(&c.s3, err)))
		goto out;
	for (int i = 0; i < n; i++)
		if (put_file(s, s3, o->bucket, &files[i], err) < 0)
			goto out;
	ret = 0;
out:
	sk_s3_close(s3);
	free(files);
	cfg_release(&c);
	return ret;
}

int sk_upload_s3_check(struct sk_step *s, const struct sk_upload_s3_opts *o, struct sk_err *err)
{
	struct sk_upload_progress pr;
	struct sk_s3_check res;
	struct sk_s3 *s3 = NULL;
	struct cfg c;
	int ret = -1;

	sk_upload_progress_start(&pr);
	if (cfg_load(s, o, &c, &pr, err) < 0)
		goto out;
	/* a preflight answers at once: each request is tried once (still
	 * bounded by the deadline), not retried with backoff like a run */
	c.retry.max_attempts = 1;
	if (!(s3 = sk_s3_open(&c.s3, err)))
		goto out;
	sk_infof("configuration: ok");
	if (sk_s3_check(s3, &res, err) < 0) {
		if (!res.reachable)
			sk_err_prefix(err, "check S3_ENDPOINT, the network path and (https) S3_CA_FILE "
				      "(tried once: --check does not retry)");
		else if (!res.write_ok && (res.bucket_denied || strstr(err->msg, "HTTP 403")))
			sk_err_prefix(err, "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION "
				      "and the policy (s3:PutObject on the prefix)");
		goto out;
	}
	sk_infof("endpoint: reachable");
	if (res.bucket_exists)
		sk_infof("bucket '%s': exists, credentials accepted", o->bucket);
	else
		sk_warnf("bucket '%s': HEAD refused (403: no s3:ListBucket permission); the write "
			 "probe below decides", o->bucket);
	sk_infof("write probe: stored 's3://%s/%s'", o->bucket, res.probe_key);
	if (res.delete_ok)
		sk_infof("write probe: removed again");
	else
		sk_warnf("write probe: could not remove 's3://%s/%s' (no s3:DeleteObject?): delete it "
			 "by hand", o->bucket, res.probe_key);
	ret = 0;
out:
	sk_s3_close(s3);
	cfg_release(&c);
	return ret;
}
