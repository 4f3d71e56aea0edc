#include "base.h"
#include "upload_step.h"
#include "safepath.h"
#include "fsutil.h"
#include "log.h"
#include "step.h"

#include <sys/stat.h>
#include <sys/time.h>

/* What the analyze steps write, in DAG order (analyze.h names them too, but
 * linking analyze.o would pull libcsv into every upload tool). */
static const char *const default_files[] = {"sales_report.csv", "customer_report.csv",
					     "product_report.csv"};

#define PROGRESS_EVERY_SEC 5.0

int sk_upload_names(int argc, char **argv, const char *const **names)
{
	if (argc > 0) {
		*names = (const char *const *)argv;
		return argc;
	}
	*names = default_files;
	return (int)SK_ARRAY_SIZE(default_files);
}

int sk_upload_link_check(const char *workdir, const char *path, int follow, struct sk_err *err)
{
	struct sk_err unresolved = SK_ERR_INIT; /* the open that follows reports it */
	char real[PATH_MAX];
	struct stat st;

	if (follow)
		return 0;
	if (!workdir || !*workdir)
		workdir = ".";
	if (sk_path_escapes_workdir(workdir, path, &unresolved) <= 0 || !realpath(path, real) ||
	    lstat(path, &st) < 0)
		return 0;
	return sk_err_set(err, SK_E_PERMANENT, "'%s': %s to '%s', outside the work directory "
			  "'%s': refusing to send it (allow links with --follow-symlinks or "
			  "STEPKIT_FOLLOW_SYMLINKS=1)", path,
			  S_ISLNK(st.st_mode) ? "a symbolic link" : "leads through a symbolic link",
			  real, workdir);
}

int sk_upload_local(struct sk_step *s, const char *arg, char path[PATH_MAX], const char **name,
		    int follow, struct sk_err *err)
{
	struct stat st;
	const char *slash;

	if (sk_path_join(path, sk_step_workdir(s), arg, err) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sk_err_set(err, SK_E_IO, "'%s': not a regular file", path);
	if (sk_upload_link_check(sk_step_workdir(s), path, follow, err) < 0)
		return -1;
	slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	return 0;
}

void sk_upload_record(struct sk_step *s, const struct sk_upload_record *r)
{
	struct sk_file_info info = {0};

	snprintf(info.path, sizeof(info.path), "%s", r->remote);
	info.bytes = r->bytes;
	snprintf(info.sha256, sizeof(info.sha256), "%s", r->sha256);
	sk_step_output_copy(s, &info, r->source, r->url, r->seconds, r->attempts);
	sk_upload_count(s, r->bytes);
}

void sk_upload_counts_begin(struct sk_step *s)
{
	sk_step_count(s, "files", 0);
	sk_step_count(s, "bytes", 0);
}

void sk_upload_count(struct sk_step *s, unsigned long long bytes)
{
	sk_step_count(s, "files", 1);
	sk_step_count(s, "bytes", (long long)bytes);
}

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void sk_upload_progress_start(struct sk_upload_progress *p)
{
	p->last = now();
}

void sk_upload_progress(struct sk_upload_progress *p, const char *name, unsigned long long done,
			unsigned long long total)
{
	if (now() - p->last < PROGRESS_EVERY_SEC)
		return;
	p->last = now();
	sk_infof("progress: '%s': %llu of %llu MiB", name, done >> 20, total >> 20);
}

int sk_upload_secret(const char *name, int required, char **out, struct sk_err *err)
{
	struct sk_err e = SK_ERR_INIT; /* sk_env_secret() leaves it untouched when unset */

	*out = sk_env_secret(name, &e);
	if (*out)
		return 0;
	if (e.code != SK_E_NONE) {
		*err = e;
		return -1;
	}
	if (required)
		return sk_err_set(err, SK_E_USAGE, "no %s (or %s_FILE)", name, name);
	return 0;
}

void sk_upload_secret_free(char *secret)
{
	if (secret)
		explicit_bzero(secret, strlen(secret));
	free(secret);
}

int sk_upload_seconds(const char *v, const char *name, double dflt, double *out,
		      struct sk_err *err)
{
	char *end;

	*out = dflt;
	if (!v || !*v)
		return 0;
	errno = 0;
	*out = strtod(v, &end);
	if (errno || *end || !(*out > 0 && *out <= 86400))
		return sk_err_set(err, SK_E_USAGE, "%s '%s': expected seconds above 0 (at most 86400)",
				  name, v);
	return 0;
}

int sk_upload_bool(const char *v, const char *name, int *out, struct sk_err *err)
{
	*out = 0;
	if (!v || !*v || !strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no"))
		return 0;
	if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes")) {
		*out = 1;
		return 0;
	}
	return sk_err_set(err, SK_E_USAGE, "%s '%s': use 1 or 0 (true or false)", name, v);
}
