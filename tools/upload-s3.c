/*
 * upload-s3: send the reports to an S3 bucket (AWS or any S3-compatible
 * store), multipart above a threshold, verified afterwards. The work is in
 * lib/upload_s3.c; this file only names the options.
 */
#include "base.h"
#include "dest_template.h"
#include "step.h"
#include "upload_s3.h"

static struct sk_upload_s3_opts o;

static const struct sk_opt opts[] = {
	{"endpoint", "S3_ENDPOINT", "URL", "S3-compatible endpoint (default https://s3.REGION.amazonaws.com)", &o.endpoint},
	{"bucket", "S3_BUCKET", "NAME", "bucket (required)", &o.bucket},
	{"prefix", "S3_PREFIX", "PREFIX", "key prefix: objects are PREFIX/NAME ({date} {year} {month} {day} {run} replaced)", &o.prefix},
	{"path-style", "S3_PATH_STYLE", "BOOL", "true: ENDPOINT/BUCKET/KEY, false: BUCKET.HOST/KEY (default: true when an endpoint is set)", &o.path_style},
	{"region", "AWS_REGION", "REGION", "signing region (default us-east-1)", &o.region},
	{"ca-file", "S3_CA_FILE", "FILE", "PEM CA bundle to verify the endpoint with (private CA)", &o.ca_file},
	{"multipart-threshold", "S3_MULTIPART_THRESHOLD", "SIZE", "multipart upload from this size on (default 64M)", &o.threshold},
	{"part-size", "S3_PART_SIZE", "SIZE", "multipart part size, at least 5M (default 16M)", &o.part_size},
	{"connect-timeout", "S3_CONNECT_TIMEOUT", "SECONDS", "give up connecting (TCP and TLS) after SECONDS (default 10)", &o.connect_timeout},
	{"timeout", "S3_TIMEOUT", "SECONDS", "give up when no byte moves for SECONDS (default 60)", &o.timeout},
	{"follow-symlinks", "STEPKIT_FOLLOW_SYMLINKS", NULL, "send files that are links out of the work directory (refused by default)", &o.follow_symlinks},
	{0},
};

/* {date}, {run}... in S3_PREFIX (dest_template.h): expanded once, before the work */
static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	char *dest;
	int rc;

	if (sk_dest_expand_opt("S3_PREFIX", &o.prefix, &dest, err) < 0)
		return -1;
	rc = sk_upload_s3_run(s, &o, argc, argv, err);
	free(dest);
	return rc;
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	char *dest;
	int rc;

	(void)argc;
	(void)argv;
	if (sk_dest_expand_opt("S3_PREFIX", &o.prefix, &dest, err) < 0)
		return -1;
	rc = sk_upload_s3_check(s, &o, err);
	free(dest);
	return rc;
}

const struct sk_tool tool = {
	.name = "upload-s3",
	.summary = "Send the reports to an S3 bucket (AWS, MinIO, Ceph RGW, OpenShift Data\n"
		   "Foundation), multipart above a threshold, each object checked afterwards.",
	.args = "[FILE]...",
	.details = "FILEs default to sales_report.csv, customer_report.csv and product_report.csv\n"
		   "in the work directory. Credentials come only from the environment or files:\n"
		   "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (each also as\n"
		   "NAME_FILE). Without a key pair, the pod's web identity: AWS_ROLE_ARN and\n"
		   "AWS_WEB_IDENTITY_TOKEN_FILE (EKS IRSA, OpenShift on AWS), exchanged with STS\n"
		   "(AWS_ENDPOINT_URL_STS, AWS_ROLE_SESSION_NAME). Temporary failures (connection, timeout, 5xx, SlowDown) are\n"
		   "retried (STEPKIT_RETRIES, STEPKIT_RETRY_DELAY). --check: HEAD the bucket, then\n"
		   "PUT and DELETE a tiny probe object under the prefix.\n",
	.opts = opts,
	.max_args = -1,
	.run = run,
	.check = check,
	.exits = SK_TOOL_REMOTE,
};
