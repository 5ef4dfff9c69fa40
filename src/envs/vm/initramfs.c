#include "envs/vm/initramfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"

#define CPIO_MAX_DIRS 512
#define CPIO_MAX_FILES 8192 /* WordPress alone brings 2,700 */

struct cpio {
    FILE *f;
    unsigned ino;
    char dirs[CPIO_MAX_DIRS][256];
    int ndirs;
    char (*files)[256]; /* every file added, so a library goes in once */
    int nfiles;
};

static int cpio_pad(FILE *f)
{
    long pos = ftell(f);
    while (pos % 4) {
        if (fputc(0, f) == EOF) return -1;
        pos++;
    }
    return 0;
}

/* One newc entry: header, name, padding, data, padding. */
static int cpio_entry(struct cpio *c, const char *name, unsigned mode, const void *data, size_t len)
{
    const char *n = name[0] == '/' ? name + 1 : name;
    if (fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++c->ino, mode,
                0, 0, 1, 0, (unsigned)len, 0, 0, 0, 0, (unsigned)strlen(n) + 1, 0) < 0 ||
        fwrite(n, 1, strlen(n) + 1, c->f) != strlen(n) + 1 || cpio_pad(c->f) < 0 ||
        (len && fwrite(data, 1, len, c->f) != len) || cpio_pad(c->f) < 0)
        return -1;
    return 0;
}

/* Every parent directory of path, once. */
static int cpio_dirs(struct cpio *c, const char *path)
{
    char d[256];
    for (const char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        snprintf(d, sizeof(d), "%.*s", (int)(p - path), path);
        int seen = 0;
        for (int i = 0; i < c->ndirs && !seen; i++)
            seen = !strcmp(c->dirs[i], d);
        if (seen) continue;
        if (c->ndirs < CPIO_MAX_DIRS) snprintf(c->dirs[c->ndirs++], sizeof(c->dirs[0]), "%s", d);
        if (cpio_entry(c, d, 040755, NULL, 0) < 0) return -1;
    }
    return 0;
}

/* Copies host file src (symlinks followed) into the archive as dst. */
static int cpio_file(struct cpio *c, const char *src, const char *dst, unsigned mode, struct err *e)
{
    for (int i = 0; i < c->nfiles; i++)
        if (!strcmp(c->files[i], dst)) return 0;
    if (c->nfiles < CPIO_MAX_FILES) snprintf(c->files[c->nfiles++], 256, "%s", dst);
    int fd cleanup_close = open(src, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) return err_sys(e, ERR_FAIL, errno, "initramfs: %s", src);
    char *buf cleanup_free = malloc((size_t)st.st_size + 1);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0) return err_set(e, ERR_FAIL, "initramfs: reading %s", src);
        got += (size_t)n;
    }
    if (cpio_dirs(c, dst) < 0 || cpio_entry(c, dst, 0100000 | mode, buf, got) < 0)
        return err_sys(e, ERR_FAIL, errno, "initramfs: writing");
    return 0;
}

/* The shared-library closure of self, as ldd prints it: each library goes
 * in at the path ldd names (where the loader will look for it). */
struct lib_add {
    struct cpio *c;
    struct err *e;
};

static int add_lib(void *arg, const char *path)
{
    struct lib_add *a = arg;
    return cpio_file(a->c, path, path, 0755, a->e);
}

static int add_libs(struct cpio *c, const char *self, struct err *e)
{
    struct lib_add a = {c, e};
    if (proc_ldd(self, add_lib, &a, e) < 0) return err_wrap(e, "initramfs");
    return 0;
}

static int is_elf(const char *path)
{
    char m[4] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, m, 4);
    close(fd);
    return n == 4 && !memcmp(m, "\177ELF", 4);
}

/* A host file or directory tree at the same path in the guest; a program
 * or a shared library (a dlopen'd one: ldd of isobench does not name it)
 * brings its shared-library closure along. Symlinks are followed. */
static int add_path(struct cpio *c, const char *path, int depth, struct err *e)
{
    struct stat st;
    if (stat(path, &st) < 0) return 0; /* not on this host: the workload says so in the guest */
    if (S_ISDIR(st.st_mode)) {
        if (depth > 8) return 0;
        DIR *d = opendir(path);
        if (!d) return err_sys(e, ERR_FAIL, errno, "initramfs: %s", path);
        struct dirent *de;
        int rc = 0;
        while (rc == 0 && (de = readdir(d))) {
            if (de->d_name[0] == '.') continue;
            char sub[600];
            snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
            rc = add_path(c, sub, depth + 1, e);
        }
        closedir(d);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) return 0;
    int exe = (st.st_mode & 0111) != 0;
    if (cpio_file(c, path, path, exe ? 0755 : 0644, e) < 0) return -1;
    int lib = strstr(path, ".so") != NULL;
    return (exe || lib) && is_elf(path) ? add_libs(c, path, e) : 0;
}

int initramfs_build(const char *self, const char *kver, const char *const *extra, const char *out,
                    struct err *e)
{
    struct cpio c = {0};
    c.files = calloc(CPIO_MAX_FILES, sizeof(*c.files));
    c.f = c.files ? fopen(out, "we") : NULL;
    if (!c.f) {
        free(c.files);
        return err_sys(e, ERR_FAIL, errno, "initramfs: %s", out);
    }
    int rc = 0;
    static const char *const dirs[] = {"/dev", "/proc", "/sys", "/tmp", "/data", "/run"};
    for (size_t i = 0; rc == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (cpio_entry(&c, dirs[i], 040755, NULL, 0) < 0)
            rc = err_sys(e, ERR_FAIL, errno, "initramfs: writing");
    /* the accounts servers look up by number (Apache's workers, uid 65534
     * as srvproc.h's SRV_UNPRIV, want a passwd entry, as on the host) */
    static const char passwd[] = "root:x:0:0:root:/:/bin/sh\n"
                                 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    static const char group[] = "root:x:0:\nnogroup:x:65534:\n";
    if (rc == 0 && (cpio_dirs(&c, "/etc/passwd") < 0 ||
                    cpio_entry(&c, "/etc/passwd", 0100644, passwd, sizeof(passwd) - 1) < 0 ||
                    cpio_entry(&c, "/etc/group", 0100644, group, sizeof(group) - 1) < 0))
        rc = err_sys(e, ERR_FAIL, errno, "initramfs: writing");
    if (rc == 0) rc = cpio_file(&c, self, "/init", 0755, e);
    if (rc == 0) rc = add_libs(&c, self, e);
    for (int i = 0; rc == 0 && extra && extra[i]; i++)
        rc = add_path(&c, extra[i], 0, e);
    static const char *const mods[] = {VM_MODULES};
    for (size_t i = 0; rc == 0 && i < sizeof(mods) / sizeof(mods[0]); i++) {
        char path[512] = "";
        char *const argv[] = {"modinfo",       "-k", (char *)kver, "-F", "filename",
                              (char *)mods[i], NULL};
        struct err me = {0};
        if (proc_run(argv, NULL, path, sizeof(path), NULL, &me) != 0) continue; /* not there */
        path[strcspn(path, "\n")] = '\0';
        if (path[0] != '/') continue; /* built in, or not in this kernel */
        char dst[128];
        snprintf(dst, sizeof(dst), "/lib/isobench-modules/%02zu-%s.ko", i, mods[i]);
        rc = cpio_file(&c, path, dst, 0644, e);
    }
    if (rc == 0 && cpio_entry(&c, "TRAILER!!!", 0, NULL, 0) < 0)
        rc = err_sys(e, ERR_FAIL, errno, "initramfs: writing");
    if (fclose(c.f) != 0 && rc == 0) rc = err_sys(e, ERR_FAIL, errno, "initramfs");
    free(c.files);
    return rc;
}
