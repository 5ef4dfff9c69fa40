/* compare - see compare.h. Two runs are independent samples: the change is
 * the Hodges-Lehmann shift (median of all pairwise differences) relative
 * to A's median, with the exact Mann-Whitney interval, and the p-value
 * comes from relabelling the pooled values. Two environments of one run
 * are paired by round: the change is the median per-round change with
 * its order-statistic interval, and the p-value comes from sign flips. */
#include "report/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "report/report.h"

/* The values of one (workload, environment, metric) of a run, in
 * measurement order, with their rounds. */
struct series {
    double *v;
    int *rep;
    int n, better;
    char unit[LIM_METRIC_UNIT];
};

static int series_get(const struct run_view *rv, int wl, int env, const char *metric,
                      struct series *s)
{
    memset(s, 0, sizeof(*s));
    s->v = malloc(sizeof(double) * (size_t)(rv->npoints + 1));
    s->rep = malloc(sizeof(int) * (size_t)(rv->npoints + 1));
    if (!s->v || !s->rep) return -1;
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        if (p->wl != wl || p->env != env || strcmp(p->metric, metric)) continue;
        s->v[s->n] = p->value;
        s->rep[s->n++] = p->rep;
        s->better = p->better;
        snprintf(s->unit, sizeof(s->unit), "%s", p->unit);
    }
    return 0;
}

static void series_free(struct series *s)
{
    free(s->v);
    free(s->rep);
}

static struct compare_row *row_add(struct compare *c, struct err *e)
{
    struct compare_row *nr = realloc(c->rows, sizeof(*nr) * (size_t)(c->nrows + 1));
    if (!nr) {
        err_set(e, ERR_FAIL, "out of memory");
        return NULL;
    }
    c->rows = nr;
    memset(&nr[c->nrows], 0, sizeof(nr[0]));
    return &nr[c->nrows++];
}

/* The verdict: flagged only when significant AND beyond the noise. */
static void row_judge(struct compare *c, struct compare_row *r)
{
    if (r->verdict == CMP_NA) return;
    int sig = r->p < c->opts.alpha;
    if (sig && r->change_pct > c->opts.noise_pct) {
        r->verdict = CMP_REGRESSION;
        c->regressions++;
    } else if (sig && r->change_pct < -c->opts.noise_pct) {
        r->verdict = CMP_IMPROVEMENT;
        c->improvements++;
    } else {
        r->verdict = CMP_SAME;
    }
}

/* Relative change of an absolute shift of B against A's median, in the
 * worse-is-positive convention. */
static double rel(double shift, double base, int better)
{
    double pct = shift / fabs(base) * 100;
    return better == BETTER_HIGHER ? -pct : pct;
}

static void row_unpaired(struct compare *c, struct compare_row *r, const struct series *a,
                         const struct series *b)
{
    r->na = a->n;
    r->nb = b->n;
    r->median_a = stats_median(a->v, a->n);
    r->median_b = stats_median(b->v, b->n);
    if (a->n < 1 || b->n < 1 || r->median_a == 0) {
        r->verdict = CMP_NA;
        snprintf(r->why, sizeof(r->why), "%s",
                 a->n < 1 || b->n < 1 ? "a side has no value" : "A's median is 0");
        return;
    }
    double shift;
    struct interval iv;
    stats_shift_interval(a->v, a->n, b->v, b->n, &shift, &iv);
    r->change_pct = rel(shift, r->median_a, r->better);
    double lo = rel(iv.lo, r->median_a, r->better), hi = rel(iv.hi, r->median_a, r->better);
    r->ci.lo = lo < hi ? lo : hi;
    r->ci.hi = lo < hi ? hi : lo;
    r->ci.level = iv.level;
    r->p = stats_perm_p(a->v, a->n, b->v, b->n, c->opts.resamples, c->opts.seed);
    double ways = exp(lgamma(a->n + b->n + 1.0) - lgamma(a->n + 1.0) - lgamma(b->n + 1.0));
    r->p_min = ways <= c->opts.resamples ? 2 / ways : 1.0 / (1 + c->opts.resamples);
    if (r->p_min > 1) r->p_min = 1;
}

static void row_paired(struct compare *c, struct compare_row *r, const struct series *a,
                       const struct series *b)
{
    double *x = malloc(sizeof(double) * (size_t)(b->n + 1));
    double *y = malloc(sizeof(double) * (size_t)(b->n + 1));
    double *d = malloc(sizeof(double) * (size_t)(b->n + 1));
    int m = 0;
    for (int i = 0; x && y && d && i < b->n; i++)
        for (int k = 0; k < a->n; k++)
            if (a->rep[k] == b->rep[i]) {
                x[m] = a->v[k];
                y[m] = b->v[i];
                d[m] = y[m] - x[m];
                m++;
                break;
            }
    r->na = r->nb = m;
    r->median_a = stats_median(a->v, a->n);
    r->median_b = stats_median(b->v, b->n);
    struct overhead o;
    if (m < 1 || stats_overhead_paired(y, x, m, r->better, &o) < 0) {
        r->verdict = CMP_NA;
        snprintf(r->why, sizeof(r->why), "%s", m < 1 ? "no round both succeeded in" : "A is 0");
    } else {
        r->change_pct = o.pct;
        r->ci = o.ci;
        r->p = stats_signflip_p(d, m, c->opts.resamples, c->opts.seed);
        double ways = ldexp(1, m);
        r->p_min = ways <= c->opts.resamples ? 2 / ways : 1.0 / (1 + c->opts.resamples);
        if (r->p_min > 1) r->p_min = 1;
    }
    free(x);
    free(y);
    free(d);
}

static int env_index(const struct run_view *rv, const char *spec)
{
    for (int i = 0; i < rv->nenv; i++)
        if (!strcmp(rv->envs[i], spec)) return i;
    return -1;
}

static int wl_index(const struct run_view *rv, const char *name)
{
    for (int i = 0; i < rv->nwl; i++)
        if (!strcmp(rv->workloads[i], name)) return i;
    return -1;
}

/* "the runs differ in WHAT: X vs Y" */
static void warn(struct compare *c, const char *what, const char *x, const char *y)
{
    if (c->nwarn < 8)
        snprintf(c->warnings[c->nwarn++], sizeof(c->warnings[0]), "the runs differ in %s: %s vs %s",
                 what, x ? x : "?", y ? y : "?");
}

/* What differs between the runs besides what is compared: host, kernel,
 * isobench, preset, workload options. */
static void compare_warnings(struct compare *c, const struct run_view *a, const struct run_view *b)
{
    static const char *const keys[] = {"cpu_model",   "kernel",      "isobench_version",
                                       "build_flags", "cpus_online", NULL};
    for (int i = 0; keys[i]; i++) {
        const char *x = kv_get(&a->host, keys[i]), *y = kv_get(&b->host, keys[i]);
        if ((x || y) && (!x || !y || strcmp(x, y))) warn(c, keys[i], x, y);
    }
    if (a->size != b->size) warn(c, "size", size_str(a->size), size_str(b->size));
    for (int w = 0; w < a->nwl; w++) {
        int wb = wl_index(b, a->workloads[w]);
        if (wb < 0) continue;
        const struct kvlist *oa = &a->wl_opts[w], *ob = &b->wl_opts[wb];
        /* the first option that differs, either way round */
        for (int side = 0; side < 2; side++) {
            const struct kvlist *x = side ? ob : oa, *y = side ? oa : ob;
            for (int i = 0; i < x->n; i++) {
                const char *v = kv_get(y, x->v[i].key);
                if (v && !strcmp(v, x->v[i].val)) continue;
                char what[128], va[300], vb[300];
                snprintf(what, sizeof(what), "%.31s option %.63s", a->workloads[w], x->v[i].key);
                snprintf(va, sizeof(va), "%s", side ? (v ? v : "(unset)") : x->v[i].val);
                snprintf(vb, sizeof(vb), "%s", side ? x->v[i].val : (v ? v : "(unset)"));
                warn(c, what, va, vb);
                side = 2;
                break;
            }
        }
    }
}

/* One row: metric p->metric of workload wa / environment ea of run ra
 * against the same in run rb (wb, eb; -1 when rb lacks them), paired by
 * round or not. -1 when out of memory (c freed). */
static int compare_row(struct compare *c, const struct run_view *ra, int wa, int ea,
                       const struct run_view *rb, int wb, int eb, const struct rv_point *p,
                       struct err *e)
{
    struct series sa, sb;
    memset(&sb, 0, sizeof(sb));
    int rc = series_get(ra, wa, ea, p->metric, &sa);
    if (rc == 0 && wb >= 0 && eb >= 0) rc = series_get(rb, wb, eb, p->metric, &sb);
    struct compare_row *r = rc < 0 ? NULL : row_add(c, e);
    if (r) {
        snprintf(r->workload, sizeof(r->workload), "%s", ra->workloads[wa]);
        snprintf(r->metric, sizeof(r->metric), "%s", p->metric);
        snprintf(r->unit, sizeof(r->unit), "%s", p->unit);
        if (!c->paired) snprintf(r->env, sizeof(r->env), "%s", ra->envs[ea]);
        r->better = p->better;
        if (c->paired) {
            row_paired(c, r, &sa, &sb);
        } else {
            row_unpaired(c, r, &sa, &sb);
            if (r->verdict == CMP_NA && sb.n == 0)
                snprintf(r->why, sizeof(r->why), "B has no successful value");
        }
        row_judge(c, r);
    }
    series_free(&sa);
    series_free(&sb);
    if (r) return 0;
    compare_free(c);
    return rc < 0 ? err_set(e, ERR_FAIL, "out of memory") : -1;
}

/* 1 when point i is the first of its (workload, environment, metric). */
static int first_of_kind(const struct run_view *rv, int i)
{
    const struct rv_point *p = &rv->points[i];
    for (int k = 0; k < i; k++)
        if (rv->points[k].wl == p->wl && rv->points[k].env == p->env &&
            !strcmp(rv->points[k].metric, p->metric))
            return 0;
    return 1;
}

int compare_runs(const struct run_view *a, const struct run_view *b, const struct compare_opts *o,
                 struct compare *c, struct err *e)
{
    memset(c, 0, sizeof(*c));
    c->opts = *o;
    snprintf(c->a_label, sizeof(c->a_label), "run %lld (%s)", (long long)a->id, a->uuid);
    snprintf(c->b_label, sizeof(c->b_label), "run %lld (%s)", (long long)b->id, b->uuid);
    compare_warnings(c, a, b);
    for (int i = 0; i < a->npoints; i++) {
        const struct rv_point *p = &a->points[i];
        if (!first_of_kind(a, i)) continue; /* one row per workload, environment, metric */
        int wb = wl_index(b, a->workloads[p->wl]), eb = env_index(b, a->envs[p->env]);
        if (compare_row(c, a, p->wl, p->env, b, wb, eb, p, e) < 0) return -1;
    }
    if (c->nrows == 0) return err_set(e, ERR_USAGE, "run %s has no successful sample", c->a_label);
    return 0;
}

int compare_envs(const struct run_view *rv, int ea, int eb, const struct compare_opts *o,
                 struct compare *c, struct err *e)
{
    memset(c, 0, sizeof(*c));
    c->opts = *o;
    c->paired = 1;
    snprintf(c->a_label, sizeof(c->a_label), "%s in run %lld (%s)", rv->envs[ea], (long long)rv->id,
             rv->uuid);
    snprintf(c->b_label, sizeof(c->b_label), "%s", rv->envs[eb]);
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        if (p->env != ea || !first_of_kind(rv, i)) continue;
        if (compare_row(c, rv, p->wl, ea, rv, p->wl, eb, p, e) < 0) return -1;
    }
    if (c->nrows == 0) return err_set(e, ERR_USAGE, "%s has no successful sample", rv->envs[ea]);
    return 0;
}

void compare_free(struct compare *c)
{
    free(c->rows);
    c->rows = NULL;
    c->nrows = 0;
}

static const char *verdict_str(int v)
{
    return v == CMP_REGRESSION    ? "REGRESSION"
           : v == CMP_IMPROVEMENT ? "improvement"
           : v == CMP_NA          ? "n/a"
                                  : "same";
}

static void emit_table(const struct compare *c, FILE *out)
{
    fprintf(out, "A = %s\nB = %s%s\n", c->a_label, c->b_label,
            c->paired ? " (same run, paired by round)" : "");
    for (int i = 0; i < c->nwarn; i++)
        fprintf(out, "warning: %s\n", c->warnings[i]);
    fprintf(out, "\n%-10s %-16s %-8s %-6s %-28s %12s %12s  %-34s %-8s %s\n", "workload", "metric",
            "unit", "better", c->paired ? "" : "env", "A median", "B median",
            "change % [interval] level", "p", "verdict");
    for (int i = 0; i < c->nrows; i++) {
        const struct compare_row *r = &c->rows[i];
        char ch[80] = "", pv[24] = "";
        if (r->verdict != CMP_NA) {
            if (r->ci.level > 0)
                snprintf(ch, sizeof(ch), "%+.1f [%+.1f,%+.1f] %.0f%%", r->change_pct, r->ci.lo,
                         r->ci.hi, r->ci.level * 100);
            else
                snprintf(ch, sizeof(ch), "%+.1f [n/a]", r->change_pct);
            snprintf(pv, sizeof(pv), "%.4f%s", r->p, r->p_min >= c->opts.alpha ? "*" : "");
        }
        fprintf(out, "%-10s %-16s %-8s %-6s %-28.28s %12.5g %12.5g  %-34s %-8s %s%s%s\n",
                r->workload, r->metric, r->unit, better_str(r->better), r->env, r->median_a,
                r->median_b, ch, pv, verdict_str(r->verdict), r->why[0] ? ": " : "", r->why);
    }
    fprintf(out,
            "\nchange %% = how much worse B is than A (+ worse, - better); flagged when p < %g "
            "and |change| > %g %%; %d regression%s, %d improvement%s",
            c->opts.alpha, c->opts.noise_pct, c->regressions, c->regressions == 1 ? "" : "s",
            c->improvements, c->improvements == 1 ? "" : "s");
    int few = 0;
    for (int i = 0; i < c->nrows; i++)
        few |= c->rows[i].verdict != CMP_NA && c->rows[i].p_min >= c->opts.alpha;
    fprintf(out, "%s\n",
            few ? "; * too few repetitions for any p below alpha: such a row cannot be flagged"
                : "");
}

static void emit_json(const struct compare *c, FILE *out)
{
    fputs("{\"schema\":\"isobench.compare/1\",\"a\":", out);
    json_str(out, c->a_label);
    fputs(",\"b\":", out);
    json_str(out, c->b_label);
    fprintf(out, ",\"paired\":%s,\"alpha\":", c->paired ? "true" : "false");
    json_num(out, c->opts.alpha);
    fputs(",\"noise_pct\":", out);
    json_num(out, c->opts.noise_pct);
    fputs(",\"warnings\":[", out);
    for (int i = 0; i < c->nwarn; i++) {
        if (i) fputc(',', out);
        json_str(out, c->warnings[i]);
    }
    fputs("],\"rows\":[", out);
    for (int i = 0; i < c->nrows; i++) {
        const struct compare_row *r = &c->rows[i];
        fputs(i ? ",{\"workload\":" : "{\"workload\":", out);
        json_str(out, r->workload);
        fputs(",\"metric\":", out);
        json_str(out, r->metric);
        fputs(",\"unit\":", out);
        json_str(out, r->unit);
        fputs(",\"better\":", out);
        json_str(out, better_str(r->better));
        fputs(",\"env\":", out);
        json_str(out, r->env);
        fprintf(out, ",\"n_a\":%d,\"n_b\":%d,\"median_a\":", r->na, r->nb);
        json_num(out, r->median_a);
        fputs(",\"median_b\":", out);
        json_num(out, r->median_b);
        int ok = r->verdict != CMP_NA;
        fputs(",\"change_pct\":", out);
        json_num(out, ok ? r->change_pct : NAN);
        fputs(",\"change_ci_low_pct\":", out);
        json_num(out, ok && r->ci.level > 0 ? r->ci.lo : NAN);
        fputs(",\"change_ci_high_pct\":", out);
        json_num(out, ok && r->ci.level > 0 ? r->ci.hi : NAN);
        fputs(",\"change_ci_level\":", out);
        json_num(out, ok ? r->ci.level : NAN);
        fputs(",\"p\":", out);
        json_num(out, ok ? r->p : NAN);
        fputs(",\"p_min\":", out);
        json_num(out, ok ? r->p_min : NAN);
        fputs(",\"verdict\":", out);
        json_str(out, verdict_str(r->verdict));
        if (r->why[0]) {
            fputs(",\"why\":", out);
            json_str(out, r->why);
        }
        fputc('}', out);
    }
    fprintf(out, "],\"regressions\":%d,\"improvements\":%d}\n", c->regressions, c->improvements);
}

static void emit_csv(const struct compare *c, FILE *out)
{
    fputs("workload,metric,unit,better,env,n_a,n_b,median_a,median_b,change_pct,"
          "change_ci_low_pct,change_ci_high_pct,change_ci_level,p,p_min,verdict\n",
          out);
    for (int i = 0; i < c->nrows; i++) {
        const struct compare_row *r = &c->rows[i];
        int ok = r->verdict != CMP_NA;
        /* names and units are single words; the env spec has commas: quoted */
        fprintf(out, "%s,%s,%s,%s,\"", r->workload, r->metric, r->unit, better_str(r->better));
        for (const char *q = r->env; *q; q++)
            fputs(*q == '"' ? "\"\"" : (char[]){*q, 0}, out);
        fprintf(out, "\",%d,%d", r->na, r->nb);
        report_csv_num(out, r->median_a);
        report_csv_num(out, r->median_b);
        report_csv_num(out, ok ? r->change_pct : NAN);
        report_csv_num(out, ok && r->ci.level > 0 ? r->ci.lo : NAN);
        report_csv_num(out, ok && r->ci.level > 0 ? r->ci.hi : NAN);
        report_csv_num(out, ok ? r->ci.level : NAN);
        report_csv_num(out, ok ? r->p : NAN);
        report_csv_num(out, ok ? r->p_min : NAN);
        fprintf(out, ",%s\n", verdict_str(r->verdict));
    }
}

int compare_emit(const struct compare *c, const char *format, FILE *out, struct err *e)
{
    if (!strcmp(format, "table"))
        emit_table(c, out);
    else if (!strcmp(format, "json"))
        emit_json(c, out);
    else if (!strcmp(format, "csv"))
        emit_csv(c, out);
    else
        return err_set(e, ERR_USAGE, "unknown format '%s' (table, json or csv)", format);
    return 0;
}
