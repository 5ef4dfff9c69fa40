/* compare.h - A/B comparison of stored runs, or of two environments of
 * one run, as a CI gate: per metric the relative change of B against A (a
 * ratio of geometric means), its interval and two-sided p-value from one
 * t-test on the log scale, each row's variance moderated by the other
 * rows' (an empirical-Bayes prior, as limma's); the p-values Holm-adjusted
 * over all rows tested, so that `alpha` is the family's error; a change is
 * flagged only when its adjusted p < alpha AND it exceeds the noise
 * threshold. Three designs:
 *   - several runs a side: a two-sample t on the runs' log-means (each
 *     run one value), so the run-to-run spread is measured;
 *   - one run a side: a two-sample t on the rounds' logs, which cannot see
 *     the run-to-run spread: an assumed one (run_spread_pct) widens it;
 *   - two environments of one run: a one-sample t on the rounds'
 *     log-ratios, paired by round (the same run: no run-to-run term).
 * docs/results.md says it in plain words. */
#ifndef ISOBENCH_COMPARE_H
#define ISOBENCH_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "core/limits.h"
#include "core/stats.h"
#include "core/store.h"

#define CMP_MAX_RUNS 16 /* runs a side */
/* The default of --run-spread, chosen by simulation: the largest half
 * point that keeps one run a side at 6 rounds and 5 % CoV (no true run
 * spread) at >= 90 % power for +20 % in one row of 40, with a margin (4000
 * comparisons: 98 % at 1, 95 % at 1.5, 91 % at 1.75, 85 % at 2);
 * tests/unit/test_compare_sim.c holds it to the bar. docs/results.md. */
#define CMP_RUN_SPREAD_PCT 1.5

struct compare_opts {
    double alpha;     /* flag only below this p-value (0.01) */
    double noise_pct; /* and only beyond this change (5 %) */
    /* one run a side: the run-to-run coefficient of variation assumed, in
     * % (0: none; the command line's default is CMP_RUN_SPREAD_PCT) */
    double run_spread_pct;
    int resamples; /* unused since the t-tests (kept for callers) */
    uint64_t seed; /* unused since the t-tests */
};

enum compare_verdict { CMP_SAME, CMP_REGRESSION, CMP_IMPROVEMENT, CMP_NA };

enum compare_design { CMP_ONE_RUN, CMP_RUNS, CMP_PAIRED };

#define CMP_LEVEL 0.95 /* the change interval's level */

struct compare_row {
    char workload[LIM_WORKLOAD_NAME], metric[LIM_METRIC_NAME], unit[LIM_METRIC_UNIT];
    char env[256]; /* the environment both sides ran in ("" within one run) */
    int better;
    int na, nb; /* values (or paired rounds) each side, over all its runs */
    int ka, kb; /* runs each side whose values the test used */
    double median_a, median_b;
    double change_pct;  /* how much worse B is than A: + worse, - better */
    struct interval ci; /* of change_pct */
    double p;           /* the t-test's two-sided p-value */
    double p_holm;      /* p adjusted over the comparison's rows (Holm): what is judged */
    double df;          /* the t-test's degrees of freedom (the prior's included) */
    /* the test's parts before moderation: the estimate d of log(B/A), the
     * row's own variance s2 on df_row degrees of freedom, and k, the
     * factor from the variance's root to d's standard error */
    double d, s2, df_row, k;
    int verdict;  /* enum compare_verdict */
    char why[96]; /* for CMP_NA */
};

struct compare_side { /* the runs of a side */
    int n;
    int64_t id[CMP_MAX_RUNS];
    char uuid[CMP_MAX_RUNS][64];
};

struct compare {
    char a_label[1600], b_label[1600];
    int paired;                  /* two environments of one run, paired by round */
    int design;                  /* enum compare_design */
    char design_text[256];       /* the design in plain words, with what it assumes */
    struct compare_side side[2]; /* A, B */
    double spread_var;           /* the variance added to log(B/A)'s: 2 log(1 + spread)^2 */
    struct compare_opts opts;
    struct compare_row *rows;
    int nrows;
    char warnings[8][768]; /* how the two sides differ besides what is compared */
    int nwarn;
    int regressions, improvements;
    int tested;      /* rows with a test (the Holm family); 0: cannot decide */
    double prior_df; /* the moderation's prior degrees of freedom (0: none) */
};

/* Every workload x metric x environment that run a measured, against run
 * b (one run a side: compare_run_sets with ka = kb = 1). */
int compare_runs(const struct run_view *a, const struct run_view *b, const struct compare_opts *o,
                 struct compare *c, struct err *e);

/* The runs a[0..ka) against b[0..kb): one run a side, or 2 to
 * CMP_MAX_RUNS on each (each row tested across runs); one row for every
 * workload x metric x environment some run of a measured. ERR_USAGE: a
 * side with no run or more than CMP_MAX_RUNS, one run against several, a
 * run given twice (by id), on one side or both. Warnings name what
 * differs between the first run of a and each other run. */
int compare_run_sets(const struct run_view *a, int ka, const struct run_view *b, int kb,
                     const struct compare_opts *o, struct compare *c, struct err *e);

/* Environment eb against ea of one run, paired by round. */
int compare_envs(const struct run_view *rv, int ea, int eb, const struct compare_opts *o,
                 struct compare *c, struct err *e);

void compare_free(struct compare *c);

/* The table, json and csv reporters' compare hooks (reporter_emit_compare
 * renders through them: the table cleaned of terminal controls). */
int compare_emit_table(const struct compare *c, FILE *out, struct err *e);
int compare_emit_json(const struct compare *c, FILE *out, struct err *e);
int compare_emit_csv(const struct compare *c, FILE *out, struct err *e);

/* Shared by compare.c and compare_runs.c only. */
struct rv_point;
/* A new zeroed row at the end of c->rows; NULL (e filled) when out of
 * memory. */
struct compare_row *compare_row_new(struct compare *c, struct err *e);
/* One row from one run a side (or, c->paired, two environments of one
 * run): point p's metric of workload wa / environment ea of ra against the
 * same in rb (wb, eb; -1 when rb lacks them). -1 when out of memory (c
 * freed). */
int compare_row_one(struct compare *c, const struct run_view *ra, int wa, int ea,
                    const struct run_view *rb, int wb, int eb, const struct rv_point *p,
                    struct err *e);
/* 1 when point i of rv is the first of its (workload, environment, metric);
 * 0 for a per-operation counter (perop.*): compare leaves them out. */
int compare_first_of_kind(const struct run_view *rv, int i);
/* Every tested row's moderated t, Holm's adjustment, the verdicts. */
void compare_judge_all(struct compare *c);

#endif
