/* stream - McCalpin's STREAM Copy/Scale/Add/Triad with OpenMP over every CPU
 * the environment gives us. Each array is at least 4x the last-level cache;
 * each kernel's best time over ntimes passes (the first pass excluded, as
 * STREAM does) gives GB/s (10^9 bytes/s). The arrays are validated against
 * the analytically expected values afterwards, so a wrong kernel fails. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "workloads/workload.h"

static const struct wl_opt stream_opts[] = {
    {"array-size",
     "bytes per array (>= 4x LLC); auto = 4x LLC, at least 64M",
     {"auto", "auto", "auto"}},
    {"ntimes", "passes per kernel; the best counts", {"5", "10", "20"}},
    {"threads", "OpenMP threads; auto = CPUs of the environment", {"auto", "auto", "auto"}},
    {NULL, NULL, {NULL, NULL, NULL}},
};

static uint64_t stream_auto_bytes(void)
{
    uint64_t b = 4 * util_llc_bytes();
    return b < (64u << 20) ? (64u << 20) : b;
}

static int stream_params(const struct wl_ctx *ctx, uint64_t *bytes, uint64_t *ntimes,
                         uint64_t *threads, struct err *e)
{
    if (wl_opt_size(ctx, &workload_stream, "array-size", stream_auto_bytes(), bytes, e) < 0 ||
        wl_opt_u64(ctx, &workload_stream, "ntimes", 10, ntimes, e) < 0 ||
        wl_opt_u64(ctx, &workload_stream, "threads", (uint64_t)util_ncpus(), threads, e) < 0)
        return -1;
    if (*ntimes < 2) return err_set(e, ERR_USAGE, "stream: ntimes must be >= 2");
    if (*threads < 1 || *threads > 4096)
        return err_set(e, ERR_USAGE, "stream: threads out of range");
    if (*bytes < (1u << 20)) return err_set(e, ERR_USAGE, "stream: array-size must be >= 1M");
    return 0;
}

static int stream_check(const struct wl_ctx *ctx, struct kvlist *resolved, uint64_t *mem,
                        struct err *e)
{
    uint64_t bytes, ntimes, threads;
    if (stream_params(ctx, &bytes, &ntimes, &threads, e) < 0) return -1;
    uint64_t llc = util_llc_bytes();
    if (llc && bytes < 4 * llc)
        return err_set(e, ERR_USAGE,
                       "stream: array-size %llu MiB is below 4x the last-level cache (%llu MiB): "
                       "it would measure the cache, not memory",
                       (unsigned long long)(bytes >> 20), (unsigned long long)(4 * llc >> 20));
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)bytes);
    *mem = 3 * bytes;
    return kv_set(resolved, "array-size", buf, e);
}

/* STREAM's check: replay the scalar recurrence and compare average errors. */
static int stream_validate(const double *a, const double *b, const double *c, size_t n,
                           uint64_t ntimes, struct err *e)
{
    const double scalar = 3.0;
    double aj = 1.0, bj = 2.0, cj = 0.0;
    aj = 2.0 * aj;
    for (uint64_t k = 0; k < ntimes; k++) {
        cj = aj;
        bj = scalar * cj;
        cj = aj + bj;
        aj = bj + scalar * cj;
    }
    double ea = 0, eb = 0, ec = 0;
#pragma omp parallel for reduction(+ : ea, eb, ec)
    for (size_t j = 0; j < n; j++) {
        ea += fabs(a[j] - aj);
        eb += fabs(b[j] - bj);
        ec += fabs(c[j] - cj);
    }
    const double eps = 1e-13;
    if (ea / n / fabs(aj) > eps || eb / n / fabs(bj) > eps || ec / n / fabs(cj) > eps)
        return err_set(e, ERR_FAIL, "stream: validation failed (avg rel errors %g %g %g)",
                       ea / n / fabs(aj), eb / n / fabs(bj), ec / n / fabs(cj));
    return 0;
}

static int stream_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    uint64_t bytes, ntimes, threads;
    if (stream_params(ctx, &bytes, &ntimes, &threads, e) < 0) return -1;
    size_t n = bytes / sizeof(double);
    double *a cleanup_free = aligned_alloc(64, n * sizeof(double));
    double *b cleanup_free = aligned_alloc(64, n * sizeof(double));
    double *c cleanup_free = aligned_alloc(64, n * sizeof(double));
    if (!a || !b || !c)
        return err_set(e, ERR_FAIL, "stream: cannot allocate 3 x %llu bytes",
                       (unsigned long long)bytes);
    omp_set_num_threads((int)threads);
    const double scalar = 3.0;
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < n; j++) {
        a[j] = 1.0;
        b[j] = 2.0;
        c[j] = 0.0;
    }
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < n; j++)
        a[j] = 2.0 * a[j];

    double best[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
    for (uint64_t k = 0; k < ntimes; k++) {
        double t[4];
        t[0] = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (size_t j = 0; j < n; j++)
            c[j] = a[j];
        t[0] = omp_get_wtime() - t[0];
        t[1] = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (size_t j = 0; j < n; j++)
            b[j] = scalar * c[j];
        t[1] = omp_get_wtime() - t[1];
        t[2] = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (size_t j = 0; j < n; j++)
            c[j] = a[j] + b[j];
        t[2] = omp_get_wtime() - t[2];
        t[3] = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (size_t j = 0; j < n; j++)
            a[j] = b[j] + scalar * c[j];
        t[3] = omp_get_wtime() - t[3];
        if (k == 0) continue; /* STREAM skips the first pass */
        for (int i = 0; i < 4; i++)
            if (t[i] < best[i]) best[i] = t[i];
    }
    if (stream_validate(a, b, c, n, ntimes, e) < 0) return -1;
    static const char *const names[] = {"copy", "scale", "add", "triad"};
    static const double words[] = {2, 2, 3, 3};
    for (int i = 0; i < 4; i++) {
        if (best[i] <= 0) return err_set(e, ERR_FAIL, "stream: timer resolution too coarse");
        if (result_add(r, names[i], "GB/s", BETTER_HIGHER, words[i] * 8.0 * n / best[i] / 1e9, e) <
            0)
            return -1;
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)threads);
    kv_set(&r->facts, "stream.threads", buf, NULL);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)bytes);
    kv_set(&r->facts, "stream.array_bytes", buf, NULL);
    return 0;
}

const struct workload workload_stream = {
    .name = "stream",
    .summary = "STREAM memory bandwidth (copy/scale/add/triad), OpenMP",
    .opts = stream_opts,
    .check = stream_check,
    .run = stream_run,
};
