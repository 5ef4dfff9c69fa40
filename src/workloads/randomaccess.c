/* randomaccess - HPCC RandomAccess (GUPS): a table of 2^k 64-bit words,
 * 4x as many XOR updates at addresses drawn from HPCC's 64-bit LFSR stream
 * (polynomial 7). Threads split the update stream into 128 interleaved
 * sub-streams each, as HPCC's OpenMP code does; concurrent updates may race,
 * which HPCC tolerates up to 1 % of the table. Verification replays the same
 * updates (XOR is its own inverse) and counts words that are not back to
 * their index.
 *
 * prefetch=on (the default) first advances all 128 sub-streams of a thread
 * and prefetches the 128 table lines they will update, then applies the 128
 * updates: the same updates in the same order, with 128 cache misses in
 * flight instead of what the out-of-order window finds (HPCC's rules allow a
 * look-ahead of up to 1024 updates). prefetch=off is HPCC's reference loop. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "workloads/workload.h"

#define RA_POLY 0x0000000000000007ull
#define RA_PERIOD 1317624576693539401ll
#define RA_LANES 128

static const struct wl_opt ra_opts[] = {
    {"table-size", "table bytes, rounded down to a power of two", {"64M", "256M", "2G"}},
    {"threads", "threads; auto = CPUs of the environment", {"auto", "auto", "auto"}},
    {"prefetch",
     "on: prefetch each batch of 128 updates before applying it; off: HPCC's reference loop",
     {"on", "on", "on"}},
    {NULL, NULL, {NULL, NULL, NULL}},
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

/* Applies the whole update stream (nupdate updates, a multiple of threads x
 * 128) to table with threads; prefetch as the option above. Exported for the
 * unit test that checks both loops make the same table. */
void ra_update(uint64_t *table, uint64_t size, uint64_t nupdate, int threads, int prefetch);
void ra_update(uint64_t *table, uint64_t size, uint64_t nupdate, int threads, int prefetch)
{
    const uint64_t mask = size - 1;
    const uint64_t streams = (uint64_t)threads * RA_LANES;
    const uint64_t per = nupdate / streams;
#pragma omp parallel num_threads(threads)
    {
        uint64_t ran[RA_LANES];
        int t = omp_get_thread_num();
        for (int l = 0; l < RA_LANES; l++)
            ran[l] = ra_starts((int64_t)(((uint64_t)t * RA_LANES + (uint64_t)l) * per));
        if (prefetch) {
            for (uint64_t i = 0; i < per; i++) {
                for (int l = 0; l < RA_LANES; l++) {
                    ran[l] = ra_step(ran[l]);
                    __builtin_prefetch(&table[ran[l] & mask], 1, 0);
                }
                for (int l = 0; l < RA_LANES; l++)
                    table[ran[l] & mask] ^= ran[l];
            }
        } else {
            for (uint64_t i = 0; i < per; i++) {
                for (int l = 0; l < RA_LANES; l++) {
                    ran[l] = ra_step(ran[l]);
                    table[ran[l] & mask] ^= ran[l];
                }
            }
        }
    }
}

static int ra_params(const struct wl_ctx *ctx, uint64_t *words, uint64_t *threads, int *prefetch,
                     struct err *e)
{
    uint64_t bytes;
    const char *pf = wl_opt_str(ctx, &workload_randomaccess, "prefetch");
    if (!pf || strcmp(pf, "on") == 0)
        *prefetch = 1;
    else if (strcmp(pf, "off") == 0)
        *prefetch = 0;
    else
        return err_set(e, ERR_USAGE, "randomaccess: prefetch must be on or off, not '%s'", pf);
    if (wl_opt_size(ctx, &workload_randomaccess, "table-size", 64u << 20, &bytes, e) < 0 ||
        wl_opt_u64(ctx, &workload_randomaccess, "threads", (uint64_t)util_ncpus(), threads, e) < 0)
        return -1;
    if (bytes < (1u << 16)) return err_set(e, ERR_USAGE, "randomaccess: table-size must be >= 64K");
    if (*threads < 1 || *threads > 4096)
        return err_set(e, ERR_USAGE, "randomaccess: threads out of range");
    uint64_t w = 1;
    while (w * 2 * sizeof(uint64_t) <= bytes)
        w *= 2;
    *words = w;
    return 0;
}

static int ra_check(const struct wl_ctx *ctx, struct kvlist *resolved, uint64_t *mem, struct err *e)
{
    uint64_t words, threads;
    int prefetch;
    if (ra_params(ctx, &words, &threads, &prefetch, e) < 0) return -1;
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(words * sizeof(uint64_t)));
    *mem = words * sizeof(uint64_t);
    return kv_set(resolved, "table-size", buf, e);
}

static int ra_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    uint64_t size, threads;
    int prefetch;
    if (ra_params(ctx, &size, &threads, &prefetch, e) < 0) return -1;
    uint64_t *table cleanup_free = aligned_alloc(64, size * sizeof(uint64_t));
    if (!table) return err_set(e, ERR_FAIL, "randomaccess: cannot allocate the table");
#pragma omp parallel for num_threads((int)threads) schedule(static)
    for (uint64_t i = 0; i < size; i++)
        table[i] = i;
    uint64_t nupdate = 4 * size;
    /* Round to whole sub-streams so verification replays exactly the same. */
    nupdate -= nupdate % (threads * RA_LANES);
    double t0 = util_now();
    ra_update(table, size, nupdate, (int)threads, prefetch);
    double t = util_now() - t0;
    ra_update(table, size, nupdate, (int)threads, prefetch);
    uint64_t errors = 0;
#pragma omp parallel for num_threads((int)threads) reduction(+ : errors)
    for (uint64_t i = 0; i < size; i++)
        if (table[i] != i) errors++;
    if ((double)errors > 0.01 * (double)size)
        return err_set(e, ERR_FAIL, "randomaccess: verification failed: %llu of %llu words wrong",
                       (unsigned long long)errors, (unsigned long long)size);
    if (t <= 0) return err_set(e, ERR_FAIL, "randomaccess: timer resolution too coarse");
    if (result_add(r, "gups", "GUP/s", BETTER_HIGHER, (double)nupdate / t / 1e9, e) < 0) return -1;
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)errors);
    kv_set(&r->facts, "randomaccess.errors", buf, NULL);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)threads);
    kv_set(&r->facts, "randomaccess.threads", buf, NULL);
    kv_set(&r->facts, "randomaccess.prefetch", prefetch ? "on" : "off", NULL);
    return 0;
}

const struct workload workload_randomaccess = {
    .name = "randomaccess",
    .summary = "HPCC RandomAccess (GUP/s), threads with 128 streams each",
    .opts = ra_opts,
    .check = ra_check,
    .run = ra_run,
};
