#include "envs/ctr/tar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One 512-byte ustar header: type '5' directory, '2' symlink. */
static int tar_header(FILE *f, const char *name, char type, const char *link)
{
    unsigned char h[512];
    memset(h, 0, sizeof(h));
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0777);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011o", 0);
    snprintf((char *)h + 136, 12, "%011o", 0);
    memset(h + 148, ' ', 8);
    h[156] = (unsigned char)type;
    if (link) snprintf((char *)h + 157, 100, "%s", link);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    snprintf((char *)h + 265, 32, "root");
    snprintf((char *)h + 297, 32, "root");
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof(h); i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum); /* six digits, NUL, then the space kept */
    h[155] = ' ';
    return fwrite(h, 1, sizeof(h), f) == sizeof(h) ? 0 : -1;
}

int tar_write_base(const char *path, int *merged, struct err *e)
{
    static const char *const dirs[] = {"usr/", "etc/", "tmp/",  "data/", "proc/",    "sys/",
                                       "dev/", "run/", "root/", "var/",  "var/tmp/", NULL};
    static const char *const links[] = {"bin", "sbin", "lib", "lib64", NULL};
    char target[64];
    *merged = 1;
    for (int i = 0; links[i]; i++) {
        char host[16];
        snprintf(host, sizeof(host), "/%s", links[i]);
        ssize_t n = readlink(host, target, sizeof(target) - 1);
        if (n < 0 && errno == ENOENT) continue;
        if (n < 0 || strncmp(target, "usr/", 4) != 0) *merged = 0;
    }
    FILE *f = fopen(path, "we");
    if (!f) return err_sys(e, ERR_FAIL, errno, "%s", path);
    int rc = 0;
    for (int i = 0; rc == 0 && dirs[i]; i++)
        rc = tar_header(f, dirs[i], '5', NULL);
    for (int i = 0; rc == 0 && links[i]; i++) {
        char host[16];
        snprintf(host, sizeof(host), "/%s", links[i]);
        ssize_t n = readlink(host, target, sizeof(target) - 1);
        if (n < 0) {
            if (!*merged && access(host, F_OK) == 0) {
                char d[16];
                snprintf(d, sizeof(d), "%s/", links[i]);
                rc = tar_header(f, d, '5', NULL);
            }
            continue;
        }
        target[n] = '\0';
        rc = tar_header(f, links[i], '2', target);
    }
    static const char zero[1024];
    if (rc == 0 && fwrite(zero, 1, sizeof(zero), f) != sizeof(zero)) rc = -1;
    if (fclose(f) != 0) rc = -1;
    return rc < 0 ? err_set(e, ERR_FAIL, "writing %s: %s", path, strerror(errno)) : 0;
}
