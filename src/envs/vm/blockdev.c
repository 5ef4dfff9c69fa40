#include "envs/vm/blockdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int vm_blockdev_mounted(const char *text, unsigned major, unsigned minor)
{
    char want[32];
    snprintf(want, sizeof(want), "%u:%u", major, minor);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char id[32];
        /* "36 35 98:0 /mnt1 /mnt2 rw,... - ext3 /dev/root rw": the 3rd field */
        if (sscanf(l, "%*s %*s %31s", id) == 1 && !strcmp(id, want)) return 1;
    }
    return 0;
}

/* The mountinfo text (malloc'd) or NULL. */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

/* A partition of dev (sysfs: /sys/dev/block/M:m/<name>/dev) mounted in mi:
 * its name into part. */
static int partition_mounted(unsigned major, unsigned minor, const char *mi, char *part, size_t len)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major, minor);
    DIR *d = opendir(dir);
    int found = 0;
    for (struct dirent *de; d && !found && (de = readdir(d));) {
        char path[400], num[32] = "";
        unsigned pm, pn;
        snprintf(path, sizeof(path), "%s/%s/partition", dir, de->d_name);
        if (de->d_name[0] == '.' || access(path, F_OK) != 0) continue;
        snprintf(path, sizeof(path), "%s/%s/dev", dir, de->d_name);
        FILE *f = fopen(path, "re");
        if (f && fgets(num, sizeof(num), f) && sscanf(num, "%u:%u", &pm, &pn) == 2 &&
            vm_blockdev_mounted(mi, pm, pn)) {
            snprintf(part, len, "%.*s", (int)(len > 1 ? len - 1 : 0), de->d_name);
            found = 1;
        }
        if (f) fclose(f);
    }
    if (d) closedir(d);
    return found;
}

int vm_blockdev_check(const char *path, const char *mountinfo, uint64_t *size, struct err *e)
{
    struct stat st;
    if (stat(path, &st) < 0) return err_sys(e, ERR_USAGE, errno, "disk=%s", path);
    if (!S_ISBLK(st.st_mode))
        return err_set(e, ERR_USAGE, "disk=%s is not a block device (a size, or a device)", path);
    unsigned ma = major(st.st_rdev), mi = minor(st.st_rdev);
    char *text = read_all(mountinfo);
    if (!text) return err_sys(e, ERR_FAIL, errno, "reading %s", mountinfo);
    char part[64] = "";
    int mounted = vm_blockdev_mounted(text, ma, mi),
        pmounted = !mounted && partition_mounted(ma, mi, text, part, sizeof(part));
    free(text);
    if (mounted) return err_set(e, ERR_USAGE, "disk=%s is mounted: refused", path);
    if (pmounted)
        return err_set(e, ERR_USAGE, "disk=%s has a mounted partition (%s): refused", path, part);
    /* an exclusive open fails while anyone else holds it (swap, LVM, md, a
     * filesystem), and takes nothing: it is closed at once */
    int fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
    if (fd < 0 && errno == EBUSY)
        return err_set(e, ERR_USAGE,
                       "disk=%s is in use (held by swap, LVM, md or a filesystem): "
                       "refused",
                       path);
    if (fd < 0) return err_sys(e, ERR_USAGE, errno, "disk=%s", path);
    uint64_t bytes = 0;
    int rc = ioctl(fd, BLKGETSIZE64, &bytes);
    close(fd);
    if (rc < 0) return err_sys(e, ERR_USAGE, errno, "disk=%s: its size", path);
    *size = bytes;
    return 0;
}
