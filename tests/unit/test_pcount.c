/* pcount: the counter sources parsed (cgroups, processes, '+'), a v1
 * cgroup found in the perf_event or hybrid unified hierarchy, CPU time
 * parsed from cpuacct.stat, cpu.stat and /proc/PID/stat, the division
 * into perop.* metrics with their units, counters.* absent facts instead
 * of zeros, nothing for a workload with no unit, every workload naming
 * its unit, and a real count of this process's own context switches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pcount.h"
#include "workloads/workload.h"

static void sources_parsed(void **state)
{
    (void)state;
    struct pc_part p[PC_MAX_PARTS];
    const char *src = "v1:/sys/fs/cgroup/cpuacct/isobench-x-0/cpuacct.usage+pid:42+"
                      "v2:/sys/fs/cgroup/a/b/cpu.stat";
    assert_int_equal(pcount_parse_src(src, p, PC_MAX_PARTS), 3);
    assert_int_equal(p[0].kind, 'c');
    assert_int_equal(p[0].v2, 0);
    assert_string_equal(p[0].dir, "/sys/fs/cgroup/cpuacct/isobench-x-0");
    assert_int_equal(p[1].kind, 'p');
    assert_int_equal(p[1].pid, 42);
    assert_int_equal(p[2].v2, 1);
    assert_string_equal(p[2].dir, "/sys/fs/cgroup/a/b");
    assert_int_equal(pcount_parse_src("", p, PC_MAX_PARTS), -1);
    assert_int_equal(pcount_parse_src("pid:x", p, PC_MAX_PARTS), -1);
    assert_int_equal(pcount_parse_src("pid:0", p, PC_MAX_PARTS), -1);
    assert_int_equal(pcount_parse_src("v3:/a/b", p, PC_MAX_PARTS), -1);
    assert_int_equal(pcount_parse_src("v1:relative/file", p, PC_MAX_PARTS), -1);
    assert_int_equal(pcount_parse_src("pid:1+pid:2+pid:3", p, 2), -1); /* too many */
}

static void perf_dir_mapped(void **state)
{
    (void)state;
    char out[256];
    const char *root = "/sys/fs/cgroup";
    assert_int_equal(pcount_perf_dir(root, "/sys/fs/cgroup/cpuacct/isobench-r-1", 0,
                                     "/sys/fs/cgroup/unified", out, sizeof(out)),
                     0);
    assert_string_equal(out, "/sys/fs/cgroup/unified/isobench-r-1");
    assert_int_equal(pcount_perf_dir(root, "/sys/fs/cgroup/cpu,cpuacct/docker/abc", 0,
                                     "/sys/fs/cgroup/perf_event", out, sizeof(out)),
                     0);
    assert_string_equal(out, "/sys/fs/cgroup/perf_event/docker/abc");
    assert_int_equal(pcount_perf_dir(root, "/sys/fs/cgroup/x/y", 1, "", out, sizeof(out)), 0);
    assert_string_equal(out, "/sys/fs/cgroup/x/y");
    assert_int_equal(pcount_perf_dir(root, "/elsewhere/x", 0, "/p", out, sizeof(out)), -1);
    assert_int_equal(pcount_perf_dir(root, "/sys/fs/cgroup/cpuacct/a-long-name", 0,
                                     "/sys/fs/cgroup/unified", out, 20),
                     -1); /* cut is an error */
}

static void cpu_time_parsed(void **state)
{
    (void)state;
    double u = -1, s = -1;
    assert_int_equal(pcount_parse_cpu("user 250\nsystem 50\n", '1', 100, &u, &s), 0);
    assert_true(u == 2.5 && s == 0.5);
    assert_int_equal(pcount_parse_cpu("usage_usec 9\nuser_usec 3000000\nsystem_usec 1500000\n", '2',
                                      100, &u, &s),
                     0);
    assert_true(u == 3.0 && s == 1.5);
    /* comm with spaces and a ')' of its own; utime 14, stime 15, cutime 16, cstime 17 */
    const char *stat = "77 (a b) c) S 1 77 77 0 -1 4194560 10 0 0 0 100 20 300 40 20 0 1 0 5";
    assert_int_equal(pcount_parse_cpu(stat, 'p', 100, &u, &s), 0);
    assert_true(u == 4.0 && s == 0.6);
    assert_int_equal(pcount_parse_cpu("user 1\n", '1', 100, &u, &s), -1);
    assert_int_equal(pcount_parse_cpu("usage_usec 9\n", '2', 100, &u, &s), -1);
    assert_int_equal(pcount_parse_cpu("77 (x) S 1 2", 'p', 100, &u, &s), -1);
}

static const struct metric *find(const struct result *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->m[i].name, name)) return &r->m[i];
    return NULL;
}

static void divided_and_absent(void **state)
{
    (void)state;
    struct pc_vals v;
    memset(&v, 0, sizeof(v));
    v.have[PC_CTXSW] = v.have[PC_MINFLT] = v.have[PC_USER_US] = 1;
    v.value[PC_CTXSW] = 2000;
    v.value[PC_MINFLT] = 0; /* read and zero: a metric of 0, not an absent one */
    v.value[PC_USER_US] = 500;
    snprintf(v.why[PC_CYCLES], PC_WHY, "no hardware PMU (perf_event_open ENOENT)");
    snprintf(v.how, sizeof(v.how), "cgroup");
    struct result *r = calloc(1, sizeof(*r));
    struct err e = {0};
    assert_int_equal(pcount_result(&v, 0.004, "request", 1000, r, &e), 0);
    assert_string_equal(kv_get(&r->facts, "perop.source"), "cgroup");
    const struct metric *m = find(r, "perop.ctxsw");
    assert_non_null(m);
    assert_true(m->value == 2.0 && m->better == BETTER_LOWER);
    assert_string_equal(m->unit, "/request");
    assert_non_null(find(r, "perop.minflt"));
    m = find(r, "perop.user_us");
    assert_true(m && m->value == 0.5);
    assert_string_equal(m->unit, "us/request");
    m = find(r, "perop.host_cpu_us");
    assert_true(m && m->value > 3.999 && m->value < 4.001);
    assert_null(find(r, "perop.cycles")); /* absent: no column, never 0 */
    assert_null(find(r, "perop.migrations"));
    assert_string_equal(kv_get(&r->facts, "counters.cycles"),
                        "absent: no hardware PMU (perf_event_open ENOENT)");
    assert_string_equal(kv_get(&r->facts, "counters.migrations"), "absent: not read");
    assert_null(kv_get(&r->facts, "counters.ctxsw"));
    assert_string_equal(kv_get(&r->facts, "perop.unit"), "request");
    for (int i = 0; i < r->n; i++)
        assert_true(pcount_is_perop(r->m[i].name));
    assert_false(pcount_is_perop("triad"));
    assert_false(pcount_is_perop("peropx"));

    memset(r, 0, sizeof(*r)); /* host CPU not read: said so */
    assert_int_equal(pcount_result(&v, -1, "GB", 2, r, &e), 0);
    assert_null(find(r, "perop.host_cpu_us"));
    assert_non_null(kv_get(&r->facts, "counters.host_cpu_us"));
    assert_string_equal(find(r, "perop.ctxsw")->unit, "/GB");

    memset(r, 0, sizeof(*r)); /* no unit, or no work done: nothing at all */
    assert_int_equal(pcount_result(&v, 1, "none", 1000, r, &e), 0);
    assert_int_equal(pcount_result(&v, 1, "request", 0, r, &e), 0);
    assert_int_equal(r->n + r->facts.n, 0);
    free(r);
}

static void every_workload_has_a_unit(void **state)
{
    (void)state;
    int with = 0;
    for (const struct workload *const *w = workloads; *w; w++) {
        assert_non_null((*w)->unit);
        assert_true(strlen((*w)->unit) > 0 && strlen((*w)->unit) < 16);
        with += strcmp((*w)->unit, "none") != 0;
    }
    assert_true(with >= 10);
    assert_string_equal(workload_find("netlat")->unit, "request");
    assert_string_equal(workload_find("null")->unit, "none");
}

static void nothing_to_count_is_said(void **state)
{
    (void)state;
    struct pcount *pc = malloc(sizeof(*pc));
    struct pc_vals v;
    pcount_open(pc, "");
    pcount_close(pc, &v);
    for (int c = 0; c < PC_N; c++) {
        assert_false(v.have[c]);
        assert_true(v.why[c][0] != '\0');
    }
    free(pc);
}

/* This process's own context switches, counted per thread: a real count
 * where perf_event_open is allowed, else absent with the errno named. */
static void own_switches_counted(void **state)
{
    (void)state;
    struct pcount *pc = malloc(sizeof(*pc));
    struct pc_vals v;
    char src[32];
    snprintf(src, sizeof(src), "pid:%d", (int)getpid());
    pcount_open(pc, src);
    for (int i = 0; i < 20; i++)
        usleep(1000); /* each sleep switches out */
    pcount_close(pc, &v);
    if (v.have[PC_CTXSW]) {
        assert_true(v.value[PC_CTXSW] >= 20);
        assert_string_equal(v.how, "threads:1");
    } else {
        assert_non_null(strstr(v.why[PC_CTXSW], "perf_event_open"));
    }
    assert_true(v.have[PC_USER_US] && v.have[PC_SYS_US]); /* /proc/PID/stat */
    assert_false(v.have[PC_SOFTIRQ_US]);
    free(pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sources_parsed),
        cmocka_unit_test(perf_dir_mapped),
        cmocka_unit_test(cpu_time_parsed),
        cmocka_unit_test(divided_and_absent),
        cmocka_unit_test(every_workload_has_a_unit),
        cmocka_unit_test(nothing_to_count_is_said),
        cmocka_unit_test(own_switches_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
