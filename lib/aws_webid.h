/*
 * aws_webid.h: AWS credentials from a web identity (STS
 * AssumeRoleWithWebIdentity), the way pods on EKS and on OpenShift on AWS
 * get them: the pod identity webhook sets AWS_ROLE_ARN and
 * AWS_WEB_IDENTITY_TOKEN_FILE (a projected service-account token that the
 * kubelet refreshes), and STS exchanges the token for temporary keys.
 *
 * The request is one unsigned POST to STS with a form body (the token never
 * goes in a URL), over http.h, retried under the step's retry policy. The
 * answer's AccessKeyId, SecretAccessKey, SessionToken and Expiration are
 * taken from its <Credentials> element; the session token then travels as
 * x-amz-security-token (s3.h).
 *
 * Errors: a token file that is missing, unreadable or empty is SK_E_USAGE
 * naming the file and the setting; a bad AWS_ROLE_SESSION_NAME or STS URL
 * is SK_E_USAGE; STS refusing (HTTP 4xx: AccessDenied, InvalidIdentityToken,
 * ExpiredTokenException...) is SK_E_PERMANENT quoting STS's code and
 * message; STS unreachable, 5xx, throttling or IDPCommunicationError is
 * SK_E_TRANSIENT. Neither the token nor the keys ever appear in a message.
 */
#ifndef SK_AWS_WEBID_H
#define SK_AWS_WEBID_H

#include "errors.h"
#include "retry.h"

/* Settings; strings are borrowed. */
struct sk_aws_webid_cfg {
	const char *role_arn;                /* AWS_ROLE_ARN, required */
	const char *token_file;              /* AWS_WEB_IDENTITY_TOKEN_FILE, required */
	const char *session_name;            /* AWS_ROLE_SESSION_NAME, or NULL: "stepkit-" and
				      the host name (a pod's name) */
	const char *endpoint;                /* AWS_ENDPOINT_URL_STS, or NULL: https://sts.REGION.
				      amazonaws.com with `region`, else https://sts.amazonaws.com */
	const char *region;                  /* AWS_REGION, or NULL */
	const char *ca_file;                 /* PEM CA bundle for a private STS, or NULL */
	double connect_timeout;              /* seconds; 0: http.h's default */
	double stall_timeout;                /* seconds; 0: http.h's default */
	const struct sk_retry_policy *retry; /* required */
};

/* Temporary credentials; every string is owned (sk_aws_creds_release). */
struct sk_aws_creds {
	char *access_key;
	char *secret_key;    /* secret */
	char *session_token; /* secret */
	char expiration[64]; /* as STS wrote it (ISO 8601, UTC), or "" */
};

/*
 * Fill `c` from the environment (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE,
 * AWS_ROLE_SESSION_NAME, AWS_ENDPOINT_URL_STS, AWS_REGION); the other fields
 * are left as they were. Returns 1 when both AWS_ROLE_ARN and
 * AWS_WEB_IDENTITY_TOKEN_FILE are set (non-empty), else 0.
 */
int sk_aws_webid_env(struct sk_aws_webid_cfg *c);

/*
 * Read the token and ask STS for credentials. 0 with `out` filled (caller
 * releases), or -1 with `err` as described at the top (`out` then empty).
 */
int sk_aws_webid_assume(const struct sk_aws_webid_cfg *c, struct sk_aws_creds *out,
			struct sk_err *err);

/* Wipe and free the strings. A zeroed struct is fine. */
void sk_aws_creds_release(struct sk_aws_creds *c);

/* ---- building blocks, exposed for the unit tests ---- */

/*
 * Parse an AssumeRoleWithWebIdentityResponse: the four fields of its
 * <Credentials> element, entities decoded. 0, or -1 with `err`
 * (SK_E_PERMANENT) naming the field that is missing, empty, too long or
 * malformed; the values are never quoted.
 */
int sk_aws_webid_parse(const char *xml, struct sk_aws_creds *out, struct sk_err *err);


#endif
