/* filetask - the docker-in-KVM study's API server task: on each request
 * the server creates a file of `bytes` in `writes` write(2) calls in its
 * data directory (30 MB in 2,000,000 writes in the study), removes it and
 * answers with its own task time. The server half is a minimal HTTP/1.1
 * endpoint (keep-alive, GET <token>/task, GET <token>/quit: the token from
 * the job's secret, a request without it refused); the client half connects to
 * every target (one, or the scenario's K servers), sends one request to
 * all at once per round and waits for all answers, as the study's client
 * did. The spread across servers is the study's imbalance. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/stats.h"
#include "workloads/filetask.h"
#include "workloads/lib/netutil.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

#define FT_ACCEPT_S 60.0
#define FT_REQ_MAX 1024

static const struct wl_opt filetask_opts[] = {
    {"bytes",
     "bytes of the file each task creates (the study: about 30 MB)",
     {"3M", "30M", "30M"},
     .type = WL_T_SIZE,
     .min = 1,
     .max = 0x1p34,
     .unit = "B"},
    {"writes",
     "write(2) calls that create it (the study: 2,000,000, i.e. 15 bytes each)",
     {"200000", "2000000", "2000000"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 1e9},
    {"rounds",
     "rounds: one request to every server at once, all answers awaited",
     {"3", "10", "50"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 100000},
    {"server",
     "the server half: c (isobench's HTTP endpoint doing write(2)) or node (Node.js + Express "
     "with fs.writeSync, the study's kind of server; where the environment has them)",
     {"c", "c", "c"},
     .type = WL_T_ENUM,
     .values = "c|node"},
    {"targets",
     "the servers as ADDR:PORT,... (set by the memory-pressure scenario; default: the run's one "
     "server)",
     {NULL, NULL, NULL},
     .type = WL_T_STR},
    {.name = NULL},
};

struct ft_cfg {
    uint64_t bytes, writes, rounds;
    int node; /* server=node */
};

static int ft_params(const struct wl_ctx *ctx, struct ft_cfg *c, struct err *e)
{
    const struct workload *w = &workload_filetask;
    if (wl_opt_size(ctx, w, "bytes", 30000000, &c->bytes, e) < 0 ||
        wl_opt_u64(ctx, w, "writes", 2000000, &c->writes, e) < 0 ||
        wl_opt_u64(ctx, w, "rounds", 10, &c->rounds, e) < 0)
        return -1;
    int srv;
    if (wl_opt_enum(ctx, w, "server", FT_SERVER_C, &srv, e) < 0) return -1;
    c->node = (enum ft_server)srv == FT_SERVER_NODE;
    if (c->writes > c->bytes)
        return err_set(e, ERR_USAGE, "filetask: writes (%llu) must not exceed bytes (%llu)",
                       (unsigned long long)c->writes, (unsigned long long)c->bytes);
    return 0;
}

static int ft_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                    struct err *e)
{
    struct ft_cfg c;
    (void)resolved;
    if (ft_params(ctx, &c, e) < 0) return -1;
    struct ft_target t[FT_MAX_TARGETS];
    const char *tg = wl_opt_str(ctx, &workload_filetask, "targets");
    if (tg && ft_parse_targets(tg, t, FT_MAX_TARGETS, e) < 0) return -1;
    need->disk_bytes = c.bytes;
    return 0;
}

int ft_parse_targets(const char *list, struct ft_target *t, int max, struct err *e)
{
    char buf[FT_MAX_TARGETS * 32];
    if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
        return err_set(e, ERR_USAGE, "filetask: targets too long");
    int n = 0;
    char *save = NULL;
    for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(s, ':');
        uint64_t port;
        if (n >= max) return err_set(e, ERR_USAGE, "filetask: more than %d targets", max);
        if (!colon || colon == s || colon - s >= (long)sizeof(t[n].addr) ||
            util_parse_u64(colon + 1, &port, NULL) < 0 || port < 1 || port > 65535)
            return err_set(e, ERR_USAGE, "filetask: target '%s' is not ADDR:PORT", s);
        snprintf(t[n].addr, sizeof(t[n].addr), "%.*s", (int)(colon - s), s);
        t[n++].port = (int)port;
    }
    if (n == 0) return err_set(e, ERR_USAGE, "filetask: no target");
    return n;
}

double ft_task(const char *dir, uint64_t bytes, uint64_t writes, struct err *e)
{
    char path[512];
    if (snprintf(path, sizeof(path), "%s/filetask-%d.dat", dir[0] ? dir : "/tmp", (int)getpid()) >=
        (int)sizeof(path))
        return err_set(e, ERR_FAIL, "filetask: data dir path too long");
    char chunk[4096];
    uint64_t each = bytes / writes, extra = bytes % writes;
    if (each + 1 > sizeof(chunk))
        return err_set(e, ERR_USAGE, "filetask: %llu bytes per write is above %zu",
                       (unsigned long long)each + 1, sizeof(chunk));
    memset(chunk, 'x', sizeof(chunk));
    double t0 = util_now();
    unlink(path); /* one a killed repetition left; never a link followed */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "filetask: open %s", path);
    for (uint64_t i = 0; i < writes; i++) {
        size_t len = (size_t)each + (i < extra ? 1 : 0); /* bytes in all, exactly */
        ssize_t k = write(fd, chunk, len);
        if (k != (ssize_t)len) {
            int er = k < 0 ? errno : ENOSPC;
            close(fd);
            unlink(path);
            return err_sys(e, ERR_FAIL, er, "filetask: write %llu of %s", (unsigned long long)i,
                           path);
        }
    }
    if (close(fd) < 0) return err_sys(e, ERR_FAIL, errno, "filetask: close %s", path);
    double t = util_now() - t0;
    unlink(path);
    return t;
}

/* Reads one request head (up to the blank line) into buf; 0 on EOF. */
static int ft_read_request(int fd, char *buf, size_t cap, double deadline, struct err *e)
{
    size_t got = 0;
    while (got + 1 < cap) {
        if (net_wait(fd, 0, deadline, e) < 0) return -1;
        ssize_t k = recv(fd, buf + got, cap - 1 - got, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return err_sys(e, ERR_FAIL, errno, "filetask server: recv");
        if (k == 0) return got ? err_set(e, ERR_FAIL, "filetask server: cut request") : 0;
        got += (size_t)k;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n")) return 1;
    }
    return err_set(e, ERR_FAIL, "filetask server: request head above %zu bytes", cap);
}

static int ft_respond(int fd, int status, const char *body, double deadline, struct err *e)
{
    char out[256];
    int n = snprintf(out, sizeof(out),
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
                     status,
                     status == 200   ? "OK"
                     : status == 403 ? "Forbidden"
                                     : "Not Found",
                     strlen(body), body);
    return net_write_full(fd, out, (size_t)n, deadline, e);
}

/* 1 when the request line is "GET <tok><what> ". */
static int ft_is(const char *req, const char *tok, const char *what)
{
    size_t t = strlen(tok), w = strlen(what);
    return !strncmp(req, "GET ", 4) && !strncmp(req + 4, tok, t) &&
           !strncmp(req + 4 + t, what, w) && req[4 + t + w] == ' ';
}

/* Serves the client connection: GET <token>/task runs the task and answers
 * its time in seconds, GET <token>/quit ends the server. The token is the
 * job's (net_secret_path of its secret): a connection whose request lacks
 * it - anyone but the run's client - is answered 403 and dropped, and the
 * server goes on waiting for the client (FT_ACCEPT_S in all). */
static int ft_server(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct ft_cfg c;
    if (ft_params(ctx, &c, e) < 0) return -1;
    if (c.node) return ft_node_server(ctx, c.bytes, c.writes, r, e);
    if (!ctx->secret || !ctx->secret[0])
        return err_set(e, ERR_USAGE, "filetask: the job carries no secret for its token");
    char tok[64];
    net_secret_path(ctx->secret, "ft", tok, sizeof(tok));
    int lfd cleanup_close = net_listen(SOCK_STREAM, ctx->addr, ctx->port, e);
    if (lfd < 0) return err_wrap(e, "filetask server");
    double until = util_now() + FT_ACCEPT_S;
    int fd cleanup_close = -1;
    char req[FT_REQ_MAX];
    double sum = 0;
    uint64_t tasks = 0;
    for (;;) {
        if (fd < 0) {
            fd = net_accept(lfd, until - util_now() > 0 ? until - util_now() : 0.001, e);
            if (fd < 0 || net_sockopts(fd, 0, 0, 1, e) < 0) return err_wrap(e, "filetask server");
        }
        double deadline = util_now() + NET_IO_TIMEOUT_S * 10; /* a step may be long */
        int got = ft_read_request(fd, req, sizeof(req), deadline, e);
        if (got < 0) return -1;
        if (got == 0) break; /* the client closed: done */
        if (!ft_is(req, tok, "/task") && !ft_is(req, tok, "/quit")) {
            struct err ie = {0}; /* not the run's client: 403, dropped */
            ft_respond(fd, 403, "forbidden\n", util_now() + 1, &ie);
            close(fd);
            fd = -1;
            if (tasks) return err_set(e, ERR_FAIL, "filetask server: a request without the token");
            continue;
        }
        if (ft_is(req, tok, "/quit")) {
            if (ft_respond(fd, 200, "bye\n", deadline, e) < 0) return -1;
            break;
        }
        double t = ft_task(ctx->datadir, c.bytes, c.writes, e);
        if (t < 0) return -1;
        char body[64];
        snprintf(body, sizeof(body), "%.9f\n", t);
        if (ft_respond(fd, 200, body, util_now() + NET_IO_TIMEOUT_S, e) < 0) return -1;
        sum += t;
        tasks++;
    }
    if (tasks == 0) return err_set(e, ERR_FAIL, "filetask server: no task was asked for");
    if (result_add(r, "tasks", "tasks", BETTER_HIGHER, (double)tasks, e) < 0 ||
        result_add(r, "task_ms", "ms", BETTER_LOWER, sum / (double)tasks * 1e3, e) < 0)
        return -1;
    return 0;
}

/* Reads one response on fd and its body's task time. */
static int ft_read_response(int fd, double deadline, double *task_s, struct err *e)
{
    char buf[512];
    size_t got = 0;
    for (;;) {
        if (net_wait(fd, 0, deadline, e) < 0) return -1;
        ssize_t k = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return err_set(e, ERR_FAIL, "filetask client: server closed mid-response");
        got += (size_t)k;
        buf[got] = '\0';
        char *body = strstr(buf, "\r\n\r\n");
        const char *cl = strstr(buf, "Content-Length: ");
        if (body && cl && strlen(body + 4) >= (size_t)atoi(cl + 16)) {
            if (strncmp(buf, "HTTP/1.1 200 ", 13))
                return err_set(e, ERR_FAIL, "filetask client: server answered %.20s", buf);
            return util_parse_double(strtok(body + 4, "\n"), task_s, e);
        }
        if (got + 1 >= sizeof(buf))
            return err_set(e, ERR_FAIL, "filetask client: response too long");
    }
}

/* filetask's client half: connects to every target (targets=, else the
 * job's server), asks all of them for one task per round at once, then
 * ends each server (quit, after a success) and summarises task and response times into r
 * (ft_summarize). -1 with the first failure; closes what it opened. */
static int ft_client(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct ft_cfg c;
    if (ft_params(ctx, &c, e) < 0) return -1;
    struct ft_target t[FT_MAX_TARGETS];
    const char *tg = wl_opt_str(ctx, &workload_filetask, "targets");
    int n = 1;
    if (tg)
        n = ft_parse_targets(tg, t, FT_MAX_TARGETS, e);
    else {
        snprintf(t[0].addr, sizeof(t[0].addr), "%s", ctx->addr);
        t[0].port = ctx->port;
    }
    if (n < 0) return -1;
    int fds[FT_MAX_TARGETS];
    for (int i = 0; i < n; i++)
        fds[i] = -1;
    double *task = calloc((size_t)(c.rounds * (uint64_t)n), sizeof(double));
    double *resp = calloc((size_t)(c.rounds * (uint64_t)n), sizeof(double));
    int rc = task && resp ? 0 : err_set(e, ERR_FAIL, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++) {
        fds[i] = net_connect(SOCK_STREAM, t[i].addr, t[i].port, FT_ACCEPT_S, e);
        if (fds[i] < 0 || net_sockopts(fds[i], 0, 0, 1, e) < 0)
            rc = err_wrap(e, "filetask client: server %s:%d", t[i].addr, t[i].port);
    }
    char tok[64], get[160], quit[160];
    net_secret_path(ctx->secret, "ft", tok, sizeof(tok)); /* the server asks for it */
    snprintf(get, sizeof(get), "GET %s/task HTTP/1.1\r\nHost: isobench\r\n\r\n", tok);
    snprintf(quit, sizeof(quit), "GET %s/quit HTTP/1.1\r\nHost: isobench\r\n\r\n", tok);
    for (uint64_t k = 0; rc == 0 && k < c.rounds; k++) {
        double t0 = util_now(), deadline = t0 + NET_IO_TIMEOUT_S * 10;
        for (int i = 0; rc == 0 && i < n; i++) /* one request to all at once */
            rc = net_write_full(fds[i], get, strlen(get), deadline, e);
        for (int i = 0; rc == 0 && i < n; i++) {
            size_t at = (size_t)k * (size_t)n + (size_t)i;
            rc = ft_read_response(fds[i], deadline, &task[at], e);
            resp[at] = util_now() - t0; /* the answers come in any order: an upper bound */
            if (rc < 0)
                err_wrap(e, "server %s:%d, round %llu", t[i].addr, t[i].port,
                         (unsigned long long)k + 1);
        }
    }
    for (int i = 0; i < n; i++) {
        double dummy;
        struct err qe = {0};
        if (fds[i] >= 0 && rc == 0 &&
            net_write_full(fds[i], quit, strlen(quit), util_now() + 10, &qe) == 0)
            ft_read_response(fds[i], util_now() + 10, &dummy, &qe);
        if (fds[i] >= 0) close(fds[i]);
    }
    if (rc == 0) rc = ft_summarize(task, resp, (int)c.rounds, n, r, e);
    free(task);
    free(resp);
    return rc;
}

int ft_summarize(const double *task, const double *resp, int rounds, int n, struct result *r,
                 struct err *e)
{
    size_t all = (size_t)rounds * (size_t)n;
    double *sorted = malloc(all * sizeof(double));
    if (!sorted) return err_set(e, ERR_FAIL, "out of memory");
    double sum = 0, rsum = 0, lo = INFINITY, hi = 0, msum = 0, msq = 0;
    for (size_t i = 0; i < all; i++) {
        sorted[i] = task[i];
        sum += task[i];
        rsum += resp[i];
    }
    for (int i = 0; i < n; i++) { /* per server: its mean task time */
        double m = 0;
        for (int k = 0; k < rounds; k++)
            m += task[(size_t)k * (size_t)n + (size_t)i];
        m /= rounds;
        if (m < lo) lo = m;
        if (m > hi) hi = m;
        msum += m;
        msq += m * m;
        char key[48], v[32];
        snprintf(key, sizeof(key), "filetask.server%d.task_ms", i + 1);
        snprintf(v, sizeof(v), "%.3f", m * 1e3);
        kv_set(&r->facts, key, v, NULL);
    }
    for (size_t i = 1; i < all; i++) /* insertion sort: rounds x servers is small */
        for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    double p95 = sorted[(size_t)ceil(0.95 * (double)all) - 1];
    free(sorted);
    double mean = msum / n, sd = n > 1 ? sqrt(fmax(0, (msq - n * mean * mean) / (n - 1))) : 0;
    wl_units(r, (double)all);
    if (result_add(r, "task_ms", "ms", BETTER_LOWER, sum / (double)all * 1e3, e) < 0 ||
        result_add(r, "task_p95_ms", "ms", BETTER_LOWER, p95 * 1e3, e) < 0 ||
        result_add(r, "response_ms", "ms", BETTER_LOWER, rsum / (double)all * 1e3, e) < 0 ||
        result_add(r, "spread", "max/min", BETTER_LOWER, lo > 0 ? hi / lo : 0, e) < 0 ||
        result_add(r, "servers_cov_pct", "%", BETTER_LOWER, mean > 0 ? sd / mean * 100 : 0, e) < 0)
        return -1;
    return 0;
}

static const char *filetask_unavailable(void)
{
    return net_unavailable();
}

static const char *const ft_headline[] = {"task_ms", NULL};

const struct workload workload_filetask = {
    .unit = "task",
    .name = "filetask",
    .summary = "the docker-in-KVM study's API task: a 30 MB file in 2,000,000 writes per HTTP "
               "request",
    .unavailable = filetask_unavailable,
    .opts = filetask_opts,
    .net = 1,
    .headline = ft_headline,
    .data = 1,
    .check = ft_check,
    .server = ft_server,
    .client = ft_client,
};
