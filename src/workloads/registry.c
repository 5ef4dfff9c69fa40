#include <stdio.h>
#include <stdlib.h>
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
    char owner[64];
    snprintf(owner, sizeof(owner), "workload %s", w->name);
    return wl_opts_check(owner, w->opts, opts, e);
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

void wl_units(struct result *r, double units)
{
    const char *was = kv_get(&r->facts, "work.units");
    char v[64];
    snprintf(v, sizeof(v), "%.17g", units + (was ? atof(was) : 0));
    kv_set(&r->facts, "work.units", v, NULL);
}

uint64_t wl_ncpus(const struct wl_ctx *ctx)
{
    return (uint64_t)(ctx->ncpus > 0 ? ctx->ncpus : util_ncpus());
}
