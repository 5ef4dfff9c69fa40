/* workloads_internal.h - functions of workload plug-ins exported only for
 * their unit tests (tests/unit/test_workloads.c); no other module calls
 * them. */
#ifndef ISOBENCH_WORKLOADS_INTERNAL_H
#define ISOBENCH_WORKLOADS_INTERNAL_H

#include <stdint.h>

/* randomaccess: HPCC's starting value of the update stream at n. */
uint64_t ra_starts(int64_t n);
/* randomaccess: the whole update stream (nupdate updates, a multiple of
 * threads x 128) applied to one shared table with threads. */
void ra_update(uint64_t *table, uint64_t size, uint64_t nupdate, int threads, int prefetch);
/* compress: the block size that gives whole rounds of equal blocks, one
 * per thread, none larger than xzb. */
uint64_t compress_balanced_block(uint64_t size, uint64_t threads, uint64_t xzb);

#endif
