/* bioeng.h - the asynchronous I/O engines of blockio: io_uring through
 * liburing, and Linux native AIO (the kernel's io_submit, the same
 * interface libaio wraps) as the fallback when io_uring is refused
 * (seccomp, sysctl kernel.io_uring_disabled, old kernels). One slot per
 * queue entry; the caller owns the buffers. */
#ifndef ISOBENCH_BIOENG_H
#define ISOBENCH_BIOENG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum { BIOENG_URING = 0, BIOENG_AIO = 1 };

struct bioeng;

/* kind: "auto" (io_uring, else aio), "io_uring" or "libaio". On success
 * *why says why aio was used under "auto" ("" otherwise). */
struct bioeng *bioeng_open(const char *kind, unsigned qd, char *why, size_t whylen, struct err *e);
const char *bioeng_name(const struct bioeng *b);
/* Queues one read or write of len bytes at off into/from buf for slot. */
int bioeng_queue(struct bioeng *b, int fd, unsigned slot, int write, void *buf, size_t len,
                 uint64_t off, struct err *e);
/* Submits what is queued and waits for at least min completions; fills
 * slots[] and res[] (bytes or -errno), returns how many (<= max). */
int bioeng_reap(struct bioeng *b, unsigned min, unsigned max, unsigned *slots, long *res,
                struct err *e);
void bioeng_close(struct bioeng *b);

#endif
