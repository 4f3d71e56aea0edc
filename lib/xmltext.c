#include "base.h"
#include "xmltext.h"

#include <string.h>

static const struct {
	const char *ent;
	char c;
} entities[] = {{"&quot;", '"'}, {"&amp;", '&'}, {"&lt;", '<'},  {"&gt;", '>'},
		{"&apos;", '\''}, {"&#34;", '"'}, {"&#39;", '\''}};

/* The entity at `b` (before `e`): its length, with its character in *c; 0 if none known. */
static size_t entity_at(const char *b, const char *e, char *c)
{
	for (size_t i = 0; i < SK_ARRAY_SIZE(entities); i++) {
		size_t l = strlen(entities[i].ent);

		if ((size_t)(e - b) >= l && !strncmp(b, entities[i].ent, l)) {
			*c = entities[i].c;
			return l;
		}
	}
	return 0;
}

int sk_xml_text(const char *xml, size_t len, const char *tag, enum sk_xml_fit fit, char *out,
		size_t outsz)
{
	const char *end = xml ? xml + len : NULL, *b = NULL, *e;
	size_t tl = strlen(tag), n = 0;

	if (outsz)
		out[0] = '\0';
	if (!xml)
		return 0;
	for (const char *p = xml; p + tl + 2 <= end; p++)
		if (p[0] == '<' && !strncmp(p + 1, tag, tl) && p[tl + 1] == '>') {
			b = p + tl + 2;
			break;
		}
	if (!b)
		return 0;
	for (e = b; e + tl + 3 <= end; e++)
		if (e[0] == '<' && e[1] == '/' && !strncmp(e + 2, tag, tl) && e[tl + 2] == '>')
			break;
	if (e + tl + 3 > end)
		return 0; /* not closed */
	while (b < e) {
		char c = *b;
		size_t l = c == '&' ? entity_at(b, e, &c) : 1;

		if (l == 0 || *b == '<') {
			if (fit == SK_XML_WHOLE)
				goto bad; /* an unknown entity, a child element: not a text field */
			l = 1;
		}
		if (n + 1 >= outsz) {
			if (fit == SK_XML_WHOLE)
				goto bad;
			break;
		}
		out[n++] = c;
		b += l;
	}
	if (outsz)
		out[n] = '\0';
	return 1;
bad:
	if (outsz)
		explicit_bzero(out, outsz);
	return -1;
}
