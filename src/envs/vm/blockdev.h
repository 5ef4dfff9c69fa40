/* blockdev.h - vm:disk=DEVICE: a whole block device the user names as the
 * guest's data disk, as the paper passed one (virtio-blk, cache=none,
 * aio=native) instead of a raw file on the host's filesystem. isobench
 * formats it (ext4): it refuses a device that is mounted, has a mounted
 * or held partition, or that another user holds (an exclusive open fails:
 * swap, LVM, md, a filesystem), each with the reason, at plan time. */
#ifndef ISOBENCH_VM_BLOCKDEV_H
#define ISOBENCH_VM_BLOCKDEV_H

#include <stdint.h>

#include "core/err.h"

/* ERR_USAGE with the reason unless path is a block device free for
 * isobench to take; its size in bytes into *size. mountinfo: the
 * mountinfo file to search (/proc/self/mountinfo; tests pass their own). */
int vm_blockdev_check(const char *path, const char *mountinfo, uint64_t *size, struct err *e);

/* 1 when mountinfo (its text) mounts device major:minor. */
int vm_blockdev_mounted(const char *mountinfo, unsigned major, unsigned minor);

#endif
