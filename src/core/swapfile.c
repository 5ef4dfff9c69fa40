/* swapfile.c - see swapfile.h. */
#include "core/swapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"

int swapfile_add(const char *path, uint64_t bytes, struct journal *j, struct err *e)
{
    if (journal_require(j, e) < 0) return err_wrap(e, "a swap file");
    if (journal_add(j, "swap", path, e) < 0) return -1; /* write-ahead */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "swap file %s", path);
    int pe = posix_fallocate(fd, 0, (off_t)bytes);
    if (close(fd) < 0 && pe == 0) pe = errno;
    if (pe) {
        unlink(path);
        return err_sys(e, ERR_FAIL, pe, "allocating the swap file %s", path);
    }
    char *argv[] = {"mkswap", (char *)path, NULL};
    char out[512];
    struct proc_opts po = {.timeout_s = 60, .with_stderr = 1};
    int st = proc_run(argv, &po, out, sizeof(out), NULL, e);
    if (st != 0) {
        unlink(path);
        if (st > 0) err_set(e, ERR_FAIL, "mkswap %s exited with %d: %.200s", path, st, out);
        return -1;
    }
    if (swapon(path, 0) < 0) {
        int er = errno;
        unlink(path);
        return err_sys(e, ERR_FAIL, er, "the kernel refused swapon(%s)", path);
    }
    return 0;
}

int swapfile_vmstat(uint64_t *pswpin, uint64_t *pswpout, uint64_t *majflt)
{
    char *buf cleanup_free = malloc(16384);
    if (!buf || util_read_file("/proc/vmstat", buf, 16384) < 0) return -1;
    int seen = 0;
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char key[64];
        unsigned long long v;
        if (sscanf(l, "%63s %llu", key, &v) != 2) continue;
        if (!strcmp(key, "pswpin")) *pswpin = v, seen |= 1;
        if (!strcmp(key, "pswpout")) *pswpout = v, seen |= 2;
        if (!strcmp(key, "pgmajfault")) *majflt = v, seen |= 4;
    }
    return seen == 7 ? 0 : -1;
}
