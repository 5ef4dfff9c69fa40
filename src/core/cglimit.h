/* cglimit.h - the CPU limit a process can see of its own cgroup, as a JVM
 * or Go's automaxprocs sizes its threads: the CPU bandwidth quota
 * (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us) of its cgroup and
 * every ancestor it can see, the smallest one. Read through the cgroup
 * view mounted at /sys/fs/cgroup - inside a cgroup namespace the process's
 * own cgroup is that view's root, so nothing above it is seen (as in a
 * Docker container). */
#ifndef ISOBENCH_CGLIMIT_H
#define ISOBENCH_CGLIMIT_H

#include <stddef.h>

#include "core/err.h"

enum cg_seen {
    CG_NOVIEW = 0, /* no cgroup file system with a CPU controller is visible */
    CG_NOLIMIT,    /* visible, and no quota anywhere up the path */
    CG_LIMIT,      /* a quota: *cpus holds it (quota / period, a fraction) */
};

/* Reads the limit for the process whose /proc/PID/cgroup text is given,
 * under the view rooted at root (normally "/sys/fs/cgroup"; tests pass a
 * directory of fixture files). *cpus gets quota/period when CG_LIMIT;
 * where gets the file the limit came from, or why there is no view.
 * Returns the enum cg_seen, or -1 (ERR_FAIL) when a file is there but
 * unreadable or malformed, or where is too short. */
int cg_cpu_limit(const char *proc_cgroup, const char *root, double *cpus, char *where, size_t len,
                 struct err *e);

/* The CPUs a thread count should use: ncpus (what the process may run
 * on) capped by ceil(cpus) when the quota is smaller, never below 1. */
int cg_cpus_for(int ncpus, double cpus);

#endif
