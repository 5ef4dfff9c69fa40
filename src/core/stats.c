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

double stats_median_coverage(int n, int k)
{
    if (n < 2 || k < 1 || 2 * k > n) return 0;
    /* P(B <= k-1) for B ~ Binomial(n, 1/2), summed in logs: exact enough
     * for any n a run can have */
    double tail = 0;
    for (int i = 0; i < k; i++)
        tail += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    double c = 1 - 2 * tail;
    return c < 0 ? 0 : c;
}

void stats_median_interval(const double *v, int n, struct interval *iv)
{
    iv->lo = iv->hi = n > 0 ? v[(n - 1) / 2] : 0;
    iv->level = 0;
    if (n < 2) return;
    int k = 1;
    while (2 * (k + 1) <= n && stats_median_coverage(n, k + 1) >= STATS_LEVEL)
        k++;
    iv->lo = v[k - 1];
    iv->hi = v[n - k];
    iv->level = stats_median_coverage(n, k);
}

int stats_reps_for_level(double level)
{
    for (int n = 2; n < 1000; n++)
        if (stats_median_coverage(n, 1) >= level) return n;
    return 1000;
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
    double half = n > 1 ? stats_t95(n - 1) * s->stddev / sqrt(n) : 0;
    s->t_lo = s->mean - half;
    s->t_hi = s->mean + half;
    double *v = malloc(sizeof(double) * (size_t)n);
    if (!v) {
        s->median = NAN;
        return;
    }
    memcpy(v, x, sizeof(double) * (size_t)n);
    s->median = median_inplace(v, n);
    stats_median_interval(v, n, &s->ci);
    free(v);
}

static double overhead_pct(double env, double native, int better)
{
    return better == BETTER_LOWER ? (env / native - 1.0) * 100.0 : (1.0 - env / native) * 100.0;
}

int stats_overhead_paired(const double *env, const double *native, int n, int better,
                          struct overhead *o)
{
    memset(o, 0, sizeof(*o));
    if (n < 1) return -1;
    double *v = malloc(sizeof(double) * (size_t)n);
    if (!v) return -1;
    for (int i = 0; i < n; i++) {
        if (native[i] == 0 || !isfinite(env[i]) || !isfinite(native[i])) {
            free(v);
            return -1;
        }
        v[i] = overhead_pct(env[i], native[i], better);
    }
    o->rounds = n;
    o->pct = median_inplace(v, n);
    stats_median_interval(v, n, &o->ci);
    free(v);
    o->within_noise = o->ci.level == 0 || (o->ci.lo <= 0 && o->ci.hi >= 0);
    return 0;
}
