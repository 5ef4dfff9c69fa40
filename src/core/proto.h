/* proto.h - the agent protocol. One request, one reply, each a frame
 * "<decimal length>\n<payload>"; payloads are lines "key rest-of-line":
 *   request: "isobench 1", "workload NAME", "size tiny|small|full",
 *            "opt KEY=VALUE"..., and when set: "role server|client",
 *            "peer ADDR PORT" (where the server listens / the client
 *            connects), "data DIR" (the environment's data directory)
 *   reply:   "status ok|error", "code N", "error MSG",
 *            "metric NAME UNIT higher|lower VALUE"..., "fact KEY=VALUE"...,
 *            "raw LINE"... (a reference tool's output, one line each)
 * Text keeps it debuggable over a socketpair, a unix socket or a
 * virtio-serial port alike. */
#ifndef ISOBENCH_PROTO_H
#define ISOBENCH_PROTO_H

#include <stddef.h>

#include "core/result.h"

#define PROTO_MAX (128 * 1024)

struct job {
    char workload[32];
    int size;
    struct kvlist opts;
    char role[8];   /* "" (a plain job), "server" or "client" */
    char addr[64];  /* client: the server's address; server: the one to bind, "" = any */
    int port;       /* 0: none */
    char data[256]; /* the environment's data directory, "" if none */
};

struct reply {
    int ok;
    struct err err;    /* when !ok */
    struct result res; /* when ok */
};

int proto_encode_job(const struct job *j, char *buf, size_t len, struct err *e);
int proto_decode_job(const char *buf, struct job *j, struct err *e);
int proto_encode_reply(const struct reply *r, char *buf, size_t len, struct err *e);
int proto_decode_reply(const char *buf, struct reply *r, struct err *e);

/* Sends one frame. */
int proto_send(int fd, const char *payload, struct err *e);
/* Receives one frame into buf (NUL-terminated); waits at most timeout_s
 * seconds in total (<= 0: forever). */
int proto_recv(int fd, char *buf, size_t cap, double timeout_s, struct err *e);

#endif
