/* explain.c - the explain view: the ladder from the run facts, each
 * knob's increment as a paired interval, the total and the residual
 * (explain.h). Rendering is in explain_out.c. */
#include "report/explain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double explain_log_of_pct(double pct, int better)
{
    double ratio = better == BETTER_LOWER ? 1 + pct / 100 : 1 - pct / 100;
    return ratio > 0 && isfinite(ratio) ? log(ratio) : NAN;
}

double explain_pct_of_log(double lr, int better)
{
    return better == BETTER_LOWER ? (exp(lr) - 1) * 100 : (1 - exp(lr)) * 100;
}

/* The environment index of spec in the run, -1 when it is not there. */
static int env_index(const struct run_view *rv, const char *spec)
{
    for (int j = 0; j < rv->nenv; j++)
        if (!strcmp(rv->envs[j], spec)) return j;
    return -1;
}

/* The ladder from the facts explain.env, explain.rungs, explain.<k>.*. */
static int view_rungs(const struct run_view *rv, struct explain_view *xv, struct err *e)
{
    const char *env = kv_get(&rv->host, "explain.env"), *n = kv_get(&rv->host, "explain.rungs");
    int nr = n ? atoi(n) : 0;
    if (!env || nr < 1 || nr > XV_RUNGS)
        return err_set(e, ERR_FAIL, "run %lld: explain facts do not make a ladder",
                       (long long)rv->id);
    snprintf(xv->env, sizeof(xv->env), "%s", env);
    xv->env_idx = env_index(rv, env);
    xv->nrung = nr;
    for (int k = 0; k < nr; k++) {
        struct xv_rung *r = &xv->rung[k];
        char key[64];
        const char *v;
        snprintf(key, sizeof(key), "explain.%d.knob", k);
        snprintf(r->knob, sizeof(r->knob), "%s", (v = kv_get(&rv->host, key)) ? v : "?");
        snprintf(key, sizeof(key), "explain.%d.spec", k);
        snprintf(r->spec, sizeof(r->spec), "%s", (v = kv_get(&rv->host, key)) ? v : "");
        snprintf(key, sizeof(key), "explain.%d.na", k);
        snprintf(r->na, sizeof(r->na), "%s", (v = kv_get(&rv->host, key)) ? v : "");
        r->env = r->spec[0] ? env_index(rv, r->spec) : -1;
        if (r->spec[0] && r->env < 0)
            snprintf(r->na, sizeof(r->na), "not in this run's environments");
    }
    return 0;
}

/* 1 when row r is a headline metric of its workload (explain.headline.<wl>:
 * a comma list, or "*" for every metric but the per-operation ones). */
static int headline(const struct run_view *rv, const struct report_row *r)
{
    char key[64 + LIM_WORKLOAD_NAME];
    snprintf(key, sizeof(key), "explain.headline.%s", rv->workloads[r->wl]);
    const char *h = kv_get(&rv->host, key);
    if (!strncmp(r->metric, "perop.", 6)) return 0;
    if (!h || !strcmp(h, "*")) return 1;
    size_t n = strlen(r->metric);
    for (const char *p = h; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && !strncmp(p, r->metric, n)) return 1;
        p += len + (c != NULL);
    }
    return 0;
}

/* The increments of row i between consecutive rungs that ran, the total and
 * the residual. */
static int view_metric(const struct report *rep, const struct explain_view *xv, int i,
                       struct xv_metric *m)
{
    const struct report_row *row = &rep->rows[i];
    memset(m, 0, sizeof(*m));
    m->row = i;
    int prev = -1;
    double sum = 0;
    int sum_ok = 1;
    for (int k = 0; k < xv->nrung; k++) {
        if (xv->rung[k].env < 0) continue;
        if (prev >= 0) {
            struct xv_incr *s = &m->increment[m->nincr++];
            s->rung = k;
            s->from = prev;
            struct report_cell to = row->cell[xv->rung[k].env];
            const struct report_cell *from = &row->cell[xv->rung[prev].env];
            to.has_overhead = 0;
            if (to.n && from->n &&
                report_overhead(rep->rv, row->wl, &to, from, row->better, rep->seq_level) < 0)
                return -1;
            s->has = to.has_overhead;
            s->na = store_na_reason(rep->rv, row->wl, xv->rung[k].env);
            if (!s->na) s->na = store_na_reason(rep->rv, row->wl, xv->rung[prev].env);
            s->ov = to.ov;
            double lr = s->has ? explain_log_of_pct(s->ov.pct, row->better) : NAN;
            sum_ok &= isfinite(lr);
            if (isfinite(lr)) sum += lr;
        }
        prev = k;
    }
    if (xv->env_idx >= 0 && row->cell[xv->env_idx].has_overhead) {
        m->has_total = 1;
        double lt = explain_log_of_pct(row->cell[xv->env_idx].ov.pct, row->better);
        if (sum_ok && isfinite(lt) && m->nincr > 0) {
            m->has_residual = 1;
            m->residual_log = lt - sum;
            m->residual_pct = explain_pct_of_log(m->residual_log, row->better);
        }
    }
    return 0;
}

int explain_view_build(const struct report *rep, struct explain_view *xv, struct err *e)
{
    memset(xv, 0, sizeof(*xv));
    xv->env_idx = -1;
    if (!kv_get(&rep->rv->host, "explain.env")) return 0;
    if (view_rungs(rep->rv, xv, e) < 0) return -1;
    xv->m = calloc((size_t)rep->nrows + 1, sizeof(*xv->m));
    if (!xv->m) return err_set(e, ERR_FAIL, "out of memory");
    for (int i = 0; i < rep->nrows; i++) {
        if (!headline(rep->rv, &rep->rows[i])) continue;
        if (view_metric(rep, xv, i, &xv->m[xv->nm]) < 0) {
            explain_view_free(xv);
            return err_set(e, ERR_FAIL, "out of memory");
        }
        xv->nm++;
    }
    return 0;
}

void explain_view_free(struct explain_view *xv)
{
    free(xv->m);
    xv->m = NULL;
    xv->nm = 0;
}
