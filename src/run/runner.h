/* runner.h - plans and executes a run: workloads x environments x
 * repetitions. Every environment is brought up once; each repetition is a
 * round that measures every environment once, in a shuffled order, so
 * slow drift hits all of them alike and the reporter can pair each
 * environment's sample with native's of the same round; each measurement
 * is committed to the store as soon as it returns, with its round and
 * position as facts. */
#ifndef ISOBENCH_RUNNER_H
#define ISOBENCH_RUNNER_H

#include <stdio.h>

#include "core/host.h"
#include "core/spec.h"
#include "core/store.h"
#include "envs/env.h"
#include "envs/lib/peerssh.h"
#include "run/converge.h"
#include "run/slice.h"
#include "workloads/workload.h"

struct run_plan {
    struct spec spec[LIM_ENVS];
    const struct env *env[LIM_ENVS];
    struct env_conf conf[LIM_ENVS]; /* spec[i] parsed by env[i]'s check, once */
    int nenv;
    const struct workload *wl[LIM_WORKLOADS];
    struct kvlist wlopts[LIM_WORKLOADS]; /* user options plus resolved sizes */
    int nwl;
    int size, reps, warmup;
    /* --slice: every environment, native included, gets this budget (the
     * specs' keys; the texts stay, the run's "slice" fact states it) */
    struct slice slice;
    /* --target-ci: after reps rounds, more until every headline metric's
     * printed interval is within target_ci (run/converge.h), at most
     * max_reps rounds (0: off); seq is the sequential design, set by
     * runner_execute (or from the run's facts on --resume) */
    double target_ci;
    int max_reps;
    struct converge_design seq;
    /* The order of the environments inside each round is shuffled with
     * this seed (0: drawn at random; the one used is stored as the run's
     * order_seed fact), so no environment always runs right after another. */
    uint64_t seed;
    /* --counters: each sample also reads the per-operation counters of its
     * environment's processes (core/pcount.h; run fact counters=on). Off by
     * default: perf events cost every context switch of the counted CPUs
     * (netlat's tcp_rr_p50 7.74 -> 8.93 us natively here), so they would
     * move the very numbers they explain. */
    int counters;
    /* --resume: the stored run this plan continues (0: a new run); samples
     * it has are not measured again, environments get a fresh warm-up */
    int64_t resume_id;
    double timeout_s;
    int progress; /* progress line on stderr */
    FILE *ndjson; /* NULL, or where to write one JSON line per measurement */
    char command[1024];
    /* The host the plan is made for: probed by runner_plan when ncpus is
     * 0; tests set it to plan for hosts they do not run on. */
    struct host_caps host;
    uint64_t mem_needed;  /* the largest single workload's memory need, bytes */
    uint64_t disk_needed; /* the largest single workload's data-dir need, bytes */
    struct kvlist plan_facts[LIM_WORKLOADS]; /* per workload: stored with each of its samples */
    unsigned needs[LIM_WORKLOADS]; /* per workload: WL_NEEDS_* its options add (wl_needs.needs) */
    /* why workload w is not measured in environment i by design (the
     * environment lacks a capability it needs), NULL when it is */
    const char *na[LIM_WORKLOADS][LIM_ENVS];
    /* a sample's expected wall time from the store's history, seconds (0:
     * no history), set by runner_estimate; weighs the progress line's ETA */
    double est_s[LIM_WORKLOADS][LIM_ENVS];
    int settled[LIM_WORKLOADS]; /* the first sample's settle facts were applied */
    /* --sizing (isobench paper): the spec environment i runs workload w
     * with, when not spec[i] ("": spec[i]) - the same column, another
     * instance brought up for that workload (run/sizing.c) */
    char sized[LIM_WORKLOADS][LIM_ENVS][160];
    /* run facts the command adds (explain's ladder: explain.*), stored
     * with the run as it begins */
    struct kvlist run_facts;
    struct peer peer; /* the peer netns, when a network workload is planned */
    /* --peer ssh://...: the client halves run on that host instead
     * (peer.remote set when it is connected); peer_url.text "" = the netns */
    struct peer_url peer_url;
    struct kvlist peer_facts;
};

/* Fills plan from the command line's lists. user_opts holds "key=value" or
 * "workload.key=value" pairs. Adds native first when it is not listed (the
 * baseline every overhead needs). Everything is checked here, before
 * anything is created: ERR_USAGE on any bad input, a size the host or an
 * environment (vm:mem=, vm:disk=) cannot hold included. Sizes derive from
 * plan->host (probed when left zero) and the preset, nothing else. */
int runner_plan(struct run_plan *plan, const char *wl_list, const char *env_list,
                const struct kvlist *user_opts, struct err *e);

/* --peer URL (after runner_plan): the client halves run on that host
 * over SSH (envs/lib/peerssh.h). ERR_USAGE on a bad URL, or when no planned
 * workload has a client half to run there. */
int runner_plan_peer(struct run_plan *plan, const char *url, struct err *e);

/* Executes the plan into st. Sets *failed to the number of failed
 * measurements. Returns -1 on an environment failure or interrupt (the run
 * is marked so in the store; finished samples stay). *run_id is set as
 * soon as the run exists. */
/* The order of one round: a permutation of 0..n-1 drawn from *state
 * (advanced), the same for the same seed. */
void runner_round_order(uint64_t *state, int n, int *order);

/* What executing the plan will take, from the store's history: for every
 * pair measured (not n/a) the median wall time of its earlier samples at
 * this size on a host of this CPU model, times the rounds. known of pairs
 * had a history; secs covers only those (a lower bound when known <
 * pairs). Also sets p->est_s, which the progress line's ETA weighs
 * samples by. */
struct run_estimate {
    double secs;
    int known, pairs, rounds;
};
int runner_estimate(struct run_plan *p, struct store *st, struct run_estimate *est, struct err *e);

/* "about 14 min (...)" for est, into buf. */
void runner_estimate_text(const struct run_estimate *est, char *buf, size_t len);

/* For --resume: rebuilds plan from stored run `which` - its workloads
 * with their resolved options, its environments, size, repetitions and
 * order seed - and checks it like a new one. ERR_USAGE when the run is
 * complete, still running, or cannot be planned here. */
int runner_plan_resume(struct run_plan *plan, struct store *st, const char *which, struct err *e);

/* run/sizing.c. Environment driver `driver`'s columns run workload
 * `workload` with keys added ("cpus=1,mem=1G"), unless the column's spec
 * sets one of those keys itself; each sized spec is parsed and fitted now
 * (ERR_USAGE naming it). Returns how many columns it sized. */
int runner_plan_sized(struct run_plan *p, const char *workload, const char *driver,
                      const char *keys, struct err *e);

/* The sized specs as run facts (sized.<workload>.<idx>) into facts, and
 * back into p (--resume). */
void runner_sized_facts(const struct run_plan *p, struct kvlist *facts);
int runner_sized_restore(struct run_plan *p, const struct kvlist *facts, struct err *e);

/* Before workload w's rounds: every instance whose spec for w differs from
 * the one running (cur[i], "": the column's) goes down and comes up sized
 * (or back); each sized one is stored as the env fact sized.<workload>. */
int runner_resize(struct run_plan *p, struct env_ctx *ctx, struct env_req *rq, int w,
                  char cur[][160], struct store *st, int64_t run_id, struct err *e);

/* Checks workload w's options (opts, which gets every size it resolves)
 * at preset size against host, filling *need (zeroed first); ERR_USAGE
 * when its memory, or its data when uses_data_dir, does not fit the host.
 * Shared by the runner's and the scenarios' plans. */
int runner_size_workload(const struct workload *w, struct kvlist *opts, int size,
                         const struct host_caps *host, int uses_data_dir, struct wl_needs *need,
                         struct err *e);

/* A run's uuid: UTC time and 64 random bits
 * ("20261129-093815-81740a3c9f12e6d5"): its names on the host (data and
 * state dirs, cgroups) cannot be guessed ahead. */
void runner_make_uuid(char *buf, size_t len);

/* What the run's first successful sample of wl settles (its facts): each
 * "<name>.settle.<option>" - "client."-prefixed for a network workload,
 * whose client half runs in the run's own peer namespace; a server half's
 * is never taken - for an option wl->settles lists, with a value its option
 * table accepts, goes into `into`. ERR_FAIL on any other such fact (a
 * guest trying to set an option). */
int runner_settle_take(const struct workload *wl, const struct kvlist *facts, struct kvlist *into,
                       struct err *e);

/* A network pair's one sample, into r (the server half's reply): the
 * client's metrics, then the server's prefixed "server."; the server's
 * facts (where it ran) unprefixed, the client's prefixed "client.".
 * Both replies must be ok; r fails (ok = 0, err why) when the merged
 * sample cannot hold every metric and fact. */
void runner_pair_merge(struct reply *r, const struct reply *cr);

/* A base port whose next n ports are free for TCP and UDP on the host. */
int runner_pick_ports(int n, struct err *e);

int runner_execute(struct run_plan *plan, struct store *st, int64_t *run_id, int *failed,
                   struct err *e);

#endif
