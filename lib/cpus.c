#include "base.h"
#include "cpus.h"

#include <sched.h>

/* The cgroup v2 quota ("max 100000" or "150000 100000") in whole CPUs, or 0 for none. */
static int cgroup_cpus(void)
{
	FILE *fp = fopen("/sys/fs/cgroup/cpu.max", "r");
	char quota[32];
	unsigned long period;
	int n = 0;

	if (!fp)
		return 0;
	if (fscanf(fp, "%31s %lu", quota, &period) == 2 && strcmp(quota, "max") != 0 && period) {
		unsigned long q = strtoul(quota, NULL, 10);
		n = (int)((q + period - 1) / period);
	}
	fclose(fp);
	return n;
}

int sk_cpu_count(void)
{
	cpu_set_t set;
	int n = 1, quota = cgroup_cpus();

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
