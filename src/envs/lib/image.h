/* image.h - root filesystem images built by isobench (`isobench image
 * build|list|rm`), the paper's "same userland in the container and the
 * VM": a Debian minbase of the host's own release made by debootstrap from
 * the host's own apt mirror, plus the packages that carry isobench's own
 * shared libraries (found from its ldd closure with dpkg -S, so the agent
 * runs inside) and the workloads' servers (redis-server, mariadb-server by
 * default). Images live in <root>/<name>/rootfs with an `info` file;
 * <root> is /var/lib/isobench/images (ISOBENCH_IMAGE_DIR overrides). A
 * build goes to <root>/.<name>.partial under an undo journal and is
 * renamed when complete: a killed build leaves nothing `isobench cleanup`
 * does not remove. The image's /etc/isobench-image names it, and the agent
 * reports it as the `image` fact. */
#ifndef ISOBENCH_IMAGE_H
#define ISOBENCH_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define IMAGE_DEFAULT_PACKAGES "redis-server,mariadb-server,liblapacke,libopenblas0"

const char *image_root(void);

/* A valid image name: 1..32 of [a-z0-9._-], not starting with a dot. */
int image_name_ok(const char *name);

/* The rootfs directory of image name (ERR_USAGE when there is none). */
int image_path(const char *name, char *out, size_t len, struct err *e);

/* ERR_USAGE unless name is valid and no image has it yet. */
int image_check_new(const char *name, struct err *e);

/* Builds image name. packages: comma list added to the agent's own, or
 * "none"; mirror/suite NULL: the host's. log receives debootstrap's
 * output path (kept next to the images when the build fails, inside the
 * image when it succeeds). ERR_USAGE for a bad or taken name, ERR_FAIL with the
 * log's tail when debootstrap fails. */
int image_build(const char *name, const char *packages, const char *mirror, const char *suite,
                char *log, size_t loglen, struct err *e);

struct image_info {
    char name[40];
    char created[32];
    char suite[32];
    char packages[512];
    uint64_t bytes;
};

/* Every image, sorted by name; *n set. Caller frees *out. */
int image_list(struct image_info **out, int *n, struct err *e);

/* Disk use of the tree under dir (st_blocks, no other file systems) and
 * its number of files (inodes may be NULL). */
int image_tree_bytes(const char *dir, uint64_t *bytes, uint64_t *inodes);

/* Removes image name (ERR_USAGE if there is none). */
int image_rm(const char *name, struct err *e);

#endif
