/* pair.c - a network workload's sample as a pair of halves: the server
 * in the environment, the client in the peer (the local netns or the
 * remote agent), watched together and merged into one sample. */
#include <errno.h>
#include <math.h>
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
#include "run/runner.h"
#include "run/runner_priv.h"

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
int runner_measure_net(struct env_ctx *ctx, struct job *j, const char *cpusrc, struct reply *r,
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
