#include "envs/lib/peerssh.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/hello.h"
#include "core/proc.h"
#include "envs/ctr/net.h"

struct peer_remote {
    struct peer_url url;
    pid_t pid; /* ssh */
    int chan;  /* its stdin+stdout */
    char log[700];
    char lost[600]; /* "" while the connection lives */
};

/* 1 when s[0..n) is all characters of set (letters and digits always). */
static int only(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr(set, s[i])) return 0;
    return 1;
}

int peer_url_parse(const char *s, struct peer_url *u, struct err *e)
{
    memset(u, 0, sizeof(*u));
    const char *form = "--peer takes ssh://[user@]host[:port]";
    if (strlen(s) >= sizeof(u->text)) return err_set(e, ERR_USAGE, "%s: too long", form);
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return err_set(e, ERR_USAGE, "%s: a control character in it", form);
    if (strncmp(s, "ssh://", 6)) return err_set(e, ERR_USAGE, "%s, not '%s'", form, s);
    snprintf(u->text, sizeof(u->text), "%s", s);
    const char *p = s + 6, *at = strchr(p, '@');
    if (strpbrk(p, "/?#")) return err_set(e, ERR_USAGE, "%s (no path): '%s'", form, s);
    if (at) {
        size_t n = (size_t)(at - p);
        if (n == 0 || n >= sizeof(u->user) || !only(p, n, "._-") || p[0] == '-' ||
            strchr(at + 1, '@'))
            return err_set(e, ERR_USAGE, "--peer: bad user in '%s'", s);
        memcpy(u->user, p, n);
        p = at + 1;
    }
    if (*p == '[') return err_set(e, ERR_USAGE, "--peer: IPv6 peers are not supported: '%s'", s);
    const char *colon = strchr(p, ':');
    size_t hn = colon ? (size_t)(colon - p) : strlen(p);
    if (hn == 0 || hn >= sizeof(u->host) || !only(p, hn, ".-") || p[0] == '-' || p[0] == '.')
        return err_set(e, ERR_USAGE, "--peer: bad host in '%s'", s);
    memcpy(u->host, p, hn);
    if (colon) {
        uint64_t port;
        if (util_parse_u64(colon + 1, &port, NULL) < 0 || port < 1 || port > 65535)
            return err_set(e, ERR_USAGE, "--peer: port must be 1..65535 in '%s'", s);
        u->port = (int)port;
    }
    return 0;
}

int peer_ssh_argv(const struct peer_url *u, const char *config, int query, struct peer_ssh_argv *a,
                  struct err *e)
{
    memset(a, 0, sizeof(*a));
    int n = 0;
    char **v = a->argv;
    v[n++] = "ssh";
    if (config && config[0]) {
        if (snprintf(a->config, sizeof(a->config), "%s", config) >= (int)sizeof(a->config))
            return err_set(e, ERR_USAGE, "ISOBENCH_SSH_CONFIG: path too long");
        v[n++] = "-F";
        v[n++] = a->config;
    }
    static char *const opts[] = {"-T",
                                 "-o",
                                 "BatchMode=yes",
                                 "-o",
                                 "StrictHostKeyChecking=yes",
                                 "-o",
                                 "ServerAliveInterval=5",
                                 "-o",
                                 "ServerAliveCountMax=3",
                                 "-o",
                                 "ConnectTimeout=20",
                                 NULL};
    if (query) v[n++] = "-G";
    for (int i = 0; opts[i]; i++)
        v[n++] = opts[i];
    if (u->port) {
        snprintf(a->port, sizeof(a->port), "%d", u->port);
        v[n++] = "-p";
        v[n++] = a->port;
    }
    int k = snprintf(a->dest, sizeof(a->dest), "%s%s%s", u->user, u->user[0] ? "@" : "", u->host);
    if (k < 0 || (size_t)k >= sizeof(a->dest)) return err_set(e, ERR_USAGE, "--peer: too long");
    v[n++] = "--";
    v[n++] = a->dest;
    if (!query) {
        v[n++] = "isobench";
        v[n++] = "agent";
        v[n++] = "--stdio";
    }
    v[n] = NULL;
    return 0;
}

/* The address ssh will connect to (`ssh -G`: the configuration's
 * hostname and port) resolved to IPv4, into addr and *port. */
static int remote_resolve(const struct peer_url *u, const char *config, char *addr, size_t len,
                          int *port, struct err *e)
{
    struct peer_ssh_argv a;
    char out[8192];
    if (peer_ssh_argv(u, config, 1, &a, e) < 0) return -1;
    struct proc_opts o = {.timeout_s = 20, .with_stderr = 1};
    int st = proc_run(a.argv, &o, out, sizeof(out), NULL, e);
    if (st < 0) return err_wrap(e, "ssh -G");
    if (st) return err_set(e, ERR_FAIL, "ssh -G %s: %.200s", a.dest, out);
    char host[256] = "";
    *port = 22;
    for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
        if (!strncmp(l, "hostname ", 9)) snprintf(host, sizeof(host), "%s", l + 9);
        if (!strncmp(l, "port ", 5)) *port = atoi(l + 5);
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    int rc = host[0] ? getaddrinfo(host, NULL, &hints, &res) : EAI_NONAME;
    if (rc) return err_set(e, ERR_FAIL, "peer %s: no IPv4 address (%s)", host, gai_strerror(rc));
    inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr, addr,
              (socklen_t)len);
    freeaddrinfo(res);
    return 0;
}

/* The route towards addr: this host's source address and its link. */
static int remote_route(struct peer *p, const char *addr, struct err *e)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)}, me;
    socklen_t ml = sizeof(me);
    inet_pton(AF_INET, addr, &to.sin_addr);
    int fd cleanup_close = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
        getsockname(fd, (struct sockaddr *)&me, &ml) < 0)
        return err_sys(e, ERR_FAIL, errno, "no route towards the peer %s", addr);
    inet_ntop(AF_INET, &me.sin_addr, p->host_addr, sizeof(p->host_addr));
    if (strlen(addr) >= sizeof(p->peer_addr)) return err_set(e, ERR_FAIL, "peer address too long");
    memcpy(p->peer_addr, addr, strlen(addr) + 1);
    struct ifaddrs *ifs;
    if (getifaddrs(&ifs) < 0) return err_sys(e, ERR_FAIL, errno, "getifaddrs");
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
            ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr.s_addr == me.sin_addr.s_addr)
            snprintf(p->host_if, sizeof(p->host_if), "%s", i->ifa_name);
    freeifaddrs(ifs);
    if (!p->host_if[0] || !strcmp(p->host_if, "lo"))
        return err_set(e, ERR_FAIL, "the peer %s is this host (route via %s)", addr,
                       p->host_if[0] ? p->host_if : "no link");
    return 0;
}

/* The last line ssh wrote to its log, into out. */
static void remote_log_tail(const struct peer_remote *r, char *out, size_t len)
{
    char buf[4096] = "";
    out[0] = '\0';
    int fd = open(r->log, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    off_t end = lseek(fd, 0, SEEK_END);
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, end > 4095 ? end - 4095 : 0);
    close(fd);
    if (n <= 0) return;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    const char *l = strrchr(buf, '\n');
    snprintf(out, len, "%s", l ? l + 1 : buf);
}

/* The connection is gone (or out of step): ssh is reaped, the reason kept
 * in r->lost for this and every later sample. */
static void remote_lost(struct peer_remote *r, const char *what)
{
    if (r->lost[0]) return;
    if (r->chan >= 0) close(r->chan);
    r->chan = -1;
    char how[96] = "ssh still running: killed";
    int st;
    for (int i = 0; r->pid > 0 && i < 200; i++, usleep(10000))
        if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
            snprintf(how, sizeof(how), WIFEXITED(st) ? "ssh exited %d" : "ssh killed by signal %d",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            r->pid = 0;
            break;
        }
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        r->pid = 0;
    }
    char tail[300];
    remote_log_tail(r, tail, sizeof(tail));
    snprintf(r->lost, sizeof(r->lost), "peer host lost: %.200s (%s%s%.250s)", what, how,
             tail[0] ? "; ssh said: " : "", tail);
}

/* The hello frames, then the agent's ready. */
static int remote_handshake(struct peer_remote *r, struct err *e)
{
    struct hello mine, theirs;
    char buf[600];
    hello_local(&mine);
    if (proto_recv(r->chan, buf, sizeof(buf), 60, e) < 0) {
        char tail[300];
        remote_log_tail(r, tail, sizeof(tail));
        if (tail[0]) return err_set(e, ERR_FAIL, "ssh %s: %s", r->url.host, tail);
        return err_wrap(e, "ssh %s: no hello from the peer agent", r->url.host);
    }
    if (hello_decode(buf, &theirs, e) < 0) return -1;
    if (hello_check(&mine, "runner", &theirs, "peer agent", e) < 0) return -1;
    if (hello_encode(&mine, buf, sizeof(buf), e) < 0 || proto_send(r->chan, buf, e) < 0) return -1;
    if (proto_wait_ready(r->chan, 60, e) < 0) return err_wrap(e, "peer agent");
    return 0;
}

/* Eight "clock" frames: the one with the shortest round trip gives the
 * control channel's RTT and the offset of the peer's CLOCK_REALTIME
 * from ours (peer minus runner, within +- RTT/2). Only a fact: every
 * duration is measured on the client's CLOCK_MONOTONIC. */
static int remote_clock(struct peer_remote *r, struct kvlist *facts, struct err *e)
{
    double best = -1, offset = 0;
    for (int i = 0; i < 8; i++) {
        struct timespec r0, r1;
        char buf[128];
        long long pm, pr;
        clock_gettime(CLOCK_REALTIME, &r0);
        double t0 = util_now();
        if (proto_send(r->chan, "clock", e) < 0 || proto_recv(r->chan, buf, sizeof(buf), 30, e) < 0)
            return err_wrap(e, "clock exchange");
        double rtt = util_now() - t0;
        clock_gettime(CLOCK_REALTIME, &r1);
        if (sscanf(buf, "clock %lld %lld", &pm, &pr) != 2)
            return err_set(e, ERR_FAIL, "clock exchange: '%.60s'", buf);
        double mid = ((double)r0.tv_sec + (double)r1.tv_sec) / 2 +
                     ((double)r0.tv_nsec + (double)r1.tv_nsec) / 2e9;
        if (best < 0 || rtt < best) best = rtt, offset = (double)pr / 1e9 - mid;
    }
    char v[48];
    snprintf(v, sizeof(v), "%.3f", best * 1e3);
    kv_set(facts, "peer.ctl_rtt_ms", v, NULL);
    snprintf(v, sizeof(v), "%.3f", fabs(offset) < 5e-7 ? 0.0 : offset * 1e3); /* never "-0.000" */
    kv_set(facts, "peer.clock_offset_ms", v, NULL);
    return 0;
}

/* The peer's own facts (CPU, kernel, NIC facing us), "peer."-prefixed. */
static int remote_facts(struct peer_remote *r, struct kvlist *facts, struct err *e)
{
    char *buf cleanup_free = malloc(PROTO_MAX);
    struct reply *rep cleanup_free = calloc(1, sizeof(*rep));
    if (!buf || !rep) return err_set(e, ERR_FAIL, "out of memory");
    if (proto_send(r->chan, "facts", e) < 0 || proto_recv(r->chan, buf, PROTO_MAX, 30, e) < 0 ||
        proto_decode_reply(buf, rep, e) < 0)
        return err_wrap(e, "the peer's facts");
    for (int i = 0; i < rep->res.facts.n; i++) {
        char k[sizeof(rep->res.facts.v[0].key)];
        if (snprintf(k, sizeof(k), "peer.%s", rep->res.facts.v[i].key) >= (int)sizeof(k))
            return err_set(e, ERR_FAIL, "the peer's fact %.40s...: key too long",
                           rep->res.facts.v[i].key);
        kv_set(facts, k, rep->res.facts.v[i].val, NULL);
    }
    return 0;
}

/* The path's base RTT: the shortest of five TCP handshakes with the
 * peer's sshd (SYN to SYN-ACK, timed on our CLOCK_MONOTONIC). */
static void remote_base_rtt(const char *addr, int port, struct kvlist *facts)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &to.sin_addr);
    double best = -1;
    int why = 0;
    for (int i = 0; i < 5; i++) {
        int fd cleanup_close = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        double t0 = util_now();
        if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS) {
            why = errno;
            continue;
        }
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (poll(&pf, 1, 2000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
            soerr) {
            why = soerr ? soerr : ETIMEDOUT;
            continue;
        }
        double rtt = util_now() - t0;
        if (best < 0 || rtt < best) best = rtt;
    }
    char v[96];
    if (best >= 0)
        snprintf(v, sizeof(v), "%.3f", best * 1e3);
    else
        snprintf(v, sizeof(v), "unknown (connect to %s:%d: %s)", addr, port, strerror(why));
    kv_set(facts, "peer.base_rtt_ms", v, NULL);
}

int peer_remote_up(struct peer *p, const struct peer_url *u, const char *run_id, int port_lo,
                   int port_hi, struct journal *j, struct kvlist *facts, struct err *e)
{
    memset(p, 0, sizeof(*p));
    p->nsfd = -1;
    if (!j || j->fd < 0) return err_set(e, ERR_FAIL, "remote peer: no undo journal (root needed)");
    struct peer_remote *r = calloc(1, sizeof(*r));
    if (!r) return err_set(e, ERR_FAIL, "out of memory");
    p->remote = r;
    r->chan = -1;
    r->url = *u;
    const char *cfg = getenv("ISOBENCH_SSH_CONFIG");
    int sshport = 22;
    char addr[64];
    if (remote_resolve(u, cfg, addr, sizeof(addr), &sshport, e) < 0 || remote_route(p, addr, e) < 0)
        return err_wrap(e, "--peer %s", u->text);
    if (net_remote_guard(run_id, p->host_if, p->peer_addr, port_lo, port_hi, j, e) < 0)
        return err_wrap(e, "the remote peer's fence");
    snprintf(r->log, sizeof(r->log), "%s/peer-ssh.log", j->dir);
    struct peer_ssh_argv a;
    struct proc_opts o = {.log = r->log};
    if (peer_ssh_argv(u, cfg, 0, &a, e) < 0 || proc_spawn(a.argv, &o, &r->pid, &r->chan, e) < 0)
        return -1;
    if (journal_add_pid(j, r->pid, e) < 0) return -1;
    if (remote_handshake(r, e) < 0) return err_wrap(e, "--peer %s", u->text);
    kv_set(facts, "peer.url", u->text, NULL);
    kv_set(facts, "peer.addr", p->peer_addr, NULL);
    kv_set(facts, "peer.link", p->host_if, NULL);
    kv_set(facts, "peer.host_addr", p->host_addr, NULL);
    if (remote_clock(r, facts, e) < 0 || remote_facts(r, facts, e) < 0)
        return err_wrap(e, "--peer %s", u->text);
    remote_base_rtt(p->peer_addr, sshport, facts);
    return 0;
}

int peer_remote_fd(const struct peer *p)
{
    return p->remote ? p->remote->chan : -1;
}

int peer_remote_send(const struct peer *p, const struct job *j, struct err *e)
{
    struct peer_remote *r = p->remote;
    if (r->chan < 0) return err_set(e, ERR_FAIL, "%s", r->lost);
    char *buf cleanup_free = malloc(PROTO_MAX);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    if (proto_encode_job(j, buf, PROTO_MAX, e) < 0) return -1;
    if (proto_send(r->chan, buf, e) < 0) {
        remote_lost(r, e->msg);
        return err_set(e, ERR_FAIL, "%s", r->lost);
    }
    return 0;
}

int peer_remote_reply(const struct peer *p, double timeout_s, int cancel, struct env_watch *w,
                      struct reply *rep, struct err *e)
{
    struct peer_remote *r = p->remote;
    if (r->chan < 0) return err_set(e, ERR_FAIL, "%s", r->lost);
    if (cancel) {
        struct err ignored = {0};
        proto_send_cancel(r->chan, &ignored);
        timeout_s = ENV_CANCEL_S;
    }
    if (env_chan_await(&r->chan, timeout_s, w, rep, e) < 0) {
        if (r->chan >= 0) return -1; /* the reply did not decode: the channel is in step */
        remote_lost(r, e->msg);
        return err_set(e, ERR_FAIL, "%s", r->lost);
    }
    return 0;
}

void peer_remote_down(struct peer *p)
{
    struct peer_remote *r = p->remote;
    if (!r) return;
    env_chan_stop(&r->chan, &r->pid, 5); /* EOF: the agent ends its group, ssh exits */
    free(r);
    p->remote = NULL;
}
