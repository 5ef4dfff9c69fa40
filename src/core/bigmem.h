/* bigmem.h - the big arrays of stream, randomaccess and linpack:
 * anonymous mappings aligned to 2 MiB, on transparent huge pages when asked
 * (as the paper ran STREAM and RandomAccess on large pages) or held on base
 * pages even where THP is "always". What the kernel actually gave is
 * measured afterwards from /proc/self/smaps, never assumed. */
#ifndef ISOBENCH_BIGMEM_H
#define ISOBENCH_BIGMEM_H

#include <stddef.h>

#include "core/err.h"
#include "core/util.h"

#define BIGMEM_ALIGN ((size_t)2 << 20)

struct bigmem {
    void *p;
    size_t len; /* mapped bytes: the request rounded up to BIGMEM_ALIGN */
};

/* Maps bytes (> 0) of zero-filled memory into *m, aligned to BIGMEM_ALIGN,
 * advised MADV_HUGEPAGE (huge) or MADV_NOHUGEPAGE. Pages are not touched:
 * the caller's first touch decides where they live. Returns 0, or -1 with
 * *m empty. The caller owns the mapping and releases it with bigmem_free. */
int bigmem_alloc(struct bigmem *m, size_t bytes, int huge);
/* Unmaps *m and empties it; harmless on an empty one. */
void bigmem_free(struct bigmem *m);
#define cleanup_bigmem __attribute__((cleanup(bigmem_free)))

/* Fraction (0..1) of the n mappings' bytes the kernel backs with huge
 * pages now (smaps AnonHugePages), or -1 if /proc/self/smaps is unreadable.
 * Touch the pages first. */
double bigmem_huge_share(const struct bigmem *m, size_t n);

/* Sets key to share as "0.97", or "unknown" when share < 0. */
void bigmem_fact(struct kvlist *facts, const char *key, double share);

/* The THP mode in force ("always", "madvise", "never") into buf, or
 * "absent" when the kernel has no THP. */
void bigmem_thp_mode(char *buf, size_t len);

#endif
