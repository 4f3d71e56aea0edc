/*
 * Unit tests for lib/cpus.c: the cgroup CPU quota (v2 and v1) read from a
 * fake cgroup tree, and the --threads setting.
 */
#include "base.h"
#include "cpus.h"
#include "tap.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/sk-cpus-XXXXXX";

/* Write `text` to ROOT/REL, creating ROOT/DIR of REL first. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(rel, '/');
	FILE *fp;

	if (slash) {
		snprintf(dir, sizeof(dir), "%s/%.*s", root, (int)(slash - rel), rel);
		mkdir(dir, 0755);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fp = fopen(path, "w");
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void drop(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
}

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	int n = 0;

	if (!mkdtemp(root))
		return 1;
	/* each step writes (or, text NULL, removes) one file of the fake tree,
	 * then checks the quota when `name` is set */
	static const struct {
		const char *file, *text;
		int want;
		const char *name;
	} steps[] = {
		{"cpu.max", NULL, 0, "no cgroup files: no quota"},
		{"cpu.max", "max 100000\n", 0, "v2 'max 100000': no quota"},
		{"cpu.max", "150000 100000\n", 2, "v2 1.5 CPUs: 2 (rounded up)"},
		{"cpu.max", "50000 100000\n", 1, "v2 half a CPU: 1"},
		{"cpu.max", "400000 100000\n", 4, "v2 4 CPUs: 4"},
		{"cpu.max", "garbage\n", 0, "v2 unreadable cpu.max: no quota"},
		{"cpu/cpu.cfs_quota_us", "100000\n", 0, NULL},
		{"cpu/cpu.cfs_period_us", "100000\n", 0, "v2 present: the v1 files are not read"},
		{"cpu.max", NULL, 1, "v1 cpu/: 1 CPU"},
		{"cpu/cpu.cfs_quota_us", "250000\n", 3, "v1 cpu/: 2.5 CPUs: 3"},
		{"cpu/cpu.cfs_quota_us", "-1\n", 0, "v1 quota -1: no quota"},
		{"cpu,cpuacct/cpu.cfs_quota_us", "200000\n", 0, NULL},
		{"cpu,cpuacct/cpu.cfs_period_us", "100000\n", 2,
		 "v1 cpu/ without quota, cpu,cpuacct/ with 2 CPUs: 2"},
		{"cpu/cpu.cfs_quota_us", NULL, 0, NULL},
		{"cpu/cpu.cfs_period_us", NULL, 0, NULL},
		{"cpu,cpuacct/cpu.cfs_period_us", "0\n", 0, "v1 period 0: no quota (no division by zero)"},
		{"cpu,cpuacct/cpu.cfs_quota_us", NULL, 0, NULL},
		{"cpu,cpuacct/cpu.cfs_period_us", NULL, 0, NULL},
	};
	for (size_t i = 0; i < SK_ARRAY_SIZE(steps); i++) {
		if (steps[i].text)
			put(steps[i].file, steps[i].text);
		else
			drop(steps[i].file);
		if (steps[i].name)
			is_int(sk_cgroup_cpus(root), steps[i].want, "%s", steps[i].name);
	}

	ok(sk_cpu_count() >= 1, "sk_cpu_count: at least 1");
	ok(sk_threads_setting("3", 4, 8, "--threads", &n, &err) == 0 && n == 3, "--threads 3");
	ok(sk_threads_setting(NULL, 1, 8, "--threads", &n, &err) == 0 && n == 1,
	   "unset: the CPUs, capped by the default");
	ok(sk_threads_setting("9", 4, 8, "--threads", &n, &err) < 0 && err.code == SK_E_USAGE,
	   "--threads 9 above the maximum: usage error");
	is_str(err.msg, "--threads: '9' is not a number from 1 to 8", "the message names the setting");
	ok(sk_threads_setting("2x", 4, 8, "--threads", &n, &err) < 0, "--threads 2x refused");

	{
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/cpu", root);
		rmdir(dir);
		snprintf(dir, sizeof(dir), "%s/cpu,cpuacct", root);
		rmdir(dir);
	}
	rmdir(root);
	return done_testing();
}
