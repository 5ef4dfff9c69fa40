/* biorun.h - one blockio job run as fio runs a job with numjobs: N
 * threads on the same file, each with its own descriptor, engine and
 * queue depth, started together; results aggregated as fio's
 * group_reporting does (the I/Os of all threads over the longest thread's
 * time; the latency of every I/O in one histogram). */
#ifndef ISOBENCH_BIORUN_H
#define ISOBENCH_BIORUN_H

#include <stdint.h>

#include "core/err.h"
#include "core/hist.h"
#include "workloads/lib/biojobs.h"

struct biorun_in {
    const struct bio_job *job;
    const char *path; /* the filled test file */
    uint64_t size;    /* its bytes: a sequential thread's one pass, a random one's cap */
    double runtime;   /* a random thread's seconds (fio's runtime) */
    int engine;       /* BIOENG_* */
    char *bufs;       /* job->numjobs x job->qd x job->bs bytes, aligned for O_DIRECT */
};

struct biorun_out {
    uint64_t ios;  /* I/Os done by all threads */
    double secs;   /* the longest thread's time from the common start to its last I/O */
    struct hist h; /* every I/O's latency, issue to completion */
};

/* Runs in->job: a sequential thread reads or writes the whole file once
 * from offset 0, in->job->bs at a time; a random thread does
 * job->bs-aligned I/Os at uniformly random offsets (randrw: rwmixread %
 * reads) until in->runtime has passed or it has moved in->size bytes.
 * Writes stamp every 4 KiB block with its number, reads check it (ERR_FAIL
 * on a mismatch: data corrupt). ERR_FAIL when a thread cannot open the
 * file or its engine (the engine's reason), or an I/O fails. */
int biorun_job(const struct biorun_in *in, struct biorun_out *out, struct err *e);

/* Stamps each 4 KiB block of buf (len bytes at file offset off) with its
 * block number. */
void biorun_stamp(char *buf, size_t len, uint64_t off);

#endif
