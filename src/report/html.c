/* html - the run as one self-contained HTML page: no script, no font, no
 * image fetched from anywhere, readable without JavaScript, printable.
 * Host facts, how each environment was built, then per workload a chart
 * per metric (inline SVG: a bar per environment with its interval, units
 * and "higher/lower is better" on the axis) beside a table of the same
 * numbers. The emulation warning and every n/a reason, caveat and failure
 * appear next to the numbers they concern. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/explain.h"
#include "report/report.h"
#include "report/svg.h"

static const char style[] =
    "body{font-family:sans-serif;max-width:72em;margin:1em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
    "text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
    ".warn{color:#900;font-weight:bold}.note{color:#555}figure{margin:1em 0;"
    "page-break-inside:avoid}figcaption{font-size:90%;color:#444}"
    "pre{overflow-x:auto}table.fig td,table.fig th{font-size:90%}"
    "@media print{body{max-width:none}pre{white-space:pre-wrap}}";

int report_peer_text(const struct run_view *rv, char *buf, size_t len)
{
    const struct kvlist *h = &rv->host;
#define PF(k) (kv_get(h, "peer." k) ? kv_get(h, "peer." k) : "?")
    if (!kv_get(h, "peer.url")) return -1;
    int n =
        snprintf(buf, len,
                 "%s (%s via %s): %s, %s CPUs, kernel %s; NIC %s (%s, %s Mb/s, MTU %s, %s); "
                 "base RTT %s ms, control channel RTT %s ms, clock offset %s ms",
                 PF("url"), PF("addr"), PF("link"), PF("cpu_model"), PF("cpus_online"),
                 PF("kernel"), PF("nic"), PF("nic_driver"), PF("nic_speed_mbps"), PF("nic_mtu"),
                 PF("nic_offloads"), PF("base_rtt_ms"), PF("ctl_rtt_ms"), PF("clock_offset_ms"));
#undef PF
    if (n < 0 || (size_t)n >= len) snprintf(buf + len - 8, 8, "...cut");
    return 0;
}

int report_env_emulated(const struct run_view *rv, int j)
{
    const char *l = kv_get(&rv->env_facts[j], "label");
    return l && strstr(l, "EMULATED");
}

static void html_fact(FILE *out, const struct kvlist *l, const char *key, const char *name)
{
    const char *v = kv_get(l, key);
    if (!v) return;
    fputs("<tr><th>", out);
    svg_text(out, name);
    fputs("</th><td>", out);
    svg_text(out, v);
    fputs("</td></tr>\n", out);
}

void report_html_head(const struct run_view *rv, FILE *out)
{
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>isobench run %lld</title><style>%s</style></head><body>\n",
            (long long)rv->id, style);
    fprintf(out, "<h1>isobench run %lld (", (long long)rv->id);
    svg_text(out, rv->uuid);
    fprintf(out, ")</h1>\n<p>status <b>");
    svg_text(out, rv->status);
    fprintf(out, "</b>, size %s, %d repetitions; <code>", size_str(rv->size), rv->reps);
    svg_text(out, rv->command);
    fputs("</code></p>\n<h2>Host</h2>\n<table>\n", out);
    static const char *const keys[][2] = {{"cpu_model", "CPU"},
                                          {"cpus_online", "CPUs"},
                                          {"mem_total_bytes", "memory (bytes)"},
                                          {"llc_bytes", "last-level cache (bytes)"},
                                          {"kernel", "kernel"},
                                          {"thp", "transparent huge pages"},
                                          {"governor", "governor"},
                                          {"smt_active", "SMT"},
                                          {"isobench_version", "isobench"},
                                          {"build_flags", "build"},
                                          {"order_seed", "order seed"}};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        html_fact(out, &rv->host, keys[i][0], keys[i][1]);
    char peer[1024];
    if (report_peer_text(rv, peer, sizeof(peer)) == 0) {
        fputs("<tr><td>peer host (client halves)</td><td>", out);
        svg_text(out, peer);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n<h2>Environments</h2>\n<ul>\n", out);
    for (int j = 0; j < rv->nenv; j++) {
        const struct kvlist *f = &rv->env_facts[j];
        const char *l = kv_get(f, "label"), *st = kv_get(f, "startup_s");
        fputs("<li><b>", out);
        svg_text(out, rv->envs[j]);
        fputs("</b>", out);
        if (l) {
            fprintf(out, ": <span%s>", report_env_emulated(rv, j) ? " class=\"warn\"" : "");
            svg_text(out, l);
            fputs("</span>", out);
        }
        if (st) fprintf(out, "; start to agent ready %.2f ms", atof(st) * 1e3);
        const char *na = kv_get(f, "not_applied");
        if (na) {
            fputs("; not applied here: ", out);
            svg_text(out, na);
        }
        for (int k = 0; k < f->n; k++) /* --sizing: other instances for some workloads */
            if (!strncmp(f->v[k].key, "sized.", 6)) {
                fputs("; ", out);
                svg_text(out, f->v[k].key + 6);
                fputs(" ran as <code>", out);
                svg_text(out, f->v[k].val);
                fputs("</code>", out);
            }
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

/* "12.3 [11.9, 12.8]" or "12.3" (no interval), into buf. */
static void html_num(char *buf, size_t len, double v, const struct interval *iv)
{
    if (iv->level > 0)
        snprintf(buf, len, "%.4g [%.4g, %.4g]", v, iv->lo, iv->hi);
    else
        snprintf(buf, len, "%.4g", v);
}

void report_html_metric(const struct report *rep, const struct report_row *r, FILE *out)
{
    const struct run_view *rv = rep->rv;
    struct svg_bar bars[LIM_ENVS];
    char title[160];
    snprintf(title, sizeof(title), "%s %s", rv->workloads[r->wl], r->metric);
    for (int j = 0; j < rv->nenv; j++) {
        const struct report_cell *c = &r->cell[j];
        const char *na = store_na_reason(rv, r->wl, j);
        bars[j] = (struct svg_bar){.label = rv->envs[j],
                                   .value = c->s.median,
                                   .lo = c->s.ci.level > 0 ? c->s.ci.lo : 1,
                                   .hi = c->s.ci.level > 0 ? c->s.ci.hi : 0,
                                   .na = c->n == 0,
                                   .note = na                           ? "n/a"
                                           : report_env_emulated(rv, j) ? "emulated"
                                                                        : NULL};
    }
    fputs("<figure>\n", out);
    svg_bars(out, title, r->unit, better_str(r->better), bars, rv->nenv);
    fputs("<figcaption><table><tr><th>environment</th><th>median [interval]</th><th>level</th>"
          "<th>n</th><th>overhead % [interval]</th></tr>\n",
          out);
    for (int j = 0; j < rv->nenv; j++) {
        const struct report_cell *c = &r->cell[j];
        char v[96] = "", ov[96] = "";
        const char *na = store_na_reason(rv, r->wl, j);
        if (c->n) html_num(v, sizeof(v), c->s.median, &c->s.ci);
        if (c->has_overhead) {
            if (c->ov.ci.level > 0)
                snprintf(ov, sizeof(ov), "%+.1f [%+.1f, %+.1f]%s", c->ov.pct, c->ov.ci.lo,
                         c->ov.ci.hi, c->ov.within_noise ? " within noise" : "");
            else
                snprintf(ov, sizeof(ov), "%+.1f (one round: no interval)", c->ov.pct);
        }
        fputs("<tr><td>", out);
        svg_text(out, rv->envs[j]);
        fputs("</td><td>", out);
        if (!c->n) {
            fputs("<span class=\"warn\">", out);
            svg_text(out, na ? "n/a (see below)" : c->unreported ? "not reported" : "failed");
            fputs("</span>", out);
        } else {
            svg_text(out, v);
        }
        char lv[16] = "-";
        if (c->n && c->s.ci.level > 0) snprintf(lv, sizeof(lv), "%.1f %%", c->s.ci.level * 100);
        fprintf(out, "</td><td>%s</td><td>%d</td><td>", lv, c->n);
        svg_text(out, ov);
        fputs("</td></tr>\n", out);
    }
    fputs("</table></figcaption>\n</figure>\n", out);
}

static void html_cell(FILE *out, const char *s)
{
    fputs("<td>", out);
    svg_text(out, s);
    fputs("</td>", out);
}

/* The paper's numbers beside this host's, with each number's source as a
 * tooltip and in the last column. */
static void html_paper(const struct report *rep, FILE *out)
{
    struct paper_cmp cmp[PAPER_MAX];
    int n = paper_compare(rep, cmp, PAPER_MAX);
    if (n == 0) return;
    fputs("<h2>The paper beside this host</h2>\n<p class=\"note\">Felter et al., \"An Updated "
          "Performance Comparison of Virtual Machines and Linux Containers\", IBM RC25482 "
          "(2014). Overheads in this report's convention: + worse than native. Verdict: "
          "<i>same</i> when the paper's number is inside this host's interval, else which side "
          "of it this host lies on.</p>\n<table><tr><th>workload</th><th>metric</th>"
          "<th>environment</th><th>the paper</th><th>paper %</th><th>this host % [interval] "
          "(level)</th><th>verdict</th><th>known reason</th><th>source</th></tr>\n",
          out);
    for (int i = 0; i < n; i++) {
        const struct paper_cmp *c = &cmp[i];
        char here[200], pct[32];
        paper_host_text(rep, c, here, sizeof(here));
        snprintf(pct, sizeof(pct), "%+.1f", c->num->pct);
        fputs("<tr>", out);
        html_cell(out, c->num->workload);
        html_cell(out, c->row >= 0 ? rep->rows[c->row].metric : c->num->metric);
        html_cell(out, c->env >= 0 ? rep->rv->envs[c->env] : c->num->role);
        html_cell(out, c->num->text);
        html_cell(out, pct);
        html_cell(out, here);
        html_cell(out, c->verdict ? c->verdict : "-");
        html_cell(out, c->reason);
        html_cell(out, c->num->source);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* Writes the whole HTML report of rep: head, explain's section, figures,
 * the paper's tables and per workload its metrics, caveats, n/a and
 * failures. -1 only if explain_emit fails. */
static int html_emit(const struct report *rep, FILE *out, struct err *e)
{
    (void)e;
    const struct run_view *rv = rep->rv;
    report_html_head(rv, out);
    if (explain_emit(rep, out, EXPLAIN_HTML, e) < 0) return -1; /* an explain run's point */
    report_figures_html(rep, out);
    html_paper(rep, out);
    fputs("<h2>Results</h2>\n<p class=\"note\">Each bar is the median over the repetitions, its "
          "whisker the distribution-free interval of the median; the tables give the level that "
          "interval reaches (95 % needs 6 repetitions) and the overhead against native: the "
          "median over paired rounds of how much worse the environment is (+ worse, - better). "
          "Within noise: that interval holds 0.</p>\n",
          out);
    for (int w = 0; w < rv->nwl; w++) {
        fputs("<h3>", out);
        svg_text(out, rv->workloads[w]);
        fputs("</h3>\n", out);
        for (int i = 0; i < rv->ncaveats; i++)
            if (rv->caveats[i].wl == w) {
                fputs("<p class=\"warn\">", out);
                svg_text(out, rv->caveats[i].text);
                fputs("</p>\n", out);
            }
        for (int i = 0; i < rep->nrows; i++)
            if (rep->rows[i].wl == w) report_html_metric(rep, &rep->rows[i], out);
        for (int i = 0; i < rv->nna; i++)
            if (rv->na[i].wl == w) {
                fputs("<p class=\"note\">n/a on ", out);
                svg_text(out, rv->envs[rv->na[i].env]);
                fputs(": ", out);
                svg_text(out, rv->na[i].reason);
                fputs("</p>\n", out);
            }
        for (int i = 0; i < rv->nfailures; i++)
            if (rv->failures[i].wl == w) {
                fprintf(out, "<p class=\"warn\">failed on ");
                svg_text(out, rv->envs[rv->failures[i].env]);
                fprintf(out, ", %s %d: ", rv->failures[i].warmup ? "warm-up" : "repetition",
                        rv->failures[i].rep);
                svg_text(out, rv->failures[i].error);
                fputs("</p>\n", out);
            }
    }
    if (rep->native < 0) fputs("<p>No native environment in this run: no overhead.</p>\n", out);
    fputs("</body></html>\n", out);
    return 0;
}

const struct reporter reporter_html = {
    .name = "html",
    .summary = "one self-contained HTML page: SVG charts with intervals, tables, notes",
    .emit = html_emit,
    .scenario = report_scenario_html,
    .hosts = report_hosts_html,
};
