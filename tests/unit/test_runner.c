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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "envs/undo.h"
#include "run/runner.h"
#include "core/util.h"
#include "envs/env.h"

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

/* native spawns the agent from the real binary, not from this test. */
static void need_real_agent(void)
{
    const char *bin = getenv("ISOBENCH_BIN");
    if (!bin) {
        fprintf(stderr, "skip: ISOBENCH_BIN not set (run through ctest)\n");
        skip();
    }
    setenv("ISOBENCH_SELF", bin, 1);
}

/* One run of the null workload on envs with driver's column (index col)
 * sized cpus=1: it completes, stays the same column, and says what ran. */
static void sized_run(struct store *st, const char *elist, const char *driver, int col,
                      const char *want)
{
    struct kvlist opts = {0};
    struct err e = {0};
    struct run_plan *p = new_plan();
    int64_t id = 0;
    int failed = -1;
    assert_int_equal(runner_plan(p, "null", elist, &opts, &e), 0);
    assert_int_equal(runner_plan_sized(p, "null", driver, "cpus=1", &e), 1);
    int rc = runner_execute(p, st, &id, &failed, &e);
    if (rc) fprintf(stderr, "sized run on %s: %s\n", elist, e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(failed, 0);
    struct run_view rv;
    assert_int_equal(store_load_run(st, "latest", &rv, &e), 0);
    assert_string_equal(rv.envs[col], p->spec[col].text); /* the same column */
    assert_string_equal(kv_get(&rv.env_facts[col], "sized.null"), want);
    assert_null(kv_get(&rv.env_facts[1 - col], "sized.null"));
    assert_int_equal(rv.npoints, 4);
    store_free_run(&rv);
    free(p);
}

static void execute_into_store(void **state)
{
    (void)state;
    need_real_agent();

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
    /* the same plan again: its duration is known from these samples */
    struct run_estimate est;
    assert_int_equal(runner_estimate(p, st, &est, &e), 0);
    assert_int_equal(est.pairs, 2);
    assert_int_equal(est.known, 2);
    assert_true(est.secs > 0);
    /* each pair's expected sample time, which the ETA weighs by */
    assert_true(p->est_s[0][0] > 0 && p->est_s[0][1] > 0);
    assert_true(est.secs >= (p->est_s[0][0] + p->est_s[0][1]) * est.rounds * 0.999);
    char line[400];
    runner_estimate_text(&est, line, sizeof(line));
    assert_non_null(strstr(line, "about"));
    /* ... and not at another size, nor for a workload never run here */
    p->size = SIZE_FULL;
    assert_int_equal(runner_estimate(p, st, &est, &e), 0);
    assert_int_equal(est.known, 0);
    assert_true(p->est_s[0][0] == 0 && p->est_s[0][1] == 0);
    runner_estimate_text(&est, line, sizeof(line));
    assert_non_null(strstr(line, "unknown"));
    free(p);

    /* --sizing (needs root: a cgroup, a VM): the native column runs the
     * null workload as native:cpus=1, and a VM column is brought up
     * planned, then resized - a second instance of the column in the same
     * run, whose state dir, disk and cgroup must not collide with the
     * first's. */
    if (geteuid() == 0) {
        sized_run(st, "native,null", "native", 0, "native:cpus=1");
        if (!env_unavailable(&env_vm))
            sized_run(st, "native,vm:mem=1G", "vm", 1, "vm:mem=1G,cpus=1");
    }

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

static struct job *null_job(const char *sleep_s)
{
    struct job *j = calloc(1, sizeof(*j));
    struct err e = {0};
    snprintf(j->workload, sizeof(j->workload), "null");
    j->size = SIZE_TINY;
    kv_set(&j->opts, "sleep", sleep_s, &e);
    return j;
}

static int fire_cancel(void *arg)
{
    (*(int *)arg)++;
    return 1;
}

static int fire_keep(void *arg)
{
    (*(int *)arg)++;
    return 0;
}

/* Forks a run-long agent serving one end of a socketpair (its environment
 * is the caller's); returns the other end once the agent said "ready". */
static int agent_on_socketpair(pid_t *pid)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    *pid = fork();
    assert_true(*pid >= 0);
    if (*pid == 0) {
        close(sv[0]);
        struct err ce = {0};
        _exit(agent_serve_io(sv[1], sv[1], &ce) < 0 ? 1 : 0);
    }
    close(sv[1]);
    struct err e = {0};
    assert_int_equal(proto_wait_ready(sv[0], 10, &e), 0);
    return sv[0];
}

/* A run-long agent (pid 1 of containers and guests) on a socketpair: a
 * watched fd that fires cancels a 30 s job within seconds, with the
 * agent's "cancelled" error; a watch that declines leaves the job alone; a
 * late cancel is ignored and the channel stays in step. */
static void agent_cancels_a_job(void **state)
{
    (void)state;
    pid_t pid;
    int chan = agent_on_socketpair(&pid);
    struct err e = {0};

    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    assert_int_equal(write(pfd[1], "x", 1), 1); /* the watched fd is readable at once */
    int fired = 0;
    struct env_watch w = {.fd = pfd[0], .fired = fire_cancel, .arg = &fired};
    struct job *j = null_job("30");
    struct reply *rep = calloc(1, sizeof(*rep));
    double t0 = util_now();
    assert_int_equal(env_chan_exec(&chan, 60, &w, j, rep, &e), 0);
    assert_true(util_now() - t0 < 10);
    assert_int_equal(fired, 1);
    assert_int_equal(w.cancelled, 1);
    assert_int_equal(rep->ok, 0);
    assert_non_null(strstr(rep->err.msg, "cancelled"));

    /* a late cancel, then a watch that declines: the 1 s job completes */
    assert_int_equal(proto_send_cancel(chan, &e), 0);
    free(j);
    j = null_job("1");
    struct env_watch keep = {.fd = pfd[0], .fired = fire_keep, .arg = &fired};
    memset(rep, 0, sizeof(*rep));
    assert_int_equal(env_chan_exec(&chan, 60, &keep, j, rep, &e), 0);
    assert_int_equal(fired, 2);
    assert_int_equal(keep.cancelled, 0);
    if (!rep->ok) fprintf(stderr, "%s\n", rep->err.msg);
    assert_int_equal(rep->ok, 1);
    close(chan);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fprintf(stderr, "agent status %#x\n", st);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(pfd[0]);
    close(pfd[1]);
    free(j);
    free(rep);
}

/* The runner sends its next request as soon as a reply arrives, which can
 * be before the agent has reaped the job process (an ASan build's exit is
 * slow): the request must wait for the serve loop, not be taken for a
 * broken channel (it was: "the agent closed the channel without a reply"). */
static void agent_next_request_before_reap(void **state)
{
    (void)state;
    setenv("ISOBENCH_TEST_EXIT_DELAY_MS", "300", 1);
    pid_t pid;
    int chan = agent_on_socketpair(&pid);
    unsetenv("ISOBENCH_TEST_EXIT_DELAY_MS");
    struct err e = {0};
    struct job *j = null_job("0");
    struct reply *rep = calloc(1, sizeof(*rep));
    for (int i = 0; i < 3; i++) {
        memset(rep, 0, sizeof(*rep));
        assert_int_equal(env_chan_exec(&chan, 30, NULL, j, rep, &e), 0);
        if (!rep->ok) fprintf(stderr, "job %d: %s\n", i, rep->err.msg);
        assert_int_equal(rep->ok, 1);
    }
    close(chan);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    free(j);
    free(rep);
}

/* A one-job agent (native): a cancel kills it. */
static void spawned_agent_cancelled(void **state)
{
    (void)state;
    need_real_agent();
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    assert_int_equal(write(pfd[1], "x", 1), 1);
    int fired = 0;
    struct env_watch w = {.fd = pfd[0], .fired = fire_cancel, .arg = &fired};
    struct job *j = null_job("30");
    struct reply *rep = calloc(1, sizeof(*rep));
    struct err e = {0};
    double t0 = util_now();
    assert_int_equal(env_spawn_agent(j, 60, NULL, NULL, &w, rep, &e), -1);
    assert_true(util_now() - t0 < 10);
    assert_int_equal(w.cancelled, 1);
    assert_non_null(strstr(e.msg, "cancelled"));
    close(pfd[0]);
    close(pfd[1]);
    free(j);
    free(rep);
}

/* An environment with only up(): the agent it starts serves the run on
 * ctx->agent_chan, and env_exec/env_down are the defaults every
 * run-long-agent environment now shares. */
static int served_up(struct env_ctx *ctx, struct err *e)
{
    (void)e;
    assert_int_equal(ctx->agent_chan, -1); /* env_up cleared what came before */
    ctx->agent_chan = agent_on_socketpair(&ctx->agent_pid);
    ctx->info.startup_s = 0.25;
    ctx->priv = malloc(16); /* freed by env_down (no down hook) */
    return 0;
}

static void default_exec_and_down(void **state)
{
    (void)state;
    const struct env served = {.name = "served", .caps = ENV_CAP_ODIRECT, .up = served_up};
    struct env_req *rq = calloc(1, sizeof(*rq));
    struct env_ctx *ctx = calloc(1, sizeof(*ctx));
    rq->env = &served;
    rq->timeout_s = 30;
    struct err e = {0};
    assert_int_equal(env_up(ctx, rq, &e), 0);
    assert_ptr_equal(ctx->rq, rq);
    assert_string_equal(kv_get(&ctx->info.facts, "startup_s"), "0.250000");
    assert_string_equal(kv_get(&ctx->info.facts, "caps"), "odirect");
    assert_null(kv_get(&ctx->info.facts, "footprint_bytes")); /* not measured: not claimed */
    struct job *j = null_job("0");
    struct reply *rep = calloc(1, sizeof(*rep));
    for (int i = 0; i < 2; i++) {
        memset(rep, 0, sizeof(*rep));
        assert_int_equal(env_exec(ctx, j, NULL, rep, &e), 0);
        assert_int_equal(rep->ok, 1);
    }
    pid_t pid = ctx->agent_pid;
    env_down(ctx);
    assert_int_equal(ctx->agent_chan, -1);
    assert_int_equal(ctx->agent_pid, 0);
    assert_null(ctx->priv);
    assert_int_equal(kill(pid, 0), -1); /* stopped and reaped */
    env_down(ctx);                      /* idempotent */
    memset(rep, 0, sizeof(*rep));
    assert_int_equal(env_exec(ctx, j, NULL, rep, &e), -1); /* no agent any more */
    assert_non_null(strstr(e.msg, "not running"));
    free(j);
    free(rep);
    free(ctx);
    free(rq);
}

/* Run ids: time, then 64 random bits; two never alike. */
static void run_ids_random(void **state)
{
    (void)state;
    char a[64], b[64];
    runner_make_uuid(a, sizeof(a));
    runner_make_uuid(b, sizeof(b));
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a + 16, "0123456789abcdef"), 16);
    assert_true(a[8] == '-' && a[15] == '-');
    assert_string_not_equal(a, b);
}

/* A sample settles only what its workload lists, from the owning half,
 * with a value the option table takes; anything else is refused. */
static void settle_refuses_servers_and_unlisted(void **state)
{
    (void)state;
    struct kvlist *facts = calloc(1, sizeof(*facts)), *into = calloc(1, sizeof(*into));
    struct err e = {0};
    /* null (a plain workload): sleep is listed */
    kv_set(facts, "null.settle.sleep", "0.25", &e);
    assert_int_equal(runner_settle_take(&workload_null, facts, into, &e), 0);
    assert_string_equal(kv_get(into, "sleep"), "0.25");
    /* an option it does not list (fail), and a value the table refuses */
    facts->n = 0;
    kv_set(facts, "null.settle.fail", "1", &e);
    assert_int_equal(runner_settle_take(&workload_null, facts, into, &e), -1);
    facts->n = 0;
    kv_set(facts, "null.settle.sleep", "-5", &e);
    assert_int_equal(runner_settle_take(&workload_null, facts, into, &e), -1);
    /* mysql (a network workload): its client's threads are taken, the
     * server half's (unprefixed: it ran in the environment) never */
    into->n = 0;
    facts->n = 0;
    kv_set(facts, "mysql.settle.threads", "1,2,3", &e);
    assert_int_equal(runner_settle_take(&workload_mysql, facts, into, &e), 0);
    assert_null(kv_get(into, "threads"));
    kv_set(facts, "client.mysql.settle.threads", "1,2", &e);
    assert_int_equal(runner_settle_take(&workload_mysql, facts, into, &e), 0);
    assert_string_equal(kv_get(into, "threads"), "1,2");
    kv_set(facts, "client.mysql.settle.table-size", "5", &e);
    assert_int_equal(runner_settle_take(&workload_mysql, facts, into, &e), -1);
    free(facts);
    free(into);
}

/* A pair's halves merged into one sample: the client's metrics, the
 * server's prefixed, facts placed by half; a sample that cannot hold them
 * all fails with why instead of dropping some. */
static void pair_merge_whole_or_failed(void **state)
{
    (void)state;
    struct reply *r = calloc(2, sizeof(*r)), *cr = r + 1;
    assert_non_null(r);
    struct err e = {0};
    r->ok = cr->ok = 1;
    assert_int_equal(result_add(&r->res, "cpu_s", "s", BETTER_LOWER, 1, &e), 0);
    assert_int_equal(kv_set(&r->res.facts, "hostname", "srv", &e), 0);
    assert_int_equal(result_add(&cr->res, "p50", "us", BETTER_LOWER, 2, &e), 0);
    assert_int_equal(kv_set(&cr->res.facts, "hostname", "peer", &e), 0);
    runner_pair_merge(r, cr);
    assert_true(r->ok);
    assert_int_equal(r->res.n, 2);
    assert_string_equal(r->res.m[0].name, "p50");
    assert_string_equal(r->res.m[1].name, "server.cpu_s");
    assert_string_equal(kv_get(&r->res.facts, "hostname"), "srv");
    assert_string_equal(kv_get(&r->res.facts, "client.hostname"), "peer");
    /* more metrics than a sample holds: failed, not cut */
    memset(r, 0, 2 * sizeof(*r));
    r->ok = cr->ok = 1;
    char name[32];
    for (int k = 0; k < RESULT_MAX_METRICS / 2 + 1; k++) {
        snprintf(name, sizeof(name), "m%d", k);
        assert_int_equal(result_add(&r->res, name, "x", BETTER_LOWER, k, &e), 0);
        assert_int_equal(result_add(&cr->res, name, "x", BETTER_LOWER, k, &e), 0);
    }
    runner_pair_merge(r, cr);
    assert_false(r->ok);
    assert_non_null(strstr(r->err.msg, "exceed"));
    free(r);
}

int main(void)
{
    journal_set_undo(env_undo_handlers); /* as main does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_errors),
        cmocka_unit_test(plan_adds_native_and_routes_options),
        cmocka_unit_test(execute_into_store),
        cmocka_unit_test(agent_cancels_a_job),
        cmocka_unit_test(agent_next_request_before_reap),
        cmocka_unit_test(spawned_agent_cancelled),
        cmocka_unit_test(default_exec_and_down),
        cmocka_unit_test(run_ids_random),
        cmocka_unit_test(settle_refuses_servers_and_unlisted),
        cmocka_unit_test(pair_merge_whole_or_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
