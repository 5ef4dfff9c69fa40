#include "core/hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min_ns = UINT64_MAX;
}

/* Values below HIST_SUB go to bucket v; above, the top HIST_SUB_BITS+1 bits
 * pick the bucket: exponent block (msb - SUB_BITS) and the sub-bucket. */
unsigned hist_index(uint64_t v)
{
    if (v < HIST_SUB) return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - HIST_SUB_BITS + 1;             /* >= 1 */
    unsigned sub = (unsigned)(v >> shift) - HIST_SUB / 2; /* 0..SUB/2-1 */
    return HIST_SUB + (shift - 1) * (HIST_SUB / 2) + sub;
}

void hist_bounds(unsigned idx, uint64_t *lo, uint64_t *hi)
{
    if (idx < HIST_SUB) {
        *lo = idx;
        *hi = idx + 1;
        return;
    }
    unsigned shift = (idx - HIST_SUB) / (HIST_SUB / 2) + 1;
    uint64_t sub = (idx - HIST_SUB) % (HIST_SUB / 2) + HIST_SUB / 2;
    *lo = sub << shift;
    *hi = (sub + 1) << shift;
}

void hist_add(struct hist *h, uint64_t ns)
{
    unsigned idx = hist_index(ns);
    if (idx >= HIST_BUCKETS) {
        idx = HIST_BUCKETS - 1;
        h->clamped++;
    }
    h->b[idx]++;
    h->count++;
    h->sum_ns += (double)ns;
    if (ns < h->min_ns) h->min_ns = ns;
    if (ns > h->max_ns) h->max_ns = ns;
}

double hist_quantile(const struct hist *h, double q)
{
    if (!h->count) return 0;
    if (q < 0) q = 0;
    if (q > 1) q = 1;
    /* rank of the wanted sample, 1-based, nearest-rank definition */
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            hist_bounds(i, &lo, &hi);
            double mid = ((double)lo + (double)(hi - 1)) / 2;
            if (mid < (double)h->min_ns) mid = (double)h->min_ns;
            if (mid > (double)h->max_ns) mid = (double)h->max_ns;
            return mid;
        }
    }
    return (double)h->max_ns;
}

double hist_mean(const struct hist *h)
{
    return h->count ? h->sum_ns / (double)h->count : 0;
}
