#include "workloads/lib/biorun.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "workloads/lib/bioeng.h"

#define BLK 4096u
#define REAP_MAX 256u

/* The common start: each thread says it is ready and waits for go. */
struct gate {
    pthread_mutex_t m;
    pthread_cond_t c;
    unsigned ready;
    int go;
};

/* One of a job's threads (fio: one of numjobs). */
struct bio_thread {
    const struct biorun_in *in;
    struct gate *start;
    atomic_int *stop; /* set by a thread that failed: the others end early */
    int fd;
    struct bioeng *eng;
    char *bufs; /* qd x bs: this thread's share of in->bufs */
    double *t_issue;
    uint64_t *off;
    unsigned char *is_write;
    uint64_t rng, seq_next, issued; /* issued: bytes queued so far */
    double t0, t1, end;             /* end: the deadline of a random thread, 0 none */
    uint64_t ios;
    struct hist h;
    struct err e;
    int rc;
};

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

void biorun_stamp(char *buf, size_t len, uint64_t off)
{
    for (size_t b = 0; b < len; b += BLK) {
        uint64_t n = (off + b) / BLK;
        memcpy(buf + b, &n, sizeof(n));
    }
}

static int verify(const char *buf, size_t len, uint64_t off, struct err *e)
{
    for (size_t b = 0; b < len; b += BLK) {
        uint64_t n;
        memcpy(&n, buf + b, sizeof(n));
        if (n != (off + b) / BLK)
            return err_set(e, ERR_FAIL, "blockio: block %llu read back as %llu (data corrupt)",
                           (unsigned long long)((off + b) / BLK), (unsigned long long)n);
    }
    return 0;
}

/* 1 while thread t may queue another I/O at time now. */
static int more(const struct bio_thread *t, double now)
{
    return !atomic_load(t->stop) && t->issued < t->in->size && (t->end <= 0 || now < t->end);
}

/* Queues t's next I/O on slot s. */
static int issue(struct bio_thread *t, unsigned s)
{
    const struct bio_job *j = t->in->job;
    uint64_t off;
    if (biojob_is_seq(j)) {
        off = t->seq_next;
        t->seq_next += j->bs;
    } else {
        off = xorshift(&t->rng) % (t->in->size / j->bs) * j->bs;
    }
    int w = j->rwmixread == 0 || (j->rwmixread < 100 && xorshift(&t->rng) % 100 >= j->rwmixread);
    char *buf = t->bufs + (size_t)s * j->bs;
    if (w) biorun_stamp(buf, j->bs, off);
    t->off[s] = off;
    t->is_write[s] = (unsigned char)w;
    t->issued += j->bs;
    t->t_issue[s] = util_now();
    return bioeng_queue(t->eng, t->fd, s, w, buf, j->bs, off, &t->e);
}

/* Keeps t's queue full until it is done, then waits out what is in
 * flight; counts and times every I/O. */
static int thread_loop(struct bio_thread *t)
{
    const struct bio_job *j = t->in->job;
    unsigned inflight = 0, slots[REAP_MAX];
    long res[REAP_MAX];
    for (unsigned s = 0; s < j->qd && more(t, t->t0); s++, inflight++)
        if (issue(t, s) < 0) return -1;
    while (inflight) {
        int n = bioeng_reap(t->eng, 1, REAP_MAX, slots, res, &t->e);
        if (n < 0) return -1;
        double now = util_now();
        for (int i = 0; i < n; i++) {
            unsigned s = slots[i];
            if (res[i] < 0)
                return err_set(&t->e, ERR_FAIL, "blockio %s: I/O error: %s", j->name,
                               strerror((int)-res[i]));
            if ((size_t)res[i] != j->bs)
                return err_set(&t->e, ERR_FAIL, "blockio %s: short I/O (%ld of %u bytes)", j->name,
                               res[i], j->bs);
            if (!t->is_write[s] && verify(t->bufs + (size_t)s * j->bs, j->bs, t->off[s], &t->e) < 0)
                return -1;
            hist_add(&t->h, (uint64_t)((now - t->t_issue[s]) * 1e9));
            t->ios++;
            if (more(t, now)) {
                if (issue(t, s) < 0) return -1;
            } else {
                inflight--;
            }
        }
    }
    return 0;
}

/* A thread: opens its descriptor and engine, waits for the others, runs. */
static void *thread_main(void *arg)
{
    struct bio_thread *t = arg;
    const struct bio_job *j = t->in->job;
    t->rc = -1;
    t->fd = open(t->in->path, O_RDWR | O_DIRECT | O_CLOEXEC);
    if (t->fd < 0)
        err_sys(&t->e, ERR_FAIL, errno, "blockio: open %s O_DIRECT", t->in->path);
    else if ((t->eng = bioeng_open(t->in->engine, j->qd, &t->e)))
        t->rc = 0;
    t->t_issue = calloc(j->qd, sizeof(*t->t_issue));
    t->off = calloc(j->qd, sizeof(*t->off));
    t->is_write = calloc(j->qd, 1);
    if (t->rc == 0 && (!t->t_issue || !t->off || !t->is_write))
        t->rc = err_set(&t->e, ERR_FAIL, "out of memory");
    if (t->rc < 0) atomic_store(t->stop, 1);
    pthread_mutex_lock(&t->start->m);
    t->start->ready++;
    pthread_cond_broadcast(&t->start->c);
    while (!t->start->go)
        pthread_cond_wait(&t->start->c, &t->start->m);
    pthread_mutex_unlock(&t->start->m);
    if (t->rc == 0 && !atomic_load(t->stop)) {
        t->t0 = util_now();
        t->end = biojob_is_seq(j) ? 0 : t->t0 + t->in->runtime;
        t->rc = thread_loop(t);
        t->t1 = util_now();
        if (t->rc < 0) atomic_store(t->stop, 1);
    }
    bioeng_close(t->eng);
    if (t->fd >= 0) close(t->fd);
    free(t->t_issue);
    free(t->off);
    free(t->is_write);
    return NULL;
}

/* Sums the threads into out as fio's group_reporting does; the first
 * failed thread's error into e. */
static int aggregate(struct bio_thread *t, unsigned n, struct biorun_out *out, struct err *e)
{
    for (unsigned i = 0; i < n; i++)
        if (t[i].rc < 0) {
            *e = t[i].e;
            return -1;
        }
    hist_init(&out->h);
    out->ios = 0;
    out->secs = 0;
    for (unsigned i = 0; i < n; i++) {
        out->ios += t[i].ios;
        if (t[i].t1 - t[i].t0 > out->secs) out->secs = t[i].t1 - t[i].t0;
        const struct hist *h = &t[i].h;
        if (!h->count) continue;
        for (unsigned b = 0; b < HIST_BUCKETS; b++)
            out->h.b[b] += h->b[b];
        if (!out->h.count || h->min_ns < out->h.min_ns) out->h.min_ns = h->min_ns;
        if (h->max_ns > out->h.max_ns) out->h.max_ns = h->max_ns;
        out->h.count += h->count;
        out->h.clamped += h->clamped;
        out->h.sum_ns += h->sum_ns;
    }
    if (!out->ios || out->secs <= 0)
        return err_set(e, ERR_FAIL, "blockio %s: no I/O completed", t[0].in->job->name);
    return 0;
}

int biorun_job(const struct biorun_in *in, struct biorun_out *out, struct err *e)
{
    const struct bio_job *j = in->job;
    unsigned n = j->numjobs, started = 0;
    struct bio_thread *t = calloc(n, sizeof(*t));
    pthread_t *tid = calloc(n, sizeof(*tid));
    struct gate start = {.m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER};
    atomic_int stop = 0;
    int rc = 0;
    if (!t || !tid) rc = err_set(e, ERR_FAIL, "out of memory");
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        t[i] = (struct bio_thread){.in = in,
                                   .start = &start,
                                   .stop = &stop,
                                   .fd = -1,
                                   .bufs = in->bufs + (size_t)i * j->qd * j->bs,
                                   .rng = 0x9E3779B97F4A7C15ull * (2 * i + 1) ^ (uint64_t)j->rw};
        hist_init(&t[i].h);
    }
    for (; rc == 0 && started < n; started++)
        if (pthread_create(&tid[started], NULL, thread_main, &t[started]) != 0) {
            rc = err_set(e, ERR_FAIL, "blockio %s: cannot start thread %u of %u", j->name,
                         started + 1, n);
            atomic_store(&stop, 1); /* the started ones end at once */
            break;
        }
    pthread_mutex_lock(&start.m); /* every started thread set up: go together */
    while (start.ready < started)
        pthread_cond_wait(&start.c, &start.m);
    start.go = 1;
    pthread_cond_broadcast(&start.c);
    pthread_mutex_unlock(&start.m);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (rc == 0) rc = aggregate(t, n, out, e);
    free(t);
    free(tid);
    return rc;
}
