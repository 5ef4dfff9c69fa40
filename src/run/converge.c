#include "run/converge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

void converge_design(double pct, int reps, int max_reps, struct converge_design *d)
{
    memset(d, 0, sizeof(*d));
    d->pct = pct;
    d->reps = reps;
    d->max_reps = max_reps < reps ? reps : max_reps;
    for (int n = reps; d->looks < CONVERGE_LOOKS - 1 && n < d->max_reps;) {
        d->at[d->looks++] = n;
        int next = (int)ceil(n * 1.5);
        n = next > n ? next : n + 1;
    }
    d->at[d->looks++] = d->max_reps; /* the last look: the run ends there anyway */
    d->level = 1 - (1 - STATS_LEVEL) / d->looks;
}

int converge_is_look(const struct converge_design *d, int rounds)
{
    for (int i = 0; i < d->looks; i++)
        if (d->at[i] == rounds) return 1;
    return 0;
}

int converge_facts(const struct converge_design *d, struct kvlist *facts, struct err *e)
{
    char v[64];
    snprintf(v, sizeof(v), "%.17g", d->pct);
    if (kv_set(facts, "target_ci", v, e) < 0) return -1;
    snprintf(v, sizeof(v), "%d", d->max_reps);
    if (kv_set(facts, "target_ci.max_rounds", v, e) < 0) return -1;
    snprintf(v, sizeof(v), "%d", d->looks);
    if (kv_set(facts, "target_ci.looks", v, e) < 0) return -1;
    snprintf(v, sizeof(v), "%.17g", d->level);
    return kv_set(facts, "target_ci.level", v, e);
}

int converge_from_facts(const struct kvlist *facts, int reps, struct converge_design *d,
                        struct err *e)
{
    const char *pct = kv_get(facts, "target_ci"), *max = kv_get(facts, "target_ci.max_rounds");
    const char *looks = kv_get(facts, "target_ci.looks");
    if (!pct || !max || !looks)
        return err_set(e, ERR_USAGE, "the run's --target-ci design is not stored");
    converge_design(atof(pct), reps, atoi(max), d);
    if (d->looks != atoi(looks) || !(d->pct > 0))
        return err_set(e, ERR_USAGE,
                       "the run's --target-ci design (%s looks) does not fit its "
                       "rounds (%d, at most %s)",
                       looks, reps, max);
    return 0;
}

static int headline_has(const char *const *h, const char *name)
{
    if (!h) return 1;
    for (; *h; h++)
        if (!strcmp(*h, name)) return 1;
    return 0;
}

/* 1 when cell j of r is narrow enough: its overhead interval within pct
 * points of the overhead (a run with native), else its median interval
 * within pct % of the median (native, in a run of native alone); an interval below the design's
 * level (too few values for it) is never narrow enough. */
static int cell_narrow(const struct report *rep, const struct report_row *r, int j, double pct)
{
    const struct report_cell *c = &r->cell[j];
    const double lv = rep->seq_level - 1e-12;
    if (j != rep->native && rep->native >= 0) {
        if (!c->has_overhead || c->ov.ci.level < lv) return 0;
        return c->ov.ci.hi - c->ov.pct <= pct && c->ov.pct - c->ov.ci.lo <= pct;
    }
    if (c->s.ci.level < lv) return 0;
    double tol = pct / 100 * fabs(c->s.median);
    return c->s.ci.hi - c->s.median <= tol && c->s.median - c->s.ci.lo <= tol;
}

/* Appends "metric@env" to out (", " between; "..." when it is full). */
static void name_add(char *out, size_t len, size_t *off, const char *metric, const char *env)
{
    if (*off + 4 >= len) return;
    int k = snprintf(out + *off, len - *off, "%s%s@%s", *off ? ", " : "", metric, env);
    if (k < 0 || (size_t)k >= len - *off) {
        snprintf(out + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
        *off = len;
    } else {
        *off += (size_t)k;
    }
}

int converge_done(const struct report *rep, int wl, double pct, const char *const *headline,
                  char *out, size_t len)
{
    int done = 1, cells = 0;
    size_t off = 0;
    if (len) out[0] = '\0';
    for (int i = 0; i < rep->nrows; i++) {
        const struct report_row *r = &rep->rows[i];
        if (r->wl != wl || !headline_has(headline, r->metric)) continue;
        for (int j = 0; j < rep->rv->nenv; j++) { /* native alone: its medians */
            if ((j == rep->native && rep->rv->nenv > 1) || r->cell[j].n == 0) continue;
            cells++;
            if (cell_narrow(rep, r, j, pct)) continue;
            done = 0;
            name_add(out, len, &off, r->metric, rep->rv->envs[j]);
        }
    }
    if (cells == 0) { /* nothing measured yet (all failed): not narrow */
        done = 0;
        if (len) snprintf(out, len, "no successful sample");
    }
    return done;
}
