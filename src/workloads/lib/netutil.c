#include "workloads/lib/netutil.h"

#include "workloads/workload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int net_cpu_pick(struct wl_cpu_val spec, int server, int *cpu, struct err *e)
{
    *cpu = -1;
    if (spec.kind == WL_CPU_ALL) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return err_sys(e, ERR_FAIL, errno, "sched_getaffinity");
    enum wl_cpu k = spec.kind == WL_CPU_AUTO ? (server ? WL_CPU_LOW : WL_CPU_HIGH) : spec.kind;
    int c = -1;
    switch (k) {
    case WL_CPU_HIGH:
        for (int i = CPU_SETSIZE - 1; i >= 0 && c < 0; i--)
            if (CPU_ISSET(i, &set)) c = i;
        break;
    case WL_CPU_LOW:
        for (int i = 0; i < CPU_SETSIZE && c < 0; i++)
            if (CPU_ISSET(i, &set)) c = i;
        break;
    case WL_CPU_NUM:
        if (spec.num < 0 || spec.num >= CPU_SETSIZE)
            return err_set(e, ERR_USAGE, "CPU %d is not a CPU number", spec.num);
        if (!CPU_ISSET(spec.num, &set))
            return err_set(e, ERR_USAGE, "CPU %d is not available here", spec.num);
        c = spec.num;
        break;
    case WL_CPU_AUTO:
    case WL_CPU_ALL:
        break; /* (resolved above) */
    }
    if (c < 0) return err_set(e, ERR_FAIL, "no CPU available");
    *cpu = c;
    return 0;
}

/* w's CPU option name typed, then picked (pin = 0) or pinned to. */
static int net_opt_cpu(const struct wl_ctx *ctx, const struct workload *w, const char *name,
                       int server, int pin, int *cpu, struct err *e)
{
    struct wl_cpu_val v;
    if (wl_opt_cpu(ctx, w, name, &v, e) < 0 ||
        (pin ? net_pin(v, server, cpu, e) : net_cpu_pick(v, server, cpu, e)) < 0)
        return err_wrap(e, "%s", name);
    return 0;
}

int net_opt_pick(const struct wl_ctx *ctx, const struct workload *w, const char *name, int server,
                 int *cpu, struct err *e)
{
    return net_opt_cpu(ctx, w, name, server, 0, cpu, e);
}

int net_opt_pin(const struct wl_ctx *ctx, const struct workload *w, const char *name, int server,
                int *cpu, struct err *e)
{
    return net_opt_cpu(ctx, w, name, server, 1, cpu, e);
}

int net_pin(struct wl_cpu_val spec, int server, int *cpu, struct err *e)
{
    if (net_cpu_pick(spec, server, cpu, e) < 0) return -1;
    if (*cpu < 0) return 0; /* all: not pinned */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(*cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        return err_sys(e, ERR_FAIL, errno, "pinning to CPU %d", *cpu);
    return 0;
}

int net_listen(int type, const char *addr, int port, struct err *e)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (addr && *addr && inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        close(fd);
        return err_set(e, ERR_FAIL, "bad server address '%s'", addr);
    }
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        (type == SOCK_STREAM && listen(fd, 8) < 0)) {
        int saved = errno;
        close(fd);
        return err_set(e, ERR_FAIL, "binding port %d: %s", port, strerror(saved));
    }
    return fd;
}

int net_wait(int fd, int out, double deadline, struct err *e)
{
    for (;;) {
        double left = deadline - util_now();
        if (left <= 0) return err_set(e, ERR_FAIL, "timed out waiting for the peer");
        struct pollfd p = {.fd = fd, .events = out ? POLLOUT : POLLIN};
        int n = poll(&p, 1, (int)(left * 1000) + 1);
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) return err_sys(e, ERR_FAIL, errno, "poll");
    }
}

int net_accept(int lfd, double timeout_s, struct err *e)
{
    if (net_wait(lfd, 0, util_now() + timeout_s, e) < 0)
        return err_wrap(e, "no client connected within %.0f s", timeout_s);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "accept");
    net_timeouts(fd, NET_IO_TIMEOUT_S);
    return fd;
}

int net_connect(int type, const char *addr, int port, double timeout_s, struct err *e)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
        return err_set(e, ERR_USAGE, "'%s' is not an IPv4 address", addr);
    double deadline = util_now() + timeout_s;
    for (;;) {
        int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
        if (fd < 0) return err_sys(e, ERR_FAIL, errno, "socket");
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
            net_timeouts(fd, NET_IO_TIMEOUT_S);
            return fd;
        }
        int saved = errno;
        close(fd);
        if ((saved != ECONNREFUSED && saved != EINTR) || util_now() > deadline)
            return err_set(e, ERR_FAIL, "connecting to %s:%d: %s", addr, port, strerror(saved));
        usleep(2000);
    }
}

int net_timeouts(int fd, double secs)
{
    struct timeval tv = {.tv_sec = (time_t)secs,
                         .tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6)};
    if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) return -1;
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Blocking calls (one syscall per message in the common case, as netperf
 * and sockperf do); the socket's timeouts bound each call and the deadline
 * bounds the loop. */
int net_read_full(int fd, void *buf, size_t len, double deadline, int *eof, struct err *e)
{
    size_t got = 0;
    *eof = 0;
    while (got < len) {
        ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n == 0) {
            if (got == 0) {
                *eof = 1;
                return 0;
            }
            return err_set(e, ERR_FAIL, "peer closed mid-message");
        }
        if (errno == EINTR && util_now() < deadline) continue;
        if (errno == EAGAIN || errno == EINTR)
            return err_set(e, ERR_FAIL, "timed out waiting for the peer");
        return err_sys(e, ERR_FAIL, errno, "recv");
    }
    return 0;
}

int net_write_full(int fd, const void *buf, size_t len, double deadline, struct err *e)
{
    size_t put = 0;
    while (put < len) {
        ssize_t n = send(fd, (const char *)buf + put, len - put, MSG_NOSIGNAL);
        if (n > 0) {
            put += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR && util_now() < deadline) continue;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return err_set(e, ERR_FAIL, "timed out waiting for the peer");
        return err_sys(e, ERR_FAIL, errno, "send");
    }
    return 0;
}

int net_sockopts(int fd, uint64_t sndbuf, uint64_t rcvbuf, int nodelay, struct err *e)
{
    int v;
    if (sndbuf) {
        v = (int)sndbuf;
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0)
            return err_sys(e, ERR_FAIL, errno, "SO_SNDBUF");
    }
    if (rcvbuf) {
        v = (int)rcvbuf;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
            return err_sys(e, ERR_FAIL, errno, "SO_RCVBUF");
    }
    v = 1;
    if (nodelay && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) < 0)
        return err_sys(e, ERR_FAIL, errno, "TCP_NODELAY");
    return 0;
}

const char *net_unavailable(void)
{
    return geteuid() != 0 ? "needs root (the peer network namespace, veth and nftables)" : NULL;
}

double net_thread_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void net_secret_path(const char *secret, const char *what, char *out, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (const char *p = secret ? secret : ""; *p; p++) {
        h ^= (uint8_t)*p;
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
        h ^= h >> 31;
    }
    snprintf(out, len, "/isobench-%s-%016llx", what, (unsigned long long)h);
}
