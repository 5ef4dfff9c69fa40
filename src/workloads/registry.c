#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cglimit.h"
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

int workload_load(const struct workload *w, struct wl_ctx *ctx, struct wl_vals *vals, struct err *e)
{
    char owner[64];
    snprintf(owner, sizeof(owner), "workload %s", w->name);
    if (wl_vals_load(owner, w->opts, ctx->opts, ctx->size, vals, e) < 0) return -1;
    ctx->vals = vals;
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

/* The process's cgroup quota as seen through /sys/fs/cgroup (cglimit.h). */
static int sizing_cgroup(double *cpus, char *where, size_t len, struct err *e)
{
    char pc[4096];
    if (util_read_file("/proc/self/cgroup", pc, sizeof(pc)) < 0)
        return err_sys(e, ERR_FAIL, errno, "sizing=cgroup: /proc/self/cgroup");
    return cg_cpu_limit(pc, "/sys/fs/cgroup", cpus, where, len, e);
}

/* The sizing option's values, in its table's order (WL_OPT_SIZING). */
enum wl_sizing { SIZING_HOST = 0, SIZING_CGROUP };

/* 1 when w's sizing option says cgroup, 0 host, -1 if w has none or its
 * options were not loaded (a bug, in e). */
static int sizing_is_cgroup(const struct wl_ctx *ctx, const struct workload *w, struct err *e)
{
    int s = SIZING_HOST;
    if (wl_opt_enum(ctx, w, "sizing", SIZING_HOST, &s, e) < 0) return -1;
    return (enum wl_sizing)s == SIZING_CGROUP;
}

uint64_t wl_auto_threads(const struct wl_ctx *ctx, const struct workload *w)
{
    uint64_t n = wl_ncpus(ctx);
    double cpus = 0;
    char where[300];
    struct err e = {0};
    /* (a sizing that cannot be read leaves the host's count: wl_sizing_facts,
     * which every such workload calls, fails the sample with the reason) */
    if (sizing_is_cgroup(ctx, w, &e) == 1 &&
        sizing_cgroup(&cpus, where, sizeof(where), &e) == CG_LIMIT)
        n = (uint64_t)cg_cpus_for((int)n, cpus);
    return n;
}

int wl_sizing_facts(const struct wl_ctx *ctx, const struct workload *w, struct result *r,
                    struct err *e)
{
    int cg = sizing_is_cgroup(ctx, w, e);
    char v[400], where[300] = "";
    if (cg < 0) return -1;
    double cpus = 0;
    kv_set(&r->facts, "sizing", cg ? "cgroup" : "host", NULL);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)wl_ncpus(ctx));
    kv_set(&r->facts, "sizing.cpus_seen", v, NULL);
    if (!cg) return 0;
    int seen = sizing_cgroup(&cpus, where, sizeof(where), e);
    if (seen < 0) return -1;
    if (seen == CG_LIMIT)
        snprintf(v, sizeof(v), "%.2f cpus (%s)", cpus, where);
    else
        snprintf(v, sizeof(v), "%s: %s", seen == CG_NOLIMIT ? "none" : "no view", where);
    kv_set(&r->facts, "sizing.cgroup", v, NULL);
    return 0;
}
