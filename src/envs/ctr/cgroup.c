#include "envs/ctr/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/vfs.h>

#include "core/util.h"
#include "envs/ctr/devices.h"

#define CG_ROOT "/sys/fs/cgroup"

/* v2: the --host-mem cgroup ("/NAME") every later cgroup of this run is
 * made under, "" = the root. Set by cgroup_host_mem before any tenant
 * exists, cleared by cgroup_leave; tenants read it (in parallel threads
 * too) only while it stands still. */
static char v2_parent[256];

int cgroup_is_v2(void)
{
    struct statfs sf;
    return statfs(CG_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

int cgroup_parse_cpus(const char *s, unsigned char *mask, int *count)
{
    memset(mask, 0, 1024 / 8);
    *count = 0;
    char buf[256];
    if (!*s || strlen(s) >= sizeof(buf)) return -1;
    strcpy(buf, s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        if (*t < '0' || *t > '9') return -1;
        unsigned long a = strtoul(t, &end, 10), b = a;
        if (*end == '-') {
            if (end[1] < '0' || end[1] > '9') return -1;
            b = strtoul(end + 1, &end, 10);
        }
        if (*end || a > b || b >= 1024) return -1;
        for (unsigned long c = a; c <= b; c++) {
            if (!(mask[c / 8] & (1u << (c % 8)))) (*count)++;
            mask[c / 8] |= (unsigned char)(1u << (c % 8));
        }
    }
    return 0;
}

int cgroup_check(const struct cg_limits *l, struct err *e)
{
    if (l->cpus[0]) {
        unsigned char want[128], online[128];
        int nw, no;
        char buf[256];
        if (cgroup_parse_cpus(l->cpus, want, &nw) < 0)
            return err_set(e, ERR_USAGE, "cpus=%s is not a CPU list (e.g. 0-1,3)", l->cpus);
        if (util_read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) < 0 ||
            cgroup_parse_cpus(buf, online, &no) < 0)
            return err_set(e, ERR_FAIL, "cannot read the online CPUs");
        for (int c = 0; c < 1024; c++)
            if ((want[c / 8] & (1u << (c % 8))) && !(online[c / 8] & (1u << (c % 8))))
                return err_set(e, ERR_USAGE, "cpus=%s: CPU %d is not online here (online: %s)",
                               l->cpus, c, buf);
    }
    if (l->mem && l->mem < (8u << 20))
        return err_set(e, ERR_USAGE, "mem=%llu bytes is too small to run anything (min 8M)",
                       (unsigned long long)l->mem);
    if (l->pids && l->pids < 16) return err_set(e, ERR_USAGE, "pids must be >= 16");
    if (l->cpu_quota < 0 || (l->cpu_quota > 0 && l->cpu_quota < 0.01) ||
        l->cpu_quota > util_ncpus())
        return err_set(e, ERR_USAGE, "cpu-quota must be between 0.01 and %d CPUs", util_ncpus());
    return 0;
}

uint64_t cgroup_weight_shares(unsigned weight)
{
    return ((uint64_t)weight * 1024 + 50) / 100;
}

const char *cgroup_weight_setting(unsigned weight, int v2, char *val, size_t len)
{
    snprintf(val, len, "%llu", (unsigned long long)(v2 ? weight : cgroup_weight_shares(weight)));
    return v2 ? "cpu.weight" : "cpu.shares";
}

static int write_str(const char *dir, const char *file, const char *val, struct err *e)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "we");
    if (!f) return err_sys(e, ERR_FAIL, errno, "cgroup: open %s", path);
    int ok = fputs(val, f) >= 0;
    ok &= fclose(f) == 0;
    if (!ok) return err_sys(e, ERR_FAIL, errno, "cgroup: write '%s' to %s", val, path);
    return 0;
}

/* This process's own cgroup path for a v1 controller ("" for v2's "0::"). */
static void own_path(const char *ctrl, char *out, size_t len)
{
    snprintf(out, len, "/");
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!a || !b) continue;
        *b = '\0';
        int match = ctrl ? strstr(a + 1, ctrl) != NULL : a[1] == '\0';
        if (match) {
            snprintf(out, len, "%s", b + 1);
            break;
        }
    }
    fclose(f);
}

static int make_dir(struct cgroup *cg, const char *path, struct journal *j, struct err *e)
{
    size_t n = strlen(path);
    if (n >= sizeof(cg->dirs[0]) || cg->ndirs >= CG_MAX_DIRS)
        return err_set(e, ERR_FAIL, "cgroup: %s: %.200s",
                       n >= sizeof(cg->dirs[0]) ? "path too long" : "too many directories", path);
    if (journal_add(j, "cgroup", path, e) < 0) return -1; /* write-ahead */
    if (mkdir(path, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "cgroup: mkdir %s", path);
    memcpy(cg->dirs[cg->ndirs++], path, n + 1);
    return 0;
}

/* 1 when v1's cpuacct is a hierarchy of its own (not co-mounted with cpu
 * as "cpu,cpuacct", where the cpu directory has cpuacct.usage already). */
static int cpuacct_apart(void)
{
    struct stat a, b;
    if (stat(CG_ROOT "/cpuacct", &a) < 0) return 0;
    return stat(CG_ROOT "/cpu", &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* v1's cpu directory: the quota (cfs period and quota) and the weight
 * (cpu.shares), each when set. */
static int v1_cpu(const char *dir, const struct cg_limits *l, struct err *e)
{
    char buf[64];
    if (l->cpu_quota > 0) {
        snprintf(buf, sizeof(buf), "%lld", (long long)(l->cpu_quota * 100000));
        if (write_str(dir, "cpu.cfs_period_us", "100000", e) < 0 ||
            write_str(dir, "cpu.cfs_quota_us", buf, e) < 0)
            return -1;
    }
    if (!l->cpu_weight) return 0;
    const char *file = cgroup_weight_setting(l->cpu_weight, 0, buf, sizeof(buf));
    return write_str(dir, file, buf, e);
}

/* v1 beside a v2 mount (hybrid) and no v1 perf_event hierarchy: a v2
 * directory too (journaled), where perf_event, implicit on v2, finds the
 * tenant's processes for its per-operation counters (core/pcount.h). */
static int hybrid_perf_dir(struct cgroup *cg, const char *name, struct journal *j, struct err *e)
{
    struct stat st;
    if (stat(CG_ROOT "/perf_event", &st) == 0 || stat(CG_ROOT "/unified/cgroup.procs", &st) < 0)
        return 0;
    char own[256], dir[1024];
    own_path(NULL, own, sizeof(own));
    snprintf(dir, sizeof(dir), CG_ROOT "/unified%s%s%s", own, strcmp(own, "/") ? "/" : "", name);
    return make_dir(cg, dir, j, e);
}

/* Makes cgroup name under each v1 controller (cpuset, cpu, memory, pids,
 * and cpuacct when mounted apart) below this process's own cgroup,
 * journaled before made, and writes l's limits (a new cpuset gets its
 * parent's mems and l->cpus or its parent's cpus); then, on a hybrid
 * host, a v2 directory for perf_event (hybrid_perf_dir) and, with
 * l->devices, the devices allow-list. Fills cg's dirs; -1 on the first
 * failure (what was made stays journaled). */
static int create_v1(struct cgroup *cg, const char *name, const struct cg_limits *l,
                     struct journal *j, struct err *e)
{
    static const char *const ctrls[] = {"cpuset", "cpu", "memory", "pids", "cpuacct"};
    int n = cpuacct_apart() ? 5 : 4;
    for (int i = 0; i < n; i++) {
        char own[256], dir[1024], buf[256];
        own_path(ctrls[i], own, sizeof(own));
        snprintf(dir, sizeof(dir), CG_ROOT "/%s%s%s%s", ctrls[i], own, strcmp(own, "/") ? "/" : "",
                 name);
        if (make_dir(cg, dir, j, e) < 0) return -1;
        if (i == 0) { /* cpuset: a new v1 cpuset starts empty */
            char parent[1024];
            snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
            char pf[1100];
            snprintf(pf, sizeof(pf), "%s/cpuset.mems", parent);
            if (util_read_file(pf, buf, sizeof(buf)) < 0 ||
                write_str(dir, "cpuset.mems", buf, e) < 0)
                return -1;
            snprintf(pf, sizeof(pf), "%s/cpuset.cpus", parent);
            if (util_read_file(pf, buf, sizeof(buf)) < 0) return -1;
            if (write_str(dir, "cpuset.cpus", l->cpus[0] ? l->cpus : buf, e) < 0) return -1;
        } else if (i == 1) {
            snprintf(cg->cpu_dir, sizeof(cg->cpu_dir), "%s", dir); /* co-mounted: cpuacct here */
            if (v1_cpu(dir, l, e) < 0) return -1;
        } else if (i == 2) {
            snprintf(cg->mem_dir, sizeof(cg->mem_dir), "%s", dir);
            snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->mem);
            if (l->mem && write_str(dir, "memory.limit_in_bytes", buf, e) < 0) return -1;
        } else if (i == 3 && l->pids) {
            snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->pids);
            if (write_str(dir, "pids.max", buf, e) < 0) return -1;
        }
        if (i == 4) snprintf(cg->cpu_dir, sizeof(cg->cpu_dir), "%s", dir);
    }
    if (hybrid_perf_dir(cg, name, j, e) < 0) return -1;
    if (!l->devices) return 0;
    char own[256], dir[1024];
    own_path("devices", own, sizeof(own));
    snprintf(dir, sizeof(dir), CG_ROOT "/devices%s%s%s", own, strcmp(own, "/") ? "/" : "", name);
    if (make_dir(cg, dir, j, e) < 0) return -1;
    return dev_apply_v1(dir, e);
}

static int create_v2(struct cgroup *cg, const char *name, const struct cg_limits *l,
                     struct journal *j, struct err *e)
{
    char dir[1024], buf[256];
    /* Under the root: a non-root cgroup holding processes cannot delegate
     * controllers (the "no internal processes" rule). */
    if (write_str(CG_ROOT, "cgroup.subtree_control", "+cpuset +cpu +memory +pids", e) < 0)
        return -1;
    snprintf(dir, sizeof(dir), CG_ROOT "%s/%s", v2_parent, name);
    if (make_dir(cg, dir, j, e) < 0) return -1;
    snprintf(cg->mem_dir, sizeof(cg->mem_dir), "%s", dir);
    snprintf(cg->cpu_dir, sizeof(cg->cpu_dir), "%s", dir);
    if (l->cpus[0] && write_str(dir, "cpuset.cpus", l->cpus, e) < 0) return -1;
    if (l->cpu_quota > 0) {
        snprintf(buf, sizeof(buf), "%lld 100000", (long long)(l->cpu_quota * 100000));
        if (write_str(dir, "cpu.max", buf, e) < 0) return -1;
    }
    if (l->cpu_weight) {
        const char *file = cgroup_weight_setting(l->cpu_weight, 1, buf, sizeof(buf));
        if (write_str(dir, file, buf, e) < 0) return -1;
    }
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->mem);
    if (l->mem && write_str(dir, "memory.max", buf, e) < 0) return -1;
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->pids);
    if (l->pids && write_str(dir, "pids.max", buf, e) < 0) return -1;
    if (!l->devices) return 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "cgroup: open %s", dir);
    int rc = dev_apply_v2(fd, e);
    close(fd);
    return rc;
}

/* v2's --host-mem: "no internal processes" means the limited parent
 * cannot hold isobench itself once it delegates controllers to the
 * tenants' cgroups, so isobench moves into a leaf of it (NAME/isobench)
 * and every later cgroup is made beside that leaf (v2_parent). Its own
 * cgroup before is kept in cg->home for cgroup_leave. */
static int host_mem_v2(struct cgroup *cg, const char *name, uint64_t limit, struct journal *j,
                       struct err *e)
{
    char dir[1000], leaf[1024], buf[32];
    own_path(NULL, cg->home, sizeof(cg->home));
    if (write_str(CG_ROOT, "cgroup.subtree_control", "+cpuset +cpu +memory +pids", e) < 0)
        return -1;
    snprintf(dir, sizeof(dir), CG_ROOT "/%s", name);
    if (make_dir(cg, dir, j, e) < 0) return -1;
    snprintf(cg->mem_dir, sizeof(cg->mem_dir), "%s", dir);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)limit);
    if (write_str(dir, "memory.max", buf, e) < 0 ||
        write_str(dir, "cgroup.subtree_control", "+cpuset +cpu +memory +pids", e) < 0)
        return -1;
    snprintf(leaf, sizeof(leaf), "%s/isobench", dir); /* dir < 1000: it fits */
    if (make_dir(cg, leaf, j, e) < 0) return -1;
    snprintf(buf, sizeof(buf), "%d", (int)getpid());
    if (write_str(leaf, "cgroup.procs", buf, e) < 0) return -1;
    snprintf(v2_parent, sizeof(v2_parent), "/%s", name);
    return 0;
}

int cgroup_host_mem(struct cgroup *cg, const char *name, uint64_t limit, struct journal *j,
                    struct err *e)
{
    memset(cg, 0, sizeof(*cg));
    char own[256], dir[1024], buf[32];
    if (cgroup_is_v2()) {
        cg->v2 = 1;
        if (strlen(name) + 2 > sizeof(v2_parent))
            return err_set(e, ERR_USAGE, "--host-mem: cgroup name too long");
        return host_mem_v2(cg, name, limit, j, e);
    }
    own_path("memory", own, sizeof(own));
    snprintf(dir, sizeof(dir), CG_ROOT "/memory%s%s%s", own, strcmp(own, "/") ? "/" : "", name);
    if (make_dir(cg, dir, j, e) < 0) return -1;
    snprintf(cg->mem_dir, sizeof(cg->mem_dir), "%s", dir);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)limit);
    if (write_str(dir, "memory.limit_in_bytes", buf, e) < 0) return -1;
    snprintf(buf, sizeof(buf), "%d", (int)getpid());
    return write_str(dir, "cgroup.procs", buf, e);
}

int cgroup_leave(const struct cgroup *cg, struct err *e)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)getpid());
    if (cg->v2) { /* back where it was: the parent holds no process on v2 */
        char home[1200];
        v2_parent[0] = '\0';
        snprintf(home, sizeof(home), CG_ROOT "%s", strcmp(cg->home, "/") ? cg->home : "");
        return cg->ndirs ? write_str(home[0] ? home : CG_ROOT, "cgroup.procs", buf, e) : 0;
    }
    for (int i = 0; i < cg->ndirs; i++) {
        char parent[1024];
        snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(cg->dirs[i], '/') - cg->dirs[i]),
                 cg->dirs[i]);
        if (write_str(parent, "cgroup.procs", buf, e) < 0) return -1;
    }
    return 0;
}

int cgroup_create(struct cgroup *cg, const char *name, const struct cg_limits *l, struct journal *j,
                  struct err *e)
{
    memset(cg, 0, sizeof(*cg));
    cg->v2 = cgroup_is_v2();
    return cg->v2 ? create_v2(cg, name, l, j, e) : create_v1(cg, name, l, j, e);
}

int cgroup_attach(const struct cgroup *cg, pid_t pid, struct err *e)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (int i = 0; i < cg->ndirs; i++)
        if (write_str(cg->dirs[i], "cgroup.procs", buf, e) < 0) return -1;
    return 0;
}

int cgroup_create_acct(struct cgroup *cg, const char *name, struct journal *j, struct err *e)
{
    memset(cg, 0, sizeof(*cg));
    cg->v2 = cgroup_is_v2();
    char dir[1024], own[256];
    if (cg->v2) {
        snprintf(dir, sizeof(dir), CG_ROOT "%s/%s", v2_parent, name);
    } else {
        const char *ctrl = cpuacct_apart() ? "cpuacct" : "cpu";
        own_path(ctrl, own, sizeof(own));
        snprintf(dir, sizeof(dir), CG_ROOT "/%s%s%s%s", ctrl, own, strcmp(own, "/") ? "/" : "",
                 name);
    }
    if (make_dir(cg, dir, j, e) < 0) return -1;
    snprintf(cg->cpu_dir, sizeof(cg->cpu_dir), "%s", dir);
    if (cg->v2) { /* memory.stat there when the root delegates memory */
        snprintf(cg->mem_dir, sizeof(cg->mem_dir), "%s", dir);
        return 0;
    }
    /* v1: a memory directory too (no limit), so the tenant's faults and
     * swap are its own; under --host-mem it nests in that cgroup */
    own_path("memory", own, sizeof(own));
    snprintf(dir, sizeof(dir), CG_ROOT "/memory%s%s%s", own, strcmp(own, "/") ? "/" : "", name);
    if (make_dir(cg, dir, j, e) < 0) return -1;
    snprintf(cg->mem_dir, sizeof(cg->mem_dir), "%s", dir);
    return hybrid_perf_dir(cg, name, j, e);
}

int cgroup_memstat_parse(const char *text, int v2, struct cg_memcount *c)
{
    memset(c, 0, sizeof(*c));
    int have = 0;
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char key[64];
        unsigned long long v;
        if (sscanf(l, "%63s %llu", key, &v) != 2) continue;
        if (!strcmp(key, v2 ? "pgmajfault" : "total_pgmajfault")) {
            c->major_faults = v;
            have |= 1;
        } else if (!v2 && !strcmp(key, "total_swap")) {
            c->swap_bytes = v;
            have |= 2;
        } else if (v2 && !strcmp(key, "pswpin")) {
            c->swap_in = v;
            c->has_swap_io = 1;
        } else if (v2 && !strcmp(key, "pswpout")) {
            c->swap_out = v;
        }
    }
    return (have & 1) && (v2 || (have & 2)) ? 0 : -1;
}

int cgroup_memcount_read(const char *mem_dir, struct cg_memcount *c)
{
    char path[1200], buf[8192];
    int v2 = cgroup_is_v2();
    snprintf(path, sizeof(path), "%s/memory.stat", mem_dir);
    if (!mem_dir[0] || util_read_file(path, buf, sizeof(buf)) < 0 ||
        cgroup_memstat_parse(buf, v2, c) < 0)
        return -1;
    if (v2) { /* swapped-out bytes: a file of its own on v2 */
        char sw[64];
        snprintf(path, sizeof(path), "%s/memory.swap.current", mem_dir);
        if (util_read_file(path, sw, sizeof(sw)) < 0) return -1;
        c->swap_bytes = strtoull(sw, NULL, 10);
    }
    return 0;
}

static int cpu_src_dir(const char *dir, int v2, char *src, size_t len)
{
    if (!dir[0]) return -1;
    int n =
        snprintf(src, len, "%s:%s/%s", v2 ? "v2" : "v1", dir, v2 ? "cpu.stat" : "cpuacct.usage");
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

int cgroup_cpu_src(const struct cgroup *cg, char *src, size_t len)
{
    return cpu_src_dir(cg->cpu_dir, cg->v2, src, len);
}

int cgroup_cpu_src_at(const char *rel, char *src, size_t len)
{
    char dir[1100];
    int v2 = cgroup_is_v2();
    snprintf(dir, sizeof(dir), CG_ROOT "%s%s", v2 ? "" : (cpuacct_apart() ? "/cpuacct" : "/cpu"),
             rel);
    return cpu_src_dir(dir, v2, src, len);
}

int cgroup_cpu_rel(char *text, int v2, char *rel, size_t len)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c1 = *c2 = '\0';
        const char *ctrl = c1 + 1, *path = c2 + 1;
        int match = v2 ? !strcmp(line, "0") && ctrl[0] == '\0'
                       : !strcmp(ctrl, "cpu,cpuacct") || !strcmp(ctrl, "cpuacct,cpu") ||
                             !strcmp(ctrl, "cpuacct");
        if (!match) continue;
        if (path[0] != '/' || !path[1] || strlen(path) >= len) return -1;
        memcpy(rel, path, strlen(path) + 1);
        return 0;
    }
    return -1;
}

int cgroup_cpu_src_of_pid(int pid, char *src, size_t len)
{
    char path[64], buf[4096], rel[1024];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
    if (pid <= 0 || util_read_file(path, buf, sizeof(buf)) < 0) return -1;
    if (cgroup_cpu_rel(buf, cgroup_is_v2(), rel, sizeof(rel)) < 0) return -1;
    return cgroup_cpu_src_at(rel, src, len);
}

int cgroup_cpuctl_rel(char *text, int v2, char *rel, size_t len)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c1 = *c2 = '\0';
        int match = v2 ? !strcmp(line, "0") && c1[1] == '\0' : 0;
        char *cs = NULL;
        for (char *c = v2 ? NULL : strtok_r(c1 + 1, ",", &cs); c; c = strtok_r(NULL, ",", &cs))
            match |= !strcmp(c, "cpu");
        const char *path = c2 + 1;
        if (!match) continue;
        if (path[0] != '/' || strlen(path) >= len) return -1;
        memcpy(rel, path, strlen(path) + 1);
        return 0;
    }
    return -1;
}

/* "FILE = VALUE" of the weight file in dir, or why not (-1). */
static int weight_read_dir(const char *dir, int v2, char *out, size_t len)
{
    char path[1200], val[64];
    char tmp[8];
    const char *file = cgroup_weight_setting(100, v2, tmp, sizeof(tmp));
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (util_read_file(path, val, sizeof(val)) < 0) {
        snprintf(out, len, "not read back: %s: %s", path, strerror(errno));
        return -1;
    }
    val[strcspn(val, "\n")] = '\0';
    snprintf(out, len, "%s = %s", path, val);
    return 0;
}

int cgroup_weight_read_at(const char *rel, char *out, size_t len)
{
    char dir[1100];
    int v2 = cgroup_is_v2();
    snprintf(dir, sizeof(dir), CG_ROOT "%s%s", v2 ? "" : "/cpu", strcmp(rel, "/") ? rel : "");
    return weight_read_dir(dir, v2, out, len);
}

int cgroup_weight_read_pid(int pid, char *out, size_t len)
{
    char path[64], buf[4096], rel[1024];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
    if (pid <= 0 || util_read_file(path, buf, sizeof(buf)) < 0 ||
        cgroup_cpuctl_rel(buf, cgroup_is_v2(), rel, sizeof(rel)) < 0) {
        snprintf(out, len, "not read back: no cpu cgroup of process %d", pid);
        return -1;
    }
    return cgroup_weight_read_at(rel, out, len);
}

uint64_t cgroup_memory(const struct cgroup *cg)
{
    char buf[64];
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", cg->mem_dir,
             cg->v2 ? "memory.current" : "memory.usage_in_bytes");
    if (!cg->mem_dir[0] || util_read_file(path, buf, sizeof(buf)) < 0) return 0;
    return strtoull(buf, NULL, 10);
}

int cgroup_journal_at(const char *rel, struct journal *j, struct err *e)
{
    char path[1200];
    if (cgroup_is_v2()) {
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", rel);
        return journal_add(j, "cgroup", path, e);
    }
    DIR *d = opendir("/sys/fs/cgroup");
    if (!d) return err_sys(e, ERR_FAIL, errno, "cannot list /sys/fs/cgroup");
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", de->d_name, rel) >=
            (int)sizeof(path))
            rc = err_set(e, ERR_FAIL, "cgroup path too long: %s", rel);
        else
            rc = journal_add(j, "cgroup", path, e);
    }
    closedir(d);
    return rc;
}
