#include "envs/lib/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/proc.h"
#include "core/util.h"
#include "envs/env.h"

const char *image_root(void)
{
    const char *r = getenv("ISOBENCH_IMAGE_DIR");
    return r && *r ? r : "/var/lib/isobench/images";
}

int image_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 32 || name[0] == '.') return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", name[i])) return 0;
    return 1;
}

int image_path(const char *name, char *out, size_t len, struct err *e)
{
    if (!image_name_ok(name))
        return err_set(e, ERR_USAGE, "'%s' is not an image name (a-z, 0-9, . _ -) or a directory",
                       name);
    snprintf(out, len, "%s/%s/rootfs", image_root(), name);
    struct stat st;
    if (stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
        return err_set(e, ERR_USAGE, "no image '%s' in %s (isobench image build %s)", name,
                       image_root(), name);
    return 0;
}

/* The host's Debian mirror (the first non-security URI of its apt
 * sources, deb822 or one-line) and release codename. */
static void host_mirror(char *mirror, size_t mlen, char *suite, size_t slen)
{
    snprintf(mirror, mlen, "http://deb.debian.org/debian");
    suite[0] = '\0';
    char buf[4096];
    if (util_read_file("/etc/os-release", buf, sizeof(buf)) == 0) {
        const char *c = strstr(buf, "VERSION_CODENAME=");
        if (c) sscanf(c + 17, "%31[a-z]", suite);
    }
    if (!suite[0]) snprintf(suite, slen, "bookworm");
    static const char *const files[] = {"/etc/apt/sources.list.d/debian.sources",
                                        "/etc/apt/sources.list", NULL};
    for (int i = 0; files[i]; i++) {
        FILE *f = fopen(files[i], "re");
        if (!f) continue;
        char line[1024], uri[512];
        while (fgets(line, sizeof(line), f)) {
            const char *p = line;
            if (!strncmp(p, "URIs:", 5)) {
                if (sscanf(p + 5, " %511s", uri) != 1) continue;
            } else if (!strncmp(p, "deb ", 4)) {
                p += 4;
                if (*p == '[') p = strchr(p, ']') ? strchr(p, ']') + 1 : p;
                if (sscanf(p, " %511s", uri) != 1) continue;
            } else {
                continue;
            }
            if (strstr(uri, "security") || strncmp(uri, "http", 4)) continue;
            snprintf(mirror, mlen, "%s", uri);
            fclose(f);
            return;
        }
        fclose(f);
    }
}

/* The Debian packages holding isobench's shared libraries (ldd, dpkg -S),
 * appended comma-separated to out. */
struct pkg_list {
    char *out;
    size_t len;
    struct err *e;
};

static int add_lib_package(void *arg, const char *path)
{
    struct pkg_list *l = arg;
    char real[PATH_MAX], pkg[128] = "", line[600];
    for (int attempt = 0; attempt < 2 && !pkg[0]; attempt++) {
        const char *q = attempt ? realpath(path, real) : path;
        if (!q) break;
        char *const argv[] = {"dpkg", "-S", (char *)q, NULL};
        struct err de = {0};
        if (proc_run(argv, NULL, line, sizeof(line), NULL, &de) == 0)
            sscanf(line, "%127[^:,]", pkg);
    }
    if (!pkg[0])
        return err_set(l->e, ERR_FAIL, "image: no Debian package holds %s (dpkg -S)", path);
    char want[140], have[4200];
    snprintf(want, sizeof(want), ",%s,", pkg);
    snprintf(have, sizeof(have), ",%s,", l->out);
    size_t used = strlen(l->out);
    if (!strstr(have, want) && (size_t)snprintf(l->out + used, l->len - used, "%s%s",
                                                used ? "," : "", pkg) >= l->len - used)
        return err_set(l->e, ERR_FAIL, "image: the package list is longer than %zu bytes", l->len);
    return 0;
}

static int agent_packages(char *out, size_t len, struct err *e)
{
    struct pkg_list l = {out, len, e};
    return proc_ldd(env_self_exe(), add_lib_package, &l, e) < 0 ? err_wrap(e, "image") : 0;
}

/* debootstrap into dir, its output to log; interruptible (SIGINT/TERM). */
static int run_debootstrap(const char *suite, const char *dir, const char *mirror,
                           const char *include, const char *log, struct err *e)
{
    char inc[4200];
    snprintf(inc, sizeof(inc), "--include=%s", include);
    char *const argv[] = {"debootstrap", "--variant=minbase", inc, (char *)suite,
                          (char *)dir,   (char *)mirror,      NULL};
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "image: %s", log);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        util_die_with_parent(parent);
        if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(126);
        execvp("debootstrap", argv);
        dprintf(2, "exec debootstrap: %s (apt-get install debootstrap)\n", strerror(errno));
        _exit(127);
    }
    close(fd);
    if (pid < 0) return err_sys(e, ERR_FAIL, errno, "fork");
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) return err_sys(e, ERR_FAIL, errno, "waitpid");
        if (env_interrupted) kill(pid, SIGTERM);
    }
    if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    char buf[8192] = "";
    util_read_file(log, buf, sizeof(buf));
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    const char *tail = n > 300 ? buf + n - 300 : buf;
    char t[320];
    snprintf(t, sizeof(t), "%.300s", tail);
    for (char *c = t; *c; c++)
        if (*c == '\n') *c = '|';
    return err_set(e, ERR_FAIL, "debootstrap failed (%s): ...%s", log, t);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static uint64_t du_bytes, du_inodes;
static int du_visit(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
    (void)p, (void)type, (void)ftw;
    du_bytes += (uint64_t)st->st_blocks * 512;
    du_inodes++;
    return 0;
}

int image_tree_bytes(const char *dir, uint64_t *bytes, uint64_t *inodes)
{
    du_bytes = du_inodes = 0; /* nftw passes no argument to its callback */
    int rc = nftw(dir, du_visit, 32, FTW_PHYS | FTW_MOUNT);
    *bytes = du_bytes;
    if (inodes) *inodes = du_inodes;
    return rc;
}

int image_check_new(const char *name, struct err *e)
{
    if (!image_name_ok(name))
        return err_set(e, ERR_USAGE, "image name '%s': 1..32 of a-z, 0-9, . _ - (no leading dot)",
                       name);
    char final[600];
    snprintf(final, sizeof(final), "%s/%s", image_root(), name);
    if (access(final, F_OK) == 0)
        return err_set(e, ERR_USAGE, "image '%s' exists (isobench image rm %s)", name, name);
    return 0;
}

int image_build(const char *name, const char *packages, const char *mirror, const char *suite,
                char *log, size_t loglen, struct err *e)
{
    if (image_check_new(name, e) < 0) return -1;
    char final[600], partial[600], rootfs[700], hmirror[512], hsuite[32], id[64];
    snprintf(final, sizeof(final), "%s/%s", image_root(), name);
    host_mirror(hmirror, sizeof(hmirror), hsuite, sizeof(hsuite));
    if (!mirror) mirror = hmirror;
    if (!suite) suite = hsuite;
    char include[4200] = "";
    if (agent_packages(include, sizeof(include), e) < 0) return -1;
    if (packages && strcmp(packages, "none") && *packages)
        snprintf(include + strlen(include), sizeof(include) - strlen(include), ",%s", packages);
    char *const mk[] = {"mkdir", "-p", (char *)image_root(), NULL};
    if (proc_run(mk, NULL, NULL, 0, NULL, e) != 0)
        return err_set(e, ERR_FAIL, "cannot create %s", image_root());
    snprintf(partial, sizeof(partial), "%s/.%s.partial", image_root(), name);
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", partial);
    snprintf(log, loglen, "%s/.%s.log", image_root(), name);
    snprintf(id, sizeof(id), "image-%s-%d", name, (int)getpid());
    struct journal j = {.fd = -1};
    if (journal_open(&j, id, e) < 0) return -1;
    int rc = journal_add(&j, "rmtree", partial, e);
    /* what debootstrap mounts inside while it works: unmounted first */
    static const char *const mnts[] = {"proc", "sys", "dev/pts", "dev/shm", "dev", NULL};
    for (int i = 0; rc == 0 && mnts[i]; i++) {
        char m[800];
        snprintf(m, sizeof(m), "%s/%s", rootfs, mnts[i]);
        rc = journal_add(&j, "mount", m, e);
    }
    journal_rmtree(partial); /* what an earlier, killed build left */
    if (rc == 0 && (mkdir(partial, 0755) < 0 || mkdir(rootfs, 0755) < 0))
        rc = err_sys(e, ERR_FAIL, errno, "mkdir %s", rootfs);
    if (rc == 0) rc = run_debootstrap(suite, rootfs, mirror, include, log, e);
    if (rc == 0) {
        char p[800], info[5000], when[32];
        snprintf(p, sizeof(p), "%s/etc/isobench-image", rootfs);
        write_text(p, name);
        uint64_t bytes = 0;
        image_tree_bytes(rootfs, &bytes, NULL);
        util_iso_time(when, sizeof(when));
        snprintf(info, sizeof(info), "created=%s\nsuite=%s\nmirror=%s\npackages=%s\nbytes=%llu\n",
                 when, suite, mirror, include, (unsigned long long)bytes);
        snprintf(p, sizeof(p), "%s/info", partial);
        write_text(p, info);
        if (rename(partial, final) < 0) rc = err_sys(e, ERR_FAIL, errno, "rename %s", partial);
        snprintf(p, sizeof(p), "%s/debootstrap.log", final);
        if (rc == 0 && rename(log, p) == 0) snprintf(log, loglen, "%s", p);
    }
    journal_unwind(&j); /* removes the partial tree unless it became the image */
    return rc;
}

static int info_cmp(const void *a, const void *b)
{
    return strcmp(((const struct image_info *)a)->name, ((const struct image_info *)b)->name);
}

int image_list(struct image_info **out, int *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(image_root());
    if (!d) return errno == ENOENT ? 0 : err_sys(e, ERR_FAIL, errno, "%s", image_root());
    struct dirent *de;
    int cap = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !image_name_ok(de->d_name)) continue;
        char p[700], buf[6000];
        snprintf(p, sizeof(p), "%s/%s/info", image_root(), de->d_name);
        if (util_read_file(p, buf, sizeof(buf)) < 0) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            struct image_info *grown = realloc(*out, (size_t)cap * sizeof(**out));
            if (!grown) {
                closedir(d);
                return err_set(e, ERR_FAIL, "out of memory");
            }
            *out = grown;
        }
        struct image_info *im = &(*out)[(*n)++];
        memset(im, 0, sizeof(*im));
        snprintf(im->name, sizeof(im->name), "%.32s", de->d_name);
        const char *v;
        unsigned long long b = 0;
        if ((v = strstr(buf, "created="))) sscanf(v + 8, "%31[^\n]", im->created);
        if ((v = strstr(buf, "suite="))) sscanf(v + 6, "%31[^\n]", im->suite);
        if ((v = strstr(buf, "packages="))) sscanf(v + 9, "%511[^\n]", im->packages);
        if ((v = strstr(buf, "bytes="))) sscanf(v + 6, "%llu", &b);
        im->bytes = b;
    }
    closedir(d);
    if (*n > 1) qsort(*out, (size_t)*n, sizeof(**out), info_cmp);
    return 0;
}

int image_rm(const char *name, struct err *e)
{
    char p[600];
    if (image_path(name, p, sizeof(p), e) < 0) return -1;
    snprintf(p, sizeof(p), "%s/%s", image_root(), name);
    if (journal_rmtree(p) < 0) return err_set(e, ERR_FAIL, "removing %s failed", p);
    return 0;
}
