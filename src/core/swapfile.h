/* swapfile.h - a swap file for one run (memory-pressure on a host with no
 * swap): journaled before it exists, turned off and removed on unwind. */
#ifndef ISOBENCH_SWAPFILE_H
#define ISOBENCH_SWAPFILE_H

#include <stdint.h>

#include "core/journal.h"

/* Makes path of bytes (allocated, no holes), mkswap's it and turns it on.
 * When the kernel or filesystem refuses (swapon's errno kept in e), the
 * file is removed again and -1 returned: the caller says so plainly. */
int swapfile_add(const char *path, uint64_t bytes, struct journal *j, struct err *e);

/* Pages swapped in and out and major faults so far (/proc/vmstat). */
int swapfile_vmstat(uint64_t *pswpin, uint64_t *pswpout, uint64_t *majflt);

#endif
