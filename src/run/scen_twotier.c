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
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/proc.h"
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
     .lower = WL_MIN_EXCL,
     .max = 86400.0,
     .unit = "s"},
    {"duration",
     "seconds of load (the ramp included)",
     {"60", "300", "800"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
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
     "the DB tier's CPUs, and its aggressor's (the study: 2; with cpu-share=cpuset 1 unless given)",
     {"1", "2", "2"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 1024},
    {"cpu-share",
     "how the tiers share the host's CPUs: weight (the study's LXC: every tier on the CPUs from "
     "CPU 0, overlapping, each with its cgroup cpu-weight) or cpuset (each tier on CPUs of its "
     "own, no weights, the DB tier on 1 CPU unless db-cpus is given: the earlier default)",
     {"weight", "weight", "weight"},
     .type = WL_T_ENUM,
     .values = "weight|cpuset"},
    {"app-weight",
     "the app tier's cpu-weight under cpu-share=weight (1..10000, 100 the kernel's default; the "
     "study states no value: equal weights)",
     {"100", "100", "100"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 10000},
    {"db-weight",
     "the DB tier's cpu-weight under cpu-share=weight, its aggressor's too",
     {"100", "100", "100"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 10000},
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

/* The cpu-share option's words, in its table's order. */
enum tt_share { TT_SHARE_WEIGHT, TT_SHARE_CPUSET };

/* cpu-share=weight (the default): the tiers share CPUs by cgroup weight.
 * (The option is typed at plan time; a name or type this file got wrong
 * would read as the default, which unit_scenario's cpuset case fails.) */
static int tt_weighted(const struct scenario_plan *p)
{
    int share = TT_SHARE_WEIGHT;
    struct err ignored = {0};
    scen_enum(p, "cpu-share", &share, &ignored);
    return (enum tt_share)share == TT_SHARE_WEIGHT;
}

/* The tiers' sizes: the plan's --slice when given, else the options'
 * (cpu-share=cpuset keeps its earlier DB tier of 1 CPU unless db-cpus
 * is given). */
static int tt_sizes(const struct scenario_plan *p, struct slice *app, struct slice *db,
                    struct err *e)
{
    if (p->slice.cpus || p->slice.mem) {
        *app = *db = p->slice;
        return 0;
    }
    uint64_t ac = 1, dc = 1;
    if (scen_u64(p, "app-cpus", &ac, e) < 0 || scen_size(p, "app-mem", &app->mem, e) < 0 ||
        scen_u64(p, "db-cpus", &dc, e) < 0 || scen_size(p, "db-mem", &db->mem, e) < 0)
        return -1;
    app->cpus = (int)ac;
    db->cpus = (int)dc;
    if (!tt_weighted(p) && !kv_get(&p->opts, "db-cpus")) db->cpus = 1;
    return 0;
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

/* The tenants: the two tiers and the DB tier's aggressor. */
enum { TT_APP, TT_DB, TT_AGGR, TT_N };
static const char *const tt_names[TT_N] = {"app", "db", "aggressor"};

/* 1 when env takes a cpu-weight= key (the container drivers). */
static int tt_takes_weight(const struct env *env)
{
    for (const char *const *k = env->keys; k && *k; k++)
        if (!strcmp(*k, "cpu-weight")) return 1;
    return 0;
}

/* Tier k's spec: its plan spec with the tier's slice - under cpu-share=
 * weight on the CPUs from CPU 0 (the tiers overlap and compete), else the
 * app tier's from 0 and the DB tier's (its aggressor's too) from the
 * first slot past the app tier's - and, under weight, its cpu-weight where
 * the environment takes one (a spec setting it itself is ERR_USAGE). */
int twotier_tier_spec(const struct scenario_plan *p, int k, struct spec *sp, struct err *e)
{
    struct slice app = {0}, db = {0};
    if (tt_sizes(p, &app, &db, e) < 0) return -1;
    int i = k == TT_APP ? tt_app(p) : tt_db(p), w = tt_weighted(p);
    int slot = w || k == TT_APP || !db.cpus ? 0 : (app.cpus + db.cpus - 1) / db.cpus;
    *sp = p->spec[i];
    if (slice_apply(k == TT_APP ? &app : &db, p->env[i], slot, p->host.ncpus, 1, sp, e) < 0)
        return -1;
    if (!w || !tt_takes_weight(p->env[i])) return 0;
    if (kv_get(&p->spec[i].kv, "cpu-weight"))
        return err_set(e, ERR_USAGE,
                       "%s sets cpu-weight itself: drop it, or give -o app-weight / "
                       "db-weight (or -o cpu-share=cpuset)",
                       p->spec[i].text);
    return spec_add(sp, "cpu-weight", scen_opt(p, k == TT_APP ? "app-weight" : "db-weight"), e);
}

/* Each tier must hold its own workload (a VM its guest, a container its
 * limit) as the spec it will run with (twotier_tier_spec: slice,
 * cpu-weight), checked by the environment's fit like any spec. */
static int tt_check_tiers(struct scenario_plan *p, struct err *e)
{
    static const char *const wl[TT_N] = {"wordpress", "mysql", "stress"};
    struct env_needs n = {.host = &p->host};
    for (int k = 0; k < TT_N; k++) {
        int w = scen_wl_index(p, wl[k]), i = k == TT_APP ? tt_app(p) : tt_db(p);
        struct spec sp;
        n.mem_bytes = p->wl_mem[w];
        n.disk_bytes = p->wl_disk[w];
        if (twotier_tier_spec(p, k, &sp, e) < 0 ||
            (p->env[i]->fit && p->env[i]->fit(&sp, &n, e) < 0))
            return err_wrap(e, "two-tier: the %s tier", k == TT_APP ? "app" : "DB");
    }
    return 0;
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
    struct slice app = {0}, db = {0};
    if (tt_sizes(p, &app, &db, e) < 0) return -1;
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
    return tt_check_tiers(p, e);
}

/* ---- the isolation layer's host side: what the host runs for a tenant
 * outside the tenant's own cgroup ---- */

struct tt_layer {
    double own_kb;    /* PSS of the processes serving this tenant alone */
    double shared_kb; /* PSS of daemons serving every container (counted whole) */
    char what[600];   /* "NAME PID X.X MiB, ..." or why nothing */
    int pids[32], n;  /* counted, each once */
};

int twotier_smaps_split(FILE *f, uint64_t size_kb, double *total_kb, double *ram_kb)
{
    char line[512];
    unsigned long long size = 0, v;
    int n = 0;
    *total_kb = *ram_kb = 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "Size: %llu kB", &v) == 1) size = v;
        if (sscanf(line, "Pss: %llu kB", &v) != 1) continue;
        *total_kb += (double)v;
        if (size == size_kb) *ram_kb += (double)v, n++;
    }
    return n;
}

/* 1 when pid is in the cgroup at dir or one below it - but LXC's monitor
 * cgroup: with lxc.cgroup.dir = D, LXC puts its monitor (lxc-start) in
 * D/lxc.monitor.NAME beside the container's D/lxc.payload.NAME, and the
 * monitor is the isolation layer's, not the tenant's. */
static int tt_cg_has(const char *dir, int pid, int depth)
{
    char path[PATH_MAX], *buf cleanup_free = malloc(65536);
    int has = 0;
    if (!buf || snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path)) return 0;
    if (util_read_file(path, buf, 65536) == 0)
        for (const char *l = buf; l && *l && !has; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
            has = atoi(l) == pid;
    DIR *d = depth < 8 && !has ? opendir(dir) : NULL;
    for (struct dirent *de; !has && d && (de = readdir(d));)
        if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
            strncmp(de->d_name, "lxc.monitor.", 12) &&
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
            has = tt_cg_has(path, pid, depth + 1);
    if (d) closedir(d);
    return has;
}

/* PSS of pid in KiB (smaps_rollup), -1 when it is gone. */
static double tt_pss_kb(int pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
    const char *ps = util_read_file(path, buf, sizeof(buf)) == 0 ? strstr(buf, "\nPss:") : NULL;
    return ps ? atof(ps + 5) : -1;
}

/* Counts pid (once, at most 32) into l: shared daemons apart, its name
 * and PSS listed. */
static void tt_layer_add(struct tt_layer *l, int pid)
{
    char comm[64];
    int ppid;
    for (int k = 0; k < l->n; k++)
        if (l->pids[k] == pid) return;
    double kb = tt_pss_kb(pid);
    if (l->n >= 32 || kb < 0 || proc_stat_comm(pid, comm, sizeof(comm), &ppid) < 0) return;
    l->pids[l->n++] = pid;
    int shared = !strcmp(comm, "dockerd") || !strcmp(comm, "containerd");
    *(shared ? &l->shared_kb : &l->own_kb) += kb;
    size_t n = strlen(l->what);
    snprintf(l->what + n, sizeof(l->what) - n, "%s%s %d %.1f MiB%s", n ? ", " : "", comm, pid,
             kb / 1024.0, shared ? " (shared by every container)" : "");
}

/* The tenant's cgroup directory, from its host_cpu_src ("v1:DIR/FILE",
 * then "+pid:N" entries) into dir, and those pids into pids (at most
 * max; their count into *np). -1 when it has none. */
static int tt_cg_of(struct env_ctx *c, char *dir, size_t len, int *pids, int max, int *np)
{
    char src[400];
    *np = 0;
    if (!c->rq->env->host_cpu_src || c->rq->env->host_cpu_src(c, src, sizeof(src)) < 0 ||
        strlen(src) < 4)
        return -1;
    for (const char *p = strstr(src, "+pid:"); p && *np < max; p = strstr(p + 1, "+pid:"))
        pids[(*np)++] = atoi(p + 5);
    src[strcspn(src, "+")] = '\0';
    char *slash = strrchr(src + 3, '/');
    if (!slash) return -1;
    *slash = '\0';
    snprintf(dir, len, "%s", src + 3);
    return 0;
}

/* QEMU's own memory (a VM's agent, in the tenant's cgroup): its PSS but
 * the mapping of exactly the guest's RAM (guest_mem_mib), into l. */
static void tt_layer_qemu(struct env_ctx *c, struct tt_layer *l)
{
    const char *g = kv_get(&c->info.facts, "guest_mem_mib");
    char path[64], note[160];
    snprintf(path, sizeof(path), "/proc/%d/smaps", (int)c->agent_pid);
    FILE *f = g && c->agent_pid > 0 ? fopen(path, "re") : NULL;
    if (!f) return;
    double total, ram;
    int n = twotier_smaps_split(f, strtoull(g, NULL, 10) * 1024, &total, &ram);
    fclose(f);
    size_t k = strlen(l->what);
    if (n != 1) {
        snprintf(l->what + k, sizeof(l->what) - k,
                 "%sQEMU %d: %d mappings of the guest's %s MiB, its own part not told apart",
                 k ? ", " : "", (int)c->agent_pid, n, g);
        return;
    }
    l->own_kb += total - ram;
    snprintf(note, sizeof(note),
             "QEMU %d %.1f MiB beyond the guest's RAM (%.1f MiB of that resident)",
             (int)c->agent_pid, (total - ram) / 1024.0, ram / 1024.0);
    snprintf(l->what + k, sizeof(l->what) - k, "%s%s", k ? ", " : "", note);
}

/* What the host runs for tenant c outside its cgroup, once it is idle:
 * its agent's process when that is outside (the runtime's CLI or monitor:
 * runc run, runsc run, lxc-start, podman run, docker run) and that
 * process's descendants outside, the engine's processes its CPU is charged
 * with (conmon, containerd-shim; dockerd, containerd shared), QEMU's own
 * part. -1 when the tenant has no cgroup to tell inside from outside. */
static int tt_layer_measure(struct env_ctx *c, struct tt_layer *l)
{
    char dir[1024];
    int pids[16], np;
    memset(l, 0, sizeof(*l));
    if (tt_cg_of(c, dir, sizeof(dir), pids, 16, &np) < 0) return -1;
    int root = (int)c->agent_pid;
    DIR *d = root > 0 ? opendir("/proc") : NULL;
    for (struct dirent *de; d && (de = readdir(d));) {
        int pid = atoi(de->d_name), ppid = pid, hops = 0;
        char comm[64];
        while (ppid > 1 && ppid != root && hops++ < 64 &&
               proc_stat_comm(ppid, comm, sizeof(comm), &ppid) == 0)
            ;
        if (pid > 0 && ppid == root && !tt_cg_has(dir, pid, 0)) tt_layer_add(l, pid);
    }
    if (d) closedir(d);
    for (int k = 0; k < np; k++)
        tt_layer_add(l, pids[k]);
    tt_layer_qemu(c, l);
    if (!l->what[0])
        snprintf(l->what, sizeof(l->what), "%s",
                 root > 0 ? "nothing outside the tenant's cgroup"
                          : "no isolation layer: its agent runs on the host, one per job");
    return 0;
}

/* The idle sample's facts about tier tenant t: its cpu weight as read back
 * (or why none) and its isolation layer's processes (also a run fact,
 * two-tier.layer.TIER@SPEC, for the report). */
static int tt_tier_facts(struct scen_run *r, int t, const struct tt_layer *l, int have_layer,
                         struct kvlist *facts, struct err *e)
{
    const struct env_ctx *c = &r->t[t].ctx;
    const char *w = kv_get(&c->info.facts, "cpu_weight");
    char v[200], key[LIM_TENANT_NAME + 300];
    if (!w && tt_weighted(r->p)) {
        snprintf(v, sizeof(v), "not applied: %s takes no cpu-weight (the kernel's default, 100)",
                 r->t[t].req.env->name);
        w = v;
    }
    if (w) kv_set(facts, "cpu_weight", w, NULL);
    if ((w = kv_get(&c->info.facts, "cpu_weight.asked")))
        kv_set(facts, "cpu_weight.asked", w, NULL);
    if (!have_layer) return 0;
    kv_set(facts, "layer", l->what, NULL);
    snprintf(key, sizeof(key), "two-tier.layer.%s@%s", r->t[t].name, r->p->spec[r->t[t].spec].text);
    return store_run_fact(r->st, r->run_id, key, l->what, e);
}

/* Brings up tier tenant name of plan spec i as sp and stores its idle
 * footprint as step "idle": the null job it answers; what the tenant
 * holds (the host memory it added, the PSS of its processes, its start
 * time) and, apart, what the host spends outside it to run its isolation
 * layer (layer_pss_mib, layer_shared_mib: tt_layer_measure). */
static int tt_tier_up(struct scen_run *r, int i, const char *name, const struct spec *sp,
                      struct err *e)
{
    struct meminfo m0, m1;
    if (scen_meminfo_read(&m0, e) < 0) return -1;
    double t0 = util_now();
    struct scen_job j;
    int t = scen_tenant_probe_as(r, i, name, sp, &j, e);
    if (t == -1) return -1;
    double start_s = util_now() - t0;
    struct result *res = &j.reply->res;
    struct tt_layer l;
    int have = 0, rc = 0;
    if (j.reply->ok && scen_meminfo_read(&m1, &j.reply->err) < 0) j.reply->ok = 0;
    if (j.reply->ok) {
        double pss = scen_tenant_pss_mib(&r->t[t].ctx);
        have = tt_layer_measure(&r->t[t].ctx, &l) == 0;
        struct err *re = &j.reply->err;
        if (result_add(res, "start_s", "s", BETTER_LOWER, start_s, re) < 0 ||
            result_add(res, "host_mem_mib", "MiB", BETTER_LOWER, (m0.avail - m1.avail) / 1024.0,
                       re) < 0 ||
            (pss >= 0 && result_add(res, "pss_mib", "MiB", BETTER_LOWER, pss, re) < 0) ||
            (have &&
             (result_add(res, "layer_pss_mib", "MiB", BETTER_LOWER, l.own_kb / 1024.0, re) < 0 ||
              result_add(res, "layer_shared_mib", "MiB", BETTER_LOWER, l.shared_kb / 1024.0, re) <
                  0)))
            j.reply->ok = 0;
        rc = tt_tier_facts(r, t, &l, have, &res->facts, e);
    }
    int ok = j.reply->ok;
    if (rc == 0) rc = scen_store(r, &j, "idle", 1, e);
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
    struct reply *rp = sj->reply;
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
static int tt_step(struct scen_run *r, int app, int db, int aggr, int round, struct err *e)
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
         .stopped_by = SCEN_REF(2),
         .stop_delay_s = 10}, /* not while it reports, after its stop request */
        {.tenant = db,
         .role = "server",
         .wl = p->wl[mw],
         .opts = p->wlopts[mw],
         .stopped_by = SCEN_REF(0)},
        {.tenant = app,
         .role = "server",
         .wl = p->wl[ww],
         .opts = p->wlopts[ww],
         .stopped_by = SCEN_REF(0),
         .stop_delay_s = 30}, /* it ends on the client's stop request */
    };
    int n = 3;
    if (aggr >= 0)
        jobs[n++] = (struct scen_job){
            .tenant = aggr, .wl = p->wl[sw], .opts = p->wlopts[sw], .stopped_by = SCEN_REF(0)};
    if (kv_set(&jobs[0].opts, "app", appt, e) < 0 ||
        kv_set(&jobs[0].opts, "phase", aggr >= 0 ? "insert" : "full", e) < 0 ||
        kv_set(&jobs[2].opts, "db", reach ? dbt : "0.0.0.0:1", e) < 0)
        return -1;
    if (!reach) { /* no path between the tiers: the step's samples fail with why */
        for (int k = 0; k < n; k++) {
            jobs[k].reply = calloc(1, sizeof(*jobs[k].reply));
            if (!jobs[k].reply) return err_set(e, ERR_FAIL, "out of memory");
            jobs[k].reply->err = te;
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
        jobs[0].reply->ok = 0;
        err_set(&jobs[0].reply->err, ERR_FAIL, "the app tier ended before its client: %s",
                jobs[2].reply->ok ? "without an error" : jobs[2].reply->err.msg);
    }
    if (aggr >= 0 && reach && jobs[0].reply->ok && !jobs[3].stopped) {
        jobs[0].reply->ok = 0; /* the aggressor ended first: not contended throughout */
        jobs[0].reply->err = jobs[3].reply->err;
        err_wrap(&jobs[0].reply->err, "the aggressor ended before the INSERTs did");
    }
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++)
        rc = scen_store(r, &jobs[k], step, round, e);
    scen_jobs_free(jobs, n);
    return rc;
}

/* The run facts of the tiers' CPUs: how they share them (two-tier.cpu),
 * each tier's spec (two-tier.tier.NAME) and where a weight could not be
 * applied (two-tier.cpu.not_applied). */
static int tt_cpu_facts(struct scen_run *r, const struct spec *sp, struct err *e)
{
    struct scenario_plan *p = r->p;
    char v[600], key[64];
    if (tt_weighted(p))
        snprintf(v, sizeof(v),
                 "weight: the tiers share the CPUs from CPU 0 by cgroup weight (app %s, DB tier "
                 "and its aggressor %s; the study states only that LXC shares CPUs by cgroup "
                 "priority, no values: equal weights by default)",
                 scen_opt(p, "app-weight"), scen_opt(p, "db-weight"));
    else
        snprintf(v, sizeof(v),
                 "cpuset: each tier on CPUs of its own (the app tier's from CPU 0, "
                 "the DB tier's and its aggressor's after them), no weights");
    if (store_run_fact(r->st, r->run_id, "two-tier.cpu", v, e) < 0) return -1;
    v[0] = '\0';
    for (int k = 0; k < TT_N; k++) {
        int i = k == TT_APP ? tt_app(p) : tt_db(p);
        snprintf(key, sizeof(key), "two-tier.tier.%s", tt_names[k]);
        if (store_run_fact(r->st, r->run_id, key, sp[k].text, e) < 0) return -1;
        if (tt_weighted(p) && !tt_takes_weight(p->env[i]) && !strstr(v, p->env[i]->name))
            snprintf(v + strlen(v), sizeof(v) - strlen(v),
                     "%s%s takes no cpu-weight (its tenants "
                     "keep the kernel's default, 100)",
                     v[0] ? "; " : "", p->env[i]->name);
    }
    return v[0] ? store_run_fact(r->st, r->run_id, "two-tier.cpu.not_applied", v, e) : 0;
}

static int twotier_run(struct scen_run *r, struct err *e)
{
    struct scenario_plan *p = r->p;
    struct spec sp[TT_N];
    for (int k = 0; k < TT_N; k++)
        if (twotier_tier_spec(p, k, &sp[k], e) < 0) return -1;
    if (tt_cpu_facts(r, sp, e) < 0) return -1;
    /* the DB tier and its aggressor share the DB's CPUs; the app tier has
     * its own (cpuset) or overlaps them (weight) */
    scen_progress(r, "two-tier: bringing up the DB tier (%s)", sp[TT_DB].text);
    int db = tt_tier_up(r, tt_db(p), "db", &sp[TT_DB], e);
    scen_progress(r, "two-tier: bringing up the app tier (%s)", sp[TT_APP].text);
    int app = db == -1 ? -1 : tt_tier_up(r, tt_app(p), "app", &sp[TT_APP], e);
    scen_progress(r, "two-tier: bringing up the aggressor (%s)", sp[TT_AGGR].text);
    int aggr = app == -1 ? -1 : tt_tier_up(r, tt_db(p), "aggressor", &sp[TT_AGGR], e);
    int rc = db == -1 || app == -1 || aggr == -1 ? -1 : 0;
    for (int round = 1; rc == 0 && db >= 0 && app >= 0 && round <= p->reps; round++) {
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        scen_progress(r, "two-tier: round %d/%d, alone (install, SELECTs, INSERTs, ramp)", round,
                      p->reps);
        rc = tt_step(r, app, db, -1, round, e);
        if (rc == 0 && aggr >= 0) {
            scen_progress(r, "two-tier: round %d/%d, INSERTs beside the aggressor", round, p->reps);
            rc = tt_step(r, app, db, aggr, round, e);
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
