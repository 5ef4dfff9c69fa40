/* figures - the paper's tables and figures (Felter et al., RC25482) from a
 * run, in the paper's order, for whichever of their workloads the run
 * measured: Table I (PXZ, Linpack, STREAM triad, RandomAccess), Table II
 * (STREAM's four kernels), Table III (MySQL's peak per configuration),
 * Figures 2 (TCP goodput and CPU per GB), 3 (RR latency), 5 (sequential
 * I/O), 6 (random IOPS), 7 (random-read latency at p50 and p99: the
 * paper's CDF at two points), 8-9 (Redis throughput and latency against
 * clients), 10-13 (MySQL throughput, CPU per transaction and p95 latency
 * against threads, and throughput against latency). Every chart has its
 * numbers in a table beside it; the values are the report's medians and
 * distribution-free intervals, overheads against native paired by round.
 * Writes HTML only; the numbers come from report_build. */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/svg.h"

#define FIG_POINTS 64 /* thread or client counts a sweep charts */

static int fig_wl(const struct run_view *rv, const char *wl)
{
    for (int w = 0; w < rv->nwl; w++)
        if (!strcmp(rv->workloads[w], wl)) return w;
    return -1;
}

/* The row of workload wl's metric, -1 if the run has none. */
static int fig_row(const struct report *rep, const char *wl, const char *metric)
{
    int w = fig_wl(rep->rv, wl);
    for (int i = 0; w >= 0 && i < rep->nrows; i++)
        if (rep->rows[i].wl == w && !strcmp(rep->rows[i].metric, metric)) return i;
    return -1;
}

static void fig_cell_text(FILE *out, const char *s)
{
    fputs("<td>", out);
    svg_text(out, s);
    fputs("</td>", out);
}

/* The table cell of row r, environment j: "median [lo, hi]" over the
 * overhead with its interval; why not where there is none. */
static void fig_cells(const struct report *rep, const struct report_row *r, int j, FILE *out)
{
    const struct report_cell *c = &r->cell[j];
    char v[96] = "", ov[96] = "-";
    if (!c->n) {
        const char *na = store_na_reason(rep->rv, r->wl, j);
        snprintf(v, sizeof(v), "%s", na ? "n/a" : c->unreported ? "not reported" : "failed");
    } else if (c->s.ci.level > 0) {
        snprintf(v, sizeof(v), "%.4g [%.4g, %.4g]", c->s.median, c->s.ci.lo, c->s.ci.hi);
    } else {
        snprintf(v, sizeof(v), "%.4g", c->s.median);
    }
    if (c->has_overhead && c->ov.ci.level > 0)
        snprintf(ov, sizeof(ov), "%+.1f%% [%+.1f, %+.1f]%s", c->ov.pct, c->ov.ci.lo, c->ov.ci.hi,
                 c->ov.within_noise ? " ~" : "");
    else if (c->has_overhead)
        snprintf(ov, sizeof(ov), "%+.1f%%", c->ov.pct);
    fputs("<td>", out);
    svg_text(out, v);
    fputs("<br><span class=\"note\">", out);
    svg_text(out, ov);
    fputs("</span></td>", out);
}

/* The environments' header cells, and the row's end. */
static void fig_env_head(const struct run_view *rv, FILE *out)
{
    for (int j = 0; j < rv->nenv; j++) {
        fputs("<th>", out);
        svg_text(out, rv->envs[j]);
        if (report_env_emulated(rv, j)) fputs(" (emulated)", out);
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
}

/* A table of the given {workload, metric, label} rows, a median and an
 * overhead column per environment; nothing when the run has none of them. */
static void fig_table(const struct report *rep, FILE *out, const char *title, const char *caption,
                      const char *const (*items)[3], int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += fig_row(rep, items[i][0], items[i][1]) >= 0;
    if (!k) return;
    fputs("<h3>", out);
    svg_text(out, title);
    fputs("</h3>\n<p class=\"note\">", out);
    svg_text(out, caption);
    fputs("</p>\n<table class=\"fig\"><tr><th>benchmark<br><span class=\"note\">median "
          "[interval]<br>vs native [interval]</span></th>",
          out);
    fig_env_head(rep->rv, out);
    for (int i = 0; i < n; i++) {
        int r = fig_row(rep, items[i][0], items[i][1]);
        if (r < 0) continue;
        const struct report_row *row = &rep->rows[r];
        fputs("<tr>", out);
        char u[160];
        snprintf(u, sizeof(u), "%s (%s, %s is better)", items[i][2], row->unit,
                 better_str(row->better));
        fig_cell_text(out, u);
        for (int j = 0; j < rep->rv->nenv; j++)
            fig_cells(rep, row, j, out);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* A figure of bar charts: every metric of wl matching one of the
 * patterns (fnmatch), each as the report's chart with its numbers. */
static void fig_bars(const struct report *rep, FILE *out, const char *title, const char *caption,
                     const char *wl, const char *const *patterns)
{
    int w = fig_wl(rep->rv, wl), shown = 0;
    for (int i = 0; w >= 0 && i < rep->nrows; i++) {
        if (rep->rows[i].wl != w) continue;
        int match = 0;
        for (int p = 0; patterns[p]; p++)
            match |= !fnmatch(patterns[p], rep->rows[i].metric, 0);
        if (!match) continue;
        if (!shown++) {
            fputs("<h3>", out);
            svg_text(out, title);
            fputs("</h3>\n<p class=\"note\">", out);
            svg_text(out, caption);
            fputs("</p>\n", out);
        }
        report_html_metric(rep, &rep->rows[i], out);
    }
}

/* The count N of a metric named pre N suf ("c8_rps"), -1 if it is not. */
static int fig_count(const char *metric, const char *pre, const char *suf)
{
    size_t pl = strlen(pre);
    if (strncmp(metric, pre, pl)) return -1;
    char *end;
    long c = strtol(metric + pl, &end, 10);
    return end > metric + pl && c > 0 && c < 1000000 && !strcmp(end, suf) ? (int)c : -1;
}

/* The points of a sweep: wl's metrics pre N suf, sorted by N (count[]),
 * their rows into row[]. */
static int fig_points(const struct report *rep, int w, const char *pre, const char *suf, int *count,
                      int *row)
{
    int n = 0;
    for (int i = 0; i < rep->nrows && n < FIG_POINTS; i++) {
        int c = rep->rows[i].wl == w ? fig_count(rep->rows[i].metric, pre, suf) : -1;
        if (c < 0) continue;
        int k = n++;
        while (k > 0 && count[k - 1] > c) {
            count[k] = count[k - 1];
            row[k] = row[k - 1];
            k--;
        }
        count[k] = c;
        row[k] = i;
    }
    return n;
}

/* The value (and interval) of row r in environment j as a chart point. */
static void fig_point(const struct report *rep, int r, int j, double *y, double *lo, double *hi)
{
    const struct report_cell *c = &rep->rows[r].cell[j];
    *y = c->n ? c->s.median : NAN;
    *lo = c->n && c->s.ci.level > 0 ? c->s.ci.lo : 1;
    *hi = c->n && c->s.ci.level > 0 ? c->s.ci.hi : 0;
}

/* Environment j's line over n points: its label, "emulated" and colour. */
static struct svg_series fig_series(const struct run_view *rv, int j, int n, const double *x,
                                    const double *y, const double *lo, const double *hi)
{
    return (struct svg_series){.label = rv->envs[j],
                               .note = report_env_emulated(rv, j) ? "emulated" : NULL,
                               .colour = j,
                               .n = n,
                               .x = x,
                               .y = y,
                               .lo = lo,
                               .hi = hi};
}

/* A line figure's heading, caption and opening; fig_numbers closes it. */
static void fig_open(FILE *out, const char *title, const char *caption)
{
    fputs("<h3>", out);
    svg_text(out, title);
    fputs("</h3>\n<p class=\"note\">", out);
    svg_text(out, caption);
    fputs("</p>\n<figure>\n", out);
}

/* The figure's table: rows' medians and overheads per environment, then
 * the end of the figure fig_lines or fig_cdf opened. */
static void fig_numbers(const struct report *rep, FILE *out, const int *rows, int n)
{
    fputs("<figcaption><table class=\"fig\"><tr><th>metric<br><span class=\"note\">median "
          "[interval]<br>vs native [interval]</span></th>",
          out);
    fig_env_head(rep->rv, out);
    for (int k = 0; k < n; k++) {
        const struct report_row *r = &rep->rows[rows[k]];
        fputs("<tr>", out);
        fig_cell_text(out, r->metric);
        for (int j = 0; j < rep->rv->nenv; j++)
            fig_cells(rep, r, j, out);
        fputs("</tr>\n", out);
    }
    fputs("</table></figcaption>\n</figure>\n", out);
}

/* A line chart of wl's metrics pre N ysuf against pre N xsuf per count
 * N (a sweep when xsuf is NULL: x is N itself, on a log scale), a line
 * per environment, and the table of its numbers. */
static void fig_lines(const struct report *rep, FILE *out, const char *title, const char *caption,
                      const char *wl, const char *pre, const char *xsuf, const char *ysuf,
                      const char *xunit)
{
    const struct run_view *rv = rep->rv;
    int w = fig_wl(rv, wl), cnt[FIG_POINTS], yrow[FIG_POINTS], xrow[FIG_POINTS];
    int n = w < 0 ? 0 : fig_points(rep, w, pre, ysuf, cnt, yrow);
    if (!n) return;
    for (int k = 0; k < n; k++) {
        char name[LIM_METRIC_NAME];
        snprintf(name, sizeof(name), "%s%d%s", pre, cnt[k], xsuf ? xsuf : "");
        xrow[k] = xsuf ? fig_row(rep, wl, name) : -1;
    }
    static double buf[LIM_ENVS][5][FIG_POINTS];
    struct svg_series s[LIM_ENVS];
    for (int j = 0; j < rv->nenv; j++) {
        double *x = buf[j][0], *y = buf[j][1], *lo = buf[j][2], *hi = buf[j][3], *d = buf[j][4];
        for (int k = 0; k < n; k++) {
            fig_point(rep, yrow[k], j, &y[k], &lo[k], &hi[k]);
            if (xsuf && xrow[k] >= 0)
                fig_point(rep, xrow[k], j, &x[k], &d[k], &d[k]);
            else
                x[k] = xsuf ? NAN : cnt[k];
        }
        s[j] = fig_series(rv, j, n, x, y, lo, hi);
    }
    const struct report_row *r0 = &rep->rows[yrow[0]];
    char ylabel[96];
    snprintf(ylabel, sizeof(ylabel), "%s", r0->unit);
    fig_open(out, title, caption);
    svg_lines(out, title, xunit, ylabel, better_str(r0->better), s, rv->nenv, xsuf == NULL);
    int rows[2 * FIG_POINTS], nr = 0;
    for (int k = 0; k < n; k++) {
        rows[nr++] = yrow[k];
        if (xsuf && xrow[k] >= 0) rows[nr++] = xrow[k];
    }
    fig_numbers(rep, out, rows, nr);
}

/* Figure 7 as the paper draws it: the cumulative share of random reads
 * against their latency, a line per environment through the first
 * randread job's latency quantiles (blockio's randread*_lat_pQ: x the
 * median latency at Q with its interval as a horizontal bar, y Q %), and
 * the table of its numbers. */
static void fig_cdf(const struct report *rep, FILE *out, const char *title, const char *caption)
{
    const struct run_view *rv = rep->rv;
    int w = fig_wl(rv, "blockio");
    char pre[LIM_METRIC_NAME] = "";
    for (int i = 0; w >= 0 && i < rep->nrows && !pre[0]; i++) {
        const char *m = rep->rows[i].metric;
        size_t l = strlen(m);
        if (rep->rows[i].wl == w && !strncmp(m, "randread", 8) && l > 8 &&
            !strcmp(m + l - 8, "_lat_p50"))
            snprintf(pre, sizeof(pre), "%.*s", (int)(l - 2), m); /* "randread..._lat_p" */
    }
    int q[FIG_POINTS], row[FIG_POINTS];
    int n = pre[0] ? fig_points(rep, w, pre, "", q, row) : 0;
    if (!n) return;
    static double buf[LIM_ENVS][6][FIG_POINTS];
    struct svg_series s[LIM_ENVS];
    for (int j = 0; j < rv->nenv; j++) {
        double *x = buf[j][0], *y = buf[j][1], *lo = buf[j][2], *hi = buf[j][3];
        double *xlo = buf[j][4], *xhi = buf[j][5];
        for (int k = 0; k < n; k++) {
            fig_point(rep, row[k], j, &x[k], &xlo[k], &xhi[k]);
            y[k] = q[k];
            lo[k] = 1, hi[k] = 0; /* Q is exact: the interval is latency's */
        }
        s[j] = fig_series(rv, j, n, x, y, lo, hi);
        s[j].xlo = xlo, s[j].xhi = xhi;
    }
    char xunit[LIM_METRIC_NAME + 40]; /* the job's name: pre without "_lat_p" */
    snprintf(xunit, sizeof(xunit), "%.*s latency (%s)", (int)strlen(pre) - 6, pre,
             rep->rows[row[0]].unit);
    fig_open(out, title, caption);
    svg_lines(out, title, xunit, "% of reads done", "higher", s, rv->nenv, 0);
    fig_numbers(rep, out, row, n);
}

void report_figures_html(const struct report *rep, FILE *out)
{
    static const char *const paper_wls[] = {"compress", "linpack", "stream",  "randomaccess",
                                            "netbw",    "netlat",  "blockio", "redis",
                                            "mysql",    NULL};
    int any = 0;
    for (int i = 0; paper_wls[i]; i++)
        any |= fig_wl(rep->rv, paper_wls[i]) >= 0;
    if (!any) return;
    fputs("<h2>The paper's tables and figures, measured here</h2>\n<p class=\"note\">Felter et "
          "al.'s Tables I-III and Figures 2-13 as this run measured them (the figures of "
          "workloads it did not run are left out; the size preset scales the paper's parameters "
          "down below full). Each value is the median over the repetitions with its "
          "distribution-free interval; each overhead the median over paired rounds of how much "
          "worse than native (+ worse, ~ within noise).</p>\n",
          out);
    static const char *const t1[][3] = {{"compress", "throughput", "PXZ (compress)"},
                                        {"linpack", "gflops", "Linpack"},
                                        {"stream", "triad", "STREAM triad"},
                                        {"randomaccess", "gups", "RandomAccess"}};
    fig_table(rep, out, "Table I: results of CPU- and memory-bound benchmarks",
              "The paper: native, Docker, KVM untuned and tuned; here the run's environments.", t1,
              4);
    static const char *const t2[][3] = {{"stream", "copy", "Copy"},
                                        {"stream", "scale", "Scale"},
                                        {"stream", "add", "Add"},
                                        {"stream", "triad", "Triad"}};
    fig_table(rep, out, "Table II: STREAM components", "Memory bandwidth per kernel.", t2, 4);
    static const char *const t3[][3] = {{"mysql", "peak_tps", "peak throughput"},
                                        {"mysql", "t1_tps", "throughput, 1 thread"}};
    fig_table(rep, out, "Table III: MySQL configurations",
              "The paper's five configurations are the run's environments: native, container "
              "net=host + volume, NAT + volume, NAT + layered root, VM.",
              t3, 2);
    static const char *const f2[] = {"*goodput", "*cpu_per_gb", NULL};
    fig_bars(rep, out, "Figure 2: TCP bulk transfer efficiency",
             "Goodput both ways and CPU per GB moved: what the environment's own processes cost "
             "(*_cpu_per_gb) and the whole host's busy time as the paper's perf stat -a counted it "
             "(*_host_cpu_per_gb; here it includes the peer's client, which the paper ran on "
             "another machine).",
             "netbw", f2);
    static const char *const f3[] = {"tcp_rr_mean", "udp_rr_mean", NULL};
    fig_bars(rep, out, "Figure 3: network round-trip latency",
             "TCP_RR and UDP_RR, one transaction in flight (the paper: 100-byte requests, "
             "200-byte responses).",
             "netlat", f3);
    static const char *const f5[] = {"seq*_bw", NULL};
    fig_bars(rep, out, "Figure 5: sequential I/O throughput",
             "1 MiB O_DIRECT reads and writes at the paper's queue depths.", "blockio", f5);
    static const char *const f6[] = {"rand*_iops", NULL};
    fig_bars(rep, out, "Figure 6: random I/O throughput",
             "4 KiB O_DIRECT random writes and reads at queue depth 16 in 1 and in 8 jobs "
             "(x8), and the 70/30 mix at 32 in 8 jobs: the paper's fio jobs.",
             "blockio", f6);
    fig_cdf(rep, out, "Figure 7: random read latency CDF",
            "4 KiB O_DIRECT random reads: the share done within each latency, from the "
            "quantiles of the first randread job (by default the paper's single job at queue "
            "depth 16, randread_qd16); bars are the latency's intervals.");
    fig_lines(rep, out, "Figure 8: Redis throughput against clients",
              "GET/SET, 50-byte values; the paper ran clients from 1 to over 100.", "redis", "c",
              NULL, "_rps", "clients");
    fig_lines(rep, out, "Figure 9: Redis latency against clients",
              "Mean latency per request at each client count.", "redis", "c", NULL, "_mean",
              "clients");
    fig_lines(rep, out, "Figure 10: MySQL throughput against threads",
              "sysbench OLTP; the overhead column is the loss against native.", "mysql", "t", NULL,
              "_tps", "sysbench threads");
    fig_lines(rep, out, "Figure 11: MySQL CPU cost against throughput",
              "What the server's environment cost the host per transaction, at each thread "
              "count's throughput.",
              "mysql", "t", "_tps", "_cpu_ms_per_trans", "throughput (trans/s)");
    fig_lines(rep, out, "Figure 12: MySQL latency against threads",
              "95th-percentile transaction latency.", "mysql", "t", NULL, "_lat_p95",
              "sysbench threads");
    fig_lines(rep, out, "Figure 13: MySQL throughput against latency",
              "Each point a thread count: the latency the throughput costs.", "mysql", "t", "_tps",
              "_lat_p95", "throughput (trans/s)");
}
