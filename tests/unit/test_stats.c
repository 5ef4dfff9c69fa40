/* The statistics users stake decisions on. Beside the arithmetic, a test
 * that can fail: thousands of simulated runs from skewed and bimodal
 * distributions at n = 3..30, checking that the intervals hold the true
 * median as often as the level they print says (within 1.5 %). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "near.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/result.h"
#include "core/stats.h"

static void summary_basics(void **state)
{
    (void)state;
    const double x[] = {10, 12, 11, 13, 9};
    struct summary s;
    stats_summarize(x, 5, &s);
    assert_int_equal(s.n, 5);
    assert_near(s.median, 11, 1e-12);
    assert_near(s.mean, 11, 1e-12);
    assert_near(s.stddev, sqrt(2.5), 1e-12);
    /* n = 5 cannot reach 95 %: [min, max], at the 93.75 % it does reach */
    assert_near(s.ci.lo, 9, 0);
    assert_near(s.ci.hi, 13, 0);
    assert_near(s.ci.level, 0.9375, 1e-12);
    /* Student-t: 11 +- t(0.975, 4) * sqrt(2.5)/sqrt(5), t exact: 2.7764451 */
    assert_near(s.t_hi - s.mean, 2.77644510519779 * sqrt(2.5) / sqrt(5), 1e-9);
    assert_true(s.noisy); /* CoV = 0.144 */
    const double even[] = {4, 1, 3, 2};
    assert_near(stats_median(even, 4), 2.5, 1e-12);
}

static void coverage_by_order_statistics(void **state)
{
    (void)state;
    assert_near(stats_median_coverage(2, 1), 0.5, 1e-12);
    assert_near(stats_median_coverage(3, 1), 0.75, 1e-12);
    assert_near(stats_median_coverage(5, 1), 0.9375, 1e-12);
    assert_near(stats_median_coverage(6, 1), 0.96875, 1e-12);
    assert_near(stats_median_coverage(10, 2), 1 - 2 * 11.0 / 1024, 1e-12);
    assert_int_equal(stats_reps_for_level(0.95), 6);
    /* n = 10: the 2nd smallest and 2nd largest (97.9 %); the 3rd would be 89 % */
    const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    struct interval iv;
    stats_median_interval(x, 10, &iv);
    assert_near(iv.lo, 2, 0);
    assert_near(iv.hi, 9, 0);
    assert_near(iv.level, 1 - 2 * 11.0 / 1024, 1e-12);
    for (int n = 6; n <= 200; n++) { /* never below the target once reachable */
        double y[200];
        for (int i = 0; i < n; i++)
            y[i] = i;
        stats_median_interval(y, n, &iv);
        assert_true(iv.level >= STATS_LEVEL);
    }
}

/* The narrowest pair that reaches the level, asymmetric when narrower: at
 * n = 8 the 1st and 7th (96.1 %), where the symmetric rule fell back to
 * [min, max] (99.2 %), wider than at n = 6. Over n = 8..30 the span l - j
 * never exceeds the symmetric rule's, and is narrower somewhere. */
static void narrowest_pair(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct interval iv;
    stats_median_interval(x, 8, &iv);
    assert_near(iv.lo, 1, 0);
    assert_near(iv.hi, 7, 0);
    assert_near(iv.level, 1 - 10.0 / 256, 1e-12);
    assert_near(stats_median_pair_coverage(8, 1, 7), iv.level, 1e-12);
    int narrower = 0;
    for (int n = 8; n <= 30; n++) {
        double y[30];
        for (int i = 0; i < n; i++)
            y[i] = i;
        stats_median_interval(y, n, &iv);
        int k = 1; /* the symmetric rule */
        while (2 * (k + 1) <= n && stats_median_coverage(n, k + 1) >= STATS_LEVEL)
            k++;
        assert_true(iv.hi - iv.lo <= (n - k) - (k - 1));
        narrower += iv.hi - iv.lo < (n - k) - (k - 1);
        assert_true(iv.level >= STATS_LEVEL);
    }
    assert_true(narrower >= 5);
    stats_median_interval_at(x, 8, 0.99, &iv); /* a sequential look's level */
    assert_near(iv.lo, 1, 0);
    assert_near(iv.hi, 8, 0);
}

static void holm_steps_down(void **state)
{
    (void)state;
    const double p[] = {0.01, 0.04, 0.03, 0.005};
    double adj[4];
    stats_holm(p, 4, adj);
    assert_near(adj[3], 0.02, 1e-12); /* 4 x 0.005 */
    assert_near(adj[0], 0.03, 1e-12); /* 3 x 0.01 */
    assert_near(adj[2], 0.06, 1e-12); /* 2 x 0.03 */
    assert_near(adj[1], 0.06, 1e-12); /* max(1 x 0.04, 0.06): monotone */
}

static void summary_single_and_constant(void **state)
{
    (void)state;
    const double one[] = {7};
    struct summary s;
    stats_summarize(one, 1, &s);
    assert_near(s.median, 7, 0);
    assert_near(s.ci.level, 0, 0); /* no interval from one value, not a zero-width one */
    assert_false(s.noisy);
    const double same[] = {5, 5, 5};
    stats_summarize(same, 3, &s);
    assert_near(s.stddev, 0, 0);
    assert_near(s.ci.level, 0.75, 1e-12);
    assert_false(s.noisy);
}

static void overhead_from_paired_rounds(void **state)
{
    (void)state;
    const double native[] = {100, 101, 99, 100, 100, 102};
    const double slower[] = {80, 81, 79, 80, 80, 81}; /* 20 % less throughput */
    struct overhead o;
    assert_int_equal(stats_overhead_paired(slower, native, 6, BETTER_HIGHER, &o), 0);
    assert_near(o.pct, 20, 0.3);
    assert_int_equal(o.rounds, 6);
    assert_true(o.ci.lo <= o.pct && o.pct <= o.ci.hi);
    assert_true(o.ci.level >= 0.95);
    assert_false(o.within_noise);
    /* Latency: lower is better; 120 vs 100 is 20 % worse. */
    const double lat[] = {120, 121.2, 118.8, 120, 120, 122.4};
    assert_int_equal(stats_overhead_paired(lat, native, 6, BETTER_LOWER, &o), 0);
    assert_near(o.pct, 20, 1e-9);
    /* A drift both sides share cancels in the pairs: host slow in round 2 */
    const double nat2[] = {100, 50, 100, 100, 100, 100};
    const double env2[] = {90, 45, 90, 90, 90, 90};
    assert_int_equal(stats_overhead_paired(env2, nat2, 6, BETTER_HIGHER, &o), 0);
    assert_near(o.ci.lo, 10, 1e-9);
    assert_near(o.ci.hi, 10, 1e-9);
    /* The same distribution: the interval holds 0. */
    const double same[] = {100, 99, 101, 100, 100.5, 101.5};
    assert_int_equal(stats_overhead_paired(same, native, 6, BETTER_HIGHER, &o), 0);
    assert_true(o.within_noise);
    /* One round: no interval, so never "significant" */
    assert_int_equal(stats_overhead_paired(slower, native, 1, BETTER_HIGHER, &o), 0);
    assert_near(o.ci.level, 0, 0);
    assert_true(o.within_noise);
    assert_int_equal(stats_overhead_paired(same, native, 0, BETTER_HIGHER, &o), -1);
    const double zero[] = {0, 0};
    assert_int_equal(stats_overhead_paired(same, zero, 2, BETTER_HIGHER, &o), -1);
}

/* ---- coverage by simulation ---- */

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void)
{
    return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}
static double lognormal(void) /* median 1, heavily right-skewed (sigma 1) */
{
    return exp(normal());
}
static double bimodal(void) /* N(0,1) and N(6,1) half each: median 3, none of it near 3 */
{
    return (unif() < 0.5 ? 0 : 6) + normal();
}
static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define TRIALS 10000

static void median_interval_covers_as_printed(void **state)
{
    (void)state;
    double (*dist[])(void) = {lognormal, bimodal};
    const double truth[] = {1, 3};
    double x[30];
    for (int d = 0; d < 2; d++)
        for (int n = 3; n <= 30; n++) {
            int hit = 0;
            struct interval iv = {0};
            for (int t = 0; t < TRIALS; t++) {
                for (int i = 0; i < n; i++)
                    x[i] = dist[d]();
                qsort(x, (size_t)n, sizeof(x[0]), cmp);
                stats_median_interval(x, n, &iv);
                hit += iv.lo <= truth[d] && truth[d] <= iv.hi;
            }
            double got = (double)hit / TRIALS;
            if (fabs(got - iv.level) > 0.015)
                fail_msg("%s n=%d: covered %.4f, printed level %.4f", d ? "bimodal" : "lognormal",
                         n, got, iv.level);
        }
}

/* The overhead's interval: env = 1.25 x native's distribution in each
 * round, both lognormal and independent, higher is better: the per-round
 * overhead's true median is (1 - 1.25) x 100 = -25 %. */
static void paired_overhead_covers_as_printed(void **state)
{
    (void)state;
    double env[30], nat[30];
    for (int n = 3; n <= 30; n++) {
        int hit = 0;
        struct overhead o = {0};
        for (int t = 0; t < TRIALS; t++) {
            for (int i = 0; i < n; i++) {
                env[i] = 1.25 * lognormal();
                nat[i] = lognormal();
            }
            assert_int_equal(stats_overhead_paired(env, nat, n, BETTER_HIGHER, &o), 0);
            hit += o.ci.lo <= -25 && -25 <= o.ci.hi;
        }
        double got = (double)hit / TRIALS;
        if (fabs(got - o.ci.level) > 0.015)
            fail_msg("paired n=%d: covered %.4f, printed level %.4f", n, got, o.ci.level);
    }
}

/* The exact Mann-Whitney distribution against brute force. */
static void mann_whitney_exact(void **state)
{
    (void)state;
    assert_near(stats_mw_cdf(3, 3, 0), 1.0 / 20, 1e-12);
    assert_near(stats_mw_cdf(2, 2, 0), 1.0 / 6, 1e-12);
    assert_near(stats_mw_cdf(3, 3, 9), 1, 1e-12);
    for (int m = 1; m <= 5; m++)
        for (int n = 1; n <= 5; n++) {
            int N = m + n;
            double count[26] = {0}, total = 0;
            for (unsigned mask = 0; mask < (1u << N); mask++) { /* bits set = the a sample */
                if (__builtin_popcount(mask) != m) continue;
                int u = 0; /* pairs (a_i, b_j) with a below b, positions as values */
                for (int i = 0; i < N; i++)
                    for (int j = i + 1; j < N; j++)
                        u += (mask >> i & 1) && !(mask >> j & 1);
                count[u]++;
                total++;
            }
            double c = 0;
            for (int u = 0; u <= m * n; u++) {
                c += count[u] / total;
                assert_near(stats_mw_cdf(m, n, u), c, 1e-12);
            }
        }
    /* the normal approximation takes over smoothly */
    assert_near(stats_mw_cdf(201, 201, 201 * 201 / 2), 0.5, 0.01);
}

/* Two runs: the shift's interval covers a true shift as often as printed
 * (lognormal noise, b shifted by +1), and the permutation test flags a
 * real shift and not equal samples. */
static void two_sample_shift_and_permutation(void **state)
{
    (void)state;
    double a[12], b[12];
    for (int n = 3; n <= 12; n += 3) {
        int hit = 0;
        struct interval iv = {0};
        for (int t = 0; t < TRIALS; t++) {
            for (int i = 0; i < n; i++) {
                a[i] = lognormal();
                b[i] = lognormal() + 1;
            }
            double shift;
            assert_int_equal(stats_shift_interval(a, n, b, n, &shift, &iv), 0);
            hit += iv.lo <= 1 && 1 <= iv.hi;
        }
        double got = (double)hit / TRIALS;
        if (fabs(got - iv.level) > 0.015)
            fail_msg("shift n=%d: covered %.4f, printed level %.4f", n, got, iv.level);
    }
    const double x[] = {1.00, 1.01, 0.99, 1.02, 0.98, 1.00};
    const double slow[] = {1.20, 1.21, 1.19, 1.22, 1.18, 1.20};
    double p = stats_perm_p(x, 6, slow, 6, 9999, 1);
    assert_near(p, 2.0 / 924, 1e-12); /* exact: C(12,6) relabellings, the two extremes */
    assert_true(stats_perm_p(x, 6, x, 6, 9999, 1) > 0.5);
    double big[40], big2[40];
    for (int i = 0; i < 40; i++) {
        big[i] = 1 + 0.01 * (i % 7);
        big2[i] = big[i] + 0.5;
    }
    p = stats_perm_p(big, 40, big2, 40, 9999, 7); /* sampled: at least 1/10000 */
    assert_near(p, 1.0 / 10000, 1e-12);
    const double d[] = {0.2, 0.21, 0.19, 0.2, 0.22, 0.18};
    assert_near(stats_signflip_p(d, 6, 9999, 1), 2.0 / 64, 1e-12);
    const double z[] = {0.1, -0.1, 0.05, -0.05};
    assert_near(stats_signflip_p(z, 4, 9999, 1), 1, 1e-12);
}

static void t_quantiles(void **state)
{
    (void)state;
    /* exact quantiles (R's qt), not a table's rounded steps */
    assert_near(stats_t95(1), 12.7062047361747, 1e-9);
    assert_near(stats_t95(4), 2.77644510519779, 1e-9);
    assert_near(stats_t95(31), 2.03951344639641, 1e-9); /* a table said 2.000 */
    assert_near(stats_t95(1000), 1.96233908082641, 1e-9);
    assert_near(stats_t_cdf(2.5, 7.3), 0.980174882667, 1e-9); /* Welch's fractional df */
    assert_near(stats_t_cdf(2.5, 7), 0.979503890707, 1e-9);
    assert_near(stats_t_cdf(-1, 3), 0.195501109477885, 1e-12);
    assert_near(stats_t_quantile(0.995, 10), 3.16927267261695, 1e-9);
    /* digamma, trigamma (R's values) */
    assert_near(stats_digamma(1), -0.577215664901533, 1e-12);
    assert_near(stats_digamma(2.5), 0.703156640645243, 1e-12);
    assert_near(stats_trigamma(1), 1.64493406684823, 1e-12);
    assert_near(stats_trigamma(0.5), 4.93480220054468, 1e-11);
    /* rows that share one variance: a large prior df, its variance */
    double s2[40], df[40], d0, s02;
    for (int i = 0; i < 40; i++) {
        s2[i] = 0.0025 * (i % 2 ? 1.05 : 0.95);
        df[i] = 10;
    }
    stats_moderate_prior(s2, df, 40, &d0, &s02);
    assert_true(d0 > 100);
    assert_near(s02, 0.0025, 0.0003);
    for (int i = 0; i < 40; i++) /* variances 100x apart: little borrowed */
        s2[i] = i % 2 ? 0.0001 : 0.01;
    stats_moderate_prior(s2, df, 40, &d0, &s02);
    assert_true(d0 < 2);
    stats_moderate_prior(s2, df, 2, &d0, &s02);
    assert_true(d0 == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_basics),
        cmocka_unit_test(coverage_by_order_statistics),
        cmocka_unit_test(summary_single_and_constant),
        cmocka_unit_test(overhead_from_paired_rounds),
        cmocka_unit_test(median_interval_covers_as_printed),
        cmocka_unit_test(narrowest_pair),
        cmocka_unit_test(holm_steps_down),
        cmocka_unit_test(paired_overhead_covers_as_printed),
        cmocka_unit_test(mann_whitney_exact),
        cmocka_unit_test(two_sample_shift_and_permutation),
        cmocka_unit_test(t_quantiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
