#ifndef SK_XMLTEXT_H
#define SK_XMLTEXT_H

#include <stddef.h>

/*
 * The text of one element of the small XML answers of S3 and STS, without
 * an XML parser: they are flat, and we read a handful of known fields.
 */

/* SK_XML_WHOLE: the text must fit (a credential, an upload id); SK_XML_CUT: a
 * longer one is cut (a message for a person). */
enum sk_xml_fit { SK_XML_WHOLE, SK_XML_CUT };

/*
 * Copy the text of the first <tag>...</tag> inside `xml[0..len)` (exactly
 * that tag: not <tagX>, no attributes) into `out`, NUL-terminated, with the
 * XML entities decoded (&quot; &amp; &lt; &gt; &apos; &#34; &#39;).
 * 1 found; 0 absent, not closed within `len`, or `xml` NULL; -1 when, with
 * SK_XML_WHOLE, the text is longer than `outsz` - 1 or holds an unknown
 * entity or a child element (with SK_XML_CUT these are copied as they are
 * and the text cut to fit). `out` is "" unless 1 is returned (and cleared
 * with explicit_bzero on -1: it may be a secret's first bytes).
 */
int sk_xml_text(const char *xml, size_t len, const char *tag, enum sk_xml_fit fit, char *out,
		size_t outsz);

#endif
