/* The runner end to end on the null workload: planning errors, the native
 * environment spawning the real agent binary, interleaving, warm-ups and
 * failed samples, all into a temporary store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/runner.h"

static struct run_plan *new_plan(void)
{
    struct run_plan *p = calloc(1, sizeof(*p));
    p->size = SIZE_TINY;
    p->reps = 2;
    p->warmup = 1;
    p->timeout_s = 60;
    strcpy(p->command, "test");
    return p;
}

static void plan_errors(void **state)
{
    (void)state;
    struct err e = {0};
    struct kvlist opts = {0};
    struct run_plan *p = new_plan();
    assert_int_equal(runner_plan(p, "nosuch", "native", &opts, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    free(p);
    p = new_plan();
    assert_int_equal(runner_plan(p, "null", "nosuchenv", &opts, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    free(p);
    p = new_plan();
    assert_int_equal(runner_plan(p, "null", "native:foo=bar", &opts, &e), -1);
    free(p);
    p = new_plan();
    kv_set(&opts, "ntimes", "3", &e); /* stream's option, stream not selected */
    assert_int_equal(runner_plan(p, "null", "native", &opts, &e), -1);
    assert_non_null(strstr(e.msg, "matches no selected workload"));
    free(p);
    p = new_plan();
    struct kvlist big = {0};
    kv_set(&big, "randomaccess.table-size", "64T", &e);
    assert_int_equal(runner_plan(p, "randomaccess", "native", &big, &e), -1);
    assert_non_null(strstr(e.msg, "available"));
    free(p);
}

static void plan_adds_native_and_routes_options(void **state)
{
    (void)state;
    struct err e = {0};
    struct kvlist opts = {0};
    kv_set(&opts, "threads", "1", &e);       /* both declare it */
    kv_set(&opts, "stream.ntimes", "4", &e); /* only stream */
    struct run_plan *p = new_plan();
    assert_int_equal(runner_plan(p, "stream,randomaccess", "null", &opts, &e), 0);
    assert_int_equal(p->nenv, 2);
    assert_string_equal(p->spec[0].text, "native");
    assert_string_equal(p->spec[1].text, "null");
    assert_string_equal(kv_get(&p->wlopts[0], "threads"), "1");
    assert_string_equal(kv_get(&p->wlopts[1], "threads"), "1");
    assert_string_equal(kv_get(&p->wlopts[0], "ntimes"), "4");
    assert_null(kv_get(&p->wlopts[1], "ntimes"));
    assert_non_null(kv_get(&p->wlopts[0], "array-size")); /* resolved on the host */
    free(p);
}

static void execute_into_store(void **state)
{
    (void)state;
    const char *bin = getenv("ISOBENCH_BIN");
    if (!bin) {
        fprintf(stderr, "skip: ISOBENCH_BIN not set (run through ctest)\n");
        skip();
    }
    /* native spawns the agent from the real binary, not from this test. */
    setenv("ISOBENCH_SELF", bin, 1);

    char dir[] = "/tmp/isobench-test-runner-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[256];
    snprintf(db, sizeof(db), "%s/r.db", dir);
    struct err e = {0};
    struct store *st;
    assert_int_equal(store_open(db, 1, &st, &e), 0);
    struct kvlist opts = {0};
    struct run_plan *p = new_plan();
    assert_int_equal(runner_plan(p, "null", "native,null", &opts, &e), 0);
    int64_t id = 0;
    int failed = -1;
    assert_int_equal(runner_execute(p, st, &id, &failed, &e), 0);
    assert_int_equal(failed, 0);
    struct run_view rv;
    assert_int_equal(store_load_run(st, "latest", &rv, &e), 0);
    assert_string_equal(rv.status, "complete");
    assert_int_equal(rv.npoints, 4); /* 2 reps x 2 envs, warm-ups excluded */
    store_free_run(&rv);
    free(p);

    /* A failing workload: samples stored as failures, run marked failed. */
    p = new_plan();
    kv_set(&opts, "fail", "1", &e);
    assert_int_equal(runner_plan(p, "null", "native", &opts, &e), 0);
    assert_int_equal(runner_execute(p, st, &id, &failed, &e), 0);
    assert_int_equal(failed, 3);
    assert_int_equal(store_load_run(st, "latest", &rv, &e), 0);
    assert_string_equal(rv.status, "failed");
    assert_int_equal(rv.nfailures, 3);
    assert_non_null(strstr(rv.failures[0].error, "fail=1"));
    store_free_run(&rv);
    free(p);
    store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_errors),
        cmocka_unit_test(plan_adds_native_and_routes_options),
        cmocka_unit_test(execute_into_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
