/* pcount.h - per-operation counters: what an environment's processes made
 * the host do during one sample (context switches, migrations, page
 * faults, CPU time; hardware counters and KVM exits where the host has
 * them), read around the sample from the same source host_cpu_read takes
 * ("v1:FILE", "v2:FILE", "pid:PID", joined by '+'), and divided by the
 * sample's units of work into perop.* metrics. A counter this host cannot
 * read is a fact counters.<name>=absent: <reason>, never a zero. */
#ifndef ISOBENCH_PCOUNT_H
#define ISOBENCH_PCOUNT_H

#include "core/result.h"

enum pc_counter {
    PC_CTXSW = 0,          /* software: context switches */
    PC_MIGRATIONS,         /* software: CPU migrations */
    PC_MINFLT,             /* software: minor page faults */
    PC_MAJFLT,             /* software: major page faults */
    PC_CYCLES,             /* hardware: CPU cycles */
    PC_INSTRUCTIONS,       /* hardware: instructions retired */
    PC_LLC_MISSES,         /* hardware cache: last-level read misses */
    PC_DTLB_MISSES,        /* hardware cache: dTLB read misses */
    PC_VMEXITS,            /* tracepoint kvm:kvm_exit */
    PC_NPERF,              /* the counters above come from perf_event_open */
    PC_USER_US = PC_NPERF, /* CPU time in user mode, us (cgroup or /proc) */
    PC_SYS_US,             /* CPU time in the kernel, us */
    PC_SOFTIRQ_US,         /* softirq time: charged to no cgroup */
    PC_N
};

/* The counter's name as metrics and facts spell it ("ctxsw"). */
const char *pcount_name(int c);

#define PC_MAX_FDS 512 /* perf fds per counter (CPUs x cgroups, or threads) */
#define PC_MAX_PARTS 8 /* sources joined by '+' */
#define PC_WHY 160

/* One part of a source: kind 'c' a cgroup (path: its directory), 'p' a
 * process (pid). */
struct pc_part {
    char kind;
    int pid;
    int v2; /* a cgroup: the file was a v2 cpu.stat (else v1 cpuacct.usage) */
    char dir[512];
};

/* Splits src into parts (a v1/v2 FILE's directory); -1 when malformed,
 * cut or more than max parts. */
int pcount_parse_src(const char *src, struct pc_part *parts, int max);

/* The directory where perf_event_open finds cgroup dir's processes: v2
 * (pure): dir itself; v1: the same path below the perf_event hierarchy
 * perf_root ("/sys/fs/cgroup/perf_event", or the hybrid unified mount
 * "/sys/fs/cgroup/unified" where perf_event is implicitly on v2). -1 when
 * dir is not below cg_root or the result is cut. */
int pcount_perf_dir(const char *cg_root, const char *dir, int v2, const char *perf_root, char *out,
                    size_t len);

/* User and system CPU seconds from a v1 cpuacct.stat (USER_HZ ticks: hz),
 * a v2 cpu.stat (user_usec, system_usec) or a /proc/PID/stat (utime,
 * stime and reaped children's cutime, cstime; ticks). kind: '1', '2',
 * 'p'. -1 when the fields are not there. */
int pcount_parse_cpu(const char *text, char kind, long hz, double *user_s, double *sys_s);

/* What one sample's counters read: value[c] valid when have[c], else
 * why[c] says why the counter is absent here. */
struct pc_vals {
    char how[96]; /* where perf counted: "cgroup" (per CPU), "threads:N", both; "" nowhere */
    double value[PC_N];
    int have[PC_N];
    char why[PC_N][PC_WHY];
};

struct pcount {
    int fd[PC_NPERF][PC_MAX_FDS];
    int nfd[PC_NPERF];
    int mode; /* 'c' per cgroup and CPU, 't' per thread with inherit */
    struct pc_part part[PC_MAX_PARTS];
    int nparts;
    double user0, sys0;
    int cpu_ok;
    struct pc_vals v; /* have/why settled at open */
};

/* Opens every counter for src's processes (before the sample; once per
 * sample, not per operation). Never fails: a counter that cannot be
 * opened is absent in pc->v with the reason (errno named). */
void pcount_open(struct pcount *pc, const char *src);
/* The counts since pcount_open into v, then closes every counter. */
void pcount_close(struct pcount *pc, struct pc_vals *v);

/* Into r: for units > 0 of unit ("request", "I/O", "GB"), the fact
 * perop.unit=<unit>, a metric perop.<counter> (lower is better, unit
 * "/<unit>" or "us/<unit>") for every counter v has, perop.host_cpu_us
 * from host_cpu_s when >= 0, and counters.<name>=absent: <why> for every
 * counter it has not, and perop.source=<v->how>. units <= 0 or unit NULL/"none": nothing. */
int pcount_result(const struct pc_vals *v, double host_cpu_s, const char *unit, double units,
                  struct result *r, struct err *e);

/* 1 when a metric is a per-operation counter (perop.*): kept apart from
 * the tables, overheads and intervals of the headline metrics. */
int pcount_is_perop(const char *metric);

#endif
