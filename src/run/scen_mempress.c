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
     .min = 0.0,
     .lower = WL_MIN_INCL,
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
    {"server",
     "the API server: c (isobench's endpoint, write(2)) or node (Node.js + Express with "
     "fs.writeSync, the study's; needs nodejs and node-express in every model: a VM only with "
     "an image that has them)",
     {"c", "c", "c"},
     .type = WL_T_ENUM,
     .values = "c|node"},
    {.name = NULL},
};

/* The study's two hosts (Jang, Lee, Yu, Tables 1 and 2): HostA with 8 GB
 * and 1 GB guests, stress -m stepped by one worker; HostB with 32 GB and
 * 2 GB guests, stepped by twenty; one-vCPU guests, the Node.js + Express
 * server, four of them. The study names no swap size: Ubuntu 18.04's
 * default swap file (2 GB). How far they stepped is not stated: far enough
 * here that stressors and guests exceed the host. */
static const struct scen_preset mempress_presets[] = {
    {"hosta",
     "the study's HostA: 8 GB, 1 vCPU / 1 GB guests, +1 stress worker (256 MB) a step",
     {"server=node;servers=4;workers=0,1,2", "server=node;servers=4;workers=0,1,2,3,4,5,6,7,8",
      "server=node;servers=4;workers=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
      "23,24"},
     "8G",
     "2G",
     "cpus=1,mem=1G",
     8ull << 30},
    {"hostb",
     "the study's HostB: 32 GB, 1 vCPU / 2 GB guests, +20 stress workers (5 GB) a step",
     {"server=node;servers=4;workers=0,20", "server=node;servers=4;workers=0,20,40",
      "server=node;servers=4;workers=0,20,40,60,80,100,120"},
     "32G",
     "2G",
     "cpus=1,mem=2G",
     32ull << 30},
    {.name = NULL},
};

#define MP_MAX_STEPS 64
/* The server option's words, in its table's order. */
enum mp_server { MP_SERVER_C, MP_SERVER_NODE };

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

/* At plan time: the servers, workers and presets checked against the
 * host (and --host-mem), the file-task and stress workloads added; every
 * environment must be able to hold its servers. ERR_USAGE on bad input. */
static int mempress_check(struct scenario_plan *p, struct err *e)
{
    uint64_t servers = 4, bytes = 0, w[MP_MAX_STEPS];
    if (scen_u64(p, "servers", &servers, e) < 0 || scen_size(p, "bytes", &bytes, e) < 0) return -1;
    int n = mp_steps(p, w, MP_MAX_STEPS);
    if (n <= 0) return err_set(e, ERR_USAGE, "memory-pressure: workers must be a list");
    if (scen_fit_tenants(p, (int)servers, e) < 0) return -1;
    struct kvlist fo = {0};
    if (kv_set(&fo, "bytes", scen_opt(p, "task-bytes"), e) < 0 ||
        kv_set(&fo, "writes", scen_opt(p, "task-writes"), e) < 0 ||
        kv_set(&fo, "rounds", scen_opt(p, "rounds"), e) < 0 ||
        kv_set(&fo, "server", scen_opt(p, "server"), e) < 0)
        return -1;
    int server = MP_SERVER_C;
    if (scen_enum(p, "server", &server, e) < 0) return -1;
    if ((enum mp_server)server == MP_SERVER_NODE) {
        const char *why = ft_node_unavailable(); /* the host's: native's and containers' root */
        if (why) return err_set(e, ERR_USAGE, "memory-pressure: server=node: %s", why);
        for (int i = 0; i < p->nenv; i++)
            if (!strcmp(p->env[i]->name, "vm") && !kv_get(&p->spec[i].kv, "image"))
                return err_set(e, ERR_USAGE,
                               "memory-pressure: server=node: %s boots an initramfs without "
                               "Node.js (give it an image that has nodejs and node-express: "
                               "vm:image=NAME)",
                               p->spec[i].text);
    }
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

/* Each server tenant's own memory counters over the step (m0: before;
 * major_faults UINT64_MAX where it has none), from its memory cgroup:
 * into its own sample major_faults and swap_mib (swapped out at the end),
 * on kernels that count them swap_in/out_pages; into the client's the
 * sums over the servers, prefixed "tenants_". A model whose servers lack
 * a memory cgroup (an engine's containers) gets a fact saying so. */
static int mp_tenant_counts(struct scen_run *r, struct scen_job *jobs, const int *srv, int ns,
                            const struct cg_memcount *m0, struct reply *cr)
{
    double mf = 0, swap = 0, sin = 0, sout = 0;
    int all = 1, io = 1;
    for (int k = 0; k < ns; k++) {
        struct cg_memcount m1;
        if (m0[k].major_faults == UINT64_MAX ||
            cgroup_memcount_read(r->t[srv[k]].ctx.info.mem_dir, &m1) < 0) {
            all = 0;
            continue;
        }
        double d = (double)(m1.major_faults - m0[k].major_faults), s = m1.swap_bytes / 1048576.0;
        double di = (double)(m1.swap_in - m0[k].swap_in),
               dout = (double)(m1.swap_out - m0[k].swap_out);
        mf += d, swap += s, sin += di, sout += dout;
        io &= m1.has_swap_io;
        struct reply *sr = jobs[k].reply;
        if (sr->ok &&
            (result_add(&sr->res, "major_faults", "faults", BETTER_LOWER, d, &sr->err) < 0 ||
             result_add(&sr->res, "swap_mib", "MiB", BETTER_LOWER, s, &sr->err) < 0 ||
             (m1.has_swap_io &&
              (result_add(&sr->res, "swap_in_pages", "pages", BETTER_LOWER, di, &sr->err) < 0 ||
               result_add(&sr->res, "swap_out_pages", "pages", BETTER_LOWER, dout, &sr->err) < 0))))
            sr->ok = 0;
    }
    if (!all) {
        kv_set(&cr->res.facts, "tenants.memcount",
               "not every server has a memory cgroup isobench reads: no per-tenant counts", NULL);
        return 0;
    }
    if (result_add(&cr->res, "tenants_major_faults", "faults", BETTER_LOWER, mf, &cr->err) < 0 ||
        result_add(&cr->res, "tenants_swap_mib", "MiB", BETTER_LOWER, swap, &cr->err) < 0)
        return -1;
    if (io &&
        (result_add(&cr->res, "tenants_swap_in_pages", "pages", BETTER_LOWER, sin, &cr->err) < 0 ||
         result_add(&cr->res, "tenants_swap_out_pages", "pages", BETTER_LOWER, sout, &cr->err) < 0))
        return -1;
    return 0;
}

/* After a step: what each server's environment looks like from the host
 * (env probe: a VM's QEMU resident memory and, with vm:balloon=on, how
 * far its balloon is inflated), summed over the servers into the client's
 * sample - the study blamed the VMs' swapping on ballooning it could not
 * see; this row shows whether the balloon moved. Nothing when a server's
 * environment has no probe. */
static int mp_probe(struct scen_run *r, const int *srv, int ns, struct reply *cr)
{
    double rss = 0, balloon = 0;
    int nballoon = 0;
    for (int k = 0; k < ns; k++) {
        struct env_ctx *c = &r->t[srv[k]].ctx;
        if (!c->rq || !c->rq->env->probe) return 0;
        struct kvlist *f = calloc(1, sizeof(*f));
        if (!f) return err_set(&cr->err, ERR_FAIL, "out of memory");
        int rc = c->rq->env->probe(c, f, &cr->err);
        const char *v = kv_get(f, "qemu_rss_bytes"), *b = kv_get(f, "balloon_inflated_bytes");
        if (v) rss += atof(v);
        if (b) balloon += atof(b), nballoon++;
        free(f);
        if (rc < 0) return err_wrap(&cr->err, "server %d's environment", k + 1);
    }
    if (result_add(&cr->res, "tenants_qemu_rss_mib", "MiB", BETTER_LOWER, rss / 1048576.0,
                   &cr->err) < 0)
        return -1;
    if (nballoon == ns && result_add(&cr->res, "tenants_balloon_mib", "MiB", BETTER_LOWER,
                                     balloon / 1048576.0, &cr->err) < 0)
        return -1;
    return 0;
}

/* One step of system model i: the servers' jobs, the host stressor (when
 * workers > 0), the client after the ramp; all samples stored. */
static int mp_step(struct scen_run *r, int i, const int *srv, int ns, int stressor,
                   uint64_t workers, int round, struct err *e)
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
    if (scen_secs(p, "ramp", &ramp, e) < 0) return -1;
    jobs[n] = (struct scen_job){.tenant = SCEN_PEER,
                                .label = i,
                                .wl = p->wl[fw],
                                .opts = p->wlopts[fw],
                                .delay_s = workers ? ramp : 0.5};
    if (kv_set(&jobs[n++].opts, "targets", targets, e) < 0) return -1;
    if (workers) {
        char v[32];
        snprintf(v, sizeof(v), "%llu", (unsigned long long)workers);
        jobs[n] = (struct scen_job){.tenant = stressor,
                                    .wl = p->wl[sw],
                                    .opts = p->wlopts[sw],
                                    .stopped_by = SCEN_REF(client)};
        if (kv_set(&jobs[n].opts, "workers", v, e) < 0 ||
            kv_set(&jobs[n++].opts, "seconds", "86400", e) < 0)
            return -1;
    }
    uint64_t in0 = 0, out0 = 0, mf0 = 0, in1 = 0, out1 = 0, mf1 = 0;
    struct cg_memcount m0[FT_MAX_TARGETS];
    int vm = swapfile_vmstat(&in0, &out0, &mf0) == 0;
    for (int k = 0; k < ns; k++)
        if (cgroup_memcount_read(r->t[srv[k]].ctx.info.mem_dir, &m0[k]) < 0)
            m0[k].major_faults = UINT64_MAX; /* none: no per-tenant counts */
    if (scen_run_jobs(r, jobs, n, e) < 0) {
        scen_jobs_free(jobs, n);
        return -1;
    }
    vm = vm && swapfile_vmstat(&in1, &out1, &mf1) == 0;
    struct reply *cr = jobs[client].reply;
    if (cr->ok && mp_tenant_counts(r, jobs, srv, ns, m0, cr) < 0) cr->ok = 0;
    if (cr->ok && mp_probe(r, srv, ns, cr) < 0) cr->ok = 0;
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
        cr->err = jobs[n - 1].reply->err;
        err_wrap(&cr->err, "the host stressor ended before the client (no pressure throughout)");
    }
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++)
        rc = scen_store(r, &jobs[k], step, round, e);
    scen_jobs_free(jobs, n);
    return rc;
}

/* System model i: K server tenants and the host stressor up, the steps in
 * ascending order (pressure builds up), then all down. */
static int mp_model(struct scen_run *r, int i, int round, struct err *e)
{
    struct scenario_plan *p = r->p;
    uint64_t servers = 4, w[MP_MAX_STEPS];
    if (scen_u64(p, "servers", &servers, e) < 0) return -1;
    int nsteps = mp_steps(p, w, MP_MAX_STEPS), base = r->nt, srv[12], ns = (int)servers, rc = 0;
    char names[12][LIM_TENANT_NAME];
    const char *np[12];
    for (int k = 0; k < ns; k++) {
        snprintf(names[k], sizeof(names[k]), "s%d", k + 1);
        np[k] = names[k];
    }
    scen_progress(r, "memory-pressure @ %s: bringing up %d servers", p->spec[i].text, ns);
    rc = scen_tenants_up(r, i, np, ns, srv, e);
    for (int k = 0; k < ns && rc == 0; k++)
        if (!r->t[srv[k]].ctx.info.reach_addr[0])
            rc = err_set(e, ERR_FAIL, "server %s: %s", names[k],
                         r->t[srv[k]].ctx.info.no_reach[0] ? r->t[srv[k]].ctx.info.no_reach
                                                           : "unreachable");
    int stressor = rc == 0 ? scen_host_tenant_up(r, i, "stressor", e) : -1;
    if (rc == 0 && stressor < 0) rc = -1;
    if (rc < 0) { /* the model's samples fail; the others go on */
        if (env_interrupted) return -1;
        struct reply *rp = calloc(1, sizeof(*rp));
        if (!rp) return err_set(e, ERR_FAIL, "out of memory");
        rp->err = *e;
        struct scen_job fj = {.tenant = SCEN_PEER, .label = i, .wl = p->wl[0], .reply = rp};
        rc = scen_store(r, &fj, "0", round, e);
        free(rp);
    }
    for (int s = 0; rc == 0 && stressor >= 0 && s < nsteps; s++) {
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        scen_progress(r, "memory-pressure @ %s: round %d/%d, %llu stressors", p->spec[i].text,
                      round, p->reps, (unsigned long long)w[s]);
        rc = mp_step(r, i, srv, ns, stressor, w[s], round, e);
    }
    for (int t = r->nt - 1; t >= base; t--)
        scen_tenant_down(r, t);
    r->nt = base;
    return rc;
}

static int mempress_run(struct scen_run *r, struct err *e)
{
    for (int round = 1; round <= r->p->reps; round++)
        for (int i = 0; i < r->p->nenv; i++)
            if (mp_model(r, i, round, e) < 0) return -1;
    return 0;
}

const struct scenario scenario_memory_pressure = {
    .name = "memory-pressure",
    .summary = "K API servers per system model under rising host memory pressure (the "
               "docker-in-KVM study): task time, spread, swapping",
    .opts = mempress_opts,
    .net = 1,
    .presets = mempress_presets,
    .check = mempress_check,
    .run = mempress_run,
};
