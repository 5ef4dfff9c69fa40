/* proto.h - the runner <-> agent protocol (docs/protocol.md). Every
 * message is a frame "<decimal length>\n<payload>". Payloads:
 *   ready:   "ready V" - the agent serves protocol version V (pid 1 of a
 *            container or guest, once, before any job)
 *   fatal:   "fatal MSG" - the agent cannot serve; MSG is its own error,
 *            sent in place of ready or of a reply, then the channel closes
 *   job:     lines "isobench V", "workload NAME", "size tiny|small|full",
 *            "opt KEY=VALUE"..., and when set: "role server|client",
 *            "peer ADDR PORT" (where the server listens / the client
 *            connects), "data DIR" (the environment's data directory),
 *            "hostcpu SRC" (a client half: where to read what the
 *            server's environment costs the host), "secret HEX" (the
 *            password a server half sets and its client half uses; fresh
 *            per measurement, never printed or stored)
 *   reply:   lines "isobench V", "status ok|error", "code N", "error MSG",
 *            "metric NAME UNIT higher|lower VALUE"..., "fact KEY=VALUE"...,
 *            "raw LINE"... (a reference tool's output, one line each)
 *   cancel:  "cancel" - the runner gives up the job in flight
 * Frames are sent and parsed only here; the encoders refuse tokens the
 * decoders could not read back (a space in a name, a newline, '=' in a
 * key). Text keeps it debuggable over a socketpair, a unix socket or a
 * virtio-serial port alike. */
#ifndef ISOBENCH_PROTO_H
#define ISOBENCH_PROTO_H

#include <stddef.h>

#include "core/result.h"

#define PROTO_MAX (128 * 1024)
#define PROTO_VERSION 1

struct job {
    char workload[32];
    int size;
    struct kvlist opts;
    char role[8];   /* "" (a plain job), "server" or "client" */
    char addr[64];  /* client: the server's address; server: the one to bind, "" = any */
    int port;       /* 0: none */
    char data[256]; /* the environment's data directory, "" if none */
    /* client halves: where the server's environment's host CPU time is
     * read (host_cpu_read's "v1:FILE"/"v2:FILE"), "" if unknown */
    char hostcpu[300];
    char secret[65]; /* "" or util_random_hex digits (util_is_secret) */
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

/* The control frames. ready carries PROTO_VERSION; fatal's message has
 * its newlines folded. */
int proto_send_ready(int fd, struct err *e);
int proto_send_cancel(int fd, struct err *e);
int proto_send_fatal(int fd, const char *msg, struct err *e);
/* 1 when a received payload is a cancel frame. */
int proto_is_cancel(const char *payload);
/* Waits at most timeout_s for the agent's ready: 0 on "ready" of our
 * version; -2 with e = the agent's own message on "fatal MSG"; -1 with e
 * saying what else was wrong (another version, another frame, EOF,
 * timeout). */
int proto_wait_ready(int fd, double timeout_s, struct err *e);

/* Sends one frame (a payload built by the functions above). */
int proto_send(int fd, const char *payload, struct err *e);
/* Receives one frame into buf (NUL-terminated); waits at most timeout_s
 * seconds in total (<= 0: forever). A signal ends the wait ("interrupted":
 * the runner's Ctrl-C) unless proto_eintr_retry(1) was called. */
int proto_recv(int fd, char *buf, size_t cap, double timeout_s, struct err *e);
/* For the agent: a signal during proto_recv is retried, never taken for
 * the end of the channel. An agent that is pid 1 of a container or guest
 * reaps orphans - a stressor's workers outliving their master, a killed
 * server's children - and each SIGCHLD would otherwise end its serve loop
 * as if the runner had gone. */
void proto_eintr_retry(int on);

#endif
