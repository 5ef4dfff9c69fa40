#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct reporter *const reporters[] = {
#define X(n) &reporter_##n,
    REPORT_LIST(X)
#undef X
        NULL,
};

const struct reporter *reporter_find(const char *name)
{
    for (int i = 0; reporters[i]; i++)
        if (strcmp(reporters[i]->name, name) == 0) return reporters[i];
    return NULL;
}

static struct report_row *row_get(struct report *rep, const struct rv_point *p, int *cap,
                                  struct err *e)
{
    for (int i = 0; i < rep->nrows; i++)
        if (rep->rows[i].wl == p->wl && strcmp(rep->rows[i].metric, p->metric) == 0)
            return &rep->rows[i];
    if (rep->nrows == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        struct report_row *nr = realloc(rep->rows, sizeof(*nr) * (size_t)*cap);
        if (!nr) {
            err_set(e, ERR_FAIL, "out of memory");
            return NULL;
        }
        rep->rows = nr;
    }
    struct report_row *r = &rep->rows[rep->nrows++];
    memset(r, 0, sizeof(*r));
    r->wl = p->wl;
    snprintf(r->metric, sizeof(r->metric), "%s", p->metric);
    snprintf(r->unit, sizeof(r->unit), "%s", p->unit);
    r->better = p->better;
    return r;
}

/* The environment's overhead from the rounds in which both it and native
 * succeeded (a round one side lost is left out, not paired with another). */
static int report_overhead(struct report_cell *c, const struct report_cell *nat, int better)
{
    double *ev = malloc(sizeof(double) * (size_t)c->n), *nv = malloc(sizeof(double) * (size_t)c->n);
    if (!ev || !nv) {
        free(ev);
        free(nv);
        return -1;
    }
    int m = 0;
    for (int i = 0; i < c->n; i++)
        for (int k = 0; k < nat->n; k++)
            if (nat->reps[k] == c->reps[i]) {
                ev[m] = c->values[i];
                nv[m++] = nat->values[k];
                break;
            }
    c->has_overhead = m > 0 && stats_overhead_paired(ev, nv, m, better, &c->ov) == 0;
    free(ev);
    free(nv);
    return 0;
}

int report_build(const struct run_view *rv, struct report *rep, struct err *e)
{
    memset(rep, 0, sizeof(*rep));
    rep->rv = rv;
    rep->native = -1;
    for (int i = 0; i < rv->nenv; i++)
        if (strcmp(rv->envs[i], "native") == 0) rep->native = i;
    int cap = 0;
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        struct report_row *r = row_get(rep, p, &cap, e);
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
            if (c->n == 0) continue;
            stats_summarize(c->values, c->n, &c->s);
            if (rep->native < 0 || j == rep->native) continue;
            if (report_overhead(c, &r->cell[rep->native], r->better) < 0) goto nomem;
        }
    }
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

void report_free(struct report *rep)
{
    for (int i = 0; i < rep->nrows; i++)
        for (int j = 0; j < LIM_ENVS; j++) {
            free(rep->rows[i].cell[j].values);
            free(rep->rows[i].cell[j].reps);
        }
    free(rep->rows);
    rep->rows = NULL;
    rep->nrows = 0;
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

/* One cell's text: "median [lo, hi] [!]" and, against native,
 * "overhead% [lo,hi] [~]"; an interval that does not exist (one value)
 * is left out, never shown as a zero-width one. */
void report_cell_text(const struct report_row *r, int j, const char *na, char *buf, size_t len)
{
    const struct report_cell *c = &r->cell[j];
    char v[32], lo[32], hi[32];
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
        off = snprintf(buf, len, "%s [%s, %s]%s", v, lo, hi, c->s.noisy ? " !" : "");
    } else {
        off = snprintf(buf, len, "%s%s", v, c->s.noisy ? " !" : "");
    }
    if (!c->has_overhead || off < 0 || (size_t)off >= len) return;
    if (c->ov.ci.level > 0)
        snprintf(buf + off, len - (size_t)off, "  %+.1f%% [%+.1f,%+.1f]%s", c->ov.pct, c->ov.ci.lo,
                 c->ov.ci.hi, c->ov.within_noise ? " ~" : "");
    else
        snprintf(buf + off, len - (size_t)off, "  %+.1f%% [n/a] ~", c->ov.pct);
}

/* The legend's level: what the intervals reach, per number of values,
 * e.g. "75.0 % (n=3)", or "at least 95 %" when all do. */
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
                if (ns[k] > 1 && ns[k] < 64 && ls[k] < STATS_LEVEL) {
                    seen[ns[k]] = 1;
                    lv[ns[k]] = ls[k];
                    low = 1;
                }
        }
    if (!low && !none) {
        snprintf(buf, len, "at least %.0f %%", STATS_LEVEL * 100);
        return;
    }
    size_t off = 0;
    if (none) off += (size_t)snprintf(buf, len, "nothing where there is one value (n=1)");
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

int report_emit_clean(int (*emit)(const struct report *rep, FILE *out, struct err *e),
                      const struct report *rep, FILE *out, struct err *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return err_sys(e, ERR_FAIL, errno, "open_memstream");
    int rc = emit(rep, m, e);
    if (fclose(m) != 0 && rc == 0) rc = err_sys(e, ERR_FAIL, errno, "rendering");
    if (rc == 0) {
        report_text_clean(buf, len);
        if (fwrite(buf, 1, len, out) != len) rc = err_sys(e, ERR_FAIL, errno, "writing");
    }
    free(buf);
    return rc;
}
