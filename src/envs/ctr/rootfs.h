/* rootfs.h - runs inside the container's new mount namespace (the child of
 * clone3), so every mount it makes dies with the namespace and none is
 * visible on the host. Builds the root: tmpfs for the overlay's upper and
 * work dirs, overlayfs over the image (the host's own root by default),
 * /data (a bind of a host volume, or a plain directory in the overlay),
 * the isobench binary bound read-only at /.isobench/isobench, /proc, a
 * minimal /dev, read-only /sys; then pivot_root and Docker's masked and
 * read-only /proc paths. */
#ifndef ISOBENCH_ROOTFS_H
#define ISOBENCH_ROOTFS_H

#include <stddef.h>

#include "core/err.h"
#include "core/journal.h"

struct rootfs_spec {
    const char *state;    /* host dir for upper/work/merged (empty, ours) */
    const char *lower;    /* image root: "/" or a rootfs directory */
    const char *volume;   /* host dir bound at /data (storage=volume), or NULL */
    const char *data_ovl; /* storage=overlay: host dir for /data's overlay layers */
    const char *self;     /* the isobench binary to bind in */
    int own_netns;        /* sysfs can be mounted fresh */
    int userns;           /* in a user namespace: overlays use user.* xattrs (userxattr) */
};

#define ROOTFS_AGENT "/.isobench/isobench"

int rootfs_setup(const struct rootfs_spec *r, struct err *e);

/* Mounts a tmpfs on state and an overlay of lower (upper and work in that
 * tmpfs) on state/merged, writing its path to merged. With j (host mount
 * namespace) each mount is journaled as it exists; without (a private
 * namespace) nothing is. */
int rootfs_overlay(const char *state, const char *lower, const char *extra, char *merged,
                   size_t len, struct journal *j, struct err *e);

/* storage=overlay's /data: an overlayfs (nodev, nosuid) on root/dst, dst
 * resolved inside root (RESOLVE_IN_ROOT: an image's symlinks never lead
 * out) and mounted on through its fd, whose lower, upper and work dirs are
 * made in dir (on the host's disk, so O_DIRECT and real write-back behave
 * as in Docker's overlay2 upper layer, not a tmpfs). With j the mount is
 * journaled first (host mount namespace). */
int rootfs_data_overlay(const char *dir, const char *root, const char *dst, const char *extra,
                        struct journal *j, struct err *e);

/* Checks that dir looks like a root filesystem (etc/ and a shell). */
int rootfs_check_image(const char *dir, struct err *e);

/* Docker's default confinement: bounding set cut to Docker's default
 * capabilities, no_new_privs, and a seccomp filter returning EPERM for the
 * syscalls Docker's default profile blocks. Call last before exec. */
int security_apply(struct err *e);

#endif
