/* randomaccess - HPCC RandomAccess (GUPS): tables of 2^k 64-bit words, 4x
 * as many XOR updates as words at addresses drawn from HPCC's 64-bit LFSR
 * stream (polynomial 7), in 128 interleaved sub-streams per thread.
 * tables=private (the default) gives every thread a table of its own —
 * first-touched by it, so NUMA-local — and HPCC's whole update stream for
 * it, as hpcc's StarRandomAccess runs one RandomAccess per process; the
 * size is split between the threads (each a power of two). tables=shared is
 * HPCC's OpenMP code: one table, the update stream split between the
 * threads; concurrent updates may race, which HPCC tolerates up to 1 % of
 * the table. Verification replays the same updates (XOR is its own
 * inverse) through another code path - HPCC's serial loop, one stream
 * after the other, no lanes, no prefetch - and counts words that are not
 * back to their index: none may be wrong in a private table. A kernel bug
 * that the same kernel's replay would undo cannot hide from it (the
 * randomaccess-kernel failpoint proves it).
 *
 * prefetch=on (the default) first advances all 128 sub-streams of a thread
 * and prefetches the 128 table lines they will update, then applies the 128
 * updates: the same updates in the same order, with 128 cache misses in
 * flight instead of what the out-of-order window finds (HPCC's rules allow a
 * look-ahead of up to 1024 updates). prefetch=off is HPCC's reference loop.
 *
 * pages=huge (the default) puts the tables on 2 MiB transparent huge pages,
 * as the paper ran RandomAccess ("uses large pages to reduce TLB miss
 * overhead"); pages=normal holds them on base pages, where nearly every
 * update also misses the TLB. randomaccess.huge_share says what the kernel
 * gave. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bigmem.h"
#include "core/util.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

#define RA_POLY 0x0000000000000007ull
#define RA_PERIOD 1317624576693539401ll
#define RA_LANES 128

static const struct wl_opt ra_opts[] = {
    {"table-size",
     "table bytes, rounded down to a power of two",
     {"64M", "256M", "2G"},
     .type = WL_T_SIZE,
     .min = 65536.0,
     .max = 0x1p50,
     .unit = "bytes"},
    {"threads",
     "threads; auto = CPUs of the environment",
     {"auto", "auto", "auto"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 4096.0,
     .values = "auto"},
    WL_OPT_SIZING,
    {"tables",
     "private: one table per thread (hpcc's StarRandomAccess); shared: one for all (HPCC's OpenMP)",
     {"private", "private", "private"},
     .type = WL_T_ENUM,
     .values = "private|shared"},
    {"prefetch",
     "on: prefetch each batch of 128 updates before applying it; off: HPCC's reference loop",
     {"on", "on", "on"},
     .type = WL_T_ENUM,
     .values = "on|off"},
    {"pages",
     "huge (2 MiB transparent huge pages, as the paper) or normal",
     {"huge", "huge", "huge"},
     .type = WL_T_ENUM,
     .values = WL_PAGES_VALUES},
    {.name = NULL},
};

static inline uint64_t ra_step(uint64_t x)
{
    return (x << 1) ^ ((int64_t)x < 0 ? RA_POLY : 0);
}

/* The n-th element of the HPCC random stream, by squaring the step matrix. */
uint64_t ra_starts(int64_t n)
{
    uint64_t m2[64], temp = 1;
    while (n < 0)
        n += RA_PERIOD;
    while (n > RA_PERIOD)
        n -= RA_PERIOD;
    if (n == 0) return 1;
    for (int i = 0; i < 64; i++) {
        m2[i] = temp;
        temp = ra_step(ra_step(temp));
    }
    int i;
    for (i = 62; i >= 0; i--)
        if ((n >> i) & 1) break;
    uint64_t ran = 2;
    while (i > 0) {
        temp = 0;
        for (int j = 0; j < 64; j++)
            if ((ran >> j) & 1) temp ^= m2[j];
        ran = temp;
        i--;
        if ((n >> i) & 1) ran = ra_step(ran);
    }
    return ran;
}

/* Test hook (ISOBENCH_FAILPOINT=randomaccess-kernel): the timed kernel
 * computes every index wrong, deterministically - a bug that replaying the
 * same kernel would undo, so only the independent check below catches it. */
static uint64_t ra_fault;

/* The updates of one thread: sub-stream l starts at element
 * (first + l) * per of HPCC's stream and runs per steps; prefetch as the
 * option above. Its 128 sub-streams together cover elements
 * first * per .. (first + 128) * per of the stream, in another order. */
static void ra_kernel(uint64_t *table, uint64_t mask, uint64_t first, uint64_t per, int prefetch)
{
    uint64_t ran[RA_LANES];
    for (int l = 0; l < RA_LANES; l++)
        ran[l] = ra_starts((int64_t)((first + (uint64_t)l) * per));
    if (prefetch) {
        for (uint64_t i = 0; i < per; i++) {
            for (int l = 0; l < RA_LANES; l++) {
                ran[l] = ra_step(ran[l]);
                __builtin_prefetch(&table[(ran[l] ^ ra_fault) & mask], 1, 0);
            }
            for (int l = 0; l < RA_LANES; l++)
                table[(ran[l] ^ ra_fault) & mask] ^= ran[l];
        }
    } else {
        for (uint64_t i = 0; i < per; i++) {
            for (int l = 0; l < RA_LANES; l++) {
                ran[l] = ra_step(ran[l]);
                table[(ran[l] ^ ra_fault) & mask] ^= ran[l];
            }
        }
    }
}

/* The verification's replay, by another code path: HPCC's serial loop
 * over the contiguous elements first .. first + count of the stream (the
 * same updates a kernel call applied, one after another; XOR updates
 * commute, so applying them again restores every word the kernel got
 * right, and only those). */
static void ra_reference(uint64_t *table, uint64_t mask, uint64_t first, uint64_t count)
{
    uint64_t ran = ra_starts((int64_t)first);
    for (uint64_t i = 0; i < count; i++) {
        ran = (ran << 1) ^ ((int64_t)ran < 0 ? RA_POLY : 0);
        table[ran & mask] ^= ran;
    }
}

/* Applies the whole update stream (nupdate updates, a multiple of threads x
 * 128) to one shared table with threads. Exported for the unit test that
 * checks both loops make the same table. */
void ra_update(uint64_t *table, uint64_t size, uint64_t nupdate, int threads, int prefetch)
{
    const uint64_t per = nupdate / ((uint64_t)threads * RA_LANES);
#pragma omp parallel num_threads(threads)
    ra_kernel(table, size - 1, (uint64_t)omp_get_thread_num() * RA_LANES, per, prefetch);
}

struct ra_cfg {
    uint64_t words;   /* per table */
    uint64_t ntables; /* 1 (shared) or threads (private) */
    uint64_t threads;
    int prefetch;
    int huge; /* tables on huge pages */
};

static int ra_params(const struct wl_ctx *ctx, struct ra_cfg *c, struct err *e)
{
    uint64_t bytes;
    int pf, tb;
    if (wl_opt_huge(ctx, &workload_randomaccess, &c->huge, e) < 0 ||
        wl_opt_enum(ctx, &workload_randomaccess, "prefetch", RA_PREFETCH_ON, &pf, e) < 0 ||
        wl_opt_enum(ctx, &workload_randomaccess, "tables", RA_TABLES_PRIVATE, &tb, e) < 0)
        return -1;
    c->prefetch = (enum ra_prefetch)pf == RA_PREFETCH_ON;
    int priv = (enum ra_tables)tb == RA_TABLES_PRIVATE;
    if (wl_opt_size(ctx, &workload_randomaccess, "table-size", 64u << 20, &bytes, e) < 0 ||
        wl_opt_u64(ctx, &workload_randomaccess, "threads",
                   wl_auto_threads(ctx, &workload_randomaccess), &c->threads, e) < 0)
        return -1;
    c->ntables = priv ? c->threads : 1;
    uint64_t each = bytes / c->ntables;
    if (each < (1u << 16))
        return err_set(e, ERR_USAGE, "randomaccess: table-size must be >= 64K%s",
                       priv ? " per thread" : "");
    uint64_t w = 1;
    while (w * 2 * sizeof(uint64_t) <= each)
        w *= 2;
    c->words = w;
    return 0;
}

static int ra_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                    struct err *e)
{
    struct ra_cfg c;
    if (ra_params(ctx, &c, e) < 0) return -1;
    need->mem_bytes = c.words * c.ntables * sizeof(uint64_t);
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)need->mem_bytes);
    return kv_set(resolved, "table-size", buf, e);
}

/* Private tables: each thread allocates, fills, updates (timed between two
 * barriers, so the time is the slowest thread's) and replays its own;
 * *errors sums the words not restored, *share is the tables' huge-page
 * share. Returns the timed seconds, or -1 when a table cannot be
 * allocated. */
static double ra_run_private(const struct ra_cfg *c, uint64_t nupdate, uint64_t *errors,
                             double *share)
{
    double t0 = 0, t = 0, shares = 0;
    int failed = 0;
    uint64_t errs = 0;
    const uint64_t per = nupdate / RA_LANES;
#pragma omp parallel num_threads((int)c->threads) reduction(+ : errs, shares)
    {
        struct bigmem m;
        uint64_t *table = NULL;
        if (bigmem_alloc(&m, c->words * sizeof(uint64_t), c->huge) < 0)
            __atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
        else
            table = m.p;
        for (uint64_t i = 0; table && i < c->words; i++)
            table[i] = i;
        shares += table ? bigmem_huge_share(&m, 1) : 0;
#pragma omp barrier
#pragma omp single
        t0 = util_now();
        if (!failed) ra_kernel(table, c->words - 1, 0, per, c->prefetch);
#pragma omp barrier
#pragma omp single
        t = util_now() - t0;
        if (!failed) {
            ra_reference(table, c->words - 1, 0, per * RA_LANES);
            for (uint64_t i = 0; i < c->words; i++)
                errs += table[i] != i;
        }
        bigmem_free(&m);
    }
    *errors = errs;
    *share = shares / (double)c->threads;
    return failed ? -1 : t;
}

/* Runs the GUPS updates once - one shared table, or a private table per
 * thread - timing only the updates, then replays them to verify (a
 * shared table may lose up to 1 % of words to races, a private one none;
 * ERR_FAIL beyond that); adds gups and the sizing and pages facts to r. */
static int ra_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct ra_cfg c;
    if (ra_params(ctx, &c, e) < 0) return -1;
    const char *fp = getenv("ISOBENCH_FAILPOINT");
    ra_fault = fp && !strcmp(fp, "randomaccess-kernel");
    uint64_t errors = 0, nupdate = 4 * c.words, total;
    double t, share;
    if (c.ntables > 1) {
        /* whole sub-streams, so the replay is exactly the same updates */
        nupdate -= nupdate % RA_LANES;
        if ((t = ra_run_private(&c, nupdate, &errors, &share)) < 0)
            return err_set(e, ERR_FAIL, "randomaccess: cannot allocate %llu tables of %llu MiB",
                           (unsigned long long)c.ntables,
                           (unsigned long long)(c.words * sizeof(uint64_t) >> 20));
        total = nupdate * c.ntables;
    } else {
        struct bigmem m cleanup_bigmem;
        if (bigmem_alloc(&m, c.words * sizeof(uint64_t), c.huge) < 0)
            return err_set(e, ERR_FAIL, "randomaccess: cannot allocate the table");
        uint64_t *table = m.p;
#pragma omp parallel for num_threads((int)c.threads) schedule(static)
        for (uint64_t i = 0; i < c.words; i++)
            table[i] = i;
        share = bigmem_huge_share(&m, 1);
        nupdate -= nupdate % (c.threads * RA_LANES);
        double t0 = util_now();
        ra_update(table, c.words, nupdate, (int)c.threads, c.prefetch);
        t = util_now() - t0;
        const uint64_t per = nupdate / c.threads; /* each thread's range of the stream */
#pragma omp parallel num_threads((int)c.threads)
        ra_reference(table, c.words - 1, (uint64_t)omp_get_thread_num() * per, per);
#pragma omp parallel for num_threads((int)c.threads) reduction(+ : errors)
        for (uint64_t i = 0; i < c.words; i++)
            if (table[i] != i) errors++;
        total = nupdate;
    }
    uint64_t words = c.words * c.ntables;
    /* races are possible only in a shared table */
    double allowed = c.ntables > 1 ? 0 : 0.01 * (double)words;
    if ((double)errors > allowed)
        return err_set(e, ERR_FAIL, "randomaccess: verification failed: %llu of %llu words wrong",
                       (unsigned long long)errors, (unsigned long long)words);
    if (t <= 0) return err_set(e, ERR_FAIL, "randomaccess: timer resolution too coarse");
    if (result_add(r, "gups", "GUP/s", BETTER_HIGHER, (double)total / t / 1e9, e) < 0) return -1;
    wl_units(r, (double)total);
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)errors);
    kv_set(&r->facts, "randomaccess.errors", buf, NULL);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c.threads);
    kv_set(&r->facts, "randomaccess.threads", buf, NULL);
    if (wl_sizing_facts(ctx, &workload_randomaccess, r, e) < 0) return -1;
    kv_set(&r->facts, "randomaccess.tables", c.ntables > 1 ? "private" : "shared", NULL);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(c.words * sizeof(uint64_t)));
    kv_set(&r->facts, "randomaccess.table_bytes", buf, NULL);
    kv_set(&r->facts, "randomaccess.prefetch", c.prefetch ? "on" : "off", NULL);
    kv_set(&r->facts, "randomaccess.pages", c.huge ? "huge" : "normal", NULL);
    bigmem_fact(&r->facts, "randomaccess.huge_share", share);
    return 0;
}

const struct workload workload_randomaccess = {
    .unit = "update",
    .name = "randomaccess",
    .summary = "HPCC RandomAccess (GUP/s), threads with 128 streams each",
    .opts = ra_opts,
    .check = ra_check,
    .run = ra_run,
};
