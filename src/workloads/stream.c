/* stream - McCalpin's STREAM Copy/Scale/Add/Triad with OpenMP over every CPU
 * the environment gives us. STREAM's rule: each array at least 4x the
 * host's last-level caches summed over every instance (array-size=auto at
 * small and full). The tiny preset is a fixed 64 MiB so that it fits a
 * 1 GiB guest on any CPU; below the rule (tiny on a large-cache host, or
 * an explicit array-size) the run goes on but every sample carries the
 * stream.valid=no fact and a caveat the reports print;
 * each kernel's best time over ntimes passes (the first pass excluded, as
 * STREAM does) gives GB/s (10^9 bytes/s). The arrays are validated against
 * the analytically expected values afterwards, so a wrong kernel fails.
 *
 * stores=nt (the default on x86-64) writes the destination array with
 * non-temporal stores, as Intel-compiled STREAM does: the bytes counted are
 * the same (STREAM never counts the write-allocate read), but the memory
 * system moves 3 instead of 4 words per triad element. stores=plain is the
 * reference C loop, as hpcc's STREAM compiles it.
 *
 * pages=huge (the default) puts the arrays on 2 MiB transparent huge pages,
 * as the paper ran STREAM ("TLB misses, which we further reduce using large
 * pages"); pages=normal holds them on base pages. The share the kernel
 * actually gave is reported (stream.huge_share). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/bigmem.h"
#include "core/util.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

static const struct wl_opt stream_opts[] = {
    {"array-size",
     "bytes per array; auto = 4x the host's last-level caches (STREAM's rule), at least 64M",
     {"64M", "auto", "auto"},
     .type = WL_T_SIZE,
     .min = 1048576.0,
     .max = 0x1p40,
     .values = "auto",
     .unit = "bytes"},
    {"ntimes",
     "passes per kernel; the best counts",
     {"5", "10", "20"},
     .type = WL_T_UINT,
     .min = 2.0,
     .max = 10000.0},
    {"threads",
     "OpenMP threads; auto = CPUs of the environment",
     {"auto", "auto", "auto"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 4096.0,
     .values = "auto"},
    WL_OPT_SIZING,
    {"stores",
     "nt (non-temporal stores) or plain (the reference C loop); auto = nt on x86-64",
     {"auto", "auto", "auto"},
     .type = WL_T_ENUM,
     .values = "auto|nt|plain"},
    {"pages",
     "huge (2 MiB transparent huge pages, as the paper) or normal",
     {"huge", "huge", "huge"},
     .type = WL_T_ENUM,
     .values = WL_PAGES_VALUES},
    {.name = NULL},
};

#define STREAM_MIN_AUTO (64u << 20)

static uint64_t stream_auto_bytes(const struct wl_ctx *ctx)
{
    uint64_t b = 4 * ctx->llc_bytes;
    return b < STREAM_MIN_AUTO ? STREAM_MIN_AUTO : b;
}

#ifdef __SSE2__
#define STREAM_HAVE_NT 1
#else
#define STREAM_HAVE_NT 0
#endif

struct stream_cfg {
    uint64_t bytes, ntimes, threads;
    int nt;   /* non-temporal stores */
    int huge; /* arrays on huge pages */
};

/* stores=, in the order of its table's values "auto|nt|plain" */

/* stream's options, typed by its table; ERR_USAGE when one does not fit or
 * stores=nt in a build without non-temporal stores. */
static int stream_params(const struct wl_ctx *ctx, struct stream_cfg *c, struct err *e)
{
    int idx;
    if (wl_opt_huge(ctx, &workload_stream, &c->huge, e) < 0 ||
        wl_opt_enum(ctx, &workload_stream, "stores", STORES_AUTO, &idx, e) < 0)
        return -1;
    switch ((enum stream_stores)idx) {
    case STORES_AUTO:
        c->nt = STREAM_HAVE_NT;
        break;
    case STORES_NT:
        if (!STREAM_HAVE_NT)
            return err_set(e, ERR_USAGE, "stream: stores=nt needs an x86-64 (SSE2) build");
        c->nt = 1;
        break;
    case STORES_PLAIN:
        c->nt = 0;
        break;
    }
    if (wl_opt_size(ctx, &workload_stream, "array-size", stream_auto_bytes(ctx), &c->bytes, e) <
            0 ||
        wl_opt_u64(ctx, &workload_stream, "ntimes", 10, &c->ntimes, e) < 0 ||
        wl_opt_u64(ctx, &workload_stream, "threads", wl_auto_threads(ctx, &workload_stream),
                   &c->threads, e) < 0)
        return -1;
    return 0;
}

/* Resolves the array size on the host, so every environment runs the same
 * one. Below STREAM's rule it is allowed (tiny, or the user's choice) but
 * never passes for a valid STREAM result: stream.valid=no and a caveat. */
static int stream_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                        struct err *e)
{
    struct stream_cfg c;
    if (stream_params(ctx, &c, e) < 0) return -1;
    char buf[320];
    uint64_t rule = 4 * ctx->llc_bytes;
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rule);
    if (kv_set(&need->facts, "stream.rule_bytes", buf, e) < 0) return -1;
    const char *valid = !ctx->llc_bytes ? "unknown" : c.bytes >= rule ? "yes" : "no";
    if (kv_set(&need->facts, "stream.valid", valid, e) < 0) return -1;
    if (ctx->llc_bytes && c.bytes < rule) {
        snprintf(buf, sizeof(buf),
                 "arrays of %llu MiB are below STREAM's rule (4 x the %llu MiB of last-level "
                 "cache = %llu MiB): partly a cache measurement, not a valid STREAM result",
                 (unsigned long long)(c.bytes >> 20), (unsigned long long)(ctx->llc_bytes >> 20),
                 (unsigned long long)(rule >> 20));
        if (kv_set(&need->facts, "stream.caveat", buf, e) < 0) return -1;
    }
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c.bytes);
    need->mem_bytes = 3 * c.bytes;
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

/* The calling OpenMP thread's share [lo, hi) of n elements. Shares start on
 * 64-byte boundaries (the arrays are 64-byte aligned) so that streaming
 * stores stay aligned; the last thread also takes the remainder. The
 * initialisation uses the same split, so each thread first touches the pages
 * it later streams (NUMA-local, as STREAM's static schedule intends). */
static void stream_share(size_t n, size_t *lo, size_t *hi)
{
    size_t t = (size_t)omp_get_thread_num(), nthr = (size_t)omp_get_num_threads();
    size_t per = (n / nthr) & ~(size_t)7;
    *lo = per * t;
    *hi = t + 1 == nthr ? n : per * (t + 1);
}

enum { K_COPY, K_SCALE, K_ADD, K_TRIAD };

/* One STREAM kernel over [lo, hi): dst = x (copy), s*x (scale), x+y (add),
 * x+s*y (triad). With nt, the destination is written with non-temporal
 * stores and fenced before returning, so the timed region covers them. */
static void stream_kernel(int k, double *dst, const double *x, const double *y, size_t lo,
                          size_t hi, int nt)
{
    const double s = 3.0;
    size_t j = lo;
#ifdef __SSE2__
    if (nt) {
        const __m128d vs = _mm_set1_pd(s);
        for (; j + 2 <= hi; j += 2) {
            __m128d vx = _mm_load_pd(x + j), v;
            switch (k) {
            case K_COPY:
                v = vx;
                break;
            case K_SCALE:
                v = _mm_mul_pd(vs, vx);
                break;
            case K_ADD:
                v = _mm_add_pd(vx, _mm_load_pd(y + j));
                break;
            default:
                v = _mm_add_pd(vx, _mm_mul_pd(vs, _mm_load_pd(y + j)));
                break;
            }
            _mm_stream_pd(dst + j, v);
        }
    }
#else
    (void)nt;
#endif
    switch (k) {
    case K_COPY:
        for (; j < hi; j++)
            dst[j] = x[j];
        break;
    case K_SCALE:
        for (; j < hi; j++)
            dst[j] = s * x[j];
        break;
    case K_ADD:
        for (; j < hi; j++)
            dst[j] = x[j] + y[j];
        break;
    default:
        for (; j < hi; j++)
            dst[j] = x[j] + s * y[j];
        break;
    }
#ifdef __SSE2__
    if (nt) _mm_sfence();
#endif
}

/* Runs the four STREAM kernels ntimes over three arrays (huge or normal
 * pages), keeping each kernel's best time after the first pass, checks
 * the arrays' final values (ERR_FAIL if wrong) and adds copy, scale, add
 * and triad in GB/s and the sizing and pages facts to r. */
static int stream_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct stream_cfg cfg;
    if (stream_params(ctx, &cfg, e) < 0) return -1;
    const uint64_t ntimes = cfg.ntimes;
    const int nt = cfg.nt;
    size_t n = cfg.bytes / sizeof(double);
    struct bigmem ma cleanup_bigmem = {NULL, 0}, mb cleanup_bigmem = {NULL, 0},
                     mc cleanup_bigmem = {NULL, 0};
    if (bigmem_alloc(&ma, n * sizeof(double), cfg.huge) < 0 ||
        bigmem_alloc(&mb, n * sizeof(double), cfg.huge) < 0 ||
        bigmem_alloc(&mc, n * sizeof(double), cfg.huge) < 0)
        return err_set(e, ERR_FAIL, "stream: cannot allocate 3 x %llu bytes",
                       (unsigned long long)cfg.bytes);
    double *a = ma.p, *b = mb.p, *c = mc.p;
    omp_set_num_threads((int)cfg.threads);
#pragma omp parallel
    {
        size_t lo, hi;
        stream_share(n, &lo, &hi);
        for (size_t j = lo; j < hi; j++) {
            a[j] = 2.0; /* STREAM's a = 1.0, then a = 2.0 * a */
            b[j] = 2.0;
            c[j] = 0.0;
        }
    }
    const struct bigmem all[3] = {ma, mb, mc};
    double share = bigmem_huge_share(all, 3);
    /* kernel k: dst, x, y */
    double *const dst[4] = {c, b, c, a};
    const double *const src[4][2] = {{a, NULL}, {c, NULL}, {a, b}, {b, c}};
    double best[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
    for (uint64_t pass = 0; pass < ntimes; pass++) {
        for (int k = 0; k < 4; k++) {
            double t = omp_get_wtime();
#pragma omp parallel
            {
                size_t lo, hi;
                stream_share(n, &lo, &hi);
                stream_kernel(k, dst[k], src[k][0], src[k][1], lo, hi, nt);
            }
            t = omp_get_wtime() - t;
            if (pass > 0 && t < best[k]) best[k] = t; /* STREAM skips the first pass */
        }
    }
    if (stream_validate(a, b, c, n, ntimes, e) < 0) return -1;
    static const char *const names[] = {"copy", "scale", "add", "triad"};
    static const double words[] = {2, 2, 3, 3};
    wl_units(r,
             (2 + 2 + 3 + 3) * 8.0 * (double)n * (double)ntimes / 1e9); /* GB the kernels moved */
    for (int i = 0; i < 4; i++) {
        if (best[i] <= 0) return err_set(e, ERR_FAIL, "stream: timer resolution too coarse");
        if (result_add(r, names[i], "GB/s", BETTER_HIGHER, words[i] * 8.0 * n / best[i] / 1e9, e) <
            0)
            return -1;
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg.threads);
    kv_set(&r->facts, "stream.threads", buf, NULL);
    if (wl_sizing_facts(ctx, &workload_stream, r, e) < 0) return -1;
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg.bytes);
    kv_set(&r->facts, "stream.array_bytes", buf, NULL);
    kv_set(&r->facts, "stream.stores", nt ? "nt" : "plain", NULL);
    kv_set(&r->facts, "stream.pages", cfg.huge ? "huge" : "normal", NULL);
    bigmem_fact(&r->facts, "stream.huge_share", share);
    return 0;
}

const struct workload workload_stream = {
    .unit = "GB",
    .name = "stream",
    .summary = "STREAM memory bandwidth (copy/scale/add/triad), OpenMP",
    .opts = stream_opts,
    .check = stream_check,
    .run = stream_run,
};
