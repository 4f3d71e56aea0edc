#include "base.h"
#include "cpus.h"

#include <limits.h>
#include <sched.h>
#include <sys/stat.h>

/* A number from the first line of `path`, or -1. */
static long long read_number(const char *path)
{
	FILE *fp = fopen(path, "r");
	long long v = -1;

	if (fp) {
		if (fscanf(fp, "%lld", &v) != 1)
			v = -1;
		fclose(fp);
	}
	return v;
}

/* CPUs (rounded up) of a quota of `quota` per `period`, or 0: none. */
static int quota_cpus(long long quota, long long period)
{
	if (quota <= 0 || period <= 0)
		return 0;
	return (int)((quota + period - 1) / period);
}

/* cgroup v2: DIR/cpu.max, "max 100000" (none) or "150000 100000". */
static int v2_cpus(const char *dir)
{
	char path[PATH_MAX], q[32];
	long long period = 0;
	int n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	if ((fp = fopen(path, "r"))) {
		if (fscanf(fp, "%31s %lld", q, &period) == 2 && strcmp(q, "max") != 0)
			n = quota_cpus(strtoll(q, NULL, 10), period);
		fclose(fp);
	}
	return n;
}

/* cgroup v1: DIR/cpu.cfs_quota_us (-1: none) and DIR/cpu.cfs_period_us. */
static int v1_cpus(const char *dir)
{
	char path[PATH_MAX];
	long long quota, period;

	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	quota = read_number(path);
	snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
	period = read_number(path);
	return quota_cpus(quota, period);
}

/*
 * The own cgroup's path for the hierarchy that has `controller` ("" for
 * cgroup v2's unified line "0::PATH") in the /proc/self/cgroup-style file
 * `self`, into `out`; "/" when it is not there.
 */
static void own_path(const char *self, const char *controller, char *out, size_t outsz)
{
	char line[PATH_MAX + 128];
	FILE *fp = self ? fopen(self, "r") : NULL;

	snprintf(out, outsz, "/");
	while (fp && fgets(line, sizeof(line), fp)) {
		char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;
		int match = 0;

		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		ctl++;
		if (!*controller) {
			match = !*ctl && !strncmp(line, "0:", 2);
		} else {
			size_t n = strlen(controller);
			for (char *c = ctl; c && !match; c = strchr(c, ',') ? strchr(c, ',') + 1 : NULL)
				match = !strncmp(c, controller, n) && (c[n] == ',' || !c[n]);
		}
		if (match && *path == '/') {
			snprintf(out, outsz, "%s", path);
			break;
		}
	}
	if (fp)
		fclose(fp);
}

/*
 * The smallest quota on the way from BASE + REL up to BASE itself: a limit
 * set on a parent (a systemd slice, a pod) binds its children too. Levels
 * that do not exist here are skipped: a container sees its own cgroup at
 * the mount's root while /proc/self/cgroup may still name the host's path.
 */
static int smallest_on_path(const char *base, const char *rel, int (*cpus_at)(const char *dir))
{
	char dir[PATH_MAX];
	size_t baselen = strlen(base);
	int best = 0;

	if (snprintf(dir, sizeof(dir), "%s%s", base, strcmp(rel, "/") ? rel : "") >=
	    (int)sizeof(dir))
		snprintf(dir, sizeof(dir), "%s", base);
	for (;;) {
		int n = cpus_at(dir);
		char *slash;

		if (n > 0 && (best == 0 || n < best))
			best = n;
		if (strlen(dir) <= baselen || !(slash = strrchr(dir, '/')) ||
		    (size_t)(slash - dir) < baselen)
			break;
		*slash = '\0';
	}
	return best;
}

/* DIR/NAME exists. */
static int exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

int sk_cgroup_cpus(const char *root, const char *self)
{
	static const char *const v1[] = {"cpu", "cpu,cpuacct"};
	char rel[PATH_MAX];

	if (exists(root, "cgroup.controllers") || exists(root, "cpu.max")) {
		own_path(self, "", rel, sizeof(rel));
		return smallest_on_path(root, rel, v2_cpus);
	}
	own_path(self, "cpu", rel, sizeof(rel));
	for (size_t i = 0; i < SK_ARRAY_SIZE(v1); i++) {
		char dir[PATH_MAX];
		int n;

		snprintf(dir, sizeof(dir), "%s/%s", root, v1[i]);
		if (exists(root, v1[i]) && (n = smallest_on_path(dir, rel, v1_cpus)) > 0)
			return n;
	}
	return 0;
}

int sk_cpu_count(void)
{
	cpu_set_t set;
	int n = 1, quota = sk_cgroup_cpus("/sys/fs/cgroup", "/proc/self/cgroup");

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (quota > 0 && quota < n)
		n = quota;
	return n > 0 ? n : 1;
}

int sk_threads_setting(const char *value, int by_default, int max, const char *what,
		       int *threads, struct sk_err *err)
{
	char *end;
	long n;

	if (!value || !*value) {
		n = sk_cpu_count();
		*threads = n < by_default ? (int)n : by_default;
		return 0;
	}
	errno = 0;
	n = strtol(value, &end, 10);
	if (errno || *end || end == value || n < 1 || n > max)
		return sk_err_set(err, SK_E_USAGE, "%s: '%s' is not a number from 1 to %d", what,
				  value, max);
	*threads = (int)n;
	return 0;
}
