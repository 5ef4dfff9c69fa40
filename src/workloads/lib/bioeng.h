/* bioeng.h - the I/O engines of blockio, one of which a run uses for every
 * environment (chosen at plan time, never switched behind the caller's
 * back): libaio - Linux native AIO, the kernel's io_submit/io_getevents
 * that the libaio library wraps and fio's libaio engine drives (the
 * paper's); io_uring through liburing; psync - pread/pwrite, one I/O at a
 * time. One slot per queue entry; the caller owns the buffers. An engine
 * serves one thread. */
#ifndef ISOBENCH_BIOENG_H
#define ISOBENCH_BIOENG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* In the order of blockio's engine option's words (BIOENG_WORDS). */
enum bioeng_kind { BIOENG_LIBAIO = 0, BIOENG_URING = 1, BIOENG_PSYNC = 2, BIOENG_N };
#define BIOENG_WORDS "libaio|io_uring|psync"

/* The name of kind (one of the above). */
const char *bioeng_kind_name(int kind);

struct bioeng;

/* An engine of kind for qd slots. ERR_FAIL with the kernel's reason when
 * the environment refuses it (a seccomp profile, kernel.io_uring_disabled,
 * fs.aio-max-nr): the caller fails, it never picks another. */
struct bioeng *bioeng_open(int kind, unsigned qd, struct err *e);
const char *bioeng_name(const struct bioeng *b);
/* Queues one read or write of len bytes at off into/from buf for slot. */
int bioeng_queue(struct bioeng *b, int fd, unsigned slot, int write, void *buf, size_t len,
                 uint64_t off, struct err *e);
/* Submits what is queued and waits for at least min completions; fills
 * slots[] and res[] (bytes or -errno), returns how many (<= max). psync
 * does the queued I/Os here, one after another. */
int bioeng_reap(struct bioeng *b, unsigned min, unsigned max, unsigned *slots, long *res,
                struct err *e);
void bioeng_close(struct bioeng *b);

#endif
