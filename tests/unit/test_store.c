#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/store.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/isobench-test-store-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void roundtrip(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/sub/dir/results.db", dir);
    struct store *st;
    struct err e = {0};
    assert_int_equal(store_open(path, 0, &st, &e), -1); /* report must not create */
    assert_int_equal(e.code, ERR_USAGE);
    assert_int_equal(store_open(path, 1, &st, &e), 0);
    struct kvlist host = {0}, opts = {0};
    kv_set(&host, "cpu_model", "Test CPU", &e);
    kv_set(&opts, "n", "100", &e);
    int64_t id;
    assert_int_equal(store_run_begin(st, "uuid-1", "isobench run", SIZE_TINY, 2, &host, &id, &e),
                     0);
    assert_int_equal(store_run_env(st, id, 0, "native", NULL, &e), 0);
    assert_int_equal(store_run_env(st, id, 1, "null", &host, &e), 0);
    assert_int_equal(store_run_workload(st, id, 0, "linpack", &opts, &e), 0);
    for (int rep = 0; rep <= 2; rep++)
        for (int env = 0; env < 2; env++) {
            struct reply r = {.ok = 1};
            result_add(&r.res, "gflops", "GFLOPS", BETTER_HIGHER, 10.0 + rep + env, &e);
            kv_set(&r.res.facts, "cpus", "2", &e);
            /* one caveat for the run's samples, one more only native's warm-up has */
            kv_set(&r.res.facts, "linpack.caveat", rep == 0 && !env ? "warm" : "small N", &e);
            assert_int_equal(store_measurement(st, id, "linpack", env ? "null" : "native", rep,
                                               rep == 0, 1.0, &r, &e),
                             0);
        }
    struct reply bad = {.ok = 0};
    err_set(&bad.err, ERR_FAIL, "boom");
    assert_int_equal(store_measurement(st, id, "linpack", "null", 3, 0, 1.0, &bad, &e), 0);
    assert_int_equal(store_run_end(st, id, "failed", &e), 0);
    store_close(st);

    assert_int_equal(store_open(path, 0, &st, &e), 0);
    struct run_view rv;
    assert_int_equal(store_load_run(st, "latest", &rv, &e), 0);
    assert_string_equal(rv.uuid, "uuid-1");
    assert_string_equal(rv.status, "failed");
    assert_int_equal(rv.nenv, 2);
    assert_int_equal(rv.nwl, 1);
    assert_string_equal(kv_get(&rv.wl_opts[0], "n"), "100");
    assert_int_equal(rv.npoints, 4); /* warm-ups excluded */
    assert_int_equal(rv.nfailures, 1);
    assert_string_equal(rv.failures[0].error, "boom");
    assert_int_equal(rv.ncaveats, 1); /* distinct, and not from warm-ups */
    assert_string_equal(rv.caveats[0].text, "small N");
    assert_int_equal(rv.caveats[0].wl, 0);
    assert_string_equal(kv_get(&rv.host, "cpu_model"), "Test CPU");
    store_free_run(&rv);
    assert_int_equal(store_load_run(st, "uuid-1", &rv, &e), 0);
    store_free_run(&rv);
    assert_int_equal(store_load_run(st, "99", &rv, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    store_close(st);
}

/* Raw tool output is stored with its sample; a version-1 database (no raw
 * table) is upgraded in place and keeps what it stored. */
static void raw_output_and_v1_upgrade(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/v1.db", dir);
    struct store *st;
    struct err e = {0};
    int64_t id;
    struct kvlist host = {0};
    assert_int_equal(store_open(path, 1, &st, &e), 0);
    assert_int_equal(store_run_begin(st, "uuid-raw", "isobench run", SIZE_TINY, 1, &host, &id, &e),
                     0);
    assert_int_equal(store_run_env(st, id, 0, "native", NULL, &e), 0);
    assert_int_equal(store_run_workload(st, id, 0, "mysql", &host, &e), 0);
    struct reply *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->ok = 1;
    result_add(&r->res, "t1_tps", "trans/s", BETTER_HIGHER, 100.0, &e);
    result_raw_append(&r->res, "sysbench 1.0.20\n\n    transactions: 47 (23.18 per sec.)\n");
    assert_int_equal(store_measurement(st, id, "mysql", "native", 1, 0, 1.0, r, &e), 0);
    free(r);
    store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT output FROM measurement_raw", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(s, 0), "\n\n    transactions: 47"));
    sqlite3_finalize(s);
    /* make it look like version 1 (no raw table, no n/a table, no tenant
     * and step columns) */
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE measurement_raw; DROP TABLE run_na;"
                                  " ALTER TABLE measurements DROP COLUMN tenant;"
                                  " ALTER TABLE measurements DROP COLUMN step;"
                                  " PRAGMA user_version=1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(path, 0, &st, &e), 0);
    struct run_view rv;
    assert_int_equal(store_load_run(st, "uuid-raw", &rv, &e), 0);
    assert_int_equal(rv.npoints, 1);
    assert_string_equal(rv.points[0].tenant, ""); /* an old sample is a plain run's */
    assert_string_equal(rv.points[0].step, "");
    store_free_run(&rv);
    store_close(st);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 4); /* upgraded through 2 and 3 to 4 */
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM measurement_raw", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static void file_bytes(const char *path, char *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    *len = fread(buf, 1, cap, f);
    fclose(f);
}

static void rejects_foreign_and_corrupt(void **state)
{
    (void)state;
    char path[512], before[8192], after[8192];
    size_t lb, la;
    struct store *st;
    struct err e = {0};

    snprintf(path, sizeof(path), "%s/garbage.db", dir);
    const char junk[] = "this is not a database at all, but it is somebody's file\n";
    write_file(path, junk, sizeof(junk));
    file_bytes(path, before, sizeof(before), &lb);
    assert_int_equal(store_open(path, 1, &st, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    file_bytes(path, after, sizeof(after), &la);
    assert_int_equal(la, lb);
    assert_memory_equal(before, after, lb);

    /* A real SQLite database that is not ours stays untouched. */
    snprintf(path, sizeof(path), "%s/other.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", 0, 0, 0), 0);
    sqlite3_close(db);
    file_bytes(path, before, sizeof(before), &lb);
    assert_int_equal(store_open(path, 1, &st, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "not an isobench database"));
    file_bytes(path, after, sizeof(after), &la);
    assert_int_equal(la, lb);
    assert_memory_equal(before, after, lb);
}

static void unwritable_location(void **state)
{
    (void)state;
    char path[512];
    struct store *st;
    struct err e = {0};
    snprintf(path, sizeof(path), "%s/afile", dir);
    write_file(path, "x", 1);
    snprintf(path, sizeof(path), "%s/afile/results.db", dir); /* parent is a file */
    assert_int_equal(store_open(path, 1, &st, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* A run whose runner died (SIGKILL: no chance to mark it) is found dead
 * when the store is opened, and marked interrupted; a live runner's run
 * and another host's are left alone. */
static void dead_runners_marked_interrupted(void **state)
{
    (void)state;
    struct run_view rv0;
    char path[512], host[256] = "", buf[64];
    snprintf(path, sizeof(path), "%s/dead.db", dir);
    gethostname(host, sizeof(host));
    pid_t child = fork();
    if (child == 0) _exit(0);
    unsigned long long start = journal_starttime(child); /* a zombie still has it */
    waitpid(child, NULL, 0);
    struct store *st;
    struct err e = {0};
    assert_int_equal(store_open(path, 1, &st, &e), 0);
    int64_t id;
    for (int run = 0; run < 3; run++) {
        struct kvlist f = {0};
        snprintf(buf, sizeof(buf), "%d", run == 1 ? (int)getpid() : (int)child);
        kv_set(&f, "runner_pid", buf, &e);
        snprintf(buf, sizeof(buf), "%llu", run == 1 ? journal_starttime(getpid()) : start);
        kv_set(&f, "runner_start", buf, &e);
        kv_set(&f, "hostname", run == 2 ? "elsewhere" : host, &e);
        char uuid[16];
        snprintf(uuid, sizeof(uuid), "u-%d", run);
        assert_int_equal(store_run_begin(st, uuid, "isobench run", SIZE_TINY, 1, &f, &id, &e), 0);
    }
    store_close(st);
    /* read-only (report, compare) marks nothing */
    assert_int_equal(store_open(path, STORE_RO, &st, &e), 0);
    assert_int_equal(store_marked_dead(st), 0);
    assert_int_equal(store_load_run(st, "u-0", &rv0, &e), 0);
    assert_string_equal(rv0.status, "running");
    store_free_run(&rv0);
    store_close(st);
    assert_int_equal(store_open(path, 0, &st, &e), 0);
    assert_int_equal(store_marked_dead(st), 1);
    struct run_view rv;
    const char *want[] = {"interrupted", "running", "running"};
    for (int run = 0; run < 3; run++) {
        snprintf(buf, sizeof(buf), "u-%d", run);
        assert_int_equal(store_load_run(st, buf, &rv, &e), 0);
        assert_string_equal(rv.status, want[run]);
        store_free_run(&rv);
    }
    store_close(st);
}

/* A database, -wal or -shm that is a symbolic link is refused (it would
 * write wherever it points); a new one is made 0600. */
static void links_refused_mode_0600(void **state)
{
    (void)state;
    char path[512], target[512], side[560];
    snprintf(path, sizeof(path), "%s/linked.db", dir);
    snprintf(target, sizeof(target), "%s/elsewhere.db", dir);
    struct store *st;
    struct err e = {0};
    assert_int_equal(store_open(target, STORE_CREATE, &st, &e), 0);
    store_close(st);
    struct stat sb;
    assert_int_equal(stat(target, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(symlink(target, path), 0);
    for (int mode = 0; mode < 3; mode++) {
        e.code = 0;
        assert_int_equal(store_open(path, (enum store_mode)mode, &st, &e), -1);
        assert_int_equal(e.code, ERR_USAGE);
    }
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", target);
    assert_int_equal(symlink("/nonexistent-isobench", side), 0);
    e.code = 0;
    assert_int_equal(store_open(target, STORE_RW, &st, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    unlink(side);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip),
        cmocka_unit_test(raw_output_and_v1_upgrade),
        cmocka_unit_test(rejects_foreign_and_corrupt),
        cmocka_unit_test(unwritable_location),
        cmocka_unit_test(dead_runners_marked_interrupted),
        cmocka_unit_test(links_refused_mode_0600),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
