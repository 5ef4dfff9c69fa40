/* tar.h - the smallest base image an engine can import (`docker import`):
 * a ustar archive of empty directories and of the host's merged-/usr
 * symlinks (bin -> usr/bin, ...). The userland itself comes from the host
 * at run time, bound read-only (/usr, /etc), so the container runs the
 * host's programs, as the podman driver's `--rootfs /:O` does. */
#ifndef ISOBENCH_TAR_H
#define ISOBENCH_TAR_H

#include "core/err.h"

/* Writes the archive to path. On a host without merged /usr, the
 * top-level bin, sbin, lib, lib64 are directories the driver binds too
 * (*merged = 0). */
int tar_write_base(const char *path, int *merged, struct err *e);

#endif
