/* explain_out.c - the explain view as text, Markdown, JSON, CSV and HTML
 * with its waterfall (explain.h). */
#include <math.h>
#include <string.h>

#include "report/explain.h"
#include "report/svg.h"

const char explain_residual_note[] =
    "residual = total - sum of the increments, in log-ratio space. A ladder's increments "
    "telescope: per "
    "round their log-ratios add up to the total's exactly, so the residual is what the medians "
    "(and rounds a rung lost) leave over - not an interaction between knobs, which only "
    "measuring each knob alone could show.";

/* "+3.2% [+1.0, +5.1] ~" for an overhead, or why there is none. */
static void ov_text(const struct overhead *o, int has, char *buf, size_t len)
{
    if (!has)
        snprintf(buf, len, "no paired round");
    else if (o->ci.level > 0 && o->ci.level < STATS_LEVEL - 1e-9) /* its level, as the table's */
        snprintf(buf, len, "%+.1f%% [%+.1f, %+.1f] %.1f%%%s", o->pct, o->ci.lo, o->ci.hi,
                 o->ci.level * 100, o->within_noise ? " ~" : "");
    else if (o->ci.level > 0)
        snprintf(buf, len, "%+.1f%% [%+.1f, %+.1f]%s", o->pct, o->ci.lo, o->ci.hi,
                 o->within_noise ? " ~" : "");
    else
        snprintf(buf, len, "%+.1f%% (one round: no interval) ~", o->pct);
}

static void md_row(FILE *out, int md, const char *a, const char *b, const char *c)
{
    if (md)
        fprintf(out, "| %s | %s | %s |\n", a, b, c);
    else
        fprintf(out, "  %-28s %-44s %s\n", a, b, c);
}

/* The per-operation columns of workload w (report.perop), one line per
 * rung that ran; nothing when no sample carried one (never zeros). */
void explain_perop_text(const struct report *rep, const struct explain_view *xv, int w, FILE *out,
                        int md)
{
    int cols[32], nc = 0;
    for (int i = 0; i < rep->nperop && nc < 32; i++)
        if (rep->perop[i].wl == w && !strncmp(rep->perop[i].metric, "perop.", 6)) cols[nc++] = i;
    if (!nc) return;
    fprintf(out, "\n%sper operation, %s (medians; absent: no sample of the rung has it)%s\n",
            md ? "**" : "", rep->rv->workloads[w], md ? "**\n" : "");
    fprintf(out, md ? "| rung |" : "  %-28s", md ? "" : "rung");
    for (int c = 0; c < nc; c++)
        fprintf(out, md ? " %s (%s) |" : " %18s (%s)", rep->perop[cols[c]].metric,
                rep->perop[cols[c]].unit);
    fputs(md ? "\n|---|" : "\n", out);
    for (int c = 0; md && c < nc; c++)
        fputs("---|", out);
    if (md) fputc('\n', out);
    for (int k = 0; k < xv->nrung; k++) {
        if (xv->rung[k].env < 0) continue;
        fprintf(out, md ? "| %s |" : "  %-28s", xv->rung[k].knob);
        for (int c = 0; c < nc; c++) {
            const struct report_cell *cl = &rep->perop[cols[c]].cell[xv->rung[k].env];
            char v[32] = "absent";
            if (cl->n) snprintf(v, sizeof(v), "%.4g", cl->s.median);
            if (md)
                fprintf(out, " %s |", v);
            else
                fprintf(out, " %*s", 21 + (int)strlen(rep->perop[cols[c]].unit), v);
        }
        fputc('\n', out);
    }
}

void explain_incr_text(const struct report *rep, const struct explain_view *xv,
                       const struct xv_metric *m, FILE *out, int md)
{
    const struct report_row *row = &rep->rows[m->row];
    fprintf(out, "\n%s%s %s (%s, %s is better)%s\n", md ? "**" : "", rep->rv->workloads[row->wl],
            row->metric, row->unit, better_str(row->better), md ? "**\n" : "");
    if (md) fputs("| increment | from -> to | overhead % [interval] |\n|---|---|---|\n", out);
    for (int s = 0; s < m->nincr; s++) {
        const struct xv_incr *st = &m->increment[s];
        char ft[600], ov[100];
        snprintf(ft, sizeof(ft), "%s -> %s", xv->rung[st->from].spec, xv->rung[st->rung].spec);
        ov_text(&st->ov, st->has, ov, sizeof(ov));
        if (!st->has && st->na) snprintf(ov, sizeof(ov), "n/a: %.88s", st->na);
        md_row(out, md, xv->rung[st->rung].knob, ft, ov);
    }
    char ov[96] = "not measured", rs[96] = "none (an increment or the total is missing)";
    if (m->has_total) ov_text(&row->cell[xv->env_idx].ov, 1, ov, sizeof(ov));
    if (m->has_residual) snprintf(rs, sizeof(rs), "%+.1f%%", m->residual_pct);
    md_row(out, md, "residual", "total - sum of increments (log-ratio)", rs);
    md_row(out, md, "total", "native -> ENV", ov);
}

void explain_text(const struct report *rep, const struct explain_view *xv, FILE *out, int md)
{
    const struct run_view *rv = rep->rv;
    fprintf(out, "\n%sexplain %s: native -> ENV one knob at a time%s\n", md ? "## " : "", xv->env,
            md ? ""
               : " (each increment: the rung against the one before, paired by round; + worse)");
    if (md)
        fputs("\nEach increment: the rung against the one before, paired by round; + worse.\n\n"
              "| # | knob | spec (isobench run -e SPEC) |\n|---|---|---|\n",
              out);
    for (int k = 0; k < xv->nrung; k++) {
        const struct xv_rung *r = &xv->rung[k];
        char what[300];
        snprintf(what, sizeof(what), "%s%s%s",
                 r->env >= 0 ? "" : "n/a: ", r->env >= 0 ? r->spec : r->na,
                 r->env >= 0 && report_env_emulated(rv, r->env) ? " (emulated: TCG)" : "");
        if (md)
            fprintf(out, "| %d | %s | %s |\n", k, r->knob, what);
        else
            fprintf(out, "  %2d %-26s %s\n", k, r->knob, what);
    }
    for (int i = 0; i < xv->nm; i++)
        explain_incr_text(rep, xv, &xv->m[i], out, md);
    fprintf(
        out,
        "\n%s~ within noise: the increment's interval holds 0 (increments get no family-wise test: "
        "among many increments some interval misses 0 by chance). %s\n",
        md ? "" : "  ", explain_residual_note);
    for (int w = 0; w < rv->nwl; w++)
        explain_perop_text(rep, xv, w, out, md);
}

static void json_ov(FILE *out, const struct overhead *o)
{
    fputs("{\"pct\":", out);
    json_num(out, o->pct);
    fputs(",\"ci_low\":", out);
    json_num(out, o->ci.level > 0 ? o->ci.lo : NAN);
    fputs(",\"ci_high\":", out);
    json_num(out, o->ci.level > 0 ? o->ci.hi : NAN);
    fputs(",\"ci_level\":", out);
    json_num(out, o->ci.level);
    fprintf(out, ",\"rounds\":%d,\"within_noise\":%s}", o->rounds,
            o->within_noise ? "true" : "false");
}

/* "perop":{"<rung spec>":{"perop.x":median,...},...} for workload w. */
static void json_perop(const struct report *rep, const struct explain_view *xv, int w, FILE *out)
{
    fputs("{", out);
    int first = 1;
    for (int k = 0; k < xv->nrung; k++) {
        if (xv->rung[k].env < 0) continue;
        fputs(first ? "" : ",", out);
        first = 0;
        json_str(out, xv->rung[k].spec);
        fputs(":{", out);
        int f2 = 1;
        for (int i = 0; i < rep->nperop; i++) {
            const struct report_row *r = &rep->perop[i];
            if (r->wl != w || strncmp(r->metric, "perop.", 6) || !r->cell[xv->rung[k].env].n)
                continue;
            fputs(f2 ? "" : ",", out);
            f2 = 0;
            json_str(out, r->metric);
            fputc(':', out);
            json_num(out, r->cell[xv->rung[k].env].s.median);
        }
        fputc('}', out);
    }
    fputc('}', out);
}

void explain_json(const struct report *rep, const struct explain_view *xv, FILE *out)
{
    const struct run_view *rv = rep->rv;
    fputs(",\"explain\":{\"env\":", out);
    json_str(out, xv->env);
    fputs(",\"rungs\":[", out);
    for (int k = 0; k < xv->nrung; k++) {
        const struct xv_rung *r = &xv->rung[k];
        fprintf(out, "%s{\"rung\":%d,\"knob\":", k ? "," : "", k);
        json_str(out, r->knob);
        fputs(",\"spec\":", out);
        r->env >= 0 ? json_str(out, r->spec) : (void)fputs("null", out);
        fputs(",\"na\":", out);
        r->env < 0 ? json_str(out, r->na) : (void)fputs("null", out);
        fputc('}', out);
    }
    fputs("],\"metrics\":[", out);
    for (int i = 0; i < xv->nm; i++) {
        const struct xv_metric *m = &xv->m[i];
        const struct report_row *row = &rep->rows[m->row];
        fputs(i ? ",{\"workload\":" : "{\"workload\":", out);
        json_str(out, rv->workloads[row->wl]);
        fputs(",\"metric\":", out);
        json_str(out, row->metric);
        fputs(",\"unit\":", out);
        json_str(out, row->unit);
        fprintf(out, ",\"better\":\"%s\",\"increments\":[", better_str(row->better));
        for (int s = 0; s < m->nincr; s++) {
            const struct xv_incr *st = &m->increment[s];
            fprintf(out, "%s{\"rung\":%d,\"from_rung\":%d,\"knob\":", s ? "," : "", st->rung,
                    st->from);
            json_str(out, xv->rung[st->rung].knob);
            fputs(",\"from\":", out);
            json_str(out, xv->rung[st->from].spec);
            fputs(",\"to\":", out);
            json_str(out, xv->rung[st->rung].spec);
            fputs(",\"overhead\":", out);
            st->has ? json_ov(out, &st->ov) : (void)fputs("null", out);
            fputs(",\"na\":", out);
            st->na && !st->has ? json_str(out, st->na) : (void)fputs("null", out);
            fputc('}', out);
        }
        fputs("],\"total\":", out);
        m->has_total ? json_ov(out, &row->cell[xv->env_idx].ov) : (void)fputs("null", out);
        fputs(",\"residual_pct\":", out);
        json_num(out, m->has_residual ? m->residual_pct : NAN);
        fputs(",\"residual_log\":", out);
        json_num(out, m->has_residual ? m->residual_log : NAN);
        fputc('}', out);
    }
    fputs("],\"residual_note\":", out);
    json_str(out, explain_residual_note);
    fputs(",\"perop\":{", out);
    for (int w = 0; w < rv->nwl; w++) {
        fputs(w ? "," : "", out);
        json_str(out, rv->workloads[w]);
        fputc(':', out);
        json_perop(rep, xv, w, out);
    }
    fputs("}}", out);
}

/* One CSV line of the view: env is "explain:<rung>:<knob>" (an increment),
 * "explain:residual" or "explain:total"; the overhead columns hold it. */
static void csv_line(const struct report *rep, const struct report_row *row, const char *env,
                     const struct overhead *o, double pct, FILE *out)
{
    const struct run_view *rv = rep->rv;
    fprintf(out, "%lld,%s,", (long long)rv->id, rv->uuid);
    report_csv_field(out, rv->workloads[row->wl]);
    fputc(',', out);
    report_csv_field(out, row->metric);
    fputc(',', out);
    report_csv_field(out, row->unit);
    fprintf(out, ",%s,", better_str(row->better));
    report_csv_field(out, env);
    fputs(",,,,,,,,,", out); /* n .. noisy: not a cell */
    if (!o) {
        report_csv_num(out, pct);
        fputs(",,,,,\n", out);
        return;
    }
    report_csv_num(out, o->pct);
    report_csv_num(out, o->ci.level > 0 ? o->ci.lo : NAN);
    report_csv_num(out, o->ci.level > 0 ? o->ci.hi : NAN);
    report_csv_num(out, o->ci.level);
    fprintf(out, ",%d,%d\n", o->rounds, o->within_noise);
}

void explain_csv(const struct report *rep, const struct explain_view *xv, FILE *out)
{
    for (int i = 0; i < xv->nm; i++) {
        const struct xv_metric *m = &xv->m[i];
        const struct report_row *row = &rep->rows[m->row];
        for (int s = 0; s < m->nincr; s++) {
            char env[128];
            snprintf(env, sizeof(env), "explain:%d:%s", m->increment[s].rung,
                     xv->rung[m->increment[s].rung].knob);
            if (m->increment[s].has) csv_line(rep, row, env, &m->increment[s].ov, 0, out);
        }
        if (m->has_residual) csv_line(rep, row, "explain:residual", NULL, m->residual_pct, out);
        if (m->has_total) csv_line(rep, row, "explain:total", &row->cell[xv->env_idx].ov, 0, out);
    }
}

int explain_emit(const struct report *rep, FILE *out, enum explain_fmt fmt, struct err *e)
{
    struct explain_view xv;
    if (explain_view_build(rep, &xv, e) < 0) return -1;
    if (!xv.nrung) return 0;
    switch (fmt) {
    case EXPLAIN_TEXT:
    case EXPLAIN_MD:
        explain_text(rep, &xv, out, fmt == EXPLAIN_MD);
        break;
    case EXPLAIN_JSON:
        explain_json(rep, &xv, out);
        break;
    case EXPLAIN_CSV:
        explain_csv(rep, &xv, out);
        break;
    case EXPLAIN_HTML:
        explain_html(rep, &xv, out);
        break;
    }
    explain_view_free(&xv);
    return 0;
}
