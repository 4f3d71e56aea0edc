/*
 * mime.c: the content type of a file, from its name. See mime.h.
 */
#include "base.h"
#include "mime.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *ext, *type;
} types[] = {
	{".csv", "text/csv"},
	{".xlsx", SK_MIME_XLSX},
	{".json", "application/json"},
	{".txt", "text/plain"},
};

const char *sk_mime_type(const char *name)
{
	const char *slash = strrchr(name, '/');
	size_t n;

	name = slash ? slash + 1 : name;
	n = strlen(name);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t k = strlen(types[i].ext);

		/* a name that is only the extension (".csv") is not of that type */
		if (n > k && !strcasecmp(name + n - k, types[i].ext))
			return types[i].type;
	}
	return "application/octet-stream";
}

int sk_mime_is_text(const char *type)
{
	return !strncmp(type, "text/", 5);
}
