/* cgroup.h - a container's cgroup, with a v1 backend (one directory per
 * controller: cpuset, cpu, memory, pids, under this process's own cgroup of
 * that controller) and a v2 backend (one directory under the unified root),
 * chosen at run time from the filesystem type of /sys/fs/cgroup. Every
 * directory is journaled as it is made. */
#ifndef ISOBENCH_CGROUP_H
#define ISOBENCH_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "core/journal.h"

struct cg_limits {
    char cpus[64];       /* cpuset list, "" = all */
    double cpu_quota;    /* CPUs worth of time, 0 = unlimited */
    unsigned cpu_weight; /* cpu-weight=: 1..10000 (v2's cpu.weight), 0 = not set */
    uint64_t mem;        /* bytes, 0 = unlimited */
    uint64_t pids;       /* 0 = unlimited */
    int devices;         /* 1: Docker's device policy (devices.h), for containers */
};

#define CG_MAX_DIRS 7
struct cgroup {
    int v2;
    char dirs[CG_MAX_DIRS][1024];
    int ndirs;
    char mem_dir[1024]; /* where memory usage is read */
    char cpu_dir[1024]; /* where CPU usage is read (v1 cpuacct; v2 the cgroup) */
    char home[512];     /* v2 --host-mem: this process's cgroup before it moved */
};

/* 1 if /sys/fs/cgroup is cgroup2, else 0 (v1 or hybrid). */
int cgroup_is_v2(void);

/* Checks limits against this host; ERR_USAGE when impossible. */
int cgroup_check(const struct cg_limits *l, struct err *e);

/* cpu-weight's range: cgroup v2's cpu.weight (100 is its default). */
#define CG_WEIGHT_MIN 1u
#define CG_WEIGHT_MAX 10000u

/* cpu-weight on cgroup v1: cpu.shares = weight x 1024 / 100, rounded to
 * the nearest (the kernel's own mapping between the two, so weight 100 is
 * v1's default 1024 shares; 1 -> 10, 10000 -> 102400, inside v1's
 * 2..262144). */
uint64_t cgroup_weight_shares(unsigned weight);

/* The cgroup file and value that cpu-weight=weight is written as: v1
 * "cpu.shares" and the shares, v2 "cpu.weight" and the weight itself.
 * Returns the file name; the value goes into val. */
const char *cgroup_weight_setting(unsigned weight, int v2, char *val, size_t len);

/* The CPU controller's directory of the cgroup process pid is in, from
 * a /proc/PID/cgroup text (changed in place): v2's "0::PATH", v1's line
 * whose controllers include "cpu" (cpu,cpuacct or cpu alone); the path
 * relative to that hierarchy's root into rel. -1 when there is none. */
int cgroup_cpuctl_rel(char *text, int v2, char *rel, size_t len);

/* The CPU weight as the kernel holds it, read back: "FILE = VALUE" of
 * the cpu.shares (v1) or cpu.weight (v2) file of the cgroup at rel
 * (relative to the cpu hierarchy's root: a runtime's cgroupsPath) or of
 * the one process pid is in. -1 with why in out when it cannot be read. */
int cgroup_weight_read_at(const char *rel, char *out, size_t len);
int cgroup_weight_read_pid(int pid, char *out, size_t len);

/* Creates the cgroup `name` with limits; journals each directory. */
int cgroup_create(struct cgroup *cg, const char *name, const struct cg_limits *l, struct journal *j,
                  struct err *e);

/* --host-mem: a memory cgroup `name` with limit bytes (swap not
 * limited), journaled, and this process moved into it, so every tenant
 * made after - a container's cgroups nest under it, a native agent or
 * QEMU inherits it - shares the limit. v1: under this process's own
 * memory cgroup. v2: under the root, with the controllers delegated, this
 * process in its leaf `name`/isobench, and every later cgroup of the
 * process made in `name` (the no-internal-processes rule). */
int cgroup_host_mem(struct cgroup *cg, const char *name, uint64_t limit, struct journal *j,
                    struct err *e);
/* Moves this process back (v1: to the parent of each of cg's
 * directories; v2: to its cgroup before) - before the journal's unwind
 * kills what is left in them. */
int cgroup_leave(const struct cgroup *cg, struct err *e);

/* Journals the directory rel (relative to each hierarchy's root: every
 * v1 hierarchy mounted under /sys/fs/cgroup, or the v2 root) that a
 * runtime is about to make for a container (runc's cgroupsPath, lxc's
 * lxc.cgroup.dir): killed early, a runtime leaves them without state its
 * own cleanup could find. A directory that never appears undoes as a
 * no-op. Journal a parent before its children: undo runs in reverse. */
int cgroup_journal_at(const char *rel, struct journal *j, struct err *e);

/* Moves pid into the cgroup (every controller). */
int cgroup_attach(const struct cgroup *cg, pid_t pid, struct err *e);

/* An accounting cgroup: no limits, only what is needed to read the CPU
 * time and memory counters of its processes (v1: a cpuacct and a memory
 * directory; v2: a plain child of the root). For environments that isolate nothing but must be
 * measured like the others (native's agents, the VM's QEMU). Journaled. */
int cgroup_create_acct(struct cgroup *cg, const char *name, struct journal *j, struct err *e);

/* Where the CPU time of the cgroup's processes (and, for a VM, its vhost
 * threads) is read, as host_cpu_read takes it: "v1:FILE" or "v2:FILE".
 * -1 when the cgroup has no CPU accounting. */
int cgroup_cpu_src(const struct cgroup *cg, char *src, size_t len);

/* The same for a cgroup a runtime made at cgroupsPath `rel` (runc). */
int cgroup_cpu_src_at(const char *rel, char *src, size_t len);
/* The same for the cgroup process pid is in (a container an engine made:
 * podman, docker); -1 when pid is gone or sits in the root cgroup. */
int cgroup_cpu_src_of_pid(int pid, char *src, size_t len);
/* The CPU-accounting cgroup in text, a /proc/PID/cgroup (changed in
 * place): v2's "0::PATH" or v1's cpuacct line; -1 when there is none or
 * it is the root. */
int cgroup_cpu_rel(char *text, int v2, char *rel, size_t len);

/* A memory cgroup's counters: major faults (events, cumulative), bytes
 * swapped out now, and on v2 kernels that count them (6.12+) the pages
 * swapped in and out (cumulative; has_swap_io 0 where they are not). */
struct cg_memcount {
    uint64_t major_faults, swap_bytes, swap_in, swap_out;
    int has_swap_io;
};

/* From a memory.stat text: v1's hierarchical total_pgmajfault and
 * total_swap, v2's pgmajfault (pswpin/pswpout when present; v2's swap
 * bytes come from memory.swap.current). -1 when a needed key is absent. */
int cgroup_memstat_parse(const char *text, int v2, struct cg_memcount *c);

/* The counters of the memory cgroup at mem_dir (-1: none, or unreadable). */
int cgroup_memcount_read(const char *mem_dir, struct cg_memcount *c);

/* Current memory charged to the cgroup, bytes (0 if unknown). */
uint64_t cgroup_memory(const struct cgroup *cg);

/* Parses a cpu list "0-2,5" into a bitmask (CPUs < 1024); -1 if malformed. */
int cgroup_parse_cpus(const char *s, unsigned char *mask, int *count);

#endif
