#include "core/host.h"
#include "workloads/lib/rload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/util.h"
#include "workloads/lib/netutil.h"

#define RLOAD_MAX_PIPE 64
#define RLOAD_RBUF (64 * 1024)
#define RLOAD_KEYLEN 10
#define RLOAD_STALL_S 30.0

/* splitmix64: the per-client generator (fixed seed, fixed sequence). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void rload_keys_init(struct rload_keys *k, uint64_t seed)
{
    for (int i = 0; i < RLOAD_MAX_CLIENTS; i++) {
        k->nset[i] = 0;
        k->rng[i] = seed * 1000003u + (uint64_t)i;
    }
}

/* The key of client c's n-th SET: "k" + 2 base-36 digits of c + 7 of n. */
static void key_of(int c, uint64_t n, char out[RLOAD_KEYLEN])
{
    static const char d36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    out[0] = 'k';
    out[1] = d36[(c / 36) % 36];
    out[2] = d36[c % 36];
    for (int i = 9; i >= 3; i--, n /= 36)
        out[i] = d36[n % 36];
}

/* A key's value is a function of the key (25..75 bytes, 50 on average), so
 * every GET hit is checked byte for byte. */
static const char vpattern[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static size_t value_of(int c, uint64_t n, const char **v)
{
    uint64_t s = ((uint64_t)c << 40) ^ n, h = rng_next(&s);
    *v = vpattern + (h >> 8) % 48;
    return 25 + h % 51;
}

struct pending {
    int get;      /* 1: GET, 0: SET */
    int owner;    /* whose key: the client's own (growing), 0 (fixed keyspace) */
    int may_miss; /* fixed keyspace: nil is a valid answer too */
    uint64_t n;   /* GET: which key (UINT64_MAX: one no SET ever makes) */
};

struct conn {
    int fd, id, done, want_out;
    char *w;
    size_t wlen, woff;
    char *r;
    size_t rlen;
    struct pending q[RLOAD_MAX_PIPE];
    int qhead, qn;
    double sent_at;
};

/* Builds the next batch. Growing keyspace (keyspace 0): a SET makes the
 * client's next new key, a GET reads one of the keys it set. Fixed
 * keyspace N (redis-benchmark -r N): both draw from N keys shared by all
 * clients, and a GET may find nothing yet. */
static void conn_batch(struct conn *cn, struct rload_keys *k, int pipeline, uint64_t keyspace,
                       double now)
{
    cn->wlen = cn->woff = 0;
    cn->qhead = 0;
    cn->qn = pipeline;
    for (int i = 0; i < pipeline; i++) {
        int c = cn->id;
        uint64_t r = rng_next(&k->rng[c]);
        struct pending *p = &cn->q[i];
        char key[RLOAD_KEYLEN];
        p->get = r & 1;
        p->may_miss = keyspace > 0;
        p->owner = keyspace ? 0 : c;
        if (keyspace) {
            p->n = (r >> 1) % keyspace;
            key_of(0, p->n, key);
            key[0] = 'f'; /* never one of the growing keys */
            if (!p->get) k->nset[c]++;
        } else if (p->get) {
            p->n = k->nset[c] ? (r >> 1) % k->nset[c] : UINT64_MAX;
            key_of(c, p->n == UINT64_MAX ? 0 : p->n, key);
            if (p->n == UINT64_MAX) key[1] = key[2] = '-'; /* a key no SET makes */
        } else {
            p->n = k->nset[c]++;
            key_of(c, p->n, key);
        }
        if (p->get) {
            cn->wlen +=
                (size_t)sprintf(cn->w + cn->wlen, "*2\r\n$3\r\nGET\r\n$10\r\n%.10s\r\n", key);
        } else {
            const char *v;
            size_t vl = value_of(p->owner, p->n, &v);
            cn->wlen += (size_t)sprintf(cn->w + cn->wlen,
                                        "*3\r\n$3\r\nSET\r\n$10\r\n%.10s\r\n$%zu\r\n%.*s\r\n", key,
                                        vl, (int)vl, v);
        }
    }
    cn->sent_at = now;
}

/* Writes what is left of the batch; 0 when all of it went out. Readiness
 * is level-triggered: EPOLLOUT is asked for only while a batch is stuck
 * half-written (one send and one recv per batch in the common case, as
 * redis-benchmark does). */
static int conn_flush(struct conn *cn, int ep, struct err *e)
{
    int stuck = 0;
    while (cn->woff < cn->wlen) {
        ssize_t n = send(cn->fd, cn->w + cn->woff, cn->wlen - cn->woff, MSG_NOSIGNAL);
        if (n > 0) {
            cn->woff += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            stuck = 1;
            break;
        }
        return err_sys(e, ERR_FAIL, errno, "redis load: send");
    }
    if (stuck != cn->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (stuck ? EPOLLOUT : 0),
                                 .data.u32 = (uint32_t)cn->id};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, cn->fd, &ev) < 0)
            return err_sys(e, ERR_FAIL, errno, "epoll_ctl");
        cn->want_out = stuck;
    }
    return stuck;
}

/* One complete reply at buf[0..len): 1 and its size in *used, 0 if more
 * bytes are needed, -1 if malformed. *kind is its first byte; a bulk
 * reply's payload is (*pl, *plen), plen -1 for nil. */
static int resp_parse(const char *buf, size_t len, size_t *used, char *kind, const char **pl,
                      long *plen)
{
    const char *crlf = memmem(buf, len, "\r\n", 2);
    if (!crlf) return len > 1024 ? -1 : 0;
    *kind = buf[0];
    size_t line = (size_t)(crlf - buf) + 2;
    if (buf[0] == '+' || buf[0] == '-' || buf[0] == ':') {
        *pl = buf + 1;
        *plen = (long)(crlf - buf - 1);
        *used = line;
        return 1;
    }
    if (buf[0] != '$') return -1;
    long n = strtol(buf + 1, NULL, 10);
    *plen = n;
    if (n < 0) {
        *pl = NULL;
        *used = line;
        return 1;
    }
    if (len < line + (size_t)n + 2) return 0;
    *pl = buf + line;
    *used = line + (size_t)n + 2;
    return 1;
}

/* Matches a reply against the oldest pending request of the connection. */
static int reply_check(struct conn *cn, char kind, const char *pl, long plen, struct rload_out *o,
                       int counted, struct err *e)
{
    if (cn->qn == 0) return err_set(e, ERR_FAIL, "redis load: a reply nobody asked for");
    struct pending *p = &cn->q[cn->qhead];
    cn->qhead++, cn->qn--;
    if (kind == '-')
        return err_set(e, ERR_FAIL, "redis load: error reply: %.*s", (int)(plen > 200 ? 200 : plen),
                       pl);
    if (!p->get) {
        if (kind != '+' || plen != 2 || memcmp(pl, "OK", 2))
            return err_set(e, ERR_FAIL, "redis load: SET answered with '%c'", kind);
        return 0;
    }
    if (kind != '$') return err_set(e, ERR_FAIL, "redis load: GET answered with '%c'", kind);
    if (p->n == UINT64_MAX || plen < 0) {
        if (!p->may_miss && (plen >= 0 || p->n != UINT64_MAX))
            return err_set(e, ERR_FAIL, "redis load: GET of %s key answered %s",
                           p->n == UINT64_MAX ? "a never-set" : "a set",
                           plen < 0 ? "nil" : "a value");
        if (counted) o->misses++;
        return 0;
    }
    const char *v;
    size_t vl = value_of(p->owner, p->n, &v);
    if ((size_t)plen != vl || memcmp(pl, v, vl))
        return err_set(e, ERR_FAIL, "redis load: GET returned a value that was never SET");
    if (counted) o->hits++;
    return 0;
}

/* Reads what is there (one recv; level-triggered readiness brings the
 * rest) and handles every complete reply. */
static int conn_read(struct conn *cn, double now, double t_start, double t_end, struct rload_out *o,
                     struct err *e)
{
    {
        ssize_t n = recv(cn->fd, cn->r + cn->rlen, RLOAD_RBUF - cn->rlen, 0);
        if (n == 0) return err_set(e, ERR_FAIL, "redis load: the server closed the connection");
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return 0;
            return err_sys(e, ERR_FAIL, errno, "redis load: recv");
        }
        cn->rlen += (size_t)n;
        size_t off = 0, used;
        char kind;
        const char *pl;
        long plen;
        int rc;
        while ((rc = resp_parse(cn->r + off, cn->rlen - off, &used, &kind, &pl, &plen)) == 1) {
            int counted = now >= t_start && now < t_end;
            if (reply_check(cn, kind, pl, plen, o, counted, e) < 0) return -1;
            if (counted) {
                o->requests++;
                hist_add(&o->lat, (uint64_t)((now - cn->sent_at) * 1e9));
            }
            off += used;
        }
        if (rc < 0) return err_set(e, ERR_FAIL, "redis load: malformed reply");
        memmove(cn->r, cn->r + off, cn->rlen - off);
        cn->rlen -= off;
        if (cn->rlen == RLOAD_RBUF) return err_set(e, ERR_FAIL, "redis load: reply too large");
    }
    return 0;
}

static void conns_free(struct conn *cs, int n)
{
    for (int i = 0; i < n; i++) {
        if (cs[i].fd >= 0) close(cs[i].fd);
        free(cs[i].w);
        free(cs[i].r);
    }
    free(cs);
}

/* The event loop, once every connection is up. */
static int rload_loop(const struct rload_cfg *c, struct rload_keys *k, struct conn *cs, int ep,
                      struct rload_out *o, struct err *e)
{
    double t0 = util_now(), t_start = t0 + c->warm_s, t_end = t_start + c->duration_s;
    double cpu0 = -1, last_progress = t0, env0 = -1, env1 = -1;
    o->env_cpu_s = -1;
    int live = c->clients;
    for (int i = 0; i < c->clients; i++) {
        conn_batch(&cs[i], k, c->pipeline, c->keyspace, util_now());
        if (conn_flush(&cs[i], ep, e) < 0) return -1;
    }
    struct epoll_event ev[64];
    while (live > 0) {
        double now = util_now();
        if (cpu0 < 0 && now >= t_start) {
            cpu0 = net_thread_cpu();
            if (c->hostcpu && host_cpu_read(c->hostcpu, &env0) < 0) env0 = -1;
        }
        if (o->cpu_s == 0 && now >= t_end && cpu0 >= 0) {
            o->cpu_s = net_thread_cpu() - cpu0;
            if (env0 >= 0 && host_cpu_read(c->hostcpu, &env1) == 0) o->env_cpu_s = env1 - env0;
        }
        if (now - last_progress > RLOAD_STALL_S)
            return err_set(e, ERR_FAIL, "redis load: no reply for %.0f s", RLOAD_STALL_S);
        int n = epoll_wait(ep, ev, 64, 100);
        if (n < 0 && errno != EINTR) return err_sys(e, ERR_FAIL, errno, "epoll_wait");
        now = util_now();
        for (int i = 0; i < n; i++) {
            struct conn *cn = &cs[ev[i].data.u32];
            if (cn->done) continue;
            if ((ev[i].events & EPOLLOUT) && conn_flush(cn, ep, e) < 0) return -1;
            if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                if (conn_read(cn, now, t_start, t_end, o, e) < 0) return -1;
                last_progress = now;
            }
            if (cn->qn == 0) { /* the whole batch is answered */
                if (now >= t_end) {
                    cn->done = 1;
                    live--;
                    continue;
                }
                conn_batch(cn, k, c->pipeline, c->keyspace, now);
                if (conn_flush(cn, ep, e) < 0) return -1;
            }
        }
    }
    if (o->cpu_s == 0 && cpu0 >= 0) o->cpu_s = net_thread_cpu() - cpu0;
    if (o->env_cpu_s < 0 && env0 >= 0 && host_cpu_read(c->hostcpu, &env1) == 0)
        o->env_cpu_s = env1 - env0;
    o->secs = t_end - t_start;
    return 0;
}

/* One command on a connected blocking socket and its whole reply (as
 * rload_command); 1 when the server closed without replying. */
static int rload_call(int fd, double deadline, const char *const *argv, char *out, size_t len,
                      struct err *e)
{
    char req[512];
    int argc = 0;
    while (argv[argc])
        argc++;
    size_t off = (size_t)snprintf(req, sizeof(req), "*%d\r\n", argc);
    for (int i = 0; i < argc && off < sizeof(req); i++)
        off += (size_t)snprintf(req + off, sizeof(req) - off, "$%zu\r\n%s\r\n", strlen(argv[i]),
                                argv[i]);
    int bad = off >= sizeof(req) || net_write_full(fd, req, off, deadline, e) < 0;
    explicit_bzero(req, sizeof(req)); /* an AUTH carries the password */
    if (bad) return off >= sizeof(req) ? err_set(e, ERR_FAIL, "redis: command too long") : -1;
    char *buf cleanup_free = malloc(RLOAD_RBUF);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    size_t got = 0, used;
    char kind;
    const char *pl;
    long plen;
    for (;;) {
        int rc = resp_parse(buf, got, &used, &kind, &pl, &plen);
        if (rc < 0) return err_set(e, ERR_FAIL, "redis: malformed reply");
        if (rc == 1) break;
        if (got == RLOAD_RBUF) return err_set(e, ERR_FAIL, "redis: reply too large");
        ssize_t n = recv(fd, buf + got, RLOAD_RBUF - got, 0);
        if (n == 0) return 1; /* closed without a reply (SHUTDOWN does that) */
        if (n < 0) {
            if (errno == EINTR) continue;
            return err_sys(e, ERR_FAIL, errno, "redis: recv");
        }
        got += (size_t)n;
    }
    if (kind == '-')
        return err_set(e, ERR_FAIL, "redis: %s: %.*s", argv[0], (int)(plen > 200 ? 200 : plen), pl);
    size_t n = plen < 0 ? 0 : (size_t)plen < len ? (size_t)plen : len - 1;
    memcpy(out, pl ? pl : "", n);
    out[n] = '\0';
    return 0;
}

/* AUTH with the run's password on a fresh connection (nothing when NULL). */
static int rload_auth(int fd, const char *password, double deadline, struct err *e)
{
    if (!password || !password[0]) return 0;
    const char *auth[] = {"AUTH", password, NULL};
    char out[16];
    int rc = rload_call(fd, deadline, auth, out, sizeof(out), e);
    return rc == 0  ? 0
           : rc < 0 ? err_wrap(e, "redis: AUTH")
                    : err_set(e, ERR_FAIL, "redis: AUTH: closed");
}

int rload_run(const struct rload_cfg *c, struct rload_keys *k, struct rload_out *o, struct err *e)
{
    if (c->clients < 1 || c->clients > RLOAD_MAX_CLIENTS || c->pipeline < 1 ||
        c->pipeline > RLOAD_MAX_PIPE)
        return err_set(e, ERR_USAGE, "redis load: clients 1..%d, pipeline 1..%d", RLOAD_MAX_CLIENTS,
                       RLOAD_MAX_PIPE);
    o->requests = o->hits = o->misses = 0;
    o->cpu_s = o->secs = 0;
    hist_init(&o->lat);
    struct conn *cs = calloc((size_t)c->clients, sizeof(*cs));
    int ep cleanup_close = epoll_create1(EPOLL_CLOEXEC);
    if (!cs || ep < 0) {
        free(cs);
        return err_sys(e, ERR_FAIL, errno, "redis load: out of memory or epoll");
    }
    for (int i = 0; i < c->clients; i++)
        cs[i].fd = -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < c->clients; i++) {
        struct conn *cn = &cs[i];
        cn->id = i;
        cn->w = malloc(RLOAD_MAX_PIPE * 160);
        cn->r = malloc(RLOAD_RBUF);
        cn->fd = net_connect(SOCK_STREAM, c->addr, c->port, 10.0, e);
        if (!cn->w || !cn->r || cn->fd < 0) {
            rc = cn->fd < 0 ? err_wrap(e, "redis load") : err_set(e, ERR_FAIL, "out of memory");
            break;
        }
        if (rload_auth(cn->fd, c->password, util_now() + 10.0, e) < 0) {
            rc = err_wrap(e, "redis load, client %d", i);
            break;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (net_sockopts(cn->fd, 0, 0, 1, e) < 0 ||
            fcntl(cn->fd, F_SETFL, fcntl(cn->fd, F_GETFL) | O_NONBLOCK) < 0 ||
            epoll_ctl(ep, EPOLL_CTL_ADD, cn->fd, &ev) < 0)
            rc = err_sys(e, ERR_FAIL, errno, "redis load: socket setup");
    }
    if (rc == 0) rc = rload_loop(c, k, cs, ep, o, e);
    conns_free(cs, c->clients);
    return rc;
}

int rload_command(const char *addr, int port, const char *password, double timeout_s,
                  const char *const *argv, char *out, size_t len, struct err *e)
{
    int fd cleanup_close = net_connect(SOCK_STREAM, addr, port, timeout_s, e);
    if (fd < 0) return -1;
    double deadline = util_now() + timeout_s;
    if (rload_auth(fd, password, deadline, e) < 0) return -1;
    return rload_call(fd, deadline, argv, out, len, e);
}
