#include "base.h"
#include "safepath.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

int sk_path_inside_workdir(const char *workdir, const char *path, struct sk_err *err)
{
	char real_dir[PATH_MAX], real[PATH_MAX];
	size_t n;

	if (!realpath(workdir, real_dir))
		return sk_err_set(err, SK_E_IO, "'%s': %s", workdir, strerror(errno));
	if (!realpath(path, real))
		return sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
	n = strlen(real_dir);
	if (n == 1) /* the work directory is "/" */
		return 1;
	return !strncmp(real, real_dir, n) && (real[n] == '/' || real[n] == '\0');
}

int sk_path_escapes_workdir(const char *workdir, const char *path, struct sk_err *err)
{
	struct stat st;
	size_t n = strlen(workdir);
	int inside;

	while (n > 1 && workdir[n - 1] == '/')
		n--;
	if (lstat(path, &st) < 0)
		return sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
	/* named inside the work directory (a bare name is relative to it), or a
	 * link itself: must stay inside */
	if (!S_ISLNK(st.st_mode) && strchr(path, '/') &&
	    !(!strncmp(path, workdir, n) && path[n] == '/'))
		return 0;
	inside = sk_path_inside_workdir(workdir, path, err);
	return inside < 0 ? -1 : !inside;
}
