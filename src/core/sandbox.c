#include "core/sandbox.h"

#include <dirent.h>
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

/* /sys/fs/cgroup: "none" (no cgroup file system there: a bare directory
 * of sysfs), "rw" when this process may write to it or to any hierarchy
 * mounted under it (v1: one per controller; the writable ones named in
 * rw), else "ro". */
static const char *cgroup_view(char *rw, size_t len)
{
    const char *cg = "/sys/fs/cgroup";
    struct statfs fs;
    rw[0] = '\0';
    if (statfs(cg, &fs) < 0 || fs.f_type == SYSFS_MAGIC_) return "none";
    if (writable_cgroupfs(cg)) snprintf(rw, len, "%s", cg);
    DIR *d = opendir(cg);
    for (struct dirent *de; d && (de = readdir(d));) {
        char p[300];
        if (de->d_name[0] == '.') continue;
        snprintf(p, sizeof(p), "%s/%s", cg, de->d_name);
        size_t off = strlen(rw), n = strlen(de->d_name);
        if (!writable_cgroupfs(p)) continue;
        if (off + n + 2 > len) break; /* the list is full; "rw" stands anyway */
        if (off) rw[off++] = ',';
        memcpy(rw + off, de->d_name, n + 1);
    }
    if (d) closedir(d);
    return rw[0] ? "rw" : "ro";
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
}
