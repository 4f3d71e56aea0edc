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

/* Write `text` to ROOT/REL, creating the directories of REL first. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
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

/* One change to the fake tree: write `text` to `file` (NULL: remove it),
 * then, when `name` is set, check that the quota is `want`. */
struct step {
	const char *file, *text;
	int want;
	const char *name;
};

/* Apply `n` steps in order, reading the own cgroup from `self` (or NULL). */
static void run_steps(const struct step *steps, size_t n, const char *self)
{
	for (size_t i = 0; i < n; i++) {
		if (steps[i].text)
			put(steps[i].file, steps[i].text);
		else
			drop(steps[i].file);
		if (steps[i].name)
			is_int(sk_cgroup_cpus(root, self), steps[i].want, "%s", steps[i].name);
	}
}

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	int n = 0;

	if (!mkdtemp(root))
		return 1;
	/* the mount's root alone */
	static const struct step steps[] = {
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
	run_steps(steps, SK_ARRAY_SIZE(steps), NULL);

	/* the own cgroup from a /proc/self/cgroup-style file, and its parents */
	static const struct step own[] = {
		{"self", "0::/a/b\n", 0, NULL},
		{"cgroup.controllers", "cpu memory\n", 0, "v2, no cpu.max anywhere: no quota"},
		{"a/b/cpu.max", "300000 100000\n", 3, "v2: the own cgroup's quota (/a/b: 3)"},
		{"a/cpu.max", "100000 100000\n", 1, "v2: a parent's smaller quota binds (/a: 1)"},
		{"a/cpu.max", "max 100000\n", 3, "v2: a parent without quota leaves the own one"},
		{"self", "0::/host/path/of/the/container\n", 0,
		 "v2: levels missing here are skipped, up to the root"},
		{"cpu.max", "200000 100000\n", 2, "v2: ... whose quota counts (2)"},
		{"self", "12:memory:/x\n0::/a/b\n", 2, "v2: the root's 2 is below /a/b's 3"},
		{"cpu.max", NULL, 0, NULL},
		{"a/cpu.max", NULL, 0, NULL},
		{"a/b/cpu.max", NULL, 0, NULL},
		{"cgroup.controllers", NULL, 0, "v1 now: no cpu hierarchy, no quota"},
		{"self", "4:cpuacct:/nope\n3:cpu,cpuacct:/job\n", 0, NULL},
		{"cpu,cpuacct/job/cpu.cfs_quota_us", "150000\n", 0, NULL},
		{"cpu,cpuacct/job/cpu.cfs_period_us", "100000\n", 2,
		 "v1: the line naming the cpu controller gives the path (/job: 2)"},
		{"self", "3:cpu,cpuacct:/\n", 0, "v1: the root's own cgroup has no quota"},
		{"cpu,cpuacct/job/cpu.cfs_quota_us", NULL, 0, NULL},
		{"cpu,cpuacct/job/cpu.cfs_period_us", NULL, 0, NULL},
		{"self", NULL, 0, NULL},
	};
	char self[PATH_MAX];
	snprintf(self, sizeof(self), "%s/self", root);
	run_steps(own, SK_ARRAY_SIZE(own), self);

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
		snprintf(dir, sizeof(dir), "%s/cpu,cpuacct/job", root);
		rmdir(dir);
		snprintf(dir, sizeof(dir), "%s/cpu,cpuacct", root);
		rmdir(dir);
		snprintf(dir, sizeof(dir), "%s/a/b", root);
		rmdir(dir);
		snprintf(dir, sizeof(dir), "%s/a", root);
		rmdir(dir);
	}
	rmdir(root);
	return done_testing();
}
