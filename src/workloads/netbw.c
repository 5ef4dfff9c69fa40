/* netbw - nuttcp-like bulk TCP over one connection, both ways: the SUT
 * (server half, in the environment) transmits to the client in the peer
 * namespace for `duration`, then receives from it for `duration`. Goodput
 * is what the receiving application got, over the receiver's own window.
 * CPU cost (the paper's Figure 2) is what the SUT's environment made the
 * host spend in each phase, per GB moved: the CPU time of its cgroup
 * (container processes; QEMU with its vCPU, I/O and vhost threads; native's
 * agents), read by the client - which runs on the host, in the peer netns,
 * outside that cgroup, so its own cost and steal time are not counted.
 * Softirq work the kernel does in another task's context is not charged
 * either. An environment without a known cgroup reports no CPU metric. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/host.h"
#include "workloads/lib/netutil.h"
#include "workloads/workload.h"

#define NETBW_ACCEPT_S 60.0
#define NETBW_MAXMSG (4u << 20)

static const struct wl_opt netbw_opts[] = {
    {"duration",
     "seconds per direction",
     {"1", "5", "10"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 3600.0,
     .unit = "s"},
    {"msg-size",
     "bytes per send/recv call",
     {"128K", "128K", "128K"},
     .type = WL_T_SIZE,
     .min = 1.0,
     .max = NETBW_MAXMSG,
     .unit = "bytes"},
    {"sndbuf",
     "SO_SNDBUF bytes on both sides; 0 = kernel autotuning",
     {"0", "0", "0"},
     .type = WL_T_SIZE,
     .min = 0.0,
     .max = 0x1p30,
     .unit = "bytes"},
    {"rcvbuf",
     "SO_RCVBUF bytes on both sides; 0 = kernel autotuning",
     {"0", "0", "0"},
     .type = WL_T_SIZE,
     .min = 0.0,
     .max = 0x1p30,
     .unit = "bytes"},
    {"cpu-server",
     "CPU of the server half; auto = the lowest allowed",
     {"auto", "auto", "auto"},
     .type = WL_T_CPU},
    {"cpu-client",
     "CPU of the client half; auto = the highest allowed",
     {"auto", "auto", "auto"},
     .type = WL_T_CPU},
    {.name = NULL},
};

struct netbw_cfg {
    double duration;
    uint64_t msg, sndbuf, rcvbuf;
};

static int netbw_params(const struct wl_ctx *ctx, struct netbw_cfg *c, struct err *e)
{
    const struct workload *w = &workload_netbw;
    if (wl_opt_secs(ctx, w, "duration", 5, &c->duration, e) < 0) return -1;
    if (wl_opt_size(ctx, w, "msg-size", 128 << 10, &c->msg, e) < 0 ||
        wl_opt_size(ctx, w, "sndbuf", 0, &c->sndbuf, e) < 0 ||
        wl_opt_size(ctx, w, "rcvbuf", 0, &c->rcvbuf, e) < 0)
        return -1;
    return 0;
}

static int netbw_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                       struct err *e)
{
    (void)resolved;
    struct netbw_cfg c;
    if (netbw_params(ctx, &c, e) < 0) return -1;
    need->mem_bytes = 2 * c.msg + (64u << 20);
    return 0; /* cpu-server/cpu-client: typed WL_T_CPU */
}

/* Server: two connections, each opened with one command byte: 'T' = we
 * transmit until the client goes away, 'R' = we receive until EOF and
 * answer with the byte count (8 bytes, little endian). */
static int netbw_server(const struct wl_ctx *ctx, const struct netbw_cfg *c, char *buf,
                        struct result *r, struct err *e)
{
    int cpu;
    if (net_opt_pin(ctx, &workload_netbw, "cpu-server", 1, &cpu, e) < 0) return -1;
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    kv_set(&r->facts, "netbw.cpu", v, NULL);
    int lfd cleanup_close = net_listen(SOCK_STREAM, ctx->addr, ctx->port, e);
    if (lfd < 0) return -1;
    for (int phase = 0; phase < 2; phase++) {
        int fd cleanup_close = net_accept(lfd, NETBW_ACCEPT_S, e);
        if (fd < 0 || net_sockopts(fd, c->sndbuf, c->rcvbuf, 0, e) < 0) return -1;
        double deadline = util_now() + c->duration + NETBW_ACCEPT_S;
        char cmd;
        int eof;
        if (net_read_full(fd, &cmd, 1, deadline, &eof, e) < 0 || eof)
            return err_set(e, ERR_FAIL, "netbw server: no command from the client");
        if (cmd == 'T') {
            for (;;) {
                struct err we = {0};
                if (net_write_full(fd, buf, c->msg, deadline, &we) < 0) {
                    if (strstr(we.msg, "timed out")) return err_set(e, ERR_FAIL, "%s", we.msg);
                    break; /* the client closed: the phase is over */
                }
            }
        } else if (cmd == 'R') {
            uint64_t got = 0;
            for (;;) {
                ssize_t n = recv(fd, buf, c->msg, 0);
                if (n == 0) break;
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) return err_sys(e, ERR_FAIL, errno, "netbw server: recv");
                got += (uint64_t)n;
            }
            unsigned char le[8];
            for (int i = 0; i < 8; i++)
                le[i] = (unsigned char)(got >> (8 * i));
            if (net_write_full(fd, le, 8, deadline, e) < 0) return -1;
        } else {
            return err_set(e, ERR_FAIL, "netbw server: unknown command %d", cmd);
        }
    }
    return 0;
}

/* cpu < 0: the environment's CPU time is not known (no metric); host < 0:
 * the whole host's busy time is not (no host-wide metric). */
static int netbw_add(struct result *r, const char *dir, double bytes, double secs, double cpu,
                     double host, struct err *e)
{
    char name[48];
    if (bytes <= 0 || secs <= 0)
        return err_set(e, ERR_FAIL, "netbw: nothing was transferred (%s)", dir);
    snprintf(name, sizeof(name), "%s_goodput", dir);
    if (result_add(r, name, "Gbit/s", BETTER_HIGHER, bytes * 8 / secs / 1e9, e) < 0) return -1;
    wl_units(r, bytes / 1e9);
    snprintf(name, sizeof(name), "%s_host_cpu_per_gb", dir); /* the paper's Figure 2: perf -a */
    if (host >= 0 && result_add(r, name, "cpu-s/GB", BETTER_LOWER, host / (bytes / 1e9), e) < 0)
        return -1;
    if (cpu < 0) return 0;
    snprintf(name, sizeof(name), "%s_cpu_per_gb", dir);
    return result_add(r, name, "cpu-s/GB", BETTER_LOWER, cpu / (bytes / 1e9), e);
}

/* The whole host's busy CPU seconds so far, -1 when unknown. */
static double netbw_host_cpu(void)
{
    double s;
    return host_busy_read(&s) == 0 ? s : -1;
}

/* The SUT environment's host CPU seconds so far, -1 when unknown. */
static double netbw_env_cpu(const struct wl_ctx *ctx)
{
    double s;
    return ctx->hostcpu && host_cpu_read(ctx->hostcpu, &s) == 0 ? s : -1;
}

static double cpu_delta(double c0, double c1)
{
    return c0 < 0 || c1 < 0 ? -1 : c1 - c0;
}

/* Client: the SUT transmits (we read), then the SUT receives (we write). */
static int netbw_client(const struct wl_ctx *ctx, const struct netbw_cfg *c, char *buf,
                        struct result *r, struct err *e)
{
    int cpu;
    if (net_opt_pin(ctx, &workload_netbw, "cpu-client", 0, &cpu, e) < 0) return -1;
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    kv_set(&r->facts, "netbw.cpu", v, NULL);
    { /* SUT transmits */
        int fd cleanup_close = net_connect(SOCK_STREAM, ctx->addr, ctx->port, NETBW_ACCEPT_S, e);
        if (fd < 0 || net_sockopts(fd, c->sndbuf, c->rcvbuf, 0, e) < 0) return -1;
        double deadline = util_now() + c->duration + NETBW_ACCEPT_S;
        if (net_write_full(fd, "T", 1, deadline, e) < 0) return -1;
        double t0 = util_now(), c0 = netbw_env_cpu(ctx), h0 = netbw_host_cpu();
        double end = t0 + c->duration, bytes = 0;
        while (util_now() < end) {
            ssize_t n = recv(fd, buf, c->msg, 0);
            if (n == 0) return err_set(e, ERR_FAIL, "netbw client: server closed early");
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return err_sys(e, ERR_FAIL, errno, "netbw client: recv");
            bytes += (double)n;
        }
        double secs = util_now() - t0, cpu_s = cpu_delta(c0, netbw_env_cpu(ctx));
        double host_s = cpu_delta(h0, netbw_host_cpu());
        if (netbw_add(r, "tx", bytes, secs, cpu_s, host_s, e) < 0) return -1;
    }
    { /* SUT receives */
        int fd cleanup_close = net_connect(SOCK_STREAM, ctx->addr, ctx->port, NETBW_ACCEPT_S, e);
        if (fd < 0 || net_sockopts(fd, c->sndbuf, c->rcvbuf, 0, e) < 0) return -1;
        double deadline = util_now() + c->duration + NETBW_ACCEPT_S;
        if (net_write_full(fd, "R", 1, deadline, e) < 0) return -1;
        double t0 = util_now(), c0 = netbw_env_cpu(ctx), h0 = netbw_host_cpu();
        double end = t0 + c->duration;
        while (util_now() < end)
            if (net_write_full(fd, buf, c->msg, deadline, e) < 0) return -1;
        shutdown(fd, SHUT_WR);
        unsigned char le[8];
        int eof;
        if (net_read_full(fd, le, 8, deadline, &eof, e) < 0 || eof)
            return err_set(e, ERR_FAIL, "netbw client: no byte count from the server");
        double secs = util_now() - t0, cpu_s = cpu_delta(c0, netbw_env_cpu(ctx));
        double host_s = cpu_delta(h0, netbw_host_cpu());
        uint64_t got = 0;
        for (int i = 0; i < 8; i++)
            got |= (uint64_t)le[i] << (8 * i);
        if (netbw_add(r, "rx", (double)got, secs, cpu_s, host_s, e) < 0) return -1;
    }
    return 0;
}

/* One half, with its message buffer. */
static int netbw_half(const struct wl_ctx *ctx, int server, struct result *r, struct err *e)
{
    struct netbw_cfg c;
    if (netbw_params(ctx, &c, e) < 0) return -1;
    char *buf cleanup_free = malloc(c.msg);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    memset(buf, 0x5a, c.msg);
    int rc = server ? netbw_server(ctx, &c, buf, r, e) : netbw_client(ctx, &c, buf, r, e);
    return rc < 0 ? err_wrap(e, "netbw %s", server ? "server" : "client") : 0;
}

static int netbw_serve(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    return netbw_half(ctx, 1, r, e);
}

static int netbw_drive(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    return netbw_half(ctx, 0, r, e);
}

static const char *const netbw_headline[] = {"tx_goodput", "rx_goodput", NULL};

const struct workload workload_netbw = {
    .unit = "GB",
    .name = "netbw",
    .unavailable = net_unavailable,
    .summary = "bulk TCP goodput both ways + host CPU per GB (nuttcp-like)",
    .opts = netbw_opts,
    .net = 1,
    .headline = netbw_headline,
    .check = netbw_check,
    .server = netbw_serve,
    .client = netbw_drive,
};
