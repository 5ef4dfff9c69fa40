#include "workloads/lib/hload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/host.h"
#include "core/result.h"
#include "core/util.h"
#include "workloads/lib/hparse.h"
#include "workloads/lib/netutil.h"

#define HLOAD_RBUF0 (64 * 1024)
#define HLOAD_RBUF_MAX (HLOAD_MAX_BODY + HPARSE_MAX_HEAD + 64 * 1024)
#define HLOAD_RETRY_S 0.05 /* a refused connect is retried this much later */

const char *const hload_fail_names[HLOAD_F_N] = {"5xx",     "status", "content",
                                                 "timeout", "reset",  "connect"};

enum { C_OFF = 0, C_CONNECTING, C_SENDING, C_READING, C_RETRY };

struct hconn {
    int fd, state;
    unsigned events;   /* what epoll watches for it now */
    int reused;        /* requests answered on this connection so far */
    double started_at; /* connect or request start: what the timeout runs from */
    double sent_at;    /* the request's first byte: what latency runs from */
    size_t woff;
    char *r;
    size_t rlen, rcap;
    struct hresp h;
};

/* The whole generator's state for one run. */
struct hrun {
    const struct hload_cfg *c;
    struct hload_out *o;
    struct hconn *cs;
    int ep;
    char req[512];
    size_t reqlen;
    struct sockaddr_in sa;
    double t0, t_start, t_end, width;
};

int hload_users_at(const struct hload_cfg *c, double t)
{
    if (c->ramp_s <= 0 || t >= c->ramp_s) return c->users;
    if (t < 0) t = 0;
    return 1 + (int)((double)(c->users - 1) * t / c->ramp_s);
}

/* The series bucket of a moment, or NULL outside the counted window. */
static struct hload_bucket *bucket_at(struct hrun *run, double now)
{
    if (now < run->t_start || now >= run->t_end) return NULL;
    int i = (int)((now - run->t_start) / run->width);
    return &run->o->b[i < run->o->nb ? i : run->o->nb - 1];
}

static void count_fail(struct hrun *run, double now, int cause)
{
    struct hload_bucket *b = bucket_at(run, now);
    if (!b) return;
    b->fail[cause]++;
    run->o->fail[cause]++;
}

static void conn_close(struct hrun *run, struct hconn *cn)
{
    if (cn->fd >= 0) {
        epoll_ctl(run->ep, EPOLL_CTL_DEL, cn->fd, NULL);
        close(cn->fd);
    }
    cn->fd = -1;
    cn->state = C_OFF;
    cn->events = 0;
    cn->rlen = 0;
}

static int conn_watch(struct hrun *run, struct hconn *cn, unsigned events, struct err *e)
{
    if (cn->events == events) return 0;
    struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(cn - run->cs)};
    if (epoll_ctl(run->ep, cn->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, cn->fd, &ev) < 0)
        return err_sys(e, ERR_FAIL, errno, "http load: epoll_ctl");
    cn->events = events;
    return 0;
}

/* Writes what is left of the request; READING once it is all out. */
static int conn_send(struct hrun *run, struct hconn *cn, double now, struct err *e)
{
    if (cn->woff == 0) {
        cn->sent_at = util_now(); /* the clock at the send, not at the wake-up */
        if (cn->state != C_CONNECTING) cn->started_at = now;
        hresp_init(&cn->h);
        cn->rlen = 0;
    }
    cn->state = C_SENDING;
    while (cn->woff < run->reqlen) {
        ssize_t n = send(cn->fd, run->req + cn->woff, run->reqlen - cn->woff, MSG_NOSIGNAL);
        if (n > 0) {
            cn->woff += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return conn_watch(run, cn, EPOLLIN | EPOLLOUT, e);
        count_fail(run, now, HLOAD_F_RESET); /* EPIPE, ECONNRESET */
        conn_close(run, cn);
        return 0;
    }
    cn->state = C_READING;
    return conn_watch(run, cn, EPOLLIN, e);
}

/* A user's (re)connect: non-blocking; the request goes out once it is up. */
static int conn_open(struct hrun *run, struct hconn *cn, double now, struct err *e)
{
    cn->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (cn->fd < 0) return err_sys(e, ERR_FAIL, errno, "http load: socket");
    int one = 1;
    setsockopt(cn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    cn->reused = 0;
    cn->woff = 0;
    cn->events = 0;
    cn->started_at = now;
    if (connect(cn->fd, (struct sockaddr *)&run->sa, sizeof(run->sa)) == 0)
        return conn_send(run, cn, now, e);
    if (errno == EINPROGRESS) {
        cn->state = C_CONNECTING;
        return conn_watch(run, cn, EPOLLOUT, e);
    }
    count_fail(run, now, HLOAD_F_CONNECT);
    conn_close(run, cn);
    cn->state = C_RETRY;
    cn->started_at = now + HLOAD_RETRY_S;
    return 0;
}

/* 1 if the body holds the marker; its tail first (where a page's end
 * marker is), the whole body only when the tail lacks it. */
static int body_has(const char *body, size_t len, const char *marker)
{
    size_t m = strlen(marker), tail = len > 1024 ? 1024 : len;
    return memmem(body + len - tail, tail, marker, m) || memmem(body, len, marker, m);
}

/* A whole response: counted by its status and body; then the user's next
 * request, on this connection unless the server is closing it. */
static int conn_done(struct hrun *run, struct hconn *cn, double now, size_t used, int eof,
                     struct err *e)
{
    struct hresp *h = &cn->h;
    struct hload_bucket *b = bucket_at(run, now);
    const char *body = cn->r + h->body_at;
    int cause = -1;
    if (h->status >= 500)
        cause = HLOAD_F_5XX;
    else if (h->status != 200)
        cause = HLOAD_F_STATUS;
    else if (run->c->marker && !body_has(body, h->body_len, run->c->marker))
        cause = HLOAD_F_CONTENT;
    if (!run->o->server[0] && h->server[0])
        snprintf(run->o->server, sizeof(run->o->server), "%s", h->server);
    if (cause >= 0) {
        count_fail(run, now, cause);
    } else if (b) {
        uint64_t ns = (uint64_t)((util_now() - cn->sent_at) * 1e9);
        b->ok++;
        hist_add(&b->lat, ns);
        run->o->ok++;
        run->o->bytes += h->body_len;
        hist_add(&run->o->lat, ns);
    }
    cn->reused++;
    cn->woff = 0;
    if (now >= run->t_end) return 0;           /* the window is over: no new request */
    if (h->close || eof || used != cn->rlen) { /* bytes nobody asked for: start over */
        if (used != cn->rlen) count_fail(run, now, HLOAD_F_CONTENT);
        conn_close(run, cn);
        return conn_open(run, cn, now, e);
    }
    return conn_send(run, cn, now, e);
}

/* Reads what is there (level-triggered: one recv per wake-up) and parses. */
static int conn_read(struct hrun *run, struct hconn *cn, double now, struct err *e)
{
    if (cn->rlen == cn->rcap) {
        size_t cap = cn->rcap * 2 > HLOAD_RBUF_MAX ? HLOAD_RBUF_MAX : cn->rcap * 2;
        char *r = cap > cn->rcap ? realloc(cn->r, cap) : NULL;
        if (!r) { /* at the cap: a response no page should have */
            count_fail(run, now, HLOAD_F_CONTENT);
            conn_close(run, cn);
            return conn_open(run, cn, now, e);
        }
        cn->r = r;
        cn->rcap = cap;
    }
    ssize_t n = recv(cn->fd, cn->r + cn->rlen, cn->rcap - cn->rlen, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    int eof = n <= 0;
    if (n > 0) cn->rlen += (size_t)n;
    size_t used = 0;
    const char *why;
    int rc = hresp_feed(&cn->h, cn->r, cn->rlen, eof, &used, &why);
    if (rc == 1) return conn_done(run, cn, now, used, eof, e);
    if (rc == 0) return 0;
    /* A kept-alive connection the server closed as the request went out
     * (its idle timeout) is retried on a fresh one, as browsers do; any
     * other cut is a failure. */
    if (!(eof && cn->rlen == 0 && cn->reused > 0))
        count_fail(run, now, eof ? HLOAD_F_RESET : HLOAD_F_CONTENT);
    conn_close(run, cn);
    return conn_open(run, cn, now, e);
}

static int conn_event(struct hrun *run, struct hconn *cn, unsigned ev, double now, struct err *e)
{
    if (cn->state == C_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof(err);
        getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            count_fail(run, now, HLOAD_F_CONNECT);
            conn_close(run, cn);
            cn->state = C_RETRY;
            cn->started_at = now + HLOAD_RETRY_S;
            return 0;
        }
        return conn_send(run, cn, now, e);
    }
    if (cn->state == C_SENDING && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) &&
        conn_send(run, cn, now, e) < 0)
        return -1;
    if (cn->state == C_READING && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        return conn_read(run, cn, now, e);
    return 0;
}

/* Requests older than the timeout fail; refused users whose pause is over
 * connect again. */
static int conns_tick(struct hrun *run, int active, double now, struct err *e)
{
    for (int i = 0; i < active; i++) {
        struct hconn *cn = &run->cs[i];
        if (cn->state == C_RETRY && now >= cn->started_at) {
            if (conn_open(run, cn, now, e) < 0) return -1;
        } else if (cn->state != C_RETRY && cn->state != C_OFF &&
                   now - cn->started_at > run->c->timeout_s) {
            count_fail(run, now, HLOAD_F_TIMEOUT);
            conn_close(run, cn);
            if (conn_open(run, cn, now, e) < 0) return -1;
        }
    }
    return 0;
}

static int hload_loop(struct hrun *run, struct err *e)
{
    const struct hload_cfg *c = run->c;
    struct hload_out *o = run->o;
    double cpu0 = -1, env0 = -1, env1 = -1, last_tick = 0;
    int active = 0;
    struct epoll_event ev[256];
    for (;;) {
        double now = util_now();
        if (cpu0 < 0 && now >= run->t_start) {
            cpu0 = net_thread_cpu();
            if (c->hostcpu && host_cpu_read(c->hostcpu, &env0) < 0) env0 = -1;
        }
        if (now >= run->t_end) break;
        for (int want = hload_users_at(c, now - run->t0); active < want; active++)
            if (conn_open(run, &run->cs[active], now, e) < 0) return -1;
        if (now - last_tick >= 0.01) {
            if (conns_tick(run, active, now, e) < 0) return -1;
            last_tick = now;
        }
        int n = epoll_wait(run->ep, ev, 256, 10);
        if (n < 0 && errno != EINTR) return err_sys(e, ERR_FAIL, errno, "http load: epoll_wait");
        now = util_now();
        for (int i = 0; i < n; i++)
            if (conn_event(run, &run->cs[ev[i].data.u32], ev[i].events, now, e) < 0) return -1;
    }
    o->cpu_s = cpu0 >= 0 ? net_thread_cpu() - cpu0 : 0;
    if (env0 >= 0 && host_cpu_read(c->hostcpu, &env1) == 0) o->env_cpu_s = env1 - env0;
    o->secs = run->t_end - run->t_start;
    for (int i = 0; i < o->nb; i++) {
        o->b[i].t_s = (i + 1) * run->width;
        o->b[i].users = hload_users_at(c, run->t_start + o->b[i].t_s - run->t0);
    }
    return 0;
}

int hload_run(const struct hload_cfg *c, struct hload_out *o, struct err *e)
{
    memset(o, 0, sizeof(*o));
    o->env_cpu_s = -1;
    hist_init(&o->lat);
    if (c->users < 1 || c->users > HLOAD_MAX_USERS || !(c->duration_s > 0) || c->ramp_s < 0 ||
        c->warm_s < 0 || !(c->timeout_s > 0))
        return err_set(e, ERR_USAGE, "http load: users 1..%d, duration and timeout > 0",
                       HLOAD_MAX_USERS);
    struct hrun run = {.c = c, .o = o, .ep = -1};
    run.sa.sin_family = AF_INET;
    run.sa.sin_port = htons((uint16_t)c->port);
    if (inet_pton(AF_INET, c->addr, &run.sa.sin_addr) != 1)
        return err_set(e, ERR_USAGE, "http load: '%s' is no IPv4 address", c->addr);
    int n = snprintf(run.req, sizeof(run.req),
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: isobench\r\n\r\n", c->path,
                     c->addr, c->port);
    if (n < 0 || (size_t)n >= sizeof(run.req))
        return err_set(e, ERR_USAGE, "http load: path too long");
    run.reqlen = (size_t)n;
    o->nb = (int)c->duration_s < 1 ? 1 : (int)c->duration_s;
    if (o->nb > HLOAD_MAX_BUCKETS) o->nb = HLOAD_MAX_BUCKETS;
    run.width = c->duration_s / o->nb;
    o->b = calloc((size_t)o->nb, sizeof(*o->b));
    run.cs = calloc((size_t)c->users, sizeof(*run.cs));
    run.ep = epoll_create1(EPOLL_CLOEXEC);
    int rc = !o->b || !run.cs || run.ep < 0
                 ? err_sys(e, ERR_FAIL, errno ? errno : ENOMEM, "http load: memory or epoll")
                 : 0;
    for (int i = 0; rc == 0 && i < o->nb; i++)
        hist_init(&o->b[i].lat);
    for (int i = 0; rc == 0 && i < c->users; i++) {
        run.cs[i].fd = -1;
        run.cs[i].rcap = HLOAD_RBUF0;
        if (!(run.cs[i].r = malloc(HLOAD_RBUF0))) rc = err_set(e, ERR_FAIL, "out of memory");
    }
    if (rc == 0) {
        run.t0 = util_now();
        run.t_start = run.t0 + c->warm_s;
        run.t_end = run.t_start + c->duration_s;
        rc = hload_loop(&run, e);
    }
    for (int i = 0; run.cs && i < c->users; i++) {
        if (run.cs[i].fd >= 0) close(run.cs[i].fd);
        free(run.cs[i].r);
    }
    free(run.cs);
    if (run.ep >= 0) close(run.ep);
    return rc;
}

void hload_out_free(struct hload_out *o)
{
    free(o->b);
    o->b = NULL;
    o->nb = 0;
}

int hload_get(const char *addr, int port, const char *path, double timeout_s, int *status,
              char *body, size_t len, char *server, size_t slen, struct err *e)
{
    return hload_request(addr, port, path, NULL, timeout_s, status, body, len, server, slen, e);
}

int hload_request(const char *addr, int port, const char *path, const char *form, double timeout_s,
                  int *status, char *body, size_t len, char *server, size_t slen, struct err *e)
{
    double deadline = util_now() + timeout_s;
    int fd cleanup_close = net_connect(SOCK_STREAM, addr, port, timeout_s, e);
    if (fd < 0) return -1;
    char req[4096];
    int n = form ? snprintf(req, sizeof(req),
                            "POST %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: isobench\r\n"
                            "Content-Type: application/x-www-form-urlencoded\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                            path, addr, port, strlen(form), form)
                 : snprintf(req, sizeof(req),
                            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: isobench\r\n"
                            "Connection: close\r\n\r\n",
                            path, addr, port);
    if (n < 0 || (size_t)n >= sizeof(req))
        return err_set(e, ERR_USAGE, "http: request to %s too long", path);
    if (net_write_full(fd, req, (size_t)n, deadline, e) < 0) return -1;
    size_t cap = 1 << 20, got = 0, used;
    char *buf cleanup_free = malloc(cap);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    struct hresp h;
    hresp_init(&h);
    const char *why;
    for (;;) {
        if (net_wait(fd, 0, deadline, e) < 0) return err_wrap(e, "http: %s", path);
        ssize_t r = recv(fd, buf + got, cap - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return err_sys(e, ERR_FAIL, errno, "http: %s", path);
        got += (size_t)r;
        int rc = hresp_feed(&h, buf, got, r == 0, &used, &why);
        if (rc < 0) return err_set(e, ERR_FAIL, "http: %s: %s", path, why);
        if (rc == 1) break;
        if (got == cap) return err_set(e, ERR_FAIL, "http: %s: response over 1 MiB", path);
    }
    *status = h.status;
    size_t bl = h.body_len < len - 1 ? h.body_len : len - 1;
    memcpy(body, buf + h.body_at, bl);
    body[bl] = '\0';
    if (server) snprintf(server, slen, "%s", h.server);
    return 0;
}

/* "PREFIX.NAME" into buf. */
static const char *hload_key(const char *prefix, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s.%s", prefix, name);
    return buf;
}

/* The latency-vs-time series as CSV, into the sample's raw text. */
static void hload_series(struct result *r, const struct hload_out *o)
{
    char line[256];
    result_raw_append(r, "t_s,users,ok,fail_5xx,fail_status,fail_content,fail_timeout,"
                         "fail_reset,fail_connect,mean_us,p50_us,p95_us,p99_us\n");
    for (int i = 0; i < o->nb; i++) {
        const struct hload_bucket *b = &o->b[i];
        int q = b->ok > 0;
        snprintf(
            line, sizeof(line), "%.2f,%d,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.1f,%.1f,%.1f,%.1f\n",
            b->t_s, b->users, (unsigned long long)b->ok, (unsigned long long)b->fail[0],
            (unsigned long long)b->fail[1], (unsigned long long)b->fail[2],
            (unsigned long long)b->fail[3], (unsigned long long)b->fail[4],
            (unsigned long long)b->fail[5], q ? hist_mean(&b->lat) / 1e3 : 0,
            q ? hist_quantile(&b->lat, 0.5) / 1e3 : 0, q ? hist_quantile(&b->lat, 0.95) / 1e3 : 0,
            q ? hist_quantile(&b->lat, 0.99) / 1e3 : 0);
        result_raw_append(r, line);
    }
}

/* With a ramp: the users at the first bucket whose mean latency is twice
 * the first settled bucket's (>= 20 answers; the mean, as Little's law
 * ties it to users / rate: Apache's per-interval median is bimodal - a
 * connection a worker still holds is answered at once), and at the first
 * bucket with a failure; a fact says which never happened. */
static int hload_knees(struct result *r, const struct hload_out *o, const char *prefix,
                       struct err *e)
{
    double base = 0;
    int x2 = -1, fail = -1;
    for (int i = 0; i < o->nb; i++) {
        const struct hload_bucket *b = &o->b[i];
        uint64_t nf = 0;
        for (int k = 0; k < HLOAD_F_N; k++)
            nf += b->fail[k];
        if (fail < 0 && nf > 0) fail = b->users;
        if (b->ok < 20) continue;
        double mean = hist_mean(&b->lat);
        if (base == 0)
            base = mean;
        else if (x2 < 0 && mean >= 2 * base)
            x2 = b->users;
    }
    if (x2 >= 0 && result_add(r, "users_at_2x_latency", "users", BETTER_HIGHER, x2, e) < 0)
        return -1;
    if (fail >= 0 && result_add(r, "users_at_first_failure", "users", BETTER_HIGHER, fail, e) < 0)
        return -1;
    char k[64];
    if (x2 < 0 || fail < 0)
        kv_set(&r->facts, hload_key(prefix, "ramp", k, sizeof(k)),
               x2 < 0 && fail < 0 ? "latency never doubled, no failure"
               : x2 < 0           ? "latency never doubled"
                                  : "no failure",
               NULL);
    return 0;
}

int hload_report(const struct hload_out *o, double ramp_s, const char *prefix, struct result *r,
                 struct err *e)
{
    uint64_t nf = 0;
    char v[256], k[64];
    size_t off = 0;
    for (int i = 0; i < HLOAD_F_N; i++) { /* "5xx=0 status=0 ..." */
        nf += o->fail[i];
        off += (size_t)snprintf(v + off, sizeof(v) - off, "%s%s=%llu", i ? " " : "",
                                hload_fail_names[i], (unsigned long long)o->fail[i]);
    }
    kv_set(&r->facts, hload_key(prefix, "failures", k, sizeof(k)), v, NULL);
    if (o->ok == 0)
        return err_set(e, ERR_FAIL, "%s client: no request succeeded (%llu failed: %s)", prefix,
                       (unsigned long long)nf, v);
    if (result_add(r, "rps", "req/s", BETTER_HIGHER, (double)o->ok / o->secs, e) < 0 ||
        result_add(r, "mean", "us", BETTER_LOWER, hist_mean(&o->lat) / 1e3, e) < 0 ||
        result_add(r, "p50", "us", BETTER_LOWER, hist_quantile(&o->lat, 0.5) / 1e3, e) < 0 ||
        result_add(r, "p95", "us", BETTER_LOWER, hist_quantile(&o->lat, 0.95) / 1e3, e) < 0 ||
        result_add(r, "p99", "us", BETTER_LOWER, hist_quantile(&o->lat, 0.99) / 1e3, e) < 0 ||
        result_add(r, "fail_pct", "%", BETTER_LOWER, 100.0 * (double)nf / (double)(o->ok + nf), e) <
            0)
        return -1;
    if (o->env_cpu_s >= 0 && result_add(r, "cpu_us_per_req", "cpu-us/req", BETTER_LOWER,
                                        o->env_cpu_s / (double)o->ok * 1e6, e) < 0)
        return -1;
    if (ramp_s > 0 && hload_knees(r, o, prefix, e) < 0) return -1;
    snprintf(v, sizeof(v), "%.3f", o->cpu_s / (double)(o->ok + nf) * 1e6);
    kv_set(&r->facts, hload_key(prefix, "loadgen_cpu_us_per_req", k, sizeof(k)), v, NULL);
    hload_series(r, o);
    return 0;
}
