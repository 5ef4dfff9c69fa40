/* scenario.c - the scenario engine: planning, tenants, jobs run side by
 * side in threads, samples stored with their tenant and step. */
#include "run/lifecycle.h"
#include "run/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/swapfile.h"
#include "core/util.h"
#include "run/runner.h"

#define X(n) &scenario_##n,
const struct scenario *const scenarios[] = {SCENARIO_LIST(X) NULL};
#undef X

const struct scenario *scenario_find(const char *name)
{
    char norm[64];
    if (snprintf(norm, sizeof(norm), "%s", name) >= (int)sizeof(norm)) return NULL;
    for (char *c = norm; *c; c++)
        if (*c == '_') *c = '-';
    for (int i = 0; scenarios[i]; i++)
        if (!strcmp(scenarios[i]->name, norm)) return scenarios[i];
    return NULL;
}

const char *scen_opt(const struct scenario_plan *p, const char *name)
{
    return wl_opts_value(p->sc->opts, &p->opts, p->size, name);
}

int scen_fit_tenants(const struct scenario_plan *p, int n, struct err *e)
{
    if (p->slice.mem && p->host.mem_avail && p->slice.mem * (uint64_t)n > p->host.mem_avail)
        return err_set(e, ERR_USAGE,
                       "%s: %d tenants of a %llu MiB slice take more memory than the %llu MiB "
                       "available",
                       p->sc->name, n, (unsigned long long)(p->slice.mem >> 20),
                       (unsigned long long)(p->host.mem_avail >> 20));
    return 0;
}

int scen_wl_index(const struct scenario_plan *p, const char *name)
{
    for (int i = 0; i < p->nwl; i++)
        if (!strcmp(p->wl[i]->name, name)) return i;
    return -1;
}

int scen_plan_workload(struct scenario_plan *p, const char *name, const struct kvlist *opts,
                       struct err *e)
{
    const struct workload *w = workload_find(name);
    if (!w) return err_set(e, ERR_USAGE, "%s: unknown workload '%s'", p->sc->name, name);
    const char *why = w->unavailable ? w->unavailable() : NULL;
    if (why)
        return err_set(e, ERR_USAGE, "%s: workload %s is unavailable: %s", p->sc->name, name, why);
    int i = scen_wl_index(p, name);
    for (int k = 0; i >= 0 && opts && k < opts->n; k++) { /* one entry per workload */
        const char *had = kv_get(&p->wlopts[i], opts->v[k].key);
        if (!had || strcmp(had, opts->v[k].val))
            return err_set(e, ERR_USAGE, "%s: workload %s added twice with other options (%s)",
                           p->sc->name, name, opts->v[k].key);
    }
    if (i >= 0) return i;
    if (p->nwl >= LIM_WORKLOADS)
        return err_set(e, ERR_USAGE, "%s: too many workloads", p->sc->name);
    i = p->nwl;
    if (opts) p->wlopts[i] = *opts;
    struct wl_needs *need cleanup_free = calloc(1, sizeof(*need));
    if (!need) return err_set(e, ERR_FAIL, "out of memory");
    if (runner_size_workload(w, &p->wlopts[i], p->size, &p->host, 1, need, e) < 0)
        return err_wrap(e, "%s", p->sc->name);
    p->plan_facts[i] = need->facts;
    p->wl_mem[i] = need->mem_bytes;
    p->wl_disk[i] = need->disk_bytes;
    p->wl[p->nwl++] = w;
    return i;
}

int scenario_plan(struct scenario_plan *p, const char *name, const char *env_list,
                  const struct kvlist *opts, const char *slice, struct err *e)
{
    p->sc = scenario_find(name);
    if (!p->sc)
        return err_set(e, ERR_USAGE, "unknown scenario '%s' (see isobench scenario list)", name);
    const char *why = p->sc->unavailable ? p->sc->unavailable() : NULL;
    if (why) return err_set(e, ERR_USAGE, "scenario %s is unavailable: %s", p->sc->name, why);
    if (!env_list || !env_list[0]) return err_set(e, ERR_USAGE, "no environment given (-e)");
    p->nenv = spec_split_list(env_list, p->spec, LIM_ENVS, e);
    if (p->nenv < 0) return -1;
    if (p->host.ncpus == 0) host_caps_probe(&p->host);
    if (slice && slice_parse(slice, &p->slice, e) < 0) return -1;
    if (p->host_mem &&
        (p->host_mem < (256u << 20) || (p->host.mem_total && p->host_mem > p->host.mem_total)))
        return err_set(e, ERR_USAGE, "--host-mem must be 256M..the host's %llu MiB",
                       (unsigned long long)(p->host.mem_total >> 20));
    if (p->swap && (p->swap < (64u << 20) || (p->host.data_free && p->swap > p->host.data_free)))
        return err_set(e, ERR_USAGE, "--swap must be 64M..the %llu MiB free in " HOST_DATA_DIR,
                       (unsigned long long)(p->host.data_free >> 20));
    for (int i = 0; i < p->nenv; i++) {
        for (int k = 0; k < i; k++)
            if (!strcmp(p->spec[k].text, p->spec[i].text))
                return err_set(e, ERR_USAGE, "environment %s listed twice", p->spec[i].text);
        if (env_resolve(&p->spec[i], &p->env[i], e) < 0) return -1;
        why = env_unavailable(p->env[i]);
        if (why)
            return err_set(e, ERR_USAGE, "environment %s is unavailable: %s", p->spec[i].text, why);
        struct spec probe = p->spec[i]; /* the slice must fit every environment */
        struct env_conf *conf cleanup_free = malloc(sizeof(*conf));
        if (!conf) return err_set(e, ERR_FAIL, "out of memory");
        if (slice_apply(&p->slice, p->env[i], 0, p->host.ncpus, 1, &probe, e) < 0 ||
            env_conf_parse(p->env[i], &probe, conf, e) < 0)
            return -1;
    }
    p->opts.n = 0;
    char owner[80];
    snprintf(owner, sizeof(owner), "scenario %s", p->sc->name);
    for (int i = 0; opts && i < opts->n; i++) { /* NAME.KEY=VALUE, or KEY=VALUE */
        const char *k = opts->v[i].key, *dot = strchr(k, '.');
        if (dot) {
            char pre[64];
            snprintf(pre, sizeof(pre), "%.*s", (int)(dot - k), k);
            if (scenario_find(pre) != p->sc)
                return err_set(e, ERR_USAGE, "option %s is not one of scenario %s's", k,
                               p->sc->name);
            k = dot + 1;
        }
        if (kv_set(&p->opts, k, opts->v[i].val, e) < 0) return -1;
    }
    if (wl_opts_check(owner, p->sc->opts, &p->opts, e) < 0) return -1;
    if (p->reps < 1) return err_set(e, ERR_USAGE, "repetitions must be >= 1");
    p->nwl = 0;
    p->net = p->sc->net;
    if (p->sc->check(p, e) < 0) return -1;
    uint64_t mem = 0, disk = 0;
    for (int w = 0; w < p->nwl; w++) {
        if (p->wl_mem[w] > mem) mem = p->wl_mem[w];
        if (p->wl_disk[w] > disk) disk = p->wl_disk[w];
    }
    struct env_needs needs = {.mem_bytes = mem, .disk_bytes = disk, .host = &p->host};
    for (int i = 0; i < p->nenv; i++) {
        struct spec probe = p->spec[i];
        if (slice_apply(&p->slice, p->env[i], 0, p->host.ncpus, 1, &probe, e) < 0) return -1;
        if (p->env[i]->fit && p->env[i]->fit(&probe, &needs, e) < 0) return -1;
    }
    return 0;
}

static int scen_needs_data(const struct scenario_plan *p)
{
    for (int w = 0; w < p->nwl; w++)
        if (p->wl[w]->data) return 1;
    return 0;
}

/* Fills tenant slot t's request as env with spec sp (its tenant slice
 * applied, parsed here): the request every run gives an environment, plus
 * the peer link when the scenario is net. Nothing is created yet. */
static int tenant_prep(struct scen_run *r, int t, const struct env *env, const struct spec *sp,
                       struct err *e)
{
    struct scenario_plan *p = r->p;
    struct tenant *tn = &r->t[t];
    struct env_req *c = &tn->req;
    memset(c, 0, sizeof(*c));
    c->env = env;
    c->spec = *sp;
    if (env_conf_parse(env, sp, &c->conf, e) < 0) return -1;
    snprintf(c->run_id, sizeof(c->run_id), "%s", r->uuid);
    c->idx = r->serial++;
    c->journal = &r->j;
    c->timeout_s = p->timeout_s;
    c->need_data = scen_needs_data(p);
    if (p->net) {
        c->peer = &r->peer;
        /* never a port an earlier tenant had: a published port's forward
         * stays until the run's unwind, and would send the new tenant's
         * clients to the old, gone address */
        c->port = r->port_base + c->idx % SCEN_PORTS;
    }
    for (int w = 0; w < p->nwl; w++) {
        if (p->wl_mem[w] > c->mem_needed) c->mem_needed = p->wl_mem[w];
        if (p->wl_disk[w] > c->disk_needed) c->disk_needed = p->wl_disk[w];
        if (env_req_add_guest_files(c, p->wl[w]->guest_files, e) < 0) return -1;
    }
    tn->up = 1; /* from here on down() owns whatever up() made */
    return t;
}

/* Starts tenant t's environment (tenant_prep filled its request). */
static int tenant_start(struct scen_run *r, int t, struct err *e)
{
    struct tenant *tn = &r->t[t];
    if (env_up(&tn->ctx, &tn->req, e) < 0)
        return err_wrap(e, "bringing up tenant %s (%s)", tn->name, tn->req.spec.text);
    return t;
}

static int tenant_up(struct scen_run *r, int t, const struct env *env, const struct spec *sp,
                     struct err *e)
{
    return tenant_prep(r, t, env, sp, e) < 0 ? -1 : tenant_start(r, t, e);
}

/* A new tenant slot named name, or -1. */
static int tenant_slot(struct scen_run *r, const char *name, int spec, int label, struct err *e)
{
    if (r->nt >= LIM_TENANTS) return err_set(e, ERR_USAGE, "more than %d tenants", LIM_TENANTS);
    int t = r->nt++;
    struct tenant *tn = &r->t[t];
    memset(tn, 0, sizeof(*tn));
    tn->keeper_fd = -1;
    snprintf(tn->name, sizeof(tn->name), "%s", name);
    tn->spec = spec;
    tn->label = label;
    return t;
}

int scen_tenant_up(struct scen_run *r, int spec, const char *name, int slot, struct err *e)
{
    return scen_tenant_up_sized(r, spec, name, slot, &r->p->slice, e);
}

/* A new slot for tenant `name` of plan spec `spec`, sliced as tenant
 * number `slot`, its request filled; nothing started. */
static int tenant_sliced(struct scen_run *r, int spec, const char *name, int slot,
                         const struct slice *sl, struct err *e)
{
    struct scenario_plan *p = r->p;
    int t = tenant_slot(r, name, spec, spec, e);
    if (t < 0) return -1;
    struct spec sp = p->spec[spec];
    if (slice_apply(sl, p->env[spec], slot, p->host.ncpus, 1, &sp, e) < 0) return -1;
    return tenant_prep(r, t, p->env[spec], &sp, e);
}

/* The first tenant of a spec that is up: its facts are the environment's. */
static int tenant_facts(struct scen_run *r, int t, struct err *e)
{
    const struct kvlist *f = &r->t[t].ctx.info.facts;
    int spec = r->t[t].spec, first = 1;
    for (int k = 0; k < t; k++)
        first &= r->t[k].spec != spec;
    for (int k = 0; first && k < f->n; k++)
        if (store_env_fact(r->st, r->run_id, spec, f->v[k].key, f->v[k].val, e) < 0) return -1;
    return t;
}

int scen_tenant_up_sized(struct scen_run *r, int spec, const char *name, int slot,
                         const struct slice *sl, struct err *e)
{
    int t = tenant_sliced(r, spec, name, slot, sl, e);
    if (t < 0 || tenant_start(r, t, e) < 0) return -1;
    return tenant_facts(r, t, e);
}

/* A tenant coming up in a thread of its own: the thread starts it, says
 * so on done_fd, then - when it came up - stays until keep_fd reads EOF
 * (scen_tenant_down closes the other end), so the children it forked
 * (QEMU) keep their parent-death signal's thread. Owned by the tenant
 * (keeper_arg), freed by scen_tenant_down. */
struct up_thread {
    struct scen_run *r;
    int t, done_fd, keep_fd, rc;
    struct err e;
};

static void *up_main(void *arg)
{
    struct up_thread *u = arg;
    u->rc = tenant_start(u->r, u->t, &u->e) < 0 ? -1 : 0;
    int rc = u->rc, keep = u->keep_fd;
    if (write(u->done_fd, "x", 1) < 0) { /* a pipe of ours: cannot fail */
    }
    char c;
    for (ssize_t k = 1; rc == 0 && (k > 0 || (k < 0 && errno == EINTR));)
        k = read(keep, &c, 1); /* until EOF; errno only after a failed read */
    close(keep);
    return NULL;
}

int scen_tenants_up(struct scen_run *r, int spec, const char *const *names, int n, int *out,
                    struct err *e)
{
    struct scenario_plan *p = r->p;
    for (int k = 0; k < n; k++) /* every slot first: tenant numbers in order */
        if ((out[k] = tenant_sliced(r, spec, names[k], k, &p->slice, e)) < 0) return -1;
    /* the first alone: it makes the run's shared objects, if not yet made */
    if (n == 0 || tenant_start(r, out[0], e) < 0 || tenant_facts(r, out[0], e) < 0)
        return n == 0 ? 0 : -1;
    int par = (p->env[spec]->caps & ENV_CAP_PARALLEL_UP) != 0, rc = 0, threads = 0;
    int done[2] = {-1, -1};
    if (par && n > 1 && pipe2(done, O_CLOEXEC) < 0) par = 0;
    for (int k = 1; k < n; k++) {
        struct tenant *tn = &r->t[out[k]];
        struct up_thread *u = par ? calloc(1, sizeof(*u)) : NULL;
        int kp[2] = {-1, -1};
        if (u && pipe2(kp, O_CLOEXEC) == 0) {
            *u = (struct up_thread){.r = r, .t = out[k], .done_fd = done[1], .keep_fd = kp[0]};
            tn->keeper_arg = u;
            tn->keeper_fd = kp[1];
            if (pthread_create(&tn->keeper, NULL, up_main, u) == 0) {
                threads++;
                continue;
            }
            close(kp[0]);
            close(kp[1]);
            tn->keeper_fd = -1;
            tn->keeper_arg = NULL;
        }
        free(u);
        /* one after another: the environment's up() is not thread-safe */
        if (rc == 0 && tenant_start(r, out[k], e) < 0) rc = -1;
    }
    for (int k = 0; k < threads; k++) { /* every thread has answered */
        char c;
        while (read(done[0], &c, 1) < 0 && errno == EINTR) {
        }
    }
    if (done[0] >= 0) close(done[0]), close(done[1]);
    for (int k = 1; k < n; k++) {
        const struct up_thread *u = r->t[out[k]].keeper_arg;
        if (u && u->rc < 0 && rc == 0) {
            *e = u->e;
            rc = -1;
        }
    }
    for (int k = 1; k < n && rc == 0; k++)
        if (tenant_facts(r, out[k], e) < 0) rc = -1;
    return rc;
}

int scen_tenant_up_as(struct scen_run *r, int spec, const char *name, const struct spec *sp,
                      struct err *e)
{
    int t = tenant_slot(r, name, spec, spec, e);
    if (t < 0 || tenant_prep(r, t, r->p->env[spec], sp, e) < 0 || tenant_start(r, t, e) < 0)
        return -1;
    return tenant_facts(r, t, e);
}

/* The probe's job for tenant t (or, t < 0, the failure ue of the last
 * slot made), as scen_tenant_probe describes; t0: when bringing it up began. */
static int tenant_probe_job(struct scen_run *r, int t, double t0, const struct err *ue,
                            struct scen_job *j, struct err *e)
{
    int w = scen_wl_index(r->p, "null");
    *j = (struct scen_job){
        .tenant = t < 0 ? r->nt - 1 : t, .wl = r->p->wl[w], .opts = r->p->wlopts[w]};
    if (t >= 0) return scen_run_jobs(r, j, 1, e) < 0 ? -1 : t;
    if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
    j->reply = calloc(1, sizeof(*j->reply));
    if (!j->reply) return err_set(e, ERR_FAIL, "out of memory");
    j->reply->err = *ue;
    j->t0 = t0;
    j->t1 = util_now();
    j->cpu_s = -1;
    return -2;
}

int scen_tenant_probe(struct scen_run *r, int spec, const char *name, int slot,
                      const struct slice *sl, struct scen_job *j, struct err *e)
{
    double t0 = util_now();
    struct err ue = {0};
    int t = scen_tenant_up_sized(r, spec, name, slot, sl, &ue);
    return tenant_probe_job(r, t, t0, &ue, j, e);
}

int scen_tenant_probe_as(struct scen_run *r, int spec, const char *name, const struct spec *sp,
                         struct scen_job *j, struct err *e)
{
    double t0 = util_now();
    struct err ue = {0};
    int t = scen_tenant_up_as(r, spec, name, sp, &ue);
    return tenant_probe_job(r, t, t0, &ue, j, e);
}

int scen_host_tenant_up(struct scen_run *r, int label, const char *name, struct err *e)
{
    int t = tenant_slot(r, name, SCEN_HOST, label, e);
    struct spec sp;
    if (t < 0 || spec_parse("native", &sp, e) < 0) return -1;
    return tenant_up(r, t, &env_native, &sp, e);
}

void scen_tenant_down(struct scen_run *r, int t)
{
    if (t < 0 || t >= r->nt) return;
    struct tenant *tn = &r->t[t];
    if (tn->up) env_down(&tn->ctx);
    tn->up = 0;
    if (tn->keeper_fd >= 0) { /* its up thread may go now: what it forked is down */
        close(tn->keeper_fd);
        pthread_join(tn->keeper, NULL);
        free(tn->keeper_arg);
        tn->keeper_fd = -1;
        tn->keeper_arg = NULL;
    }
}

struct job_thread {
    struct scen_run *r;
    struct scen_job *j;
    int watch_fd; /* readable when the job this one stops after has ended, or on Ctrl-C */
    double end;   /* util_now() when it ended, written before done */
    int done;     /* set (atomically) as the thread's last act */
};

static int peer_join(void *arg)
{
    return peer_enter(arg);
}

static int job_stop(void *arg)
{
    (void)arg;
    return 1; /* the job it follows ended: cancel this one */
}

/* One job: waits its delay, reads the tenant's host CPU time around the
 * exec. A failed environment is a failed sample here; the scenario goes
 * on with its other tenants. */
/* Test hook (ISOBENCH_FAILPOINT=tsan-race): every job thread bumps this
 * without a lock - the race scripts/tsan.sh must report, so that its
 * "no race" can be believed. */
static int scen_race_counter;

static void *job_main(void *arg)
{
    struct job_thread *jt = arg;
    struct scen_job *sj = jt->j;
    const char *fp = getenv("ISOBENCH_FAILPOINT");
    if (fp && !strcmp(fp, "tsan-race")) scen_race_counter++;
    struct tenant *tn = sj->tenant == SCEN_PEER ? NULL : &jt->r->t[sj->tenant];
    if (sj->delay_s > 0) {
        struct timespec ts = {.tv_sec = (time_t)sj->delay_s,
                              .tv_nsec = (long)((sj->delay_s - (double)(time_t)sj->delay_s) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !env_interrupted) {
        }
    }
    struct job *j = env_interrupted ? NULL : calloc(1, sizeof(*j));
    if (!j) {
        sj->rc = -1;
        err_set(&sj->reply->err, ERR_FAIL, "%s", env_interrupted ? "interrupted" : "out of memory");
        __atomic_store_n(&jt->done, 1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    j->size = jt->r->p->size;
    snprintf(j->workload, sizeof(j->workload), "%s", sj->wl->name);
    j->opts = sj->opts;
    snprintf(j->secret, sizeof(j->secret), "%s", jt->r->secret);
    struct err e = {0};
    struct env_watch w = {.fd = jt->watch_fd, .fired = job_stop};
    struct env_watch *wp = jt->watch_fd >= 0 ? &w : NULL;
    sj->cpu_s = -1;
    const struct env_info *to =
        sj->server_of ? &jt->r->t[SCEN_REF_INDEX(sj->server_of)].ctx.info : NULL;
    if (!tn && to && !to->reach_addr[0]) { /* its server cannot be reached from here */
        sj->rc =
            err_set(&e, ERR_FAIL, "%s",
                    to->no_reach[0] ? to->no_reach : "no network path from the peer namespace");
        sj->t0 = sj->t1 = util_now();
    } else if (!tn) { /* a client half in the peer namespace: charged to nobody */
        snprintf(j->role, sizeof(j->role), "client");
        j->port = jt->r->port_base; /* a pair's client: its options name the servers */
        if (to) {                   /* the client of one tenant's server half */
            snprintf(j->addr, sizeof(j->addr), "%s", to->reach_addr);
            j->port = to->reach_port;
        }
        sj->t0 = util_now();
        sj->rc =
            env_spawn_agent(j, jt->r->p->timeout_s, peer_join, &jt->r->peer, wp, sj->reply, &e);
        sj->t1 = util_now();
    } else if (!tn->up) { /* it could not be brought back */
        sj->rc = err_set(&e, ERR_FAIL, "%s", tn->why);
        sj->t0 = sj->t1 = util_now();
    } else {
        snprintf(j->data, sizeof(j->data), "%s", tn->ctx.info.datadir);
        if (sj->role) {
            snprintf(j->role, sizeof(j->role), "%s", sj->role);
            snprintf(j->addr, sizeof(j->addr), "%s", tn->ctx.info.serve_addr);
            j->port = tn->req.port;
        }
        char src[400] = "";
        double c0 = 0, c1 = 0;
        int have = tn->req.env->host_cpu_src &&
                   tn->req.env->host_cpu_src(&tn->ctx, src, sizeof(src)) == 0 &&
                   host_cpu_read(src, &c0) == 0;
        sj->t0 = util_now();
        sj->rc = env_exec(&tn->ctx, j, wp, sj->reply, &e);
        sj->t1 = util_now();
        if (have && host_cpu_read(src, &c1) == 0) sj->cpu_s = c1 - c0;
    }
    sj->stopped = w.cancelled;
    if (sj->rc < 0 && tn && !sj->stopped) { /* the environment, not the workload */
        tn->broken = 1;
        snprintf(tn->why, sizeof(tn->why), "%s", e.msg);
    }
    if (sj->rc < 0) {
        sj->reply->ok = 0;
        sj->reply->err = e;
        err_wrap(&sj->reply->err, "tenant %s (%s)", tn ? tn->name : "client",
                 tn ? tn->req.spec.text : "peer namespace");
    }
    free(j);
    jt->end = util_now();
    __atomic_store_n(&jt->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A tenant whose environment failed (a dead channel, a crashed agent):
 * down and up again with the same spec, at most SCEN_RESTARTS times, each
 * stored as a run fact with the error that caused it. */
static int tenant_heal(struct scen_run *r, int t, const char *why, struct err *e)
{
    struct tenant *tn = &r->t[t];
    if (tn->restarts >= SCEN_RESTARTS)
        return err_set(e, ERR_FAIL, "tenant %s failed %d times: %s", tn->name, SCEN_RESTARTS + 1,
                       why);
    char k[sizeof(tn->req.spec.text) + LIM_TENANT_NAME + 32];
    snprintf(k, sizeof(k), "restart.%s.%s.%d", r->p->spec[tn->label].text, tn->name,
             ++tn->restarts);
    if (store_run_fact(r->st, r->run_id, k, why, e) < 0) return -1;
    struct spec sp = tn->req.spec;
    const struct env *env = tn->req.env;
    scen_tenant_down(r, t);
    memset(&tn->ctx, 0, sizeof(tn->ctx));
    tn->broken = 0;
    return tenant_up(r, t, env, &sp, e);
}

int scen_run_jobs(struct scen_run *r, struct scen_job *jobs, int n, struct err *e)
{
    for (int i = 0; i < n; i++) { /* bring back what failed in an earlier job */
        int t = jobs[i].tenant;
        if (t < 0 || !r->t[t].broken) continue;
        struct err he = {0};
        if (tenant_heal(r, t, r->t[t].why, &he) < 0) {
            if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
            scen_tenant_down(r, t); /* down for good: its jobs fail without an environment */
            r->t[t].broken = 1;
            snprintf(r->t[t].why, sizeof(r->t[t].why), "%s", he.msg);
        }
    }
    pthread_t th[LIM_TENANTS];
    struct job_thread jt[LIM_TENANTS];
    int pipes[LIM_TENANTS][2];
    if (n > LIM_TENANTS) return err_set(e, ERR_FAIL, "too many jobs at once");
    int started = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        jt[i] = (struct job_thread){.r = r, .j = &jobs[i], .watch_fd = -1};
        pipes[i][0] = pipes[i][1] = -1;
    }
    /* every job watches a pipe of its own: written when the job it stops
     * after ends, or by the loop below on Ctrl-C (a cancel for all) */
    for (int i = 0; i < n && rc == 0; i++) {
        int k = SCEN_REF_INDEX(jobs[i].stopped_by);
        if (k >= n || k == i)
            rc = err_set(e, ERR_FAIL, "job %d stops after no job", i);
        else if (pipe2(pipes[i], O_CLOEXEC) < 0)
            rc = err_sys(e, ERR_FAIL, errno, "pipe");
        jt[i].watch_fd = pipes[i][0];
    }
    for (int i = 0; i < n && rc == 0; i++) {
        jobs[i].reply = calloc(1, sizeof(*jobs[i].reply));
        if (!jobs[i].reply) {
            rc = err_set(e, ERR_FAIL, "out of memory");
            break;
        }
        int pe = pthread_create(&th[i], NULL, job_main, &jt[i]);
        if (pe) {
            rc = err_sys(e, ERR_FAIL, pe, "starting a tenant's job");
            break;
        }
        started++;
    }
    /* wait for all, stopping each follower stop_delay_s after its leader
     * ended; a Ctrl-C (or a failed start) cancels every job at once,
     * whichever thread the signal happened to interrupt */
    int stopped[LIM_TENANTS] = {0};
    for (int cancelled = 0;;) {
        int running = 0;
        for (int i = 0; i < started; i++)
            running += !__atomic_load_n(&jt[i].done, __ATOMIC_SEQ_CST);
        if (!running) break;
        for (int i = 0; i < started; i++) {
            int k = SCEN_REF_INDEX(jobs[i].stopped_by);
            if (k < 0 || k >= started || stopped[i] ||
                !__atomic_load_n(&jt[k].done, __ATOMIC_SEQ_CST) ||
                util_now() - jt[k].end < jobs[i].stop_delay_s)
                continue;
            stopped[i] = 1;
            if (write(pipes[i][1], "x", 1) < 0) {
            }
        }
        if (!cancelled && (rc < 0 || env_interrupted)) {
            cancelled = 1;
            for (int i = 0; i < n; i++)
                if (pipes[i][1] >= 0 && write(pipes[i][1], "x", 1) < 0) {
                }
        }
        struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++) {
        if (pipes[i][0] >= 0) close(pipes[i][0]);
        if (pipes[i][1] >= 0) close(pipes[i][1]);
    }
    if (rc == 0 && env_interrupted) rc = err_set(e, ERR_FAIL, "interrupted");
    return rc;
}

void scen_jobs_free(struct scen_job *jobs, int n)
{
    for (int i = 0; i < n; i++) {
        free(jobs[i].reply);
        jobs[i].reply = NULL;
    }
}

int scen_store(struct scen_run *r, const struct scen_job *j, const char *step, int round,
               struct err *e)
{
    struct reply *rp = j->reply;
    const struct tenant *tn = j->tenant == SCEN_PEER ? NULL : &r->t[j->tenant];
    char v[64];
    if (j->cpu_s >= 0) {
        snprintf(v, sizeof(v), "%.6f", j->cpu_s);
        kv_set(&rp->res.facts, "host_cpu_s", v, NULL);
    }
    snprintf(v, sizeof(v), "%d", round);
    kv_set(&rp->res.facts, "round", v, NULL);
    if (tn) kv_set(&rp->res.facts, "tenant.spec", tn->req.spec.text, NULL); /* with its slice */
    int w = scen_wl_index(r->p, j->wl->name);
    for (int k = 0; w >= 0 && k < r->p->plan_facts[w].n; k++) {
        const struct kv *f = &r->p->plan_facts[w].v[k];
        if (!kv_get(&rp->res.facts, f->key)) kv_set(&rp->res.facts, f->key, f->val, NULL);
    }
    if (!rp->ok) r->failed++;
    struct store_where at = {.workload = j->wl->name,
                             .env = r->p->spec[tn ? tn->label : j->label].text,
                             .tenant = tn ? tn->name : "client",
                             .step = step};
    return store_measurement_at(r->st, r->run_id, &at, round, j->t1 - j->t0, rp, e);
}

void scen_progress(const struct scen_run *r, const char *fmt, ...)
{
    if (!r->p->progress) return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int el = (int)(util_now() - r->started);
    fprintf(stderr, "\r\033[K[%d:%02d] %s", el / 60, el % 60, msg);
    fflush(stderr);
}

/* What the whole scenario shares: the peer netns and ports (net
 * scenarios), the --host-mem cgroup this process joins, the --swap file
 * (a refusal is stored as a fact and the run goes on without it). */
static int scen_host_setup(struct scen_run *r, struct err *e)
{
    struct scenario_plan *p = r->p;
    char name[128];
    if (p->host_mem) {
        snprintf(name, sizeof(name), "isobench-%s-host", r->uuid);
        if (cgroup_host_mem(&r->hostmem, name, p->host_mem, &r->j, e) < 0)
            return err_wrap(e, "--host-mem");
    }
    if (p->swap) {
        snprintf(r->swapfile, sizeof(r->swapfile), HOST_DATA_DIR "/isobench-%s.swap", r->uuid);
        struct err se = {0};
        if (swapfile_add(r->swapfile, p->swap, &r->j, &se) < 0) {
            r->swapfile[0] = '\0';
            if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
            if (store_run_fact(r->st, r->run_id, "swap", se.msg, e) < 0) return -1;
        } else if (store_run_fact(r->st, r->run_id, "swap", r->swapfile, e) < 0) {
            return -1;
        }
    }
    if (!p->net) return 0;
    if (peer_up(&r->peer, r->uuid, &r->j, e) < 0)
        return err_wrap(e, "making the peer network namespace");
    if ((r->port_base = runner_pick_ports(SCEN_PORTS, e)) < 0 ||
        util_random_hex(r->secret, sizeof(r->secret), e) < 0)
        return -1;
    return 0;
}

void scen_stopped_sample(struct scen_job *sj, const char *key, const char *val)
{
    struct reply *rp = sj->reply;
    double active = sj->t1 - sj->t0;
    memset(rp, 0, sizeof(*rp));
    rp->ok = 1;
    kv_set(&rp->res.facts, key, val, NULL);
    if (result_add(&rp->res, "active_s", "s", BETTER_LOWER, active, &rp->err) < 0 ||
        (sj->cpu_s >= 0 && active > 0 &&
         result_add(&rp->res, "host_cpus_busy", "CPUs", BETTER_HIGHER, sj->cpu_s / active,
                    &rp->err) < 0))
        rp->ok = 0;
}

int scenario_execute(struct scenario_plan *p, struct store *st, int64_t *run_id, int *failed,
                     struct err *e)
{
    struct scen_run r = {.p = p, .st = st, .started = util_now()};
    struct run_life *l cleanup_free = malloc(sizeof(*l)); /* its facts: ~70 KiB */
    if (!l) return err_set(e, ERR_FAIL, "out of memory");
    run_life_begin(l, &p->seed, &p->slice);
    snprintf(r.uuid, sizeof(r.uuid), "%s", l->uuid);
    struct kvlist *host = &l->host;
    char v[64];
    kv_set(host, "scenario", p->sc->name, NULL);
    if (p->preset) { /* --preset: what it stands for, stated with the run */
        kv_set(host, "preset", p->preset->name, NULL);
        kv_set(host, "preset.summary", p->preset->summary, NULL);
    }
    for (int i = 0; i < p->opts.n; i++) {
        char k[96];
        snprintf(k, sizeof(k), "scenario.%s", p->opts.v[i].key);
        kv_set(host, k, p->opts.v[i].val, NULL);
    }
    if (p->host_mem) {
        snprintf(v, sizeof(v), "%lluM", (unsigned long long)(p->host_mem >> 20));
        kv_set(host, "host_mem", v, NULL);
    }
    *failed = 0;
    if (store_run_begin(st, r.uuid, p->command, p->size, p->reps, host, run_id, e) < 0) return -1;
    r.run_id = *run_id;
    for (int w = 0; w < p->nwl; w++)
        if (store_run_workload(st, *run_id, w, p->wl[w]->name, &p->wlopts[w], e) < 0) return -1;
    struct kvlist none = {0};
    for (int i = 0; i < p->nenv; i++)
        if (store_run_env(st, *run_id, i, p->spec[i].text, &none, e) < 0) return -1;
    r.t = calloc(LIM_TENANTS, sizeof(*r.t));
    if (!r.t) return err_set(e, ERR_FAIL, "out of memory");
    run_life_journal(l);
    r.j = l->j; /* the tenants journal into r.j; the end unwinds it */
    r.peer.nsfd = -1;
    int rc = scen_host_setup(&r, e);
    if (rc == 0) rc = p->sc->run(&r, e);
    for (int t = r.nt - 1; t >= 0; t--)
        scen_tenant_down(&r, t);
    free(r.t);
    peer_down(&r.peer);
    struct err le = {0};
    if (r.hostmem.ndirs && cgroup_leave(&r.hostmem, &le) < 0 && rc == 0) /* before the unwind */
        rc = err_wrap(&le, "leaving the --host-mem cgroup"), *e = le;
    *failed = r.failed;
    l->j = r.j;
    return run_life_end(l, st, *run_id, rc, r.failed, p->progress, e);
}
