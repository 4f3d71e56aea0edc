#include "base.h"
#include "cpus.h"

#include <limits.h>
#include <sched.h>

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

int sk_cgroup_cpus(const char *root)
{
	char path[PATH_MAX];
	FILE *fp;
	long long quota = -1, period = 0;
	char q[32];

	snprintf(path, sizeof(path), "%s/cpu.max", root);
	fp = fopen(path, "r");

	if (fp) {
		if (fscanf(fp, "%31s %lld", q, &period) == 2 && strcmp(q, "max") != 0)
			quota = strtoll(q, NULL, 10);
		fclose(fp);
	} else {
		static const char *const v1[] = {"cpu", "cpu,cpuacct"};
		for (size_t i = 0; i < SK_ARRAY_SIZE(v1) && quota < 0; i++) {
			snprintf(path, sizeof(path), "%s/%s/cpu.cfs_quota_us", root, v1[i]);
			quota = read_number(path);
			snprintf(path, sizeof(path), "%s/%s/cpu.cfs_period_us", root, v1[i]);
			period = read_number(path);
		}
	}
	if (quota <= 0 || period <= 0)
		return 0;
	return (int)((quota + period - 1) / period);
}

int sk_cpu_count(void)
{
	cpu_set_t set;
	int n = 1, quota = sk_cgroup_cpus("/sys/fs/cgroup");

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
