#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "near.h"
#include <math.h>

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
    assert_true(s.ci_lo <= s.median && s.median <= s.ci_hi);
    assert_true(s.ci_lo >= 9 && s.ci_hi <= 13);
    /* Student-t: 11 +- 2.776 * sqrt(2.5)/sqrt(5) */
    assert_near(s.t_hi - s.mean, 2.776 * sqrt(2.5) / sqrt(5), 1e-9);
    assert_true(s.noisy); /* CoV = 0.144 */
    const double even[] = {4, 1, 3, 2};
    assert_near(stats_median(even, 4), 2.5, 1e-12);
}

static void summary_single_and_constant(void **state)
{
    (void)state;
    const double one[] = {7};
    struct summary s;
    stats_summarize(one, 1, &s);
    assert_near(s.median, 7, 0);
    assert_near(s.ci_lo, 7, 0);
    assert_near(s.ci_hi, 7, 0);
    assert_false(s.noisy);
    const double same[] = {5, 5, 5};
    stats_summarize(same, 3, &s);
    assert_near(s.stddev, 0, 0);
    assert_false(s.noisy);
}

static void deterministic_bootstrap(void **state)
{
    (void)state;
    const double x[] = {1.0, 1.1, 0.9, 1.05, 0.97, 1.2};
    struct summary a, b;
    stats_summarize(x, 6, &a);
    stats_summarize(x, 6, &b);
    assert_near(a.ci_lo, b.ci_lo, 0);
    assert_near(a.ci_hi, b.ci_hi, 0);
}

static void overhead_direction(void **state)
{
    (void)state;
    const double native[] = {100, 101, 99, 100, 100};
    const double slower[] = {80, 81, 79, 80, 80}; /* 20 % less throughput */
    struct overhead o;
    assert_int_equal(stats_overhead(slower, 5, native, 5, BETTER_HIGHER, &o), 0);
    assert_near(o.pct, 20, 1e-9);
    assert_true(o.lo <= 20 && o.hi >= 20);
    assert_false(o.within_noise);
    /* Latency: lower is better; 120 vs 100 is 20 % worse. */
    const double lat[] = {120, 121, 119, 120, 120};
    assert_int_equal(stats_overhead(lat, 5, native, 5, BETTER_LOWER, &o), 0);
    assert_near(o.pct, 20, 1e-9);
    /* Same distribution: CI contains 0. */
    const double same[] = {100, 99, 101, 100, 100.5};
    assert_int_equal(stats_overhead(same, 5, native, 5, BETTER_HIGHER, &o), 0);
    assert_true(o.within_noise);
    assert_int_equal(stats_overhead(same, 0, native, 5, BETTER_HIGHER, &o), -1);
    const double zero[] = {0, 0};
    assert_int_equal(stats_overhead(same, 5, zero, 2, BETTER_HIGHER, &o), -1);
}

static void t_quantiles(void **state)
{
    (void)state;
    assert_near(stats_t95(1), 12.706, 1e-9);
    assert_near(stats_t95(4), 2.776, 1e-9);
    assert_near(stats_t95(1000), 1.96, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_basics),
        cmocka_unit_test(summary_single_and_constant),
        cmocka_unit_test(deterministic_bootstrap),
        cmocka_unit_test(overhead_direction),
        cmocka_unit_test(t_quantiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
