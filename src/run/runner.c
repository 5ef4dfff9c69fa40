#include "run/lifecycle.h"
#include "run/runner.h"
#include "run/runner_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/host.h"
#include "core/json.h"
#include "core/pcount.h"
#include "run/converge.h"

void runner_make_uuid(char *buf, size_t len)
{
    /* 64 random bits: the run's names on the host (its data and state
     * dirs, cgroups) cannot be guessed ahead to plant something there */
    unsigned long long r = 0;
    while (getrandom(&r, sizeof(r), 0) != sizeof(r)) {
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char ts[32];
    strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "%s-%016llx", ts, r);
}

/* The run's first successful sample of workload w settles the options it
 * reports as "<name>.settle.<option>" facts (the client half's come
 * prefixed "client."): wlopts[w] and the stored options take them. */
int runner_settle_take(const struct workload *wl, const struct kvlist *facts, struct kvlist *into,
                       struct err *e)
{
    char pre[64];
    snprintf(pre, sizeof(pre), "%s%s.settle.", wl->net ? "client." : "", wl->name);
    size_t pl = strlen(pre);
    for (int i = 0; i < facts->n; i++) {
        const char *k = facts->v[i].key, *opt = k + pl;
        if (strncmp(k, pre, pl)) continue; /* a server half's is never taken */
        int allowed = 0;
        for (const char *const *a = wl->settles; a && *a && !allowed; a++)
            allowed = !strcmp(*a, opt);
        struct kvlist *one cleanup_free = calloc(1, sizeof(*one));
        if (!one) return err_set(e, ERR_FAIL, "out of memory");
        if (!allowed || kv_set(one, opt, facts->v[i].val, e) < 0 ||
            wl_opts_check(wl->name, wl->opts, one, e) < 0)
            return err_set(e, ERR_FAIL, "%s: a sample tried to settle %.60s=%.60s: refused",
                           wl->name, opt, facts->v[i].val);
        if (kv_set(into, opt, facts->v[i].val, e) < 0)
            return err_wrap(e, "%s: settling %s", wl->name, opt);
    }
    return 0;
}

static int runner_settle(struct run_plan *p, int w, struct store *st, int64_t run_id,
                         const struct kvlist *facts, struct err *e)
{
    if (runner_settle_take(p->wl[w], facts, &p->wlopts[w], e) < 0) return -1;
    p->settled[w] = 1;
    return store_run_workload_update(st, run_id, w, &p->wlopts[w], e);
}

#define RUNNER_RESTARTS 3 /* an environment that fails more often ends the run */

/* The host CPU seconds the sample's environment spent (fact host_cpu_s)
 * and, for a plain job that reported its work (wl_work), the cost metric
 * it asked for. A network pair's client half reads the same source per
 * phase and reports its own cost metrics. */
static int runner_charge(struct result *res, double cpu_s, struct err *e)
{
    char v[64];
    snprintf(v, sizeof(v), "%.6f", cpu_s);
    kv_set(&res->facts, "host_cpu_s", v, NULL);
    const char *units = kv_get(&res->facts, "work.units"),
               *metric = kv_get(&res->facts, "work.metric");
    const char *unit = kv_get(&res->facts, "work.unit"), *scale = kv_get(&res->facts, "work.scale");
    if (!units || !metric || !unit || !scale || atof(units) <= 0) return 0;
    return result_add(res, metric, unit, BETTER_LOWER, cpu_s * atof(scale) / atof(units), e);
}

/* Closes the sample's counters and, for a sample that succeeded, adds
 * its perop.* metrics and counters.* facts (core/pcount.h), divided by
 * the units of work the workload reported (a network workload's client
 * half: fact client.work.units); no units reported, no perop.*. */
static int runner_perop(struct pcount *pc, const struct workload *wl, double cpu_s, int ok,
                        struct result *res, struct err *e)
{
    struct pc_vals *v cleanup_free = malloc(sizeof(*v));
    if (!v) return err_set(e, ERR_FAIL, "out of memory");
    pcount_close(pc, v);
    if (!ok) return 0;
    const char *units = kv_get(&res->facts, wl->net ? "client.work.units" : "work.units");
    return units ? pcount_result(v, cpu_s, wl->unit, atof(units), res, e) : 0;
}

/* --target-ci's outcome for workload w, as run facts: the rounds it took
 * and, when it did not converge within --max-repetitions, which metrics. */
static int runner_converged(struct run_plan *p, int w, struct store *st, int64_t run_id, int rounds,
                            const char *why, struct err *e)
{
    char k[64], v[320];
    snprintf(k, sizeof(k), "rounds.%s", p->wl[w]->name);
    snprintf(v, sizeof(v), "%d", rounds);
    if (store_run_fact(st, run_id, k, v, e) < 0) return -1;
    if (!why[0]) return 0;
    snprintf(k, sizeof(k), "not_converged.%s", p->wl[w]->name);
    snprintf(v, sizeof(v), "intervals wider than +-%g after %d rounds: %s", p->target_ci, rounds,
             why);
    return store_run_fact(st, run_id, k, v, e);
}

/* After the environment itself failed (a dead channel, a crashed agent):
 * down and up again, so the samples after the failed one can run, at most
 * RUNNER_RESTARTS times; each restart is stored (env facts restarts and
 * restart.N with the error that caused it). -1 when it cannot come back. */
static int runner_restart(struct env_ctx *ctx, struct store *st, int64_t run_id,
                          const struct err *why, struct err *e)
{
    char k[32], v[32];
    if (ctx->restarts >= RUNNER_RESTARTS)
        return err_set(e, ERR_FAIL, "%s failed %d times: %s", ctx->rq->spec.text,
                       RUNNER_RESTARTS + 1, why->msg);
    env_down(ctx);
    ctx->restarts++;
    snprintf(k, sizeof(k), "restart.%d", ctx->restarts);
    snprintf(v, sizeof(v), "%d", ctx->restarts);
    if (store_env_fact(st, run_id, ctx->rq->idx, k, why->msg, e) < 0 ||
        store_env_fact(st, run_id, ctx->rq->idx, "restarts", v, e) < 0)
        return -1;
    if (env_up(ctx, ctx->rq, e) < 0) return err_wrap(e, "restarting %s", ctx->rq->spec.text);
    ctx->cold = 1; /* a fresh instance: its next sample would be a cold one */
    return 0;
}

/* After a restart, the instance's first job is run once unmeasured (its
 * result dropped, as the run's warm-up round's would be), so that the
 * sample that counts is not a cold one; the sample says so. An
 * environment failure of the warm-up is left to the measured job. */
static void warm_after_restart(struct run_plan *p, struct env_ctx *ctx, int w, struct job *j)
{
    ctx->cold = 0;
    struct reply *wr = calloc(1, sizeof(*wr));
    struct err we = {0};
    if (wr)
        (void)(p->wl[w]->net ? runner_measure_net(ctx, j, "", wr, &we)
                             : env_exec(ctx, j, NULL, wr, &we));
    free(wr);
}

/* Runs one measurement and commits it; returns -1 only when the
 * environment failed or we were interrupted. */
static int measure(struct run_plan *p, struct env_ctx *ctx, int w, struct store *st, int64_t run_id,
                   const char *uuid, int round, int pos, int *failed, struct err *e)
{
    struct job j = {.size = p->size};
    snprintf(j.workload, sizeof(j.workload), "%s", p->wl[w]->name);
    j.opts = p->wlopts[w];
    snprintf(j.data, sizeof(j.data), "%s", ctx->info.datadir);
    struct reply *r cleanup_free = calloc(1, sizeof(*r));
    if (!r) return err_set(e, ERR_FAIL, "out of memory");
    int after_restart = ctx->cold && round > 0;
    if (after_restart) warm_after_restart(p, ctx, w, &j);
    double t0 = util_now();
    char cpusrc[400] = ""; /* what the environment costs the host, read around the sample */
    if (ctx->rq->env->host_cpu_src && ctx->rq->env->host_cpu_src(ctx, cpusrc, sizeof(cpusrc)) < 0)
        cpusrc[0] = '\0';
    double cpu0 = 0, cpu1 = 0;
    struct pcount *pc cleanup_free = NULL; /* the per-operation counters, when it has a unit */
    const char *unit = p->wl[w]->unit;
    if (p->counters && unit && strcmp(unit, "none") && (pc = malloc(sizeof(*pc))))
        pcount_open(pc, cpusrc);
    int have_cpu = cpusrc[0] && host_cpu_read(cpusrc, &cpu0) == 0;
    int rc =
        p->wl[w]->net ? runner_measure_net(ctx, &j, cpusrc, r, e) : env_exec(ctx, &j, NULL, r, e);
    have_cpu = have_cpu && host_cpu_read(cpusrc, &cpu1) == 0;
    if (rc == 0 && r->ok && have_cpu && runner_charge(&r->res, cpu1 - cpu0, &r->err) < 0) r->ok = 0;
    if (pc && runner_perop(pc, p->wl[w], have_cpu ? cpu1 - cpu0 : -1, rc == 0 && r->ok, &r->res,
                           &r->err) < 0)
        r->ok = 0;
    if (rc < 0) {
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        /* The environment failed this time: record it as a failed sample. */
        r->ok = 0;
        r->err = *e;
        err_wrap(&r->err, "%s", ctx->rq->spec.text);
    }
    double wall = util_now() - t0;
    if (r->ok && kv_require_all(&r->res.facts, ctx->rq->spec.text, &r->err) < 0) r->ok = 0;
    char rp[24];
    snprintf(rp, sizeof(rp), "%d", round);
    kv_set(&r->res.facts, "round", rp, NULL);
    snprintf(rp, sizeof(rp), "%d", pos);
    kv_set(&r->res.facts, "position", rp, NULL);
    if (after_restart) kv_set(&r->res.facts, "warmed_after_restart", "1", NULL);
    if (p->sized[w][ctx->rq->idx][0]) /* --sizing: the instance this sample ran in */
        kv_set(&r->res.facts, "sizing", p->sized[w][ctx->rq->idx], NULL);
    for (int k = 0; k < p->plan_facts[w].n; k++) { /* the plan's facts; the agent's win */
        const struct kv *f = &p->plan_facts[w].v[k];
        struct err fe = {0};
        if (!kv_get(&r->res.facts, f->key) && kv_set(&r->res.facts, f->key, f->val, &fe) < 0 &&
            r->ok) {
            r->ok = 0; /* a sample without its caveat would pass for a clean one */
            r->err = fe;
            err_wrap(&r->err, "%s: the plan's fact %s does not fit", ctx->rq->spec.text, f->key);
        }
    }
    int warm = round == 0;
    if (!r->ok) (*failed)++;
    if (r->ok && !p->settled[w] && runner_settle(p, w, st, run_id, &r->res.facts, e) < 0) return -1;
    if (store_measurement(st, run_id, j.workload, ctx->rq->spec.text, round, warm, wall, r, e) < 0)
        return -1;
    if (p->ndjson)
        runner_emit_ndjson(p->ndjson, uuid, j.workload, ctx->rq->spec.text, round, warm, wall, r);
    if (rc < 0) return runner_restart(ctx, st, run_id, &r->err, e);
    return 0;
}

int runner_pick_ports(int n, struct err *e)
{
    unsigned short r = 0;
    for (int attempt = 0; attempt < 50; attempt++) {
        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) r = (unsigned short)getpid();
        int base = 20000 + r % 20000, ok = 1;
        for (int i = 0; ok && i < n; i++)
            ok = util_port_free(base + i);
        if (ok) return base;
    }
    return err_set(e, ERR_FAIL, "no free port range for the network workloads");
}

void runner_round_order(uint64_t *state, int n, int *order)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) { /* Fisher-Yates on a splitmix64 stream */
        uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        int j = (int)(z % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* --target-ci's look after the rounds stored so far for workload w: the
 * stored run through report_build, as its report will print it, and
 * converge_done. 1: go on (why names the cells too wide), 0: narrow
 * enough, -1: the store failed. Reading the store, not what this process
 * measured, makes a --resumed run look at all of its samples. */
static int runner_look(struct run_plan *p, int w, struct store *st, int64_t run_id, char *why,
                       size_t len, struct err *e)
{
    struct run_view *rv = calloc(1, sizeof(*rv));
    if (!rv) return err_set(e, ERR_FAIL, "out of memory");
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)run_id);
    struct report report;
    int rc = store_load_run(st, id, rv, e);
    if (rc == 0) rc = report_build(rv, &report, e);
    if (rc == 0) {
        int wl = -1;
        for (int k = 0; k < rv->nwl; k++)
            if (!strcmp(rv->workloads[k], p->wl[w]->name)) wl = k;
        rc = wl >= 0 && converge_done(&report, wl, p->target_ci, p->wl[w]->headline, why, len) ? 0
                                                                                               : 1;
        report_free(&report);
    }
    store_free_run(rv);
    free(rv);
    return rc;
}

/* --resume: round `round` of workload w has some of its samples stored and
 * not others - its halves are measured apart, so the report must not pair
 * them (run fact split_round.<workload>.<round>). */
static int runner_split_round(struct run_plan *p, int w, struct store *st, int64_t run_id,
                              int round, struct err *e)
{
    int active = 0, stored = 0;
    for (int i = 0; i < p->nenv; i++) {
        if (p->na[w][i]) continue;
        active++;
        stored += store_has_sample(st, run_id, p->wl[w]->name, p->spec[i].text, round);
    }
    if (stored == 0 || stored == active) return 0;
    char k[LIM_WORKLOAD_NAME + 32];
    snprintf(k, sizeof(k), "split_round.%s.%d", p->wl[w]->name, round);
    return store_run_fact(st, run_id, k, "1", e);
}

/* --peer ssh://: connects the peer host (fenced for the run's ports
 * base..base+nenv-1) and stores what it found as run facts (peer.*: its
 * CPU, kernel, NIC, the path's base RTT, the control channel's RTT and
 * clock offset); each environment gets the link's. */
static int runner_peer_remote(struct run_plan *p, const char *uuid, int base, struct journal *j,
                              struct store *st, int64_t run_id, struct err *e)
{
    struct kvlist *f cleanup_free = calloc(1, sizeof(*f));
    if (!f) return err_set(e, ERR_FAIL, "out of memory");
    if (peer_remote_up(&p->peer, &p->peer_url, uuid, base, base + p->nenv - 1, j, f, e) < 0)
        return err_wrap(e, "connecting the peer host");
    for (int k = 0; k < f->n; k++) {
        if (store_run_fact(st, run_id, f->v[k].key, f->v[k].val, e) < 0) return -1;
        if (!strcmp(f->v[k].key, "peer.url") || !strcmp(f->v[k].key, "peer.addr") ||
            !strcmp(f->v[k].key, "peer.link") || !strcmp(f->v[k].key, "peer.host_addr"))
            kv_set(&p->peer_facts, f->v[k].key, f->v[k].val, NULL);
    }
    return 0;
}

/* The environment's net.path fact: how the peer's packets reach its
 * server and what that adds to the path. */
static void runner_reach_path(const struct env_req *r, struct env_info *in)
{
    const char *how;
    if (!in->reach_addr[0])
        how = "none";
    else if (in->serve_addr[0])
        how = "the host's own address facing the peer (the host's network namespace)";
    else if (!strcmp(in->reach_addr, r->peer->host_addr))
        how = "a published port on the host's address facing the peer (DNAT, then the run's or "
              "the engine's bridge)";
    else
        how = "its own address, routed from the peer through the host to the run's bridge (no "
              "NAT; the peer routes that subnet via the host)";
    kv_set(&in->facts, "net.path", how, NULL);
}

/* The client side: the peer netns on this host, or the remote peer
 * (--peer ssh://), and the run's first server port into *base. */
static int run_peer_up(struct run_plan *p, struct journal *j, struct store *st, int64_t run_id,
                       const char *uuid, int *base, struct err *e)
{
    if (p->peer_url.text[0])
        return (*base = runner_pick_ports(p->nenv, e)) < 0 ||
                       runner_peer_remote(p, uuid, *base, j, st, run_id, e) < 0
                   ? -1
                   : 0;
    if (peer_up(&p->peer, uuid, j, e) < 0) return err_wrap(e, "making the peer network namespace");
    if ((*base = runner_pick_ports(p->nenv, e)) < 0) return -1;
    kv_set(&p->peer_facts, "peer.netns", p->peer.nspath, NULL);
    kv_set(&p->peer_facts, "peer.link", p->peer.host_if, NULL);
    kv_set(&p->peer_facts, "peer.host_addr", p->peer.host_addr, NULL);
    kv_set(&p->peer_facts, "peer.addr", p->peer.peer_addr, NULL);
    return 0;
}

/* Brings up environment i as planned (its request rq, kept for the run)
 * and stores it with its facts: where the peer reaches its server. */
static int run_env_up(struct run_plan *p, struct env_ctx *ctx, struct env_req *r, int i, int net,
                      int data, int base, struct journal *j, struct store *st, int64_t run_id,
                      const char *uuid, struct err *e)
{
    r->peer = net ? &p->peer : NULL;
    r->port = net ? base + i : 0;
    r->need_data = data;
    r->mem_needed = p->mem_needed;
    r->disk_needed = p->disk_needed;
    r->guest_files[0] = NULL;
    for (int w = 0; w < p->nwl; w++)
        if (env_req_add_guest_files(r, p->wl[w]->guest_files, e) < 0) return -1;
    r->env = p->env[i];
    r->spec = p->spec[i];
    r->conf = p->conf[i];
    r->timeout_s = p->timeout_s;
    r->idx = i;
    r->journal = j;
    snprintf(r->run_id, sizeof(r->run_id), "%s", uuid);
    if (env_up(ctx, r, e) < 0) return err_wrap(e, "bringing up %s", p->spec[i].text);
    struct env_info *in = &ctx->info;
    if (r->peer) {
        char v[96];
        snprintf(v, sizeof(v), "%s:%d", in->reach_addr[0] ? in->reach_addr : "-", in->reach_port);
        kv_set(&in->facts, "net.reach", in->reach_addr[0] ? v : in->no_reach, NULL);
        runner_reach_path(r, in);
        for (int k = 0; k < p->peer_facts.n; k++)
            kv_set(&in->facts, p->peer_facts.v[k].key, p->peer_facts.v[k].val, NULL);
    }
    return store_run_env(st, run_id, i, p->spec[i].text, &in->facts, e);
}

/* What the progress line counts: samples planned and done, the same
 * weighted by each pair's expected time, and when the rounds began. */
struct run_tally {
    int total, done;
    double w_total, w_done, started;
};

/* Stores the n/a pairs (and says them in NDJSON) and counts the samples
 * the rounds will take into t. */
static int run_tally_pairs(struct run_plan *p, struct store *st, int64_t run_id, const char *uuid,
                           int first, struct run_tally *t, struct err *e)
{
    int pairs = 0;
    for (int w = 0; w < p->nwl; w++)
        for (int i = 0; i < p->nenv; i++) {
            if (!p->na[w][i]) {
                pairs++;
                t->w_total += runner_sample_weight(p, w, i) * (p->reps + 1 - first);
                continue;
            }
            if (store_run_na(st, run_id, p->wl[w]->name, p->spec[i].text, p->na[w][i], e) < 0)
                return -1;
            if (p->ndjson)
                runner_emit_na(p->ndjson, uuid, p->wl[w]->name, p->spec[i].text, p->na[w][i]);
        }
    t->total = pairs * (p->reps + 1 - first);
    t->started = util_now();
    return 0;
}

/* One round of workload w: every environment once, in a shuffled order
 * (rng), each sample measured and stored - on --resume those stored
 * already are left as they are. */
static int run_round(struct run_plan *p, struct env_ctx *ctx, int w, int round, uint64_t *rng,
                     struct store *st, int64_t run_id, const char *uuid, struct run_tally *t,
                     int *failed, struct err *e)
{
    int order[LIM_ENVS];
    if (round > 0 && p->resume_id > 0 && runner_split_round(p, w, st, run_id, round, e) < 0)
        return -1;
    runner_round_order(rng, p->nenv, order);
    for (int k = 0; k < p->nenv; k++) {
        int i = order[k];
        if (p->na[w][i]) continue;
        if (round > 0 && p->resume_id > 0 && /* --resume: what is stored stays */
            store_has_sample(st, run_id, p->wl[w]->name, p->spec[i].text, round)) {
            t->total--, t->w_total -= runner_sample_weight(p, w, i); /* not part of what is left */
            continue;
        }
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        runner_progress(p, p->wl[w]->name, p->spec[i].text, round, t->done, t->total, t->w_done,
                        t->w_total, t->started);
        if (measure(p, &ctx[i], w, st, run_id, uuid, round, k, failed, e) < 0) return -1;
        t->done++;
        t->w_done += runner_sample_weight(p, w, i);
    }
    return 0;
}

/* Workload w's rounds from first: the planned ones, then (--target-ci)
 * more until a look finds every headline interval narrow enough. */
static int run_workload(struct run_plan *p, struct env_ctx *ctx, int w, int first, uint64_t *rng,
                        struct store *st, int64_t run_id, const char *uuid, struct run_tally *t,
                        int *failed, struct err *e)
{
    char why[240] = "";
    int round;
    for (round = first;; round++) {
        int more = 0;
        if (round > p->reps && p->target_ci > 0 && round - 1 < p->seq.max_reps) {
            more = converge_is_look(&p->seq, round - 1)
                       ? runner_look(p, w, st, run_id, why, sizeof(why), e)
                       : 1;
            if (more < 0) return -1;
        }
        if (round > p->reps && !more) break;
        for (int i = 0; round > p->reps && i < p->nenv; i++) /* one more round */
            if (!p->na[w][i]) t->total++, t->w_total += runner_sample_weight(p, w, i);
        if (run_round(p, ctx, w, round, rng, st, run_id, uuid, t, failed, e) < 0) return -1;
    }
    return p->target_ci > 0 ? runner_converged(p, w, st, run_id, round - 1, why, e) : 0;
}

/* The run between its lifecycle's begin and end: the peer, every
 * environment up, then per workload (each instance resized to it when
 * --sizing asks) its rounds. */
static int run_body(struct run_plan *p, struct env_ctx *ctx, struct env_req *rq, struct journal *j,
                    struct store *st, int64_t run_id, const char *uuid, int *failed, struct err *e)
{
    int need_net = 0, need_data = 0, base = 0;
    for (int w = 0; w < p->nwl; w++) {
        need_net |= p->wl[w]->net;
        need_data |= p->wl[w]->data;
    }
    if (need_net && run_peer_up(p, j, st, run_id, uuid, &base, e) < 0) return -1;
    for (int i = 0; i < p->nenv; i++)
        if (run_env_up(p, &ctx[i], &rq[i], i, need_net, need_data, base, j, st, run_id, uuid, e) <
            0)
            return -1;
    int first = p->warmup ? 0 : 1;
    struct run_tally t = {0};
    if (run_tally_pairs(p, st, run_id, uuid, first, &t, e) < 0) return -1;
    uint64_t rng = p->seed;
    char(*cur)[160] cleanup_free = calloc(LIM_ENVS, 160); /* each instance's spec ("": planned) */
    if (!cur) return err_set(e, ERR_FAIL, "out of memory");
    for (int w = 0; w < p->nwl; w++)
        if (runner_resize(p, ctx, rq, w, cur, st, run_id, e) < 0 ||
            run_workload(p, ctx, w, first, &rng, st, run_id, uuid, &t, failed, e) < 0)
            return -1;
    if (p->progress) fprintf(stderr, "\r\033[K");
    return 0;
}

int runner_execute(struct run_plan *p, struct store *st, int64_t *run_id, int *failed,
                   struct err *e)
{
    struct run_life *l cleanup_free = malloc(sizeof(*l)); /* its facts: ~70 KiB */
    if (!l) return err_set(e, ERR_FAIL, "out of memory");
    run_life_begin(l, &p->seed, &p->slice);
    struct kvlist *host = &l->host;
    if (p->counters) kv_set(host, "counters", "on", NULL);
    runner_sized_facts(p, host); /* --sizing's instances, for the report and --resume */
    if (p->target_ci > 0) {      /* the sequential design, for the report and --resume */
        if (!p->resume_id) converge_design(p->target_ci, p->reps, p->max_reps, &p->seq);
        if (converge_facts(&p->seq, host, e) < 0) return -1;
    }
    *failed = 0;
    if (p->resume_id > 0) { /* the same run goes on: its row, workloads and options stay */
        *run_id = p->resume_id;
        if (store_run_resume(st, *run_id, host, e) < 0) return -1;
    } else {
        if (store_run_begin(st, l->uuid, p->command, p->size, p->reps, host, run_id, e) < 0)
            return -1;
        for (int i = 0; i < p->run_facts.n; i++)
            if (store_run_fact(st, *run_id, p->run_facts.v[i].key, p->run_facts.v[i].val, e) < 0)
                return -1;
        for (int w = 0; w < p->nwl; w++)
            if (store_run_workload(st, *run_id, w, p->wl[w]->name, &p->wlopts[w], e) < 0) return -1;
    }
    struct env_ctx *ctx = calloc(LIM_ENVS, sizeof(*ctx));
    struct env_req *rq = calloc(LIM_ENVS, sizeof(*rq)); /* each instance's, outlives it */
    if (!ctx || !rq) {
        free(ctx);
        free(rq);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    run_life_journal(l);
    p->peer.nsfd = -1;
    int rc = run_body(p, ctx, rq, &l->j, st, *run_id, l->uuid, failed, e);
    for (int i = p->nenv - 1; i >= 0; i--)
        env_down(&ctx[i]);
    peer_down(&p->peer);
    free(ctx);
    free(rq);
    return run_life_end(l, st, *run_id, rc, *failed, p->progress, e);
}

int runner_estimate(struct run_plan *p, struct store *st, struct run_estimate *est, struct err *e)
{
    memset(est, 0, sizeof(*est));
    struct kvlist *host cleanup_free = calloc(1, sizeof(*host));
    if (!host) return err_set(e, ERR_FAIL, "out of memory");
    host_facts(host);
    const char *cpu = kv_get(host, "cpu_model");
    est->rounds = p->reps + (p->warmup ? 1 : 0);
    for (int w = 0; w < p->nwl; w++)
        for (int i = 0; i < p->nenv; i++) {
            if (p->na[w][i]) continue;
            est->pairs++;
            double med;
            int n;
            if (store_wall_history(st, p->wl[w]->name, p->spec[i].text, p->size, cpu, &med, &n, e) <
                0)
                return -1;
            p->est_s[w][i] = n ? med : 0;
            if (!n) continue;
            est->known++;
            est->secs += med * est->rounds;
        }
    return 0;
}

void runner_estimate_text(const struct run_estimate *est, char *buf, size_t len)
{
    char t[32];
    if (est->secs >= 90)
        snprintf(t, sizeof(t), "%.0f min", est->secs / 60);
    else
        snprintf(t, sizeof(t), "%.*f s", est->secs < 10 ? 1 : 0, est->secs);
    if (est->known == 0)
        snprintf(buf, len,
                 "%d pairs x %d rounds; duration unknown: none was measured at this size on a host "
                 "like this one before",
                 est->pairs, est->rounds);
    else if (est->known < est->pairs)
        snprintf(buf, len,
                 "%d pairs x %d rounds; at least %s (the %d pairs measured here before; the other "
                 "%d never were)",
                 est->pairs, est->rounds, t, est->known, est->pairs - est->known);
    else
        snprintf(buf, len,
                 "%d pairs x %d rounds; about %s (every pair's earlier samples on a host like this "
                 "one; environments' start-up not included)",
                 est->pairs, est->rounds, t);
}
