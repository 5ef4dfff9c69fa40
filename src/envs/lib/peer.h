/* peer.h - the paper's second machine. A network namespace made by
 * isobench for the run, joined to the host by a veth pair:
 *   host side  isob<tag6>p  10.214.<k>.1/30  (in the host netns)
 *   peer side  eth0         10.214.<k>.2/30  default route via .1
 * The client side of every network workload runs in it; each environment
 * makes its server reachable at an address:port on the host side (native
 * and net=host directly, net=nat through a DNAT'ed published port).
 * The netns is pinned by a bind mount on <journal dir>/peer.net; the file,
 * the mount and the link are journaled before they exist. */
#ifndef ISOBENCH_PEER_H
#define ISOBENCH_PEER_H

#include <stdint.h>

#include "core/journal.h"

struct peer_remote; /* envs/lib/peerssh.h: a peer host over SSH */

struct peer {
    /* --peer ssh://: the client halves run on another host, reached over
     * SSH; host_if/host_addr are this host's link and address facing it
     * (the route towards peer_addr), nspath is "" and nsfd -1 */
    struct peer_remote *remote;
    char nspath[600];
    char host_if[16];
    char host_addr[16], peer_addr[16]; /* dotted quads */
    int nsfd;                          /* open on the netns; -1 when down */
};

int peer_up(struct peer *p, const char *run_id, struct journal *j, struct err *e);
/* Moves the calling process into the peer netns (for a forked client). */
int peer_enter(const struct peer *p);
/* Closes the fd (a remote peer: the SSH connection, peer_remote_down);
 * the objects go with the journal's unwind. */
void peer_down(struct peer *p);

#endif
