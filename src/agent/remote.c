/* remote.c - `isobench agent --stdio`: the agent at the far end of an SSH
 * connection (run --peer ssh://...), serving the client halves of a run's
 * network workloads on its own host (docs/protocol.md, "Over SSH"). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/hello.h"
#include "core/host.h"

/* SIGHUP (the SSH session hung up) or the end of the channel: every
 * process of the agent's group gets SIGTERM; the agent leaves. */
static void remote_hangup(int sig)
{
    (void)sig;
    signal(SIGTERM, SIG_IGN);
    kill(0, SIGTERM);
    _exit(0);
}

/* The interface that holds address addr (dotted), into name; -1 if none. */
static int iface_of(const char *addr, char *name, size_t len)
{
    struct ifaddrs *ifs, *i;
    struct in_addr want;
    if (inet_pton(AF_INET, addr, &want) != 1 || getifaddrs(&ifs) < 0) return -1;
    int rc = -1;
    for (i = ifs; i && rc < 0; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)i->ifa_addr;
        if (s->sin_addr.s_addr == want.s_addr)
            rc = snprintf(name, len, "%s", i->ifa_name) > 0 ? 0 : -1;
    }
    freeifaddrs(ifs);
    return rc;
}

/* One ethtool get on ifname (cmd ETHTOOL_G*): the value, -1 unknown. */
static int ethtool_get(int fd, const char *ifname, unsigned cmd)
{
    struct ethtool_value v = {.cmd = cmd};
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = (void *)&v;
    return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -1 : (int)v.data;
}

/* The NIC facing the runner (the address sshd took the connection on,
 * from SSH_CONNECTION): name, driver, speed, MTU and offloads. */
static void remote_nic(struct kvlist *l)
{
    const char *conn = getenv("SSH_CONNECTION");
    char cip[64], sip[64], ifn[IF_NAMESIZE] = "", buf[256], path[128];
    if (!conn || sscanf(conn, "%63s %*s %63s", cip, sip) != 2 || iface_of(sip, ifn, sizeof(ifn))) {
        kv_set(l, "nic",
               conn ? "unknown (no interface holds sshd's address)" : "unknown (no SSH_CONNECTION)",
               NULL);
        return;
    }
    kv_set(l, "nic", ifn, NULL);
    kv_set(l, "addr", sip, NULL);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ethtool_drvinfo di = {.cmd = ETHTOOL_GDRVINFO};
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifn);
    ifr.ifr_data = (void *)&di;
    kv_set(l, "nic_driver", fd >= 0 && ioctl(fd, SIOCETHTOOL, &ifr) == 0 ? di.driver : "unknown",
           NULL);
    snprintf(path, sizeof(path), "/sys/class/net/%s/speed", ifn);
    if (util_read_file(path, buf, sizeof(buf)) < 0 || atoi(buf) <= 0)
        snprintf(buf, sizeof(buf), "unknown");
    kv_set(l, "nic_speed_mbps", buf, NULL);
    snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifn);
    if (util_read_file(path, buf, sizeof(buf)) < 0) snprintf(buf, sizeof(buf), "unknown");
    kv_set(l, "nic_mtu", buf, NULL);
    static const struct {
        unsigned cmd;
        const char *name;
    } off[] = {{ETHTOOL_GTSO, "tso"},
               {ETHTOOL_GGSO, "gso"},
               {ETHTOOL_GGRO, "gro"},
               {ETHTOOL_GRXCSUM, "rx-csum"},
               {ETHTOOL_GTXCSUM, "tx-csum"}};
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(off) / sizeof(off[0]) && fd >= 0; i++) {
        int v = ethtool_get(fd, ifn, off[i].cmd);
        int n = snprintf(buf + o, sizeof(buf) - o, "%s%s=%s", o ? "," : "", off[i].name,
                         v < 0 ? "?"
                         : v   ? "on"
                               : "off");
        if (n > 0 && (size_t)n < sizeof(buf) - o) o += (size_t)n;
    }
    kv_set(l, "nic_offloads", buf[0] ? buf : "unknown", NULL);
    if (fd >= 0) close(fd);
}

/* The "facts" reply: what explains this host's part in the numbers. */
static int remote_facts(int wfd, char *out, size_t cap, struct err *e)
{
    struct kvlist *h = calloc(1, sizeof(*h));
    struct reply *rep = calloc(1, sizeof(*rep));
    int rc = -1;
    if (!h || !rep) {
        err_set(e, ERR_FAIL, "agent: out of memory");
    } else {
        host_facts(h);
        static const char *const keep[] = {"cpu_model", "cpus_online", "kernel",
                                           "governor",  "smt_active",  "cpu_hypervisor"};
        for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
            if (kv_get(h, keep[i])) kv_set(&rep->res.facts, keep[i], kv_get(h, keep[i]), NULL);
        struct hello me;
        hello_local(&me);
        kv_set(&rep->res.facts, "host_id", me.host, NULL);
        remote_nic(&rep->res.facts);
        rep->ok = 1;
        rc = proto_encode_reply(rep, out, cap, e);
        if (rc == 0) rc = proto_send(wfd, out, e);
    }
    free(h);
    free(rep);
    return rc;
}

int agent_control(const char *req, int wfd, struct err *e)
{
    if (!strcmp(req, "clock")) { /* this host's clocks, for the offset and the channel's RTT */
        struct timespec m, r;
        clock_gettime(CLOCK_MONOTONIC, &m);
        clock_gettime(CLOCK_REALTIME, &r);
        char p[96];
        snprintf(p, sizeof(p), "clock %lld %lld", (long long)m.tv_sec * 1000000000LL + m.tv_nsec,
                 (long long)r.tv_sec * 1000000000LL + r.tv_nsec);
        return proto_send(wfd, p, e) < 0 ? -1 : 1;
    }
    if (!strcmp(req, "facts")) {
        char *out = malloc(PROTO_MAX);
        if (!out) return err_set(e, ERR_FAIL, "agent: out of memory");
        int rc = remote_facts(wfd, out, PROTO_MAX, e);
        free(out);
        return rc < 0 ? -1 : 1;
    }
    return 0;
}

int agent_serve_remote(int rfd, int wfd, struct err *e)
{
    if (getpgrp() != getpid() && setpgid(0, 0) < 0 && getsid(0) != getpid())
        return err_sys(e, ERR_FAIL, errno, "agent: setpgid");
    struct sigaction sa = {0};
    sa.sa_handler = remote_hangup;
    sigaction(SIGHUP, &sa, NULL);
    struct hello mine, theirs;
    hello_local(&mine);
    char buf[512];
    if (hello_encode(&mine, buf, sizeof(buf), e) < 0 || proto_send(wfd, buf, e) < 0) return -1;
    if (proto_recv(rfd, buf, sizeof(buf), 60, e) < 0) return err_wrap(e, "agent: handshake");
    if (hello_decode(buf, &theirs, e) < 0 ||
        hello_check(&mine, "peer agent", &theirs, "runner", e) < 0) {
        struct err ignored = {0};
        proto_send_fatal(wfd, e->msg, &ignored);
        return -1;
    }
    int rc = agent_serve_io(rfd, wfd, e);
    signal(SIGTERM, SIG_IGN); /* the channel ended: nothing of the group stays */
    kill(0, SIGTERM);
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    return rc;
}
