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
/* Under "auto": one read of len bytes at offset 0 of fd through io_uring;
 * when it fails as unsupported (EINVAL, EOPNOTSUPP, ENOSYS: gVisor sets
 * io_uring up and then fails its reads), switches to native AIO and says
 * why in *why. A no-op for the other kinds. */
int bioeng_probe(struct bioeng *b, int fd, void *buf, size_t len, char *why, size_t whylen,
                 struct err *e);
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
