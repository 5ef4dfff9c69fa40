#include "core/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_inplace(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double stats_median(const double *x, int n)
{
    if (n <= 0) return 0;
    double *v = malloc(sizeof(double) * (size_t)n);
    if (!v) return NAN;
    memcpy(v, x, sizeof(double) * (size_t)n);
    double m = median_inplace(v, n);
    free(v);
    return m;
}

double stats_t95(int df)
{
    static const double t[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                               2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                               2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                               2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df <= 0) return 0;
    if (df <= 30) return t[df];
    if (df <= 60) return 2.000;
    if (df <= 120) return 1.980;
    return 1.960;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Median of a bootstrap resample of x drawn into tmp. */
static double boot_median(const double *x, int n, double *tmp, uint64_t *rng)
{
    for (int i = 0; i < n; i++)
        tmp[i] = x[rng_next(rng) % (uint64_t)n];
    return median_inplace(tmp, n);
}

/* Percentile p (0..1) of sorted values v. */
static double percentile(const double *v, int n, double p)
{
    double pos = p * (n - 1);
    int lo = (int)floor(pos);
    int hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

void stats_summarize(const double *x, int n, struct summary *s)
{
    memset(s, 0, sizeof(*s));
    s->n = n;
    if (n <= 0) return;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += x[i];
    s->mean = sum / n;
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (x[i] - s->mean) * (x[i] - s->mean);
    s->stddev = n > 1 ? sqrt(ss / (n - 1)) : 0;
    s->cov = s->mean != 0 ? s->stddev / fabs(s->mean) : 0;
    s->noisy = s->cov > STATS_NOISE_COV;
    s->median = stats_median(x, n);
    double half = n > 1 ? stats_t95(n - 1) * s->stddev / sqrt(n) : 0;
    s->t_lo = s->mean - half;
    s->t_hi = s->mean + half;
    s->ci_lo = s->ci_hi = s->median;
    if (n < 2) return;
    double *tmp = malloc(sizeof(double) * (size_t)n);
    double *meds = malloc(sizeof(double) * STATS_BOOT);
    if (!tmp || !meds) {
        free(tmp);
        free(meds);
        return;
    }
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    for (int b = 0; b < STATS_BOOT; b++)
        meds[b] = boot_median(x, n, tmp, &rng);
    qsort(meds, STATS_BOOT, sizeof(double), cmp_double);
    s->ci_lo = percentile(meds, STATS_BOOT, 0.025);
    s->ci_hi = percentile(meds, STATS_BOOT, 0.975);
    free(tmp);
    free(meds);
}

static double overhead_pct(double env, double native, int better)
{
    return better == BETTER_LOWER ? (env / native - 1.0) * 100.0 : (1.0 - env / native) * 100.0;
}

int stats_overhead(const double *env, int ne, const double *native, int nn, int better,
                   struct overhead *o)
{
    memset(o, 0, sizeof(*o));
    if (ne <= 0 || nn <= 0) return -1;
    double me = stats_median(env, ne), mn = stats_median(native, nn);
    if (mn == 0 || !isfinite(me) || !isfinite(mn)) return -1;
    o->pct = overhead_pct(me, mn, better);
    int nmax = ne > nn ? ne : nn;
    double *tmp = malloc(sizeof(double) * (size_t)nmax);
    double *pcts = malloc(sizeof(double) * STATS_BOOT);
    if (!tmp || !pcts) {
        free(tmp);
        free(pcts);
        return -1;
    }
    uint64_t rng = 0xD1B54A32D192ED03ull;
    int k = 0;
    for (int b = 0; b < STATS_BOOT; b++) {
        double be = boot_median(env, ne, tmp, &rng);
        double bn = boot_median(native, nn, tmp, &rng);
        if (bn != 0) pcts[k++] = overhead_pct(be, bn, better);
    }
    if (k > 0) {
        qsort(pcts, (size_t)k, sizeof(double), cmp_double);
        o->lo = percentile(pcts, k, 0.025);
        o->hi = percentile(pcts, k, 0.975);
    } else {
        o->lo = o->hi = o->pct;
    }
    o->within_noise = o->lo <= 0 && o->hi >= 0;
    free(tmp);
    free(pcts);
    return 0;
}
