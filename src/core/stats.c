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

/* The regularized incomplete beta I_x(a, b) by its continued fraction
 * (modified Lentz), the symmetry taken where the fraction converges
 * slowly: the Student t distribution's tail below. */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = 1 / (fabs(d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + aa * d;
        c = 1 + aa / c;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        c = 1 + aa / c;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15) break;
    }
    return h;
}

static double ibeta(double a, double b, double x)
{
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2)) return exp(lbt) * betacf(a, b, x) / a;
    return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

double stats_t_cdf(double t, double df)
{
    if (!(df > 0)) return NAN;
    double tail = 0.5 * ibeta(df / 2, 0.5, df / (df + t * t)); /* P(T > |t|) */
    return t >= 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
    if (p < 0.5) return -stats_t_quantile(1 - p, df);
    double lo = 0, hi = 1;
    while (stats_t_cdf(hi, df) < p && hi < 1e12)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) { /* bisection: monotone, exact */
        double mid = (lo + hi) / 2;
        if (stats_t_cdf(mid, df) < p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

double stats_digamma(double x)
{
    double r = 0;
    for (; x < 12; x++)
        r -= 1 / x;
    double f = 1 / (x * x);
    return r + log(x) - 0.5 / x -
           f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

double stats_trigamma(double x)
{
    double r = 0;
    for (; x < 12; x++)
        r += 1 / (x * x);
    double f = 1 / (x * x);
    return r + 1 / x + f / 2 +
           f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * 5.0 / 66))));
}

/* The y > 0 with trigamma(y) = v (trigamma falls from infinity to 0), by
 * bisection on log y; 1e12 when v is below trigamma's reach there. */
static double trigamma_inverse(double v)
{
    double lo = log(1e-8), hi = log(1e12);
    if (stats_trigamma(exp(hi)) >= v) return exp(hi);
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        if (stats_trigamma(exp(mid)) > v)
            lo = mid;
        else
            hi = mid;
    }
    return exp((lo + hi) / 2);
}

void stats_moderate_prior(const double *s2, const double *df, int n, double *d0, double *s02)
{
    double e[1024], mean = 0, tri = 0;
    int k = 0;
    for (int i = 0; i < n && k < 1024; i++)
        if (s2[i] > 0 && df[i] > 0) {
            e[k] = log(s2[i]) - stats_digamma(df[i] / 2) + log(df[i] / 2);
            mean += e[k];
            tri += stats_trigamma(df[i] / 2);
            k++;
        }
    *d0 = 0;
    *s02 = 0;
    if (k < 3) return; /* too few rows to learn from: plain t-tests */
    mean /= k;
    tri /= k;
    double var = 0;
    for (int i = 0; i < k; i++)
        var += (e[i] - mean) * (e[i] - mean);
    var = var / (k - 1) - tri;
    *d0 = var > 0 ? 2 * trigamma_inverse(var) : 1e12;
    *s02 = exp(mean + stats_digamma(*d0 / 2) - log(*d0 / 2));
}

void stats_holm(const double *p, int n, double *adj)
{
    int *idx = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!idx) { /* Bonferroni: never below Holm, so never too bold */
        for (int i = 0; i < n; i++)
            adj[i] = p[i] * n > 1 ? 1 : p[i] * n;
        return;
    }
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = 1; i < n; i++) /* insertion sort by p: families are small */
        for (int j = i; j > 0 && p[idx[j]] < p[idx[j - 1]]; j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    double run = 0;
    for (int j = 0; j < n; j++) {
        double a = (n - j) * p[idx[j]];
        run = a > run ? a : run;
        adj[idx[j]] = run > 1 ? 1 : run;
    }
    free(idx);
}

double stats_t95(int df)
{
    return df <= 0 ? 0 : stats_t_quantile(0.975, df);
}

double stats_median_pair_coverage(int n, int j, int l)
{
    if (n < 2 || j < 1 || l > n || j >= l) return 0;
    /* P(j <= B <= l-1) for B ~ Binomial(n, 1/2), summed in logs: exact
     * enough for any n a run can have */
    double c = 0;
    for (int i = j; i < l; i++)
        c += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    return c > 1 ? 1 : c;
}

double stats_median_coverage(int n, int k)
{
    if (n < 2 || k < 1 || 2 * k > n) return 0;
    return stats_median_pair_coverage(n, k, n + 1 - k);
}

/* The order statistics (j, l) of the interval for n values at level: the
 * smallest span l - j whose coverage reaches it; of those, the highest
 * coverage, then the one that keeps the smallest value (an asymmetric
 * pair drops the top: deterministic, so its coverage is exact, and on
 * right-skewed times the narrower). None reaches it: [min, max]. The
 * binomial's cdf once (cdf[i] = P(B <= i - 1)): O(n^2) over the pairs. */
static void median_pair(int n, double level, int *pj, int *pl)
{
    *pj = 1;
    *pl = n;
    double *cdf = malloc(sizeof(double) * (size_t)(n + 1));
    if (!cdf) return; /* [min, max]: its level is computed apart */
    cdf[0] = 0;
    for (int i = 0; i < n; i++)
        cdf[i + 1] =
            cdf[i] + exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    for (int span = 1; span < n; span++) {
        double best = -1;
        for (int j = 1; j + span <= n; j++) {
            double c = cdf[j + span] - cdf[j]; /* P(j <= B <= j + span - 1) */
            if (c >= level && c > best + 1e-12) {
                best = c;
                *pj = j;
                *pl = j + span;
            }
        }
        if (best >= 0) break;
    }
    free(cdf);
}

void stats_median_interval_at(const double *v, int n, double level, struct interval *iv)
{
    iv->lo = iv->hi = n > 0 ? v[(n - 1) / 2] : 0;
    iv->level = 0;
    if (n < 2) return;
    int j, l;
    median_pair(n, level, &j, &l);
    iv->lo = v[j - 1];
    iv->hi = v[l - 1];
    iv->level = stats_median_pair_coverage(n, j, l);
}

void stats_median_interval(const double *v, int n, struct interval *iv)
{
    stats_median_interval_at(v, n, STATS_LEVEL, iv);
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
    return stats_overhead_paired_at(env, native, n, better, STATS_LEVEL, o);
}

int stats_overhead_paired_at(const double *env, const double *native, int n, int better,
                             double level, struct overhead *o)
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
    stats_median_interval_at(v, n, level, &o->ci);
    free(v);
    o->within_noise = o->ci.level == 0 || (o->ci.lo <= 0 && o->ci.hi >= 0);
    return 0;
}

/* The CDF of the Mann-Whitney count for sizes m, n into cdf[0..mn]. The
 * pmf by recursion over the sizes, row i from row i-1:
 * P_{i,j}(k) = i/(i+j) P_{i-1,j}(k-j) + j/(i+j) P_{i,j-1}(k); beyond
 * 40000 pairs, the normal approximation (continuity corrected). */
static int mw_dist(int m, int n, double *cdf)
{
    int w = m * n + 1;
    if ((double)m * n > 40000) {
        double mu = m * n / 2.0, sd = sqrt(m * n * (m + n + 1) / 12.0);
        for (int u = 0; u < w; u++)
            cdf[u] = 0.5 * erfc(-((u + 0.5 - mu) / sd) / sqrt(2.0));
        return 0;
    }
    double *prev = calloc((size_t)(n + 1) * (size_t)w, sizeof(double));
    double *cur = calloc((size_t)(n + 1) * (size_t)w, sizeof(double));
    if (!prev || !cur) {
        free(prev);
        free(cur);
        return -1;
    }
    for (int j = 0; j <= n; j++)
        prev[(size_t)j * w] = 1; /* i = 0: U = 0 */
    for (int i = 1; i <= m; i++) {
        memset(cur, 0, sizeof(double) * (size_t)(n + 1) * (size_t)w);
        cur[0] = 1; /* j = 0 */
        for (int j = 1; j <= n; j++)
            for (int k = 0; k <= i * j; k++) {
                double x = k >= j ? prev[(size_t)j * w + (size_t)(k - j)] : 0;
                double y = k <= i * (j - 1) ? cur[(size_t)(j - 1) * w + (size_t)k] : 0;
                cur[(size_t)j * w + (size_t)k] = ((double)i * x + (double)j * y) / (i + j);
            }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double c = 0;
    for (int k = 0; k < w; k++) {
        c += prev[(size_t)n * w + (size_t)k];
        cdf[k] = c > 1 ? 1 : c;
    }
    free(prev);
    free(cur);
    return 0;
}

double stats_mw_cdf(int m, int n, int u)
{
    if (u < 0) return 0;
    if (u >= m * n) return 1;
    double *cdf = malloc(sizeof(double) * (size_t)(m * n + 1));
    double c = cdf && mw_dist(m, n, cdf) == 0 ? cdf[u] : NAN;
    free(cdf);
    return c;
}

int stats_shift_interval(const double *a, int m, const double *b, int n, double *shift,
                         struct interval *iv)
{
    memset(iv, 0, sizeof(*iv));
    if (m < 1 || n < 1) return -1;
    size_t nd = (size_t)m * (size_t)n;
    double *d = malloc(sizeof(double) * nd);
    if (!d) return -1;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            d[(size_t)i * n + j] = b[j] - a[i];
    *shift = median_inplace(d, (int)nd);
    iv->lo = iv->hi = *shift;
    double *cdf = malloc(sizeof(double) * (nd + 1));
    if (!cdf || mw_dist(m, n, cdf) < 0) {
        free(d);
        free(cdf);
        return -1;
    }
    /* [d(k), d(mn+1-k)] covers the shift with 1 - 2 P(U <= k-1) */
    int k = 0;
    while (k + 1 <= (int)nd / 2 && 1 - 2 * cdf[k] >= STATS_LEVEL)
        k++;
    if (k == 0 && nd >= 2) k = 1; /* [min, max], at the level it reaches */
    if (k >= 1 && nd >= 2) {
        iv->lo = d[k - 1];
        iv->hi = d[nd - (size_t)k];
        iv->level = 1 - 2 * cdf[k - 1];
    }
    free(cdf);
    free(d);
    return 0;
}

static uint64_t perm_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double binom(int n, int k)
{
    return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0));
}

double stats_perm_p(const double *a, int m, const double *b, int n, int resamples, uint64_t seed)
{
    int N = m + n;
    if (m < 1 || n < 1) return 1;
    double *pool = malloc(sizeof(double) * (size_t)N);
    int *idx = malloc(sizeof(int) * (size_t)N);
    if (!pool || !idx) {
        free(pool);
        free(idx);
        return NAN;
    }
    double total = 0, sb = 0;
    for (int i = 0; i < m; i++)
        total += pool[i] = a[i];
    for (int j = 0; j < n; j++) {
        total += pool[m + j] = b[j];
        sb += b[j];
    }
    double obs = fabs(sb / n - (total - sb) / m), eps = 1e-12 * (fabs(obs) + 1);
    long hits = 0, draws = 0;
    int exact = N < 62 && binom(N, n) <= resamples;
    if (exact) { /* every subset of size n as "b": Gosper's hack */
        uint64_t x = (1ull << n) - 1, lim = 1ull << N;
        while (x < lim) {
            double s = 0;
            for (int i = 0; i < N; i++)
                if (x >> i & 1) s += pool[i];
            hits += fabs(s / n - (total - s) / m) >= obs - eps;
            draws++;
            uint64_t c = x & -x, r = x + c;
            x = (((r ^ x) >> 2) / c) | r;
        }
        free(pool);
        free(idx);
        return (double)hits / (double)draws;
    }
    for (int i = 0; i < N; i++)
        idx[i] = i;
    for (draws = 0; draws < resamples; draws++) {
        double s = 0;
        for (int i = 0; i < n; i++) { /* a partial Fisher-Yates picks n of N */
            int j = i + (int)(perm_rng(&seed) % (uint64_t)(N - i));
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            s += pool[idx[i]];
        }
        hits += fabs(s / n - (total - s) / m) >= obs - eps;
    }
    free(pool);
    free(idx);
    return (1.0 + hits) / (1.0 + draws);
}

double stats_signflip_p(const double *d, int n, int resamples, uint64_t seed)
{
    if (n < 1) return 1;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += d[i];
    double obs = fabs(sum / n), eps = 1e-12 * (obs + 1);
    long hits = 0, draws = 0;
    if (n < 31 && (1l << n) <= resamples) {
        for (long mask = 0; mask < (1l << n); mask++, draws++) {
            double s = 0;
            for (int i = 0; i < n; i++)
                s += (mask >> i & 1) ? -d[i] : d[i];
            hits += fabs(s / n) >= obs - eps;
        }
        return (double)hits / (double)draws;
    }
    for (draws = 0; draws < resamples; draws++) {
        double s = 0;
        for (int i = 0; i < n; i++)
            s += (perm_rng(&seed) & 1) ? -d[i] : d[i];
        hits += fabs(s / n) >= obs - eps;
    }
    return (1.0 + hits) / (1.0 + draws);
}
