/*
 * upload-s3: send the reports to an S3 bucket (AWS or any S3-compatible
 * store), multipart above a threshold, verified afterwards (lib/s3.h).
 */
#include "base.h"
#include "log.h"
#include "s3.h"
#include "step.h"

#include <sys/stat.h>
#include <sys/time.h>

static const char *o_endpoint, *o_bucket, *o_prefix, *o_path_style, *o_region, *o_ca_file,
	*o_threshold, *o_part_size;

static const struct sk_opt opts[] = {
	{"endpoint", "S3_ENDPOINT", "URL", "S3-compatible endpoint (default https://s3.REGION.amazonaws.com)", &o_endpoint},
	{"bucket", "S3_BUCKET", "NAME", "bucket (required)", &o_bucket},
	{"prefix", "S3_PREFIX", "PREFIX", "key prefix: objects are PREFIX/NAME", &o_prefix},
	{"path-style", "S3_PATH_STYLE", "BOOL", "true: ENDPOINT/BUCKET/KEY, false: BUCKET.HOST/KEY (default: true when an endpoint is set)", &o_path_style},
	{"region", "AWS_REGION", "REGION", "signing region (default us-east-1)", &o_region},
	{"ca-file", "S3_CA_FILE", "FILE", "PEM CA bundle to verify the endpoint with (private CA)", &o_ca_file},
	{"multipart-threshold", "S3_MULTIPART_THRESHOLD", "SIZE", "multipart upload from this size on (default 64M)", &o_threshold},
	{"part-size", "S3_PART_SIZE", "SIZE", "multipart part size, at least 5M (default 16M)", &o_part_size},
	{0},
};

static const char *const default_files[] = {"sales_report.csv", "customer_report.csv",
					     "product_report.csv"};

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

struct cfg {
	struct sk_s3_cfg s3;
	struct sk_retry_policy retry;
	char state_dir[PATH_MAX];
	char *access, *secret, *token;
};

static void cfg_release(struct cfg *c)
{
	free(c->access);
	free(c->secret);
	free(c->token);
}

struct progress {
	double last;
};

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void on_progress(void *ctx, const char *key, unsigned long long done, unsigned long long total)
{
	struct progress *p = ctx;

	if (now() - p->last < 5)
		return;
	p->last = now();
	sk_infof("progress: '%s': %llu of %llu MiB", key, done >> 20, total >> 20);
}

static int cfg_load(struct sk_step *s, struct cfg *c, struct progress *pr, struct sk_err *err)
{
	char dot[PATH_MAX];

	memset(c, 0, sizeof(*c));
	if (!o_bucket)
		return sk_err_set(err, SK_E_USAGE, "no bucket: set S3_BUCKET or --bucket");
	c->s3.endpoint = o_endpoint;
	c->s3.bucket = o_bucket;
	c->s3.prefix = o_prefix;
	c->s3.region = o_region;
	c->s3.ca_file = o_ca_file;
	c->s3.path_style = -1;
	if (o_path_style) {
		if (!strcmp(o_path_style, "true") || !strcmp(o_path_style, "1"))
			c->s3.path_style = 1;
		else if (!strcmp(o_path_style, "false") || !strcmp(o_path_style, "0"))
			c->s3.path_style = 0;
		else
			return sk_err_set(err, SK_E_USAGE, "S3_PATH_STYLE '%s': use true or false",
					  o_path_style);
	}
	if (o_threshold && parse_size("S3_MULTIPART_THRESHOLD", o_threshold,
				      &c->s3.multipart_threshold, err) < 0)
		return -1;
	if (o_part_size && parse_size("S3_PART_SIZE", o_part_size, &c->s3.part_size, err) < 0)
		return -1;
	if (o_part_size && c->s3.part_size < SK_S3_MIN_PART)
		return sk_err_set(err, SK_E_USAGE, "S3_PART_SIZE '%s': S3 wants parts of at least 5M",
				  o_part_size);
	if (!(c->access = sk_env_secret("AWS_ACCESS_KEY_ID", err)))
		return err->code != SK_E_NONE ? -1
		       : sk_err_set(err, SK_E_USAGE, "no AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID_FILE)");
	if (!(c->secret = sk_env_secret("AWS_SECRET_ACCESS_KEY", err)))
		return err->code != SK_E_NONE ? -1
		       : sk_err_set(err, SK_E_USAGE,
				    "no AWS_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY_FILE)");
	c->token = sk_env_secret("AWS_SESSION_TOKEN", err);
	if (!c->token && err->code != SK_E_NONE)
		return -1;
	c->s3.access_key = c->access;
	c->s3.secret_key = c->secret;
	c->s3.session_token = c->token;
	if (sk_retry_policy_init(&c->retry, err) < 0)
		return -1;
	c->retry.notice = sk_step_retry_notice;
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

static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	const char *const *names = argc ? (const char *const *)argv : default_files;
	int n = argc ? argc : (int)SK_ARRAY_SIZE(default_files);
	char (*paths)[PATH_MAX] = calloc((size_t)n, PATH_MAX);
	struct progress pr = {now()};
	struct sk_s3 *s3 = NULL;
	struct cfg c;
	int ret = -1;

	if (cfg_load(s, &c, &pr, err) < 0)
		goto out;
	if (!paths) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	/* every local file is checked before the first request */
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (sk_path_join(paths[i], sk_step_workdir(s), names[i], err) < 0)
			goto out;
		if (stat(paths[i], &st) < 0) {
			sk_err_set(err, SK_E_IO, "'%s': %s", paths[i], strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			sk_err_set(err, SK_E_IO, "'%s': not a regular file", paths[i]);
			goto out;
		}
	}
	if (!(s3 = sk_s3_open(&c.s3, err)))
		goto out;
	for (int i = 0; i < n; i++) {
		struct sk_s3_put r;
		struct sk_file_info info = {0};
		const char *base = strrchr(paths[i], '/') ? strrchr(paths[i], '/') + 1 : paths[i];
		char key[PATH_MAX + 16], secs[32];
		int rc;

		sk_step_input(s, paths[i]);
		rc = sk_s3_put_file(s3, paths[i], base, &r, err);
		sk_step_count(s, "attempts", r.attempts);
		snprintf(key, sizeof(key), "attempts.%s", base);
		sk_step_count(s, key, r.attempts);
		if (r.stale_aborted)
			sk_warnf("'%s': aborted the unfinished multipart upload an earlier run left",
				 r.key);
		if (r.warning[0])
			sk_warnf("'%s': %s", r.key, r.warning);
		if (rc < 0) {
			sk_err_prefix(err, "'%s'", paths[i]);
			goto out;
		}
		if (!r.etag_checked)
			sk_infof("'%s': ETag %s is not the MD5 of the file (normal with SSE-KMS); the "
				 "server verified Content-MD5 and the payload SHA-256", r.key, r.etag);
		snprintf(info.path, sizeof(info.path), "s3://%s/%s", o_bucket, r.key);
		info.bytes = r.bytes;
		memcpy(info.sha256, r.sha256, sizeof(info.sha256));
		sk_step_output(s, &info);
		sk_step_count(s, "files", 1);
		sk_step_count(s, "bytes", (long long)r.bytes);
		sk_step_count(s, "parts", r.parts);
		snprintf(key, sizeof(key), "remote.%s", base);
		sk_step_detail(s, key, r.url);
		snprintf(key, sizeof(key), "seconds.%s", base);
		snprintf(secs, sizeof(secs), "%.3f", r.seconds);
		sk_step_detail(s, key, secs);
		sk_log_fields(SK_LOG_INFO,
			      (struct sk_log_field[]){{"bytes", (long long)r.bytes, NULL},
						      {"parts", r.parts, NULL},
						      {"attempts", r.attempts, NULL}},
			      3, "sent '%s' to 's3://%s/%s': %llu bytes, %s%d part%s, %d attempt%s, %.2f s",
			      paths[i], o_bucket, r.key, r.bytes, r.parts ? "multipart, " : "",
			      r.parts ? r.parts : 1, r.parts > 1 ? "s" : "", r.attempts,
			      r.attempts == 1 ? "" : "s", r.seconds);
	}
	ret = 0;
out:
	sk_s3_close(s3);
	free(paths);
	cfg_release(&c);
	return ret;
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	struct progress pr = {now()};
	struct sk_s3_check res;
	struct sk_s3 *s3 = NULL;
	struct cfg c;
	int ret = -1;

	(void)argc, (void)argv;
	if (cfg_load(s, &c, &pr, err) < 0 || !(s3 = sk_s3_open(&c.s3, err)))
		goto out;
	sk_infof("configuration: ok");
	if (sk_s3_check(s3, &res, err) < 0) {
		if (!res.reachable)
			sk_err_prefix(err, "check S3_ENDPOINT, the network path and (https) S3_CA_FILE");
		else if (!res.write_ok && (res.bucket_denied || strstr(err->msg, "HTTP 403")))
			sk_err_prefix(err, "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION "
				      "and the policy (s3:PutObject on the prefix)");
		goto out;
	}
	sk_infof("endpoint: reachable");
	if (res.bucket_exists)
		sk_infof("bucket '%s': exists, credentials accepted", o_bucket);
	else
		sk_warnf("bucket '%s': HEAD refused (403: no s3:ListBucket permission); the write "
			 "probe below decides", o_bucket);
	sk_infof("write probe: stored 's3://%s/%s'", o_bucket, res.probe_key);
	if (res.delete_ok)
		sk_infof("write probe: removed again");
	else
		sk_warnf("write probe: could not remove 's3://%s/%s' (no s3:DeleteObject?): delete it "
			 "by hand", o_bucket, res.probe_key);
	ret = 0;
out:
	sk_s3_close(s3);
	cfg_release(&c);
	return ret;
}

const struct sk_tool tool = {
	.name = "upload-s3",
	.summary = "Send the reports to an S3 bucket (AWS, MinIO, Ceph RGW, OpenShift Data\n"
		   "Foundation), multipart above a threshold, each object checked afterwards.",
	.args = "[FILE]...",
	.details = "FILEs default to sales_report.csv, customer_report.csv and product_report.csv\n"
		   "in the work directory. Credentials come only from the environment or files:\n"
		   "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (each also as\n"
		   "NAME_FILE). Temporary failures (connection, timeout, 5xx, SlowDown) are\n"
		   "retried (STEPKIT_RETRIES, STEPKIT_RETRY_DELAY). --check: HEAD the bucket, then\n"
		   "PUT and DELETE a tiny probe object under the prefix.\n",
	.opts = opts,
	.max_args = -1,
	.run = run,
	.check = check,
};
