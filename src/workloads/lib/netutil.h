/* netutil.h - the socket plumbing shared by the network workloads. Every
 * blocking call has a deadline, so a lost peer turns into an error rather
 * than a hang. Addresses are IPv4 dotted quads handed in by the runner;
 * nothing here ever picks an address by itself. */
#ifndef ISOBENCH_NETUTIL_H
#define ISOBENCH_NETUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "workloads/workload.h"

/* Picks one CPU this process may use for a server (server = 1) or client
 * half. spec (a typed WL_T_CPU option): a CPU number, low (the lowest
 * allowed), high (the highest), auto - one meaning everywhere: a server
 * half the lowest, a client half the highest, so on two CPUs each half has
 * its own - or all, which pins nothing (*cpu = -1). */
int net_cpu_pick(struct wl_cpu_val spec, int server, int *cpu, struct err *e);
/* Pins the calling thread to the CPU net_cpu_pick chooses (-> *cpu; -1 and
 * no pinning for "all"). */
int net_pin(struct wl_cpu_val spec, int server, int *cpu, struct err *e);
/* The same for w's CPU option name (wl_opt_cpu), named in an error. */
int net_opt_pick(const struct wl_ctx *ctx, const struct workload *w, const char *name, int server,
                 int *cpu, struct err *e);
int net_opt_pin(const struct wl_ctx *ctx, const struct workload *w, const char *name, int server,
                int *cpu, struct err *e);

/* A socket of type (SOCK_STREAM/SOCK_DGRAM) bound to addr:port (addr NULL
 * or "": every address); stream sockets listen. */
int net_listen(int type, const char *addr, int port, struct err *e);
/* Every connected socket gets send/receive timeouts of this many seconds:
 * a peer that vanishes turns into an error, never a hang. */
#define NET_IO_TIMEOUT_S 90.0
int net_timeouts(int fd, double secs);

/* Accepts one connection within timeout_s. */
int net_accept(int lfd, double timeout_s, struct err *e);
/* Connects to addr:port (type), retrying refused connects until timeout_s
 * (the server half may still be starting). */
int net_connect(int type, const char *addr, int port, double timeout_s, struct err *e);

/* Waits until fd is readable (POLLIN) or writable, at most until deadline
 * (util_now() clock). */
int net_wait(int fd, int out, double deadline, struct err *e);
/* Reads exactly len bytes with blocking calls (bounded by the socket's
 * timeouts); 0 on EOF at a message boundary (*eof = 1). */
int net_read_full(int fd, void *buf, size_t len, double deadline, int *eof, struct err *e);
int net_write_full(int fd, const void *buf, size_t len, double deadline, struct err *e);

/* The calling thread's CPU time (user + system), seconds: what a load
 * generator spent. */
double net_thread_cpu(void);

/* Sets SO_SNDBUF / SO_RCVBUF when non-zero, TCP_NODELAY when nodelay. */
int net_sockopts(int fd, uint64_t sndbuf, uint64_t rcvbuf, int nodelay, struct err *e);

/* Why a network workload cannot run here (the peer namespace, veth and
 * nftables need root), or NULL. */
const char *net_unavailable(void);

/* A URL path only the run knows: "/isobench-WHAT-" and 64 bits mixed from
 * the job's secret (splitmix64's finaliser over each byte), so the secret
 * itself is in no log; both halves of a job compute it (the http
 * workload's stop request, the wordpress probe). */
void net_secret_path(const char *secret, const char *what, char *out, size_t len);

#endif
