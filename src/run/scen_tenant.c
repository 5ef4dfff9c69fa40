/* scen_tenant.c - a scenario's tenants: brought up (one by one, or in
 * threads of their own for the environments that allow it), probed,
 * healed after a failure, taken down. */
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
#include "run/scenario.h"
#include "run/scenario_priv.h"

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

/* A tenant whose environment failed (a dead channel, a crashed agent):
 * down and up again with the same spec, at most SCEN_RESTARTS times, each
 * stored as a run fact with the error that caused it. */
int scen_tenant_heal(struct scen_run *r, int t, const char *why, struct err *e)
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
