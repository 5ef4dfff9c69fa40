#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/pcount.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* p's row in rows[*n] (the headline rows or the perop.* ones), made when new. */
static struct report_row *row_get(struct report_row **rows, int *n, const struct rv_point *p,
                                  int *cap, struct err *e)
{
    for (int i = 0; i < *n; i++)
        if ((*rows)[i].wl == p->wl && strcmp((*rows)[i].metric, p->metric) == 0) return &(*rows)[i];
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        struct report_row *nr = realloc(*rows, sizeof(*nr) * (size_t)*cap);
        if (!nr) {
            err_set(e, ERR_FAIL, "out of memory");
            return NULL;
        }
        *rows = nr;
    }
    struct report_row *r = &(*rows)[(*n)++];
    memset(r, 0, sizeof(*r));
    r->wl = p->wl;
    snprintf(r->metric, sizeof(r->metric), "%s", p->metric);
    snprintf(r->unit, sizeof(r->unit), "%s", p->unit);
    r->better = p->better;
    return r;
}

/* 1 when round rep of workload wl was split across a --resume (run fact
 * split_round.<workload>.<round>): its halves were measured apart, so
 * they are not a pair. */
static int split_round(const struct run_view *rv, int wl, int rep)
{
    char k[LIM_WORKLOAD_NAME + 32];
    snprintf(k, sizeof(k), "split_round.%s.%d", rv->workloads[wl], rep);
    return kv_get(&rv->host, k) != NULL;
}

/* The mean and variance of log(env/native) over m pairs into the cell
 * (lr_n 0 when a value is not positive: no log, no test). */
static void log_ratios(struct report_cell *c, const double *ev, const double *nv, int m)
{
    double sum = 0, q = 0;
    c->lr_n = 0;
    for (int i = 0; i < m; i++) {
        if (!(ev[i] > 0 && nv[i] > 0)) return;
        sum += log(ev[i] / nv[i]);
    }
    double mean = m ? sum / m : 0;
    for (int i = 0; i < m; i++)
        q += (log(ev[i] / nv[i]) - mean) * (log(ev[i] / nv[i]) - mean);
    c->lr_n = m;
    c->lr_mean = mean;
    c->lr_var = m > 1 ? q / (m - 1) : 0;
}

/* 1 when the overhead interval, as printed (0.1 points), holds 0. */
static int holds_zero(const struct interval *iv)
{
    return iv->level == 0 || (round(iv->lo * 10) <= 0 && round(iv->hi * 10) >= 0);
}

/* The "~" marks as one family: each overhead cell's paired rounds tested
 * against no change (a t on the log-ratios, each cell's variance
 * moderated by the others' - stats_moderate_prior - as compare does),
 * Holm over every cell of the report. A cell is "~" when its printed
 * interval holds 0 OR the family's test does not reject at 1 -
 * STATS_LEVEL: with 40 cells and no real difference anywhere, some cell
 * without "~" appears in at most 5 % of reports, not in most of them. */
static int report_mark_noise(struct report *rep)
{
    int n = 0, cap = rep->nrows * LIM_ENVS + 1;
    double *s2 = malloc(sizeof(double) * (size_t)cap), *df = malloc(sizeof(double) * (size_t)cap);
    double *p = malloc(sizeof(double) * (size_t)cap), *adj = malloc(sizeof(double) * (size_t)cap);
    struct report_cell **cell = malloc(sizeof(*cell) * (size_t)cap);
    int rc = s2 && df && p && adj && cell ? 0 : -1;
    for (int i = 0; rc == 0 && i < rep->nrows; i++)
        for (int j = 0; j < rep->rv->nenv; j++) {
            struct report_cell *c = &rep->rows[i].cell[j];
            if (!c->has_overhead) continue;
            c->ov.within_noise = holds_zero(&c->ov.ci);
            if (c->lr_n < 2) continue;
            s2[n] = c->lr_var;
            df[n] = c->lr_n - 1;
            cell[n++] = c;
        }
    double d0 = 0, s02 = 0;
    if (rc == 0) stats_moderate_prior(s2, df, n, &d0, &s02);
    for (int k = 0; rc == 0 && k < n; k++) {
        const struct report_cell *c = cell[k];
        double v = d0 > 0 ? (d0 * s02 + df[k] * s2[k]) / (d0 + df[k]) : s2[k];
        double se = sqrt(v / c->lr_n);
        p[k] = se > 0 ? 2 * stats_t_cdf(-fabs(c->lr_mean / se), df[k] + d0)
                      : (c->lr_mean != 0 ? 0 : 1);
    }
    if (rc == 0) stats_holm(p, n, adj);
    for (int k = 0; rc == 0 && k < n; k++) {
        cell[k]->p_holm = adj[k];
        cell[k]->ov.within_noise |= !(adj[k] < 1 - STATS_LEVEL);
    }
    rep->tested = rc == 0 ? n : 0;
    free(s2);
    free(df);
    free(p);
    free(adj);
    free(cell);
    return rc;
}

int report_overhead(const struct run_view *rv, int wl, struct report_cell *c,
                    const struct report_cell *nat, int better, double level)
{
    double *ev = malloc(sizeof(double) * (size_t)c->n), *nv = malloc(sizeof(double) * (size_t)c->n);
    if (!ev || !nv) {
        free(ev);
        free(nv);
        return -1;
    }
    int m = 0;
    for (int i = 0; i < c->n; i++)
        for (int k = 0; k < nat->n && !split_round(rv, wl, c->reps[i]); k++)
            if (nat->reps[k] == c->reps[i]) {
                ev[m] = c->values[i];
                nv[m++] = nat->values[k];
                break;
            }
    c->has_overhead = m > 0 && stats_overhead_paired_at(ev, nv, m, better, level, &c->ov) == 0;
    log_ratios(c, ev, nv, m);
    free(ev);
    free(nv);
    return 0;
}

/* The sequential design of a --target-ci run, from its run facts. */
static void report_design(struct report *rep)
{
    const char *k = kv_get(&rep->rv->host, "target_ci.looks");
    const char *l = kv_get(&rep->rv->host, "target_ci.level");
    rep->seq_looks = k ? atoi(k) : 0;
    rep->seq_level = l ? atof(l) : 0;
    if (rep->seq_looks < 1 || !(rep->seq_level >= STATS_LEVEL && rep->seq_level < 1)) {
        rep->seq_looks = 0;
        rep->seq_level = STATS_LEVEL;
    }
}

/* The cell's median interval again at level (a sequential design's). */
static int report_reinterval(struct report_cell *c, double level)
{
    double *v = malloc(sizeof(double) * (size_t)c->n);
    if (!v) return -1;
    memcpy(v, c->values, sizeof(double) * (size_t)c->n);
    qsort(v, (size_t)c->n, sizeof(double), cmp_double);
    stats_median_interval_at(v, c->n, level, &c->s.ci);
    free(v);
    return 0;
}

/* Failed measured samples of workload wl in environment env. */
static int failed_samples(const struct run_view *rv, int wl, int env)
{
    int n = 0;
    for (int k = 0; k < rv->nfailures; k++)
        n += rv->failures[k].wl == wl && rv->failures[k].env == env && !rv->failures[k].warmup;
    return n;
}

int report_build(const struct run_view *rv, struct report *rep, struct err *e)
{
    memset(rep, 0, sizeof(*rep));
    rep->rv = rv;
    rep->native = -1;
    for (int i = 0; i < rv->nenv; i++)
        if (strcmp(rv->envs[i], "native") == 0) rep->native = i;
    report_design(rep);
    int cap = 0, pcap = 0;
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        int po = pcount_is_perop(p->metric); /* kept apart: no overhead, not in the tables */
        struct report_row *r = po ? row_get(&rep->perop, &rep->nperop, p, &pcap, e)
                                  : row_get(&rep->rows, &rep->nrows, p, &cap, e);
        if (!r) goto fail;
        struct report_cell *c = &r->cell[p->env];
        double *nv = realloc(c->values, sizeof(double) * (size_t)(c->n + 1));
        if (!nv) {
            err_set(e, ERR_FAIL, "out of memory");
            goto fail;
        }
        c->values = nv;
        int *nr = realloc(c->reps, sizeof(int) * (size_t)(c->n + 1));
        if (!nr) {
            err_set(e, ERR_FAIL, "out of memory");
            goto fail;
        }
        c->reps = nr;
        c->reps[c->n] = p->rep;
        c->values[c->n++] = p->value;
    }
    for (int i = 0; i < rep->nrows; i++) {
        struct report_row *r = &rep->rows[i];
        for (int j = 0; j < rv->nenv; j++) {
            struct report_cell *c = &r->cell[j];
            c->failed = failed_samples(rv, r->wl, j);
            c->p_holm = NAN;
            if (c->n == 0) continue;
            stats_summarize(c->values, c->n, &c->s);
            if (rep->seq_looks && report_reinterval(c, rep->seq_level) < 0) goto nomem;
            if (rep->native < 0 || j == rep->native) continue;
            if (report_overhead(rv, r->wl, c, &r->cell[rep->native], r->better, rep->seq_level) < 0)
                goto nomem;
        }
    }
    for (int i = 0; i < rep->nperop; i++)
        for (int j = 0; j < rv->nenv; j++) {
            struct report_cell *c = &rep->perop[i].cell[j];
            c->p_holm = NAN;
            if (c->n) stats_summarize(c->values, c->n, &c->s);
        }
    if (report_mark_noise(rep) < 0) goto nomem;
    /* No value although the environment failed no sample of the workload:
     * it does not produce this metric (not a failure). */
    for (int i = 0; i < rep->nrows; i++)
        for (int j = 0; j < rv->nenv; j++) {
            struct report_cell *c = &rep->rows[i].cell[j];
            int failed = 0;
            for (int k = 0; k < rv->nfailures; k++)
                failed |= rv->failures[k].wl == rep->rows[i].wl && rv->failures[k].env == j;
            c->unreported = c->n == 0 && !failed;
        }
    return 0;
nomem:
    err_set(e, ERR_FAIL, "out of memory");
fail:
    report_free(rep);
    return -1;
}

static void rows_free(struct report_row **rows, int *n)
{
    for (int i = 0; i < *n; i++)
        for (int j = 0; j < LIM_ENVS; j++) {
            free((*rows)[i].cell[j].values);
            free((*rows)[i].cell[j].reps);
        }
    free(*rows);
    *rows = NULL;
    *n = 0;
}

void report_free(struct report *rep)
{
    rows_free(&rep->rows, &rep->nrows);
    rows_free(&rep->perop, &rep->nperop);
}

static void fmt_value(char *buf, size_t len, double v)
{
    double a = v < 0 ? -v : v;
    if (a >= 1000)
        snprintf(buf, len, "%.0f", v);
    else if (a >= 100)
        snprintf(buf, len, "%.1f", v);
    else if (a >= 1)
        snprintf(buf, len, "%.2f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

/* " 93.8%" after an interval below STATS_LEVEL, else nothing. */
static const char *level_note(const struct interval *iv, char *buf, size_t len)
{
    buf[0] = '\0';
    if (iv->level > 0 && iv->level < STATS_LEVEL - 1e-9)
        snprintf(buf, len, " %.1f%%", iv->level * 100);
    return buf;
}

/* One cell's text: "median [lo, hi] [level] [!]" and, against native,
 * "overhead% [lo,hi] [level] [~]", then "(n=5/6, 1 failed)" when samples
 * failed; an interval that does not exist (one value) is left out, never
 * shown as a zero-width one. */
void report_cell_text(const struct report_row *r, int j, const char *na, char *buf, size_t len)
{
    const struct report_cell *c = &r->cell[j];
    char v[32], lo[32], hi[32], lv[16];
    if (c->n == 0) {
        snprintf(buf, len, "%s",
                 na              ? "n/a (see below)"
                 : c->unreported ? "not reported"
                                 : "failed");
        return;
    }
    fmt_value(v, sizeof(v), c->s.median);
    int off;
    if (c->s.ci.level > 0) {
        fmt_value(lo, sizeof(lo), c->s.ci.lo);
        fmt_value(hi, sizeof(hi), c->s.ci.hi);
        off = snprintf(buf, len, "%s [%s, %s]%s%s", v, lo, hi, level_note(&c->s.ci, lv, sizeof(lv)),
                       c->s.noisy ? " !" : "");
    } else {
        off = snprintf(buf, len, "%s%s", v, c->s.noisy ? " !" : "");
    }
    if (c->has_overhead && off >= 0 && (size_t)off < len) {
        int k;
        if (c->ov.ci.level > 0)
            k = snprintf(buf + off, len - (size_t)off, "  %+.1f%% [%+.1f,%+.1f]%s%s", c->ov.pct,
                         c->ov.ci.lo, c->ov.ci.hi, level_note(&c->ov.ci, lv, sizeof(lv)),
                         c->ov.within_noise ? " ~" : "");
        else
            k = snprintf(buf + off, len - (size_t)off, "  %+.1f%% [n/a] ~", c->ov.pct);
        off = k < 0 ? -1 : off + k;
    }
    if (c->failed && off >= 0 && (size_t)off < len)
        snprintf(buf + off, len - (size_t)off, "  (n=%d/%d, %d failed)", c->n, c->n + c->failed,
                 c->failed);
}

/* The legend's level: what the intervals reach, per number of values,
 * e.g. "75.0 % (n=3)", or "at least 95 %" when all do; a --target-ci
 * run's sequential design says its looks. */
void report_levels(const struct report *rep, char *buf, size_t len)
{
    int seen[64] = {0}, low = 0, none = 0;
    double lv[64] = {0};
    for (int i = 0; i < rep->nrows; i++)
        for (int j = 0; j < rep->rv->nenv; j++) {
            const struct report_cell *c = &rep->rows[i].cell[j];
            int ns[2] = {c->s.ci.level > 0 ? c->n : 0, c->has_overhead ? c->ov.rounds : 0};
            double ls[2] = {c->s.ci.level, c->ov.ci.level};
            none |= c->n == 1 || (c->has_overhead && c->ov.rounds == 1);
            for (int k = 0; k < 2; k++)
                if (ns[k] > 1 && ns[k] < 64 && ls[k] < rep->seq_level) {
                    seen[ns[k]] = 1;
                    lv[ns[k]] = ls[k];
                    low = 1;
                }
        }
    size_t off = 0;
    if (rep->seq_looks)
        off = (size_t)snprintf(buf, len,
                               "at least %.0f %% for the interval --target-ci stopped on (a "
                               "sequential design: %d looks, each interval at %.2f %%)",
                               STATS_LEVEL * 100, rep->seq_looks, rep->seq_level * 100);
    else if (!low && !none)
        off = (size_t)snprintf(buf, len, "at least %.0f %%", STATS_LEVEL * 100);
    if (!low && !none) return;
    if (none && off < len)
        off += (size_t)snprintf(buf + off, len - off, "%snothing where there is one value (n=1)",
                                off ? "; " : "");
    for (int n = 2; n < 64 && off < len; n++)
        if (seen[n])
            off += (size_t)snprintf(buf + off, len - off, "%s%.1f %% (n=%d)", off ? ", " : "",
                                    lv[n] * 100, n);
    if (off < len)
        snprintf(buf + off, len - off, " - %.0f %% needs %d repetitions", STATS_LEVEL * 100,
                 stats_reps_for_level(STATS_LEVEL));
}

void report_text_clean(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) s[i] = '?';
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9f)
            s[i] = s[i + 1] = '?';
    }
}

int report_clean_out(int (*fn)(const void *arg, FILE *out, struct err *e), const void *arg,
                     FILE *out, struct err *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return err_sys(e, ERR_FAIL, errno, "open_memstream");
    int rc = fn(arg, m, e);
    if (fclose(m) != 0 && rc == 0) rc = err_sys(e, ERR_FAIL, errno, "rendering");
    if (rc == 0) {
        report_text_clean(buf, len);
        if (fwrite(buf, 1, len, out) != len) rc = err_sys(e, ERR_FAIL, errno, "writing");
    }
    free(buf);
    return rc;
}

struct emit_arg {
    int (*emit)(const struct report *rep, FILE *out, struct err *e);
    const struct report *rep;
};

static int emit_thunk(const void *arg, FILE *out, struct err *e)
{
    const struct emit_arg *x = arg;
    return x->emit(x->rep, out, e);
}

int report_emit_clean(int (*emit)(const struct report *rep, FILE *out, struct err *e),
                      const struct report *rep, FILE *out, struct err *e)
{
    struct emit_arg x = {emit, rep};
    return report_clean_out(emit_thunk, &x, out, e);
}
