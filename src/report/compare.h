/* compare.h - A/B comparison of two stored runs, or of two environments of
 * one run, as a CI gate (Firecracker's A/B tool is the model): per metric
 * the relative change of B against A with its distribution-free interval
 * and a two-sided permutation p-value; a change is flagged only when
 * p < alpha AND it exceeds the noise threshold. */
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
    int resamples;    /* random relabellings when there are more (9999) */
    uint64_t seed;    /* of those relabellings: the same runs compare the same way */
};

enum compare_verdict { CMP_SAME, CMP_REGRESSION, CMP_IMPROVEMENT, CMP_NA };

struct compare_row {
    char workload[LIM_WORKLOAD_NAME], metric[LIM_METRIC_NAME], unit[LIM_METRIC_UNIT];
    char env[256]; /* the environment both sides ran in ("" within one run) */
    int better;
    int na, nb; /* values (or paired rounds) each side */
    double median_a, median_b;
    double change_pct;  /* how much worse B is than A: + worse, - better */
    struct interval ci; /* of change_pct */
    double p;           /* two-sided permutation p-value */
    double p_min;       /* the smallest p these sample sizes can give */
    int verdict;        /* enum compare_verdict */
    char why[96];       /* for CMP_NA */
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
