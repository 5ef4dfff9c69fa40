#include "run/lifecycle.h"
#include "run/runner.h"

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

static int plan_workloads(struct run_plan *p, const char *list, struct err *e)
{
    char buf[1024];
    if (strlen(list) >= sizeof(buf)) return err_set(e, ERR_USAGE, "workload list too long");
    if (util_list_check(list, "workload", e) < 0) return -1;
    strcpy(buf, list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const struct workload *w = workload_find(t);
        if (!w) return err_set(e, ERR_USAGE, "unknown workload '%s' (see isobench list)", t);
        if (w->only_in)
            return err_set(e, ERR_USAGE,
                           "workload %s is a part of scenario %s (isobench scenario run %s)", t,
                           w->only_in, w->only_in);
        for (int i = 0; i < p->nwl; i++)
            if (p->wl[i] == w) return err_set(e, ERR_USAGE, "workload '%s' listed twice", t);
        const char *why = w->unavailable ? w->unavailable() : NULL;
        if (why) return err_set(e, ERR_USAGE, "workload %s is unavailable: %s", t, why);
        if (p->nwl >= LIM_WORKLOADS)
            return err_set(e, ERR_USAGE, "too many workloads (at most %d)", LIM_WORKLOADS);
        p->wl[p->nwl++] = w;
    }
    if (p->nwl == 0) return err_set(e, ERR_USAGE, "no workload given (-w)");
    return 0;
}

int runner_plan_peer(struct run_plan *p, const char *url, struct err *e)
{
    if (peer_url_parse(url, &p->peer_url, e) < 0) return -1;
    for (int w = 0; w < p->nwl; w++)
        if (p->wl[w]->net) return 0;
    return err_set(e, ERR_USAGE,
                   "--peer: no planned workload has a client half to run there (network and "
                   "application workloads do)");
}

static int wl_declares(const struct workload *w, const char *key)
{
    for (const struct wl_opt *o = w->opts; o && o->name; o++)
        if (strcmp(o->name, key) == 0) return 1;
    return 0;
}

/* Hands each user option to the workloads it names or that declare it. */
static int plan_options(struct run_plan *p, const struct kvlist *user, struct err *e)
{
    for (int i = 0; user && i < user->n; i++) {
        const char *key = user->v[i].key, *val = user->v[i].val;
        const char *dot = strchr(key, '.');
        int used = 0;
        for (int w = 0; w < p->nwl; w++) {
            const char *k = key;
            if (dot) {
                if (strncmp(key, p->wl[w]->name, (size_t)(dot - key)) != 0 ||
                    p->wl[w]->name[dot - key] != '\0')
                    continue;
                k = dot + 1;
                if (!wl_declares(p->wl[w], k))
                    return err_set(e, ERR_USAGE, "workload %s has no option '%s'", p->wl[w]->name,
                                   k);
            } else if (!wl_declares(p->wl[w], k)) {
                continue;
            }
            if (kv_set(&p->wlopts[w], k, val, e) < 0) return -1;
            used = 1;
        }
        if (!used) return err_set(e, ERR_USAGE, "option '%s' matches no selected workload", key);
    }
    return 0;
}

/* 1 when an environment keeps workload data under HOST_DATA_DIR: all do
 * but native with its own data= (whose room the workloads check where
 * they run). */
static int plan_uses_data_dir(const struct run_plan *p)
{
    for (int i = 0; i < p->nenv; i++)
        if (strcmp(p->env[i]->name, "native") || !kv_get(&p->spec[i].kv, "data")) return 1;
    return 0;
}

int runner_size_workload(const struct workload *w, struct kvlist *opts, int size,
                         const struct host_caps *host, int uses_data_dir, struct wl_needs *need,
                         struct err *e)
{
    struct wl_ctx ctx = {.size = size,
                         .opts = opts,
                         .ncpus = host->ncpus,
                         .llc_bytes = host->llc_bytes,
                         .role = "",
                         .addr = "",
                         .datadir = HOST_DATA_DIR};
    memset(need, 0, sizeof(*need));
    if (workload_check_opts(w, opts, e) < 0) return -1;
    if (w->check(&ctx, opts, need, e) < 0) return -1;
    uint64_t avail = host->mem_avail;
    if (avail && need->mem_bytes > avail)
        return err_set(
            e, ERR_USAGE, "%s at this size needs %llu MiB but only %llu MiB are available", w->name,
            (unsigned long long)(need->mem_bytes >> 20), (unsigned long long)(avail >> 20));
    uint64_t room = host->data_free;
    if (room && need->disk_bytes > room && uses_data_dir)
        return err_set(e, ERR_USAGE, "%s at this size writes %llu MiB but %s has %llu MiB free",
                       w->name, (unsigned long long)(need->disk_bytes >> 20), HOST_DATA_DIR,
                       (unsigned long long)(room >> 20));
    return 0;
}

/* Checks workload w against the plan's host: resolves its sizes into
 * wlopts[w], keeps its plan facts and the largest needs. */
static int plan_workload(struct run_plan *p, int w, struct err *e)
{
    struct wl_needs *need cleanup_free = calloc(1, sizeof(*need));
    if (!need) return err_set(e, ERR_FAIL, "out of memory");
    int rc = runner_size_workload(p->wl[w], &p->wlopts[w], p->size, &p->host, plan_uses_data_dir(p),
                                  need, e);
    p->plan_facts[w] = need->facts;
    p->needs[w] = need->needs;
    if (need->mem_bytes > p->mem_needed) p->mem_needed = need->mem_bytes;
    if (need->disk_bytes > p->disk_needed) p->disk_needed = need->disk_bytes;
    return rc;
}

int runner_plan(struct run_plan *p, const char *wl_list, const char *envlist,
                const struct kvlist *user_opts, struct err *e)
{
    if (plan_workloads(p, wl_list, e) < 0) return -1;
    struct spec specs[LIM_ENVS];
    int n = spec_split_list(envlist, specs, LIM_ENVS - 1, e);
    if (n < 0) return -1;
    int has_native = 0;
    for (int i = 0; i < n; i++)
        has_native |= strcmp(specs[i].text, "native") == 0;
    p->nenv = 0;
    if (!has_native) spec_parse("native", &p->spec[p->nenv++], e);
    for (int i = 0; i < n; i++)
        p->spec[p->nenv++] = specs[i];
    if (p->host.ncpus == 0) host_caps_probe(&p->host);
    for (int i = 0; i < p->nenv; i++) {
        if (env_resolve(&p->spec[i], &p->env[i], e) < 0) return -1;
        const char *why = env_unavailable(p->env[i]);
        if (why)
            return err_set(e, ERR_USAGE, "environment %s is unavailable: %s", p->spec[i].text, why);
        if ((p->slice.cpus || p->slice.mem) &&
            slice_apply(&p->slice, p->env[i], 0, p->host.ncpus, 0, &p->spec[i], e) < 0)
            return -1;
        if (env_conf_parse(p->env[i], &p->spec[i], &p->conf[i], e) < 0) return -1;
    }
    if (plan_options(p, user_opts, e) < 0) return -1;
    p->mem_needed = p->disk_needed = 0;
    for (int w = 0; w < p->nwl; w++) {
        if (plan_workload(p, w, e) < 0) return -1;
    }
    for (int w = 0; w < p->nwl; w++) /* by design, not failures: n/a with the reason */
        for (int i = 0; i < p->nenv; i++) {
            unsigned need = p->wl[w]->needs | p->needs[w] | (p->wl[w]->net ? WL_NEEDS_NET : 0u);
            p->na[w][i] = env_lacks(p->env[i], &p->spec[i], need);
        }
    struct env_needs needs = {
        .mem_bytes = p->mem_needed, .disk_bytes = p->disk_needed, .host = &p->host};
    for (int i = 0; i < p->nenv; i++)
        if (p->env[i]->fit && p->env[i]->fit(&p->spec[i], &needs, e) < 0) return -1;
    if (p->reps < 1) return err_set(e, ERR_USAGE, "repetitions must be >= 1");
    return 0;
}

int runner_plan_resume(struct run_plan *p, struct store *st, const char *which, struct err *e)
{
    struct run_view *rv = calloc(1, sizeof(*rv));
    struct kvlist *opts = calloc(1, sizeof(*opts));
    char *wls = malloc(LIM_WORKLOADS * LIM_WORKLOAD_NAME), *envl = malloc(LIM_ENVS * 257);
    int rc = rv && opts && wls && envl ? store_load_run(st, which, rv, e)
                                       : err_set(e, ERR_FAIL, "out of memory");
    if (rc == 0 && !strcmp(rv->status, "complete"))
        rc = err_set(e, ERR_USAGE, "run %lld is complete: nothing to resume", (long long)rv->id);
    else if (rc == 0 && !strcmp(rv->status, "running"))
        rc = err_set(e, ERR_USAGE, "run %lld is still running (isobench cleanup marks dead runs)",
                     (long long)rv->id);
    if (rc == 0) {
        wls[0] = envl[0] = '\0';
        for (int w = 0; w < rv->nwl; w++) {
            snprintf(wls + strlen(wls), LIM_WORKLOADS * LIM_WORKLOAD_NAME - strlen(wls), "%s%s",
                     w ? "," : "", rv->workloads[w]);
            for (int k = 0; rc == 0 && k < rv->wl_opts[w].n; k++) {
                char key[160];
                snprintf(key, sizeof(key), "%s.%s", rv->workloads[w], rv->wl_opts[w].v[k].key);
                rc = kv_set(opts, key, rv->wl_opts[w].v[k].val, e);
            }
        }
        /* canonical specs joined by commas split back the same way (a
         * token with '=' continues its spec); native is among them */
        for (int i = 0; i < rv->nenv; i++)
            snprintf(envl + strlen(envl), LIM_ENVS * 257 - strlen(envl), "%s%s", i ? "," : "",
                     rv->envs[i]);
        const char *seed = kv_get(&rv->host, "order_seed");
        const char *sl = kv_get(&rv->host, "slice"); /* the specs are stored without it */
        if (sl) rc = slice_parse(sl, &p->slice, e);
        p->size = rv->size;
        p->reps = rv->reps;
        p->seed = seed ? strtoull(seed, NULL, 10) : 0;
        p->counters = kv_get(&rv->host, "counters") != NULL;
        p->resume_id = rv->id;
        snprintf(p->command, sizeof(p->command), "%s", rv->command);
        if (kv_get(&rv->host, "target_ci") && /* --target-ci goes on with its design */
            (rc = converge_from_facts(&rv->host, rv->reps, &p->seq, e)) == 0) {
            p->target_ci = p->seq.pct;
            p->max_reps = p->seq.max_reps;
        }
    }
    if (rc == 0) rc = runner_plan(p, wls, envl, opts, e);
    if (rc == 0) rc = runner_sized_restore(p, &rv->host, e);
    if (rc == 0 && kv_get(&rv->host, "peer.url")) /* the same peer host goes on serving */
        rc = runner_plan_peer(p, kv_get(&rv->host, "peer.url"), e);
    if (rv) store_free_run(rv);
    free(rv);
    free(opts);
    free(wls);
    free(envl);
    return rc;
}

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

/* An NDJSON line's start: {"run":..,"workload":..,"env":.. */
static void emit_head(FILE *f, const char *uuid, const char *wl, const char *env)
{
    fputs("{\"run\":", f);
    json_str(f, uuid);
    fputs(",\"workload\":", f);
    json_str(f, wl);
    fputs(",\"env\":", f);
    json_str(f, env);
}

static void emit_ndjson(FILE *f, const char *uuid, const char *wl, const char *env, int round,
                        int warmup, double wall, const struct reply *r)
{
    emit_head(f, uuid, wl, env);
    fprintf(f, ",\"rep\":%d,\"warmup\":%s,\"ok\":%s,\"wall_s\":", round, warmup ? "true" : "false",
            r->ok ? "true" : "false");
    json_num(f, wall);
    fputs(",\"metrics\":[", f);
    for (int i = 0; r->ok && i < r->res.n; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, r->res.m[i].name);
        fputs(",\"unit\":", f);
        json_str(f, r->res.m[i].unit);
        fputs(",\"better\":", f);
        json_str(f, better_str(r->res.m[i].better));
        fputs(",\"value\":", f);
        json_num(f, r->res.m[i].value);
        fputc('}', f);
    }
    fputs("],\"facts\":", f);
    json_kvlist(f, &r->res.facts);
    if (r->ok && r->res.raw[0]) {
        fputs(",\"raw\":", f);
        json_str(f, r->res.raw);
    }
    if (!r->ok) {
        fputs(",\"error\":", f);
        json_str(f, r->err.msg);
    }
    fputs("}\n", f);
    fflush(f);
}

/* The NDJSON line of a pair not measured by design. */
static void emit_na(FILE *f, const char *uuid, const char *wl, const char *env, const char *why)
{
    emit_head(f, uuid, wl, env);
    fputs(",\"na\":true,\"ok\":false,\"error\":", f);
    char msg[300];
    snprintf(msg, sizeof(msg), "n/a: %s", why);
    json_str(f, msg);
    fputs("}\n", f);
    fflush(f);
}

/* How much of the run one sample of pair (w, i) is, for the ETA: its
 * expected wall time when the store has history, else the mean of the
 * known ones (all 1 when none is known: the ETA then counts samples). */
static double sample_weight(const struct run_plan *p, int w, int i)
{
    if (p->est_s[w][i] > 0) return p->est_s[w][i];
    double sum = 0;
    int n = 0;
    for (int a = 0; a < p->nwl; a++)
        for (int b = 0; b < p->nenv; b++)
            if (!p->na[a][b] && p->est_s[a][b] > 0) sum += p->est_s[a][b], n++;
    return n ? sum / n : 1.0;
}

/* done/total: samples; w_done/w_total: their weights (sample_weight), so
 * the ETA assumes the rest goes as fast, relative to history, as so far. */
static void progress(const struct run_plan *p, const char *wl, const char *env, int round, int done,
                     int total, double w_done, double w_total, double started)
{
    if (!p->progress) return;
    double el = util_now() - started;
    int eta = w_done > 0 ? (int)(el / w_done * (w_total - w_done)) : -1;
    char etabuf[32] = "?";
    if (eta >= 0) snprintf(etabuf, sizeof(etabuf), "%d:%02d", eta / 60, eta % 60);
    char what[32] = "warm-up";
    if (round > 0) snprintf(what, sizeof(what), "round %d/%d", round, p->reps);
    fprintf(stderr, "\r\033[K[%d/%d] %s @ %s  %s  ETA %s", done + 1, total, wl, env, what, etabuf);
    fflush(stderr);
}

static int peer_setup(void *arg)
{
    return peer_enter(arg);
}

/* Appends src's metrics (with_metrics) and facts, names and keys
 * prefixed, to dst. -1 (ERR_FAIL) when dst cannot hold them all or a
 * prefixed name would be cut: a sample missing some would pass for a
 * whole one. */
static int merge_result(struct result *dst, const struct result *src, int with_metrics,
                        const char *prefix, struct err *e)
{
    for (int i = 0; with_metrics && i < src->n; i++) {
        if (dst->n >= RESULT_MAX_METRICS)
            return err_set(e, ERR_FAIL, "a pair's metrics exceed %d: %s%s and after dropped",
                           RESULT_MAX_METRICS, prefix, src->m[i].name);
        struct metric *m = &dst->m[dst->n];
        *m = src->m[i];
        if (snprintf(m->name, sizeof(m->name), "%s%s", prefix, src->m[i].name) >=
            (int)sizeof(m->name))
            return err_set(e, ERR_FAIL, "metric name %s%s too long", prefix, src->m[i].name);
        dst->n++;
    }
    for (int i = 0; i < src->facts.n; i++) {
        char key[sizeof(src->facts.v[0].key)];
        if (snprintf(key, sizeof(key), "%s%s", prefix, src->facts.v[i].key) >= (int)sizeof(key))
            return err_set(e, ERR_FAIL, "fact key %s%s too long", prefix, src->facts.v[i].key);
        if (kv_set(&dst->facts, key, src->facts.v[i].val, e) < 0) return -1;
    }
    return 0;
}

/* The client half of a pair, watched while the server half runs: when the
 * client's agent answers first, its reply is read at once, and a failed
 * client cancels the server half (see struct env_watch). */
struct client_half {
    const struct peer *remote; /* --peer ssh://: its connection, else NULL */
    pid_t pid;
    int fd;
    struct reply *reply;
    struct err err;
    int rc, done;
};

static int client_fired(void *arg)
{
    struct client_half *c = arg;
    c->rc = c->remote ? peer_remote_reply(c->remote, 5, 0, NULL, c->reply, &c->err)
                      : env_agent_finish(&c->pid, &c->fd, 5, NULL, c->reply, &c->err);
    c->done = 1;
    return c->rc < 0 || !c->reply->ok;
}

/* A network workload: its server half runs in the environment (through
 * exec, like any job) while its client half runs at the same time as an
 * agent in the peer namespace. The sample is the client's metrics, then the
 * server's (prefixed "server."); facts are the server's (where it ran) and
 * the client's (prefixed "client."). Returns -1 only when the environment
 * itself failed. */
static int measure_net(struct env_ctx *ctx, struct job *j, const char *cpusrc, struct reply *r,
                       struct err *e)
{
    if (!ctx->rq->peer || !ctx->info.reach_addr[0]) {
        r->ok = 0;
        err_set(&r->err, ERR_FAIL, "%s: %s", ctx->rq->spec.text,
                ctx->info.no_reach[0] ? ctx->info.no_reach
                                      : "no network path from the peer namespace");
        return 0;
    }
    struct job *cj cleanup_free = malloc(sizeof(*cj));
    struct reply *cr cleanup_free = calloc(1, sizeof(*cr));
    if (!cj || !cr) return err_set(e, ERR_FAIL, "out of memory");
    if (util_random_hex(j->secret, 33, e) < 0) return -1; /* this measurement's password */
    *cj = *j;
    cj->data[0] = '\0';
    snprintf(cj->role, sizeof(cj->role), "client");
    snprintf(cj->addr, sizeof(cj->addr), "%s", ctx->info.reach_addr);
    cj->port = ctx->info.reach_port;
    snprintf(cj->hostcpu, sizeof(cj->hostcpu), "%s", cpusrc); /* the client reads it per phase */
    snprintf(j->role, sizeof(j->role), "server");
    snprintf(j->addr, sizeof(j->addr), "%s", ctx->info.serve_addr);
    j->port = ctx->rq->port;
    const struct peer *pr = ctx->rq->peer;
    const char *where = pr->remote ? "client on the peer host" : "client in the peer namespace";
    if (pr->remote) cj->hostcpu[0] = '\0'; /* this host's cgroup files are not there */
    struct client_half c = {.reply = cr, .remote = pr->remote ? pr : NULL};
    if ((pr->remote ? peer_remote_send(pr, cj, &c.err)
                    : env_agent_start(cj, peer_setup, (void *)pr, &c.pid, &c.fd, &c.err)) < 0) {
        r->ok = 0;
        r->err = c.err;
        err_wrap(&r->err, "starting the %s", where);
        return 0;
    }
    struct env_watch w = {
        .fd = pr->remote ? peer_remote_fd(pr) : c.fd, .fired = client_fired, .arg = &c};
    int src = env_exec(ctx, j, &w, r, e);
    if (w.cancelled) { /* the client failed first: its error is the one that matters */
        r->ok = 0;
        r->err = c.rc < 0 ? c.err : cr->err;
        err_wrap(&r->err, "%s", where);
        size_t n = strlen(r->err.msg);
        snprintf(r->err.msg + n, sizeof(r->err.msg) - n, " (server half cancelled)");
        return 0;
    }
    /* A server that failed leaves a client retrying its connect: short
     * wait (a remote client is cancelled, its agent lives on). */
    int short_wait = src < 0 || !r->ok;
    if (!c.done && pr->remote)
        c.rc = peer_remote_reply(pr, ctx->rq->timeout_s, short_wait, NULL, cr, &c.err);
    else if (!c.done)
        c.rc =
            env_agent_finish(&c.pid, &c.fd, short_wait ? 5 : ctx->rq->timeout_s, NULL, cr, &c.err);
    if (src < 0) return -1;
    if (!r->ok) return 0;
    if (c.rc < 0 || !cr->ok) {
        r->ok = 0;
        r->err = c.rc < 0 ? c.err : cr->err;
        err_wrap(&r->err, "%s", where);
        return 0;
    }
    runner_pair_merge(r, cr);
    return 0;
}

void runner_pair_merge(struct reply *r, const struct reply *cr)
{
    /* the server's result (~80 KiB) off the stack */
    struct result *server cleanup_free = malloc(sizeof(*server));
    if (!server) {
        r->ok = 0;
        err_set(&r->err, ERR_FAIL, "out of memory merging a pair's halves");
        return;
    }
    *server = r->res;
    r->res = cr->res; /* the client's metrics first */
    r->res.facts.n = 0;
    struct err me = {0};
    struct kvlist facts = server->facts;
    server->facts.n = 0; /* the server's metrics prefixed, its facts (where it ran) not */
    int rc = merge_result(&r->res, server, 1, "server.", &me);
    server->n = 0;
    server->facts = facts;
    if (rc == 0) rc = merge_result(&r->res, server, 0, "", &me);
    if (rc == 0) rc = merge_result(&r->res, &cr->res, 0, "client.", &me);
    if (rc < 0) {
        r->ok = 0;
        r->err = me;
    }
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
        (void)(p->wl[w]->net ? measure_net(ctx, j, "", wr, &we) : env_exec(ctx, j, NULL, wr, &we));
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
    int rc = p->wl[w]->net ? measure_net(ctx, &j, cpusrc, r, e) : env_exec(ctx, &j, NULL, r, e);
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
        emit_ndjson(p->ndjson, uuid, j.workload, ctx->rq->spec.text, round, warm, wall, r);
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
                t->w_total += sample_weight(p, w, i) * (p->reps + 1 - first);
                continue;
            }
            if (store_run_na(st, run_id, p->wl[w]->name, p->spec[i].text, p->na[w][i], e) < 0)
                return -1;
            if (p->ndjson) emit_na(p->ndjson, uuid, p->wl[w]->name, p->spec[i].text, p->na[w][i]);
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
            t->total--, t->w_total -= sample_weight(p, w, i); /* not part of what is left */
            continue;
        }
        if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
        progress(p, p->wl[w]->name, p->spec[i].text, round, t->done, t->total, t->w_done,
                 t->w_total, t->started);
        if (measure(p, &ctx[i], w, st, run_id, uuid, round, k, failed, e) < 0) return -1;
        t->done++;
        t->w_done += sample_weight(p, w, i);
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
            if (!p->na[w][i]) t->total++, t->w_total += sample_weight(p, w, i);
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
