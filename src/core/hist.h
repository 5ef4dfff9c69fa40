/* hist.h - a log-bucketed latency histogram (HdrHistogram's idea): values
 * in nanoseconds, 128 linear sub-buckets per power of two, so any recorded
 * value is known to within 1/128 (0.8 %) of itself and memory is fixed (no
 * per-sample arrays that grow with the run). Values up to 2^40 ns (~18
 * min) are kept; larger ones are clamped and counted as such. */
#ifndef ISOBENCH_HIST_H
#define ISOBENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 8
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB + (41 - HIST_SUB_BITS) * (HIST_SUB / 2))

struct hist {
    uint64_t count, clamped;
    double sum_ns;
    uint64_t min_ns, max_ns;
    uint64_t b[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t ns);
/* The value at quantile q (0..1), as the middle of its bucket; 0 if empty. */
double hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

/* Bucket index of a value and the [lo, hi) range of a bucket (tests). */
unsigned hist_index(uint64_t ns);
void hist_bounds(unsigned idx, uint64_t *lo, uint64_t *hi);

#endif
