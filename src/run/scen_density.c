/* density - how many idle tenants a host holds and what each costs: N
 * tenants of an environment started one after another (each answering
 * one null job before the next starts); per tenant the time to start it,
 * the host memory it added (MemTotal - MemAvailable, after a settle), the
 * kernel's share of that (slab, stacks, page tables) and the PSS of the
 * processes in its cgroup, as Kata's density metrics. Scheepers asks the
 * same of a Xen dom0 (906 MB) and CoreOS (161 MB). Stops early, with the
 * reason stored, when the next tenant would cross the memory budget. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "run/scenario.h"

static const struct wl_opt density_opts[] = {
    {"tenants",
     "idle tenants started one after another per environment and round",
     {"3", "8", "32"},
     .type = WL_T_UINT,
     .min = 1,
     .max = LIM_TENANTS},
    {"settle",
     "seconds to wait after a tenant answered before its memory is read (page cache, KSM)",
     {"1", "3", "5"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 600.0,
     .unit = "s"},
    {"budget",
     "percent of the memory available at the start the tenants may take; the next tenant is not "
     "started past it",
     {"50", "50", "50"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 90,
     .unit = "%"},
    {.name = NULL},
};

static int density_check(struct scenario_plan *p, struct err *e)
{
    uint64_t n = 0;
    if (scen_u64(p, "tenants", &n, e) < 0) return -1;
    if (scen_fit_tenants(p, (int)n, e) < 0) return -1;
    return scen_plan_workload(p, "null", NULL, e) < 0 ? -1 : 0;
}

int density_meminfo_parse(const char *text, struct meminfo *m)
{
    memset(m, 0, sizeof(*m));
    int seen = 0;
    for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char key[64];
        double kb;
        if (sscanf(l, "%63[^:]: %lf", key, &kb) != 2) continue;
        if (!strcmp(key, "MemTotal")) m->total = kb, seen |= 1;
        if (!strcmp(key, "MemAvailable")) m->avail = kb, seen |= 2;
        if (!strcmp(key, "Slab") || !strcmp(key, "KernelStack") || !strcmp(key, "PageTables"))
            m->kernel += kb, seen |= 4;
    }
    return seen == 7 ? 0 : -1;
}

int scen_meminfo_read(struct meminfo *m, struct err *e)
{
    char *buf cleanup_free = malloc(16384);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    if (util_read_file("/proc/meminfo", buf, 16384) < 0 || density_meminfo_parse(buf, m) < 0)
        return err_set(e, ERR_FAIL, "cannot read /proc/meminfo");
    return 0;
}

/* Sums the Pss of every process in cgroup directory dir and below, KiB. */
static double cgroup_pss_kb(const char *dir, int depth)
{
    char path[PATH_MAX], *buf = malloc(65536);
    double sum = 0;
    if (!buf) return 0;
    /* a path too long for PATH_MAX is no cgroup of ours: counted as 0 */
    int fits = snprintf(path, sizeof(path), "%s/cgroup.procs", dir) < (int)sizeof(path);
    if (fits && util_read_file(path, buf, 65536) == 0) {
        char *save = NULL;
        for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
            char sp[64], roll[4096];
            snprintf(sp, sizeof(sp), "/proc/%s/smaps_rollup", t);
            const char *ps =
                util_read_file(sp, roll, sizeof(roll)) == 0 ? strstr(roll, "\nPss:") : NULL;
            if (ps) sum += atof(ps + 5);
        }
    }
    free(buf);
    DIR *d = depth < 8 ? opendir(dir) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.') continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
            sum += cgroup_pss_kb(path, depth + 1);
    }
    if (d) closedir(d);
    return sum;
}

double scen_tenant_pss_mib(struct env_ctx *c)
{
    char src[400];
    if (!c->rq->env->host_cpu_src || c->rq->env->host_cpu_src(c, src, sizeof(src)) < 0 ||
        strlen(src) < 4)
        return -1;
    char *slash = strrchr(src + 3, '/');
    if (!slash) return -1;
    *slash = '\0';
    return cgroup_pss_kb(src + 3, 0) / 1024.0;
}

static void settle(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && !env_interrupted) {
    }
}

/* One round in environment i: tenants up one by one, each measured. */
static int density_round(struct scen_run *r, int i, int round, struct err *e)
{
    struct scenario_plan *p = r->p;
    uint64_t n = 3, budget = 50;
    double settle_s = 1;
    if (scen_u64(p, "tenants", &n, e) < 0 || scen_u64(p, "budget", &budget, e) < 0 ||
        scen_secs(p, "settle", &settle_s, e) < 0)
        return -1;
    int base = r->nt;
    sync();
    settle(settle_s);
    struct meminfo m0, prev, now;
    if (scen_meminfo_read(&m0, e) < 0) return -1;
    prev = m0;
    double floor_kb = m0.avail * (1.0 - (double)budget / 100.0);
    int rc = 0;
    for (uint64_t k = 1; k <= n && rc == 0; k++) {
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        char name[LIM_TENANT_NAME], step[LIM_STEP_NAME];
        snprintf(name, sizeof(name), "t%llu", (unsigned long long)k);
        snprintf(step, sizeof(step), "%llu", (unsigned long long)k);
        /* a tenant costs about what the last one did: stop before the budget */
        double last = k > 1 ? (m0.avail - prev.avail) / (double)(k - 1) : 0;
        if (k > 1 && prev.avail - last < floor_kb) {
            char key[sizeof(p->spec[i].text) + 32], v[200];
            snprintf(key, sizeof(key), "stopped.%s.round%d", p->spec[i].text, round);
            snprintf(v, sizeof(v), "%llu tenants: the next would cross the %llu %% memory budget",
                     (unsigned long long)(k - 1), (unsigned long long)budget);
            rc = store_run_fact(r->st, r->run_id, key, v, e);
            break;
        }
        scen_progress(r, "density @ %s: round %d/%d, tenant %llu/%llu", p->spec[i].text, round,
                      p->reps, (unsigned long long)k, (unsigned long long)n);
        double t0 = util_now();
        struct scen_job j;
        int t = scen_tenant_probe(r, i, name, (int)k - 1, &p->slice, &j, e);
        if (t == -1) return -1;
        double start_s = util_now() - t0;
        if (j.reply->ok) {
            settle(settle_s);
            struct err me = {0};
            if (scen_meminfo_read(&now, &me) < 0) {
                j.reply->ok = 0;
                j.reply->err = me;
            }
        }
        struct result *res = &j.reply->res;
        if (j.reply->ok) {
            double pss = scen_tenant_pss_mib(&r->t[t].ctx);
            if (result_add(res, "start_s", "s", BETTER_LOWER, start_s, &j.reply->err) < 0 ||
                result_add(res, "host_mem_mib", "MiB", BETTER_LOWER,
                           (prev.avail - now.avail) / 1024.0, &j.reply->err) < 0 ||
                result_add(res, "kernel_mib", "MiB", BETTER_LOWER,
                           (now.kernel - prev.kernel) / 1024.0, &j.reply->err) < 0 ||
                (pss >= 0 &&
                 result_add(res, "pss_mib", "MiB", BETTER_LOWER, pss, &j.reply->err) < 0))
                j.reply->ok = 0;
            prev = now;
        }
        rc = scen_store(r, &j, step, round, e);
        if (!j.reply->ok) k = n; /* a tenant that did not start ends the ramp */
        scen_jobs_free(&j, 1);
    }
    for (int t = r->nt - 1; t >= base; t--)
        scen_tenant_down(r, t);
    r->nt = base; /* the slots are free again; names stay unique (serial) */
    return rc;
}

static int density_run(struct scen_run *r, struct err *e)
{
    for (int i = 0; i < r->p->nenv; i++)
        for (int round = 1; round <= r->p->reps; round++)
            if (density_round(r, i, round, e) < 0) return -1;
    return 0;
}

const struct scenario scenario_density = {
    .name = "density",
    .summary = "N idle tenants started one after another: start time and host memory per tenant",
    .opts = density_opts,
    .check = density_check,
    .run = density_run,
};
