#include "report/report.h"

#include <math.h>
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
