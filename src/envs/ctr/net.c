#include "envs/ctr/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "envs/ctr/netlink.h"

/* The run's 8-hex tag for interface and table names (IFNAMSIZ is 16). */
void net_run_tag(const char *run_id, char *out)
{
    uint32_t h = 2166136261u;
    for (const char *p = run_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    snprintf(out, 9, "%08x", h);
}

/* The names a run's fences use: its tag, the peer link's host-side
 * interface and that side's address (dotted). */
struct fence_names {
    char tag[9], peer_if[16], peer_host[INET_ADDRSTRLEN];
};

static void fence_names(const char *run_id, struct fence_names *f)
{
    uint32_t host, guest;
    net_run_tag(run_id, f->tag);
    net_peer_plan(run_id, f->peer_if, &host, &guest);
    inet_ntop(AF_INET, &host, f->peer_host, sizeof(f->peer_host));
}

/* ip_forward on, its old value journaled first to be put back. */
static int forward_on(struct journal *j, struct err *e)
{
    char fwd[8] = "0";
    util_read_file("/proc/sys/net/ipv4/ip_forward", fwd, sizeof(fwd));
    if (strcmp(fwd, "1")) {
        char arg[80];
        snprintf(arg, sizeof(arg), "/proc/sys/net/ipv4/ip_forward %s", fwd);
        if (journal_add(j, "sysctl", arg, e) < 0) return -1;
        FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "we");
        if (!f || fputs("1", f) < 0 || fclose(f) != 0)
            return err_set(e, ERR_FAIL, "cannot enable ip_forward");
    }
    return 0;
}

int net_nat_bridge(const struct net_nat *n, const char *run_id, struct journal *j, struct err *e)
{
    if (if_nametoindex(n->bridge)) return 0; /* an earlier container of this run made it */
    if (journal_add(j, "link", n->bridge, e) < 0 || nl_bridge_add(n->bridge, e) < 0) return -1;
    if (nl_addr_add(n->bridge, n->gw, n->prefix, e) < 0 || nl_link_set(n->bridge, 1, NULL, e) < 0)
        return -1;
    if (forward_on(j, e) < 0) return -1;
    struct fence_names f;
    fence_names(run_id, &f);
    char table[32], cmd[1400];
    snprintf(table, sizeof(table), "ip isob_%s", f.tag);
    /* Its namespaces and guests reach each other (the bridge), the peer
     * reaches their published servers (DNAT'ed, both ways), and a tenant
     * reaches the run's servers on the peer-facing host address (a native
     * DB tier): nothing else - no route out, no other host service. */
    snprintf(cmd, sizeof(cmd),
             "add table %s\n"
             "add chain %s prerouting { type nat hook prerouting priority dstnat; }\n"
             "add chain %s forward { type filter hook forward priority filter; }\n"
             "add rule %s forward iifname \"%s\" oifname \"%s\" accept\n"
             "add rule %s forward ct status dnat accept\n"
             "add rule %s forward iifname \"%s\" counter drop\n"
             "add rule %s forward oifname \"%s\" counter drop\n"
             "add chain %s input { type filter hook input priority filter; }\n"
             "add rule %s input iifname \"%s\" ct state established,related accept\n"
             "add rule %s input iifname \"%s\" ip daddr %s accept\n"
             "add rule %s input iifname \"%s\" counter drop\n",
             table, table, table, table, n->bridge, n->bridge, table, table, n->bridge, table,
             n->bridge, table, table, n->bridge, table, n->bridge, f.peer_host, table, n->bridge);
    if (journal_add(j, "nft", table, e) < 0) return -1;
    return nl_nft_run(cmd, e);
}

void net_peer_plan(const char *run_id, char *ifname, uint32_t *host, uint32_t *guest)
{
    char tag[9];
    net_run_tag(run_id, tag);
    snprintf(ifname, 16, "isob%.6sp", tag);
    uint32_t k = (uint32_t)strtoul(tag + 6, NULL, 16) % 250;
    *host = htonl((10u << 24) | (214u << 16) | (k << 8) | 1);
    *guest = htonl((10u << 24) | (214u << 16) | (k << 8) | 2);
}

int net_peer_guard(const char *run_id, struct journal *j, struct err *e)
{
    struct fence_names f;
    fence_names(run_id, &f);
    char table[32], cmd[1200];
    snprintf(table, sizeof(table), "ip isobp_%s", f.tag);
    /* The peer is forwarded only on connections a published port DNAT'ed
     * (to a container or guest); the run's servers on its host address
     * answer the run's own interfaces (the peer link, the run's bridge, an
     * engine's bridge, this host) - never a LAN interface. */
    snprintf(cmd, sizeof(cmd),
             "add table %s\n"
             "add chain %s forward { type filter hook forward priority filter; }\n"
             "add rule %s forward ct status dnat accept\n"
             "add rule %s forward iifname \"%s\" counter drop\n"
             "add rule %s forward oifname \"%s\" counter drop\n"
             "add chain %s input { type filter hook input priority filter; }\n"
             "add rule %s input ip daddr %s iifname != { \"%s\", \"isob%.6sbr\", \"lo\", "
             "\"docker*\", \"podman*\", \"cni-podman*\" } counter drop\n",
             table, table, table, table, f.peer_if, table, f.peer_if, table, table, f.peer_host,
             f.peer_if, f.tag);
    if (journal_add(j, "nft", table, e) < 0) return -1;
    return nl_nft_run(cmd, e);
}

int net_remote_guard(const char *run_id, const char *host_if, const char *peer_addr, int port_lo,
                     int port_hi, struct journal *j, struct err *e)
{
    struct in_addr a;
    if (inet_pton(AF_INET, peer_addr, &a) != 1)
        return err_set(e, ERR_FAIL, "remote peer's fence: '%.60s' is no IPv4 address", peer_addr);
    if (!host_if[0] || strchr(host_if, '"') || port_lo < 1 || port_hi < port_lo || port_hi > 65535)
        return err_set(e, ERR_FAIL, "remote peer's fence: bad link or ports");
    struct fence_names f;
    fence_names(run_id, &f);
    char table[32], cmd[1400];
    snprintf(table, sizeof(table), "ip isobp_%s", f.tag);
    int n = snprintf(
        cmd, sizeof(cmd),
        "add table %s\n"
        "add chain %s forward { type filter hook forward priority filter; }\n"
        "add rule %s forward iifname \"%s\" ip saddr != %s meta l4proto { tcp, udp } "
        "th dport %d-%d counter drop\n"
        "add rule %s forward iifname \"%s\" oifname \"isob%.6sbr\" ip saddr != %s counter drop\n"
        "add chain %s input { type filter hook input priority filter; }\n"
        "add rule %s input iifname \"%s\" ip saddr != %s meta l4proto { tcp, udp } "
        "th dport %d-%d counter drop\n",
        table, table, table, host_if, peer_addr, port_lo, port_hi, table, host_if, f.tag, peer_addr,
        table, table, host_if, peer_addr, port_lo, port_hi);
    if (n < 0 || (size_t)n >= sizeof(cmd))
        return err_set(e, ERR_FAIL, "remote peer's fence: too long");
    if (journal_add(j, "nft", table, e) < 0) return -1;
    return nl_nft_run(cmd, e);
}

int net_fence_addr(const char *run_id, int idx, const char *addr, struct journal *j, struct err *e)
{
    struct in_addr a;
    if (inet_pton(AF_INET, addr, &a) != 1)
        return err_set(e, ERR_FAIL, "fence: '%.60s' is no IPv4 address", addr);
    struct fence_names f;
    fence_names(run_id, &f);
    char table[48], cmd[1000];
    snprintf(table, sizeof(table), "ip isobf_%s_%d", f.tag, idx);
    snprintf(cmd, sizeof(cmd),
             "add table %s\n"
             "add chain %s forward { type filter hook forward priority filter; }\n"
             "add rule %s forward ct status dnat accept\n"
             "add rule %s forward ip saddr %s counter drop\n"
             "add chain %s input { type filter hook input priority filter; }\n"
             "add rule %s input ip saddr %s ct state established,related accept\n"
             "add rule %s input ip saddr %s ip daddr != %s counter drop\n",
             table, table, table, table, addr, table, table, addr, table, addr, f.peer_host);
    if (journal_add(j, "nft", table, e) < 0) return -1;
    return nl_nft_run(cmd, e);
}

void net_nat_plan(struct net_nat *n, const char *run_id, int idx)
{
    char tag[9];
    net_run_tag(run_id, tag);
    snprintf(n->bridge, sizeof(n->bridge), "isob%.6sbr", tag);
    snprintf(n->veth, sizeof(n->veth), "isob%.6sv%d", tag, idx);
    n->prefix = 24;
    uint32_t k = (uint32_t)strtoul(tag + 6, NULL, 16) % 250;
    uint32_t subnet = htonl((10u << 24) | (213u << 16) | (k << 8));
    n->gw = htonl(ntohl(subnet) | 1);
    n->addr = htonl(ntohl(subnet) | (uint32_t)(idx + 2));
}

void net_nat_addr_text(const struct net_nat *n, char *buf, size_t len)
{
    struct in_addr a = {.s_addr = n->addr};
    if (!inet_ntop(AF_INET, &a, buf, (socklen_t)len)) buf[0] = '\0';
}

int net_nat_host(const struct net_nat *n, const char *run_id, pid_t pid, struct journal *j,
                 struct err *e)
{
    if (net_nat_bridge(n, run_id, j, e) < 0) return -1;
    if (journal_add(j, "link", n->veth, e) < 0 || nl_veth_add(n->veth, "eth0", pid, -1, e) < 0)
        return -1;
    return nl_link_set(n->veth, 1, n->bridge, e);
}

int net_nat_guest(const struct net_nat *n, struct err *e)
{
    if (net_loopback_up(e) < 0 || nl_addr_add("eth0", n->addr, n->prefix, e) < 0 ||
        nl_link_set("eth0", 1, NULL, e) < 0)
        return -1;
    return nl_route_default("eth0", n->gw, e);
}

int net_nat_publish(const struct net_nat *n, const char *run_id, const char *in_if, int port,
                    struct err *e)
{
    char tag[9], cmd[512], addr[INET_ADDRSTRLEN];
    net_run_tag(run_id, tag);
    struct in_addr a = {.s_addr = n->addr};
    inet_ntop(AF_INET, &a, addr, sizeof(addr));
    snprintf(cmd, sizeof(cmd),
             "add rule ip isob_%s prerouting iifname \"%s\" meta l4proto { tcp, udp } "
             "th dport %d dnat to %s:%d\n",
             tag, in_if, port, addr, port);
    return nl_nft_run(cmd, e);
}

int net_direct_rules(const struct net_nat *n, const char *run_id, const char *in_if,
                     const char *peer_addr, int port, char *cmd, size_t len, struct err *e)
{
    char tag[9], addr[INET_ADDRSTRLEN];
    struct in_addr a = {.s_addr = n->addr}, pa;
    if (inet_pton(AF_INET, peer_addr, &pa) != 1)
        return err_set(e, ERR_FAIL, "direct route: '%.60s' is no IPv4 address", peer_addr);
    net_run_tag(run_id, tag);
    inet_ntop(AF_INET, &a, addr, sizeof(addr));
    size_t off = 0;
    /* inserted: ahead of each table's drops (a packet must pass every
     * table's forward chain) - the run's fence and the peer guard */
    for (int t = 0; t < 2; t++) {
        int k = snprintf(cmd + off, len - off,
                         "insert rule ip %s_%s forward iifname \"%s\" oifname \"%s\" ip saddr %s "
                         "ip daddr %s meta l4proto { tcp, udp } th dport %d accept\n"
                         "insert rule ip %s_%s forward iifname \"%s\" oifname \"%s\" ip saddr %s "
                         "ip daddr %s ct state established,related accept\n",
                         t ? "isobp" : "isob", tag, in_if, n->bridge, peer_addr, addr, port,
                         t ? "isobp" : "isob", tag, n->bridge, in_if, addr, peer_addr);
        if (k < 0 || (size_t)k >= len - off)
            return err_set(e, ERR_FAIL, "direct route: rules too long");
        off += (size_t)k;
    }
    return 0;
}

int net_direct_route(const struct net_nat *n, const char *run_id, const char *in_if,
                     const char *peer_addr, int port, struct err *e)
{
    char cmd[1400];
    if (net_direct_rules(n, run_id, in_if, peer_addr, port, cmd, sizeof(cmd), e) < 0) return -1;
    return nl_nft_run(cmd, e);
}

int net_nat_tap(const struct net_nat *n, const char *run_id, int idx, struct journal *j, int *fd,
                char *name, size_t len, struct err *e)
{
    char tag[9];
    net_run_tag(run_id, tag);
    if (net_nat_bridge(n, run_id, j, e) < 0) return -1;
    snprintf(name, len, "isob%.6st%d", tag, idx);
    if (journal_add(j, "link", name, e) < 0) return -1;
    *fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (*fd < 0) return err_sys(e, ERR_FAIL, errno, "/dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(*fd, TUNSETIFF, &ifr) < 0)
        return err_sys(e, ERR_FAIL, errno, "creating tap %s", name);
    return nl_link_set(name, 1, n->bridge, e);
}
