/* store.h - the SQLite result store. Every measurement is committed in its
 * own transaction (WAL, synchronous=FULL) the moment it is measured, so a
 * crash or Ctrl-C loses no finished sample. Opening never changes a file
 * that is not an isobench database. */
#ifndef ISOBENCH_STORE_H
#define ISOBENCH_STORE_H

#include <stdint.h>

#include "core/limits.h"
#include "core/proto.h"

struct store;

/* How store_open opens: an existing database to write (a resume, cleanup),
 * created when missing (run, paper, scenario), or read-only (report,
 * compare, show-runs: no upgrade, no marking of dead runs, nothing
 * written). */
enum store_mode { STORE_RW = 0, STORE_CREATE = 1, STORE_RO = 2 };

/* Opens the database at path in mode (STORE_CREATE makes it, 0600, and its
 * directories). The file, its -wal and its -shm are refused when they are
 * symbolic links; the connection is SQLITE_DBCONFIG_DEFENSIVE with
 * trusted_schema off. ERR_USAGE when it is unwritable, corrupt or not ours. */
int store_open(const char *path, enum store_mode mode, struct store **out, struct err *e);
void store_close(struct store *st);

/* The default path (root under sudo: never a path in the invoking user's
 * home - a directory owned by another user is passed over for root's own
 * home): $XDG_DATA_HOME/isobench/results.db or
 * ~/.local/share/isobench/results.db. */
void store_default_path(char *buf, size_t len);

int store_run_begin(struct store *st, const char *uuid, const char *command, int size, int reps,
                    const struct kvlist *host, int64_t *run_id, struct err *e);
int store_run_env(struct store *st, int64_t run_id, int idx, const char *spec,
                  const struct kvlist *facts, struct err *e);
int store_run_workload(struct store *st, int64_t run_id, int idx, const char *workload,
                       const struct kvlist *opts, struct err *e);
/* The workload's options once the run's first sample settled some. */
int store_run_workload_update(struct store *st, int64_t run_id, int idx, const struct kvlist *opts,
                              struct err *e);
/* A workload x environment pair the run does not measure by design (the
 * environment lacks what the workload needs): shown as "n/a: reason". */
int store_run_na(struct store *st, int64_t run_id, const char *workload, const char *env,
                 const char *reason, struct err *e);
int store_measurement(struct store *st, int64_t run_id, const char *workload, const char *env,
                      int rep, int warmup, double wall_s, const struct reply *rep_, struct err *e);
/* Where a scenario's sample was measured: the workload, the environment
 * spec, the tenant (instance) and the step (swept value) it belongs to. */
struct store_where {
    const char *workload, *env, *tenant, *step;
};
/* A scenario's sample (never a warm-up): the same rows as
 * store_measurement plus its tenant and step. */
int store_measurement_at(struct store *st, int64_t run_id, const struct store_where *at, int rep,
                         double wall_s, const struct reply *r, struct err *e);
int store_run_end(struct store *st, int64_t run_id, const char *status, struct err *e);
/* --resume: the run is running again (status, no finish time) under this
 * process; host gets the new runner facts and resumed=N. */
int store_run_resume(struct store *st, int64_t run_id, const struct kvlist *host, struct err *e);
/* 1 when the run has a measurement of workload on env in round rep. */
int store_has_sample(struct store *st, int64_t run_id, const char *workload, const char *env,
                     int rep);
/* What one sample of workload on env (a spec's text) took before: the
 * median wall time of the stored, successful, counted samples of runs at
 * preset size on a host whose CPU model is cpu_model (plain runs only).
 * *n: how many there were (0: never measured here; *median_s then 0). */
int store_wall_history(struct store *st, const char *workload, const char *env, int size,
                       const char *cpu_model, double *median_s, int *n, struct err *e);
/* One more fact of environment idx (replacing one of the same key). */
int store_env_fact(struct store *st, int64_t run_id, int idx, const char *key, const char *value,
                   struct err *e);
/* One more run fact (replacing one of the same key). */
int store_run_fact(struct store *st, int64_t run_id, const char *key, const char *value,
                   struct err *e);

/* Runs still "running" whose runner (the runner_pid and runner_start run
 * facts, on this host) is dead - killed with SIGKILL, say - are marked
 * "interrupted"; *marked counts them. store_open does it too. */
int store_mark_dead(struct store *st, int *marked, struct err *e);
/* How many runs store_open marked so. */
int store_marked_dead(const struct store *st);

/* ---- reading back, for reporters ---- */
struct rv_point { /* one metric value of one successful, non-warm-up repetition */
    int wl, env;  /* indices into run_view's workloads / envs */
    char metric[LIM_METRIC_NAME], unit[LIM_METRIC_UNIT];
    int better;
    double value;
    int rep; /* the round it was measured in (1..repetitions) */
    char tenant[LIM_TENANT_NAME], step[LIM_STEP_NAME]; /* a scenario's; "" in a plain run */
};
struct rv_failure {
    int wl, env, rep, warmup;
    char error[512];
    char tenant[LIM_TENANT_NAME], step[LIM_STEP_NAME];
};
#define RV_CAVEATS 16
struct run_view {
    int64_t id;
    char uuid[64], started[32], finished[32], status[32], command[1024];
    int size, reps;
    struct kvlist host;
    char envs[LIM_ENVS][256];
    struct kvlist env_facts[LIM_ENVS];
    int nenv;
    char workloads[LIM_WORKLOADS][LIM_WORKLOAD_NAME];
    struct kvlist wl_opts[LIM_WORKLOADS];
    int nwl;
    struct rv_point *points;
    int npoints;
    struct rv_failure *failures;
    int nfailures;
    /* per workload x environment: the lowest and highest share of memory on
     * huge pages its samples reported (*.huge_share facts), if any did */
    unsigned char has_huge[LIM_WORKLOADS][LIM_ENVS];
    double huge_lo[LIM_WORKLOADS][LIM_ENVS], huge_hi[LIM_WORKLOADS][LIM_ENVS];
    /* the distinct caveats (*.caveat facts) the samples carry, per workload:
     * sizes below a benchmark's own rule and the like; more than RV_CAVEATS
     * are counted in caveats_left */
    struct rv_caveat {
        int wl;
        char text[256];
    } caveats[RV_CAVEATS];
    int ncaveats, caveats_left;
    /* a scenario run's samples' raw texts (a load's latency-vs-time series,
     * a host's memory during it): loaded for scenario runs only */
    struct rv_raw {
        int wl, env, rep;
        char tenant[LIM_TENANT_NAME], step[LIM_STEP_NAME];
        char *text; /* owned */
    } * raws;
    int nraws;
    /* pairs not measured by design, with the reason (store_run_na) */
    struct rv_na {
        int wl, env;
        char reason[256];
    } * na;
    int nna;
    /* the per-operation counters a pair's samples could not read
     * (counters.<name> = "absent: reason" facts, core/pcount.h), distinct */
    struct rv_absent {
        int wl, env;
        char counter[48], why[200];
    } * absent;
    int nabsent;
};

/* The reason workload wl was not measured in env by design, or NULL. */
const char *store_na_reason(const struct run_view *rv, int wl, int env);

/* Loads run `which` ("latest", a numeric id or a uuid). */
int store_load_run(struct store *st, const char *which, struct run_view *rv, struct err *e);
void store_free_run(struct run_view *rv);

/* Calls fn for each run, newest first (at most limit). */
int store_list_runs(struct store *st, int limit,
                    void (*fn)(void *arg, int64_t id, const char *uuid, const char *started,
                               const char *status, const char *size, const char *command,
                               int nmeas),
                    void *arg, struct err *e);

/* ---- merging hosts' databases (store_merge.c) ---- */
struct store_merge_count {
    int added;   /* runs copied into OUT */
    int present; /* runs OUT already held (the same uuid, status and samples) */
    int total;   /* runs in OUT afterwards */
};
/* Copies every run of the databases in[0..nin-1] that out does not hold
 * (by run uuid) into out (made when missing): its facts (the host's, its
 * host id among them), environments, workloads, n/a pairs and samples
 * with their metrics, facts and raw output, under new row ids. Each input
 * in its own transaction; merging again changes nothing. Refused with
 * ERR_USAGE before out is made or changed: an input or out that is not
 * an isobench database of this schema version (the reason names both
 * versions), an input that is out itself, or a run uuid both hold with
 * another status or sample count. */
int store_merge(const char *out, const char *const *in, int nin, struct store_merge_count *n,
                struct err *e);
/* The latest finished (complete or failed) plain run of each host in st -
 * hosts told apart by their host id, else their hostname - in the order
 * of those runs: ids into ids[0..max-1], *n how many. ERR_USAGE when there
 * are none or more than max hosts. */
int store_runs_by_host(struct store *st, int64_t *ids, int max, int *n, struct err *e);

#endif
