#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "workloads/workload.h"

const struct workload *const workloads[] = {
#define X(n) &workload_##n,
    WORKLOAD_LIST(X)
#undef X
        NULL,
};

const struct workload *workload_find(const char *name)
{
    for (int i = 0; workloads[i]; i++)
        if (strcmp(workloads[i]->name, name) == 0) return workloads[i];
    return NULL;
}

int workload_check_opts(const struct workload *w, const struct kvlist *opts, struct err *e)
{
    for (int i = 0; i < opts->n; i++) {
        int ok = 0;
        for (const struct wl_opt *o = w->opts; o && o->name; o++)
            if (strcmp(o->name, opts->v[i].key) == 0) ok = 1;
        if (!ok)
            return err_set(e, ERR_USAGE, "workload %s has no option '%s' (see isobench list -v)",
                           w->name, opts->v[i].key);
    }
    return 0;
}

void wl_work(struct result *r, double units, const char *metric, const char *unit, double scale)
{
    char v[64];
    snprintf(v, sizeof(v), "%.17g", units);
    kv_set(&r->facts, "work.units", v, NULL);
    kv_set(&r->facts, "work.metric", metric, NULL);
    kv_set(&r->facts, "work.unit", unit, NULL);
    snprintf(v, sizeof(v), "%.17g", scale);
    kv_set(&r->facts, "work.scale", v, NULL);
}

uint64_t wl_ncpus(const struct wl_ctx *ctx)
{
    return (uint64_t)(ctx->ncpus > 0 ? ctx->ncpus : util_ncpus());
}

const char *wl_opt_str(const struct wl_ctx *ctx, const struct workload *w, const char *name)
{
    const char *v = ctx->opts ? kv_get(ctx->opts, name) : NULL;
    if (v) return v;
    for (const struct wl_opt *o = w->opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0) return o->preset[ctx->size];
    return NULL;
}

int wl_opt_u64(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
               uint64_t *out, struct err *e)
{
    const char *v = wl_opt_str(ctx, w, name);
    if (!v || strcmp(v, "auto") == 0) {
        *out = def;
        return 0;
    }
    if (util_parse_u64(v, out, e) < 0) return err_wrap(e, "%s option %s", w->name, name);
    return 0;
}

int wl_opt_size(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
                uint64_t *out, struct err *e)
{
    const char *v = wl_opt_str(ctx, w, name);
    if (!v || strcmp(v, "auto") == 0) {
        *out = def;
        return 0;
    }
    if (util_parse_size(v, out, e) < 0) return err_wrap(e, "%s option %s", w->name, name);
    return 0;
}
