/* sizing - limits a workload cannot see. A tenant under a CPU quota
 * smaller than the CPUs it may run on (cpu-quota= of a container driver)
 * runs CPU workloads with their auto thread count sized two ways, each a
 * step, shuffled in every round: from the host (sizing=host: nproc, what
 * most programs do - a quota does not change the affinity mask) and from
 * its cgroup (sizing=cgroup: the quota, as a JVM or Go's automaxprocs
 * does). Per step the workload's metrics and what the quota cost: the
 * time the kernel throttled the tenant (cpu.stat) and the threads used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "envs/env.h"
#include "run/runner.h"
#include "run/scenario.h"

static const struct wl_opt sizing_opts[] = {
    {"workloads",
     "the CPU workloads run under the quota (stream, linpack, randomaccess, compress)",
     {"compress", "compress,linpack", "stream,randomaccess,compress,linpack"},
     .type = WL_T_STR},
    {"quota",
     "the tenant's CPU quota in CPUs (cpu-quota=); auto = half the host's CPUs, at least 1",
     {"auto", "auto", "auto"},
     .type = WL_T_STR},
    {.name = NULL},
};

static const char *const sizing_steps[] = {"host", "cgroup"};

/* The quota in CPUs: the option's, or half the host's CPUs (at least 1);
 * ERR_USAGE unless it is below the CPUs the tenant may run on. */
static int sizing_quota(const struct scenario_plan *p, double *q, struct err *e)
{
    const char *v = scen_opt(p, "quota");
    int n = p->host.ncpus;
    if (n < 2)
        return err_set(e, ERR_USAGE,
                       "sizing: the host has %d CPU: a quota cannot be smaller than what the "
                       "tenant sees",
                       n);
    if (!strcmp(v, "auto")) {
        *q = n / 2;
        return 0;
    }
    if (util_parse_double(v, q, NULL) < 0 || !(*q >= 0.01) || *q > n - 0.5)
        return err_set(e, ERR_USAGE,
                       "sizing: quota must be a number of CPUs from 0.01 to %.1f (below the "
                       "host's %d), not '%s'",
                       n - 0.5, n, v);
    return 0;
}

/* The tenant's spec: the plan's with cpu-quota= (a spec setting it itself
 * is kept as the user's). */
static int sizing_spec(const struct scenario_plan *p, int i, struct spec *sp, struct err *e)
{
    *sp = p->spec[i];
    if (kv_get(&sp->kv, "cpu-quota")) return 0;
    double q = 0;
    if (sizing_quota(p, &q, e) < 0) return -1;
    char v[32];
    snprintf(v, sizeof(v), "%g", q);
    return spec_add(sp, "cpu-quota", v, e);
}

/* At plan time: a quota below the host's CPUs, container drivers only
 * (each spec rewritten with its quota and checked as any spec), CPU
 * workloads that size their threads. ERR_USAGE on bad input. */
static int sizing_check(struct scenario_plan *p, struct err *e)
{
    double q;
    if (sizing_quota(p, &q, e) < 0 || scen_fit_tenants(p, 1, e) < 0) return -1;
    for (int i = 0; i < p->nenv; i++) {
        int quota = 0;
        for (const char *const *k = p->env[i]->keys; k && *k; k++)
            quota |= !strcmp(*k, "cpu-quota");
        if (!quota)
            return err_set(e, ERR_USAGE,
                           "sizing: %s takes no cpu-quota (a VM's guest sees its vCPUs, native "
                           "no quota): give container drivers (container, runc, podman, docker, "
                           "lxc, runsc)",
                           p->spec[i].text);
        /* the tenants run as (and their samples are stored under) the
         * spec with its quota, checked as any spec */
        struct spec sp;
        struct env_conf *conf cleanup_free = malloc(sizeof(*conf));
        if (!conf) return err_set(e, ERR_FAIL, "out of memory");
        if (sizing_spec(p, i, &sp, e) < 0 || env_conf_parse(p->env[i], &sp, conf, e) < 0) return -1;
        p->spec[i] = sp;
        for (int k = 0; k < i; k++)
            if (!strcmp(p->spec[k].text, sp.text))
                return err_set(e, ERR_USAGE, "sizing: %s listed twice (with its quota)", sp.text);
    }
    char buf[256];
    if (snprintf(buf, sizeof(buf), "%s", scen_opt(p, "workloads")) >= (int)sizeof(buf))
        return err_set(e, ERR_USAGE, "sizing: workloads: list too long");
    char *save = NULL;
    int n = 0;
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save), n++) {
        if (strcmp(w, "stream") && strcmp(w, "linpack") && strcmp(w, "randomaccess") &&
            strcmp(w, "compress"))
            return err_set(e, ERR_USAGE,
                           "sizing: %s does not size its threads from its CPUs (stream, linpack, "
                           "randomaccess, compress do)",
                           w);
        if (scen_plan_workload(p, w, NULL, e) < 0) return -1;
    }
    return n ? 0 : err_set(e, ERR_USAGE, "sizing: workloads is empty");
}

/* The tenant's throttled time so far, seconds (its cgroup's cpu.stat:
 * v1 throttled_time ns, v2 throttled_usec), from the cgroup its host CPU
 * source names; -1 when not readable. */
static double sizing_throttled_s(struct env_ctx *c)
{
    char src[400], path[450], buf[1024];
    if (!c->rq->env->host_cpu_src || c->rq->env->host_cpu_src(c, src, sizeof(src)) < 0 ||
        (strncmp(src, "v1:", 3) && strncmp(src, "v2:", 3)))
        return -1;
    int v2 = src[1] == '2';
    src[strcspn(src, "+")] = '\0';
    char *slash = strrchr(src + 3, '/');
    if (!slash) return -1;
    *slash = '\0';
    /* v1 may keep cpuacct apart from cpu: the same path in the cpu one */
    const char *hier = "/sys/fs/cgroup/", *rel = NULL;
    if (!v2 && !strncmp(src + 3, hier, strlen(hier))) rel = strchr(src + 3 + strlen(hier), '/');
    int n = snprintf(path, sizeof(path), "%s/cpu.stat", src + 3);
    if (n >= (int)sizeof(path) || util_read_file(path, buf, sizeof(buf)) < 0 ||
        !strstr(buf, "throttled")) {
        if (!rel ||
            snprintf(path, sizeof(path), "%scpu%s/cpu.stat", hier, rel) >= (int)sizeof(path) ||
            util_read_file(path, buf, sizeof(buf)) < 0)
            return -1;
    }
    const char *key = v2 ? "throttled_usec " : "throttled_time ";
    const char *at = strstr(buf, key);
    return at ? atof(at + strlen(key)) / (v2 ? 1e6 : 1e9) : -1;
}

/* One step: workload w in tenant t with sizing=step; stored as round round
 * (0: a warm-up, not stored) with its throttled time. */
static int sizing_step(struct scen_run *r, int t, int w, const char *step, int round, struct err *e)
{
    struct scenario_plan *p = r->p;
    struct scen_job j = {.tenant = t, .wl = p->wl[w], .opts = p->wlopts[w]};
    if (kv_set(&j.opts, "sizing", step, e) < 0) return -1;
    double th0 = sizing_throttled_s(&r->t[t].ctx);
    if (scen_run_jobs(r, &j, 1, e) < 0) return -1;
    double th1 = sizing_throttled_s(&r->t[t].ctx);
    if (j.reply->ok && th0 >= 0 && th1 >= th0 &&
        result_add(&j.reply->res, "throttled_s", "s", BETTER_LOWER, th1 - th0, &j.reply->err) < 0)
        j.reply->ok = 0;
    int rc = round > 0 ? scen_store(r, &j, step, round, e) : 0;
    scen_jobs_free(&j, 1);
    return rc;
}

/* One environment: its tenant under the quota, a warm-up per workload,
 * then the rounds with the two steps in a shuffled order. */
static int sizing_env(struct scen_run *r, int i, struct err *e)
{
    struct scenario_plan *p = r->p;
    int t = scen_tenant_up(r, i, "tenant", 0, e);
    if (t < 0) { /* this environment's samples fail; the others go on */
        if (env_interrupted || r->nt == 0) return -1;
        struct reply *rp = calloc(1, sizeof(*rp));
        if (!rp) return err_set(e, ERR_FAIL, "out of memory");
        rp->err = *e;
        struct scen_job fj = {.tenant = r->nt - 1, .wl = p->wl[0], .reply = rp};
        int rc = scen_store(r, &fj, "host", 1, e);
        free(rp);
        scen_tenant_down(r, r->nt - 1);
        return rc;
    }
    uint64_t rng = p->seed + (uint64_t)i;
    for (int w = 0; w < p->nwl; w++) {
        scen_progress(r, "%s @ %s: warm-up", p->wl[w]->name, p->spec[i].text);
        if (sizing_step(r, t, w, "host", 0, e) < 0) return -1;
        for (int round = 1; round <= p->reps; round++) {
            int order[2];
            runner_round_order(&rng, 2, order);
            for (int k = 0; k < 2; k++) {
                if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
                scen_progress(r, "%s @ %s: round %d/%d, sizing=%s", p->wl[w]->name, p->spec[i].text,
                              round, p->reps, sizing_steps[order[k]]);
                if (sizing_step(r, t, w, sizing_steps[order[k]], round, e) < 0) return -1;
            }
        }
    }
    scen_tenant_down(r, t);
    return 0;
}

static int sizing_run(struct scen_run *r, struct err *e)
{
    for (int i = 0; i < r->p->nenv; i++)
        if (sizing_env(r, i, e) < 0) return -1;
    return 0;
}

const struct scenario scenario_sizing = {
    .name = "sizing",
    .summary = "a container under a CPU quota: CPU workloads sized from the host (nproc) vs from "
               "their cgroup's quota - throughput and throttled time",
    .opts = sizing_opts,
    .check = sizing_check,
    .run = sizing_run,
};
