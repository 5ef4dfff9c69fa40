/* biojobs.h - blockio's job list: fio job shapes (rw, bs, iodepth,
 * numjobs, rwmixread) from "JOB[@QD[xN]]" items, and the paper's fio job
 * file (thewmf/kvm-docker-comparison, fio/test.fio) as the default list.
 * Pure: no I/O, no globals; unit-tested in tests/unit/test_blockio.c. */
#ifndef ISOBENCH_BIOJOBS_H
#define ISOBENCH_BIOJOBS_H

#include <stddef.h>

#include "core/err.h"

enum bio_rw { BIO_SEQREAD, BIO_SEQWRITE, BIO_RANDREAD, BIO_RANDWRITE, BIO_RANDRW, BIO_RW_N };

#define BIO_SEQ_BS (1u << 20) /* the paper's sequential block: 1 MiB */
#define BIO_RAND_BS 4096u     /* its random block: 4 KiB */
#define BIOJOBS_MAX 16        /* jobs in one list */
#define BIOJOBS_MAX_N 64      /* threads of one job */
#define BIOJOBS_MAX_QD 4096u  /* I/Os in flight per thread */

/* The paper's fio job file, its jobs in its order: the sequential fill
 * (1 MiB writes at QD 16), 1 MiB reads at QD 1 and 2, 4 KiB random writes
 * then reads at QD 16 in 1 and in 8 jobs, the 70/30 mix at QD 32 in 8. */
#define BIOJOBS_PAPER                                                                              \
    "seqwrite@16,seqread@1,seqread@2,randwrite@16,randwrite@16x8,randread@16,randread@16x8,"       \
    "randrw@32x8"
#define BIOJOBS_NAMES "seqread, seqwrite, randread, randwrite, randrw"

struct bio_job {
    int rw;             /* enum bio_rw */
    unsigned bs;        /* bytes per I/O */
    unsigned qd;        /* I/Os in flight per thread (fio's iodepth) */
    unsigned numjobs;   /* threads on the same file, each with qd of its own (fio's numjobs) */
    unsigned rwmixread; /* % reads: 100 for a read job, 0 for a write job */
    char name[24];      /* its metrics' prefix: randread, randread_qd16, randread_qd16x8 */
};

/* Parses list ("randread@16x8,seqread"): JOB alone runs at queue depth
 * dqd in one thread and names its metrics JOB_*; JOB@QD at QD (JOB_qdQD_*),
 * JOB@QDxN in N threads (JOB_qdQDxN_*). randrw reads rwmixread % of its
 * I/Os. Fills out[] (max entries), returns how many; ERR_USAGE naming the
 * item on an unknown job, a depth outside 1..4096, N outside 1..64, a job
 * listed twice, an empty or too long list. */
int biojobs_parse(const char *list, unsigned dqd, unsigned rwmixread, struct bio_job *out, int max,
                  struct err *e);

/* 1 for the sequential jobs (a pass over the file), 0 for the random ones. */
int biojob_is_seq(const struct bio_job *j);

/* j's shape in fio's words: "rw=randrw rwmixread=70 bs=4k iodepth=32
 * numjobs=8". */
void biojob_shape(const struct bio_job *j, char *buf, size_t len);

#endif
