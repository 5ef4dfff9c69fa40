/* scenario.h - several environments live at once. A scenario brings up
 * tenants (instances of the environments given with -e, each with its own
 * ctx, journal entries, channel and facts), gives them roles, runs steps
 * (a parameter swept) and stores every tenant's sample with its tenant and
 * step in the same store as a plain run. The scenarios themselves
 * (SCENARIO_LIST below) are plug-ins on this engine, one file each. */
#ifndef ISOBENCH_SCENARIO_H
#define ISOBENCH_SCENARIO_H

#include <pthread.h>
#include <stdio.h>

#include "core/host.h"
#include "core/limits.h"
#include "core/spec.h"
#include "core/store.h"
#include "envs/ctr/cgroup.h"
#include "envs/env.h"
#include "envs/lib/peer.h"
#include "run/slice.h"
#include "workloads/workload.h"

struct scenario;

struct scenario_plan {
    const struct scenario *sc;
    struct spec spec[LIM_ENVS];
    const struct env *env[LIM_ENVS];
    int nenv;
    struct kvlist opts; /* the scenario's options (NAME.KEY=VALUE without NAME.) */
    /* the same typed once at plan time (wl_vals_load), read by scen_u64 & c.
     * (numbers and enum indexes only: texts are read from opts) */
    struct wl_vals vals;
    struct slice slice;
    /* --host-mem: every tenant and stressor under one memory cgroup of
     * this size (an emulated host); --swap: a swap file for the run (0:
     * none) */
    uint64_t host_mem, swap;
    /* tenants serve clients in the peer namespace: the scenario's own
     * `net`, or set by its check() (a network victim) */
    int net;
    int size, reps;
    double timeout_s;
    uint64_t seed;                    /* order of the steps in each round (0: drawn) */
    const struct scen_preset *preset; /* --preset: the study's setup it stands for, or NULL */
    int progress;
    char command[1024];
    struct host_caps host; /* probed when ncpus is 0 */
    /* The workloads the scenario runs (its check() adds them with
     * scen_plan_workload): their resolved options and plan facts. */
    const struct workload *wl[LIM_WORKLOADS];
    struct kvlist wlopts[LIM_WORKLOADS];
    struct kvlist plan_facts[LIM_WORKLOADS];
    uint64_t wl_mem[LIM_WORKLOADS], wl_disk[LIM_WORKLOADS];
    int nwl;
};

/* /proc/meminfo's fields, in KiB. */
struct meminfo {
    double total, avail, kernel; /* kernel: Slab + KernelStack + PageTables */
};

/* One tenant: an environment instance of plan spec `spec` (SCEN_HOST:
 * a native process on the host, such as a host stressor). */
#define SCEN_HOST (-1)
#define SCEN_RESTARTS 3
#define SCEN_PORTS 512 /* ports a net scenario reserves: one per tenant it brings up */
struct tenant {
    char name[LIM_TENANT_NAME];
    int spec;
    int label;    /* the plan spec its samples are stored under */
    int broken;   /* its environment failed in the last job: restarted before the next */
    int restarts; /* how often (at most SCEN_RESTARTS, then its jobs fail) */
    char why[sizeof(((struct err *)0)->msg)]; /* the failure that broke it */
    struct env_req req; /* what its environment instance was asked for (ctx.rq) */
    struct env_ctx ctx;
    int up;
    /* A tenant brought up in a thread of its own (scen_tenants_up) keeps
     * that thread until it is taken down: a child's PR_SET_PDEATHSIG
     * fires when the thread that forked it ends, not the process, so
     * QEMU would die with a thread that returned. Closing keeper_fd (-1:
     * none) ends the thread; scen_tenant_down joins it. */
    int keeper_fd;
    pthread_t keeper;
    void *keeper_arg;
};

/* A scenario being executed; owned by scenario_execute, handed to the
 * scenario's run(). */
struct scen_run {
    struct scenario_plan *p;
    struct store *st;
    int64_t run_id;
    char uuid[64];
    struct journal j;
    struct tenant *t; /* LIM_TENANTS of them */
    int nt;
    int serial; /* tenants brought up so far: each one's req.idx, for unique names */
    int failed; /* failed samples */
    double started;
    struct peer peer;      /* the peer netns, when the scenario is net */
    int port_base;         /* tenant number idx (req.idx) serves on port_base + idx % SCEN_PORTS */
    char secret[33];       /* servers' password for this run (proto.h "secret") */
    struct cgroup hostmem; /* --host-mem's cgroup (this process is in it while ndirs) */
    char swapfile[512];    /* --swap's file, "" when none */
};

/* A job for one tenant, run beside others by scen_run_jobs. */
#define SCEN_PEER (-1) /* tenant: the peer namespace (a network workload's client half) */
/* A reference from one job to a tenant or to another job of the same
 * batch, in a field whose zero (a designated initializer's default)
 * means "none": SCEN_REF(i) refers to index i, SCEN_REF_INDEX(r) gives it
 * back (-1 for none). */
#define SCEN_REF(i) ((i) + 1)
#define SCEN_REF_INDEX(r) ((r)-1)
struct scen_job {
    int tenant;
    const char *role; /* NULL: a plain job; "server": the tenant's server half */
    int label;        /* SCEN_PEER's: the plan spec its sample is stored under */
    /* SCEN_PEER's: SCEN_REF(the tenant whose server half it is the client
     * of: its reach address and port); 0: the job's options name servers */
    int server_of;
    const struct workload *wl;
    struct kvlist opts;
    double delay_s; /* start this long after the others (an aggressor's ramp) */
    /* SCEN_REF(the index of the job whose end stops this one), 0 none: an
     * aggressor runs exactly as long as its victim; it is cancelled
     * through the agent then (env_watch) and `stopped` set. */
    int stopped_by;
    /* how long after that job ended it is stopped (0: at once): a server
     * that ends by itself on its client's stop request keeps its own
     * sample, the stop only a backstop */
    double stop_delay_s;
    int stopped;
    struct reply *reply; /* allocated by scen_run_jobs, freed by scen_jobs_free */
    double t0, t1;       /* when exec started and returned (util_now) */
    int rc;              /* exec's: -1 the environment failed (round then holds why) */
    double cpu_s;        /* host CPU the tenant spent, -1 unknown */
};

/* A study's setup as one name (memory-pressure --preset hosta): option
 * values per size (KEY=VALUE;KEY=VALUE, the user's -o wins), the emulated
 * host size (--host-mem unless given), keys every vm spec gets unless it
 * sets cpus= or mem= itself, and the least host memory it can emulate. */
struct scen_preset {
    const char *name, *summary;
    const char *opts[3];                   /* tiny, small, full */
    const char *host_mem, *swap, *vm_keys; /* --host-mem, --swap (unless given) */
    unsigned long long needs_ram;          /* bytes of MemTotal */
};

struct scenario {
    const char *name;
    const char *summary;
    const char *(*unavailable)(void);  /* NULL if it can run here, else why not */
    const struct wl_opt *opts;         /* typed options, {NULL}-terminated */
    int net;                           /* tenants serve a client in the peer namespace */
    const struct scen_preset *presets; /* {NULL}-terminated, or NULL */
    /* At plan time: every option and size checked against the host,
     * nothing created; ERR_USAGE on bad input. */
    int (*check)(struct scenario_plan *p, struct err *e);
    /* Brings up its tenants, runs its steps, stores samples; returns -1
     * only on an environment failure or interrupt. */
    int (*run)(struct scen_run *r, struct err *e);
};

#define SCENARIO_LIST(X) X(memory_pressure) X(noisy_neighbour) X(density) X(two_tier) X(sizing)

#define X(n) extern const struct scenario scenario_##n;
SCENARIO_LIST(X)
#undef X

extern const struct scenario *const scenarios[];

/* "noisy-neighbour" or "noisy_neighbour". */
const struct scenario *scenario_find(const char *name);

/* --preset NAME of scenario sc: its options into opts (keys opts lacks),
 * *host_mem and *swap when 0, and env_list rewritten into out (vm specs sized);
 * ERR_USAGE for an unknown preset (naming the choices) or a host with less
 * memory than the preset emulates. */
int scenario_preset(const struct scenario *sc, const char *name, int size, const char *env_list,
                    char *out, size_t len, struct kvlist *opts, uint64_t *host_mem, uint64_t *swap,
                    const struct scen_preset **found, struct err *e);

/* Checks the command line (scenario name, environments, options, slice,
 * p->host_mem and p->swap as the caller set them) into p; nothing is
 * created. ERR_USAGE on bad input. */
int scenario_plan(struct scenario_plan *p, const char *name, const char *env_list,
                  const struct kvlist *opts, const char *slice, struct err *e);

/* Runs the plan into st; *run_id is set as soon as the run exists. */
int scenario_execute(struct scenario_plan *p, struct store *st, int64_t *run_id, int *failed,
                     struct err *e);

/* ---- for the scenarios ---- */

/* For check(): adds workload name with options opts (NULL: presets) to the
 * plan, checked and sized like a plain run's; returns its index or -1
 * (ERR_USAGE). One entry per workload (its samples are stored under its
 * name): adding it again returns that entry, and ERR_USAGE when the
 * options given differ from the entry's. */
int scen_plan_workload(struct scenario_plan *p, const char *name, const struct kvlist *opts,
                       struct err *e);

/* For check(): ERR_USAGE when n tenants live at once, each of the plan's
 * slice, would not fit the memory available. */
int scen_fit_tenants(const struct scenario_plan *p, int n, struct err *e);

/* The index of workload name in the plan, -1 if absent. */
int scen_wl_index(const struct scenario_plan *p, const char *name);

/* The scenario's option name at the plan's size, as text (what a tenant's
 * workload is handed, a word list). */
const char *scen_opt(const struct scenario_plan *p, const char *name);
/* The same typed, from p->vals (typed once when planned): *out is left
 * as the caller set it when the option has no value; -1 with ERR_FAIL (a
 * bug) when name is not an option of that type. A word of a number
 * ("auto") leaves *out too. */
int scen_u64(const struct scenario_plan *p, const char *name, uint64_t *out, struct err *e);
int scen_size(const struct scenario_plan *p, const char *name, uint64_t *out, struct err *e);
int scen_secs(const struct scenario_plan *p, const char *name, double *out, struct err *e);
/* An ENUM option's index in its values. */
int scen_enum(const struct scenario_plan *p, const char *name, int *out, struct err *e);

/* Adds a tenant of spec `spec` (SCEN_HOST: native on the host, stored
 * under plan spec `label`) named name, sliced (when the plan has a
 * slice) as tenant number `slot`, and brings it up with room for every
 * workload of the plan (guest files, memory and data needs). Returns its
 * index, or -1 (the tenant stays listed: scen_tenant_down handles it). */
int scen_tenant_up(struct scen_run *r, int spec, const char *name, int slot, struct err *e);
int scen_host_tenant_up(struct scen_run *r, int label, const char *name, struct err *e);

/* Adds n tenants of spec `spec` named names[k], sliced as tenants 0..n-1,
 * their indexes into out[]. The first comes up alone (it makes the run's
 * shared objects); the others then come up in parallel threads when the
 * environment allows (ENV_CAP_PARALLEL_UP), else one after another.
 * -1 with the first failure's error; every tenant stays listed
 * (scen_tenant_down takes each down, up or not). */
int scen_tenants_up(struct scen_run *r, int spec, const char *const *names, int n, int *out,
                    struct err *e);

/* The same with a slice of its own (a tier's size) instead of the plan's. */
int scen_tenant_up_sized(struct scen_run *r, int spec, const char *name, int slot,
                         const struct slice *sl, struct err *e);

/* Brings up a tenant (as scen_tenant_up_sized) and has it answer one job
 * of the plan's null workload into *j - up and serving. Returns the
 * tenant; -2 when it did not come up (j then holds a failed reply with
 * why, its sample to store); -1 on an interrupt or out of memory. */
int scen_tenant_probe(struct scen_run *r, int spec, const char *name, int slot,
                      const struct slice *sl, struct scen_job *j, struct err *e);

/* The same two for a tenant of plan spec `spec` brought up as sp - the
 * plan's spec made up by the scenario (a tier's slice and its own keys,
 * such as two-tier's cpu-weight), stored under spec. */
int scen_tenant_up_as(struct scen_run *r, int spec, const char *name, const struct spec *sp,
                      struct err *e);
int scen_tenant_probe_as(struct scen_run *r, int spec, const char *name, const struct spec *sp,
                         struct scen_job *j, struct err *e);

/* /proc/meminfo now (for a tenant's footprint: MemAvailable before and
 * after it came up). */
int scen_meminfo_read(struct meminfo *m, struct err *e);

/* The PSS of a tenant's processes in MiB: its CPU-accounting cgroup holds
 * them all (the agent, a container's init, QEMU); -1 when it has none. */
double scen_tenant_pss_mib(struct env_ctx *c);

/* Takes tenant t down (idempotent). */
void scen_tenant_down(struct scen_run *r, int t);

/* Runs the n jobs at once, one thread each, each after its delay_s,
 * stopping those with stopped_by when theirs ends; returns when all have
 * answered. -1 only when a thread or pipe could not be made. */
int scen_run_jobs(struct scen_run *r, struct scen_job *jobs, int n, struct err *e);

void scen_jobs_free(struct scen_job *jobs, int n);

/* Commits job's sample as round round of step `step` (tenant, env, facts of
 * where it ran). Counts a failed one. */
int scen_store(struct scen_run *r, const struct scen_job *j, const char *step, int round,
               struct err *e);

/* A job stopped as planned (stopped_by: a stressor or aggressor) has no
 * reply of its own: its sample becomes what its tenant made the host
 * spend while it ran - active_s and host_cpus_busy (CPU seconds per
 * second, from its cgroup) - with fact key=val. */
void scen_stopped_sample(struct scen_job *sj, const char *key, const char *val);

/* Progress on stderr when the plan asks for it. */
void scen_progress(const struct scen_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- for tests ---- */

/* Reads MemTotal, MemAvailable and the kernel's share from a
 * /proc/meminfo text; -1 when one is missing. */
int density_meminfo_parse(const char *text, struct meminfo *m);

/* two-tier's tier k (0 app, 1 DB, 2 the DB's aggressor) as it is brought
 * up: its plan spec with the tier's slice and, under cpu-share=weight,
 * its cpu-weight where the environment takes one. ERR_USAGE when the spec
 * cannot take them. */
int twotier_tier_spec(const struct scenario_plan *p, int k, struct spec *sp, struct err *e);

/* From a /proc/PID/smaps text: the PSS of every mapping into *total_kb
 * and of the mappings exactly size_kb long (a guest's RAM in QEMU) into
 * *ram_kb; returns how many such mappings there were. */
int twotier_smaps_split(FILE *f, uint64_t size_kb, double *total_kb, double *ram_kb);

#endif
