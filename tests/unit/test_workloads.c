/* Runs every workload at a very small size through its real code path and
 * checks that its self-check passes and that it reports what it should. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/socket.h>

#include "core/bigmem.h"
#include "core/dynlib.h"
#include "workloads/lib/corpus.h"
#include "workloads/lib/bioeng.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

int netlat_udp_reply(int fd, uint64_t seq, uint64_t resp, char *rbuf, uint64_t *late,
                     struct err *e);

static int run_wl(const char *name, const char *const *kvs, struct result *r, struct err *e)
{
    const struct workload *w = workload_find(name);
    assert_non_null(w);
    if (w->unavailable && w->unavailable()) {
        fprintf(stderr, "%s unavailable: %s\n", name, w->unavailable());
        return -2;
    }
    struct kvlist opts = {0};
    for (int i = 0; kvs && kvs[i]; i += 2)
        kv_set(&opts, kvs[i], kvs[i + 1], e);
    struct wl_ctx ctx = {.size = SIZE_TINY, .opts = &opts, .ncpus = 2};
    struct wl_vals vals;
    memset(r, 0, sizeof(*r));
    if (workload_load(w, &ctx, &vals, e) < 0) return -1;
    return w->run(&ctx, r, e);
}

static const struct metric *find_metric(const struct result *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->m[i].name, name) == 0) return &r->m[i];
    return NULL;
}

static void stream_small(void **state)
{
    (void)state;
    struct result r;
    struct err e = {0};
    const char *const o[] = {"array-size", "2M", "ntimes", "3", NULL};
    assert_int_equal(run_wl("stream", o, &r, &e), 0);
    assert_int_equal(r.n, 4);
    const struct metric *t = find_metric(&r, "triad");
    assert_non_null(t);
    assert_string_equal(t->unit, "GB/s");
    assert_int_equal(t->better, BETTER_HIGHER);
    assert_true(t->value > 0.1);
}

/* Both store kinds over an odd element count split across 3 threads: the
 * validation fails if a share misses or doubles an element. */
static void stream_stores_and_odd_shares(void **state)
{
    (void)state;
    const char *const kinds[] = {"plain", "nt"};
    for (int i = 0; i < 2; i++) {
        struct result r;
        struct err e = {0};
        const char *const o[] = {"array-size", "1048584", "ntimes", "3", "threads",
                                 "3",          "stores",  kinds[i], NULL};
        int rc = run_wl("stream", o, &r, &e);
#ifndef __SSE2__
        if (i == 1) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, ERR_USAGE);
            continue;
        }
#endif
        if (rc != 0) fprintf(stderr, "%s\n", e.msg);
        assert_int_equal(rc, 0);
        assert_string_equal(kv_get(&r.facts, "stream.stores"), kinds[i]);
    }
    struct result r;
    struct err e = {0};
    const char *const bad[] = {"array-size", "2M", "stores", "fast", NULL};
    assert_int_equal(run_wl("stream", bad, &r, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* STREAM's rule on a simulated 300 MiB last-level cache: small resolves
 * auto to 4 x the cache; tiny and an explicit small size run below it, with
 * stream.valid=no and a caveat, never as a clean STREAM result. */
static void stream_rule_is_a_fact(void **state)
{
    (void)state;
    struct kvlist opts = {0}, resolved = {0};
    struct err e = {0};
    struct wl_ctx ctx = {.size = SIZE_SMALL, .opts = &opts, .ncpus = 2, .llc_bytes = 300u << 20};
    struct wl_vals vals;
    struct wl_needs need = {0};
    assert_int_equal(workload_load(&workload_stream, &ctx, &vals, &e), 0);
    assert_int_equal(workload_stream.check(&ctx, &resolved, &need, &e), 0);
    assert_string_equal(kv_get(&resolved, "array-size"), "1258291200"); /* 4 x 300 MiB */
    assert_true(need.mem_bytes == 3ull * 1258291200);
    assert_string_equal(kv_get(&need.facts, "stream.valid"), "yes");
    assert_null(kv_get(&need.facts, "stream.caveat"));

    ctx.size = SIZE_TINY; /* a fixed 64 MiB, whatever the cache */
    memset(&need, 0, sizeof(need));
    assert_int_equal(workload_load(&workload_stream, &ctx, &vals, &e), 0);
    assert_int_equal(workload_stream.check(&ctx, &resolved, &need, &e), 0);
    assert_string_equal(kv_get(&resolved, "array-size"), "67108864");
    assert_string_equal(kv_get(&need.facts, "stream.valid"), "no");
    assert_non_null(strstr(kv_get(&need.facts, "stream.caveat"), "below STREAM's rule"));

    ctx.llc_bytes = 8u << 20; /* 4 x 8 MiB < 64 MiB: tiny is valid there */
    memset(&need, 0, sizeof(need));
    assert_int_equal(workload_load(&workload_stream, &ctx, &vals, &e), 0);
    assert_int_equal(workload_stream.check(&ctx, &resolved, &need, &e), 0);
    assert_string_equal(kv_get(&need.facts, "stream.valid"), "yes");

    kv_set(&opts, "array-size", "1M", &e); /* the user's choice: allowed, flagged */
    ctx.size = SIZE_FULL;
    memset(&need, 0, sizeof(need));
    assert_int_equal(workload_load(&workload_stream, &ctx, &vals, &e), 0);
    assert_int_equal(workload_stream.check(&ctx, &resolved, &need, &e), 0);
    assert_string_equal(kv_get(&need.facts, "stream.valid"), "no");

    ctx.llc_bytes = 0; /* unknown cache: auto is 64 MiB, validity unknown */
    struct kvlist none = {0};
    ctx.opts = &none;
    memset(&need, 0, sizeof(need));
    assert_int_equal(workload_load(&workload_stream, &ctx, &vals, &e), 0);
    assert_int_equal(workload_stream.check(&ctx, &resolved, &need, &e), 0);
    assert_string_equal(kv_get(&resolved, "array-size"), "67108864");
    assert_string_equal(kv_get(&need.facts, "stream.valid"), "unknown");
}

static void randomaccess_stream_and_run(void **state)
{
    (void)state;
    /* HPCC_starts(0) is 1 and each next element is one LFSR step. */
    assert_int_equal(ra_starts(0), 1);
    for (int64_t n = 1; n < 200; n += 7) {
        uint64_t x = ra_starts(n - 1);
        uint64_t step = (x << 1) ^ ((int64_t)x < 0 ? 7u : 0u);
        assert_int_equal(ra_starts(n), step);
    }
    struct result r;
    struct err e = {0};
    const char *const o[] = {"table-size", "1M", NULL};
    assert_int_equal(run_wl("randomaccess", o, &r, &e), 0);
    const struct metric *g = find_metric(&r, "gups");
    assert_non_null(g);
    assert_string_equal(g->unit, "GUP/s");
    assert_true(g->value > 0);
    assert_non_null(kv_get(&r.facts, "randomaccess.errors"));
    assert_string_equal(kv_get(&r.facts, "randomaccess.prefetch"), "on");
}

/* The prefetching loop applies exactly the reference loop's updates; with
 * one thread there are no races, so the tables must match word for word,
 * and each run with the other loop undoes it (no errors). */
static void randomaccess_prefetch_same_updates(void **state)
{
    (void)state;
    enum { WORDS = 1 << 12 };
    static uint64_t t1[WORDS], t2[WORDS];
    for (uint64_t i = 0; i < WORDS; i++)
        t1[i] = t2[i] = i;
    ra_update(t1, WORDS, 4 * WORDS, 1, 0);
    ra_update(t2, WORDS, 4 * WORDS, 1, 1);
    assert_memory_equal(t1, t2, sizeof(t1));
    int changed = 0;
    for (uint64_t i = 0; i < WORDS; i++)
        changed += t1[i] != i;
    assert_true(changed > WORDS / 2);
    ra_update(t1, WORDS, 4 * WORDS, 1, 1); /* prefetching loop undoes the reference's */
    for (uint64_t i = 0; i < WORDS; i++)
        assert_int_equal(t1[i], i);
    for (int i = 0; i < 2; i++) {
        struct result r;
        struct err e = {0};
        const char *const o[] = {"table-size",     "1M", "threads", "1", "prefetch",
                                 i ? "on" : "off", NULL};
        assert_int_equal(run_wl("randomaccess", o, &r, &e), 0);
        assert_string_equal(kv_get(&r.facts, "randomaccess.errors"), "0");
    }
    struct result r;
    struct err e = {0};
    const char *const bad[] = {"table-size", "1M", "prefetch", "yes", NULL};
    assert_int_equal(run_wl("randomaccess", bad, &r, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* Private tables: 3 threads share 3M as three 512K tables (powers of two),
 * none may end with a wrong word; shared: one table, races tolerated. */
static void randomaccess_tables(void **state)
{
    (void)state;
    struct result r;
    struct err e = {0};
    const char *const priv[] = {"table-size", "3M", "threads", "3", "tables", "private", NULL};
    assert_int_equal(run_wl("randomaccess", priv, &r, &e), 0);
    assert_string_equal(kv_get(&r.facts, "randomaccess.tables"), "private");
    assert_string_equal(kv_get(&r.facts, "randomaccess.table_bytes"), "1048576");
    assert_string_equal(kv_get(&r.facts, "randomaccess.errors"), "0");
    const char *const shared[] = {"table-size", "3M", "threads", "3", "tables", "shared", NULL};
    assert_int_equal(run_wl("randomaccess", shared, &r, &e), 0);
    assert_string_equal(kv_get(&r.facts, "randomaccess.tables"), "shared");
    assert_string_equal(kv_get(&r.facts, "randomaccess.table_bytes"), "2097152");
    const char *const bad[] = {"table-size", "3M", "tables", "some", NULL};
    assert_int_equal(run_wl("randomaccess", bad, &r, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    const char *const tiny[] = {"table-size", "64K", "threads", "2", NULL}; /* 32K each */
    assert_int_equal(run_wl("randomaccess", tiny, &r, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* The verification is an independent path: a kernel that computes every
 * index wrong (deterministically, so replaying it would undo it) fails. */
static void randomaccess_verification_can_fail(void **state)
{
    (void)state;
    struct result r;
    struct err e = {0};
    const char *const sizes[][6] = {
        {"table-size", "1M", "threads", "2", NULL},
        {"table-size", "1M", "threads", "2", "tables", "shared"},
    };
    for (int i = 0; i < 2; i++) {
        const char *o[7] = {0};
        for (int k = 0; k < 6 && sizes[i][k]; k++)
            o[k] = sizes[i][k];
        if (run_wl("randomaccess", o, &r, &e) == -2) skip();
        assert_int_equal(e.code, 0); /* the real kernel passes */
        setenv("ISOBENCH_FAILPOINT", "randomaccess-kernel", 1);
        assert_int_equal(run_wl("randomaccess", o, &r, &e), -1);
        unsetenv("ISOBENCH_FAILPOINT");
        assert_int_equal(e.code, ERR_FAIL);
        assert_non_null(strstr(e.msg, "verification failed"));
        e.code = 0;
    }
}

static void compress_roundtrip(void **state)
{
    (void)state;
    struct result r;
    struct err e = {0};
    const char *const o[] = {"input-size", "3M", NULL};
    int rc = run_wl("compress", o, &r, &e);
    assert_int_equal(rc, 0);
    const struct metric *t = find_metric(&r, "throughput");
    assert_non_null(t);
    assert_string_equal(t->unit, "MB/s");
    double ratio = atof(kv_get(&r.facts, "compress.ratio"));
    assert_true(ratio > 0.05 && ratio < 0.9); /* text-like: compressible, not trivially */
    /* the whole output is checked: one bit flipped in the middle fails it
     * (the old check decoded the first MiB only) */
    const char *const big[] = {"input-size", "12M", "block-size", "1M", NULL};
    setenv("ISOBENCH_FAILPOINT", "compress-output", 1);
    rc = run_wl("compress", big, &r, &e);
    unsetenv("ISOBENCH_FAILPOINT");
    assert_int_equal(rc, -1);
    assert_int_equal(e.code, ERR_FAIL);
    assert_non_null(strstr(e.msg, "compress: round trip"));
    e.code = 0;
    assert_int_equal(run_wl("compress", big, &r, &e), 0);
}

/* Balanced blocks: whole rounds of one block per thread, none above xz's. */
static void compress_blocks(void **state)
{
    (void)state;
    const uint64_t M = 1u << 20, xzb = 6 * M;
    assert_int_equal(compress_balanced_block(64 * M, 2, xzb), (64 * M + 11) / 12); /* 12, not 11 */
    assert_int_equal(compress_balanced_block(16 * M, 2, xzb), 4 * M);              /* 4, not 3 */
    assert_int_equal(compress_balanced_block(8 * M, 2, xzb), 4 * M);
    assert_int_equal(compress_balanced_block(12 * M, 2, xzb), 6 * M); /* already even */
    assert_int_equal(compress_balanced_block(3 * M, 4, xzb), M);      /* xz's 1 MiB floor */
    assert_int_equal(compress_balanced_block(M / 2, 2, xzb), M / 2);  /* smaller input: one */
    assert_true(compress_balanced_block(1000 * M, 3, xzb) <= xzb);

    struct result r;
    struct err e = {0};
    const char *const xz[] = {"input-size", "3M", "threads", "2", "block-size", "xz", NULL};
    assert_int_equal(run_wl("compress", xz, &r, &e), 0);
    assert_string_equal(kv_get(&r.facts, "compress.block_bytes"), "6291456"); /* 3 x 2 MiB */
    const char *const au[] = {"input-size", "3M", "threads", "2", NULL};
    assert_int_equal(run_wl("compress", au, &r, &e), 0);
    assert_string_equal(kv_get(&r.facts, "compress.block_bytes"), "1572864");
    const char *const num[] = {"input-size", "3M", "block-size", "512K", NULL};
    assert_int_equal(run_wl("compress", num, &r, &e), 0);
    assert_string_equal(kv_get(&r.facts, "compress.block_bytes"), "524288");
    const char *const bad[] = {"input-size", "3M", "block-size", "many", NULL};
    assert_int_equal(run_wl("compress", bad, &r, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* pages=normal must stay on base pages even where THP is "always";
 * pages=huge gets some huge pages wherever THP is not off. */
static void bigmem_pages(void **state)
{
    (void)state;
    char mode[32];
    bigmem_thp_mode(mode, sizeof(mode));
    for (int huge = 0; huge < 2; huge++) {
        struct bigmem m;
        assert_int_equal(bigmem_alloc(&m, (8u << 20) + 1, huge), 0);
        assert_int_equal((uintptr_t)m.p % BIGMEM_ALIGN, 0);
        assert_int_equal(m.len, 10u << 20);
        memset(m.p, 1, m.len);
        double share = bigmem_huge_share(&m, 1);
        fprintf(stderr, "THP %s, pages=%s: huge share %.2f\n", mode, huge ? "huge" : "normal",
                share);
        if (!huge)
            assert_true(share == 0);
        else if (strcmp(mode, "always") == 0 || strcmp(mode, "madvise") == 0)
            assert_true(share > 0);
        bigmem_free(&m);
        assert_null(m.p);
        bigmem_free(&m);
    }
    struct result r;
    struct err e = {0};
    const char *const o[] = {"table-size", "4M", "pages", "normal", NULL};
    assert_int_equal(run_wl("randomaccess", o, &r, &e), 0);
    assert_string_equal(kv_get(&r.facts, "randomaccess.pages"), "normal");
    assert_string_equal(kv_get(&r.facts, "randomaccess.huge_share"), "0.00");
    const char *const so[] = {"array-size", "2M", "ntimes", "2", NULL};
    assert_int_equal(run_wl("stream", so, &r, &e), 0);
    assert_string_equal(kv_get(&r.facts, "stream.pages"), "huge");
    assert_non_null(kv_get(&r.facts, "stream.huge_share"));
    const char *const bad[] = {"array-size", "2M", "pages", "large", NULL};
    assert_int_equal(run_wl("stream", bad, &r, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

static void corpus_is_deterministic_text(void **state)
{
    (void)state;
    char a[4096], b[4096];
    corpus_fill(a, sizeof(a), 42);
    corpus_fill(b, sizeof(b), 42);
    assert_memory_equal(a, b, sizeof(a));
    corpus_fill(b, sizeof(b), 43);
    assert_true(memcmp(a, b, sizeof(a)) != 0);
    int spaces = 0;
    for (size_t i = 0; i < sizeof(a); i++) {
        assert_true(a[i] == '\n' || (a[i] >= ' ' && a[i] < 127));
        spaces += a[i] == ' ';
    }
    assert_true(spaces > 200);
}

static void linpack_solves(void **state)
{
    (void)state;
    struct result r;
    struct err e = {0};
    const char *const o[] = {"n", "300", NULL};
    int rc = run_wl("linpack", o, &r, &e);
    assert_int_equal(rc, 0);
    const struct metric *g = find_metric(&r, "gflops");
    assert_non_null(g);
    assert_true(g->value > 0);
    assert_true(atof(kv_get(&r.facts, "linpack.residual")) < 16);
}

/* CPUID values of real CPUs and of QEMU's models: only TCG's qemu64 (AMD,
 * family 15, no 3DNow!, SSE3) gets OpenBLAS's Prescott kernels forced. */
static void blas_coretype_only_for_qemu64_amd(void **state)
{
    (void)state;
    const unsigned sse3 = 1u, now3d = 1u << 31, lm = 1u << 29;
    assert_string_equal(dynlib_blas_coretype("AuthenticAMD", 15, lm, sse3), "Prescott");
    /* a real K8 Opteron has 3DNow!; Zen (0x17/0x19) is another family */
    assert_null(dynlib_blas_coretype("AuthenticAMD", 15, lm | now3d, sse3));
    assert_null(dynlib_blas_coretype("AuthenticAMD", 0x19, lm, sse3));
    /* qemu64 under KVM on an Intel host, and this host */
    assert_null(dynlib_blas_coretype("GenuineIntel", 15, lm, sse3));
    assert_null(dynlib_blas_coretype("GenuineIntel", 6, lm, sse3));
    /* no SSE3: Prescott's kernels would not run either */
    assert_null(dynlib_blas_coretype("AuthenticAMD", 15, lm, 0));
}

static void null_fails_on_request(void **state)
{
    (void)state;
    struct result r;
    struct err e = {0};
    const char *const o[] = {"fail", "1", NULL};
    assert_int_equal(run_wl("null", o, &r, &e), -1);
    assert_int_equal(e.code, ERR_FAIL);
}

/* UDP_RR pairs each reply with its own request: a late reply to an
 * earlier (lost) request is dropped and counted, a timeout is a loss, a
 * reply of the wrong size fails. */
static void netlat_udp_sequence(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    struct timeval tv = {.tv_usec = 100000};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char *rbuf = malloc(65000), msg[200] = {0};
    struct err e = {0};
    uint64_t late = 0, seq;
    seq = 6; /* reply to request 6 arrives late, after 7 was sent */
    memcpy(msg, &seq, 8);
    assert_int_equal(send(sv[1], msg, 200, 0), 200);
    seq = 7;
    memcpy(msg, &seq, 8);
    assert_int_equal(send(sv[1], msg, 200, 0), 200);
    assert_int_equal(netlat_udp_reply(sv[0], 7, 200, rbuf, &late, &e), 1);
    assert_int_equal(late, 1);
    assert_int_equal(netlat_udp_reply(sv[0], 8, 200, rbuf, &late, &e), 0); /* lost */
    assert_int_equal(send(sv[1], msg, 150, 0), 150);                       /* wrong size */
    assert_int_equal(netlat_udp_reply(sv[0], 7, 200, rbuf, &late, &e), -1);
    assert_non_null(strstr(e.msg, "150 bytes"));
    seq = 9; /* a reply to a request not sent yet: nonsense */
    memcpy(msg, &seq, 8);
    assert_int_equal(send(sv[1], msg, 200, 0), 200);
    assert_int_equal(netlat_udp_reply(sv[0], 8, 200, rbuf, &late, &e), -1);
    free(rbuf);
    close(sv[0]);
    close(sv[1]);
}

static void options_are_checked(void **state)
{
    (void)state;
    struct kvlist opts = {0};
    struct err e = {0};
    kv_set(&opts, "ntimes", "3", &e);
    assert_int_equal(workload_check_opts(&workload_stream, &opts, &e), 0);
    kv_set(&opts, "bogus", "3", &e);
    assert_int_equal(workload_check_opts(&workload_stream, &opts, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* Every ENUM option a workload reads into an enum of its own: each word
 * of its table types to that enum's constant, and the table has no word
 * the enum lacks - a reordered or grown table fails here, not in a run. */
static void enums_follow_tables(void **state)
{
    (void)state;
    static const struct {
        const struct workload *w;
        const char *opt, *word;
        int val;
    } pins[] = {
        {&workload_stream, "stores", "auto", STORES_AUTO},
        {&workload_stream, "stores", "nt", STORES_NT},
        {&workload_stream, "stores", "plain", STORES_PLAIN},
        {&workload_randomaccess, "tables", "private", RA_TABLES_PRIVATE},
        {&workload_randomaccess, "tables", "shared", RA_TABLES_SHARED},
        {&workload_randomaccess, "prefetch", "on", RA_PREFETCH_ON},
        {&workload_randomaccess, "prefetch", "off", RA_PREFETCH_OFF},
        {&workload_http, "mpm", "event", MPM_EVENT},
        {&workload_http, "mpm", "worker", MPM_WORKER},
        {&workload_http, "mpm", "prefork", MPM_PREFORK},
        {&workload_filetask, "server", "c", FT_SERVER_C},
        {&workload_filetask, "server", "node", FT_SERVER_NODE},
        {&workload_mysql, "bound", "cache", MYSQL_BOUND_CACHE},
        {&workload_mysql, "bound", "io", MYSQL_BOUND_IO},
        {&workload_mysql, "schema", "sbtest", MYSQL_SCHEMA_SBTEST},
        {&workload_mysql, "schema", "wordpress", MYSQL_SCHEMA_WORDPRESS},
        {&workload_mysql, "mode", "ro", MYSQL_MODE_RO},
        {&workload_mysql, "mode", "rw", MYSQL_MODE_RW},
        {&workload_netlat, "modes", "tcp", NL_TCP},
        {&workload_netlat, "modes", "udp", NL_UDP},
        {&workload_netlat, "modes", "tcp,udp", NL_TCP_UDP},
        {&workload_netlat, "modes", "udp,tcp", NL_UDP_TCP},
        {&workload_wordpress, "phase", "full", WP_PHASE_FULL},
        {&workload_wordpress, "phase", "insert", WP_PHASE_INSERT},
        {&workload_stress, "stressor", "cpu", ST_CPU},
        {&workload_stress, "stressor", "vm", ST_VM},
        {&workload_stress, "stressor", "stream", ST_STREAM},
        {&workload_stress, "stressor", "hdd", ST_HDD},
        {&workload_stress, "stressor", "sock", ST_SOCK},
        {&workload_stress, "stressor", "cpu+vm", ST_CPU_VM},
        {&workload_blockio, "engine", "libaio", BIOENG_LIBAIO},
        {&workload_blockio, "engine", "io_uring", BIOENG_URING},
        {&workload_blockio, "engine", "psync", BIOENG_PSYNC},
        {&workload_blockio, "pages", "huge", WL_PAGES_HUGE},
        {&workload_blockio, "pages", "normal", WL_PAGES_NORMAL},
        {&workload_stream, "pages", "huge", WL_PAGES_HUGE},
        {&workload_stream, "pages", "normal", WL_PAGES_NORMAL},
        {&workload_randomaccess, "pages", "huge", WL_PAGES_HUGE},
        {&workload_randomaccess, "pages", "normal", WL_PAGES_NORMAL},
        {&workload_linpack, "pages", "huge", WL_PAGES_HUGE},
        {&workload_linpack, "pages", "normal", WL_PAGES_NORMAL},
    };
    for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
        const struct wl_opt *o = pins[i].w->opts;
        while (o->name && strcmp(o->name, pins[i].opt))
            o++;
        assert_non_null(o->name);
        assert_int_equal(o->type, WL_T_ENUM);
        struct wl_val v;
        struct err e = {0};
        assert_int_equal(wl_opt_parse("t", o, pins[i].word, &v, &e), 0);
        if (v.idx != pins[i].val)
            fail_msg("%s %s=%s types to %d, its enum says %d", pins[i].w->name, pins[i].opt,
                     pins[i].word, v.idx, pins[i].val);
        int words = 1, pinned = 0; /* every word of the table is pinned */
        for (const char *c = o->values; *c; c++)
            words += *c == '|';
        for (size_t j = 0; j < sizeof(pins) / sizeof(pins[0]); j++)
            pinned += pins[j].w == pins[i].w && !strcmp(pins[j].opt, pins[i].opt);
        assert_int_equal(pinned, words);
    }
    for (int k = 0; k < BIOENG_N; k++) /* the engine's names: the same words */
        assert_non_null(strstr(BIOENG_WORDS, bioeng_kind_name(k)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stream_small),
        cmocka_unit_test(stream_stores_and_odd_shares),
        cmocka_unit_test(stream_rule_is_a_fact),
        cmocka_unit_test(randomaccess_stream_and_run),
        cmocka_unit_test(randomaccess_prefetch_same_updates),
        cmocka_unit_test(randomaccess_tables),
        cmocka_unit_test(randomaccess_verification_can_fail),
        cmocka_unit_test(compress_roundtrip),
        cmocka_unit_test(compress_blocks),
        cmocka_unit_test(bigmem_pages),
        cmocka_unit_test(corpus_is_deterministic_text),
        cmocka_unit_test(linpack_solves),
        cmocka_unit_test(blas_coretype_only_for_qemu64_amd),
        cmocka_unit_test(null_fails_on_request),
        cmocka_unit_test(netlat_udp_sequence),
        cmocka_unit_test(options_are_checked),
        cmocka_unit_test(enums_follow_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
