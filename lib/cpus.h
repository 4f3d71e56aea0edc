/*
 * cpus.h: how many CPUs this process may use, for steps that split their
 * work over threads.
 */
#ifndef SK_CPUS_H
#define SK_CPUS_H

#include "errors.h"

/*
 * CPUs this process may run on (its affinity mask), lowered to the cgroup
 * CPU quota (v2 or v1; sk_cgroup_cpus) rounded up (a container limited to
 * 1.5 CPUs gets 2; a systemd slice with CPUQuota=200% gives 2).
 * At least 1.
 */
int sk_cpu_count(void);

/*
 * The CPU quota binding this process, in whole CPUs rounded up, or 0 for
 * none, read from the cgroup file system mounted at `root`
 * ("/sys/fs/cgroup"): the smallest quota on the way from the own cgroup
 * (named in `self`, "/proc/self/cgroup"; NULL: the root) up to the root,
 * levels missing here skipped (a container sees its own cgroup at the
 * root). cgroup v2 (ROOT/cgroup.controllers): each level's cpu.max ("max
 * 100000" or "150000 100000"); else cgroup v1: cpu.cfs_quota_us (-1: none)
 * and cpu.cfs_period_us under ROOT/cpu or ROOT/cpu,cpuacct.
 */
int sk_cgroup_cpus(const char *root, const char *self);

/*
 * The thread count a step should use: `value` (a --threads/STEPKIT_THREADS
 * setting, "1" to "max") or, when it is NULL or empty, sk_cpu_count() but no
 * more than `by_default`. 0, or -1 with `err` (SK_E_USAGE) naming `what` (the
 * option) when `value` is not a number from 1 to `max`.
 */
int sk_threads_setting(const char *value, int by_default, int max, const char *what,
		       int *threads, struct sk_err *err);

#endif
