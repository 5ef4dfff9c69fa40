#include "workloads/bioeng.h"

#include <errno.h>
#include <linux/aio_abi.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct bioeng {
    int kind, auto_mode;
    unsigned qd, pending;
    struct io_uring ring;
    aio_context_t aio;
    struct iocb *cbs;
    struct iocb **todo;
    struct io_event *ev;
};

static int aio_open(struct bioeng *b, struct err *e)
{
    b->cbs = calloc(b->qd, sizeof(*b->cbs));
    b->todo = calloc(b->qd, sizeof(*b->todo));
    b->ev = calloc(b->qd, sizeof(*b->ev));
    if (!b->cbs || !b->todo || !b->ev) return err_set(e, ERR_FAIL, "out of memory");
    if (syscall(SYS_io_setup, b->qd, &b->aio) < 0) {
        b->aio = 0;
        return err_sys(e, ERR_FAIL, errno, "io_setup(%u)", b->qd);
    }
    return 0;
}

struct bioeng *bioeng_open(const char *kind, unsigned qd, char *why, size_t whylen, struct err *e)
{
    struct bioeng *b = calloc(1, sizeof(*b));
    if (!b) {
        err_set(e, ERR_FAIL, "out of memory");
        return NULL;
    }
    b->qd = qd;
    b->auto_mode = !strcmp(kind, "auto");
    why[0] = '\0';
    int rc = -1;
    if (strcmp(kind, "libaio")) {
        rc = io_uring_queue_init(qd, &b->ring, 0);
        if (rc == 0) return b;
        if (!strcmp(kind, "io_uring")) {
            err_set(e, ERR_FAIL, "io_uring refused: %s", strerror(-rc));
            free(b);
            return NULL;
        }
        snprintf(why, whylen, "io_uring refused (%s): native AIO used", strerror(-rc));
    }
    b->kind = BIOENG_AIO;
    if (aio_open(b, e) < 0) {
        bioeng_close(b);
        return NULL;
    }
    return b;
}

int bioeng_probe(struct bioeng *b, int fd, void *buf, size_t len, char *why, size_t whylen,
                 struct err *e)
{
    if (b->kind != BIOENG_URING || !b->auto_mode) return 0;
    unsigned slot;
    long res;
    if (bioeng_queue(b, fd, 0, 0, buf, len, 0, e) < 0) return -1;
    int n = bioeng_reap(b, 1, 1, &slot, &res, e);
    if (n < 0) return -1;
    if (n == 1 && res >= 0) return 0;
    if (n == 1 && res != -EINVAL && res != -EOPNOTSUPP && res != -ENOSYS)
        return err_set(e, ERR_FAIL, "io_uring probe read: %s", strerror((int)-res));
    /* a sandbox (gVisor) may set io_uring up and then fail every read */
    io_uring_queue_exit(&b->ring);
    b->kind = BIOENG_AIO;
    snprintf(why, whylen, "io_uring reads fail here (%s): native AIO used",
             n == 1 ? strerror((int)-res) : "no completion");
    return aio_open(b, e);
}

const char *bioeng_name(const struct bioeng *b)
{
    return b->kind == BIOENG_URING ? "io_uring" : "libaio";
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
    if (b->pending >= b->qd) return err_set(e, ERR_FAIL, "aio: queue full");
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

int bioeng_reap(struct bioeng *b, unsigned min, unsigned max, unsigned *slots, long *res,
                struct err *e)
{
    if (b->kind == BIOENG_URING) {
        int rc = io_uring_submit_and_wait(&b->ring, min);
        if (rc < 0 && rc != -EINTR)
            return err_set(e, ERR_FAIL, "io_uring_submit: %s", strerror(-rc));
        struct io_uring_cqe *cqes[256];
        unsigned n = io_uring_peek_batch_cqe(&b->ring, cqes, max < 256 ? max : 256);
        for (unsigned i = 0; i < n; i++) {
            slots[i] = (unsigned)io_uring_cqe_get_data64(cqes[i]);
            res[i] = cqes[i]->res;
        }
        io_uring_cq_advance(&b->ring, n);
        return (int)n;
    }
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
