#include "workloads/lib/bioeng.h"

#include <errno.h>
#include <linux/aio_abi.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const kind_names[BIOENG_N] = {"libaio", "io_uring", "psync"};

struct bioeng {
    int kind;
    unsigned qd, pending;
    struct io_uring ring;
    aio_context_t aio;
    struct iocb *cbs;    /* libaio and psync: one request per slot */
    struct iocb **todo;  /* queued, not yet submitted (done, for psync) */
    struct io_event *ev; /* libaio's completions */
};

const char *bioeng_kind_name(int kind)
{
    return kind >= 0 && kind < BIOENG_N ? kind_names[kind] : "?";
}

/* The request arrays of libaio and psync, and libaio's context. */
static int slots_open(struct bioeng *b, struct err *e)
{
    b->cbs = calloc(b->qd, sizeof(*b->cbs));
    b->todo = calloc(b->qd, sizeof(*b->todo));
    b->ev = calloc(b->qd, sizeof(*b->ev));
    if (!b->cbs || !b->todo || !b->ev) return err_set(e, ERR_FAIL, "out of memory");
    if (b->kind == BIOENG_LIBAIO && syscall(SYS_io_setup, b->qd, &b->aio) < 0) {
        int er = errno;
        b->aio = 0;
        return err_sys(e, ERR_FAIL, er, "engine libaio refused here: io_setup(%u)%s", b->qd,
                       er == EAGAIN ? " (fs.aio-max-nr reached)" : "");
    }
    return 0;
}

struct bioeng *bioeng_open(int kind, unsigned qd, struct err *e)
{
    struct bioeng *b = calloc(1, sizeof(*b));
    if (!b) {
        err_set(e, ERR_FAIL, "out of memory");
        return NULL;
    }
    b->kind = kind;
    b->qd = qd;
    if (kind == BIOENG_URING) {
        int rc = io_uring_queue_init(qd, &b->ring, 0);
        if (rc == 0) return b;
        err_set(e, ERR_FAIL,
                "engine io_uring refused here: io_uring_setup: %s (a seccomp profile, or the "
                "sysctl kernel.io_uring_disabled)",
                strerror(-rc));
        free(b);
        return NULL;
    }
    if (kind != BIOENG_LIBAIO && kind != BIOENG_PSYNC) {
        err_set(e, ERR_USAGE, "unknown I/O engine %d", kind);
        free(b);
        return NULL;
    }
    if (slots_open(b, e) < 0) {
        bioeng_close(b);
        return NULL;
    }
    return b;
}

const char *bioeng_name(const struct bioeng *b)
{
    return bioeng_kind_name(b->kind);
}

int bioeng_queue(struct bioeng *b, int fd, unsigned slot, int write, void *buf, size_t len,
                 uint64_t off, struct err *e)
{
    if (b->kind == BIOENG_URING) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
        if (!sqe) return err_set(e, ERR_FAIL, "io_uring: submission queue full");
        if (write)
            io_uring_prep_write(sqe, fd, buf, (unsigned)len, off);
        else
            io_uring_prep_read(sqe, fd, buf, (unsigned)len, off);
        io_uring_sqe_set_data64(sqe, slot);
        return 0;
    }
    if (b->pending >= b->qd || slot >= b->qd)
        return err_set(e, ERR_FAIL, "%s: queue full", bioeng_name(b));
    struct iocb *cb = &b->cbs[slot];
    memset(cb, 0, sizeof(*cb));
    cb->aio_data = slot;
    cb->aio_fildes = (uint32_t)fd;
    cb->aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    cb->aio_buf = (uint64_t)(uintptr_t)buf;
    cb->aio_nbytes = len;
    cb->aio_offset = (int64_t)off;
    b->todo[b->pending++] = cb;
    return 0;
}

/* io_uring: submits and waits for min, takes up to max completions. */
static int uring_reap(struct bioeng *b, unsigned min, unsigned max, unsigned *slots, long *res,
                      struct err *e)
{
    int rc = io_uring_submit_and_wait(&b->ring, min);
    if (rc < 0 && rc != -EINTR) return err_set(e, ERR_FAIL, "io_uring_submit: %s", strerror(-rc));
    struct io_uring_cqe *cqes[256];
    unsigned n = io_uring_peek_batch_cqe(&b->ring, cqes, max < 256 ? max : 256);
    for (unsigned i = 0; i < n; i++) {
        slots[i] = (unsigned)io_uring_cqe_get_data64(cqes[i]);
        res[i] = cqes[i]->res;
    }
    io_uring_cq_advance(&b->ring, n);
    return (int)n;
}

/* psync: does the queued I/Os in order with pread/pwrite, up to max. */
static int psync_reap(struct bioeng *b, unsigned max, unsigned *slots, long *res)
{
    unsigned n = b->pending < max ? b->pending : max;
    for (unsigned i = 0; i < n; i++) {
        const struct iocb *cb = b->todo[i];
        void *buf = (void *)(uintptr_t)cb->aio_buf;
        ssize_t r;
        do {
            r = cb->aio_lio_opcode == IOCB_CMD_PWRITE
                    ? pwrite((int)cb->aio_fildes, buf, cb->aio_nbytes, (off_t)cb->aio_offset)
                    : pread((int)cb->aio_fildes, buf, cb->aio_nbytes, (off_t)cb->aio_offset);
        } while (r < 0 && errno == EINTR);
        slots[i] = (unsigned)cb->aio_data;
        res[i] = r < 0 ? -(long)errno : (long)r;
    }
    memmove(b->todo, b->todo + n, (b->pending - n) * sizeof(*b->todo));
    b->pending -= n;
    return (int)n;
}

int bioeng_reap(struct bioeng *b, unsigned min, unsigned max, unsigned *slots, long *res,
                struct err *e)
{
    if (b->kind == BIOENG_URING) return uring_reap(b, min, max, slots, res, e);
    if (b->kind == BIOENG_PSYNC) return psync_reap(b, max, slots, res);
    unsigned done = 0;
    while (done < b->pending) {
        long rc = syscall(SYS_io_submit, b->aio, (long)(b->pending - done), b->todo + done);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return err_sys(e, ERR_FAIL, errno, "io_submit");
        done += (unsigned)rc;
    }
    b->pending = 0;
    long n;
    do {
        n = syscall(SYS_io_getevents, b->aio, (long)min, (long)(max < b->qd ? max : b->qd), b->ev,
                    NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return err_sys(e, ERR_FAIL, errno, "io_getevents");
    for (long i = 0; i < n; i++) {
        slots[i] = (unsigned)b->ev[i].data;
        res[i] = (long)b->ev[i].res;
    }
    return (int)n;
}

void bioeng_close(struct bioeng *b)
{
    if (!b) return;
    if (b->kind == BIOENG_URING)
        io_uring_queue_exit(&b->ring);
    else if (b->aio)
        syscall(SYS_io_destroy, b->aio);
    free(b->cbs);
    free(b->todo);
    free(b->ev);
    free(b);
}
