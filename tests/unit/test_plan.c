/* Planning must not depend on the host it runs on: every workload's presets
 * are planned here for simulated hosts (last-level cache 2 MiB..512 MiB, 1..256
 * CPUs, 2..1024 GiB of memory). tiny must fit a 1 GiB guest everywhere
 * (checked with the vm environment's own fit rule), every "auto" must
 * resolve to a value the workload accepts back, and small/full must keep
 * STREAM's rule. The last-level cache scan is tested on fake sysfs trees
 * (one shared L3, two CCDs, per-core L2 only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/host.h"
#include "run/runner.h"
#include "envs/env.h"
#include "workloads/workload.h"

static const uint64_t llcs[] = {2u << 20, 8u << 20, 32u << 20, 260u << 20, 300u << 20, 512u << 20};
static const int cpus[] = {1, 2, 3, 16, 64, 256};
static const uint64_t mems[] = {2ull << 30, 16ull << 30, 1024ull << 30};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A workload that cannot run here is skipped with its reason, except under
 * CI, where everything deps.sh installs must be there. */
static int wl_usable(const struct workload *w)
{
    const char *why = w->unavailable ? w->unavailable() : NULL;
    if (!why) return 1;
    fprintf(stderr, "%s unavailable here: %s\n", w->name, why);
    if (getenv("CI")) fail_msg("under CI every workload must be available: %s", w->name);
    return 0;
}

static struct host_caps sim_host(uint64_t llc, int ncpus, uint64_t mem)
{
    struct host_caps h = {.ncpus = ncpus,
                          .llc_bytes = llc,
                          .llc_instances = 1,
                          .mem_total = mem,
                          .mem_avail = mem / 4 * 3};
    return h;
}

/* Checks w at size on host h; the resolved options fed back as the user's
 * must be accepted and resolve to themselves (what the agent will run). */
static void plan_one(const struct workload *w, int size, const struct host_caps *h,
                     struct wl_needs *need)
{
    struct kvlist opts = {0}, again = {0};
    struct err e = {0};
    struct wl_ctx ctx = {.size = size,
                         .opts = &opts,
                         .ncpus = h->ncpus,
                         .llc_bytes = h->llc_bytes,
                         .role = "",
                         .addr = "",
                         .datadir = "/var/tmp"};
    struct wl_vals vals;
    memset(need, 0, sizeof(*need));
    if (workload_load(w, &ctx, &vals, &e) < 0 || w->check(&ctx, &opts, need, &e) < 0)
        fail_msg("%s size %d, llc %llu MiB, %d CPUs: %s", w->name, size,
                 (unsigned long long)(h->llc_bytes >> 20), h->ncpus, e.msg);
    struct wl_needs *need2 = calloc(1, sizeof(*need2));
    assert_non_null(need2);
    again = opts;
    ctx.opts = &again; /* typed again, as an agent types what it is sent */
    if (workload_load(w, &ctx, &vals, &e) < 0 || w->check(&ctx, &again, need2, &e) < 0)
        fail_msg("%s: resolved options rejected: %s", w->name, e.msg);
    assert_int_equal(again.n, opts.n);
    for (int i = 0; i < opts.n; i++)
        assert_string_equal(kv_get(&again, opts.v[i].key), opts.v[i].val);
    assert_true(need2->mem_bytes == need->mem_bytes);
    free(need2);
}

static void tiny_fits_a_1g_guest_on_any_host(void **state)
{
    (void)state;
    struct spec vm1g;
    struct err e = {0};
    assert_int_equal(spec_parse("vm:mem=1G", &vm1g, &e), 0);
    struct wl_needs *need = calloc(1, sizeof(*need));
    assert_non_null(need);
    int planned = 0;
    for (int wi = 0; workloads[wi]; wi++) {
        const struct workload *w = workloads[wi];
        if (!wl_usable(w)) continue;
        for (size_t a = 0; a < N(llcs); a++)
            for (size_t b = 0; b < N(cpus); b++)
                for (size_t c = 0; c < N(mems); c++) {
                    struct host_caps h = sim_host(llcs[a], cpus[b], mems[c]);
                    plan_one(w, SIZE_TINY, &h, need);
                    if (need->mem_bytes > (512u << 20))
                        fail_msg("%s tiny needs %llu MiB on %d CPUs, llc %llu MiB", w->name,
                                 (unsigned long long)(need->mem_bytes >> 20), cpus[b],
                                 (unsigned long long)(llcs[a] >> 20));
                    struct env_needs n = {need->mem_bytes, need->disk_bytes, &h};
                    if (env_vm.fit(&vm1g, &n, &e) < 0)
                        fail_msg("%s tiny on %d CPUs, llc %llu MiB: %s", w->name, cpus[b],
                                 (unsigned long long)(llcs[a] >> 20), e.msg);
                    planned++;
                }
    }
    free(need);
    assert_true(planned > 0);
}

/* small and full keep STREAM's rule on every cache size, and every preset
 * resolves to values the workloads take back. */
static void presets_resolve_on_any_host(void **state)
{
    (void)state;
    struct wl_needs *need = calloc(1, sizeof(*need));
    assert_non_null(need);
    for (int wi = 0; workloads[wi]; wi++) {
        const struct workload *w = workloads[wi];
        if (!wl_usable(w)) continue;
        for (int size = SIZE_SMALL; size <= SIZE_FULL; size++)
            for (size_t a = 0; a < N(llcs); a++)
                for (size_t b = 0; b < N(cpus); b++) {
                    struct host_caps h = sim_host(llcs[a], cpus[b], 1024ull << 30);
                    plan_one(w, size, &h, need);
                    if (w == &workload_stream)
                        assert_string_equal(kv_get(&need->facts, "stream.valid"), "yes");
                }
    }
    free(need);
}

/* The whole plan, as `isobench run --size tiny` makes it, on the smallest
 * simulated host: every usable workload, native and a 1 GiB, 1-CPU VM. */
static void whole_tiny_plan_on_a_small_host(void **state)
{
    (void)state;
    char list[512] = "";
    for (int wi = 0; workloads[wi]; wi++) {
        if (!wl_usable(workloads[wi]) || workloads[wi]->only_in) continue; /* a scenario's part */
        if (list[0]) strcat(list, ",");
        strcat(list, workloads[wi]->name);
    }
    const char *specs = env_unavailable(&env_vm) ? "native" : "native,vm:cpus=1,mem=1G";
    if (strcmp(specs, "native") == 0)
        fprintf(stderr, "vm unavailable: %s\n", env_unavailable(&env_vm));
    for (size_t a = 0; a < N(llcs); a++) {
        struct run_plan *p = calloc(1, sizeof(*p));
        assert_non_null(p);
        p->size = SIZE_TINY;
        p->reps = 1;
        p->host = sim_host(llcs[a], 1, 2ull << 30);
        struct kvlist opts = {0};
        struct err e = {0};
        if (runner_plan(p, list, specs, &opts, &e) < 0)
            fail_msg("llc %llu MiB: %s", (unsigned long long)(llcs[a] >> 20), e.msg);
        free(p);
    }
    /* a scenario's part is refused in a plain run, with where it belongs */
    struct run_plan *p = calloc(1, sizeof(*p));
    struct kvlist opts = {0};
    struct err e = {0};
    p->size = SIZE_TINY;
    p->reps = 1;
    p->host = sim_host(llcs[0], 1, 2ull << 30);
    assert_int_equal(runner_plan(p, "null,wordpress", "native", &opts, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "scenario two-tier"));
    free(p);
}

/* The VM's sizes are checked at plan time: a guest too small for stream at
 * small on a large-cache host, a disk too small for blockio, a guest larger
 * than the host: one ERR_USAGE each, before anything starts. */
static void vm_sizes_checked_at_plan_time(void **state)
{
    (void)state;
    struct spec sp;
    struct err e = {0};
    struct host_caps h = sim_host(300u << 20, 2, 24ull << 30);
    struct env_needs n = {.mem_bytes = 3ull * (1200u << 20), .disk_bytes = 0, .host = &h};
    assert_int_equal(spec_parse("vm:mem=1G", &sp, &e), 0);
    assert_int_equal(env_vm.fit(&sp, &n, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "too small"));
    assert_int_equal(spec_parse("vm", &sp, &e), 0); /* derived: fits */
    assert_int_equal(env_vm.fit(&sp, &n, &e), 0);
    n.mem_bytes = 30ull << 30; /* derived, but the host has 18 GiB available */
    assert_int_equal(env_vm.fit(&sp, &n, &e), -1);
    assert_non_null(strstr(e.msg, "available"));
    n.mem_bytes = 0;
    n.disk_bytes = 4ull << 30; /* blockio at full */
    assert_int_equal(spec_parse("vm:disk=2G", &sp, &e), 0);
    assert_int_equal(env_vm.fit(&sp, &n, &e), -1);
    assert_non_null(strstr(e.msg, "disk=2G is too small"));
    assert_int_equal(spec_parse("vm:disk=5G", &sp, &e), 0);
    assert_int_equal(env_vm.fit(&sp, &n, &e), 0);
    assert_int_equal(spec_parse("vm:cpus=3", &sp, &e), 0);
    assert_int_equal(env_vm.fit(&sp, &n, &e), -1);
    assert_non_null(strstr(e.msg, "cpus must be 1..2"));
}

/* A container's mem= limit below a workload's need would OOM-kill it
 * mid-run: refused at plan time, like a limit above the host's RAM. */
static void container_mem_limit_checked_at_plan_time(void **state)
{
    (void)state;
    struct spec sp;
    struct err e = {0};
    struct host_caps h = sim_host(32u << 20, 2, 4ull << 30);
    struct env_needs n = {.mem_bytes = 192u << 20, .disk_bytes = 0, .host = &h};
    assert_int_equal(spec_parse("container:mem=64M", &sp, &e), 0);
    assert_int_equal(env_container.fit(&sp, &n, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "mem=64M is too small: the workloads need 192 MiB"));
    assert_int_equal(spec_parse("container:mem=256M", &sp, &e), 0);
    assert_int_equal(env_container.fit(&sp, &n, &e), 0);
    assert_int_equal(spec_parse("runc:mem=8G", &sp, &e), 0);
    assert_int_equal(env_runc.fit(&sp, &n, &e), -1);
    assert_non_null(strstr(e.msg, "exceeds the host's 4096 MiB"));
    assert_int_equal(spec_parse("container", &sp, &e), 0); /* no limit: nothing to check */
    assert_int_equal(env_container.fit(&sp, &n, &e), 0);
}

/* Each round's order is a permutation, reproducible from the seed, and
 * over rounds every environment takes every position (native is not
 * always first). */
static void round_order_is_a_seeded_shuffle(void **state)
{
    (void)state;
    uint64_t a = 42, b = 42, c = 43;
    int oa[5], ob[5], oc[5], firsts[5] = {0}, differs = 0;
    for (int round = 0; round < 200; round++) {
        runner_round_order(&a, 5, oa);
        runner_round_order(&b, 5, ob);
        runner_round_order(&c, 5, oc);
        int seen[5] = {0};
        for (int i = 0; i < 5; i++) {
            assert_true(oa[i] >= 0 && oa[i] < 5);
            assert_false(seen[oa[i]]++);
            assert_int_equal(oa[i], ob[i]);
            differs |= oa[i] != oc[i];
        }
        firsts[oa[0]]++;
    }
    assert_true(differs);
    for (int i = 0; i < 5; i++)
        assert_true(firsts[i] > 20); /* ~40 each */
    int one[1];
    runner_round_order(&a, 1, one);
    assert_int_equal(one[0], 0);
}

/* Capabilities: a pair the environment cannot run by design is n/a with
 * the environment's reason, decided from the spec before anything starts. */
static void lacks_by_design(void **state)
{
    (void)state;
    struct spec sp;
    struct err e = {0};
    assert_int_equal(spec_parse("runsc", &sp, &e), 0);
    /* O_DIRECT comes from the static capability, not a hook of runsc's */
    assert_false(env_runsc.caps & ENV_CAP_ODIRECT);
    assert_non_null(
        strstr(env_lacks(&env_runsc, &sp, WL_NEEDS_ODIRECT), "does not honour O_DIRECT"));
    assert_non_null(strstr(env_lacks(&env_runsc, &sp, WL_NEEDS_NET), "net=none")); /* default */
    assert_int_equal(spec_parse("runsc:net=host", &sp, &e), 0);
    assert_null(env_lacks(&env_runsc, &sp, WL_NEEDS_NET));
    assert_int_equal(spec_parse("container", &sp, &e), 0);
    assert_null(env_lacks(&env_container, &sp, WL_NEEDS_NET | WL_NEEDS_ODIRECT));
    assert_int_equal(spec_parse("container:net=none", &sp, &e), 0);
    assert_non_null(env_lacks(&env_container, &sp, WL_NEEDS_NET));
    assert_null(env_lacks(&env_container, &sp, WL_NEEDS_ODIRECT));
    assert_int_equal(spec_parse("null", &sp, &e), 0);
    assert_non_null(env_lacks(&env_null, &sp, WL_NEEDS_NET));
    assert_null(env_native.lacks);
    assert_null(env_lacks(&env_native, &sp, WL_NEEDS_NET | WL_NEEDS_ODIRECT));
    /* an environment is only what its flags say: the same native without
     * ENV_CAP_ODIRECT is refused blockio, and names its capabilities so */
    struct env bare = env_native;
    bare.caps &= ~ENV_CAP_ODIRECT;
    assert_non_null(env_lacks(&bare, &sp, WL_NEEDS_ODIRECT));
    char caps[96];
    env_caps_text(env_vm.caps, caps, sizeof(caps));
    assert_string_equal(caps, "root,own-kernel,odirect,nest,parallel-up");
    env_caps_text(0, caps, sizeof(caps));
    assert_string_equal(caps, "none");
    assert_true(workload_blockio.needs & WL_NEEDS_ODIRECT);
    /* the planner records it per pair */
    struct run_plan *p = calloc(1, sizeof(*p));
    p->size = SIZE_TINY;
    p->reps = 1;
    p->host = sim_host(32u << 20, 2, 16ull << 30);
    struct kvlist opts = {0};
    if (wl_usable(&workload_netlat)) {
        assert_int_equal(runner_plan(p, "null,netlat", "native,null", &opts, &e), 0);
        assert_null(p->na[0][1]); /* null workload on the null environment: runs */
        assert_null(p->na[1][0]); /* netlat on native: runs */
        assert_non_null(p->na[1][1]);
    }
    free(p);
}

/* --sizing: a column runs one workload as another instance; a column
 * that sets the key itself is left as it is; the sized specs survive as
 * run facts (--resume); a sized spec the driver refuses is ERR_USAGE. */
static void sized_columns(void **state)
{
    (void)state;
    if (env_unavailable(&env_container)) skip();
    struct run_plan *p = calloc(1, sizeof(*p));
    p->size = SIZE_TINY;
    p->reps = 1;
    p->host = sim_host(32u << 20, 2, 16ull << 30);
    struct kvlist opts = {0}, facts = {0};
    struct err e = {0};
    assert_int_equal(runner_plan(p, "null,stream", "native,container,container:cpus=1", &opts, &e),
                     0);
    assert_int_equal(runner_plan_sized(p, "stream", "container", "cpus=1", &e), 1);
    assert_string_equal(p->sized[1][1], "container:cpus=1");
    assert_string_equal(p->sized[1][2], ""); /* it says cpus= itself */
    assert_string_equal(p->sized[0][1], ""); /* another workload */
    assert_int_equal(runner_plan_sized(p, "netlat", "container", "cpus=1", &e), 0); /* not run */
    runner_sized_facts(p, &facts);
    assert_string_equal(kv_get(&facts, "sized.stream.1"), "container:cpus=1");
    memset(p->sized, 0, sizeof(p->sized));
    assert_int_equal(runner_sized_restore(p, &facts, &e), 0);
    assert_string_equal(p->sized[1][1], "container:cpus=1");
    assert_int_equal(runner_plan_sized(p, "null", "container", "cpus=many", &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    free(p);
}

/* ---- the last-level cache scan on fake sysfs trees ---- */

static void put(const char *root, int cpu, int idx, const char *file, const char *val)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/cpu%d", root, cpu);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/cpu%d/cache", root, cpu);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/cpu%d/cache/index%d", root, cpu, idx);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/cpu%d/cache/index%d/%s", root, cpu, idx, file);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", val);
    fclose(f);
}

static void cache(const char *root, int cpu, int idx, const char *type, const char *level,
                  const char *size, const char *shared)
{
    put(root, cpu, idx, "type", type);
    put(root, cpu, idx, "level", level);
    put(root, cpu, idx, "size", size);
    put(root, cpu, idx, "shared_cpu_list", shared);
}

static void rm_tree(const char *root)
{
    char *argv[] = {"rm", "-rf", (char *)root, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execvp("rm", argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
}

static void llc_scan_sums_instances(void **state)
{
    (void)state;
    char root[] = "/tmp/llcscan-test-XXXXXX";
    assert_non_null(mkdtemp(root));
    int n = -1;
    assert_true(host_llc_scan(root, &n) == 0); /* nothing listed */
    assert_int_equal(n, 0);
    /* two CCDs: cpus 0-3 and 4-7, 32 MiB of L3 each; per-core L1/L2 */
    for (int c = 0; c < 8; c++) {
        char own[8];
        snprintf(own, sizeof(own), "%d", c);
        cache(root, c, 0, "Data", "1", "32K", own);
        cache(root, c, 1, "Instruction", "1", "32K", own);
        cache(root, c, 2, "Unified", "2", "1024K", own);
        cache(root, c, 3, "Unified", "3", "32768K", c < 4 ? "0-3" : "4-7");
    }
    assert_true(host_llc_scan(root, &n) == 64ull << 20);
    assert_int_equal(n, 2);
    rm_tree(root);
    /* no L3: the L2s are the last level, one per core */
    assert_non_null(mkdtemp(strcpy(root, "/tmp/llcscan-test-XXXXXX")));
    for (int c = 0; c < 2; c++) {
        char own[8];
        snprintf(own, sizeof(own), "%d", c);
        cache(root, c, 0, "Data", "1", "48K", own);
        cache(root, c, 1, "Unified", "2", "2048K", own);
    }
    assert_true(host_llc_scan(root, &n) == 4ull << 20);
    assert_int_equal(n, 2);
    rm_tree(root);
    /* one L3 for all CPUs, listed by each (this machine's shape) */
    assert_non_null(mkdtemp(strcpy(root, "/tmp/llcscan-test-XXXXXX")));
    for (int c = 0; c < 4; c++)
        cache(root, c, 3, "Unified", "3", "307200K", "0-3");
    assert_true(host_llc_scan(root, &n) == 300ull << 20);
    assert_int_equal(n, 1);
    rm_tree(root);
}

/* What an environment costs the host can be several sources summed: a
 * cgroup's counter and engine processes outside it (conmon, dockerd). */
static void cpu_sources_summed(void **state)
{
    (void)state;
    char dir[] = "/tmp/isobench-cpu-XXXXXX", f1[64], f2[64], src[256];
    assert_non_null(mkdtemp(dir));
    snprintf(f1, sizeof(f1), "%s/cpuacct.usage", dir);
    snprintf(f2, sizeof(f2), "%s/cpu.stat", dir);
    FILE *f = fopen(f1, "w");
    fputs("2500000000\n", f); /* 2.5 s in ns */
    fclose(f);
    f = fopen(f2, "w");
    fputs("usage_usec 1500000\nuser_usec 1\n", f); /* 1.5 s */
    fclose(f);
    double s = 0;
    snprintf(src, sizeof(src), "v1:%s", f1);
    assert_int_equal(host_cpu_read(src, &s), 0);
    assert_true(s > 2.4999 && s < 2.5001);
    snprintf(src, sizeof(src), "v1:%s+v2:%s", f1, f2);
    assert_int_equal(host_cpu_read(src, &s), 0);
    assert_true(s > 3.9999 && s < 4.0001);
    /* a process's own time: burn some CPU and see it counted */
    double own0, own1;
    snprintf(src, sizeof(src), "pid:%d", (int)getpid());
    assert_int_equal(host_cpu_read(src, &own0), 0);
    volatile unsigned long x = 0;
    for (double t0 = (double)clock() / CLOCKS_PER_SEC; (double)clock() / CLOCKS_PER_SEC - t0 < 0.1;)
        x++;
    assert_int_equal(host_cpu_read(src, &own1), 0);
    assert_true(own1 - own0 >= 0.05);
    snprintf(src, sizeof(src), "v1:%s+pid:%d", f1, (int)getpid());
    assert_int_equal(host_cpu_read(src, &s), 0);
    assert_true(s >= 2.5 + own1);
    /* any part unreadable: the whole is, never a smaller sum */
    snprintf(src, sizeof(src), "v1:%s+pid:999999999", f1);
    assert_int_equal(host_cpu_read(src, &s), -1);
    assert_int_equal(host_cpu_read("pid:12x", &s), -1);
    assert_int_equal(host_cpu_read("v1:/nonexistent", &s), -1);
    assert_int_equal(host_cpu_read("", &s), -1);
    unlink(f1);
    unlink(f2);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sized_columns),
        cmocka_unit_test(llc_scan_sums_instances),
        cmocka_unit_test(tiny_fits_a_1g_guest_on_any_host),
        cmocka_unit_test(presets_resolve_on_any_host),
        cmocka_unit_test(whole_tiny_plan_on_a_small_host),
        cmocka_unit_test(vm_sizes_checked_at_plan_time),
        cmocka_unit_test(container_mem_limit_checked_at_plan_time),
        cmocka_unit_test(round_order_is_a_seeded_shuffle),
        cmocka_unit_test(lacks_by_design),
        cmocka_unit_test(cpu_sources_summed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
