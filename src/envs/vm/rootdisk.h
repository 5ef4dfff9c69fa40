/* rootdisk.h - the guest's root disk for vm:image=NAME (see rootdisk.c). */
#ifndef ISOBENCH_ROOTDISK_H
#define ISOBENCH_ROOTDISK_H

#include <stddef.h>

#include "envs/env.h"

/* Resolves image (a name from `isobench image build`, or a rootfs
 * directory) into rootfs and writes /var/tmp/isobench-<run>-<idx>-root.raw
 * (journaled first): an ext4 file system holding the image's tree, a
 * quarter larger, plus 256 MiB. */
int vm_root_disk(const char *image, struct env_ctx *ctx, char *disk, size_t len, char *rootfs,
                 size_t rlen, struct err *e);

#endif
