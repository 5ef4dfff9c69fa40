#include "run/converge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/stats.h"

struct series {
    int env;
    char metric[LIM_METRIC_NAME];
    double *v;
    int n;
};

struct converge {
    struct series *s;
    int n;
};

struct converge *converge_new(void)
{
    return calloc(1, sizeof(struct converge));
}

void converge_reset(struct converge *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->s[i].v);
    free(c->s);
    c->s = NULL;
    c->n = 0;
}

void converge_free(struct converge *c)
{
    if (!c) return;
    converge_reset(c);
    free(c);
}

static int headline_has(const char *const *h, const char *name)
{
    if (!h) return 1;
    for (; *h; h++)
        if (!strcmp(*h, name)) return 1;
    return 0;
}

int converge_add(struct converge *c, int env, const struct result *r, const char *const *headline)
{
    for (int m = 0; m < r->n; m++) {
        if (!headline_has(headline, r->m[m].name)) continue;
        struct series *s = NULL;
        for (int i = 0; i < c->n && !s; i++)
            if (c->s[i].env == env && !strcmp(c->s[i].metric, r->m[m].name)) s = &c->s[i];
        if (!s) {
            struct series *ns = realloc(c->s, sizeof(*ns) * (size_t)(c->n + 1));
            if (!ns) return -1;
            c->s = ns;
            s = &c->s[c->n++];
            memset(s, 0, sizeof(*s));
            s->env = env;
            snprintf(s->metric, sizeof(s->metric), "%s", r->m[m].name);
        }
        double *nv = realloc(s->v, sizeof(double) * (size_t)(s->n + 1));
        if (!nv) return -1;
        s->v = nv;
        s->v[s->n++] = r->m[m].value;
    }
    return 0;
}

int converge_done(const struct converge *c, double pct, const char *const *envs, char *out,
                  size_t len)
{
    int done = 1;
    size_t off = 0;
    if (len) out[0] = '\0';
    for (int i = 0; i < c->n; i++) {
        const struct series *s = &c->s[i];
        struct summary sum;
        stats_summarize(s->v, s->n, &sum);
        double half = (sum.ci.hi - sum.ci.lo) / 2;
        if (sum.ci.level > 0 && half <= pct / 100 * fabs(sum.median)) continue;
        done = 0;
        if (off + 4 >= len) continue;
        int k = snprintf(out + off, len - off, "%s%s@%s", off ? ", " : "", s->metric, envs[s->env]);
        if (k < 0 || (size_t)k >= len - off) {
            snprintf(out + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
            off = len;
        } else {
            off += (size_t)k;
        }
    }
    return done;
}
