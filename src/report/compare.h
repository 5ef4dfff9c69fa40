/* compare.h - A/B comparison of two stored runs, or of two environments of
 * one run, as a CI gate: per metric the relative change of B against A (a
 * ratio of geometric means), its interval and two-sided p-value from one
 * t-test on the log scale (two samples for two runs, paired by round
 * within a run), each row's variance moderated by the other rows' (an
 * empirical-Bayes prior, as limma's); the p-values Holm-adjusted over all rows tested, so that
 * `alpha` is the family's error; a change is flagged only when its adjusted p < alpha AND it
 * exceeds the noise threshold. docs/results.md says it in plain words. */
#ifndef ISOBENCH_COMPARE_H
#define ISOBENCH_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "core/limits.h"
#include "core/stats.h"
#include "core/store.h"

struct compare_opts {
    double alpha;     /* flag only below this p-value (0.01) */
    double noise_pct; /* and only beyond this change (5 %) */
    int resamples;    /* unused since the t-tests (kept for callers) */
    uint64_t seed;    /* unused since the t-tests */
};

enum compare_verdict { CMP_SAME, CMP_REGRESSION, CMP_IMPROVEMENT, CMP_NA };

#define CMP_LEVEL 0.95 /* the change interval's level */

struct compare_row {
    char workload[LIM_WORKLOAD_NAME], metric[LIM_METRIC_NAME], unit[LIM_METRIC_UNIT];
    char env[256]; /* the environment both sides ran in ("" within one run) */
    int better;
    int na, nb; /* values (or paired rounds) each side */
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

struct compare {
    char a_label[400], b_label[400];
    int paired; /* two environments of one run, paired by round */
    struct compare_opts opts;
    struct compare_row *rows;
    int nrows;
    char warnings[8][768]; /* how the two sides differ besides what is compared */
    int nwarn;
    int regressions, improvements;
    int tested;      /* rows with a test (the Holm family); 0: cannot decide */
    double prior_df; /* the moderation's prior degrees of freedom (0: none) */
};

/* Every workload x metric x environment that both runs measured. */
int compare_runs(const struct run_view *a, const struct run_view *b, const struct compare_opts *o,
                 struct compare *c, struct err *e);

/* Environment eb against ea of one run, paired by round. */
int compare_envs(const struct run_view *rv, int ea, int eb, const struct compare_opts *o,
                 struct compare *c, struct err *e);

void compare_free(struct compare *c);

/* format: table, json or csv. */
int compare_emit(const struct compare *c, const char *format, FILE *out, struct err *e);

#endif
