/* rload.h - isobench's Redis load generator: one thread, epoll, non-blocking
 * sockets, RESP encoded by hand. Each client is one persistent TCP
 * connection that sends `pipeline` requests at once and sends the next
 * batch when every reply of the last one has arrived (redis-benchmark -P).
 * Operations: 50 % SET / 50 % GET, 10-character keys, values of 25..75
 * bytes (50 on average). Every client draws from its own generator seeded
 * from (seed, client number), so each environment gets the very same
 * operation sequence; a client's SETs always create new keys and its GETs
 * read keys it set before, so the keyspace grows as the run goes on (the
 * paper's setup) - or, with a fixed keyspace, all draw from the same N
 * keys (redis-benchmark's -r, for comparing the two generators). */
#ifndef ISOBENCH_RLOAD_H
#define ISOBENCH_RLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/hist.h"

#define RLOAD_MAX_CLIENTS 1024

struct rload_cfg {
    const char *addr;
    int port;
    int clients;
    int pipeline;
    double warm_s, duration_s; /* warm-up (not counted), then the counted window */
    uint64_t seed;
    uint64_t keyspace;    /* 0: growing (the paper); N: N fixed keys (redis-benchmark -r N) */
    const char *hostcpu;  /* the server environment's host CPU source (core/host.h), or NULL */
    const char *password; /* every connection AUTHs with it first (NULL: none) */
};

/* Per-client state that outlives one run, so that a sweep over client
 * counts keeps growing the same keyspace (index = client number). */
struct rload_keys {
    uint64_t nset[RLOAD_MAX_CLIENTS];
    uint64_t rng[RLOAD_MAX_CLIENTS];
};

struct rload_out {
    uint64_t requests; /* replies received in the counted window */
    double secs;       /* its length */
    double cpu_s;      /* this thread's CPU time in the window */
    double env_cpu_s;  /* the server environment's host CPU time in it, -1: unknown */
    uint64_t hits, misses;
    struct hist lat; /* per-request latency, ns: batch sent -> its reply read */
};

void rload_keys_init(struct rload_keys *k, uint64_t seed);

/* Runs one load of c->clients connections. Any error reply, a dropped
 * connection or a reply that does not match its request fails the run. */
int rload_run(const struct rload_cfg *c, struct rload_keys *k, struct rload_out *o, struct err *e);

/* Sends one command (argv) on a fresh blocking connection - after an
 * AUTH with password unless it is NULL - and reads its whole reply into
 * out (NUL-terminated, the RESP payload of a bulk reply or the line of a
 * simple one). 1: the server closed without a reply (SHUTDOWN). Used for
 * PING, INFO and SHUTDOWN. */
int rload_command(const char *addr, int port, const char *password, double timeout_s,
                  const char *const *argv, char *out, size_t len, struct err *e);

#endif
