/* explain_html.c - the explain view in the HTML report: per headline
 * metric a waterfall (svg.c's way: inline SVG, no script) and the table of
 * its increments; the per-operation table (explain.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/explain.h"
#include "report/svg.h"

/* One bar of the waterfall: from a to b (overhead %), whisker lo..hi
 * (lo > hi: none), its label and value text. */
struct wbar {
    const char *label;
    double a, b, lo, hi;
    double v; /* the printed value: the increment's own overhead (its median), the total's */
    int kind; /* 0 native, 1 increment, 2 residual, 3 total, 4 no pair */
    int noise;
};

/* An overhead % as the waterfall's height: the log-ratio, signed so
 * that worse is up (log(env/native) when lower is better, its negative
 * when higher is); increments add up in it. NAN: no log. */
static double wf_g(double pct, int better)
{
    double l = explain_log_of_pct(pct, better);
    return better == BETTER_LOWER ? l : -l;
}

/* The overhead % at height g. */
static double wf_pct(double g, int better)
{
    return explain_pct_of_log(better == BETTER_LOWER ? g : -g, better);
}

/* The bars of metric m: native, each increment from where the last ended, the
 * residual, the total from 0. Returns how many. */
static int wf_bars(const struct report *rep, const struct explain_view *xv,
                   const struct xv_metric *m, struct wbar *b)
{
    const struct report_row *row = &rep->rows[m->row];
    int n = 0;
    double cum = 0;
    b[n++] = (struct wbar){.label = "native", .lo = 1, .hi = 0, .kind = 0};
    for (int s = 0; s < m->nincr; s++) {
        const struct xv_incr *st = &m->increment[s];
        struct wbar w = {.label = xv->rung[st->rung].knob, .a = cum, .b = cum, .lo = 1, .hi = 0};
        w.kind = st->has ? 1 : 4;
        if (st->has) {
            double g = wf_g(st->ov.pct, row->better);
            if (isfinite(g)) w.b = cum + g;
            if (st->ov.ci.level > 0) {
                w.lo = cum + wf_g(st->ov.ci.lo, row->better);
                w.hi = cum + wf_g(st->ov.ci.hi, row->better);
            }
            w.noise = st->ov.within_noise;
            w.v = st->ov.pct;
            cum = w.b;
        }
        b[n++] = w;
    }
    if (m->has_residual)
        b[n++] = (struct wbar){.label = "residual",
                               .a = cum,
                               .b = cum + wf_g(m->residual_pct, row->better),
                               .lo = 1,
                               .hi = 0,
                               .v = m->residual_pct,
                               .kind = 2};
    if (m->has_total) {
        const struct overhead *o = &row->cell[xv->env_idx].ov;
        b[n++] = (struct wbar){.label = xv->env,
                               .a = 0,
                               .b = wf_g(o->pct, row->better),
                               .lo = o->ci.level > 0 ? wf_g(o->ci.lo, row->better) : 1,
                               .hi = o->ci.level > 0 ? wf_g(o->ci.hi, row->better) : 0,
                               .v = o->pct,
                               .kind = 3,
                               .noise = o->within_noise};
    }
    return n;
}

enum { WX = 70, WBAR = 112, WTOP = 44, WH = 230 };

void explain_waterfall_svg(const struct report *rep, const struct explain_view *xv,
                           const struct xv_metric *m, FILE *out)
{
    const struct report_row *row = &rep->rows[m->row];
    struct wbar b[XV_RUNGS + 3];
    int n = wf_bars(rep, xv, m, b);
    double hi = 0, lo = 0;
    for (int i = 0; i < n; i++) {
        double v[4] = {b[i].a, b[i].b, b[i].lo <= b[i].hi ? b[i].lo : 0,
                       b[i].lo <= b[i].hi ? b[i].hi : 0};
        for (int k = 0; k < 4; k++)
            if (isfinite(v[k])) hi = v[k] > hi ? v[k] : hi, lo = v[k] < lo ? v[k] : lo;
    }
    double pad = (hi - lo) * 0.05;
    hi += hi > 0 ? pad : 0;
    lo -= lo < 0 ? pad : 0;
    if (hi - lo <= 0) hi = 0.01;
    int w = WX + WBAR * n + 20, h = WTOP + WH + 60;
    char title[700];
    snprintf(title, sizeof(title), "%s %s: overhead by knob, native -> %s (%s is better)",
             rep->rv->workloads[row->wl], row->metric, xv->env, better_str(row->better));
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\"><title>",
            w, h, w, h);
    svg_text(out, title);
    fputs("</title>\n<text x=\"4\" y=\"18\" font-weight=\"bold\">", out);
    svg_text(out, title);
    fputs("</text>\n", out);
#define Y(v) (WTOP + WH * (hi - (v)) / (hi - lo))
    for (int t = 0; t <= 4; t++) { /* ticks at even heights, labelled in overhead % */
        double g = lo + (hi - lo) * t / 4;
        fprintf(out,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%+.1f %%</text>\n",
                WX, w - 20, Y(g), Y(g), WX - 4, Y(g) + 4, wf_pct(g, row->better));
    }
    fprintf(out,
            "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
            "<text x=\"%d\" y=\"%d\" font-size=\"10\">overhead %% on a log-ratio scale "
            "(increments add up; + worse)</text>\n",
            WX, w - 20, Y(0), Y(0), WX, WTOP - 8);
    static const char *const fill[] = {"#000000", "#D55E00", "#CC79A7", "#0072B2", "#999999"};
    for (int i = 0; i < n; i++) {
        const struct wbar *r = &b[i];
        double x = WX + WBAR * i + 16, bw = WBAR - 32;
        double y0 = Y(fmax(r->a, r->b)), y1 = Y(fmin(r->a, r->b));
        const char *col = r->kind == 1 && r->noise ? "#999999" : fill[r->kind];
        if (r->kind == 1 && !r->noise && r->b < r->a) col = "#009E73"; /* an increment that helps */
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                x, y0, bw, fmax(y1 - y0, 1.5), col);
        if (r->lo <= r->hi && isfinite(r->lo) && isfinite(r->hi))
            fprintf(out,
                    "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fh12M%.1f %.1fh12\" stroke=\"#000\" "
                    "fill=\"none\"/>\n",
                    x + bw / 2, Y(r->lo), Y(r->hi), x + bw / 2 - 6, Y(r->lo), x + bw / 2 - 6,
                    Y(r->hi));
        char v[48] = "";
        if (r->kind == 4)
            snprintf(v, sizeof(v), "no pair");
        else if (r->kind)
            snprintf(v, sizeof(v), "%+.1f %%%s", r->v, r->noise ? " ~" : "");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x + bw / 2,
                Y(lo) + 16, v);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">",
                x + bw / 2, Y(lo) + 32);
        svg_text(out, r->label);
        fputs("</text>\n", out);
    }
#undef Y
    fputs("</svg>\n", out);
}

/* Metric i's increments (i >= 0) or workload w's per-operation table, as
 * escaped text. */
static void explain_text_html(const struct report *rep, const struct explain_view *xv, int i, int w,
                              FILE *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return;
    if (i >= 0)
        explain_incr_text(rep, xv, &xv->m[i], m, 0);
    else
        explain_perop_text(rep, xv, w, m, 0);
    fclose(m);
    svg_text(out, buf);
    free(buf);
}

void explain_html(const struct report *rep, const struct explain_view *xv, FILE *out)
{
    fputs("<section id=\"explain\">\n<h2>Explain: which knob costs what</h2>\n<p "
          "class=\"note\">The run measured a ladder "
          "of environments from native to ",
          out);
    svg_text(out, xv->env);
    fputs(
        ", one knob at a time, all in the same shuffled rounds. Each bar is one knob's increment: "
        "the rung against the one before, paired by round (+ worse), stacked from where the "
        "last ended; its whisker is the increment's interval; grey: within noise (~). The last bar "
        "is the whole overhead from 0, with its interval; the residual bar is shown, never "
        "hidden.</p>\n<table><tr><th>#</th><th>knob</th><th>spec (isobench run -e SPEC)</th>"
        "</tr>\n",
        out);
    for (int k = 0; k < xv->nrung; k++) {
        fprintf(out, "<tr><td>%d</td><td>", k);
        svg_text(out, xv->rung[k].knob);
        fputs("</td><td>", out);
        if (xv->rung[k].env < 0) fputs("<span class=\"warn\">n/a: ", out);
        svg_text(out, xv->rung[k].env >= 0 ? xv->rung[k].spec : xv->rung[k].na);
        fputs(xv->rung[k].env < 0 ? "</span></td></tr>\n" : "</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    for (int i = 0; i < xv->nm; i++) {
        fputs("<figure>\n", out);
        explain_waterfall_svg(rep, xv, &xv->m[i], out);
        fputs("<figcaption><pre>", out);
        explain_text_html(rep, xv, i, -1, out);
        fputs("</pre></figcaption>\n</figure>\n", out);
    }
    fputs("<p class=\"note\">", out);
    svg_text(out, explain_residual_note);
    fputs("</p>\n", out);
    for (int w = 0; w < rep->rv->nwl; w++) {
        fputs("<pre>", out);
        explain_text_html(rep, xv, -1, w, out);
        fputs("</pre>\n", out);
    }
    fputs("</section>\n", out);
}
