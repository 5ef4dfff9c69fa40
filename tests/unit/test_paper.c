/* The paper's numbers (src/report/felter2015.def) and the comparison that
 * puts them beside a run (paper.c): the numbers issue #33 found missing are
 * there with their sources, the AUFS row says the host ran overlayfs, a
 * role the run has no column for leaves a row that says so, and the
 * container-volume role is NAT with a volume. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "near.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/* The number of workload w, metric pattern m, role r; fails if absent. */
static const struct paper_number *number(const char *w, const char *m, const char *r)
{
    int n;
    const struct paper_number *p = paper_numbers(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(p[i].workload, w) && !strcmp(p[i].metric, m) && !strcmp(p[i].role, r))
            return &p[i];
    fail_msg("no paper number for %s %s %s", w, m, r);
    return NULL;
}

/* A number's source names where it comes from: each of the needles. */
static void sourced(const struct paper_number *p, const char *a, const char *b)
{
    if (!strstr(p->source, a) || (b && !strstr(p->source, b)))
        fail_msg("%s %s %s: source \"%s\" lacks \"%s\"/\"%s\"", p->workload, p->metric, p->role,
                 p->source, a, b ? b : "");
}

/* Issue #33 item 8: untuned Linpack, tuned PXZ, RandomAccess, the NAT
 * latency, Redis' added microseconds and the AUFS MySQL loss, each with
 * its value and its source. */
static void missing_numbers_present(void **state)
{
    (void)state;
    const struct paper_number *p = number("linpack", "gflops", "vm");
    assert_near(p->pct, 17, 1e-9);
    sourced(p, "Table I (critique", "vm.log"); /* and the repository's -55 % beside it */
    p = number("compress", "throughput", "vm-tuned");
    assert_near(p->pct, 18, 1e-9);
    sourced(p, "Table I (critique", "Sec. III-A");
    p = number("randomaccess", "gups", "container");
    assert_near(p->pct, 2, 1e-9);
    sourced(p, "Table I (critique", "Sec. III-D");
    p = number("randomaccess", "gups", "vm");
    assert_near(p->pct, 1, 1e-9);
    sourced(p, "Table I (critique", NULL);
    p = number("netlat", "tcp_rr_mean", "container");
    assert_near(p->pct, 100, 1e-9);
    sourced(p, "Sec. III-F", "doubles latency");
    p = number("netlat", "udp_rr_mean", "container");
    assert_near(p->pct, 100, 1e-9);
    p = number("redis", "c4_mean", "vm");
    assert_near(p->pct, 171, 1e-9);
    sourced(p, "Sec. III-H", "83us");
    assert_non_null(strstr(p->text, "83 us"));
    p = number("mysql", "peak_tps", "container");
    assert_near(p->pct, 15.5, 1e-9);
    sourced(p, "mysql/results", "AUFS");
    assert_non_null(strstr(p->text, "overlayfs here, AUFS in the paper"));

    /* every number: a source, a known role, and the paper's text or data */
    int n;
    const struct paper_number *all = paper_numbers(&n);
    assert_true(n > 30 && n <= PAPER_MAX);
    static const char *const roles[] = {"container", "container-host", "container-volume", "vm",
                                        "vm-tuned"};
    for (int i = 0; i < n; i++) {
        int known = 0;
        for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++)
            known |= !strcmp(all[i].role, roles[r]);
        assert_true(known);
        assert_true(strstr(all[i].source, "text, Sec. III-") || strstr(all[i].source, "Table I") ||
                    strstr(all[i].source, "issue 16") || strstr(all[i].source, "repository"));
        for (int j = 0; j < i; j++) /* one number per workload, metric and role */
            assert_false(!strcmp(all[i].workload, all[j].workload) &&
                         !strcmp(all[i].metric, all[j].metric) &&
                         !strcmp(all[i].role, all[j].role));
    }
}

static void roles(void **state)
{
    (void)state;
    assert_true(paper_role_match("docker:storage=volume", "container-volume"));
    assert_true(paper_role_match("container:storage=volume", "container-volume"));
    assert_false(paper_role_match("docker:storage=volume", "container"));
    assert_false(paper_role_match("docker:storage=volume", "container-host"));
    assert_false(paper_role_match("docker:net=host,storage=volume", "container-volume"));
    assert_false(paper_role_match("docker", "container-volume"));
    assert_false(paper_role_match("vm", "container-volume"));
}

static void add(struct run_view *rv, int env, const char *metric, double v, int rep)
{
    rv->points = realloc(rv->points, sizeof(*rv->points) * (size_t)(rv->npoints + 1));
    struct rv_point *p = &rv->points[rv->npoints++];
    memset(p, 0, sizeof(*p));
    p->wl = 0;
    p->env = env;
    snprintf(p->metric, sizeof(p->metric), "%s", metric);
    snprintf(p->unit, sizeof(p->unit), "trans/s");
    p->better = BETTER_HIGHER;
    p->value = v;
    p->rep = rep;
}

/* A mysql run on native and Docker's defaults: the AUFS row is compared
 * and its reason says overlayfs (and, run with bound=io, that the paper's
 * MySQL was in memory); the roles the run has no column for (net=host,
 * NAT volume, vm) are rows that say so, not failures. */
static void aufs_row_and_absent_roles(void **state)
{
    (void)state;
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->reps = 3;
    rv->nenv = 2;
    strcpy(rv->envs[0], "native");
    strcpy(rv->envs[1], "docker");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "mysql");
    const double nat[] = {1000, 1010, 990}, con[] = {850, 860, 840};
    for (int i = 0; i < 3; i++) {
        add(rv, 0, "peak_tps", nat[i], i + 1);
        add(rv, 1, "peak_tps", con[i], i + 1);
    }
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    struct paper_cmp cmp[PAPER_MAX];
    int n = paper_compare(&rep, cmp, PAPER_MAX);
    assert_int_equal(n, 4); /* mysql's container-host, vm, container, container-volume */
    int aufs = 0, absent = 0;
    for (int i = 0; i < n; i++) {
        const struct paper_cmp *c = &cmp[i];
        if (!strcmp(c->num->role, "container")) {
            aufs++;
            assert_int_equal(c->env, 1);
            assert_true(c->row >= 0);
            assert_non_null(c->verdict);
            assert_non_null(strstr(c->reason, "overlayfs here, AUFS in the paper"));
        } else {
            absent++;
            assert_int_equal(c->env, -1);
            assert_null(c->verdict);
            char want[80];
            snprintf(want, sizeof(want), "no %s environment in this run", c->num->role);
            assert_string_equal(c->why, want);
        }
    }
    assert_int_equal(aufs, 1);
    assert_int_equal(absent, 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(reporter_markdown.emit(&rep, f, &e), 0);
    fclose(f);
    assert_non_null(strstr(buf, "overlayfs here, AUFS in the paper"));
    assert_non_null(strstr(buf, "no container-volume environment in this run"));
    free(buf);
    report_free(&rep);
    /* run disk-bound (-o mysql.bound=io): the reason says so too */
    kv_set(&rv->wl_opts[0], "bound", "io", &e);
    assert_int_equal(report_build(rv, &rep, &e), 0);
    n = paper_compare(&rep, cmp, PAPER_MAX);
    for (int i = 0; i < n; i++)
        if (cmp[i].env >= 0)
            assert_string_equal(cmp[i].reason, "disk-bound here, in memory in the paper; overlayfs "
                                               "here, AUFS in the paper; loopback on one host "
                                               "here, a 10 GbE link between two in the paper");
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_numbers_present),
        cmocka_unit_test(roles),
        cmocka_unit_test(aufs_row_and_absent_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
