/* hload.h - isobench's HTTP/1.1 load generator: one thread, epoll,
 * non-blocking keep-alive connections, one per user; each user sends a GET,
 * waits for the whole response, checks it and sends the next (a closed
 * loop, as wrk). The number of users grows linearly from 1 to `users` over
 * `ramp_s` seconds (0: all from the start) - the Xen-vs-LXC study's ramp.
 * A request that fails is counted by cause and its user goes on: a 5xx or
 * other status, a body without the marker, a timeout, a reset or a refused
 * connect (the user reconnects). Per series bucket it records users,
 * successes, failures by cause and latency, for the latency-vs-time curve. */
#ifndef ISOBENCH_HLOAD_H
#define ISOBENCH_HLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/hist.h"

#define HLOAD_MAX_USERS 4096
#define HLOAD_MAX_BUCKETS 100    /* the series has at most this many points */
#define HLOAD_MAX_BODY (8 << 20) /* a larger response fails as "content" */

enum hload_fail {
    HLOAD_F_5XX = 0, /* a 5xx status */
    HLOAD_F_STATUS,  /* any other status but 200 */
    HLOAD_F_CONTENT, /* no marker in the body, a malformed or oversized response */
    HLOAD_F_TIMEOUT, /* no complete response within timeout_s */
    HLOAD_F_RESET,   /* the connection reset or closed before the response was whole */
    HLOAD_F_CONNECT, /* the connect failed */
    HLOAD_F_N
};
extern const char *const hload_fail_names[HLOAD_F_N]; /* "5xx", "status", ... */

struct hload_cfg {
    const char *addr; /* IPv4 dotted quad */
    int port;
    const char *path;   /* "/index.html" */
    const char *marker; /* a response passes only with it in its body (NULL: any 200) */
    int users;
    double ramp_s;       /* users grow 1 -> users over this (0: all at once) */
    double warm_s;       /* load before the counted window (not counted) */
    double duration_s;   /* the counted window */
    double timeout_s;    /* per request */
    const char *hostcpu; /* the server environment's host CPU source (core/host.h), or NULL */
};

struct hload_bucket {
    double t_s; /* its end, seconds into the counted window */
    int users;  /* users active at its end */
    uint64_t ok, fail[HLOAD_F_N];
    struct hist lat; /* successful requests' latency, ns */
};

struct hload_out {
    uint64_t ok, fail[HLOAD_F_N]; /* in the counted window */
    double secs;                  /* its length */
    double cpu_s;                 /* this thread's CPU time in it */
    double env_cpu_s;             /* the server environment's host CPU in it; -1 unknown */
    uint64_t bytes;               /* body bytes of the successful responses */
    struct hist lat;              /* successful requests: first byte sent -> response whole */
    int nb;                       /* series buckets, each duration_s / nb long */
    struct hload_bucket *b;       /* owned: hload_out_free */
    char server[64];              /* the first response's Server header */
};

/* Users active t seconds after the load started. */
int hload_users_at(const struct hload_cfg *c, double t);

/* Runs one load. Fails only when it cannot run at all (bad config, out of
 * memory, epoll); a server that fails every request is a result, counted.
 * o is filled (free it with hload_out_free, also after a failure). */
int hload_run(const struct hload_cfg *c, struct hload_out *o, struct err *e);
void hload_out_free(struct hload_out *o);

/* One GET on a fresh connection (Connection: close) within timeout_s:
 * its status in *status, the start of its body (NUL-terminated, cut to
 * len - 1) in body, the Server header in server (may be NULL). For a
 * server's readiness, its version and the stop request. */
int hload_get(const char *addr, int port, const char *path, double timeout_s, int *status,
              char *body, size_t len, char *server, size_t slen, struct err *e);

/* The same for a POST of form (application/x-www-form-urlencoded, the
 * caller encodes it) when form is not NULL; a GET otherwise. For an
 * installer's form (WordPress's install.php). */
int hload_request(const char *addr, int port, const char *path, const char *form, double timeout_s,
                  int *status, char *body, size_t len, char *server, size_t slen, struct err *e);

struct result;

/* A load's results into r: rps, mean/p50/p95/p99 latency (us), fail_pct,
 * cpu_us_per_req (the server environment's, when o has it); with a ramp
 * the users at which mean latency doubled and failures began; facts
 * PREFIX.failures, PREFIX.loadgen_cpu_us_per_req (and PREFIX.ramp); the
 * latency-vs-time series as CSV in the raw text. ERR_FAIL when no
 * request succeeded. */
int hload_report(const struct hload_out *o, double ramp_s, const char *prefix, struct result *r,
                 struct err *e);

#endif
