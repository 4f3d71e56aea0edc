#include "base.h"
#include "upstream.h"

#include "log.h"

#include <jansson.h>
#include <limits.h>

int sk_upstream_check(const char *input, const char *step, const char *ignore,
		      struct sk_err *err)
{
	char ev[PATH_MAX];
	const char *slash = strrchr(input, '/'), *status, *msg = NULL;
	json_t *root = NULL, *e;
	size_t n = slash ? (size_t)(slash - input) : 1;
	int ret = 0;

	if (slash && n == 0)
		n = 1; /* "/file": the root directory */
	/* the event beside the input: DIR/events/STEP.json */
	if ((size_t)snprintf(ev, sizeof(ev), "%.*s/events/%s.json", (int)n, slash ? input : ".",
			     step) >= sizeof(ev))
		goto out; /* no such event can be named: nothing to check */
	/* A missing or unreadable event (a step run without one) is no verdict. */
	if (!(root = json_load_file(ev, 0, NULL)))
		goto out;
	status = json_string_value(json_object_get(root, "status"));
	if (!status || strcmp(status, "succeeded") == 0)
		goto out;
	e = json_object_get(root, "error");
	if (json_is_object(e))
		msg = json_string_value(json_object_get(e, "message"));
	sk_err_set(err, SK_E_PERMANENT,
		   "'%s': %s %s in this directory (%s%s%s), so the file is from an earlier run: "
		   "run %s again, or pass --ignore-upstream to read it anyway",
		   input, step, status, ev, msg ? ": " : "", msg ? msg : "", step);
	ret = -1;
	if (ignore && *ignore && strcmp(ignore, "0") != 0) {
		sk_warnf("%s (--ignore-upstream: reading it)", err->msg);
		sk_err_clear(err);
		ret = 0;
	}
out:
	json_decref(root);
	return ret;
}
