#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "near.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/compare.h"
#include "report/report.h"
#include "report/svg.h"

static void add_point(struct run_view *rv, int wl, int env, const char *metric, int better,
                      double v, int rep)
{
    rv->points = realloc(rv->points, sizeof(*rv->points) * (size_t)(rv->npoints + 1));
    struct rv_point *p = &rv->points[rv->npoints++];
    memset(p, 0, sizeof(*p));
    p->wl = wl;
    p->env = env;
    snprintf(p->metric, sizeof(p->metric), "%s", metric);
    snprintf(p->unit, sizeof(p->unit), "%s", better == BETTER_HIGHER ? "GB/s" : "us");
    p->better = better;
    p->value = v;
    p->rep = rep;
}

static struct run_view *make_view(int with_native)
{
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->id = 7;
    strcpy(rv->uuid, "u-7");
    strcpy(rv->status, "complete");
    rv->reps = 3;
    rv->nenv = 2;
    strcpy(rv->envs[0], with_native ? "native" : "null");
    strcpy(rv->envs[1], "container:net=nat");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "stream");
    const double nat[] = {10, 10.1, 9.9}, con[] = {8, 8.1, 7.9};
    for (int i = 0; i < 3; i++) {
        add_point(rv, 0, 0, "triad", BETTER_HIGHER, nat[i], i + 1);
        add_point(rv, 0, 1, "triad", BETTER_HIGHER, con[i], i + 1);
        add_point(rv, 0, 0, "lat", BETTER_LOWER, 100, i + 1);
    }
    /* the container failed the latency metric entirely */
    rv->failures = calloc(1, sizeof(*rv->failures));
    rv->nfailures = 1;
    rv->failures[0].env = 1;
    strcpy(rv->failures[0].error, "it broke, \"badly\"");
    return rv;
}

/* noinline: inlined at -O3, GCC 12 takes pointers into the returned text
 * for pointers to render's local `buf` (-Wdangling-pointer, a false
 * positive around open_memstream). */
__attribute__((noinline)) static char *render(const struct reporter *r, const struct report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct err e = {0};
    assert_int_equal(r->emit(rep, f, &e), 0);
    fclose(f);
    return buf;
}

/* How many times needle occurs in s before end (NULL: to its end). */
static int count_in(const char *s, const char *end, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) && (!end || p < end); p++)
        n++;
    return n;
}

static void overhead_only_against_native(void **state)
{
    (void)state;
    struct run_view *rv = make_view(1);
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    assert_int_equal(rep.nrows, 2);
    assert_int_equal(rep.native, 0);
    const struct report_row *triad = &rep.rows[0];
    assert_string_equal(triad->metric, "triad");
    assert_false(triad->cell[0].has_overhead);
    assert_true(triad->cell[1].has_overhead);
    assert_near(triad->cell[1].ov.pct, 20, 1e-9);
    /* lat: no container values, so no overhead */
    assert_false(rep.rows[1].cell[1].has_overhead);
    assert_int_equal(rep.rows[1].cell[1].n, 0);
    assert_false(rep.rows[1].cell[1].unreported); /* the container failed a sample */

    char *t = render(&reporter_table, &rep);
    assert_null(strstr(t, "huge pages")); /* no shares reported: no note */
    /* 3 repetitions: the level they reach, not 95 % */
    assert_non_null(strstr(t, "reach 75.0 % (n=3) - 95 % needs 6 repetitions"));
    assert_non_null(strstr(t, "10.00 [9.90, 10.10]"));
    assert_non_null(strstr(t, "+20.0% [+19.8,+20.2]"));
    free(t);
    rv->has_huge[0][0] = rv->has_huge[0][1] = 1;
    rv->huge_lo[0][0] = rv->huge_hi[0][0] = 1.0;
    rv->huge_lo[0][1] = 0.9;
    rv->huge_hi[0][1] = 1.0;
    t = render(&reporter_table, &rep);
    assert_null(strstr(t, "huge pages")); /* close enough: no note */
    free(t);
    rv->huge_lo[0][1] = 0.0;
    t = render(&reporter_table, &rep);
    assert_non_null(
        strstr(t, "note: stream's memory on huge pages differs: native 1.00 container:net=nat "
                  "0.00-1.00"));
    assert_non_null(strstr(t, "+20.0%"));
    assert_non_null(strstr(t, "failed"));
    assert_non_null(strstr(t, "FAILED stream on container:net=nat"));
    assert_null(strstr(t, "note: stream:"));
    free(t);
    rv->ncaveats = 1; /* a sample's caveat becomes a note under the table and in JSON */
    rv->caveats[0].wl = 0;
    snprintf(rv->caveats[0].text, sizeof(rv->caveats[0].text), "below \"the\" rule");
    rv->caveats_left = 2;
    t = render(&reporter_table, &rep);
    assert_non_null(strstr(t, "note: stream: below \"the\" rule\n"));
    assert_non_null(strstr(t, "note: 2 more caveats"));
    free(t);
    char *jc = render(&reporter_json, &rep);
    assert_non_null(strstr(jc, "\"caveats\":[\"below \\\"the\\\" rule\"]"));
    assert_non_null(strstr(jc, "\"caveats_not_listed\":2}"));
    free(jc);
    char *j = render(&reporter_json, &rep);
    assert_non_null(strstr(j, "\"overhead_pct\":20"));
    assert_non_null(strstr(j, "\\\"badly\\\""));
    assert_null(strstr(j, "nan"));
    assert_null(strstr(j, "inf"));
    free(j);
    char *c = render(&reporter_csv, &rep);
    assert_non_null(strstr(c, "\"stream\",\"triad\",\"GB/s\",higher,\"container:net=nat\",3,8,"));
    free(c);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

/* Overhead pairs rounds: a round the environment lost is left out, not
 * paired with another round's native value. */
static void overhead_pairs_rounds(void **state)
{
    (void)state;
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->nenv = 2;
    strcpy(rv->envs[0], "native");
    strcpy(rv->envs[1], "vm");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "stream");
    /* native drifts 100 -> 50 -> 100; the vm is 10 % slower in rounds 1
     * and 3 and lost round 2: paired, the overhead is exactly 10 % */
    add_point(rv, 0, 0, "triad", BETTER_HIGHER, 100, 1);
    add_point(rv, 0, 1, "triad", BETTER_HIGHER, 90, 1);
    add_point(rv, 0, 0, "triad", BETTER_HIGHER, 50, 2);
    add_point(rv, 0, 0, "triad", BETTER_HIGHER, 100, 3);
    add_point(rv, 0, 1, "triad", BETTER_HIGHER, 90, 3);
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    const struct report_cell *c = &rep.rows[0].cell[1];
    assert_true(c->has_overhead);
    assert_int_equal(c->ov.rounds, 2);
    assert_near(c->ov.pct, 10, 1e-9);
    assert_near(c->ov.ci.level, 0.5, 1e-12);
    char *j = render(&reporter_json, &rep);
    assert_non_null(strstr(j, "\"overhead_ci_level\":0.5,\"overhead_rounds\":2"));
    assert_non_null(strstr(j, "\"schema\":\"isobench.run/2\""));
    free(j);
    rv->points[4].value = 90; /* one repetition each side: no interval at all */
    rv->npoints = 2;
    report_free(&rep);
    assert_int_equal(report_build(rv, &rep, &e), 0);
    char *t = render(&reporter_table, &rep);
    assert_non_null(strstr(t, "+10.0% [n/a] ~"));
    assert_null(strstr(t, "100 ["));
    free(t);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

/* A pair not measured by design: "n/a", its reason under the table and in
 * JSON, and never "failed". */
static void not_measured_by_design(void **state)
{
    (void)state;
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->nenv = 2;
    strcpy(rv->envs[0], "native");
    strcpy(rv->envs[1], "runsc");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "blockio");
    add_point(rv, 0, 0, "randread_iops", BETTER_HIGHER, 1000, 1);
    rv->na = calloc(1, sizeof(*rv->na));
    rv->nna = 1;
    rv->na[0].env = 1;
    strcpy(rv->na[0].reason, "gVisor does not honour O_DIRECT");
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    char *t = render(&reporter_table, &rep);
    assert_non_null(strstr(t, "n/a (see below)"));
    assert_null(strstr(t, "failed"));
    assert_non_null(strstr(t, "n/a: blockio on runsc: gVisor does not honour O_DIRECT\n"));
    assert_non_null(strstr(t, "reach nothing where there is one value (n=1)")); /* not 95 % */
    free(t);
    char *j = render(&reporter_json, &rep);
    assert_non_null(strstr(j, "\"not_measured\":[{\"workload\":\"blockio\",\"env\":\"runsc\","
                              "\"reason\":\"gVisor does not honour O_DIRECT\"}]"));
    free(j);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

static void no_native_no_overhead(void **state)
{
    (void)state;
    struct run_view *rv = make_view(0);
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    assert_int_equal(rep.native, -1);
    assert_false(rep.rows[0].cell[1].has_overhead);
    char *t = render(&reporter_table, &rep);
    assert_non_null(strstr(t, "no native environment"));
    free(t);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

/* The SVG writer: the axis says unit and direction, a bar's interval is an
 * error bar (none without one), n/a is written as such, names are escaped,
 * the axis ends at a round number above the largest value or interval. */
static void svg_chart(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const struct svg_bar bars[] = {
        {.label = "native", .value = 10, .lo = 9, .hi = 11},
        {.label = "vm:<tuned>&\"x\"", .value = 8, .lo = 1, .hi = 0, .note = "emulated"},
        {.label = "runsc", .na = 1, .note = "n/a"},
    };
    svg_bars(f, "stream triad", "GB/s", "higher", bars, 3);
    fclose(f);
    assert_non_null(strstr(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(buf, "GB/s (higher is better)"));
    assert_non_null(strstr(buf, "vm:&lt;tuned&gt;&amp;&quot;x&quot; (emulated)"));
    assert_null(strstr(buf, "<tuned>"));
    assert_int_equal(count_in(buf, NULL, "class=\"ci\""), 1); /* native's interval only */
    assert_non_null(strstr(buf, "fill=\"#900\">n/a</text>"));
    assert_non_null(strstr(buf, ">12</text>")); /* the axis: 11 rounds up to 12 */
    free(buf);
    assert_true(svg_nice_max(11) == 12);
    assert_true(fabs(svg_nice_max(0.07) - 0.08) < 1e-12);
    assert_true(svg_nice_max(1e6) == 1e6);
    assert_true(svg_nice_max(0) == 1);
}

/* The line writer: a polyline per series, a dot per point, an error bar
 * per interval only, names escaped, log2 ticks for a sweep, both units
 * and the direction on the axes, the y axis to a round number; a chart
 * with no finite point says so instead of drawing. */
static void svg_line_chart(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const double x[] = {1, 2, 4, 8}, y[] = {10, 20, 30, 45}, lo[] = {9, 1, 29, 44},
                 hi[] = {11, 0, 31, 46}, y2[] = {5, NAN, 7, 8};
    const struct svg_series s[] = {
        {.label = "native", .colour = 0, .n = 4, .x = x, .y = y, .lo = lo, .hi = hi},
        {.label = "vm:<t>&",
         .note = "emulated",
         .colour = 1,
         .n = 4,
         .x = x,
         .y = y2,
         .lo = lo,
         .hi = hi},
    };
    svg_lines(f, "redis <rps>", "clients", "req/s", "higher", s, 2, 1);
    fclose(f);
    assert_ptr_equal(strstr(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\""), buf);
    assert_non_null(strstr(buf, "redis &lt;rps&gt;"));
    assert_non_null(strstr(buf, "clients (log scale)"));
    assert_non_null(strstr(buf, "req/s (higher is better)"));
    assert_non_null(strstr(buf, "vm:&lt;t&gt;&amp; (emulated)"));
    assert_null(strstr(buf, "<t>"));
    int dots = count_in(buf, NULL, "<circle"), ci = count_in(buf, NULL, "class=\"ci\""),
        lines = count_in(buf, NULL, "<polyline");
    assert_int_equal(lines, 2);
    assert_int_equal(dots, 7);                  /* the NaN point is left out */
    assert_int_equal(ci, 6);                    /* 3 each: the second point has none (lo > hi) */
    assert_non_null(strstr(buf, ">8</text>"));  /* the last power of two */
    assert_non_null(strstr(buf, ">50</text>")); /* 46 rounds up to 50 */
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    const double none[] = {NAN};
    const struct svg_series e1 = {.label = "x", .n = 1, .x = x, .y = none, .lo = lo, .hi = hi};
    svg_lines(f, "empty", "threads", "trans/s", "higher", &e1, 1, 1);
    fclose(f);
    assert_non_null(strstr(buf, "no value measured"));
    assert_null(strstr(buf, "<polyline"));
    free(buf);
    /* x's interval: a horizontal bar at the point's height, and the axis
     * reaches its end (xhi 90 -> an x axis to 100) */
    buf = NULL;
    f = open_memstream(&buf, &len);
    const double cx[] = {20, 60}, cy[] = {50, 99}, cxlo[] = {18, 55}, cxhi[] = {22, 90},
                 noy[] = {1, 1}, noyh[] = {0, 0};
    const struct svg_series c1 = {.label = "native",
                                  .n = 2,
                                  .x = cx,
                                  .y = cy,
                                  .lo = noy,
                                  .hi = noyh,
                                  .xlo = cxlo,
                                  .xhi = cxhi};
    svg_lines(f, "cdf", "latency (us)", "% of reads done", "higher", &c1, 1, 0);
    fclose(f);
    assert_int_equal(count_in(buf, NULL, "class=\"ci\""), 2); /* x bars only: no y interval */
    const char *bar = strstr(buf, "class=\"ci\"");
    double x1, y1, x2, yb;
    assert_int_equal(
        sscanf(bar, "class=\"ci\" x1=\"%lf\" y1=\"%lf\" x2=\"%lf\" y2=\"%lf\"", &x1, &y1, &x2, &yb),
        4);
    assert_true(y1 == yb && x2 > x1); /* horizontal */
    assert_non_null(strstr(buf, ">100</text>"));
    free(buf);
}

/* Figure 7: a blockio run's randread quantiles become the paper's CDF, a
 * line per environment with latency on x and the share on y. */
static void paper_cdf_figure(void **state)
{
    (void)state;
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->reps = 3;
    rv->nenv = 2;
    strcpy(rv->envs[0], "native");
    strcpy(rv->envs[1], "vm");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "blockio");
    static const int q[] = {10, 25, 50, 75, 90, 95, 99};
    for (int k = 0; k < 7; k++)
        for (int r = 1; r <= 3; r++) {
            char m[48];
            snprintf(m, sizeof(m), "randread_lat_p%d", q[k]);
            add_point(rv, 0, 0, m, BETTER_LOWER, 100 + 10 * k + r, r);
            add_point(rv, 0, 1, m, BETTER_LOWER, 300 + 30 * k + r, r);
        }
    add_point(rv, 0, 0, "randread_lat_p99.9", BETTER_LOWER, 5000, 1); /* not a CDF point */
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    char *h = render(&reporter_html, &rep);
    const char *f7 = strstr(h, "<h3>Figure 7: random read latency CDF</h3>");
    assert_non_null(f7);
    const char *end = strstr(f7, "</figure>");
    assert_non_null(end);
    assert_int_equal(count_in(f7, end, "<polyline"), 2);
    assert_int_equal(count_in(f7, end, "<circle"),
                     14); /* 7 quantiles x 2 environments, p99.9 left out */
    assert_non_null(strstr(f7, "randread latency (us)"));
    assert_non_null(strstr(f7, "% of reads done (higher is better)"));
    /* the vm's median read: its point's title is "x, y" */
    assert_non_null(strstr(f7, "<title>362, 50</title>"));
    free(h);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

/* html and markdown render the same cells as the table. */
static void html_and_markdown(void **state)
{
    (void)state;
    struct run_view *rv = make_view(1);
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    char *h = render(&reporter_html, &rep);
    assert_non_null(strstr(h, "<!DOCTYPE html>"));
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "http://") == NULL ? NULL
                                             : strstr(h, "src=\"http")); /* nothing fetched */
    assert_non_null(strstr(h, "<svg"));
    assert_non_null(strstr(h, "+20.0 [+19.8, +20.2]"));
    assert_non_null(strstr(h, "it broke, &quot;badly&quot;"));
    /* the paper's layout for what the run measured: STREAM's tables only */
    assert_non_null(strstr(h, "Table I: results of CPU- and memory-bound benchmarks"));
    assert_non_null(strstr(h, "Table II: STREAM components"));
    assert_null(strstr(h, "Table III"));
    assert_null(strstr(h, "Figure 8"));
    free(h);
    char *m = render(&reporter_markdown, &rep);
    char cell[160];
    report_cell_text(&rep.rows[0], 1, NULL, cell, sizeof(cell));
    assert_non_null(strstr(m, cell)); /* the table's cell, verbatim */
    assert_non_null(strstr(m, "| triad | GB/s | higher |"));
    assert_non_null(strstr(m, "FAILED stream on `container:net=nat`"));
    free(m);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

/* The paper's roles: which environment spec stands for which column. */
static void paper_roles(void **state)
{
    (void)state;
    assert_true(paper_role_match("container", "container"));
    assert_true(paper_role_match("docker", "container"));
    assert_false(paper_role_match("container:net=host", "container"));
    assert_true(paper_role_match("container:net=host,storage=volume", "container-host"));
    assert_true(paper_role_match("podman:storage=volume,net=host", "container-host"));
    assert_false(paper_role_match("container:net=host", "container-host"));
    /* every engine `isobench paper --container` takes plays the columns */
    assert_true(paper_role_match("runsc", "container"));
    assert_true(paper_role_match("lxc", "container"));
    assert_true(paper_role_match("lxc:net=host,storage=volume", "container-host"));
    assert_false(paper_role_match("lxcx", "container"));
    assert_true(paper_role_match("vm", "vm"));
    assert_true(paper_role_match("vm:image=deb12", "vm"));
    assert_false(paper_role_match("vm:tuned", "vm"));
    assert_true(paper_role_match("vm:tuned", "vm-tuned"));
    assert_true(paper_role_match("vm:tuned=on", "vm-tuned"));
    assert_true(paper_role_match("vm:tuned=off", "vm"));
    assert_false(paper_role_match("vm:image=deb12,nested=container", "vm"));
    assert_false(paper_role_match("vmx", "vm"));
    assert_false(paper_role_match("native", "container"));
    int n;
    const struct paper_number *p = paper_numbers(&n);
    assert_true(n > 10 && n <= PAPER_MAX);
    for (int i = 0; i < n; i++) { /* every number names its source and a known role */
        assert_true(strlen(p[i].source) > 10);
        assert_true(!strcmp(p[i].role, "container") || !strcmp(p[i].role, "container-host") ||
                    !strcmp(p[i].role, "container-volume") || !strcmp(p[i].role, "vm") ||
                    !strcmp(p[i].role, "vm-tuned"));
    }
}

/* STREAM triad: the paper saw the container within 1.4 %; the verdict
 * follows where this host's interval lies. */
static const char *paper_triad_verdict(const double con[3], char *why, size_t len)
{
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->reps = 3;
    rv->nenv = 2;
    strcpy(rv->envs[0], "native");
    strcpy(rv->envs[1], "container");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "stream");
    const double nat[] = {10, 10.1, 9.9};
    for (int i = 0; i < 3; i++) {
        add_point(rv, 0, 0, "triad", BETTER_HIGHER, nat[i], i + 1);
        add_point(rv, 0, 1, "triad", BETTER_HIGHER, con[i], i + 1);
    }
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    struct paper_cmp cmp[PAPER_MAX];
    int n = paper_compare(&rep, cmp, PAPER_MAX);
    assert_int_equal(n, 2); /* stream's container and vm numbers */
    assert_int_equal(cmp[1].env, -1);
    snprintf(why, len, "%s", cmp[1].why);
    const char *v = cmp[0].verdict;
    char *m = render(&reporter_markdown, &rep);
    assert_non_null(strstr(m, "### The paper beside this host"));
    assert_non_null(strstr(m, "| stream | triad | container | all three within 1.4 % | +1.4 |"));
    free(m);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
    return v;
}

static void paper_verdicts(void **state)
{
    (void)state;
    char why[160];
    const double same[] = {9.88, 9.94, 9.78}, slower[] = {8, 8.1, 7.9},
                 faster[] = {10.1, 10.2, 10.0}, between[] = {9.99, 10.09, 9.89},
                 wide[] = {9.0, 10.6, 9.6};
    assert_string_equal(paper_triad_verdict(same, why, sizeof(why)), "same");
    /* an interval wider than the 1.4 % (5-point floor) it has to tell apart */
    assert_string_equal(paper_triad_verdict(wide, why, sizeof(why)), "can't tell (±7)");
    assert_string_equal(why, "no vm environment in this run");
    assert_string_equal(paper_triad_verdict(slower, why, sizeof(why)), "larger");
    assert_string_equal(paper_triad_verdict(faster, why, sizeof(why)), "opposite");
    assert_string_equal(paper_triad_verdict(between, why, sizeof(why)), "smaller");
}

/* A metric an environment does not produce (podman's CPU cost) is "not
 * reported", not "failed": none of its samples failed. */
static void unreported_is_not_failed(void **state)
{
    (void)state;
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->nenv = 2;
    strcpy(rv->envs[0], "native");
    strcpy(rv->envs[1], "podman");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "blockio");
    for (int i = 1; i <= 3; i++) {
        add_point(rv, 0, 0, "randread_iops", BETTER_HIGHER, 1000, i);
        add_point(rv, 0, 1, "randread_iops", BETTER_HIGHER, 990, i);
        add_point(rv, 0, 0, "cpu_us_per_io", BETTER_LOWER, 3, i);
    }
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    char *t = render(&reporter_table, &rep);
    assert_null(strstr(t, "failed"));
    assert_non_null(strstr(t, "not reported"));
    assert_non_null(strstr(t, "note: not reported = "));
    free(t);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

/* Per-operation counters (perop.*) are kept apart: the table, CSV and
 * Markdown are byte for byte what they were without them, no overhead is
 * computed for them, compare makes no row of them; JSON lists them under
 * "perop" and the counters the samples could not read under
 * "counters_absent". */
static void perop_kept_apart(void **state)
{
    (void)state;
    struct run_view *rv = make_view(1);
    struct report rep;
    struct err e = {0};
    const struct reporter *const rs[] = {&reporter_table, &reporter_markdown, &reporter_csv};
    char *before[3];
    assert_int_equal(report_build(rv, &rep, &e), 0);
    for (int i = 0; i < 3; i++)
        before[i] = render(rs[i], &rep);
    report_free(&rep);
    int first = rv->npoints;
    for (int i = 0; i < 3; i++) {
        add_point(rv, 0, 0, "perop.ctxsw", BETTER_LOWER, 1.0 + i * 0.01, i + 1);
        add_point(rv, 0, 1, "perop.ctxsw", BETTER_LOWER, 3.0 + i * 0.01, i + 1);
    }
    rv->absent = calloc(1, sizeof(*rv->absent));
    rv->nabsent = 1;
    rv->absent[0].env = 1;
    strcpy(rv->absent[0].counter, "cycles");
    strcpy(rv->absent[0].why, "absent: no hardware PMU (perf_event_open ENOENT)");
    assert_int_equal(report_build(rv, &rep, &e), 0);
    assert_int_equal(rep.nrows, 2);
    assert_int_equal(rep.nperop, 1);
    assert_string_equal(rep.perop[0].metric, "perop.ctxsw");
    assert_int_equal(rep.perop[0].cell[1].n, 3);
    assert_near(rep.perop[0].cell[1].s.median, 3.01, 1e-9);
    assert_false(rep.perop[0].cell[1].has_overhead);
    for (int i = 0; i < 3; i++) {
        char *now = render(rs[i], &rep);
        if (i < 2) { /* the tables: unchanged */
            assert_string_equal(now, before[i]);
        } else { /* CSV: the same lines, then the counters' (medians, no overhead) */
            assert_int_equal(strncmp(now, before[i], strlen(before[i])), 0);
            const char *more = now + strlen(before[i]);
            assert_non_null(strstr(more, "\"perop.ctxsw\""));
            assert_non_null(strstr(more, ",3.01,"));
            assert_non_null(strstr(more, ",,,,,,\n"));
        }
        free(now);
        free(before[i]);
    }
    char *j = render(&reporter_json, &rep);
    const char *po = strstr(j, "\"perop\":[{");
    assert_non_null(po);
    const char *ca = strstr(po, "\"counters_absent\":[{\"workload\":\"stream\",\"env\":"
                                "\"container:net=nat\",\"counter\":\"cycles\",\"why\":\"absent: no "
                                "hardware PMU (perf_event_open ENOENT)\"}]");
    assert_non_null(ca);
    assert_int_equal(count_in(po, ca, "\"metric\":\"perop.ctxsw\""), 2);
    assert_int_equal(count_in(po, ca, "overhead"), 0);
    assert_int_equal(count_in(j, po, "perop."), 0); /* not among the results */
    free(j);
    kv_set(&rv->host, "counters", "on", NULL); /* the table says they were on */
    char *t = render(&reporter_table, &rep);
    assert_non_null(strstr(t, "note: measured with --counters"));
    free(t);
    assert_int_equal(compare_first_of_kind(rv, first), 0);
    assert_int_equal(compare_first_of_kind(rv, 0), 1);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

static void json_escapes(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_str(f, "a\"b\\c\nd\x01");
    fputc(' ', f);
    json_num(f, 0.0 / 0.0);
    fputc(' ', f);
    json_num(f, 1.5);
    fclose(f);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\u0001\" null 1.5");
    free(buf);
}

/* A guest's text (here a metric name with an OSC title sequence, a
 * cursor move and a C1 CSI) reaches the table and Markdown cleaned of
 * terminal controls; newlines and tabs stay. */
static void terminal_controls_cleaned(void **state)
{
    (void)state;
    char s[] = "a\x1b]0;pwned\x07"
               "b\tc\n\xc2\x9b"
               "2J\x7f";
    report_text_clean(s, strlen(s));
    assert_string_equal(s, "a?]0;pwned?b\tc\n??2J?");
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->nenv = 1;
    strcpy(rv->envs[0], "native");
    rv->nwl = 1;
    strcpy(rv->workloads[0], "stream");
    add_point(rv, 0, 0, "tri\x1b[2Jad", BETTER_HIGHER, 100, 1);
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    char *t = render(&reporter_table, &rep), *m = render(&reporter_markdown, &rep);
    assert_null(strchr(t, '\x1b'));
    assert_null(strchr(m, '\x1b'));
    assert_non_null(strstr(t, "tri?[2Jad"));
    free(t);
    free(m);
    report_free(&rep);
    store_free_run(rv);
    free(rv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overhead_only_against_native),
        cmocka_unit_test(overhead_pairs_rounds),
        cmocka_unit_test(terminal_controls_cleaned),
        cmocka_unit_test(not_measured_by_design),
        cmocka_unit_test(no_native_no_overhead),
        cmocka_unit_test(json_escapes),
        cmocka_unit_test(svg_chart),
        cmocka_unit_test(html_and_markdown),
        cmocka_unit_test(svg_line_chart),
        cmocka_unit_test(paper_cdf_figure),
        cmocka_unit_test(paper_roles),
        cmocka_unit_test(unreported_is_not_failed),
        cmocka_unit_test(paper_verdicts),
        cmocka_unit_test(perop_kept_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
