/* stats.h - summary statistics over repetitions and the overhead of one
 * environment against native. Pure functions, deterministic, so a stored
 * run always renders the same report.
 *
 * Intervals are distribution-free: for the median of n values, the j-th
 * and l-th smallest, which hold the true median with probability
 * P(j <= Binomial(n, 1/2) <= l-1) whatever the distribution (continuous).
 * (j, l) is the pair of the smallest span l - j that reaches STATS_LEVEL
 * (asymmetric when that is narrower: at n = 8, the 1st and 7th, 96.1 %,
 * where the symmetric rule fell back to [min, max], 99.2 %); when no pair
 * does (n <= 5 for 95 %), the interval is [min, max] and its level is
 * what it reaches (n = 3: 75 %), never rounded up. n = 1 has no interval.
 * Exact pairs cannot shrink at every n: n = 7 still needs [min, max], and
 * the expected width rises a little at n = 10, 13, 18, 21, 26
 * (docs/results.md). */
#ifndef ISOBENCH_STATS_H
#define ISOBENCH_STATS_H

#include <stdint.h>

#define STATS_NOISE_COV 0.05 /* coefficient of variation above which a metric is noisy */
#define STATS_LEVEL 0.95     /* the confidence every interval aims for */

struct interval {
    double lo, hi;
    double level; /* the coverage it really has; 0: none (fewer than 2 values) */
};

struct summary {
    int n;
    double median, mean, stddev, cov;
    struct interval ci; /* of the median, distribution-free */
    double t_lo, t_hi;  /* 95 % Student-t CI of the mean (valid for normal data only) */
    int noisy;          /* cov > STATS_NOISE_COV */
};

/* Overhead from paired rounds: in round i native and the environment were
 * measured back to back; the round's overhead compares the two, and the
 * overhead is the median over the rounds, with its own interval. */
struct overhead {
    double pct;         /* >0: the environment is worse than native by pct % */
    struct interval ci; /* of pct's median over rounds */
    int rounds;         /* paired rounds it is computed from */
    int within_noise;   /* the interval contains 0, or there is none */
};

/* Summarises n >= 1 values (x is not modified). */
void stats_summarize(const double *x, int n, struct summary *s);

/* The distribution-free interval of the median of n sorted values. */
void stats_median_interval(const double *sorted, int n, struct interval *iv);

/* The same at another level (a sequential design's per-look level). */
void stats_median_interval_at(const double *sorted, int n, double level, struct interval *iv);

/* The coverage of [x(k), x(n+1-k)] for the median of n values, and of
 * [x(j), x(l)] (1 <= j < l <= n); 0 outside those. */
double stats_median_coverage(int n, int k);
double stats_median_pair_coverage(int n, int j, int l);

/* The fewest values whose median interval reaches level (6 for 0.95). */
int stats_reps_for_level(double level);

/* Overhead of env against native over n paired rounds (env[i] and
 * native[i] from round i). better is BETTER_HIGHER or BETTER_LOWER.
 * Returns -1 when n < 1 or a native value is 0 (no overhead exists). */
int stats_overhead_paired(const double *env, const double *native, int n, int better,
                          struct overhead *o);
/* The same with its interval at level. */
int stats_overhead_paired_at(const double *env, const double *native, int n, int better,
                             double level, struct overhead *o);

/* Two independent samples (two runs): the Hodges-Lehmann shift of b
 * against a (the median of all b_j - a_i) into *shift, and its
 * distribution-free interval from the exact Mann-Whitney distribution
 * (the k-th smallest and largest pairwise difference), at the level it
 * reaches. -1 when a side is empty. */
int stats_shift_interval(const double *a, int m, const double *b, int n, double *shift,
                         struct interval *iv);

/* P(U <= u) for the Mann-Whitney count U of samples of m and n (no ties). */
double stats_mw_cdf(int m, int n, int u);

/* Two-sided permutation p-value of the difference of means of b and a:
 * every relabelling when there are at most `resamples` of them, else
 * `resamples` random ones drawn from seed (p = (1 + hits) / (1 + draws)). */
double stats_perm_p(const double *a, int m, const double *b, int n, int resamples, uint64_t seed);

/* The paired version: d[i] = b_i - a_i of the same round; sign flips. */
double stats_signflip_p(const double *d, int n, int resamples, uint64_t seed);

/* Student's t distribution with df degrees of freedom (df > 0, not
 * necessarily whole: Welch's): P(T <= t), exact to ~1e-14 (the
 * regularized incomplete beta function), and its quantile (the inverse of
 * the cdf, by bisection); NAN outside the domain. */
double stats_t_cdf(double t, double df);
double stats_t_quantile(double p, double df);

/* The digamma and trigamma functions (x > 0), to ~1e-12. */
double stats_digamma(double x);
double stats_trigamma(double x);

/* The empirical-Bayes prior of many rows' variances (Smyth 2004, limma's
 * moderated t): from each row's sample variance s2[i] on df[i] degrees of
 * freedom, the prior's degrees of freedom *d0 and variance *s02, so that a
 * row's moderated variance is (d0 s02 + df s2) / (d0 + df) on d0 + df
 * degrees of freedom. Rows vary as much as chance allows: d0 large (the
 * rows share one variance); rows that differ: d0 small. Fewer than 3 rows
 * with a variance: *d0 = 0 (no moderation). */
void stats_moderate_prior(const double *s2, const double *df, int n, double *d0, double *s02);

/* Holm's step-down adjustment of n p-values into adj[] (same order): a
 * family is flagged at alpha where adj < alpha, with the chance of any
 * false flag at most alpha. */
void stats_holm(const double *p, int n, double *adj);

/* Two-sided 95 % Student-t quantile for df degrees of freedom (exact: at
 * 31 it is 2.0395, not a table's 2.000). */
double stats_t95(int df);

/* Median of n values (x is not modified). */
double stats_median(const double *x, int n);

#endif
