/* The scenario engine's bookkeeping, without running anything: slices,
 * plans refused on bad input, the parsers the scenarios read the host
 * with, and the noisy-neighbour table's pairing of tenants, steps and
 * rounds from samples stored with their tenant and step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/store.h"
#include "report/report.h"
#include "run/scenario.h"
#include "workloads/filetask.h"
#include "workloads/stress.h"
#include "workloads/workload.h"

static void slices(void **state)
{
    (void)state;
    struct slice s;
    struct err e = {0};
    assert_int_equal(slice_parse("cpus=1,mem=1G", &s, &e), 0);
    assert_int_equal(s.cpus, 1);
    assert_true(s.mem == (1ull << 30));
    assert_int_equal(slice_parse("mem=512M", &s, &e), 0);
    assert_int_equal(s.cpus, 0);
    const char *bad[] = {"cpus=0", "cpus=x", "mem=1K", "disk=1G", "", "cpus=1,cpus=2", NULL};
    for (int i = 0; bad[i]; i++) {
        e.code = 0;
        assert_int_equal(slice_parse(bad[i], &s, &e), -1);
        assert_int_equal(e.code, ERR_USAGE);
    }
    /* tenant k of a cpuset environment gets the N CPUs from k*N on, wrapping */
    struct spec sp;
    assert_int_equal(slice_parse("cpus=2,mem=256M", &s, &e), 0);
    const char *want[] = {"0,1", "2,3", "0,1", "2,3"};
    for (int k = 0; k < 4; k++) {
        spec_parse("container", &sp, &e);
        assert_int_equal(slice_apply(&s, &env_container, k, 4, 1, &sp, &e), 0);
        assert_string_equal(kv_get(&sp.kv, "cpus"), want[k]);
        assert_string_equal(kv_get(&sp.kv, "mem"), "256M");
        char want_text[64];
        snprintf(want_text, sizeof(want_text), "container:cpus=%s,mem=256M", want[k]);
        assert_string_equal(sp.text, want_text);
    }
    assert_int_equal(slice_parse("cpus=2", &s, &e), 0);
    spec_parse("native", &sp, &e);
    assert_int_equal(slice_apply(&s, &env_native, 1, 3, 1, &sp, &e), 0);
    assert_string_equal(kv_get(&sp.kv, "cpus"), "0,2"); /* CPUs 2 and 0 of 3 */
    spec_parse("vm", &sp, &e);                          /* a VM: a count of vCPUs */
    assert_int_equal(slice_apply(&s, &env_vm, 5, 4, 1, &sp, &e), 0);
    assert_string_equal(kv_get(&sp.kv, "cpus"), "2");
    spec_parse("container:cpus=0", &sp, &e); /* the spec sizes itself: conflict */
    assert_int_equal(slice_apply(&s, &env_container, 0, 4, 1, &sp, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    spec_parse("vm", &sp, &e); /* more CPUs than the host has */
    assert_int_equal(slice_apply(&s, &env_vm, 0, 1, 1, &sp, &e), -1);
    spec_parse("null", &sp, &e); /* cannot be sized */
    assert_int_equal(slice_apply(&s, &env_null, 0, 4, 1, &sp, &e), -1);
}

/* Plans for a simulated 4-CPU host with room; bad input is ERR_USAGE. */
static uint64_t plan_host_mem, plan_swap; /* --host-mem, --swap of the next plan */

static int plan_net; /* the last plan's net flag */

static int plan(const char *name, const char *envlist, const char *opt, const char *slice,
                struct err *e)
{
    struct scenario_plan *p = calloc(1, sizeof(*p));
    struct kvlist opts = {0};
    if (opt) {
        char k[64];
        const char *eq = strchr(opt, '=');
        snprintf(k, sizeof(k), "%.*s", (int)(eq - opt), opt);
        kv_set(&opts, k, eq + 1, e);
    }
    p->size = SIZE_TINY;
    p->reps = 1;
    p->host_mem = plan_host_mem;
    p->swap = plan_swap;
    p->host = (struct host_caps){.ncpus = 4,
                                 .llc_bytes = 32u << 20,
                                 .mem_total = 16ull << 30,
                                 .mem_avail = 12ull << 30,
                                 .data_free = 100ull << 30};
    int rc = scenario_plan(p, name, envlist, &opts, slice, e);
    plan_net = p->net;
    free(p);
    return rc;
}

static void plans(void **state)
{
    (void)state;
    struct err e = {0};
    assert_int_equal(plan("density", "native", NULL, NULL, &e), 0);
    const char *no_stress = workload_stress.unavailable();
    if (no_stress) { /* every other scenario's aggressor: refused, with the reason */
        assert_int_equal(plan("noisy-neighbour", "native", NULL, NULL, &e), -1);
        assert_non_null(strstr(e.msg, "stress-ng"));
        fprintf(stderr, "plans: the rest skipped: %s\n", no_stress);
        skip();
    }
    assert_int_equal(plan("noisy_neighbour", "native", "victims=compress", "cpus=2", &e), 0);
    assert_int_equal(plan("noisy-neighbour", "native", "noisy-neighbour.aggressors=cpu", NULL, &e),
                     0);
    assert_int_equal(plan_net, 0); /* plain victims: no peer namespace */
    /* a network victim: its client runs in the peer namespace - which only
     * root can make: without root the plan refuses it, and says why */
    int root = geteuid() == 0;
    int rc = plan("noisy-neighbour", "native", "victims=compress,netlat", NULL, &e);
    if (!root) {
        assert_int_equal(rc, -1);
        assert_non_null(strstr(e.msg, "needs root"));
    } else {
        if (rc != 0) fail_msg("%s", e.msg);
        assert_int_equal(plan_net, 1);
        assert_int_equal(plan("noisy-neighbour", "native", "victims=redis", NULL, &e), 0);
        assert_int_equal(plan_net, 1);
    }
    if (!root) { /* the rest plans tenants (containers, VMs, a peer) only root can make */
        fprintf(stderr, "plans: the rest skipped without root: its environments and peer "
                        "namespace need root, which the planner checks on this host\n");
        skip();
    }
    /* one entry per workload: again with the same options is that entry,
     * with others a usage error (never silently the first's) */
    struct scenario_plan *sp = calloc(1, sizeof(*sp));
    assert_non_null(sp);
    sp->size = SIZE_TINY;
    sp->reps = 1;
    sp->host = (struct host_caps){.ncpus = 4,
                                  .llc_bytes = 32u << 20,
                                  .mem_total = 16ull << 30,
                                  .mem_avail = 12ull << 30,
                                  .data_free = 100ull << 30};
    assert_int_equal(scenario_plan(sp, "noisy-neighbour", "native", NULL, NULL, &e), 0);
    int si = scen_wl_index(sp, "stress");
    assert_true(si >= 0);
    struct kvlist same = {0}, other = {0};
    kv_set(&same, "workers", kv_get(&sp->wlopts[si], "workers"), &e);
    kv_set(&other, "workers", "7", &e);
    assert_int_equal(scen_plan_workload(sp, "stress", &same, &e), si);
    assert_int_equal(scen_plan_workload(sp, "stress", &other, &e), -1);
    assert_non_null(strstr(e.msg, "added twice with other options"));
    free(sp);
    struct {
        const char *name, *envs, *opt, *slice, *msg;
    } bad[] = {
        {"nosuch", "native", NULL, NULL, "unknown scenario"},
        {"density", "native", "bogus=1", NULL, "no option 'bogus'"},
        {"density", "native", "tenants=0", NULL, "tenants must be"},
        {"density", "native", "tenants=33", NULL, "tenants must be"},
        {"density", "native", "density.tenants=x", NULL, "tenants must be"},
        {"density", "native", "noisy-neighbour.ramp=1", NULL, "not one of scenario density"},
        {"density", "nosuchenv", NULL, NULL, "nosuchenv"},
        {"density", "native,native", NULL, NULL, "listed twice"},
        {"density", "native", NULL, "cpus=8", "this host has 4 CPUs"},
        {"density", "native", NULL, "mem=1K", "at least 128M"},
        {"noisy-neighbour", "native", "victims=stress", NULL, "not a suite workload"},
        {"noisy-neighbour", "native", "victims=compress,null", NULL, "not a suite workload"},
        {"noisy-neighbour", "native", "victims=filetask", NULL, "not a suite workload"},
        {"noisy-neighbour", "native", "victims=nosuch", NULL, "unknown workload"},
        {"noisy-neighbour", "native", "aggressors=cpu,fork", NULL, "'fork' is not one of"},
        {"noisy-neighbour", "native", "aggressors=cpu,cpu", NULL, "listed twice"},
        {"noisy-neighbour", "native", "bytes=512G", NULL, "needs"},
        {"memory-pressure", "native", "workers=4,2", NULL, "workers must be"},
        {"memory-pressure", "native", "servers=13", NULL, "servers must be"},
        {"memory-pressure", "native", "server=java", NULL, "server must be"},
        {"memory-pressure", "native,vm", "server=node", NULL, "server=node"},
        {"memory-pressure", "native", NULL, "mem=4G", "more memory than"},
        {"noisy-neighbour", "native", NULL, "mem=8G", "more memory than"},
        {"density", "native", "tenants=4", "mem=4G", "more memory than"},
        {"two-tier", "native,container,vm", NULL, NULL, "takes one environment"},
        {"two-tier", "container:net=none", NULL, NULL, "cannot host a tier"},
        {"two-tier", "native", "app-mem=12G", NULL, "take more than"},
        {"two-tier", "native", "db-cpus=8", NULL, "a tier of 8 CPUs"},
        {"two-tier", "native", "ramp=60", NULL, "must end before"},
        {"two-tier", "native", "users=0", NULL, "users must be"},
        {"two-tier", "native", "inserts=0", NULL, "inserts must be"},
        {"two-tier", "vm:mem=256M", NULL, NULL, "the app tier"},
        {"two-tier", "native", "cpu-share=priority", NULL, "cpu-share"},
        {"two-tier", "native", "app-weight=0", NULL, "app-weight must be"},
        {"two-tier", "native", "db-weight=10001", NULL, "db-weight must be"},
        {"two-tier", "container:cpu-weight=5", NULL, NULL, "sets cpu-weight itself"},
        {"sizing", "vm", NULL, NULL, "takes no cpu-quota"},
        {"sizing", "native", NULL, NULL, "takes no cpu-quota"},
        {"sizing", "container", "quota=4", NULL, "quota must be"},
        {"sizing", "container", "quota=0", NULL, "quota must be"},
        {"sizing", "container", "workloads=netlat", NULL, "does not size its threads"},
        {"sizing", "container", "workloads=", NULL, "workloads is empty"},
        {"sizing", "container,container:cpu-quota=2", NULL, NULL, "listed twice"},
    };
    /* two-tier: one environment for both tiers, or app,db */
    if (!workload_wordpress.unavailable()) {
        assert_int_equal(plan("two-tier", "native", NULL, NULL, &e), 0);
        assert_int_equal(plan("two_tier", "container,native", "two-tier.users=20", NULL, &e), 0);
    }
    /* memory-pressure: what its stressors may take, where --host-mem holds */
    assert_int_equal(plan("memory-pressure", "native,container,vm", NULL, NULL, &e), 0);
    plan_host_mem = 4ull << 30;
    assert_int_equal(plan("memory-pressure", "native,container,vm", NULL, NULL, &e), 0);
    assert_int_equal(plan("memory-pressure", "podman", NULL, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "outside --host-mem"));
    assert_int_equal(plan("memory-pressure", "native", "workers=0,100", NULL, &e), -1);
    assert_non_null(strstr(e.msg, "exceed 1.5 x"));
    plan_swap = 8ull << 30; /* room with the swap file */
    assert_int_equal(plan("memory-pressure", "native", "workers=0,40", NULL, &e), 0);
    plan_host_mem = 64ull << 30; /* more than the simulated 16 GiB */
    assert_int_equal(plan("memory-pressure", "native", NULL, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "--host-mem must be"));
    plan_host_mem = 0;
    plan_swap = 1ull << 40; /* more than the free disk */
    assert_int_equal(plan("memory-pressure", "native", NULL, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "--swap must be"));
    plan_swap = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        if (plan(bad[i].name, bad[i].envs, bad[i].opt, bad[i].slice, &e) != -1 ||
            e.code != ERR_USAGE || !strstr(e.msg, bad[i].msg))
            fail_msg("%s %s %s %s: code %d '%s'", bad[i].name, bad[i].envs,
                     bad[i].opt ? bad[i].opt : "", bad[i].slice ? bad[i].slice : "", e.code, e.msg);
    }
}

static void parsers(void **state)
{
    (void)state;
    struct meminfo m;
    const char *mi = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n"
                     "Slab:  1000 kB\nKernelStack:  200 kB\nPageTables: 30 kB\n";
    assert_int_equal(density_meminfo_parse(mi, &m), 0);
    assert_true(m.total == 24000000 && m.avail == 20000000 && m.kernel == 1230);
    assert_int_equal(density_meminfo_parse("MemTotal: 1 kB\n", &m), -1);
    const char *out =
        "stress-ng: info:  [77] dispatching hogs: 2 vm\n"
        "stress-ng: metrc: [77] stressor       bogo ops real time  usr time  sys time   bogo "
        "ops/s\n"
        "stress-ng: metrc: [77]                           (secs)    (secs)    (secs)   (real "
        "time)\n"
        "stress-ng: metrc: [77] vm               176548      5.00      4.10      5.80     "
        "35309.32     17833.13\n";
    double ops, real_s, cpu_s;
    assert_int_equal(stress_parse_metrics(out, "vm", &ops, &real_s, &cpu_s), 0);
    assert_true(ops == 176548 && real_s == 5.0 && cpu_s > 9.89 && cpu_s < 9.91);
    assert_int_equal(stress_parse_metrics(out, "cpu", &ops, &real_s, &cpu_s), -1);
    assert_int_equal(stress_parse_metrics("", "vm", &ops, &real_s, &cpu_s), -1);
}

/* filetask: targets parsed strictly; a task writes exactly bytes in
 * writes calls and leaves nothing; the summary's spread and p95. */
static void filetask_parts(void **state)
{
    (void)state;
    struct ft_target t[FT_MAX_TARGETS];
    struct err e = {0};
    assert_int_equal(ft_parse_targets("10.0.0.1:80,10.214.3.1:20001", t, FT_MAX_TARGETS, &e), 2);
    assert_string_equal(t[1].addr, "10.214.3.1");
    assert_int_equal(t[1].port, 20001);
    const char *bad[] = {"", "10.0.0.1", "10.0.0.1:0", "10.0.0.1:70000", ":80", "a:b", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(ft_parse_targets(bad[i], t, FT_MAX_TARGETS, &e), -1);
    assert_int_equal(ft_parse_targets("a:1,b:2,c:3", t, 2, &e), -1); /* more than max */
    char d[] = "/tmp/isobench-test-ft-XXXXXX";
    assert_non_null(mkdtemp(d));
    double secs = ft_task(d, 1000003, 1000, &e); /* 1000 bytes a write, 3 one more */
    assert_true(secs >= 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rmdir %s", d); /* empty: the file is gone */
    assert_int_equal(system(cmd), 0);
    assert_true(ft_task("/nonexistent-dir", 100, 10, &e) < 0);
    /* 2 servers x 10 rounds: server 1 takes 1 s, server 2 takes 3 s */
    double task[20], resp[20];
    for (int k = 0; k < 10; k++) {
        task[k * 2] = 1;
        task[k * 2 + 1] = 3;
        resp[k * 2] = resp[k * 2 + 1] = 3.5;
    }
    struct result r = {0};
    assert_int_equal(ft_summarize(task, resp, 10, 2, &r, &e), 0);
    double want[] = {2000, 3000, 3500, 3, 70.710678}; /* mean, p95, resp, spread, CoV */
    for (int m = 0; m < 5; m++)
        if (r.m[m].value < want[m] * 0.999 || r.m[m].value > want[m] * 1.001)
            fail_msg("%s = %g, want %g", r.m[m].name, r.m[m].value, want[m]);
    assert_string_equal(kv_get(&r.facts, "filetask.server2.task_ms"), "3000.000");
    /* server=node: its count and sum from the app's log, or no sample */
    char ver[96];
    double n = 0, sum = 0;
    assert_int_equal(ft_node_parse_log("isobench-filetask node v20.1.0 express 4.18.2\n"
                                       "isobench-filetask tasks 3 sum 1.500000000\n",
                                       ver, sizeof(ver), &n, &sum),
                     0);
    assert_string_equal(ver, "node v20.1.0 express 4.18.2");
    assert_true(n == 3 && sum == 1.5);
    assert_int_equal(ft_node_parse_log("isobench-filetask node v20.1.0 express 4.18.2\n"
                                       "Error: listen EADDRINUSE\n",
                                       ver, sizeof(ver), &n, &sum),
                     -1);
}

static char dir[256];

static void add(struct store *st, int64_t id, const char *wl, const char *env, const char *tenant,
                const char *step, int rep, const char *metric, int better, double v)
{
    struct reply *r = calloc(1, sizeof(*r));
    struct err e = {0};
    r->ok = v >= 0;
    if (r->ok)
        result_add(&r->res, metric, "x", better, v, &e);
    else
        err_set(&r->err, ERR_FAIL, "aggressor ended first");
    struct store_where at = {.workload = wl, .env = env, .tenant = tenant, .step = step};
    assert_int_equal(store_measurement_at(st, id, &at, rep, 1.0, r, &e), 0);
    free(r);
}

/* The victim's loss is paired by round within one environment: alone
 * 100/200/300 against cpu 50/100/150 is +50 % whatever the drift between
 * rounds; the aggressor's rate is its own row; a failed sample is listed
 * with its tenant and step. */
static void noisy_table_pairs(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/isobench-test-scen-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof(path), "%s/r.db", dir);
    struct store *st;
    struct err e = {0};
    assert_int_equal(store_open(path, 1, &st, &e), 0);
    struct kvlist host = {0};
    kv_set(&host, "scenario", "noisy-neighbour", &e);
    int64_t id;
    assert_int_equal(
        store_run_begin(st, "u-scen", "isobench scenario run", SIZE_TINY, 3, &host, &id, &e), 0);
    assert_int_equal(store_run_env(st, id, 0, "native", NULL, &e), 0);
    assert_int_equal(store_run_env(st, id, 1, "container", NULL, &e), 0);
    assert_int_equal(store_run_workload(st, id, 0, "compress", &host, &e), 0);
    assert_int_equal(store_run_workload(st, id, 1, "stress", &host, &e), 0);
    for (int rep = 1; rep <= 3; rep++) {
        add(st, id, "compress", "native", "victim", "alone", rep, "throughput", BETTER_HIGHER,
            100.0 * rep);
        add(st, id, "compress", "native", "victim", "cpu", rep, "throughput", BETTER_HIGHER,
            50.0 * rep);
        add(st, id, "stress", "native", "aggressor", "cpu", rep, "host_cpus_busy", BETTER_HIGHER,
            0.98);
        /* the container's victim is not slowed at all */
        add(st, id, "compress", "container", "victim", "alone", rep, "throughput", BETTER_HIGHER,
            80);
        add(st, id, "compress", "container", "victim", "cpu", rep, "throughput", BETTER_HIGHER,
            rep == 2 ? -1 : 80);
    }
    store_run_end(st, id, "failed", &e);
    struct run_view rv;
    assert_int_equal(store_load_run(st, "latest", &rv, &e), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(report_scenario_table(&rv, f, &e), 0);
    fclose(f);
    const char *native = strstr(buf, "\nnative       compress");
    const char *cont = strstr(buf, "\ncontainer    compress");
    assert_non_null(native);
    assert_non_null(cont);
    const char *nl = strchr(native + 1, '\n');
    if (!strstr(native, "+50.0% [+50.0,+50.0]") || strstr(native, "+50.0%") > nl)
        fail_msg("native's loss is not +50 %%:\n%s", buf);
    if (!strstr(cont, "+0.0%")) fail_msg("container's loss is not 0:\n%s", buf);
    assert_non_null(strstr(buf, "cpu 0.98"));
    assert_non_null(strstr(buf, "failed: compress @ container, tenant victim, step cpu, round 2"));
    free(buf);
    /* every sample exported with its tenant, step and round; the failure
     * with its error; a plain run is refused */
    f = open_memstream(&buf, &len);
    assert_int_equal(report_scenario_json(&rv, f, &e), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"schema\":\"isobench.scenario/1\""));
    assert_non_null(strstr(buf,
                           "{\"workload\":\"compress\",\"env\":\"native\",\"tenant\":"
                           "\"victim\",\"step\":\"cpu\",\"round\":3,\"metric\":"
                           "\"throughput\",\"unit\":\"x\",\"better\":\"higher\",\"value\":150}"));
    assert_non_null(strstr(buf, "\"tenant\":\"victim\",\"step\":\"cpu\",\"round\":2,\"error\":"));
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(report_scenario_csv(&rv, f, &e), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\n1,\"noisy-neighbour\",\"stress\",\"native\",\"aggressor\","
                                "\"cpu\",1,\"host_cpus_busy\",\"x\",higher,0.98,\n"));
    assert_non_null(
        strstr(buf, ",\"container\",\"victim\",\"cpu\",2,,,,,\"aggressor ended first\"\n"));
    int lines = 0;
    for (const char *p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 14 + 1); /* header, 14 values, 1 failure */
    free(buf);
    rv.host.n = 0; /* no "scenario" fact: a plain run */
    f = open_memstream(&buf, &len);
    assert_int_equal(report_scenario_json(&rv, f, &e), -1);
    fclose(f);
    free(buf);
    store_free_run(&rv);
    store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The filetask server answers only the run's client: a connection whose
 * request lacks the job's token (here a plain GET /task, as anyone on
 * the address could send) gets 403 and is dropped, and the run's client,
 * which connects after it, is served. */
static void filetask_token_required(void **state)
{
    (void)state;
    struct kvlist opts = {0};
    struct err e = {0};
    kv_set(&opts, "rounds", "2", &e);
    kv_set(&opts, "bytes", "4096", &e);
    kv_set(&opts, "writes", "4", &e);
    int port = 20000 + getpid() % 20000;
    struct wl_ctx ctx = {.size = 0,
                         .opts = &opts,
                         .ncpus = 1,
                         .addr = "127.0.0.1",
                         .port = port,
                         .datadir = "/tmp",
                         .secret = "0123456789abcdef0123456789abcdef"};
    struct wl_vals vals;
    struct err le = {0};
    assert_int_equal(workload_load(&workload_filetask, &ctx, &vals, &le), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct result r = {0};
        struct err se = {0};
        ctx.role = "server";
        _exit(workload_filetask.server(&ctx, &r, &se) == 0 && r.n > 0 ? 0 : 1);
    }
    int fd = -1;
    for (int i = 0; i < 100 && fd < 0; i++) { /* the stranger, first */
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
            close(fd);
            fd = -1;
            usleep(20000);
        }
    }
    assert_true(fd >= 0);
    const char get[] = "GET /task HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fd, get, sizeof(get) - 1), (ssize_t)sizeof(get) - 1);
    char buf[256] = "";
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    assert_non_null(strstr(buf, " 403 "));
    close(fd);
    struct result r = {0};
    ctx.role = "client";
    assert_int_equal(workload_filetask.client(&ctx, &r, &e), 0);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* memory-pressure --preset: the study's hosts as options, host size,
 * swap and 1-vCPU guests; what the user gives wins; a host too small for
 * the emulated one, or an unknown preset, is ERR_USAGE. */
static void presets(void **state)
{
    (void)state;
    const struct scenario *sc = scenario_find("memory-pressure");
    assert_non_null(sc);
    struct kvlist opts = {0};
    struct err e = {0};
    char elist[512];
    uint64_t hm = 0, sw = 0;
    const struct scen_preset *found = NULL;
    kv_set(&opts, "rounds", "2", &e);
    struct meminfo mi;
    assert_int_equal(scen_meminfo_read(&mi, &e), 0);
    int rc = scenario_preset(sc, "hosta", SIZE_TINY, "native,vm,vm:cpus=2,vm:image=x", elist,
                             sizeof(elist), &opts, &hm, &sw, &found, &e);
    if (mi.total * 1024.0 < 8.0 * (1ull << 30)) {
        assert_int_equal(rc, -1); /* a host smaller than HostA */
        return;
    }
    assert_int_equal(rc, 0);
    assert_string_equal(found->name, "hosta");
    assert_string_equal(elist, "native,vm:cpus=1,mem=1G,vm:cpus=2,vm:image=x,cpus=1,mem=1G");
    assert_string_equal(kv_get(&opts, "server"), "node");
    assert_string_equal(kv_get(&opts, "workers"), "0,1,2");
    assert_string_equal(kv_get(&opts, "rounds"), "2"); /* the user's */
    assert_true(hm == 8ull << 30 && sw == 2ull << 30);
    hm = 4ull << 30; /* --host-mem given: kept */
    assert_int_equal(scenario_preset(sc, "hosta", SIZE_FULL, "native", elist, sizeof(elist), &opts,
                                     &hm, &sw, &found, &e),
                     0);
    assert_true(hm == 4ull << 30);
    assert_int_equal(scenario_preset(sc, "hostc", SIZE_TINY, "native", elist, sizeof(elist), &opts,
                                     &hm, &sw, &found, &e),
                     -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "hosta, hostb"));
    rc = scenario_preset(sc, "hostb", SIZE_TINY, "native", elist, sizeof(elist), &opts, &hm, &sw,
                         &found, &e);
    assert_int_equal(rc, mi.total * 1024.0 < 32.0 * (1ull << 30) ? -1 : 0);
}

/* A two-tier plan on the simulated 4-CPU host at size, with option opt
 * ("KEY=VALUE", NULL none), for the tiers' specs; NULL when refused. */
static struct scenario_plan *tt_plan(const char *envlist, int size, const char *opt)
{
    struct scenario_plan *p = calloc(1, sizeof(*p));
    struct kvlist opts = {0};
    struct err e = {0};
    if (opt) {
        char k[64];
        const char *eq = strchr(opt, '=');
        snprintf(k, sizeof(k), "%.*s", (int)(eq - opt), opt);
        kv_set(&opts, k, eq + 1, &e);
    }
    p->size = size;
    p->reps = 1;
    p->host = (struct host_caps){.ncpus = 4,
                                 .llc_bytes = 32u << 20,
                                 .mem_total = 16ull << 30,
                                 .mem_avail = 12ull << 30,
                                 .data_free = 100ull << 30};
    if (scenario_plan(p, "two-tier", envlist, &opts, NULL, &e) == 0) return p;
    fail_msg("two-tier -e %s %s: %s", envlist, opt ? opt : "", e.msg);
    return NULL;
}

/* The tiers' CPUs: by default (cpu-share=weight) every tier on the CPUs
 * from CPU 0 with its cpu-weight (equal, 100) where the environment takes
 * one, the DB tier on 2 CPUs at small and full as the study's; with
 * cpu-share=cpuset the earlier layout - CPUs of their own, no weight, the
 * DB tier on 1 CPU unless db-cpus is given, after the app tier's. */
static void twotier_tiers_share_cpus(void **state)
{
    (void)state;
    if (workload_wordpress.unavailable()) skip();
    static const struct {
        const char *envs, *opt;
        int size;
        const char *want[3]; /* app, db, aggressor */
    } cases[] = {
        /* small: the study's sizes (native: no memory fit to fail; at
         * small a container DB tier of 1 GiB cannot hold MariaDB's pool) */
        {"native",
         NULL,
         SIZE_SMALL,
         {"native:cpus=0,1,mem=2048M", "native:cpus=0,1,mem=1024M", "native:cpus=0,1,mem=1024M"}},
        {"container",
         "db-cpus=2",
         SIZE_TINY,
         {"container:cpus=0,mem=1024M,cpu-weight=100",
          "container:cpus=0,1,mem=1024M,cpu-weight=100",
          "container:cpus=0,1,mem=1024M,cpu-weight=100"}},
        {"lxc",
         "app-weight=300",
         SIZE_TINY,
         {"lxc:cpus=0,mem=1024M,cpu-weight=300", "lxc:cpus=0,mem=1024M,cpu-weight=100",
          "lxc:cpus=0,mem=1024M,cpu-weight=100"}},
        {"container",
         "cpu-share=cpuset",
         SIZE_TINY,
         {"container:cpus=0,mem=1024M", "container:cpus=1,mem=1024M",
          "container:cpus=1,mem=1024M"}},
        {"native,container",
         NULL,
         SIZE_TINY,
         {"native:cpus=0,mem=1024M", "container:cpus=0,mem=1024M,cpu-weight=100",
          "container:cpus=0,mem=1024M,cpu-weight=100"}},
        {"vm",
         NULL,
         SIZE_TINY,
         {"vm:cpus=1,mem=1024M", "vm:cpus=1,mem=1024M", "vm:cpus=1,mem=1024M"}},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct scenario_plan *p = tt_plan(cases[c].envs, cases[c].size, cases[c].opt);
        for (int k = 0; k < 3; k++) {
            struct spec sp;
            struct err e = {0};
            assert_int_equal(twotier_tier_spec(p, k, &sp, &e), 0);
            if (strcmp(sp.text, cases[c].want[k]))
                fail_msg("-e %s %s, tier %d: '%s', want '%s'", cases[c].envs,
                         cases[c].opt ? cases[c].opt : "", k, sp.text, cases[c].want[k]);
        }
        free(p);
    }
    /* cpu-share=cpuset: the DB tier's CPUs start after the app tier's
     * (the app's 2 at small), 1 unless db-cpus is given */
    struct scenario_plan *p = tt_plan("native", SIZE_SMALL, "cpu-share=cpuset");
    struct spec sp;
    struct err e = {0};
    assert_int_equal(twotier_tier_spec(p, 0, &sp, &e), 0);
    assert_string_equal(sp.text, "native:cpus=0,1,mem=2048M");
    assert_int_equal(twotier_tier_spec(p, 1, &sp, &e), 0);
    assert_string_equal(sp.text, "native:cpus=2,mem=1024M");
    kv_set(&p->opts, "db-cpus", "2", NULL);
    assert_int_equal(twotier_tier_spec(p, 2, &sp, &e), 0);
    assert_string_equal(sp.text, "native:cpus=2,3,mem=1024M");
    free(p);
}

/* QEMU's own memory: every mapping's PSS but the one exactly the guest's
 * RAM (256 MiB here; the 1 GiB TCG buffer is QEMU's own). */
static void twotier_smaps(void **state)
{
    (void)state;
    static const char smaps[] =
        "55d0-55e0 r-xp 00000000 08:01 1 /usr/bin/qemu-system-x86_64\n"
        "Size:               6000 kB\nRss: 5000 kB\nPss:                3000 kB\n"
        "7fc09be00000-7fc0abe00000 rw-p 00000000 00:00 0\n"
        "Size:             262144 kB\nPss:              200000 kB\n"
        "7fc0ac000000-7fc0ebfff000 rwxp 00000000 00:00 0\n"
        "Size:            1048572 kB\nPss:                2048 kB\n";
    FILE *f = fmemopen((void *)smaps, sizeof(smaps) - 1, "r");
    double total, ram;
    assert_int_equal(twotier_smaps_split(f, 262144, &total, &ram), 1);
    fclose(f);
    assert_true(total == 205048 && ram == 200000);
    f = fmemopen((void *)smaps, sizeof(smaps) - 1, "r");
    assert_int_equal(twotier_smaps_split(f, 524288, &total, &ram), 0); /* no such mapping */
    fclose(f);
    assert_true(ram == 0);
}

/* The two-tier table keeps the two footprints apart: (1) per tenant, the
 * PSS as measured, with no study number beside it; (2) the host side of
 * each environment's isolation layer, with the study's 906 MB (Xen dom0)
 * beside a VM, 161 MB (CoreOS) beside a container and none beside native,
 * the processes listed, and a line saying what the study measured - and
 * nothing called a reproduction of it. */
static void twotier_footprint_table(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/isobench-test-tt-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof(path), "%s/r.db", dir);
    struct store *st;
    struct err e = {0};
    assert_int_equal(store_open(path, 1, &st, &e), 0);
    struct kvlist host = {0};
    kv_set(&host, "scenario", "two-tier", &e);
    int64_t id;
    assert_int_equal(
        store_run_begin(st, "u-tt", "isobench scenario run", SIZE_TINY, 1, &host, &id, &e), 0);
    static const char *const names[] = {"lxc", "vm", "native"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_run_env(st, id, i, names[i], NULL, &e), 0);
    assert_int_equal(store_run_workload(st, id, 0, "null", &host, &e), 0);
    static const double pss[] = {41.5, 830, 0.5}, layer[] = {1.9, 37.25, 0};
    for (int i = 0; i < 3; i++) {
        add(st, id, "null", names[i], "app", "idle", 1, "pss_mib", BETTER_LOWER, pss[i]);
        add(st, id, "null", names[i], "app", "idle", 1, "layer_pss_mib", BETTER_LOWER, layer[i]);
        add(st, id, "null", names[i], "app", "idle", 1, "layer_shared_mib", BETTER_LOWER, 0);
    }
    assert_int_equal(store_run_fact(st, id, "two-tier.cpu", "weight: equal", &e), 0);
    assert_int_equal(store_run_fact(st, id, "two-tier.layer.app@lxc", "lxc-start 77 1.9 MiB", &e),
                     0);
    store_run_end(st, id, "complete", &e);
    struct run_view rv;
    assert_int_equal(store_load_run(st, "latest", &rv, &e), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(report_scenario_table(&rv, f, &e), 0);
    fclose(f);
    const char *own = strstr(buf, "(1) per tenant"), *side = strstr(buf, "(2) host side");
    if (!own || !side || side < own) fail_msg("the two footprints are not apart:\n%s", buf);
    assert_non_null(strstr(buf, "tiers' CPUs: weight: equal"));
    /* (1): the PSS as measured, no study number in it */
    const char *row = strstr(own, "\nvm           app");
    assert_true(row && row < side);
    assert_non_null(strstr(row, "830"));
    char *cut = strndup(own, (size_t)(side - own));
    assert_null(strstr(cut, "906"));
    assert_null(strstr(cut, "161"));
    free(cut);
    /* (2): each environment's layer, the study's host OS beside it */
    static const char *const want[] = {"\nlxc          app                  | 1.9 ",
                                       "\nvm           app                  | 37.2",
                                       "\nnative       app                  | 0 "};
    static const char *const study[] = {"CoreOS: 161 MB", "Xen dom0: 906 MB", "no isolation layer"};
    for (int i = 0; i < 3; i++) {
        row = strstr(side, want[i]);
        if (!row) fail_msg("no host-side row '%s':\n%s", want[i] + 1, buf);
        const char *nl = strchr(row + 1, '\n');
        const char *s = strstr(row, study[i]);
        if (!s || s > nl) fail_msg("'%s' not beside %s:\n%s", study[i], names[i], buf);
    }
    assert_non_null(strstr(side, "  app@lxc: lxc-start 77 1.9 MiB\n"));
    assert_non_null(strstr(side, "XenServer 6.2's domain0, 906 MB"));
    assert_non_null(strstr(side, "CoreOS 324.3.0, 161 MB"));
    assert_non_null(strstr(side, "neither reproduces the study's numbers"));
    free(buf);
    store_free_run(&rv);
    store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slices),
        cmocka_unit_test(presets),
        cmocka_unit_test(plans),
        cmocka_unit_test(parsers),
        cmocka_unit_test(filetask_parts),
        cmocka_unit_test(filetask_token_required),
        cmocka_unit_test(noisy_table_pairs),
        cmocka_unit_test(twotier_tiers_share_cpus),
        cmocka_unit_test(twotier_smaps),
        cmocka_unit_test(twotier_footprint_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
