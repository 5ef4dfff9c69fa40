#include "envs/ctr/rootfs.h"

#include "core/util.h"
#include "envs/ctr/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
                    const char *data, struct err *e)
{
    if (mount(src, dst, type, flags, data) < 0)
        return err_sys(e, ERR_FAIL, errno, "mount %s on %s (%s)", src ? src : "-", dst,
                       type ? type : "bind");
    return 0;
}

/* openat2 with RESOLVE_IN_ROOT: every symlink on the way, absolute ones
 * included, is resolved as if dirfd were "/" - never outside it. */
static int open_in_root(int rootfd, const char *rel)
{
    struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

/* An O_PATH fd of root/dst for a mount target, resolved inside root: an
 * image's symlinks (a /data or /.isobench/isobench pointing at a host
 * path) are followed as if root were "/", so a mount can never land
 * outside the container's tree. What is missing is made: directories on
 * the way, and dst itself as a directory (dir) or an empty file. Fails when
 * a component cannot be made inside root (a dangling link, a file where a
 * directory is needed) or dst is of the other kind. Returns the fd or -1. */
static int root_open(const char *root, const char *dst, int dir, struct err *e)
{
    int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0) return err_sys(e, ERR_FAIL, errno, "open %s", root);
    char rel[512];
    if ((size_t)snprintf(rel, sizeof(rel), "%s", dst + strspn(dst, "/")) >= sizeof(rel)) {
        close(rfd);
        return err_set(e, ERR_FAIL, "mount target %s: too long", dst);
    }
    int fd = -1, pfd = fcntl(rfd, F_DUPFD_CLOEXEC, 0);
    if (pfd < 0) {
        close(rfd);
        return err_sys(e, ERR_FAIL, errno, "dup");
    }
    for (char *p = rel; pfd >= 0;) {
        char *slash = strchr(p, '/');
        if (slash) *slash = '\0';
        fd = open_in_root(rfd, rel);
        if (fd < 0 && errno == ENOENT) { /* make it in its resolved parent */
            int leaf = !slash;
            int r = leaf && !dir
                        ? openat(pfd, p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)
                        : mkdirat(pfd, p, 0755);
            if (r >= 0 && leaf && !dir) close(r);
            fd = open_in_root(rfd, rel);
        }
        if (fd < 0) {
            err_sys(e, ERR_FAIL, errno,
                    "mount target %s: refused, it cannot be made inside the container's root "
                    "(a symlink in the image leading out of it or nowhere?)",
                    dst);
            break;
        }
        close(pfd);
        pfd = -1;
        if (!slash) break;
        *slash = '/';
        p = slash + 1;
        pfd = fd;
        fd = -1;
    }
    if (pfd >= 0) close(pfd);
    close(rfd);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || dir != !!S_ISDIR(st.st_mode)) {
        close(fd);
        return err_set(e, ERR_FAIL, "mount target %s: the image has a %s there", dst,
                       dir ? "file" : "directory");
    }
    return fd;
}

/* The real path of root/dst (root_open's, no symlink left in it) into out. */
static int root_path(const char *root, const char *dst, int dir, char *out, size_t len,
                     struct err *e)
{
    int fd = root_open(root, dst, dir, e);
    if (fd < 0) return -1;
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, len - 1);
    close(fd);
    if (n <= 0 || (size_t)n >= len - 1)
        return err_set(e, ERR_FAIL, "mount target %s: its path is unreadable or too long", dst);
    out[n] = '\0';
    return 0;
}

/* Makes the mount at path and every mount below it read-only, nosuid.
 * A bind remount (MS_REMOUNT|MS_RDONLY) changes the top mount only: what
 * was mounted under a recursive bind (/sys/fs/cgroup under /sys) would
 * stay writable. mount_setattr(AT_RECURSIVE) takes the whole tree. */
static int ro_tree(const char *path, struct err *e)
{
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID};
    if (mount_setattr(AT_FDCWD, path, AT_RECURSIVE, &a, sizeof(a)) < 0)
        return err_sys(e, ERR_FAIL, errno, "making %s read-only (mount_setattr)", path);
    return 0;
}

/* Binds a host file or dir at root/dst, read-only (the whole tree) when ro. */
static int bind_in(const char *src, const char *root, const char *dst, int ro, struct err *e)
{
    char target[1024];
    struct stat st;
    if (stat(src, &st) < 0) return err_sys(e, ERR_FAIL, errno, "bind source %s", src);
    if (root_path(root, dst, S_ISDIR(st.st_mode), target, sizeof(target), e) < 0) return -1;
    if (do_mount(src, target, NULL, MS_BIND | MS_REC, NULL, e) < 0) return -1;
    return ro ? ro_tree(target, e) : 0;
}

static int setup_dev(const char *root, struct err *e)
{
    char dev[1024];
    if (root_path(root, "/dev", 1, dev, sizeof(dev), e) < 0) return -1;
    if (do_mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", e) < 0)
        return -1;
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        char src[64], dst[64];
        snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
        snprintf(dst, sizeof(dst), "/dev/%s", nodes[i]);
        if (bind_in(src, root, dst, 0, e) < 0) return -1;
    }
    char shm[1200];
    snprintf(shm, sizeof(shm), "%s/shm", dev);
    if (mkdir(shm, 01777) < 0 || do_mount("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                          "mode=1777,size=65536k", e) < 0)
        return e->msg[0] ? -1 : err_sys(e, ERR_FAIL, errno, "mkdir %s", shm);
    static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                           {"/proc/self/fd/0", "stdin"},
                                           {"/proc/self/fd/1", "stdout"},
                                           {"/proc/self/fd/2", "stderr"}};
    for (size_t i = 0; i < 4; i++) {
        char l[1200];
        snprintf(l, sizeof(l), "%s/%s", dev, links[i][1]);
        if (symlink(links[i][0], l) < 0) return err_sys(e, ERR_FAIL, errno, "symlink %s", l);
    }
    return 0;
}

static int pivot(const char *root, struct err *e)
{
    char old[1100];
    snprintf(old, sizeof(old), "%s/.oldroot", root);
    if (mkdir(old, 0700) < 0 && errno != EEXIST)
        return err_sys(e, ERR_FAIL, errno, "mkdir %s", old);
    if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".oldroot") < 0)
        return err_sys(e, ERR_FAIL, errno, "pivot_root to %s", root);
    if (chdir("/") < 0 || umount2("/.oldroot", MNT_DETACH) < 0)
        return err_sys(e, ERR_FAIL, errno, "detaching the old root");
    rmdir("/.oldroot");
    return 0;
}

/* Docker's masked and read-only paths (after pivot_root): confine.h's. */
static int mask_paths(struct err *e)
{
    for (const char *const *p = sandbox_masked_files; *p; p++)
        if (access(*p, F_OK) == 0 && do_mount("/dev/null", *p, NULL, MS_BIND, NULL, e) < 0)
            return -1;
    for (const char *const *p = sandbox_masked_dirs; *p; p++)
        if (access(*p, F_OK) == 0 && do_mount("tmpfs", *p, "tmpfs", MS_RDONLY, "size=0", e) < 0)
            return -1;
    for (const char *const *p = sandbox_readonly; *p; p++) {
        if (access(*p, F_OK) != 0) continue;
        if (do_mount(*p, *p, NULL, MS_BIND | MS_REC, NULL, e) < 0 || ro_tree(*p, e) < 0) return -1;
    }
    return 0;
}

int rootfs_overlay(const char *state, const char *lower, const char *extra, char *merged,
                   size_t len, struct journal *j, struct err *e)
{
    /* upper/work on a tmpfs: overlayfs refuses an upper dir inside its lower
     * layer's filesystem when the lower is the host root. */
    if (j && journal_add(j, "mount", state, e) < 0) return -1; /* write-ahead */
    if (do_mount("isobench", state, "tmpfs", 0, "mode=700", e) < 0) return -1;
    char upper[1024], work[1024], opts[3200];
    snprintf(upper, sizeof(upper), "%s/upper", state);
    snprintf(work, sizeof(work), "%s/work", state);
    snprintf(merged, len, "%s/merged", state);
    if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0 || mkdir(merged, 0755) < 0)
        return err_sys(e, ERR_FAIL, errno, "mkdir in %s", state);
    snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s%s", lower, upper, work,
             extra ? extra : "");
    if (j && journal_add(j, "mount", merged, e) < 0) return -1;
    if (do_mount("isobench", merged, "overlay", 0, opts, e) < 0) return -1;
    return 0;
}

int rootfs_data_overlay(const char *dir, const char *root, const char *dst, const char *extra,
                        struct journal *j, struct err *e)
{
    char sub[3][1100], opts[3400];
    static const char *const names[] = {"lower", "upper", "work"};
    for (int i = 0; i < 3; i++) {
        snprintf(sub[i], sizeof(sub[i]), "%s/%s", dir, names[i]);
        if (mkdir(sub[i], 0755) < 0 && errno != EEXIST)
            return err_sys(e, ERR_FAIL, errno, "mkdir %s", sub[i]);
    }
    snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s%s", sub[0], sub[1], sub[2],
             extra ? extra : "");
    /* The target is resolved inside root and mounted on through its fd
     * (/proc/self/fd/N names that very directory): a symlink the image put
     * at dst, or on the way, can never send the mount out of root. */
    int fd = root_open(root, dst, 1, e);
    if (fd < 0) return -1;
    char link[64], target[1024];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    int rc = 0;
    if (n <= 0 || (size_t)n >= sizeof(target) - 1)
        rc = err_set(e, ERR_FAIL, "mount target %s: its path is unreadable or too long", dst);
    else
        target[n] = '\0';
    if (rc == 0 && j) rc = journal_add(j, "mount", target, e); /* write-ahead */
    if (rc == 0) rc = do_mount("isobench", link, "overlay", MS_NODEV | MS_NOSUID, opts, e);
    close(fd);
    return rc;
}

/* A read-only view of the container's own cgroups at sys/fs/cgroup, as
 * Docker mounts one: the child has unshared its cgroup namespace, so each
 * hierarchy's root is the container's cgroup and nothing above it is
 * seen. Pure v2: cgroup2. v1 (hybrid): a tmpfs holding one mount per
 * hierarchy this process is in (/proc/self/cgroup's controller lists, as
 * the host combines them: cpu,cpuacct), then made read-only. What the
 * kernel refuses (a v1 hierarchy from a user namespace: EPERM) is left
 * out, and an empty tmpfs hides whatever a bound host /sys showed there:
 * the agent's sandbox.cgroup fact then says none. A workload sizing
 * itself from its quota (sizing=cgroup) reads it here. */
static int cgroup_view_mount(const char *sys, struct err *e)
{
    char cg[1100], pc[2048];
    unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (snprintf(cg, sizeof(cg), "%s/fs/cgroup", sys) >= (int)sizeof(cg))
        return err_set(e, ERR_FAIL, "cgroup view: path too long");
    if (util_read_file("/proc/self/cgroup", pc, sizeof(pc)) < 0)
        return err_sys(e, ERR_FAIL, errno, "cgroup view: /proc/self/cgroup");
    int v1 = 0;
    for (const char *l = pc; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        v1 |= strncmp(l, "0::", 3) != 0;
    if (!v1 && mount("cgroup2", cg, "cgroup2", ro, NULL) == 0) return 0;
    if (do_mount("tmpfs", cg, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k", e) <
        0)
        return -1;
    char *save = NULL;
    for (char *l = strtok_r(pc, "\n", &save); v1 && l; l = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2 == c1 + 1 || !strncmp(c1 + 1, "name=", 5)) continue;
        *c2 = '\0';
        char dir[1200];
        if (snprintf(dir, sizeof(dir), "%s/%s", cg, c1 + 1) >= (int)sizeof(dir))
            return err_set(e, ERR_FAIL, "cgroup view: path too long");
        if (mkdir(dir, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "cgroup view: mkdir %s", dir);
        if (mount("cgroup", dir, "cgroup", ro, c1 + 1) < 0 && errno != EPERM)
            return err_sys(e, ERR_FAIL, errno, "cgroup view: mount %s", c1 + 1);
    }
    return do_mount(NULL, cg, NULL, MS_REMOUNT | ro, NULL, e);
}

int rootfs_setup(const struct rootfs_spec *r, struct err *e)
{
    if (do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, e) < 0) return -1;
    char merged[1024];
    const char *extra = r->userns ? ",userxattr" : NULL;
    if (rootfs_overlay(r->state, r->lower, extra, merged, sizeof(merged), NULL, e) < 0) return -1;
    if (r->volume) {
        if (bind_in(r->volume, merged, "/data", 0, e) < 0) return -1;
    } else {
        char data[1024];
        if (!r->data_ovl && root_path(merged, "/data", 1, data, sizeof(data), e) < 0) return -1;
        if (r->data_ovl && rootfs_data_overlay(r->data_ovl, merged, "/data", extra, NULL, e) < 0)
            return -1;
    }
    if (bind_in(r->self, merged, ROOTFS_AGENT, 1, e) < 0) return -1;
    char proc[1024], sys[1024];
    if (root_path(merged, "/proc", 1, proc, sizeof(proc), e) < 0 ||
        root_path(merged, "/sys", 1, sys, sizeof(sys), e) < 0)
        return -1;
    if (do_mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e) < 0) return -1;
    if (setup_dev(merged, e) < 0) return -1;
    /* A fresh read-only sysfs, as runc: with net=host too (it then shows
     * the host's network devices, read-only), which needs CAP_SYS_ADMIN
     * over the host netns - a user namespace lacks it, and gets the host's
     * /sys bound with every mount under it (cgroups) read-only instead.
     * Then a read-only view of the container's own cgroups, as Docker's. */
    unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (mount("sysfs", sys, "sysfs", ro, NULL) < 0) {
        if (r->own_netns || (errno != EPERM && errno != EACCES))
            return err_sys(e, ERR_FAIL, errno, "mount sysfs on %s", sys);
        if (bind_in("/sys", merged, "/sys", 1, e) < 0) return -1;
    }
    if (cgroup_view_mount(sys, e) < 0) return -1;
    if (pivot(merged, e) < 0) return -1;
    return mask_paths(e);
}

int rootfs_check_image(const char *dir, struct err *e)
{
    char p[1100];
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return err_set(e, ERR_USAGE, "image %s is not a directory", dir);
    snprintf(p, sizeof(p), "%s/etc", dir);
    int has_etc = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(p, sizeof(p), "%s/bin/sh", dir);
    int has_sh = access(p, F_OK) == 0;
    snprintf(p, sizeof(p), "%s/usr/bin/sh", dir);
    has_sh |= access(p, F_OK) == 0;
    if (!has_etc || !has_sh)
        return err_set(e, ERR_USAGE, "image %s is not a root filesystem (no etc/ or bin/sh)", dir);
    return 0;
}
