/* netlat - netperf's TCP_RR and UDP_RR: a request of req-size bytes, a
 * response of resp-size bytes, one transaction in flight, for `duration`
 * seconds each. The server half runs inside the environment, the client
 * half in the peer namespace (the runner starts both); each is pinned to
 * one CPU. Latency per transaction goes into a fixed-size log-bucketed
 * histogram (core/hist.h). The first 100 transactions of each mode warm
 * the path and are not counted.
 *
 * UDP can lose a datagram: each request carries its sequence number in its
 * first 8 bytes and the server echoes them, so a reply is matched to its
 * own request; a late reply to an earlier one (its request timed out) is
 * dropped and counted, a reply of the wrong size fails the sample. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/hist.h"
#include "workloads/lib/netutil.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

#define NETLAT_WARM 100
#define NETLAT_MAXMSG 65000
#define NETLAT_ACCEPT_S 60.0
#define NETLAT_SEQ 8 /* bytes of a UDP request's sequence number, echoed in its reply */

static const struct wl_opt netlat_opts[] = {
    {"duration",
     "seconds per mode",
     {"1", "5", "10"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 3600.0,
     .unit = "s"},
    {"modes",
     "tcp, udp or tcp,udp (TCP_RR then UDP_RR)",
     {"tcp,udp", "tcp,udp", "tcp,udp"},
     .type = WL_T_ENUM,
     .values = "tcp|udp|tcp,udp|udp,tcp"},
    {"req-size",
     "request bytes",
     {"100", "100", "100"},
     .type = WL_T_UINT,
     .min = 2.0,
     .max = NETLAT_MAXMSG,
     .unit = "bytes"},
    {"resp-size",
     "response bytes",
     {"200", "200", "200"},
     .type = WL_T_UINT,
     .min = 2.0,
     .max = NETLAT_MAXMSG,
     .unit = "bytes"},
    {"cpu-server",
     "CPU of the server half; high: the client's CPU (the only stable setting on a 2-CPU host)",
     {"high", "high", "high"},
     .type = WL_T_CPU},
    {"cpu-client",
     "CPU of the client half; auto = the highest allowed",
     {"auto", "auto", "auto"},
     .type = WL_T_CPU},
    {.name = NULL},
};

struct netlat_cfg {
    double duration;
    int tcp, udp;
    uint64_t req, resp;
};

static int netlat_params(const struct wl_ctx *ctx, struct netlat_cfg *c, struct err *e)
{
    const struct workload *w = &workload_netlat;
    if (wl_opt_secs(ctx, w, "duration", 5, &c->duration, e) < 0) return -1;
    int m;
    if (wl_opt_enum(ctx, w, "modes", NL_TCP_UDP, &m, e) < 0) return -1;
    c->tcp = c->udp = 0;
    switch ((enum netlat_modes)m) { /* both orders run TCP first */
    case NL_TCP:
        c->tcp = 1;
        break;
    case NL_UDP:
        c->udp = 1;
        break;
    case NL_TCP_UDP:
    case NL_UDP_TCP:
        c->tcp = c->udp = 1;
        break;
    }
    if (wl_opt_u64(ctx, w, "req-size", 100, &c->req, e) < 0 ||
        wl_opt_u64(ctx, w, "resp-size", 200, &c->resp, e) < 0)
        return -1;
    if (c->udp && (c->req < NETLAT_SEQ || c->resp < NETLAT_SEQ))
        return err_set(e, ERR_USAGE,
                       "netlat: udp needs req-size and resp-size >= %d (the sequence number)",
                       NETLAT_SEQ);
    return 0;
}

static int netlat_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                        struct err *e)
{
    (void)resolved;
    struct netlat_cfg c;
    need->mem_bytes = 1 << 20;
    if (netlat_params(ctx, &c, e) < 0) return -1;
    return 0; /* cpu-server/cpu-client: typed WL_T_CPU */
}

/* UDP end of the run: a 1-byte datagram "E", answered by "E". A reply is
 * the request's buffer, so it starts with the request's sequence number. */
static int netlat_serve_udp(int ufd, const struct netlat_cfg *c, char *buf, struct err *e)
{
    net_timeouts(ufd, c->duration + NETLAT_ACCEPT_S); /* bounds the wait for each datagram */
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(ufd, buf, NETLAT_MAXMSG, 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return err_set(e, ERR_FAIL, "netlat server (udp): no client");
            return err_sys(e, ERR_FAIL, errno, "netlat server: recvfrom");
        }
        size_t out = n == 1 && buf[0] == 'E' ? 1 : c->resp;
        if (sendto(ufd, buf, out, 0, (struct sockaddr *)&from, fl) < 0)
            return err_sys(e, ERR_FAIL, errno, "netlat server: sendto");
        if (out == 1) return 0;
    }
}

static int netlat_server(const struct wl_ctx *ctx, const struct netlat_cfg *c, struct result *r,
                         struct err *e)
{
    int cpu;
    if (net_opt_pin(ctx, &workload_netlat, "cpu-server", 1, &cpu, e) < 0)
        return err_wrap(e, "netlat server");
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    kv_set(&r->facts, "netlat.cpu", v, NULL);
    int lfd cleanup_close = net_listen(SOCK_STREAM, ctx->addr, ctx->port, e);
    int ufd cleanup_close = lfd < 0 ? -1 : net_listen(SOCK_DGRAM, ctx->addr, ctx->port, e);
    char *buf cleanup_free = malloc(NETLAT_MAXMSG);
    if (lfd < 0 || ufd < 0) return err_wrap(e, "netlat server");
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    memset(buf, 'r', NETLAT_MAXMSG);
    if (c->tcp) {
        int fd cleanup_close = net_accept(lfd, NETLAT_ACCEPT_S, e);
        if (fd < 0 || net_sockopts(fd, 0, 0, 1, e) < 0) return err_wrap(e, "netlat server");
        double deadline = util_now() + c->duration + NETLAT_ACCEPT_S;
        for (;;) {
            int eof;
            if (net_read_full(fd, buf, c->req, deadline, &eof, e) < 0)
                return err_wrap(e, "netlat server");
            if (eof) break;
            if (net_write_full(fd, buf, c->resp, deadline, e) < 0)
                return err_wrap(e, "netlat server");
        }
    }
    return c->udp ? netlat_serve_udp(ufd, c, buf, e) : 0;
}

/* Waits (0.2 s a recv) for the reply to request seq: 1 when it came, 0
 * when none did (lost), -1 on an error or a reply of the wrong size. A
 * reply to an earlier request - late, its request counted lost - is
 * dropped and counted in *late. */
int netlat_udp_reply(int fd, uint64_t seq, uint64_t resp, char *rbuf, uint64_t *late,
                     struct err *e); /* exported for the unit test */
int netlat_udp_reply(int fd, uint64_t seq, uint64_t resp, char *rbuf, uint64_t *late, struct err *e)
{
    for (;;) {
        ssize_t k = recv(fd, rbuf, NETLAT_MAXMSG, 0);
        if (k < 0) {
            if (errno == EAGAIN || errno == EINTR) return 0;
            return err_sys(e, ERR_FAIL, errno, "netlat client: recv");
        }
        if ((uint64_t)k != resp)
            return err_set(e, ERR_FAIL, "netlat client: udp reply of %zd bytes, not %llu", k,
                           (unsigned long long)resp);
        uint64_t got;
        memcpy(&got, rbuf, NETLAT_SEQ);
        if (got == seq) return 1;
        if (got > seq)
            return err_set(e, ERR_FAIL, "netlat client: udp reply to request %llu, not yet sent",
                           (unsigned long long)got);
        (*late)++;
    }
}

/* One mode's transactions; adds <mode>_* metrics. */
static int netlat_client_mode(const struct wl_ctx *ctx, const struct netlat_cfg *c, int udp,
                              struct result *r, struct err *e)
{
    const char *mode = udp ? "udp_rr" : "tcp_rr";
    int fd cleanup_close =
        net_connect(udp ? SOCK_DGRAM : SOCK_STREAM, ctx->addr, ctx->port, NETLAT_ACCEPT_S, e);
    if (fd < 0 || (!udp && net_sockopts(fd, 0, 0, 1, e) < 0))
        return err_wrap(e, "netlat client (%s)", mode);
    if (udp) net_timeouts(fd, 0.2);
    char *buf cleanup_free = malloc(NETLAT_MAXMSG);
    char *rbuf cleanup_free = malloc(NETLAT_MAXMSG);
    struct hist *h cleanup_free = malloc(sizeof(*h));
    if (!buf || !rbuf || !h) return err_set(e, ERR_FAIL, "out of memory");
    memset(buf, 'q', NETLAT_MAXMSG);
    hist_init(h);
    uint64_t lost = 0, late = 0, n = 0;
    double t_end = 0, t_start = 0, deadline = util_now() + c->duration + NETLAT_ACCEPT_S;
    for (;; n++) {
        if (n == NETLAT_WARM) {
            t_start = util_now();
            t_end = t_start + c->duration;
        }
        double t0 = util_now();
        if (n > NETLAT_WARM && t0 >= t_end) break;
        if (udp) {
            memcpy(buf, &n, NETLAT_SEQ);
            if (send(fd, buf, c->req, 0) < 0)
                return err_sys(e, ERR_FAIL, errno, "netlat client: send");
            int got = netlat_udp_reply(fd, n, c->resp, rbuf, &late, e);
            if (got < 0) return -1;
            if (!got) { /* 0.2 s timeout: lost, go on */
                if (++lost > 1000) return err_set(e, ERR_FAIL, "netlat client: udp: no replies");
                continue;
            }
        } else {
            int eof;
            if (net_write_full(fd, buf, c->req, deadline, e) < 0 ||
                net_read_full(fd, buf, c->resp, deadline, &eof, e) < 0)
                return err_wrap(e, "netlat client");
            if (eof) return err_set(e, ERR_FAIL, "netlat client: server closed the connection");
        }
        if (n >= NETLAT_WARM) hist_add(h, (uint64_t)((util_now() - t0) * 1e9));
    }
    double secs = util_now() - t_start;
    wl_units(r, (double)(n - lost)); /* every round trip, the warm-up's too */
    if (udp) { /* tell the server we are done; retry while datagrams get lost */
        int acked = 0;
        for (int i = 0; i < 20 && !acked; i++) {
            if (send(fd, "E", 1, 0) == 1) acked = recv(fd, buf, NETLAT_MAXMSG, 0) == 1;
        }
        char v[32];
        snprintf(v, sizeof(v), "%llu", (unsigned long long)lost);
        kv_set(&r->facts, "netlat.udp_lost", v, NULL);
        snprintf(v, sizeof(v), "%llu", (unsigned long long)late);
        kv_set(&r->facts, "netlat.udp_late", v, NULL);
    }
    char name[48];
    const struct {
        const char *suffix;
        double q;
    } qs[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}};
    snprintf(name, sizeof(name), "%s_rate", mode);
    if (result_add(r, name, "trans/s", BETTER_HIGHER, (double)h->count / secs, e) < 0) return -1;
    snprintf(name, sizeof(name), "%s_mean", mode);
    if (result_add(r, name, "us", BETTER_LOWER, hist_mean(h) / 1e3, e) < 0) return -1;
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        snprintf(name, sizeof(name), "%s_%s", mode, qs[i].suffix);
        if (result_add(r, name, "us", BETTER_LOWER, hist_quantile(h, qs[i].q) / 1e3, e) < 0)
            return -1;
    }
    return 0;
}

static int netlat_serve(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct netlat_cfg c;
    return netlat_params(ctx, &c, e) < 0 ? -1 : netlat_server(ctx, &c, r, e);
}

static int netlat_drive(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct netlat_cfg c;
    if (netlat_params(ctx, &c, e) < 0) return -1;
    int cpu;
    if (net_opt_pin(ctx, &workload_netlat, "cpu-client", 0, &cpu, e) < 0)
        return err_wrap(e, "netlat client");
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    kv_set(&r->facts, "netlat.cpu", v, NULL);
    if (c.tcp && netlat_client_mode(ctx, &c, 0, r, e) < 0) return -1;
    return c.udp ? netlat_client_mode(ctx, &c, 1, r, e) : 0;
}

static const char *const netlat_headline[] = {"tcp_rr_p50", "udp_rr_p50", NULL};

const struct workload workload_netlat = {
    .unit = "request",
    .name = "netlat",
    .unavailable = net_unavailable,
    .summary = "TCP_RR / UDP_RR latency (netperf-like), client in the peer namespace",
    .opts = netlat_opts,
    .net = 1,
    .headline = netlat_headline,
    .check = netlat_check,
    .server = netlat_serve,
    .client = netlat_drive,
};
