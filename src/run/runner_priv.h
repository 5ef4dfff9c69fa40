/* runner_priv.h - what the runner's files (runner.c, plan.c, pair.c,
 * ndjson.c) share and nothing else calls. */
#ifndef ISOBENCH_RUNNER_PRIV_H
#define ISOBENCH_RUNNER_PRIV_H

#include <stdio.h>

#include "run/runner.h"

/* One NDJSON line per sample (run --json) and per n/a pair. */
void runner_emit_ndjson(FILE *f, const char *uuid, const char *wl, const char *env, int round,
                        int warmup, double wall, const struct reply *r);
void runner_emit_na(FILE *f, const char *uuid, const char *wl, const char *env, const char *why);
/* How long a sample of workload w in environment i is expected to take,
 * relative to the others (the ETA's weights). */
double runner_sample_weight(const struct run_plan *p, int w, int i);
/* The progress line with its ETA, on stderr when the plan asks for it. */
void runner_progress(const struct run_plan *p, const char *wl, const char *env, int round, int done,
                     int total, double w_done, double w_total, double started);
/* A network workload's sample: its server half in ctx's environment, its
 * client half in the peer, as one reply r (runner_pair_merge). */
int runner_measure_net(struct env_ctx *ctx, struct job *j, const char *cpusrc, struct reply *r,
                       struct err *e);

#endif
