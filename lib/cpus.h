/*
 * cpus.h: how many CPUs this process may use, for steps that split their
 * work over threads.
 */
#ifndef SK_CPUS_H
#define SK_CPUS_H

#include "errors.h"

/*
 * CPUs this process may run on (its affinity mask), lowered to the cgroup
 * CPU quota (v2 or v1) rounded up (a container limited to 1.5 CPUs gets 2).
 * At least 1.
 */
int sk_cpu_count(void);

/*
 * The CPU quota of the cgroup mounted at `root` ("/sys/fs/cgroup": a
 * container sees its own cgroup there) in whole CPUs, rounded up, or 0 for
 * none: cgroup v2's ROOT/cpu.max ("max 100000" or "150000 100000"), else
 * cgroup v1's cpu.cfs_quota_us / cpu.cfs_period_us (quota -1: none) in
 * ROOT/cpu or ROOT/cpu,cpuacct.
 */
int sk_cgroup_cpus(const char *root);

/*
 * The thread count a step should use: `value` (a --threads/STEPKIT_THREADS
 * setting, "1" to "max") or, when it is NULL or empty, sk_cpu_count() but no
 * more than `by_default`. 0, or -1 with `err` (SK_E_USAGE) naming `what` (the
 * option) when `value` is not a number from 1 to `max`.
 */
int sk_threads_setting(const char *value, int by_default, int max, const char *what,
		       int *threads, struct sk_err *err);

#endif
