/* The application workloads' pieces: sysbench's report parser (on a real
 * report, a FATAL one and broken ones), the sweep lists, raw output through
 * the protocol, and the Redis load generator against a real redis-server on
 * loopback (skipped, with the reason, when redis-server is not installed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proto.h"
#include "core/util.h"
#include "workloads/lib/netutil.h"
#include "workloads/lib/rload.h"
#include "workloads/lib/sbench.h"
#include "workloads/lib/srvproc.h"
#include "workloads/workload.h"

/* A real sysbench 1.0.20 report (oltp_read_write, 1 thread, in a TCG VM). */
static const char report[] =
    "sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)\n\n"
    "Running the test with following options:\nNumber of threads: 1\n"
    "Initializing random number generator from seed (1).\n\n\n"
    "Initializing worker threads...\n\nThreads started!\n\n"
    "SQL statistics:\n    queries performed:\n        read:                            658\n"
    "        write:                           180\n        other:                           102\n"
    "        total:                           940\n"
    "    transactions:                        47     (23.18 per sec.)\n"
    "    queries:                             940    (463.57 per sec.)\n"
    "    ignored errors:                      3      (0.00 per sec.)\n"
    "    reconnects:                          0      (0.00 per sec.)\n\n"
    "General statistics:\n    total time:                          2.0268s\n"
    "    total number of events:              47\n\n"
    "Latency (ms):\n         min:                                   30.74\n"
    "         avg:                                   43.09\n"
    "         max:                                   68.14\n"
    "         95th percentile:                       63.32\n"
    "         sum:                                 2025.32\n\n"
    "Threads fairness:\n    events (avg/stddev):           47.0000/0.00\n"
    "    execution time (avg/stddev):   2.0253/0.00\n\n";

static void sysbench_report_parsed(void **state)
{
    (void)state;
    struct sbench_report r;
    struct err e = {0};
    assert_int_equal(sbench_parse(report, &r, &e), 0);
    assert_string_equal(r.version, "1.0.20");
    assert_int_equal(r.transactions, 47);
    assert_true(r.tps > 23.17 && r.tps < 23.19);
    assert_true(r.lat_avg_ms > 43.08 && r.lat_avg_ms < 43.10);
    assert_true(r.lat_pct_ms > 63.31 && r.lat_pct_ms < 63.33);
    assert_int_equal(r.ignored_errors, 3);
}

static void sysbench_failures_named(void **state)
{
    (void)state;
    struct sbench_report r;
    struct err e = {0};
    const char *fatal = "sysbench 1.0.20\nFATAL: unable to connect to MySQL server on host "
                        "'10.214.0.1', port 3306, aborting...\nFATAL: error 2002\n";
    assert_int_equal(sbench_parse(fatal, &r, &e), -1);
    assert_non_null(strstr(e.msg, "unable to connect to MySQL server"));
    assert_int_equal(sbench_parse("sysbench 1.0.20\nThreads started!\n", &r, &e), -1);
    assert_non_null(strstr(e.msg, "transactions"));
    /* the fuzzer's find: a rate that overflows to infinity is no number */
    assert_int_equal(sbench_parse("    transactions: 6 ( 8e312 per sec.)\n    avg: 1.5\n"
                                  "    95th percentile: 2.0\n",
                                  &r, &e),
                     -1);
    assert_non_null(strstr(e.msg, "not a number"));
    char *noavg = strdup(report);
    *strstr(noavg, "avg:") = 'x';
    assert_int_equal(sbench_parse(noavg, &r, &e), -1);
    assert_non_null(strstr(e.msg, "avg"));
    free(noavg);
    char *zero = strdup(report);
    memcpy(strstr(zero, "47     (23.18"), " 0     (0.000", 13);
    assert_int_equal(sbench_parse(zero, &r, &e), -1);
    free(zero);
}

/* A sweep's list (a UINTS option) as the workload reads it: the table's
 * range and order (checked once, by wl_opt_parse), then the workload's
 * own cap on how many numbers it keeps. */
static void sweep_lists(void **state)
{
    (void)state;
    int v[12], n;
    struct err e = {0};
    struct kvlist opts = {0};
    struct wl_ctx ctx = {.size = 0, .opts = &opts, .ncpus = 2};
    struct wl_vals vals;
    kv_set(&opts, "clients", "1,2,4,128", &e);
    assert_int_equal(workload_load(&workload_redis, &ctx, &vals, &e), 0);
    assert_int_equal(wl_opt_uints(&ctx, &workload_redis, "clients", v, 4, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_int_equal(v[3], 128);
    assert_int_equal(wl_opt_uints(&ctx, &workload_redis, "clients", v, 3, &n, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    const char *bad[] = {"", "0", "4,2", "1,,2", "1,2,", "2,2", "x", "2000", NULL};
    for (int i = 0; bad[i]; i++) {
        e.code = 0;
        kv_set(&opts, "clients", bad[i], &e);
        assert_int_equal(workload_load(&workload_redis, &ctx, &vals, &e), -1);
        assert_int_equal(e.code, ERR_USAGE);
        e.code = 0;
        assert_int_equal(workload_check_opts(&workload_redis, &opts, &e), -1);
        assert_int_equal(e.code, ERR_USAGE);
    }
    kv_set(&opts, "clients", "1,1024", &e); /* the range's ends; mysql's threads: the same */
    assert_int_equal(workload_check_opts(&workload_redis, &opts, &e), 0);
    struct kvlist my = {0};
    kv_set(&my, "threads", "1,1024", &e);
    assert_int_equal(workload_check_opts(&workload_mysql, &my, &e), 0);
    kv_set(&my, "threads", "1,1025", &e);
    assert_int_equal(workload_check_opts(&workload_mysql, &my, &e), -1);
}

static void raw_output_crosses_the_protocol(void **state)
{
    (void)state;
    struct reply *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    char *buf = malloc(PROTO_MAX);
    struct err e = {0};
    assert_true(a && b && buf);
    a->ok = 1;
    result_add(&a->res, "t1_tps", "trans/s", BETTER_HIGHER, 1.5, &e);
    result_raw_append(&a->res, report);
    assert_int_equal(proto_encode_reply(a, buf, PROTO_MAX, &e), 0);
    assert_int_equal(proto_decode_reply(buf, b, &e), 0);
    assert_string_equal(b->res.raw, a->res.raw); /* empty lines and indentation kept */
    /* what does not fit is cut, and marked */
    for (int i = 0; i < 40; i++)
        result_raw_append(&a->res, report);
    assert_true(strlen(a->res.raw) < RESULT_RAW_MAX);
    assert_non_null(strstr(a->res.raw, "[... cut"));
    /* names and units with blanks are refused (they would break the line) */
    assert_int_equal(result_add(&a->res, "t1_cpu", "% host", BETTER_LOWER, 1, &e), -1);
    free(a), free(b), free(buf);
}

/* rload against a real redis-server with a password (as the workload
 * starts it: requirepass on stdin): every GET hit is checked against its
 * SET inside rload, so a run that passes proves the whole RESP path; a
 * command without the password or with another one is refused. */
static void redis_load_against_real_server(void **state)
{
    (void)state;
    if (access("/usr/bin/redis-server", X_OK) != 0) {
        fprintf(stderr, "SKIP: redis-server is not installed (apt-get install redis-server)\n");
        skip();
    }
    char dir[] = "/tmp/isobench-test-redis-XXXXXX", log[300], port[16];
    assert_non_null(mkdtemp(dir));
    snprintf(log, sizeof(log), "%s/redis.log", dir);
    int p = 0;
    for (int i = 0; i < 100 && !p; i++)
        if (util_port_free(41000 + i)) p = 41000 + i;
    assert_true(p > 0);
    snprintf(port, sizeof(port), "%d", p);
    char *argv[] = {"/usr/bin/redis-server",
                    "--port",
                    port,
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    dir,
                    "--logfile",
                    "",
                    "-",
                    NULL};
    struct srv s;
    struct err e = {0};
    char pw[33], conf[64];
    assert_int_equal(util_random_hex(pw, sizeof(pw), &e), 0);
    assert_true(util_is_secret(pw) && strlen(pw) == 32);
    int pp[2];
    assert_int_equal(pipe2(pp, O_CLOEXEC), 0); /* EOF ends the configuration */
    assert_int_equal(srv_start(&s, "redis-server", argv, -1, log, pp[0], &e), 0);
    close(pp[0]);
    snprintf(conf, sizeof(conf), "requirepass %s\n", pw);
    assert_int_equal(util_write_all(pp[1], conf, strlen(conf)), 0);
    close(pp[1]);
    const char *ping[] = {"PING", NULL};
    char out[64];
    int up = 0;
    for (int i = 0; i < 200 && !up; i++) {
        up = rload_command("127.0.0.1", p, pw, 1.0, ping, out, sizeof(out), &e) == 0;
        if (!up) usleep(20000);
    }
    assert_true(up);
    assert_string_equal(out, "PONG");
    /* no password, or another one: refused */
    assert_int_equal(rload_command("127.0.0.1", p, NULL, 1.0, ping, out, sizeof(out), &e), -1);
    assert_non_null(strstr(e.msg, "NOAUTH"));
    char other[33];
    assert_int_equal(util_random_hex(other, sizeof(other), &e), 0);
    assert_int_equal(rload_command("127.0.0.1", p, other, 1.0, ping, out, sizeof(out), &e), -1);
    struct rload_cfg bad = {
        .addr = "127.0.0.1", .port = p, .clients = 1, .pipeline = 1, .duration_s = 0.1};
    struct rload_keys *k = malloc(sizeof(*k));
    struct rload_out *o = malloc(sizeof(*o));
    assert_true(k && o);
    rload_keys_init(k, 7);
    assert_int_equal(rload_run(&bad, k, o, &e), -1); /* the load without AUTH fails at once */
    rload_keys_init(k, 7);
    struct rload_cfg c = {.addr = "127.0.0.1",
                          .password = pw,
                          .port = p,
                          .clients = 3,
                          .pipeline = 10,
                          .warm_s = 0.1,
                          .duration_s = 0.4,
                          .seed = 7};
    int rc = rload_run(&c, k, o, &e);
    if (rc < 0) fprintf(stderr, "rload: %s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_true(o->requests > 100);
    assert_true(o->hits > 0); /* GETs read back what SETs wrote, byte for byte */
    assert_int_equal(o->lat.count, o->requests);
    assert_true(k->nset[0] > 0 && k->nset[2] > 0 && k->nset[3] == 0);
    const char *dbsize[] = {"DBSIZE", NULL};
    assert_int_equal(rload_command("127.0.0.1", p, pw, 5.0, dbsize, out, sizeof(out), &e), 0);
    assert_true(strtoull(out, NULL, 10) == k->nset[0] + k->nset[1] + k->nset[2]);
    /* a fixed keyspace (redis-benchmark -r): every client on the same keys */
    unsigned long long before = strtoull(out, NULL, 10);
    c.keyspace = 4;
    assert_int_equal(rload_run(&c, k, o, &e), 0);
    assert_true(o->requests > 100 && o->hits > 0);
    assert_int_equal(rload_command("127.0.0.1", p, pw, 5.0, dbsize, out, sizeof(out), &e), 0);
    assert_true(strtoull(out, NULL, 10) > before && strtoull(out, NULL, 10) <= before + 4);
    const char *shut[] = {"SHUTDOWN", "NOSAVE", NULL};
    rload_command("127.0.0.1", p, pw, 5.0, shut, out, sizeof(out), &e);
    assert_int_equal(srv_wait(&s, util_now() + 10, &e), 0);
    free(k), free(o);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* srv_unpriv_dir never follows a link planted where the server's
 * directory goes (by an earlier server as uid 65534): the link is removed,
 * its target keeps its owner, and a fresh directory is handed over. */
static void unpriv_dir_never_follows(void **state)
{
    (void)state;
    if (geteuid() != 0) skip(); /* handing a directory over needs root */
    char base[] = "/tmp/isobench-unpriv-XXXXXX", victim[128], dir[128], why[160] = "";
    assert_non_null(mkdtemp(base));
    assert_int_equal(chmod(base, 0755), 0);
    snprintf(victim, sizeof(victim), "%s/victim", base);
    snprintf(dir, sizeof(dir), "%s/srv", base);
    assert_int_equal(mkdir(victim, 0700), 0);
    assert_int_equal(symlink(victim, dir), 0);
    struct err e = {0};
    assert_true(srv_unpriv_dir(dir, why, sizeof(why), &e) >= 0);
    struct stat sv, sd;
    assert_int_equal(stat(victim, &sv), 0);
    assert_int_equal(sv.st_uid, 0); /* never chowned through the link */
    assert_int_equal(lstat(dir, &sd), 0);
    assert_true(S_ISDIR(sd.st_mode));
    assert_int_equal(sd.st_uid, SRV_UNPRIV);
    rmdir(dir);
    rmdir(victim);
    rmdir(base);
}

/* mysql's mode: the full preset runs the paper's OLTP read-only, tiny the
 * read-write mix, -o mode= either; every sample says which (mysql.test). */
static void mysql_mode_is_the_test(void **state)
{
    (void)state;
    static const struct {
        int size;
        const char *mode, *test;
    } cases[] = {{2, NULL, "oltp_read_only"},
                 {0, NULL, "oltp_read_write"},
                 {0, "ro", "oltp_read_only"},
                 {2, "rw", "oltp_read_write"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kvlist opts = {0}, resolved = {0};
        struct wl_needs need = {0};
        struct err e = {0};
        if (cases[i].mode) kv_set(&opts, "mode", cases[i].mode, &e);
        struct wl_ctx ctx = {.size = cases[i].size, .opts = &opts, .ncpus = 2, .role = ""};
        struct wl_vals vals;
        assert_int_equal(workload_load(&workload_mysql, &ctx, &vals, &e), 0);
        assert_int_equal(workload_mysql.check(&ctx, &resolved, &need, &e), 0);
        assert_string_equal(kv_get(&need.facts, "mysql.test"), cases[i].test);
    }
    struct kvlist bad = {0};
    struct err e = {0};
    kv_set(&bad, "mode", "wo", &e);
    assert_int_equal(workload_check_opts(&workload_mysql, &bad, &e), -1);
}

/* The plan of mysql at size with options kv (NULL-terminated key, value
 * pairs) into need; check()'s return. */
static int mysql_plan(int size, const char *const *kv, struct wl_needs *need)
{
    struct kvlist opts = {0}, resolved = {0};
    struct err e = {0};
    for (int i = 0; kv && kv[i]; i += 2)
        kv_set(&opts, kv[i], kv[i + 1], &e);
    memset(need, 0, sizeof(*need));
    struct wl_ctx ctx = {.size = size, .opts = &opts, .ncpus = 2, .role = ""};
    struct wl_vals vals;
    if (workload_load(&workload_mysql, &ctx, &vals, &e) < 0) return -1;
    return workload_mysql.check(&ctx, &resolved, need, &e);
}

/* The plan's fact key; fails (rather than crash) when it is missing. */
static const char *fact(const struct wl_needs *need, const char *key)
{
    const char *v = kv_get(&need->facts, key);
    if (!v) fail_msg("no fact %s in the plan", key);
    return v;
}

/* bound=io (issue #33 item 9): the buffer pool becomes pool-pct % (10) of
 * the tables' estimated data (270 B a row), in whole MiB, and every sample
 * says so: mysql.bound, mysql.buffer_pool, mysql.data_est, the ratio and
 * the caveat the reports print. bound=cache keeps buffer-pool and says
 * that the pool holds the data. */
static void mysql_io_bound_pool(void **state)
{
    (void)state;
    struct wl_needs need;
    /* full: the paper's 2,000,000 rows, ~540 MB: a 52 MiB pool */
    assert_int_equal(mysql_plan(2, (const char *const[]){"bound", "io", NULL}, &need), 0);
    assert_string_equal(fact(&need, "mysql.bound"), "io");
    assert_string_equal(fact(&need, "mysql.data_est"), "540000000");
    assert_string_equal(fact(&need, "mysql.buffer_pool"), "54525952");
    assert_string_equal(fact(&need, "mysql.pool_data_ratio"), "0.101");
    assert_int_equal(need.mem_bytes, 54525952ull + (256ull << 20));
    const char *cav = fact(&need, "mysql.pool.caveat");
    assert_non_null(cav);
    assert_non_null(strstr(cav, "bound=io: the InnoDB buffer pool (52 MiB) is 10 % of"));
    assert_true(strlen(cav) < 255);
    /* a smaller share; small's 4 x 100,000 rows (~103 MiB) */
    assert_int_equal(
        mysql_plan(2, (const char *const[]){"bound", "io", "pool-pct", "5", NULL}, &need), 0);
    assert_string_equal(fact(&need, "mysql.buffer_pool"), "27262976");
    assert_int_equal(mysql_plan(1, (const char *const[]){"bound", "io", NULL}, &need), 0);
    assert_string_equal(fact(&need, "mysql.buffer_pool"), "11534336");
    /* the default: the preset's pool (full: the paper's 3G) holds the data */
    assert_int_equal(mysql_plan(2, NULL, &need), 0);
    assert_string_equal(fact(&need, "mysql.bound"), "cache");
    assert_string_equal(fact(&need, "mysql.buffer_pool"), "3221225472");
    assert_string_equal(fact(&need, "mysql.pool_data_ratio"), "5.965");
    assert_non_null(strstr(fact(&need, "mysql.pool.caveat"), "reads come from memory"));
    /* refused: tiny's 10,000 rows are below the 8 MiB floor's reach; a
     * pool or share that the other bound would ignore; bound=io without
     * sysbench's tables; an unknown bound or share */
    assert_int_equal(mysql_plan(0, (const char *const[]){"bound", "io", NULL}, &need), -1);
    assert_int_equal(
        mysql_plan(2, (const char *const[]){"bound", "io", "buffer-pool", "1G", NULL}, &need), -1);
    assert_int_equal(mysql_plan(2, (const char *const[]){"pool-pct", "10", NULL}, &need), -1);
    assert_int_equal(
        mysql_plan(2, (const char *const[]){"bound", "io", "schema", "wordpress", NULL}, &need),
        -1);
    /* a WordPress DB tier has no sysbench tables: no pool facts */
    assert_int_equal(mysql_plan(2, (const char *const[]){"schema", "wordpress", NULL}, &need), 0);
    assert_null(kv_get(&need.facts, "mysql.pool.caveat"));
    struct kvlist bad = {0};
    struct err e = {0};
    kv_set(&bad, "bound", "disk", &e);
    assert_int_equal(workload_check_opts(&workload_mysql, &bad, &e), -1);
    kv_set(&bad, "bound", "io", &e);
    kv_set(&bad, "pool-pct", "60", &e);
    assert_int_equal(workload_check_opts(&workload_mysql, &bad, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sysbench_report_parsed),
        cmocka_unit_test(sysbench_failures_named),
        cmocka_unit_test(sweep_lists),
        cmocka_unit_test(raw_output_crosses_the_protocol),
        cmocka_unit_test(redis_load_against_real_server),
        cmocka_unit_test(unpriv_dir_never_follows),
        cmocka_unit_test(mysql_mode_is_the_test),
        cmocka_unit_test(mysql_io_bound_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
