/* scenario_html.c - a scenario run as a page or as Markdown. The page is
 * self-contained as the html reporter's (no script, nothing fetched): its
 * head (host, environments), the scenario's table as the table reporter
 * prints it, then per tenant and metric a chart - a bar per environment and
 * step at the median over rounds, the whisker its distribution-free
 * interval - beside a table of the same numbers, then every failure. */
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "report/report.h"
#include "report/svg.h"

#define SH_MAX_BARS 64
#define SH_MAX_VALUES 1000

/* The scenario's table, as report_scenario_table writes it, into *buf. */
static int sh_table(const struct run_view *rv, char **buf, struct err *e)
{
    size_t len = 0;
    FILE *m = open_memstream(buf, &len);
    if (!m) return err_set(e, ERR_FAIL, "out of memory");
    int rc = report_scenario_table(rv, m, e);
    fclose(m);
    return rc;
}

/* 1 when (wl, tenant, metric) was seen before point i. */
static int sh_seen(const struct run_view *rv, int i)
{
    const struct rv_point *p = &rv->points[i];
    for (int k = 0; k < i; k++) {
        const struct rv_point *q = &rv->points[k];
        if (q->wl == p->wl && !strcmp(q->tenant, p->tenant) && !strcmp(q->metric, p->metric))
            return 1;
    }
    return 0;
}

/* One chart and its table: the group of point g, a bar per (env, step). */
static void sh_group(const struct run_view *rv, int g, double *v, FILE *out)
{
    const struct rv_point *p = &rv->points[g];
    struct svg_bar bars[SH_MAX_BARS];
    char labels[SH_MAX_BARS][sizeof(rv->envs[0]) + LIM_STEP_NAME + 2];
    int nb = 0;
    for (int i = 0; i < rv->npoints && nb < SH_MAX_BARS; i++) {
        const struct rv_point *q = &rv->points[i];
        if (q->wl != p->wl || strcmp(q->tenant, p->tenant) || strcmp(q->metric, p->metric))
            continue;
        int dup = 0; /* the first point of each (env, step) makes its bar */
        for (int k = 0; k < i && !dup; k++) {
            const struct rv_point *r = &rv->points[k];
            dup = r->wl == q->wl && r->env == q->env && !strcmp(r->tenant, q->tenant) &&
                  !strcmp(r->metric, q->metric) && !strcmp(r->step, q->step);
        }
        if (dup) continue;
        int n = 0;
        for (int k = i; k < rv->npoints && n < SH_MAX_VALUES; k++) {
            const struct rv_point *r = &rv->points[k];
            if (r->wl == q->wl && r->env == q->env && !strcmp(r->tenant, q->tenant) &&
                !strcmp(r->metric, q->metric) && !strcmp(r->step, q->step))
                v[n++] = r->value;
        }
        struct summary sm;
        stats_summarize(v, n, &sm);
        snprintf(labels[nb], sizeof(labels[nb]), "%s %s", rv->envs[q->env], q->step);
        bars[nb] = (struct svg_bar){.label = labels[nb],
                                    .value = sm.median,
                                    .lo = sm.ci.level > 0 ? sm.ci.lo : 1,
                                    .hi = sm.ci.level > 0 ? sm.ci.hi : 0};
        nb++;
    }
    char title[LIM_WORKLOAD_NAME + LIM_TENANT_NAME + LIM_METRIC_NAME + 16];
    snprintf(title, sizeof(title), "%s, %s: %s", rv->workloads[p->wl], p->tenant, p->metric);
    fputs("<figure>\n", out);
    svg_bars(out, title, p->unit, better_str(p->better), bars, nb);
    fputs("<figcaption><table><tr><th>environment and step</th><th>median</th>"
          "<th>interval</th></tr>\n",
          out);
    for (int i = 0; i < nb; i++) {
        fputs("<tr><td>", out);
        svg_text(out, bars[i].label);
        fprintf(out, "</td><td>%.4g</td><td>", bars[i].value);
        if (bars[i].lo <= bars[i].hi)
            fprintf(out, "[%.4g, %.4g]", bars[i].lo, bars[i].hi);
        else
            fputs("n/a (one round)", out);
        fputs("</td></tr>\n", out);
    }
    fputs("</table></figcaption></figure>\n", out);
}

int report_scenario_html(const struct run_view *rv, FILE *out, struct err *e)
{
    char *table = NULL;
    double *v = malloc(sizeof(double) * SH_MAX_VALUES);
    if (!v || sh_table(rv, &table, e) < 0) {
        free(v);
        free(table);
        return v ? -1 : err_set(e, ERR_FAIL, "out of memory");
    }
    report_html_head(rv, out);
    fputs("<h2>Scenario ", out);
    svg_text(out, kv_get(&rv->host, "scenario"));
    fputs("</h2>\n<pre>", out);
    svg_text(out, table);
    fputs("</pre>\n<h2>Per tenant and metric</h2>\n<p class=\"note\">Each bar is the median over "
          "the rounds of one environment in one step, its whisker the distribution-free interval "
          "of the median (none with one round).</p>\n",
          out);
    for (int i = 0; i < rv->npoints; i++)
        if (!sh_seen(rv, i)) sh_group(rv, i, v, out);
    for (int i = 0; i < rv->nfailures; i++) {
        const struct rv_failure *f = &rv->failures[i];
        fputs("<p class=\"warn\">failed: ", out);
        svg_text(out, rv->workloads[f->wl]);
        fputs(" on ", out);
        svg_text(out, rv->envs[f->env]);
        fputs(", tenant ", out);
        svg_text(out, f->tenant);
        fputs(", step ", out);
        svg_text(out, f->step);
        fprintf(out, ", round %d: ", f->rep);
        svg_text(out, f->error);
        fputs("</p>\n", out);
    }
    fputs("</body></html>\n", out);
    free(table);
    free(v);
    return 0;
}

int report_scenario_markdown(const struct run_view *rv, FILE *out, struct err *e)
{
    char *table = NULL;
    if (sh_table(rv, &table, e) < 0) {
        free(table);
        return -1;
    }
    fprintf(out, "### isobench run %lld: scenario %s\n\n```text\n%s```\n", (long long)rv->id,
            kv_get(&rv->host, "scenario"), table);
    free(table);
    return 0;
}
