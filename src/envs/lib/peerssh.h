/* peerssh.h - the paper's second machine as a real one: `--peer
 * ssh://[user@]host[:port]` runs every client half in `isobench agent
 * --stdio` on that host, started as
 *   ssh [-F $ISOBENCH_SSH_CONFIG] -T -o BatchMode=yes
 *       -o StrictHostKeyChecking=yes ... [-p PORT] -- [user@]host
 *       isobench agent --stdio
 * through the argv helper (core/proc.h) and speaking the framed protocol
 * over the SSH channel: no port of ours, no crypto of ours, host keys
 * checked against known_hosts. One connection serves the whole run. The
 * facing link is the route towards the peer's address; the servers are
 * fenced so that only that address reaches them (net_remote_guard). */
#ifndef ISOBENCH_PEERSSH_H
#define ISOBENCH_PEERSSH_H

#include "core/proto.h"
#include "core/util.h"
#include "envs/env.h"
#include "envs/lib/peer.h"

struct peer_url {
    char text[300];
    char user[33]; /* "" = ssh's own choice */
    char host[254];
    int port; /* 0 = ssh's own choice */
};

/* Parses "ssh://[user@]host[:port]" (host a name or an IPv4 address; no
 * path, no IPv6 yet): ERR_USAGE with one line saying what is wrong. */
int peer_url_parse(const char *s, struct peer_url *u, struct err *e);

/* The ssh command line for u: argv (NULL-terminated, pointing into a),
 * config the -F file ("" or NULL: none); query 1 gives `ssh -G` (print
 * the resolved configuration) instead of running the agent. Never
 * disables host key checking. */
struct peer_ssh_argv {
    char *argv[32];
    char dest[300], port[8], config[512];
};
int peer_ssh_argv(const struct peer_url *u, const char *config, int query, struct peer_ssh_argv *a,
                  struct err *e);

/* Connects p to the peer host: ssh -G for its address, the route towards
 * it (p->host_if, host_addr, peer_addr), the fence for ports
 * port_lo..port_hi, ssh started (its pid journaled, its stderr in the
 * run's directory), the hello handshake, the control channel's RTT and
 * clock offset and the peer's facts ("peer."-prefixed, into facts). */
int peer_remote_up(struct peer *p, const struct peer_url *u, const char *run_id, int port_lo,
                   int port_hi, struct journal *j, struct kvlist *facts, struct err *e);

/* A client half: sends j to the peer's agent. */
int peer_remote_send(const struct peer *p, const struct job *j, struct err *e);
/* Its reply, within timeout_s, watching w. cancel: send a cancel frame
 * first (its server half failed) and wait ENV_CANCEL_S at most. A channel
 * that fails makes the peer lost: this and every later sample fails with
 * "peer host lost: ...". */
int peer_remote_reply(const struct peer *p, double timeout_s, int cancel, struct env_watch *w,
                      struct reply *rep, struct err *e);
/* The channel, for a watch: -1 once lost. */
int peer_remote_fd(const struct peer *p);

/* Ends the connection (the remote agent ends its process group on EOF)
 * and reaps ssh; frees p->remote. */
void peer_remote_down(struct peer *p);

#endif
