/* host.h - facts about the host recorded with every run: CPU, cores,
 * memory, kernel, governor, SMT, virtualisation, isobench version and build
 * flags, library versions. */
#ifndef ISOBENCH_HOST_H
#define ISOBENCH_HOST_H

#include "core/util.h"

/* What planning needs to know of the host: the sizes that "auto" options
 * and environment defaults derive from. runner_plan probes them; tests
 * fill them in to plan for hosts they do not run on. 0 = unknown. */
struct host_caps {
    int ncpus;          /* CPUs this process may use */
    uint64_t llc_bytes; /* last-level cache: the sum over its distinct instances */
    int llc_instances;  /* how many distinct last-level caches were summed */
    uint64_t mem_total; /* bytes of RAM */
    uint64_t mem_avail; /* MemAvailable, bytes */
    uint64_t data_free; /* bytes free in HOST_DATA_DIR */
};

/* Where environments keep workload data on the host by default (native's
 * data dir, container volumes, the VM's data disk file). */
#define HOST_DATA_DIR "/var/tmp"

/* Fills c from this host (sysfs, /proc/meminfo, the affinity mask). */
void host_caps_probe(struct host_caps *c);

/* Sums the last-level caches below cpu_root (normally
 * /sys/devices/system/cpu): the highest cache level any CPU lists (data
 * or unified), each instance counted once (CPUs that share it list the
 * same shared_cpu_list). STREAM's rule is 4 x this sum, not cpu0's cache:
 * on a multi-CCD or multi-socket host cpu0 sees only its own L3.
 * *instances gets the count. Returns the bytes, 0 when nothing is listed. */
uint64_t host_llc_scan(const char *cpu_root, int *instances);

/* CPU seconds read from a source an environment names: "v1:FILE" is a
 * cgroup v1 cpuacct.usage in ns, "v2:FILE" a cgroup v2 cpu.stat's
 * usage_usec, "pid:PID" a process's user + system time with its reaped
 * children's (/proc/PID/stat, every thread, in clock ticks) - for the
 * engine processes outside a container's cgroup (conmon, containerd-shim,
 * dockerd). Several sources joined by '+' are summed. 0, or -1 when any
 * part cannot be read (a process that is gone: the sample is then not
 * charged rather than charged less). */
int host_cpu_read(const char *src, double *seconds);

/* The whole host's busy CPU seconds so far (/proc/stat's first line: user,
 * nice, system, irq and softirq of every CPU; idle, iowait and steal left
 * out) - what `perf stat -a` counts, as the paper's Figure 2 did. 0 or -1. */
int host_busy_read(double *seconds);

/* The run's host facts: the above, the facts that tell hosts apart
 * (facts_probe, facts_runtimes) and the host id (facts_host_id_fact). A
 * fact that did not fit is counted in l->dropped. */
void host_facts(struct kvlist *l);

#endif
