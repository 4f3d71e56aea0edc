/*
 * Unit tests for lib/aws_webid.c's parsing of STS answers: the four fields
 * of <Credentials>, entities, fields missing, empty, too long, nested or
 * holding control characters (the field reader: test_xmltext.c).
 */
#include "base.h"
#include "aws_webid.h"
#include "tap.h"

#define OK_DOC                                                                                     \
	"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"  \
	"<AssumeRoleWithWebIdentityResult><AssumedRoleUser><AccessKeyId>decoy</AccessKeyId>"       \
	"</AssumedRoleUser><Credentials>\n"                                                        \
	"  <SessionToken>FwoG+/a&amp;b==</SessionToken>\n"                                         \
	"  <SecretAccessKey>wJalr/K7MDENG</SecretAccessKey>\n"                                     \
	"  <Expiration>2031-10-24T23:00:23Z</Expiration>\n"                                        \
	"  <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"                                               \
	"</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"

static void parse_fails(const char *xml, const char *want_msg, const char *name)
{
	struct sk_aws_creds c;
	struct sk_err e = SK_ERR_INIT;

	is_int(sk_aws_webid_parse(xml, &c, &e), -1, "%s: refused", name);
	is_str(e.msg, want_msg, "%s: message", name);
	ok(!c.access_key && !c.secret_key && !c.session_token, "%s: nothing kept", name);
}

int main(void)
{
	struct sk_aws_creds c;
	struct sk_err e = SK_ERR_INIT;
	char big[6000];

	is_int(sk_aws_webid_parse(OK_DOC, &c, &e), 0, "a real answer parses");
	is_str(c.access_key, "ASIAEXAMPLE",
	       "AccessKeyId from <Credentials>, not an earlier element");
	is_str(c.secret_key, "wJalr/K7MDENG", "SecretAccessKey");
	is_str(c.session_token, "FwoG+/a&b==", "SessionToken, &amp; decoded");
	is_str(c.expiration, "2031-10-24T23:00:23Z", "Expiration");
	sk_aws_creds_release(&c);
	ok(!c.access_key && !c.expiration[0], "release clears the struct");
	sk_aws_creds_release(&c);
	ok(1, "release twice is fine");

	is_int(sk_aws_webid_parse("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
				  "</SecretAccessKey><SessionToken>T</SessionToken></Credentials>",
				  &c, &e),
	       0, "no Expiration: still fine");
	is_str(c.expiration, "", "no Expiration: empty");
	sk_aws_creds_release(&c);

	parse_fails("<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>",
		    "STS answer: no <Credentials> element (is AWS_ENDPOINT_URL_STS an STS?)",
		    "an error document");
	parse_fails(NULL, "STS answer: no <Credentials> element (is AWS_ENDPOINT_URL_STS an STS?)",
		    "NULL");
	parse_fails("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
		    "</Credentials><SessionToken>T</SessionToken>",
		    "STS answer: no <SessionToken> in <Credentials>",
		    "SessionToken outside Credentials");
	parse_fails("<Credentials><AccessKeyId></AccessKeyId></Credentials>",
		    "STS answer: no <AccessKeyId> in <Credentials>", "empty AccessKeyId");
	parse_fails("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S\nX"
		    "</SecretAccessKey><SessionToken>T</SessionToken></Credentials>",
		    "STS answer: <SecretAccessKey> holds a control character or a space",
		    "newline in a secret");
	parse_fails("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S&nbsp;"
		    "</SecretAccessKey><SessionToken>T</SessionToken></Credentials>",
		    "STS answer: <SecretAccessKey> too long or malformed", "unknown entity");
	parse_fails("<Credentials><AccessKeyId><X>A</X></AccessKeyId></Credentials>",
		    "STS answer: <AccessKeyId> too long or malformed", "nested element");
	parse_fails("<Credentials><AccessKeyId>A</AccessKeyId>",
		    "STS answer: no <Credentials> element (is AWS_ENDPOINT_URL_STS an STS?)",
		    "Credentials not closed");

	memset(big, 'x', sizeof(big));
	memcpy(big, "<Credentials><AccessKeyId>", 26);
	snprintf(big + sizeof(big) - 60, 60, "</AccessKeyId></Credentials>");
	parse_fails(big, "STS answer: <AccessKeyId> too long or malformed", "a 6 KB field");

	return done_testing();
}
