/* netlink.h - the few rtnetlink (libmnl) and libnftables calls isobench
 * needs to build its networks, never by running or parsing `ip`/`nft`.
 * Each acts on the calling thread's current network namespace. The undo
 * handlers for "link", "nft" and "sysctl" journal entries live here too. */
#ifndef ISOBENCH_NETLINK_H
#define ISOBENCH_NETLINK_H

#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

int nl_bridge_add(const char *name, struct err *e);
/* A veth pair whose peer end is created directly in another netns: the
 * one open at nsfd when nsfd >= 0, else pid's. */
int nl_veth_add(const char *name, const char *peer, pid_t pid, int nsfd, struct err *e);
/* Sets the link up (up != 0) and/or enslaves it to master (non-NULL). */
int nl_link_set(const char *name, int up, const char *master, struct err *e);
/* addr in network byte order. */
int nl_addr_add(const char *name, uint32_t addr, int prefix, struct err *e);
int nl_route_default(const char *dev, uint32_t gw, struct err *e);
/* Runs an nft script; the error names nftables' own message. */
int nl_nft_run(const char *cmd, struct err *e);

#endif
