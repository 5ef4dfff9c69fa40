#include "core/sandbox.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/util.h"

#define TMPFS_MAGIC_ 0x01021994
#define SYSFS_MAGIC_ 0x62656572
#define CGROUP_MAGIC_ 0x27e0eb
#define CGROUP2_MAGIC_ 0x63677270

const char *const sandbox_masked_files[] = {"/proc/kcore",         "/proc/keys",
                                            "/proc/timer_list",    "/proc/sched_debug",
                                            "/proc/latency_stats", NULL};
const char *const sandbox_masked_dirs[] = {"/proc/acpi", "/proc/scsi", "/sys/firmware", NULL};
const char *const sandbox_readonly[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                        "/proc/sysrq-trigger", NULL};

/* The value of "Key:" in /proc/self/status into out, "" if absent. */
static void status_field(const char *status, const char *key, char *out, size_t len)
{
    out[0] = '\0';
    size_t kl = strlen(key);
    for (const char *p = status; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) || p[kl] != ':') continue;
        p += kl + 1;
        p += strspn(p, " \t");
        size_t n = strcspn(p, "\n");
        snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
        return;
    }
}

/* 1: masked (a /dev/null bind, an empty tmpfs) or absent. */
static int is_masked(const char *path, int dir)
{
    struct stat st;
    if (stat(path, &st) < 0) return 1;
    if (!dir) return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC_;
}

static int is_ro(const char *path)
{
    struct statvfs v;
    return statvfs(path, &v) == 0 && (v.f_flag & ST_RDONLY);
}

static int ok_masked_file(const char *p)
{
    return is_masked(p, 0);
}
static int ok_masked_dir(const char *p)
{
    return is_masked(p, 1);
}
static int ok_ro(const char *p)
{
    return access(p, F_OK) != 0 || is_ro(p);
}

/* How many of some lists' paths pass their check, and the others' names. */
struct tally {
    int n, m;
    char bad[256];
};

static void tally_add(struct tally *t, const char *const *paths, int (*ok)(const char *))
{
    for (const char *const *p = paths; *p; p++, t->m++) {
        if (ok(*p)) {
            t->n++;
            continue;
        }
        size_t off = strlen(t->bad);
        snprintf(t->bad + off, sizeof(t->bad) - off, "%s%s", off ? "," : "", *p);
    }
}

static void tally_put(const struct tally *t, struct kvlist *facts, const char *key,
                      const char *bad_key)
{
    char v[24];
    snprintf(v, sizeof(v), "%d/%d", t->n, t->m);
    kv_set(facts, key, v, NULL);
    if (t->bad[0]) kv_set(facts, bad_key, t->bad, NULL);
}

/* 1 when path is a cgroup hierarchy (v1 or v2) this process may write:
 * a limit it could change. A writable tmpfs holding the v1 hierarchies
 * is not one. */
static int writable_cgroupfs(const char *path)
{
    struct statfs fs;
    if (statfs(path, &fs) < 0 || (fs.f_type != CGROUP_MAGIC_ && fs.f_type != CGROUP2_MAGIC_))
        return 0;
    return !is_ro(path) && access(path, W_OK) == 0;
}

/* /sys/fs/cgroup: "none" (no cgroup file system there or under it: a bare
 * directory of sysfs, an empty tmpfs), "rw" when this process may write to it or to any hierarchy
 * mounted under it (v1: one per controller; the writable ones named in
 * rw), else "ro". */
static const char *cgroup_view(char *rw, size_t len)
{
    const char *cg = "/sys/fs/cgroup";
    struct statfs fs;
    rw[0] = '\0';
    if (statfs(cg, &fs) < 0 || fs.f_type == SYSFS_MAGIC_) return "none";
    int seen = fs.f_type == CGROUP_MAGIC_ || fs.f_type == CGROUP2_MAGIC_;
    if (writable_cgroupfs(cg)) snprintf(rw, len, "%s", cg);
    DIR *d = opendir(cg);
    for (struct dirent *de; d && (de = readdir(d));) {
        char p[300];
        struct statfs sub;
        if (de->d_name[0] == '.') continue;
        snprintf(p, sizeof(p), "%s/%s", cg, de->d_name);
        seen |=
            statfs(p, &sub) == 0 && (sub.f_type == CGROUP_MAGIC_ || sub.f_type == CGROUP2_MAGIC_);
        size_t off = strlen(rw), n = strlen(de->d_name);
        if (!writable_cgroupfs(p)) continue;
        if (off + n + 2 > len) break; /* the list is full; "rw" stands anyway */
        if (off) rw[off++] = ',';
        memcpy(rw + off, de->d_name, n + 1);
    }
    if (d) closedir(d);
    return rw[0] ? "rw" : seen ? "ro" : "none"; /* an empty tmpfs shows nothing */
}

extern char **environ;

/* sandbox.env_extra_n and sandbox.env_extra: how many of this process's
 * environment variables are beyond what every agent gets (util_env_passed,
 * and HOME), and their names (never values), "..." when they do not fit. */
static void env_names(struct kvlist *facts)
{
    char names[250] = "", n_s[16];
    size_t off = 0;
    int n = 0, cut = 0;
    for (char **v = environ; *v; v++) {
        if (util_env_passed(*v) || !strncmp(*v, "HOME=", 5)) continue;
        n++;
        size_t k = strcspn(*v, "=");
        if (cut || off + k + 5 >= sizeof(names)) {
            cut = 1;
            continue;
        }
        if (off) names[off++] = ',';
        memcpy(names + off, *v, k);
        off += k;
        names[off] = '\0';
    }
    if (cut) memcpy(names + off, off ? ",..." : "...", off ? 5 : 4);
    snprintf(n_s, sizeof(n_s), "%d", n);
    kv_set(facts, "sandbox.env_extra_n", n_s, NULL);
    kv_set(facts, "sandbox.env_extra", names, NULL);
}

void sandbox_probe(struct kvlist *facts)
{
    char status[8192], v[64];
    if (util_read_file("/proc/self/status", status, sizeof(status)) == 0) {
        static const char *const keys[][2] = {{"CapEff", "sandbox.cap_eff"},
                                              {"CapBnd", "sandbox.cap_bnd"},
                                              {"NoNewPrivs", "sandbox.no_new_privs"},
                                              {"Seccomp", "sandbox.seccomp"},
                                              {"Seccomp_filters", "sandbox.seccomp_filters"}};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            status_field(status, keys[i][0], v, sizeof(v));
            if (v[0]) kv_set(facts, keys[i][1], v, NULL);
        }
    }
    struct tally masked = {0}, ro = {0};
    tally_add(&masked, sandbox_masked_files, ok_masked_file);
    tally_add(&masked, sandbox_masked_dirs, ok_masked_dir);
    tally_put(&masked, facts, "sandbox.masked", "sandbox.unmasked");
    tally_add(&ro, sandbox_readonly, ok_ro);
    tally_put(&ro, facts, "sandbox.readonly", "sandbox.writable");
    kv_set(facts, "sandbox.sys", is_ro("/sys") ? "ro" : "rw", NULL);
    char rw[256];
    kv_set(facts, "sandbox.cgroup", cgroup_view(rw, sizeof(rw)), NULL);
    if (rw[0]) kv_set(facts, "sandbox.cgroup_rw", rw, NULL);
    env_names(facts);
}

/* ---- the hostile drill (null's hostile=1): what root in an image that
 * means harm would try. Each attempt's outcome is a fact, "refused: WHY"
 * or "DONE: WHAT"; nothing is written anywhere but the probe's own node. */

/* A block device of this host, the disk a hostile root would read: the
 * first /sys/dev/block entry that is no ram, loop or cd-rom device (else
 * the first, else 8:0). */
static void some_block_dev(unsigned *maj, unsigned *min)
{
    unsigned a, b, found = 0;
    *maj = 8;
    *min = 0;
    DIR *d = opendir("/sys/dev/block");
    for (struct dirent *de; d && (de = readdir(d));) {
        if (sscanf(de->d_name, "%u:%u", &a, &b) != 2) continue;
        int disk = a != 1 && a != 7 && a != 11;
        if (found && !(disk && found == 1)) continue;
        *maj = a;
        *min = b;
        found = disk ? 2 : 1;
    }
    if (d) closedir(d);
}

/* key = "refused: ACTION WHAT: strerror(err)". */
static void put(struct kvlist *f, const char *key, const char *action, const char *what, int err)
{
    char v[200];
    snprintf(v, sizeof(v), "refused: %s%s%.100s: %s", action, *action ? " " : "", what,
             strerror(err));
    kv_set(f, key, v, NULL);
}

/* mknod b MAJ:MIN (dev, or else a disk of this host), then open it:
 * Docker's device policy must refuse one. */
static void try_blockdev(struct kvlist *f, const char *dev)
{
    unsigned maj, min;
    if (!dev || sscanf(dev, "%u:%u", &maj, &min) != 2) some_block_dev(&maj, &min);
    char node[] = "/.isobench-hostile-blk", what[64];
    snprintf(what, sizeof(what), "b %u:%u", maj, min);
    unlink(node);
    if (mknod(node, S_IFBLK | 0600, makedev(maj, min)) < 0) {
        put(f, "hostile.blockdev", "mknod", what, errno);
        return;
    }
    int fd = open(node, O_RDONLY | O_CLOEXEC);
    int err = errno;
    char buf[512];
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
    if (fd >= 0) close(fd);
    unlink(node);
    if (fd < 0) {
        put(f, "hostile.blockdev", "open", what, err);
        return;
    }
    snprintf(buf, sizeof(buf), "DONE: opened %s and read %zd bytes", what, n);
    kv_set(f, "hostile.blockdev", buf, NULL);
}

/* TIOCSTI (one NUL byte) on every tty it holds or can open: stdio, /dev/tty,
 * /dev/console, /dev/pts/N. "refused: no tty reachable" when none opens. */
static void try_tiocsti(struct kvlist *f)
{
    char names[21][32] = {"fd0", "fd1", "fd2", "/dev/tty", "/dev/console"};
    int n = 5;
    DIR *d = opendir("/dev/pts");
    for (struct dirent *de; d && (de = readdir(d)) && n < 21;)
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
            snprintf(names[n++], sizeof(names[0]), "/dev/pts/%.20s", de->d_name);
    if (d) closedir(d);
    char done[256] = "", tried[256] = "";
    for (int i = 0; i < n; i++) {
        int fd = i < 3 ? i : open(names[i], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 && isatty(fd)) {
            char c = 0;
            int rc = ioctl(fd, TIOCSTI, &c), err = errno;
            char *out = rc == 0 ? done : tried;
            size_t off = strlen(out);
            int w = snprintf(out + off, sizeof(done) - off, "%s%s%s%s", off ? ", " : "", names[i],
                             rc ? ": " : "", rc ? strerror(err) : "");
            if (w < 0 || (size_t)w >= sizeof(done) - off) /* full: marked, the rest left out */
                memcpy(out + sizeof(done) - 4, "...", 4);
        }
        if (i >= 3 && fd >= 0) close(fd);
    }
    char v[300];
    if (done[0])
        snprintf(v, sizeof(v), "DONE: injected into %.200s", done);
    else
        snprintf(v, sizeof(v), "refused: %.250s", tried[0] ? tried : "no tty reachable");
    kv_set(f, "hostile.tiocsti", v, NULL);
}

/* Opens for writing what must stay read-only (nothing is written). */
static void try_write(struct kvlist *f, const char *key, const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        put(f, key, "", path, errno);
        return;
    }
    close(fd);
    char v[200];
    snprintf(v, sizeof(v), "DONE: %s open for writing", path);
    kv_set(f, key, v, NULL);
}

/* A TCP connect to addr ("IP:PORT", outside the run), 2 s at most. */
static void try_reach(struct kvlist *f, const char *addr)
{
    char ip[64];
    int port;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (sscanf(addr, "%63[0-9.]:%d", ip, &port) != 2 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        put(f, "hostile.reach", "", addr, EINVAL);
        return;
    }
    sa.sin_port = htons((uint16_t)port);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        put(f, "hostile.reach", "socket for", addr, errno);
        return;
    }
    int rc = connect(s, (struct sockaddr *)&sa, sizeof(sa)), err = errno;
    if (rc < 0 && err == EINPROGRESS) {
        struct pollfd p = {.fd = s, .events = POLLOUT};
        socklen_t l = sizeof(err);
        rc = poll(&p, 1, 2000);
        if (rc == 0)
            err = ETIMEDOUT, rc = -1;
        else if (rc > 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l) == 0)
            rc = err ? -1 : 0;
    }
    close(s);
    if (rc < 0) {
        put(f, "hostile.reach", "", addr, err);
        return;
    }
    char v[120];
    snprintf(v, sizeof(v), "DONE: connected to %s", addr);
    kv_set(f, "hostile.reach", v, NULL);
}

int sandbox_hostile(const char *reach, const char *blockdev, struct kvlist *facts)
{
    char status[8192], bnd[32] = "";
    if (util_read_file("/proc/self/status", status, sizeof(status)) == 0)
        status_field(status, "CapBnd", bnd, sizeof(bnd));
    unsigned long long caps = strtoull(bnd, NULL, 16);
    if (!bnd[0] || (caps >> 21) & 1) { /* CAP_SYS_ADMIN: the host itself, or a guest's root */
        kv_set(facts, "hostile", "skipped: not confined (CAP_SYS_ADMIN held)", NULL);
        return 0;
    }
    kv_set(facts, "hostile", "tried", NULL);
    try_blockdev(facts, blockdev);
    try_tiocsti(facts);
    try_write(facts, "hostile.proc_sys", "/proc/sys/kernel/hostname");
    try_write(facts, "hostile.sysfs", "/sys/kernel/mm/transparent_hugepage/enabled");
    if (reach && *reach) try_reach(facts, reach);
    return 0;
}
