/* The compare gate, simulated (deterministic seeds, a few seconds): runs
 * of 40 metrics x 6 rounds with a 5 % CoV (lognormal), compared as two
 * runs (Welch) and as two environments of one run (paired by round), at
 * the defaults (alpha 0.01, noise 5 %).
 *   - family-wise false alarms: with no change anywhere, any row flagged
 *     in at most alpha + 1 % of comparisons (the permutation tests without
 *     a correction flagged something in 14 % of them);
 *   - power: a true +20 % in one row of 40 is flagged in >= 90 % of them
 *     (paired sign flips could never flag at 6 rounds: p >= 2/64);
 *   - the change interval covers the true change in >= its level - 1 %.
 * The rates are printed, so a drift shows before it fails. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/compare.h"

#define ROWS 40
#define ROUNDS 6
#define COV 0.05

static uint64_t rng_state;

static double uniform(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/* The rows' CoV: COV for all, or (heterogeneous) 1 % to 20 % by row. */
static int hetero;

/* A lognormal value around 100 with row m's CoV, times factor. */
static double value(int m, double factor)
{
    double cov = hetero ? 0.01 * pow(20.0, m / (ROWS - 1.0)) : COV;
    double s = sqrt(log(1 + cov * cov));
    return 100 * factor * exp(s * normal() - s * s / 2);
}

/* Run view with `nenv` environments, ROWS lower-is-better metrics, ROUNDS
 * rounds; environment 1 (or the whole run, with one environment) has row
 * 0 scaled by f0. */
static struct run_view *make_run(int nenv, double f0)
{
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->nenv = nenv;
    strcpy(rv->envs[0], "native");
    if (nenv > 1) strcpy(rv->envs[1], "container");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "sim");
    rv->points = calloc((size_t)(nenv * ROWS * ROUNDS), sizeof(*rv->points));
    for (int env = 0; env < nenv; env++)
        for (int m = 0; m < ROWS; m++)
            for (int r = 1; r <= ROUNDS; r++) {
                struct rv_point *p = &rv->points[rv->npoints++];
                p->wl = 0;
                p->env = env;
                snprintf(p->metric, sizeof(p->metric), "m%02d", m);
                snprintf(p->unit, sizeof(p->unit), "us");
                p->better = BETTER_LOWER;
                p->rep = r;
                p->value = value(m, m == 0 && env == nenv - 1 ? f0 : 1.0);
            }
    return rv;
}

static void free_run(struct run_view *rv)
{
    free(rv->points);
    free(rv);
}

struct tally {
    int trials, any_flag, row0_flag, covered, intervals;
};

/* One comparison of a fresh pair of runs (paired: two environments of
 * one run) with row 0 of B made f0 times worse. */
static void one(int paired, double f0, struct tally *t)
{
    struct compare_opts o = {.alpha = 0.01, .noise_pct = 5};
    struct compare c;
    struct err e = {0};
    struct run_view *a = make_run(paired ? 2 : 1, paired ? f0 : 1.0);
    struct run_view *b = paired ? NULL : make_run(1, f0);
    int rc = paired ? compare_envs(a, 0, 1, &o, &c, &e) : compare_runs(a, b, &o, &c, &e);
    assert_int_equal(rc, 0);
    assert_int_equal(c.tested, ROWS);
    t->trials++;
    t->any_flag += c.regressions + c.improvements > 0;
    t->row0_flag += c.rows[0].verdict == CMP_REGRESSION;
    double truth = (f0 - 1) * 100; /* the ratio of geometric means, in % worse */
    for (int i = 0; i < c.nrows; i++) {
        double want = i == 0 ? truth : 0;
        t->intervals++;
        t->covered += c.rows[i].ci.lo <= want && want <= c.rows[i].ci.hi;
    }
    compare_free(&c);
    free_run(a);
    if (b) free_run(b);
}

static void check(const char *what, int paired)
{
    struct tally null = {0}, shift = {0};
    rng_state = paired ? 12345 : 67890 + (uint64_t)hetero;
    for (int i = 0; i < 1000; i++)
        one(paired, 1.0, &null);
    for (int i = 0; i < 500; i++)
        one(paired, 1.2, &shift);
    double fwer = (double)null.any_flag / null.trials;
    double power = (double)shift.row0_flag / shift.trials;
    double cover = (double)(null.covered + shift.covered) / (null.intervals + shift.intervals);
    printf("%s: family-wise false alarms %.3f (alpha 0.01), power at +20 %% %.3f, interval "
           "coverage %.4f (level %.2f)\n",
           what, fwer, power, cover, CMP_LEVEL);
    assert_true(fwer <= 0.01 + 0.01);
    if (!hetero) assert_true(power >= 0.90); /* row 0 has a 1 % CoV there: no bar set */
    assert_true(cover >= CMP_LEVEL - 0.01);
}

static void two_runs(void **state)
{
    (void)state;
    hetero = 0;
    check("two runs (moderated t on logs, Holm)", 0);
}

static void paired_rounds(void **state)
{
    (void)state;
    hetero = 0;
    check("one run, paired by round (moderated t on log-ratios, Holm)", 1);
}

/* Rows whose noise differs 20-fold (1 % to 20 % CoV): the moderation
 * borrows little, and the false alarms must stay at alpha all the same. */
static void heterogeneous_rows(void **state)
{
    (void)state;
    hetero = 1;
    check("two runs, CoV 1-20 % by row", 0);
    check("paired, CoV 1-20 % by row", 1);
    hetero = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_runs),
        cmocka_unit_test(paired_rounds),
        cmocka_unit_test(heterogeneous_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
