/* noisy-neighbour - the interference matrix. In each environment a victim
 * tenant runs suite workloads alone and beside an aggressor tenant of the
 * same environment running one stress-ng stressor; the reporter computes
 * the victim's loss against alone, paired by round. The steps (alone and
 * each stressor) are shuffled in every round, so drift hits them alike.
 * Anchor (Tang et al., cited by the docker-in-KVM study): memory stress
 * costs Docker 43 % and KVM 4 %, disk stress 35 % and 21 %, CPU 0 %. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "run/runner.h"
#include "run/scenario.h"

static const struct wl_opt noisy_opts[] = {
    {"victims",
     "the victim's workloads (plain ones: stream, randomaccess, compress, linpack, blockio)",
     {"compress", "stream,compress,linpack", "stream,randomaccess,compress,linpack,blockio"},
     .type = WL_T_STR},
    {"aggressors",
     "the aggressor's stress-ng stressors, each a step: cpu, vm (memory), stream (memory "
     "bandwidth), hdd (disk), sock (network)",
     {"cpu,vm,hdd", "cpu,vm,stream,hdd,sock", "cpu,vm,stream,hdd,sock"},
     .type = WL_T_STR},
    {"ramp",
     "seconds the aggressor runs before the victim starts",
     {"1", "2", "2"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 600.0,
     .unit = "s"},
    {"factor",
     "the aggressor is stopped when the victim ends, and runs at most ramp + factor x the "
     "victim's time alone + 2 s; a victim that outlasts that fails its sample (it was not "
     "contended throughout)",
     {"10", "10", "10"},
     .type = WL_T_SECS,
     .min = 1.0,
     .lower = WL_MIN_EXCL,
     .max = 100.0},
    {"workers",
     "stress-ng workers of the aggressor; auto = the host's CPUs",
     {"auto", "auto", "auto"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 256,
     .values = "auto"},
    {"bytes",
     "bytes per vm or hdd worker of the aggressor",
     {"256M", "256M", "256M"},
     .type = WL_T_SIZE,
     .min = 4096,
     .max = 0x1p40,
     .unit = "B"},
    {.name = NULL},
};

#define NOISY_MAX_STEPS 8

static const char *const stressors[] = {"cpu", "vm", "stream", "hdd", "sock", NULL};

/* Splits a comma list into at most max words of buf. */
static int split_words(const char *list, char *buf, size_t len, char **out, int max)
{
    if (snprintf(buf, len, "%s", list) >= (int)len) return -1;
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n >= max) return -1;
        out[n++] = t;
    }
    return n;
}

/* At plan time: the victims are suite workloads (a network one makes the
 * scenario use the peer), the aggressors known stressors listed once; the
 * stressor workload sized as its largest step. ERR_USAGE on bad input. */
static int noisy_check(struct scenario_plan *p, struct err *e)
{
    if (scen_fit_tenants(p, 2, e) < 0) return -1; /* victim and aggressor */
    char buf[256], *w[LIM_WORKLOADS];
    int n = split_words(scen_opt(p, "victims"), buf, sizeof(buf), w, LIM_WORKLOADS - 1);
    if (n <= 0) return err_set(e, ERR_USAGE, "noisy-neighbour: victims must be a workload list");
    for (int i = 0; i < n; i++) {
        const struct workload *wl = workload_find(w[i]);
        if (wl && (!strcmp(wl->name, "stress") || !strcmp(wl->name, "null") ||
                   !strcmp(wl->name, "filetask") || wl->only_in))
            return err_set(e, ERR_USAGE,
                           "noisy-neighbour: victim %s is not a suite workload (stream, "
                           "randomaccess, compress, linpack, blockio, netlat, netbw, redis, "
                           "mysql, http)",
                           w[i]);
        if (scen_plan_workload(p, w[i], NULL, e) < 0) return -1;
        if (wl && wl->net) p->net = 1; /* its client runs in the peer namespace */
    }
    char abuf[256], *a[NOISY_MAX_STEPS];
    int na = split_words(scen_opt(p, "aggressors"), abuf, sizeof(abuf), a, NOISY_MAX_STEPS - 1);
    if (na <= 0)
        return err_set(e, ERR_USAGE, "noisy-neighbour: aggressors must be a stressor list");
    for (int i = 0; i < na; i++) {
        int ok = 0;
        for (int k = 0; stressors[k]; k++)
            ok |= !strcmp(a[i], stressors[k]);
        for (int k = 0; k < i; k++)
            if (!strcmp(a[k], a[i])) ok = 0;
        if (!ok)
            return err_set(e, ERR_USAGE,
                           "noisy-neighbour: aggressor '%s' is not one of cpu, vm, stream, hdd, "
                           "sock (or is listed twice)",
                           a[i]);
    }
    struct kvlist so = {0};
    if (kv_set(&so, "workers", scen_opt(p, "workers"), e) < 0 ||
        kv_set(&so, "bytes", scen_opt(p, "bytes"), e) < 0 || kv_set(&so, "stressor", "vm", e) < 0)
        return -1;
    /* sized as its largest step (vm: workers x bytes of memory) */
    int si = scen_plan_workload(p, "stress", &so, e);
    if (si < 0) return -1;
    uint64_t hdd = p->wl_mem[si]; /* the hdd step writes as many bytes as vm holds */
    if (hdd > p->wl_disk[si]) p->wl_disk[si] = hdd;
    return 0;
}

/* A network victim's two halves as one sample, as a plain run stores it:
 * the client's metrics, then the server's prefixed "server." (runner's
 * pair merge), in the server job's reply; a failed half fails it with
 * that half's error (the client's first: a server whose client never came
 * times out after it). The job then spans the client's time. */
static void noisy_pair(struct scen_job *srv, const struct scen_job *cli)
{
    struct reply *r = srv->reply, *cr = cli->reply;
    if (!cr->ok) { /* the measuring half's error, also when the server then timed out */
        r->ok = 0;
        r->err = cr->err;
        err_wrap(&r->err, "client in the peer namespace");
    } else if (r->ok) {
        runner_pair_merge(r, cr);
    }
    srv->t0 = cli->t0;
    srv->t1 = cli->t1;
}

/* One step of one victim workload: alone, or beside the aggressor running
 * stressor for secs. A network victim is its server half in the victim
 * tenant and its client half in the peer namespace, started together
 * (the client retries its connect until the server listens); the server
 * ends on the client's stop, stopped_by only a backstop. Stores the
 * victim's sample (and the aggressor's); a victim not contended
 * throughout fails its sample. */
static int noisy_step(struct scen_run *r, int v, int a, int w, const char *step, double secs,
                      double ramp, int round, double *alone_s, struct err *e)
{
    struct scenario_plan *p = r->p;
    int alone = !strcmp(step, "alone"), net = p->wl[w]->net;
    struct scen_job jobs[3];
    int n = 0;
    if (!alone) {
        int si = scen_wl_index(p, "stress");
        /* the aggressor runs until the victim ends (stopped_by), its
         * seconds only a cap */
        jobs[n++] = (struct scen_job){.tenant = a,
                                      .wl = p->wl[si],
                                      .opts = p->wlopts[si],
                                      .stopped_by = SCEN_REF(net ? 2 : 1)};
        char s[32];
        snprintf(s, sizeof(s), "%.0f", ceil(secs));
        if (kv_set(&jobs[0].opts, "stressor", step, e) < 0 ||
            kv_set(&jobs[0].opts, "seconds", s, e) < 0)
            return -1;
    }
    double delay = alone ? 0 : ramp;
    int vi = n; /* the victim's job; a network victim's client right after it */
    jobs[vi] = (struct scen_job){.tenant = v,
                                 .role = net ? "server" : NULL,
                                 .wl = p->wl[w],
                                 .opts = p->wlopts[w],
                                 .delay_s = delay,
                                 .stopped_by = net ? SCEN_REF(vi + 1) : 0,
                                 .stop_delay_s = 10};
    n++;
    if (net) {
        jobs[n] = (struct scen_job){.tenant = SCEN_PEER,
                                    .label = r->t[v].label,
                                    .server_of = SCEN_REF(v),
                                    .wl = p->wl[w],
                                    .opts = p->wlopts[w],
                                    .delay_s = delay};
        /* sliced, the client half sits on the victim's first CPU (the
         * victim is slot 0: CPUs from 0), never on the aggressor's: the
         * loss is then the victim's, not its measuring client's */
        int pinnable = 0;
        for (const struct wl_opt *o = p->wl[w]->opts; o && o->name; o++)
            pinnable |= !strcmp(o->name, "cpu-client");
        if (p->slice.cpus && pinnable && kv_set(&jobs[n].opts, "cpu-client", "low", e) < 0)
            return -1;
        n++;
    }
    if (scen_run_jobs(r, jobs, n, e) < 0) {
        scen_jobs_free(jobs, n);
        return -1;
    }
    struct scen_job *vj = &jobs[vi], *aj = alone ? NULL : &jobs[0];
    if (net) noisy_pair(vj, &jobs[n - 1]);
    if (aj && aj->stopped) { /* as planned: what it made the host spend is its rate */
        scen_stopped_sample(aj, "stress.stressor", step);
    } else if (aj && vj->reply->ok && !aj->reply->ok) {
        vj->reply->ok = 0;
        vj->reply->err = aj->reply->err;
        err_wrap(&vj->reply->err, "the aggressor failed, so this was no contended sample");
    } else if (aj && vj->reply->ok) {
        vj->reply->ok = 0;
        err_set(&vj->reply->err, ERR_FAIL,
                "the aggressor (stress-ng --%s, %.0f s) ended %.1f s before the victim: not "
                "contended throughout (raise noisy-neighbour.factor)",
                step, secs, vj->t1 - aj->t1);
    }
    if (aj) {
        kv_set(&vj->reply->res.facts, "aggressor", step, NULL);
        for (int m = 0; aj->reply->ok && m < aj->reply->res.n; m++)
            if (!strcmp(aj->reply->res.m[m].name, "host_cpus_busy")) {
                char val[64];
                snprintf(val, sizeof(val), "%.4g", aj->reply->res.m[m].value);
                kv_set(&vj->reply->res.facts, "aggressor.host_cpus_busy", val, NULL);
            }
    }
    if (alone && vj->reply->ok && alone_s) *alone_s = vj->t1 - vj->t0;
    int rc = round > 0 ? scen_store(r, vj, step, round, e) : 0;
    if (rc == 0 && aj && round > 0) rc = scen_store(r, aj, step, round, e);
    scen_jobs_free(jobs, n);
    return rc;
}

/* One environment: victim and aggressor tenants, a warm-up alone per
 * victim workload (it sizes the aggressor's time), then the rounds. */
static int noisy_env(struct scen_run *r, int i, char **steps, int nsteps, struct err *e)
{
    struct scenario_plan *p = r->p;
    double ramp = 0, factor = 10;
    if (scen_secs(p, "ramp", &ramp, e) < 0 || scen_secs(p, "factor", &factor, e) < 0) return -1;
    int t0 = r->nt, ta[2];
    static const char *const names[] = {"victim", "aggressor"};
    int rc = scen_tenants_up(r, i, names, 2, ta, e);
    int v = ta[0], a = ta[1];
    if (rc < 0) { /* this environment's samples fail; the others go on */
        if (env_interrupted) return -1;
        struct reply *rp = calloc(1, sizeof(*rp));
        if (!rp) return err_set(e, ERR_FAIL, "out of memory");
        rp->err = *e;
        struct scen_job fj = {.tenant = t0, .wl = p->wl[0], .reply = rp};
        rc = scen_store(r, &fj, "alone", 1, e);
        free(rp);
        for (int t = r->nt - 1; t >= t0; t--)
            scen_tenant_down(r, t);
        return rc;
    }
    uint64_t rng = p->seed + (uint64_t)i;
    for (int w = 0; w < p->nwl; w++) {
        if (!strcmp(p->wl[w]->name, "stress")) continue;
        double alone_s = 10;
        scen_progress(r, "%s @ %s: warm-up alone", p->wl[w]->name, p->spec[i].text);
        if (noisy_step(r, v, a, w, "alone", 0, 0, 0, &alone_s, e) < 0) return -1;
        for (int round = 1; round <= p->reps; round++) {
            int order[NOISY_MAX_STEPS];
            runner_round_order(&rng, nsteps, order);
            for (int k = 0; k < nsteps; k++) {
                if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
                const char *s = steps[order[k]];
                scen_progress(r, "%s @ %s: round %d/%d, %s", p->wl[w]->name, p->spec[i].text, round,
                              p->reps, s);
                double secs = ramp + factor * alone_s + 2;
                if (noisy_step(r, v, a, w, s, secs, ramp, round, NULL, e) < 0) return -1;
            }
        }
    }
    scen_tenant_down(r, a);
    scen_tenant_down(r, v);
    return 0;
}

static int noisy_run(struct scen_run *r, struct err *e)
{
    char buf[256], *steps[NOISY_MAX_STEPS];
    steps[0] = "alone";
    int n =
        split_words(scen_opt(r->p, "aggressors"), buf, sizeof(buf), steps + 1, NOISY_MAX_STEPS - 1);
    if (n < 0) return err_set(e, ERR_USAGE, "noisy-neighbour: too many aggressors");
    for (int i = 0; i < r->p->nenv; i++)
        if (noisy_env(r, i, steps, n + 1, e) < 0) return -1;
    return 0;
}

const struct scenario scenario_noisy_neighbour = {
    .name = "noisy-neighbour",
    .summary = "a victim's suite workload alone and beside a stress-ng aggressor of the same "
               "environment: loss per stressor",
    .opts = noisy_opts,
    .check = noisy_check,
    .run = noisy_run,
};
