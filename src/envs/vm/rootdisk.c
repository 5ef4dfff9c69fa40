/* rootdisk.c - vm:image=NAME: the guest's userland is an image built by
 * `isobench image build` (the same one container:image=NAME runs on), on
 * a raw ext4 disk made from the image's tree by `mke2fs -d` (no loop
 * mount), one per run and environment, journaled. The guest's init
 * mounts it and moves into it (guest.c), so the workloads run the image's
 * programs and libraries. */
#include "envs/vm/rootdisk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "envs/ctr/rootfs.h"
#include "envs/lib/image.h"

int vm_root_disk(const char *image, struct env_ctx *ctx, char *disk, size_t len, char *rootfs,
                 size_t rlen, struct err *e)
{
    if (strchr(image, '/'))
        snprintf(rootfs, rlen, "%s", image);
    else if (image_path(image, rootfs, rlen, e) < 0)
        return -1;
    if (rootfs_check_image(rootfs, e) < 0) return -1;
    uint64_t bytes, inodes;
    if (image_tree_bytes(rootfs, &bytes, &inodes) < 0)
        return err_sys(e, ERR_FAIL, errno, "reading image %s", rootfs);
    bytes += inodes * 4096; /* an inode's worth each */
    uint64_t size = bytes + bytes / 4 + (256ull << 20);
    snprintf(disk, len, "/var/tmp/isobench-%s-root.raw", env_inst(ctx));
    if (journal_add(ctx->rq->journal, "file", disk, e) < 0) return -1;
    int fd = open(disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        if (fd >= 0) close(fd);
        return err_sys(e, ERR_FAIL, errno, "creating %s", disk);
    }
    close(fd);
    char out[400] = "";
    char *const argv[] = {"/usr/sbin/mke2fs", "-q", "-F", "-t", "ext4", "-d", rootfs, disk, NULL};
    const struct proc_opts po = {.with_stderr = 1};
    int st = proc_run(argv, &po, out, sizeof(out), NULL, e);
    if (st < 0) return err_wrap(e, "making the root disk");
    out[strcspn(out, "\n")] = '\0';
    if (st != 0)
        return err_set(e, ERR_FAIL, "mke2fs -d %s failed: %s (apt-get install e2fsprogs)", rootfs,
                       out);
    char v[32];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)size);
    kv_set(&ctx->info.facts, "root_disk_bytes", v, NULL);
    return 0;
}
