/* net.h - the container's network, made through rtnetlink (libmnl) and
 * libnftables, never by running or parsing `ip`/`nft`:
 *   net=nat: one bridge per run (isob<hash>br, 10.213.<k>.1/24), a veth
 *   pair per container (host side isob<hash>v<idx> on the bridge, peer
 *   created directly in the container's netns as eth0, 10.213.<k>.<idx+2>,
 *   default route via the bridge), an nftables table ip isob_<hash> that
 *   DNATs published ports and fences the bridge (forwarding only within it
 *   and on DNAT'ed connections; no masquerade, so no route out), and
 *   ip_forward on (restored when the run ends).
 * Every host object is journaled ("link", "nft", "sysctl") as it is made;
 * the undo handlers register themselves with the journal. */
#ifndef ISOBENCH_NET_H
#define ISOBENCH_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/journal.h"

struct net_nat {
    char bridge[16], veth[16];
    uint32_t addr, gw; /* network byte order */
    int prefix;
};

/* Names and addresses for container idx of the run; creates nothing. */
void net_nat_plan(struct net_nat *n, const char *run_id, int idx);

/* n's address on the run's bridge, as text (env_info.local_addr). */
void net_nat_addr_text(const struct net_nat *n, char *buf, size_t len);

/* On the host: the run's bridge (gateway address, up), ip_forward on and
 * the run's NAT table, each journaled as it is made; nothing when an
 * earlier container of the run made them. For runtimes that make the veth
 * themselves (lxc: lxc.net.0.link names this bridge). */
int net_nat_bridge(const struct net_nat *n, const char *run_id, struct journal *j, struct err *e);

/* On the host, after the container (pid) exists in its own netns: makes
 * the run's bridge and NAT table if needed, then this container's veth. */
int net_nat_host(const struct net_nat *n, const char *run_id, pid_t pid, struct journal *j,
                 struct err *e);

/* In the container's netns: loopback up, eth0 addressed and up, default
 * route via the bridge. */
int net_nat_guest(const struct net_nat *n, struct err *e);

/* For a VM on the run's bridge: makes the bridge and NAT table if needed,
 * then a tap isob<hash>t<idx> (journaled) enslaved to it; *fd is the open
 * tap for QEMU (-netdev tap,fd=). The tap goes away with the last fd. */
int net_nat_tap(const struct net_nat *n, const char *run_id, int idx, struct journal *j, int *fd,
                char *name, size_t len, struct err *e);

/* Publishes port (tcp and udp) of the container: packets arriving on
 * in_if for that port are DNAT'ed to the container's address, Docker's
 * `-p port:port`. The rule lives in the run's table (gone with it). */
int net_nat_publish(const struct net_nat *n, const char *run_id, const char *in_if, int port,
                    struct err *e);

/* Routes the peer to port (tcp and udp) of the guest at n->addr directly,
 * without NAT, as the paper's guests on a Linux bridge were reached: the
 * peer's packets from peer_addr arriving on in_if are forwarded to the
 * run's bridge and the replies back - that flow only, accepted in both the
 * run's table and the peer guard's (rules in their tables, gone with
 * them). The peer routes there already (its default route is the host). */
int net_direct_route(const struct net_nat *n, const char *run_id, const char *in_if,
                     const char *peer_addr, int port, struct err *e);
/* Its nft commands into cmd (len bytes): ERR_FAIL when they do not fit. */
int net_direct_rules(const struct net_nat *n, const char *run_id, const char *in_if,
                     const char *peer_addr, int port, char *cmd, size_t len, struct err *e);

/* The peer link's names and addresses for run_id (peer.h): the host-side
 * interface isob<tag6>p (ifname, 16 bytes), 10.214.<k>.1 (host) and .2
 * (guest), network byte order. */
void net_peer_plan(const char *run_id, char *ifname, uint32_t *host, uint32_t *guest);

/* The peer's fence, a table ip isobp_<tag> (journaled): the peer is
 * forwarded only on DNAT'ed connections (published ports), and the run's
 * servers on the peer-facing host address answer only the run's own
 * interfaces, never a LAN one. */
int net_peer_guard(const char *run_id, struct journal *j, struct err *e);

/* A remote peer's fence (run --peer ssh://), the table ip isobp_<tag>
 * (journaled) in place of net_peer_guard's: on host_if, the link facing
 * the peer, only peer_addr reaches the run's ports port_lo..port_hi (the
 * servers: on this host, or forwarded to a container or guest) and the
 * run's bridge; the rest of that link's traffic is not touched (it may be
 * the host's LAN). net_direct_route inserts into it as into the local
 * guard. */
int net_remote_guard(const char *run_id, const char *host_if, const char *peer_addr, int port_lo,
                     int port_hi, struct journal *j, struct err *e);

/* The fence of a container an engine put on its own bridge at addr
 * (podman's, docker0): a table ip isobf_<tag>_<idx> (journaled) that drops
 * its forwarded traffic but on DNAT'ed connections (its published port)
 * and its new connections to this host but to the run's peer-facing
 * address - so it reaches neither the LAN nor the host's services. A
 * source address can be forged by a root with CAP_NET_RAW (Docker's
 * default keeps it): a forged packet passes, its replies never come back. */
int net_fence_addr(const char *run_id, int idx, const char *addr, struct journal *j, struct err *e);

/* The run's 8-hex tag for interface and table names (IFNAMSIZ is 16). */
void net_run_tag(const char *run_id, char *out);

/* Loopback up in the current netns. */
int net_loopback_up(struct err *e);

#endif
