/*
 * Unit tests for lib/xmltext.c: the text of one element of S3's and STS's
 * answers, whole (credentials, upload ids) or cut (messages).
 */
#include "base.h"
#include "xmltext.h"
#include "tap.h"

#include <string.h>

#define X(s) s, sizeof(s) - 1

int main(void)
{
	char out[16], v[128];
	const char *init = "<?xml version=\"1.0\"?><InitiateMultipartUploadResult><Bucket>reports</Bucket>"
			   "<UploadId>VXBsb2FkIElE.-_x</UploadId></InitiateMultipartUploadResult>";
	const char *done = "<CompleteMultipartUploadResult><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;"
			   "</ETag></CompleteMultipartUploadResult>";
	const char *error = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate &amp; "
			    "retry.</Message></Error>";

	/* S3's answers */
	is_int(sk_xml_text(init, strlen(init), "UploadId", SK_XML_WHOLE, v, sizeof(v)), 1, "UploadId found");
	is_str(v, "VXBsb2FkIElE.-_x", "UploadId text");
	is_int(sk_xml_text(done, strlen(done), "ETag", SK_XML_WHOLE, v, sizeof(v)), 1, "ETag found");
	is_str(v, "\"3858f62230ac3c915f300c664312c11f-9\"", "&quot; decoded");
	is_int(sk_xml_text(error, strlen(error), "Message", SK_XML_CUT, v, sizeof(v)), 1, "Message found");
	is_str(v, "Please reduce your request rate & retry.", "&amp; decoded");
	is_int(sk_xml_text(init, strlen(init), "Key", SK_XML_WHOLE, v, sizeof(v)), 0, "missing tag");
	is_str(v, "", "missing tag: out empty");
	is_int(sk_xml_text(NULL, 0, "Key", SK_XML_CUT, v, sizeof(v)), 0, "no document");

	/* the edges */
	is_int(sk_xml_text(X("<Ab>1</Ab><A>2</A>"), "A", SK_XML_WHOLE, out, sizeof(out)), 1, "exact tag");
	is_str(out, "2", "exact tag: not <Ab>");
	is_int(sk_xml_text("<A>123</A>", 6, "A", SK_XML_WHOLE, out, sizeof(out)), 0,
	       "closing tag beyond len: absent");
	is_int(sk_xml_text(X("<A>0123456789abcdef</A>"), "A", SK_XML_WHOLE, out, sizeof(out)), -1,
	       "whole: longer than out: -1");
	is_str(out, "", "whole: longer than out: out emptied");
	is_int(sk_xml_text(X("<A>0123456789abcdef</A>"), "A", SK_XML_CUT, out, sizeof(out)), 1,
	       "cut: longer than out: found");
	is_str(out, "0123456789abcde", "cut: cut to fit");
	is_int(sk_xml_text(X("<A>&lt;&gt;&quot;&apos;&#34;&#39;</A>"), "A", SK_XML_WHOLE, out,
			   sizeof(out)),
	       1, "entities");
	is_str(out, "<>\"'\"'", "entities decoded, &lt; not taken for a child element");
	is_int(sk_xml_text(X("<A></A>"), "A", SK_XML_WHOLE, out, sizeof(out)), 1, "empty element");
	is_str(out, "", "empty element: empty");
	is_int(sk_xml_text(X("<A>x&amp"), "A", SK_XML_WHOLE, out, sizeof(out)), 0, "cut short: absent");
	is_int(sk_xml_text(X("<A>a&#x41;b</A>"), "A", SK_XML_WHOLE, out, sizeof(out)), -1,
	       "whole: an unknown entity: -1");
	is_int(sk_xml_text(X("<A>a&#x41;b</A>"), "A", SK_XML_CUT, out, sizeof(out)), 1,
	       "cut: an unknown entity: found");
	is_str(out, "a&#x41;b", "cut: an unknown entity kept as it is");
	is_int(sk_xml_text(X("<A><B>1</B></A>"), "A", SK_XML_WHOLE, out, sizeof(out)), -1,
	       "whole: a child element: -1");
	is_int(sk_xml_text(X("<A>12</A>"), "A", SK_XML_WHOLE, out, 0), -1, "no room at all: -1");
	return done_testing();
}
