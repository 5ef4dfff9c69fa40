/* compare - see compare.h. Every test is on the log scale, where a
 * multiplicative change is a shift: two runs are independent samples (a
 * two-sample t on the logs: the change is the ratio of geometric means,
 * its interval from the same t), two environments of one run are paired
 * by round (a one-sample t on the per-round log-ratios); several runs a
 * side are tested on the runs' log-means (compare_runs.c). The p-value and
 * the interval come from one statistic. Each row's variance is moderated
 * by the other rows' (stats_moderate_prior: with 6 rounds a row's own
 * variance is a poor estimate, and a t on 5 degrees of freedom cannot
 * survive 40 rows' correction); a t-test reaches any p from 2 values a
 * side (the permutation tests before could not go below 2/64 with 6
 * paired rounds, and so never flagged at alpha 0.01); Holm's step-down
 * over the rows keeps the family-wise error at alpha.
 * tests/unit/test_compare_sim.c measures all three by simulation. */
#include "report/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/pcount.h"
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

/* A new zeroed row at the end of c->rows; NULL when out of memory. */
struct compare_row *compare_row_new(struct compare *c, struct err *e)
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

/* The verdict from the row's Holm-adjusted p: flagged only when
 * significant for the family AND beyond the noise. */
static void row_judge(struct compare *c, struct compare_row *r)
{
    if (r->verdict == CMP_NA) return;
    int sig = r->p_holm < c->opts.alpha;
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

/* A log-ratio d = log(B/A) as "how much worse B is than A", in %. */
static double worse_pct(double d, int better)
{
    return better == BETTER_HIGHER ? (1 - exp(d)) * 100 : (exp(d) - 1) * 100;
}

/* Fills the row from a t statistic on the log scale: the estimate d of
 * log(B/A), its standard error se and df, q the t's CMP_LEVEL quantile at
 * df; the p-value (two-sided) and the CMP_LEVEL interval come from the
 * same t. se 0 (no spread at all): p is 0 when d differs from 0, else 1. */
static void row_t(struct compare_row *r, double d, double se, double df, double q)
{
    double lo = d, hi = d;
    if (se > 0) {
        double t = d / se;
        r->p = 2 * stats_t_cdf(-fabs(t), df);
        lo = d - q * se;
        hi = d + q * se;
    } else {
        r->p = d != 0 ? 0 : 1;
    }
    r->change_pct = worse_pct(d, r->better);
    double a = worse_pct(lo, r->better), b = worse_pct(hi, r->better);
    r->ci.lo = a < b ? a : b;
    r->ci.hi = a < b ? b : a;
    r->ci.level = CMP_LEVEL;
    r->df = df;
}

/* "needs ..." into why when the values cannot be tested: fewer than 2 a
 * side, or a value that is not positive (no log). */
static int untestable(const double *v, int n, const char *side, char *why, size_t len)
{
    if (n < 2) {
        snprintf(why, len, "%s has %d value%s: a test needs 2 or more (more rounds)", side, n,
                 n == 1 ? "" : "s");
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (!(v[i] > 0)) {
            snprintf(why, len, "%s has a value <= 0: no ratio to test", side);
            return 1;
        }
    return 0;
}

/* Mean and sample variance of log(v). */
static void log_moments(const double *v, int n, double *mean, double *var)
{
    double m = 0, q = 0;
    for (int i = 0; i < n; i++)
        m += log(v[i]);
    m /= n;
    for (int i = 0; i < n; i++)
        q += (log(v[i]) - m) * (log(v[i]) - m);
    *mean = m;
    *var = n > 1 ? q / (n - 1) : 0;
}

static void row_unpaired(struct compare *c, struct compare_row *r, const struct series *a,
                         const struct series *b)
{
    (void)c;
    r->na = a->n;
    r->nb = b->n;
    r->median_a = stats_median(a->v, a->n);
    r->median_b = stats_median(b->v, b->n);
    if (untestable(a->v, a->n, "A", r->why, sizeof(r->why)) ||
        untestable(b->v, b->n, "B", r->why, sizeof(r->why))) {
        r->verdict = CMP_NA;
        return;
    }
    double ma, va, mb, vb;
    log_moments(a->v, a->n, &ma, &va);
    log_moments(b->v, b->n, &mb, &vb);
    r->d = mb - ma; /* pooled variance of the logs on na + nb - 2 df */
    r->df_row = a->n + b->n - 2;
    r->s2 = ((a->n - 1) * va + (b->n - 1) * vb) / r->df_row;
    r->k = sqrt(1.0 / a->n + 1.0 / b->n);
}

static void row_paired(struct compare *c, struct compare_row *r, const struct series *a,
                       const struct series *b)
{
    (void)c;
    double *x = malloc(sizeof(double) * (size_t)(b->n + 1));
    double *y = malloc(sizeof(double) * (size_t)(b->n + 1));
    int m = 0;
    for (int i = 0; x && y && i < b->n; i++)
        for (int k = 0; k < a->n; k++)
            if (a->rep[k] == b->rep[i]) {
                x[m] = a->v[k];
                y[m] = b->v[i];
                m++;
                break;
            }
    r->na = r->nb = m;
    r->median_a = stats_median(a->v, a->n);
    r->median_b = stats_median(b->v, b->n);
    if (!x || !y || untestable(x, m, "A's paired rounds", r->why, sizeof(r->why)) ||
        untestable(y, m, "B's paired rounds", r->why, sizeof(r->why))) {
        r->verdict = CMP_NA;
    } else {
        double md = 0, q = 0;
        for (int i = 0; i < m; i++)
            md += log(y[i] / x[i]);
        md /= m;
        for (int i = 0; i < m; i++)
            q += (log(y[i] / x[i]) - md) * (log(y[i] / x[i]) - md);
        r->d = md; /* the rounds' log-ratios: their variance on m - 1 df */
        r->df_row = m - 1;
        r->s2 = q / (m - 1);
        r->k = 1 / sqrt(m);
    }
    free(x);
    free(y);
}

/* Every tested row's t-test, its variance moderated (Smyth's empirical
 * Bayes, limma's t: stats_moderate_prior): a row's variance from 6 rounds
 * is itself noisy, and the rows of a comparison say what variances are
 * usual - when they agree, each row borrows their degrees of freedom,
 * when they differ, little. Then Holm's step-down adjustment of every
 * tested row's p (the family: all rows of this comparison), then each
 * verdict: the chance that any row is flagged while nothing changed stays
 * at alpha. One run a side, c->spread_var (the assumed run-to-run
 * variance of log(B/A)) is added to each row's squared standard error. */
void compare_judge_all(struct compare *c)
{
    double *s2 = malloc(sizeof(double) * (size_t)(c->nrows + 1));
    double *dfs = malloc(sizeof(double) * (size_t)(c->nrows + 1));
    int n = 0;
    for (int i = 0; s2 && dfs && i < c->nrows; i++)
        if (c->rows[i].verdict != CMP_NA) {
            s2[n] = c->rows[i].s2;
            dfs[n++] = c->rows[i].df_row;
        }
    double d0 = 0, s02 = 0;
    if (s2 && dfs) stats_moderate_prior(s2, dfs, n, &d0, &s02);
    free(s2);
    free(dfs);
    c->prior_df = d0;
    double qdf = NAN, q = 0; /* the quantile of the last df: rows mostly share one */
    for (int i = 0; i < c->nrows; i++) {
        struct compare_row *r = &c->rows[i];
        if (r->verdict == CMP_NA) continue;
        double v = d0 > 0 ? (d0 * s02 + r->df_row * r->s2) / (d0 + r->df_row) : r->s2;
        double df = r->df_row + d0;
        if (!(df == qdf)) q = stats_t_quantile(1 - (1 - CMP_LEVEL) / 2, qdf = df);
        row_t(r, r->d, sqrt(v * r->k * r->k + c->spread_var), df, q);
        r->p_holm = 1; /* until adjusted: never flagged without Holm */
    }
    int k = 0; /* Holm over the tested rows */
    int *idx = malloc(sizeof(int) * (size_t)(c->nrows + 1));
    double *p = malloc(sizeof(double) * (size_t)(c->nrows + 1));
    double *adj = malloc(sizeof(double) * (size_t)(c->nrows + 1));
    for (int i = 0; idx && p && adj && i < c->nrows; i++)
        if (c->rows[i].verdict != CMP_NA) {
            p[k] = c->rows[i].p;
            idx[k++] = i;
        }
    if (idx && p && adj) stats_holm(p, k, adj);
    for (int j = 0; idx && p && adj && j < k; j++)
        c->rows[idx[j]].p_holm = adj[j];
    c->tested = idx && p && adj ? k : 0; /* out of memory: nothing tested, cannot decide */
    free(idx);
    free(p);
    free(adj);
    for (int i = 0; i < c->nrows; i++)
        row_judge(c, &c->rows[i]);
}

/* One row: metric p->metric of workload wa / environment ea of run ra
 * against the same in run rb (wb, eb; -1 when rb lacks them), paired by
 * round (c->paired) or not. -1 when out of memory (c freed). */
int compare_row_one(struct compare *c, const struct run_view *ra, int wa, int ea,
                    const struct run_view *rb, int wb, int eb, const struct rv_point *p,
                    struct err *e)
{
    struct series sa, sb;
    memset(&sb, 0, sizeof(sb));
    int rc = series_get(ra, wa, ea, p->metric, &sa);
    if (rc == 0 && wb >= 0 && eb >= 0) rc = series_get(rb, wb, eb, p->metric, &sb);
    struct compare_row *r = rc < 0 ? NULL : compare_row_new(c, e);
    if (r) {
        snprintf(r->workload, sizeof(r->workload), "%s", ra->workloads[wa]);
        snprintf(r->metric, sizeof(r->metric), "%s", p->metric);
        snprintf(r->unit, sizeof(r->unit), "%s", p->unit);
        if (!c->paired) snprintf(r->env, sizeof(r->env), "%s", ra->envs[ea]);
        r->better = p->better;
        r->ka = sa.n > 0;
        r->kb = sb.n > 0;
        if (c->paired) {
            row_paired(c, r, &sa, &sb);
        } else {
            row_unpaired(c, r, &sa, &sb);
            if (r->verdict == CMP_NA && sb.n == 0)
                snprintf(r->why, sizeof(r->why), "B has no successful value");
        }
    }
    series_free(&sa);
    series_free(&sb);
    if (r) return 0;
    compare_free(c);
    return rc < 0 ? err_set(e, ERR_FAIL, "out of memory") : -1;
}

/* 1 when point i is the first of its (workload, environment, metric);
 * 0 for a per-operation counter (perop.*), which compare leaves out. */
int compare_first_of_kind(const struct run_view *rv, int i)
{
    const struct rv_point *p = &rv->points[i];
    if (pcount_is_perop(p->metric)) return 0;
    for (int k = 0; k < i; k++)
        if (rv->points[k].wl == p->wl && rv->points[k].env == p->env &&
            !strcmp(rv->points[k].metric, p->metric))
            return 0;
    return 1;
}

int compare_envs(const struct run_view *rv, int ea, int eb, const struct compare_opts *o,
                 struct compare *c, struct err *e)
{
    memset(c, 0, sizeof(*c));
    c->opts = *o;
    c->paired = 1;
    c->design = CMP_PAIRED;
    snprintf(c->design_text, sizeof(c->design_text),
             "two environments of one run, paired by round: the same run, so no run-to-run "
             "spread enters");
    for (int s = 0; s < 2; s++) {
        c->side[s].n = 1;
        c->side[s].id[0] = rv->id;
        snprintf(c->side[s].uuid[0], sizeof(c->side[s].uuid[0]), "%s", rv->uuid);
    }
    snprintf(c->a_label, sizeof(c->a_label), "%s in run %lld (%s)", rv->envs[ea], (long long)rv->id,
             rv->uuid);
    snprintf(c->b_label, sizeof(c->b_label), "%s", rv->envs[eb]);
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        if (p->env != ea || !compare_first_of_kind(rv, i)) continue;
        if (compare_row_one(c, rv, p->wl, ea, rv, p->wl, eb, p, e) < 0) return -1;
    }
    if (c->nrows == 0) return err_set(e, ERR_USAGE, "%s has no successful sample", rv->envs[ea]);
    compare_judge_all(c);
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

/* The table's legend: what the numbers are, under which design. */
static void emit_legend(const struct compare *c, FILE *out)
{
    const char *of = c->design == CMP_PAIRED ? " of the rounds' ratios (paired by round)"
                     : c->design == CMP_RUNS ? " (each run's geometric mean, then their mean: "
                                               "the test is across runs)"
                                             : "";
    char wide[96] = "";
    if (c->spread_var > 0)
        snprintf(wide, sizeof(wide), ", widened by the assumed %g %% run-to-run spread",
                 c->opts.run_spread_pct);
    fprintf(out,
            "\nchange %% = how much worse B is than A (+ worse, - better), the ratio of geometric "
            "means%s, its %.0f %% interval from the same t-test on the logs (each row's variance "
            "moderated by the others': %.0f prior degrees of freedom%s); p = the test's two-sided "
            "p, Holm-adjusted over the %d rows tested (the chance of any false flag among them "
            "stays at %g); flagged when that p < %g and |change| > %g %%; %d regression%s, %d "
            "improvement%s\n",
            of, CMP_LEVEL * 100, c->prior_df > 1e6 ? INFINITY : c->prior_df, wide, c->tested,
            c->opts.alpha, c->opts.alpha, c->opts.noise_pct, c->regressions,
            c->regressions == 1 ? "" : "s", c->improvements, c->improvements == 1 ? "" : "s");
    if (c->tested == 0) fputs("note: no row could be tested: cannot decide (exit 4)\n", out);
}

static void emit_table(const struct compare *c, FILE *out)
{
    int runs = c->design == CMP_RUNS;
    fprintf(out, "A = %s\nB = %s\ndesign: %s\n", c->a_label, c->b_label, c->design_text);
    for (int i = 0; i < c->nwarn; i++)
        fprintf(out, "warning: %s\n", c->warnings[i]);
    fprintf(out, "\n%-10s %-16s %-8s %-6s %-28s %12s %12s %s %-34s %-8s %s\n", "workload", "metric",
            "unit", "better", c->paired ? "" : "env", "A median", "B median",
            runs ? " runs A/B " : "", "change % [interval] level", "p (Holm)", "verdict");
    for (int i = 0; i < c->nrows; i++) {
        const struct compare_row *r = &c->rows[i];
        char ch[80] = "", pv[24] = "", kk[24] = "";
        if (r->verdict != CMP_NA) {
            if (r->ci.level > 0)
                snprintf(ch, sizeof(ch), "%+.1f [%+.1f,%+.1f] %.0f%%", r->change_pct, r->ci.lo,
                         r->ci.hi, r->ci.level * 100);
            else
                snprintf(ch, sizeof(ch), "%+.1f [n/a]", r->change_pct);
            snprintf(pv, sizeof(pv), "%.2g", r->p_holm);
        }
        if (runs) snprintf(kk, sizeof(kk), " %4d/%-4d", r->ka, r->kb);
        fprintf(out, "%-10s %-16s %-8s %-6s %-28.28s %12.5g %12.5g %s %-34s %-8s %s%s%s\n",
                r->workload, r->metric, r->unit, better_str(r->better), r->env, r->median_a,
                r->median_b, kk, ch, pv, verdict_str(r->verdict), r->why[0] ? ": " : "", r->why);
    }
    emit_legend(c, out);
}

/* "a_runs":[{"id":1,"uuid":"..."},...] for side s. */
static void emit_json_side(const struct compare *c, int s, FILE *out)
{
    fprintf(out, ",\"%s_runs\":[", s ? "b" : "a");
    for (int j = 0; j < c->side[s].n; j++) {
        fprintf(out, "%s{\"id\":%lld,\"uuid\":", j ? "," : "", (long long)c->side[s].id[j]);
        json_str(out, c->side[s].uuid[j]);
        fputc('}', out);
    }
    fputc(']', out);
}

/* One row as a JSON object. */
static void emit_json_row(const struct compare_row *r, FILE *out)
{
    fputs("{\"workload\":", out);
    json_str(out, r->workload);
    fputs(",\"metric\":", out);
    json_str(out, r->metric);
    fputs(",\"unit\":", out);
    json_str(out, r->unit);
    fputs(",\"better\":", out);
    json_str(out, better_str(r->better));
    fputs(",\"env\":", out);
    json_str(out, r->env);
    fprintf(out, ",\"n_a\":%d,\"n_b\":%d,\"runs_a\":%d,\"runs_b\":%d,\"median_a\":", r->na, r->nb,
            r->ka, r->kb);
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
    fputs(",\"p_holm\":", out);
    json_num(out, ok ? r->p_holm : NAN);
    fputs(",\"df\":", out);
    json_num(out, ok ? r->df : NAN);
    fputs(",\"verdict\":", out);
    json_str(out, verdict_str(r->verdict));
    if (r->why[0]) {
        fputs(",\"why\":", out);
        json_str(out, r->why);
    }
    fputc('}', out);
}

static void emit_json(const struct compare *c, FILE *out)
{
    fputs("{\"schema\":\"isobench.compare/3\",\"a\":", out);
    json_str(out, c->a_label);
    fputs(",\"b\":", out);
    json_str(out, c->b_label);
    emit_json_side(c, 0, out);
    emit_json_side(c, 1, out);
    fputs(",\"design\":", out);
    json_str(out, c->design_text);
    fputs(",\"run_spread_pct\":", out);
    json_num(out, c->design == CMP_ONE_RUN ? c->opts.run_spread_pct : NAN);
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
        if (i) fputc(',', out);
        emit_json_row(&c->rows[i], out);
    }
    fputs("],\"prior_df\":", out);
    json_num(out, c->prior_df);
    fprintf(out, ",\"tested\":%d,\"regressions\":%d,\"improvements\":%d}\n", c->tested,
            c->regressions, c->improvements);
}

static void emit_csv(const struct compare *c, FILE *out)
{
    fputs("workload,metric,unit,better,env,n_a,n_b,median_a,median_b,change_pct,"
          "change_ci_low_pct,change_ci_high_pct,change_ci_level,p,p_holm,df,verdict,runs_a,"
          "runs_b\n",
          out);
    for (int i = 0; i < c->nrows; i++) {
        const struct compare_row *r = &c->rows[i];
        int ok = r->verdict != CMP_NA;
        /* every text field quoted (report_csv_field) */
        report_csv_field(out, r->workload);
        fputc(',', out);
        report_csv_field(out, r->metric);
        fputc(',', out);
        report_csv_field(out, r->unit);
        fprintf(out, ",%s,", better_str(r->better));
        report_csv_field(out, r->env);
        fprintf(out, ",%d,%d", r->na, r->nb);
        report_csv_num(out, r->median_a);
        report_csv_num(out, r->median_b);
        report_csv_num(out, ok ? r->change_pct : NAN);
        report_csv_num(out, ok && r->ci.level > 0 ? r->ci.lo : NAN);
        report_csv_num(out, ok && r->ci.level > 0 ? r->ci.hi : NAN);
        report_csv_num(out, ok ? r->ci.level : NAN);
        report_csv_num(out, ok ? r->p : NAN);
        report_csv_num(out, ok ? r->p_holm : NAN);
        report_csv_num(out, ok ? r->df : NAN);
        fprintf(out, ",%s,%d,%d\n", verdict_str(r->verdict), r->ka, r->kb);
    }
}

int compare_emit_table(const struct compare *c, FILE *out, struct err *e)
{
    (void)e;
    emit_table(c, out);
    return 0;
}

int compare_emit_json(const struct compare *c, FILE *out, struct err *e)
{
    (void)e;
    emit_json(c, out);
    return 0;
}

int compare_emit_csv(const struct compare *c, FILE *out, struct err *e)
{
    (void)e;
    emit_csv(c, out);
    return 0;
}
