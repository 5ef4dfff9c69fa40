/* stats.h - summary statistics over repetitions and the overhead of one
 * environment against native. Pure functions, deterministic (the bootstrap
 * uses a fixed seed) so a stored run always renders the same report. */
#ifndef ISOBENCH_STATS_H
#define ISOBENCH_STATS_H

#define STATS_NOISE_COV 0.05 /* coefficient of variation above which a metric is noisy */
#define STATS_BOOT 2000      /* bootstrap resamples */

struct summary {
    int n;
    double median, mean, stddev, cov;
    double ci_lo, ci_hi; /* 95 % bootstrap percentile CI of the median */
    double t_lo, t_hi;   /* 95 % Student-t CI of the mean */
    int noisy;           /* cov > STATS_NOISE_COV */
};

struct overhead {
    double pct;       /* >0: the environment is worse than native by pct % */
    double lo, hi;    /* 95 % bootstrap CI of pct */
    int within_noise; /* the CI contains 0 */
};

/* Summarises n >= 1 values (x is not modified). */
void stats_summarize(const double *x, int n, struct summary *s);

/* Overhead of env against native on the median, with a bootstrap CI of the
 * ratio of medians. better is BETTER_HIGHER or BETTER_LOWER. Returns -1 if a
 * side is empty or native's median is 0 (no overhead can be computed). */
int stats_overhead(const double *env, int ne, const double *native, int nn, int better,
                   struct overhead *o);

/* Two-sided 95 % Student-t quantile for df degrees of freedom. */
double stats_t95(int df);

/* Median of n values (x is not modified). */
double stats_median(const double *x, int n);

#endif
