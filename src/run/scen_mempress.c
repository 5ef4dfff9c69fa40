/* memory-pressure - the docker-in-KVM study (Jang, Lee, Yu). K API
 * servers, each in its own tenant of the system model under test
 * (native processes, containers, VMs, containers inside VMs), run the
 * filetask workload's server; a client in the peer namespace sends one
 * request to all K at once per round and waits for every answer. Each
 * step raises host memory pressure with stress-ng --vm workers on the
 * host (the study's `stress -m`), 256 MB each; --host-mem puts everything
 * under one memory cgroup of that size (the study's 8 GB HostA on a big
 * host) and --swap gives the run a swap file. Per step the client's
 * sample holds the mean and p95 task time, the spread across servers and
 * the swap-ins/outs and major faults the step caused (/proc/vmstat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/swapfile.h"
#include "core/util.h"
#include "run/scenario.h"
#include "workloads/filetask.h"

static const struct wl_opt mempress_opts[] = {
    {"servers",
     "API servers, each its own tenant (the study: 4)",
     {"4", "4", "4"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 12}, /* their ADDR:PORT list must fit one option value (255 bytes) */
    {"workers",
     "stress-ng --vm workers on the host, one step each (ascending)",
     {"0,4,8", "0,4,8,12,16", "0,4,8,12,16,20,24,28,32"},
     .type = WL_T_UINTS,
     .min = 0,
     .max = 256}, /* the stress workload's most workers */
    {"bytes",
     "bytes each stress-ng --vm worker holds (the study: 256 MB)",
     {"256M", "256M", "256M"},
     .type = WL_T_SIZE,
     .min = 1 << 20,
     .max = 0x1p40,
     .unit = "B"},
    {"ramp",
     "seconds the stressors run before a step's first request",
     {"3", "5", "10"},
     .type = WL_T_SECS,
     .min = -1.0, /* 0 allowed */
     .max = 600.0,
     .unit = "s"},
    {"rounds",
     "requests to all servers at once per step (the study: 50)",
     {"3", "10", "50"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 100000},
    {"task-bytes",
     "bytes of each task's file (the study: about 30 MB)",
     {"3M", "30M", "30M"},
     .type = WL_T_SIZE,
     .min = 1,
     .max = 0x1p34,
     .unit = "B"},
    {"task-writes",
     "write(2) calls per task (the study: 2,000,000)",
     {"200000", "2000000", "2000000"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 1e9},
    {.name = NULL},
};

#define MP_MAX_STEPS 64

static int mp_steps(const struct scenario_plan *p, uint64_t *w, int max)
{
    char buf[512];
    if (snprintf(buf, sizeof(buf), "%s", scen_opt(p, "workers")) >= (int)sizeof(buf)) return -1;
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
        if (util_parse_u64(t, &w[n++], NULL) < 0) return -1;
    return n;
}

static int mempress_check(struct scenario_plan *p, struct err *e)
{
    uint64_t servers = 4, bytes = 0, w[MP_MAX_STEPS];
    util_parse_u64(scen_opt(p, "servers"), &servers, NULL);
    util_parse_size(scen_opt(p, "bytes"), &bytes, NULL);
    int n = mp_steps(p, w, MP_MAX_STEPS);
    if (n <= 0) return err_set(e, ERR_USAGE, "memory-pressure: workers must be a list");
    if (scen_fit_tenants(p, (int)servers, e) < 0) return -1;
    struct kvlist fo = {0};
    if (kv_set(&fo, "bytes", scen_opt(p, "task-bytes"), e) < 0 ||
        kv_set(&fo, "writes", scen_opt(p, "task-writes"), e) < 0 ||
        kv_set(&fo, "rounds", scen_opt(p, "rounds"), e) < 0)
        return -1;
    if (scen_plan_workload(p, "filetask", &fo, e) < 0) return -1;
    struct kvlist so = {0};
    if (kv_set(&so, "stressor", "vm", e) < 0 || kv_set(&so, "workers", "1", e) < 0 ||
        kv_set(&so, "bytes", scen_opt(p, "bytes"), e) < 0)
        return -1;
    if (scen_plan_workload(p, "stress", &so, e) < 0) return -1;
    /* the stressors are meant to exhaust memory, but only what they are
     * given: without --host-mem, the host's own, with room for the host */
    uint64_t most = w[n - 1] * bytes,
             room = p->host_mem ? p->host_mem + p->swap : p->host.mem_avail;
    if (room && most > room + room / 2)
        return err_set(e, ERR_USAGE,
                       "memory-pressure: %llu workers x %llu MiB exceed 1.5 x the %llu MiB %s",
                       (unsigned long long)w[n - 1], (unsigned long long)(bytes >> 20),
                       (unsigned long long)(room >> 20),
                       p->host_mem ? "of --host-mem (+ --swap)" : "available");
    for (int i = 0; i < p->nenv; i++)
        if (p->host_mem && strcmp(p->env[i]->name, "native") &&
            strcmp(p->env[i]->name, "container") && strcmp(p->env[i]->name, "vm"))
            return err_set(e, ERR_USAGE,
                           "memory-pressure: %s makes its cgroups outside --host-mem's (native, "
                           "container and vm nest under it)",
                           p->spec[i].text);
    return 0;
}

/* One step of system model i: the servers' jobs, the host stressor (when
 * workers > 0), the client after the ramp; all samples stored. */
static int mp_step(struct scen_run *r, int i, const int *srv, int ns, int stressor,
                   uint64_t workers, int rep, struct err *e)
{
    struct scenario_plan *p = r->p;
    int fw = scen_wl_index(p, "filetask"), sw = scen_wl_index(p, "stress");
    struct scen_job jobs[LIM_TENANTS];
    int n = 0;
    char targets[FT_MAX_TARGETS * 32] = "", step[LIM_STEP_NAME];
    snprintf(step, sizeof(step), "%llu", (unsigned long long)workers);
    for (int k = 0; k < ns; k++) {
        const struct env_ctx *c = &r->t[srv[k]].ctx;
        size_t l = strlen(targets);
        snprintf(targets + l, sizeof(targets) - l, "%s%s:%d", l ? "," : "", c->info.reach_addr,
                 c->info.reach_port);
        jobs[n++] = (struct scen_job){
            .tenant = srv[k], .role = "server", .wl = p->wl[fw], .opts = p->wlopts[fw]};
    }
    int client = n;
    double ramp = 0;
    util_parse_double(scen_opt(p, "ramp"), &ramp, NULL);
    jobs[n] = (struct scen_job){.tenant = SCEN_PEER,
                                .label = i,
                                .wl = p->wl[fw],
                                .opts = p->wlopts[fw],
                                .delay_s = workers ? ramp : 0.5};
    if (kv_set(&jobs[n++].opts, "targets", targets, e) < 0) return -1;
    if (workers) {
        char v[32];
        snprintf(v, sizeof(v), "%llu", (unsigned long long)workers);
        jobs[n] = (struct scen_job){
            .tenant = stressor, .wl = p->wl[sw], .opts = p->wlopts[sw], .stop_after = client + 1};
        if (kv_set(&jobs[n].opts, "workers", v, e) < 0 ||
            kv_set(&jobs[n++].opts, "seconds", "86400", e) < 0)
            return -1;
    }
    uint64_t in0 = 0, out0 = 0, mf0 = 0, in1 = 0, out1 = 0, mf1 = 0;
    int vm = swapfile_vmstat(&in0, &out0, &mf0) == 0;
    if (scen_run_jobs(r, jobs, n, e) < 0) {
        scen_jobs_free(jobs, n);
        return -1;
    }
    vm = vm && swapfile_vmstat(&in1, &out1, &mf1) == 0;
    struct reply *cr = jobs[client].rep;
    if (cr->ok && vm &&
        (result_add(&cr->res, "swap_in_pages", "pages", BETTER_LOWER, (double)(in1 - in0),
                    &cr->err) < 0 ||
         result_add(&cr->res, "swap_out_pages", "pages", BETTER_LOWER, (double)(out1 - out0),
                    &cr->err) < 0 ||
         result_add(&cr->res, "major_faults", "faults", BETTER_LOWER, (double)(mf1 - mf0),
                    &cr->err) < 0))
        cr->ok = 0;
    if (workers && jobs[n - 1].stopped) { /* as planned: its host CPU is its sample */
        scen_stopped_sample(&jobs[n - 1], "stress.workers", step);
    } else if (workers && cr->ok) { /* the pressure was gone before the client finished */
        cr->ok = 0;
        cr->err = jobs[n - 1].rep->err;
        err_wrap(&cr->err, "the host stressor ended before the client (no pressure throughout)");
    }
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++)
        rc = scen_store(r, &jobs[k], step, rep, e);
    scen_jobs_free(jobs, n);
    return rc;
}

/* System model i: K server tenants and the host stressor up, the steps in
 * ascending order (pressure builds up), then all down. */
static int mp_model(struct scen_run *r, int i, int rep, struct err *e)
{
    struct scenario_plan *p = r->p;
    uint64_t servers = 4, w[MP_MAX_STEPS];
    util_parse_u64(scen_opt(p, "servers"), &servers, NULL);
    int nsteps = mp_steps(p, w, MP_MAX_STEPS), base = r->nt, srv[12], ns = 0, rc = 0;
    for (uint64_t k = 0; k < servers && rc == 0; k++) {
        char name[LIM_TENANT_NAME];
        snprintf(name, sizeof(name), "s%llu", (unsigned long long)k + 1);
        scen_progress(r, "memory-pressure @ %s: bringing up server %llu/%llu", p->spec[i].text,
                      (unsigned long long)k + 1, (unsigned long long)servers);
        int t = scen_tenant_up(r, i, name, (int)k, e);
        if (t < 0)
            rc = -1;
        else if (!r->t[t].ctx.info.reach_addr[0])
            rc = err_set(e, ERR_FAIL, "server %s: %s", name,
                         r->t[t].ctx.info.no_reach[0] ? r->t[t].ctx.info.no_reach : "unreachable");
        else
            srv[ns++] = t;
    }
    int stressor = rc == 0 ? scen_host_tenant_up(r, i, "stressor", e) : -1;
    if (rc == 0 && stressor < 0) rc = -1;
    if (rc < 0) { /* the model's samples fail; the others go on */
        if (env_interrupted) return -1;
        struct reply *rp = calloc(1, sizeof(*rp));
        if (!rp) return err_set(e, ERR_FAIL, "out of memory");
        rp->err = *e;
        struct scen_job fj = {.tenant = SCEN_PEER, .label = i, .wl = p->wl[0], .rep = rp};
        rc = scen_store(r, &fj, "0", rep, e);
        free(rp);
    }
    for (int s = 0; rc == 0 && stressor >= 0 && s < nsteps; s++) {
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        scen_progress(r, "memory-pressure @ %s: round %d/%d, %llu stressors", p->spec[i].text, rep,
                      p->reps, (unsigned long long)w[s]);
        rc = mp_step(r, i, srv, ns, stressor, w[s], rep, e);
    }
    for (int t = r->nt - 1; t >= base; t--)
        scen_tenant_down(r, t);
    r->nt = base;
    return rc;
}

static int mempress_run(struct scen_run *r, struct err *e)
{
    for (int rep = 1; rep <= r->p->reps; rep++)
        for (int i = 0; i < r->p->nenv; i++)
            if (mp_model(r, i, rep, e) < 0) return -1;
    return 0;
}

const struct scenario scenario_memory_pressure = {
    .name = "memory-pressure",
    .summary = "K API servers per system model under rising host memory pressure (the "
               "docker-in-KVM study): task time, spread, swapping",
    .opts = mempress_opts,
    .net = 1,
    .check = mempress_check,
    .run = mempress_run,
};
