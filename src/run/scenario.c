/* scenario.c - the scenario engine: planning, tenants, jobs run side by
 * side in threads, samples stored with their tenant and step. */
#include "run/lifecycle.h"
#include "run/scenario.h"
#include "run/scenario_priv.h"

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

/* name typed as type from p->vals, the owner named "scenario <name>". */
static int scen_typed(const struct scenario_plan *p, const char *name, enum wl_type type,
                      struct wl_val *v, struct err *e)
{
    char owner[80];
    snprintf(owner, sizeof(owner), "scenario %s", p->sc->name);
    return wl_vals_get(owner, &p->vals, name, type, v, e);
}

/* A UINT or SIZE option as a number into *out (untouched if unset or a word). */
static int scen_number(const struct scenario_plan *p, const char *name, enum wl_type type,
                       uint64_t *out, struct err *e)
{
    struct wl_val v = {0};
    int has = scen_typed(p, name, type, &v, e);
    if (has < 0) return -1;
    if (has && !v.word) *out = v.u;
    return 0;
}

int scen_u64(const struct scenario_plan *p, const char *name, uint64_t *out, struct err *e)
{
    return scen_number(p, name, WL_T_UINT, out, e);
}

int scen_size(const struct scenario_plan *p, const char *name, uint64_t *out, struct err *e)
{
    return scen_number(p, name, WL_T_SIZE, out, e);
}

int scen_secs(const struct scenario_plan *p, const char *name, double *out, struct err *e)
{
    struct wl_val v = {0};
    int has = scen_typed(p, name, WL_T_SECS, &v, e);
    if (has < 0) return -1;
    if (has) *out = v.d;
    return 0;
}

int scen_enum(const struct scenario_plan *p, const char *name, int *out, struct err *e)
{
    struct wl_val v = {0};
    int has = scen_typed(p, name, WL_T_ENUM, &v, e);
    if (has < 0) return -1;
    if (has) *out = v.idx;
    return 0;
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
    if (wl_vals_load(owner, p->sc->opts, &p->opts, p->size, &p->vals, e) < 0) return -1;
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
