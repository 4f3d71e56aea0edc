#include "base.h"
#include "errors.h"

int sk_err_set(struct sk_err *err, enum sk_ecode code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int sk_err_prefix(struct sk_err *err, const char *fmt, ...)
{
	char old[SK_ERR_MSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* truncation is fine: the message stays a valid, shorter string */
	if (n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", old);
	if (err->code == SK_E_NONE)
		err->code = SK_E_PERMANENT;
	return -1;
}

void sk_err_clear(struct sk_err *err)
{
	if (!err)
		return;
	err->code = SK_E_NONE;
	err->msg[0] = '\0';
}

const char *sk_ecode_name(enum sk_ecode code)
{
	static const char *const names[] = {
		[SK_E_NONE] = "none",		[SK_E_USAGE] = "usage",
		[SK_E_DATA] = "data",		[SK_E_IO] = "io",
		[SK_E_PERMANENT] = "permanent", [SK_E_TRANSIENT] = "transient",
		[SK_E_QUALITY] = "quality",	[SK_E_INTERRUPTED] = "interrupted",
		[SK_E_NOMEM] = "nomem",
	};

	if ((size_t)code >= SK_ARRAY_SIZE(names) || !names[code])
		return "unknown";
	return names[code];
}

int sk_ecode_exit(enum sk_ecode code)
{
	switch (code) {
	case SK_E_NONE:
		return SK_EXIT_OK;
	case SK_E_USAGE:
		return SK_EXIT_USAGE;
	case SK_E_TRANSIENT:
		return SK_EXIT_TEMPFAIL;
	case SK_E_QUALITY:
		return SK_EXIT_QUALITY;
	default:
		return SK_EXIT_FAIL;
	}
}
