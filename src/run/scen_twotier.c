/* two-tier - the Xen-vs-LXC study (Scheepers) on any pair of
 * environments: WordPress (the wordpress workload: Apache + mod_php) in an
 * app tenant, its MariaDB (the mysql workload's server half,
 * schema=wordpress) in a DB tenant, talking over the environments' own
 * network path (the run's bridge for NAT containers and VMs, the host for
 * native and net=host); `-e SPEC` gives both tiers one environment, `-e
 * APP,DB` two. Each tier gets the study's size (app-cpus/app-mem,
 * db-cpus/db-mem; --slice gives every tenant one budget instead). Per
 * round, two steps, each on fresh servers (a new database, WordPress
 * installed through its own installer):
 *   alone      the client in the peer namespace times the inter-tier
 *              probe (single-row SELECTs, then INSERTs of random rows,
 *              both run by PHP in the app tier against the DB tier), then
 *              drives the front page with users ramped 1 -> U;
 *   aggressor  the INSERTs again while an aggressor tenant of the DB
 *              tier's environment, with the DB tier's slice, runs
 *              stress-ng on CPU and memory beside it.
 * Each tier's idle footprint (host memory added and the PSS of its
 * processes once it is up, before its servers start) is the step "idle".
 * Every server half is stopped when its client is done; its sample is
 * then the host CPU its tier spent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "run/scenario.h"

static const struct wl_opt twotier_opts[] = {
    {"users",
     "users at the end of the ramp",
     {"10", "50", "100"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 4096},
    {"ramp",
     "seconds over which users grow from 1",
     {"40", "240", "720"},
     .type = WL_T_SECS,
     .min = 0.0,
     .max = 86400.0,
     .unit = "s"},
    {"duration",
     "seconds of load (the ramp included)",
     {"60", "300", "800"},
     .type = WL_T_SECS,
     .min = 0.0,
     .max = 86400.0,
     .unit = "s"},
    {"selects",
     "single-row SELECTs of the inter-tier probe",
     {"200", "1000", "1000"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 20000},
    {"inserts",
     "INSERTs alone and beside the aggressor (the study: 10,000)",
     {"1000", "10000", "10000"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 20000},
    {"app-cpus",
     "the app tier's CPUs (the study: 2)",
     {"1", "2", "2"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 1024},
    {"app-mem",
     "the app tier's memory (the study: 2 GiB)",
     {"1G", "2G", "2G"},
     .type = WL_T_SIZE,
     .min = 268435456.0,
     .max = 0x1p44},
    {"db-cpus",
     "the DB tier's CPUs, and its aggressor's",
     {"1", "1", "1"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 1024},
    {"db-mem",
     "the DB tier's memory (the study: 1 GiB), and its aggressor's",
     {"1G", "1G", "1G"},
     .type = WL_T_SIZE,
     .min = 268435456.0,
     .max = 0x1p44},
    {"aggressor-workers",
     "stress-ng workers of each kind (cpu, vm) in the aggressor",
     {"1", "1", "2"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 64},
    {"aggressor-bytes",
     "bytes per vm worker of the aggressor",
     {"128M", "256M", "256M"},
     .type = WL_T_SIZE,
     .min = 4096.0,
     .max = 0x1p40},
    {.name = NULL},
};

/* The tiers' sizes: the plan's --slice when given, else the options'. */
static void tt_sizes(const struct scenario_plan *p, struct slice *app, struct slice *db)
{
    if (p->slice.cpus || p->slice.mem) {
        *app = *db = p->slice;
        return;
    }
    uint64_t v = 1;
    util_parse_u64(scen_opt(p, "app-cpus"), &v, NULL);
    app->cpus = (int)v;
    util_parse_size(scen_opt(p, "app-mem"), &app->mem, NULL);
    util_parse_u64(scen_opt(p, "db-cpus"), &v, NULL);
    db->cpus = (int)v;
    util_parse_size(scen_opt(p, "db-mem"), &db->mem, NULL);
}

static int tt_app(const struct scenario_plan *p)
{
    (void)p;
    return 0;
}

static int tt_db(const struct scenario_plan *p)
{
    return p->nenv - 1;
}

/* Plans the tiers' workloads with the scenario's sizes, and refuses what
 * cannot host them: more than two environments, a tier without a network
 * path, tiers that would not fit the host's memory or its CPUs. */
static int twotier_check(struct scenario_plan *p, struct err *e)
{
    if (p->nenv > 2)
        return err_set(e, ERR_USAGE,
                       "two-tier: -e takes one environment (both tiers) or two (app,db), not %d",
                       p->nenv);
    /* a job runs as long as its tier serves: installing WordPress in an
     * emulated guest and the study's 800 s load take more than 600 s */
    if (p->timeout_s < 3600) p->timeout_s = 3600;
    struct slice app, db;
    tt_sizes(p, &app, &db);
    if (p->host.mem_avail && app.mem + 2 * db.mem > p->host.mem_avail)
        return err_set(e, ERR_USAGE,
                       "two-tier: the app tier (%llu MiB), the DB tier and its aggressor (%llu MiB "
                       "each) take more than the %llu MiB available",
                       (unsigned long long)(app.mem >> 20), (unsigned long long)(db.mem >> 20),
                       (unsigned long long)(p->host.mem_avail >> 20));
    if (p->host.ncpus && (app.cpus > p->host.ncpus || db.cpus > p->host.ncpus))
        return err_set(e, ERR_USAGE, "two-tier: a tier of %d CPUs on a host of %d",
                       app.cpus > db.cpus ? app.cpus : db.cpus, p->host.ncpus);
    for (int i = 0; i < p->nenv; i++) {
        const char *why = env_lacks(p->env[i], &p->spec[i], WL_NEEDS_NET);
        if (why)
            return err_set(e, ERR_USAGE, "two-tier: %s cannot host a tier: %s", p->spec[i].text,
                           why);
    }
    struct kvlist wo = {0}, mo = {0}, so = {0};
    static const char *const pass[] = {"users", "ramp", "duration", "selects", "inserts", NULL};
    for (int i = 0; pass[i]; i++)
        if (kv_set(&wo, pass[i], scen_opt(p, pass[i]), e) < 0) return -1;
    /* the DB tier serves as long as the run needs it: its server half is
     * stopped by the scenario, its own budget only a cap (sysbench's
     * duration is part of it; no sysbench runs) */
    if (kv_set(&mo, "schema", "wordpress", e) < 0 || kv_set(&mo, "threads", "1", e) < 0 ||
        kv_set(&mo, "duration", "3600", e) < 0)
        return -1;
    if (kv_set(&so, "stressor", "cpu+vm", e) < 0 ||
        kv_set(&so, "workers", scen_opt(p, "aggressor-workers"), e) < 0 ||
        kv_set(&so, "bytes", scen_opt(p, "aggressor-bytes"), e) < 0 ||
        kv_set(&so, "seconds", "86400", e) < 0)
        return -1;
    if (scen_plan_workload(p, "wordpress", &wo, e) < 0 ||
        scen_plan_workload(p, "mysql", &mo, e) < 0 || scen_plan_workload(p, "stress", &so, e) < 0 ||
        scen_plan_workload(p, "null", NULL, e) < 0)
        return -1;
    /* each tier must hold its own workload (a VM its guest, a container
     * its limit): the sizes are checked by the environment like a spec */
    struct env_needs n = {.host = &p->host};
    const struct {
        int spec;
        const struct slice *sl;
        const char *wl;
    } tiers[] = {
        {tt_app(p), &app, "wordpress"}, {tt_db(p), &db, "mysql"}, {tt_db(p), &db, "stress"}};
    for (size_t k = 0; k < sizeof(tiers) / sizeof(tiers[0]); k++) {
        int w = scen_wl_index(p, tiers[k].wl), i = tiers[k].spec;
        struct spec sp = p->spec[i];
        n.mem_bytes = p->wl_mem[w];
        n.disk_bytes = p->wl_disk[w];
        if (slice_apply(tiers[k].sl, p->env[i], 0, p->host.ncpus, 1, &sp, e) < 0 ||
            (p->env[i]->fit && p->env[i]->fit(&sp, &n, e) < 0))
            return err_wrap(e, "two-tier: the %s tier", k == 0 ? "app" : "DB");
    }
    return 0;
}

/* Brings up tier tenant name (spec i, slice sl, CPUs from slot) and
 * stores its idle footprint as step "idle": the null job it answers, the
 * host memory it added and the PSS of its processes. */
static int tt_tier_up(struct scen_run *r, int i, const char *name, int slot, const struct slice *sl,
                      struct err *e)
{
    struct meminfo m0, m1;
    if (scen_meminfo_read(&m0, e) < 0) return -1;
    double t0 = util_now();
    struct scen_job j;
    int t = scen_tenant_probe(r, i, name, slot, sl, &j, e);
    if (t == -1) return -1;
    double start_s = util_now() - t0;
    struct result *res = &j.rep->res;
    if (j.rep->ok && scen_meminfo_read(&m1, &j.rep->err) < 0) j.rep->ok = 0;
    if (j.rep->ok) {
        double pss = scen_tenant_pss_mib(&r->t[t].ctx);
        if (result_add(res, "start_s", "s", BETTER_LOWER, start_s, &j.rep->err) < 0 ||
            result_add(res, "host_mem_mib", "MiB", BETTER_LOWER, (m0.avail - m1.avail) / 1024.0,
                       &j.rep->err) < 0 ||
            (pss >= 0 && result_add(res, "pss_mib", "MiB", BETTER_LOWER, pss, &j.rep->err) < 0))
            j.rep->ok = 0;
    }
    int ok = j.rep->ok;
    int rc = scen_store(r, &j, "idle", 1, e);
    scen_jobs_free(&j, 1);
    if (rc < 0) return -1;
    return ok ? t : -2;
}

/* Where the app tier reaches tenant t's server: its address on the run's
 * bridge, or the host's when it shares the host's network namespace. */
static int tt_db_target(struct scen_run *r, int t, char *out, size_t len, struct err *e)
{
    const struct env_ctx *c = &r->t[t].ctx;
    const char *a = c->info.local_addr[0] ? c->info.local_addr : c->info.serve_addr;
    if (!a[0])
        return err_set(e, ERR_FAIL,
                       "two-tier: %s has no address another tenant reaches (tiers talk over the "
                       "run's bridge or the host's network: podman's and Docker's own bridges are "
                       "not joined)",
                       r->t[t].req.spec.text);
    snprintf(out, len, "%s:%d", a, r->t[t].req.port);
    return 0;
}

/* A server half or the aggressor, stopped as planned or ended by the
 * client's stop request: its sample is what its tier spent while it ran -
 * active_s and host_cpus_busy (CPU seconds per second, from the tenant's
 * cgroup) - with the facts it reported (install time, versions). */
static void tt_tier_sample(struct scen_job *sj)
{
    if (sj->stopped) {
        scen_stopped_sample(sj, "two-tier.stopped", "1");
        return;
    }
    struct reply *rp = sj->rep;
    if (!rp->ok) return;
    double active = sj->t1 - sj->t0;
    rp->res.n = 0;
    if (result_add(&rp->res, "active_s", "s", BETTER_LOWER, active, &rp->err) < 0 ||
        (sj->cpu_s >= 0 && active > 0 &&
         result_add(&rp->res, "host_cpus_busy", "CPUs", BETTER_HIGHER, sj->cpu_s / active,
                    &rp->err) < 0))
        rp->ok = 0;
}

/* One step on fresh servers: the DB tier's and app tier's server halves
 * and the client, with the aggressor beside them when aggr >= 0. */
static int tt_step(struct scen_run *r, int app, int db, int aggr, int rep, struct err *e)
{
    struct scenario_plan *p = r->p;
    int ww = scen_wl_index(p, "wordpress"), mw = scen_wl_index(p, "mysql"),
        sw = scen_wl_index(p, "stress");
    const char *step = aggr >= 0 ? "aggressor" : "alone";
    char dbt[96], appt[96];
    struct err te = {0};
    int reach = tt_db_target(r, db, dbt, sizeof(dbt), &te) == 0;
    const struct env_ctx *ac = &r->t[app].ctx;
    if (reach && !ac->info.reach_addr[0])
        reach = err_set(&te, ERR_FAIL, "two-tier: the peer cannot reach the app tier: %s",
                        ac->info.no_reach[0] ? ac->info.no_reach : "no path") == 0;
    snprintf(appt, sizeof(appt), "%s:%d", ac->info.reach_addr, ac->info.reach_port);
    struct scen_job jobs[4] = {
        /* the client waits for the site for up to half an hour (an emulated
         * guest installing WordPress): an app tier that failed ends it */
        {.tenant = SCEN_PEER,
         .label = tt_app(p),
         .wl = p->wl[ww],
         .opts = p->wlopts[ww],
         .stop_after = 3,
         .stop_delay_s = 10}, /* not while it reports, after its stop request */
        {.tenant = db, .role = "server", .wl = p->wl[mw], .opts = p->wlopts[mw], .stop_after = 1},
        {.tenant = app,
         .role = "server",
         .wl = p->wl[ww],
         .opts = p->wlopts[ww],
         .stop_after = 1,
         .stop_delay_s = 30}, /* it ends on the client's stop request */
    };
    int n = 3;
    if (aggr >= 0)
        jobs[n++] = (struct scen_job){
            .tenant = aggr, .wl = p->wl[sw], .opts = p->wlopts[sw], .stop_after = 1};
    if (kv_set(&jobs[0].opts, "app", appt, e) < 0 ||
        kv_set(&jobs[0].opts, "phase", aggr >= 0 ? "insert" : "full", e) < 0 ||
        kv_set(&jobs[2].opts, "db", reach ? dbt : "0.0.0.0:1", e) < 0)
        return -1;
    if (!reach) { /* no path between the tiers: the step's samples fail with why */
        for (int k = 0; k < n; k++) {
            jobs[k].rep = calloc(1, sizeof(*jobs[k].rep));
            if (!jobs[k].rep) return err_set(e, ERR_FAIL, "out of memory");
            jobs[k].rep->err = te;
            jobs[k].t0 = jobs[k].t1 = util_now();
            jobs[k].cpu_s = -1;
        }
    } else if (scen_run_jobs(r, jobs, n, e) < 0) {
        scen_jobs_free(jobs, n);
        return -1;
    }
    for (int k = 1; reach && k < n; k++)
        tt_tier_sample(&jobs[k]);
    if (reach && jobs[0].stopped) { /* the app tier ended before its client */
        jobs[0].rep->ok = 0;
        err_set(&jobs[0].rep->err, ERR_FAIL, "the app tier ended before its client: %s",
                jobs[2].rep->ok ? "without an error" : jobs[2].rep->err.msg);
    }
    if (aggr >= 0 && reach && jobs[0].rep->ok && !jobs[3].stopped) {
        jobs[0].rep->ok = 0; /* the aggressor ended first: not contended throughout */
        jobs[0].rep->err = jobs[3].rep->err;
        err_wrap(&jobs[0].rep->err, "the aggressor ended before the INSERTs did");
    }
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++)
        rc = scen_store(r, &jobs[k], step, rep, e);
    scen_jobs_free(jobs, n);
    return rc;
}

static int twotier_run(struct scen_run *r, struct err *e)
{
    struct scenario_plan *p = r->p;
    struct slice app_sl, db_sl;
    tt_sizes(p, &app_sl, &db_sl);
    /* the DB tier and its aggressor share the DB's CPUs (slot 1), the app
     * tier has its own (slot 0) where the host has them */
    scen_progress(r, "two-tier: bringing up the DB tier (%s)", p->spec[tt_db(p)].text);
    int db = tt_tier_up(r, tt_db(p), "db", 1, &db_sl, e);
    scen_progress(r, "two-tier: bringing up the app tier (%s)", p->spec[tt_app(p)].text);
    int app = db == -1 ? -1 : tt_tier_up(r, tt_app(p), "app", 0, &app_sl, e);
    scen_progress(r, "two-tier: bringing up the aggressor (%s)", p->spec[tt_db(p)].text);
    int aggr = app == -1 ? -1 : tt_tier_up(r, tt_db(p), "aggressor", 1, &db_sl, e);
    int rc = db == -1 || app == -1 || aggr == -1 ? -1 : 0;
    for (int rep = 1; rc == 0 && db >= 0 && app >= 0 && rep <= p->reps; rep++) {
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        scen_progress(r, "two-tier: round %d/%d, alone (install, SELECTs, INSERTs, ramp)", rep,
                      p->reps);
        rc = tt_step(r, app, db, -1, rep, e);
        if (rc == 0 && aggr >= 0) {
            scen_progress(r, "two-tier: round %d/%d, INSERTs beside the aggressor", rep, p->reps);
            rc = tt_step(r, app, db, aggr, rep, e);
        }
    }
    for (int t = r->nt - 1; t >= 0; t--)
        scen_tenant_down(r, t);
    return rc;
}

const struct scenario scenario_two_tier = {
    .name = "two-tier",
    .summary = "WordPress and MariaDB in separate environments under a ramped HTTP load, "
               "inter-tier latency, INSERTs beside a noisy neighbour (the Xen-vs-LXC study)",
    .opts = twotier_opts,
    .net = 1,
    .check = twotier_check,
    .run = twotier_run,
};
