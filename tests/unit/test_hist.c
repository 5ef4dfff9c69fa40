#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "near.h"
#include <stdlib.h>

#include "core/hist.h"

/* Every value lands in a bucket that contains it, buckets are contiguous
 * and each is at most 1/128 of its lower bound wide. */
static void buckets_contain_values(void **state)
{
    (void)state;
    uint64_t prev_hi = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        uint64_t lo, hi;
        hist_bounds(i, &lo, &hi);
        assert_true(lo == prev_hi);
        assert_true(hi > lo);
        if (lo >= HIST_SUB) assert_true((hi - lo) * 128 <= lo);
        prev_hi = hi;
    }
    const uint64_t probes[] = {0, 1, 255, 256, 257, 511, 512, 1000, 12345, 999999, 1ull << 39};
    for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
        uint64_t lo, hi;
        unsigned idx = hist_index(probes[k]);
        assert_true(idx < HIST_BUCKETS);
        hist_bounds(idx, &lo, &hi);
        assert_true(lo <= probes[k] && probes[k] < hi);
    }
}

/* Quantiles of a uniform 1..100000 ns set agree with the exact nearest-rank
 * values to the bucket precision; the mean is exact. */
static void quantiles_match_exact(void **state)
{
    (void)state;
    struct hist *h = malloc(sizeof(*h));
    assert_non_null(h);
    hist_init(h);
    for (uint64_t v = 100000; v >= 1; v--)
        hist_add(h, v);
    assert_int_equal(h->count, 100000);
    assert_near(hist_mean(h), 50000.5, 1e-6);
    const double qs[] = {0.5, 0.9, 0.99, 0.999};
    for (size_t k = 0; k < 4; k++) {
        double exact = qs[k] * 100000;
        assert_near(hist_quantile(h, qs[k]), exact, exact / 128 + 1);
    }
    assert_near(hist_quantile(h, 0), 1, 0);
    assert_near(hist_quantile(h, 1), 100000, 100000.0 / 128);
    free(h);
}

/* Huge values are clamped, counted, and never crash a percentile. */
static void clamps_huge(void **state)
{
    (void)state;
    struct hist *h = malloc(sizeof(*h));
    assert_non_null(h);
    hist_init(h);
    assert_near(hist_quantile(h, 0.5), 0, 0);
    hist_add(h, UINT64_MAX / 2);
    hist_add(h, 10);
    assert_int_equal(h->clamped, 1);
    assert_true(hist_quantile(h, 1) > 1e12);
    assert_near(hist_quantile(h, 0.5), 10, 0);
    free(h);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(buckets_contain_values),
        cmocka_unit_test(quantiles_match_exact),
        cmocka_unit_test(clamps_huge),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
