/* hello.h - the handshake of an agent reached over SSH (isobench agent
 * --stdio, docs/protocol.md): before "ready", each side sends one frame
 *   hello isobench=VERSION proto=N build=BUILDID host=HOSTID
 * and refuses to go on when the other's isobench version, protocol version
 * or build id is not its own, with one line naming both sides. The host id
 * names the host (it is recorded, never compared). */
#ifndef ISOBENCH_HELLO_H
#define ISOBENCH_HELLO_H

#include <stddef.h>

#include "core/err.h"

struct hello {
    char version[32]; /* isobench's version */
    int proto;        /* PROTO_VERSION */
    char build[48];   /* the binary's GNU build id (hex), "none" when it has none */
    char host[128];   /* <host id (core/facts.h), or mid:<machine-id head>>/<hostname> */
};

/* This binary on this host. */
void hello_local(struct hello *h);

/* The frame's payload into buf; ERR_FAIL when a value holds white space
 * or does not fit. */
int hello_encode(const struct hello *h, char *buf, size_t len, struct err *e);

/* Parses a payload: ERR_FAIL naming what is wrong (not a hello, a field
 * missing or too long). */
int hello_decode(const char *buf, struct hello *h, struct err *e);

/* 0 when theirs is the same isobench as mine (version, protocol, build);
 * else ERR_FAIL with one line naming both sides: me and them say which
 * side is which ("runner", "peer agent"). */
int hello_check(const struct hello *mine, const char *me, const struct hello *theirs,
                const char *them, struct err *e);

#endif
