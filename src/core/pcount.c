#include "core/pcount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"

static const char *const pc_names[PC_N] = {
    "ctxsw",      "migrations",  "minflt",  "majflt",  "cycles", "instructions",
    "llc_misses", "dtlb_misses", "vmexits", "user_us", "sys_us", "softirq_us",
};

const char *pcount_name(int c)
{
    return c >= 0 && c < PC_N ? pc_names[c] : "?";
}

int pcount_is_perop(const char *metric)
{
    return metric && !strncmp(metric, "perop.", 6);
}

/* One "v1:FILE", "v2:FILE" or "pid:PID" of len bytes into *p. */
static int parse_part(const char *s, size_t len, struct pc_part *p)
{
    char one[600];
    if (len < 5 || len >= sizeof(one)) return -1;
    memcpy(one, s, len);
    one[len] = '\0';
    memset(p, 0, sizeof(*p));
    if (!strncmp(one, "pid:", 4)) {
        char *end;
        long pid = strtol(one + 4, &end, 10);
        if (*end || pid <= 0) return -1;
        p->kind = 'p';
        p->pid = (int)pid;
        return 0;
    }
    if ((strncmp(one, "v1:", 3) && strncmp(one, "v2:", 3)) || one[3] != '/') return -1;
    const char *slash = strrchr(one + 3, '/');
    size_t n = (size_t)(slash - (one + 3));
    if (n == 0 || n >= sizeof(p->dir)) return -1;
    p->kind = 'c';
    p->v2 = one[1] == '2';
    memcpy(p->dir, one + 3, n);
    p->dir[n] = '\0';
    return 0;
}

int pcount_parse_src(const char *src, struct pc_part *parts, int max)
{
    if (!src || !*src) return -1;
    int n = 0;
    for (const char *p = src;;) {
        const char *plus = strchr(p, '+');
        size_t len = plus ? (size_t)(plus - p) : strlen(p);
        if (n >= max || parse_part(p, len, &parts[n]) < 0) return -1;
        n++;
        if (!plus) break;
        p = plus + 1;
    }
    return n;
}

int pcount_perf_dir(const char *cg_root, const char *dir, int v2, const char *perf_root, char *out,
                    size_t len)
{
    size_t rl = strlen(cg_root);
    if (strncmp(dir, cg_root, rl) || dir[rl] != '/') return -1;
    int n;
    if (v2) {
        n = snprintf(out, len, "%s", dir);
    } else { /* skip the v1 hierarchy's own directory ("cpuacct", "cpu,cpuacct") */
        const char *rel = strchr(dir + rl + 1, '/');
        n = snprintf(out, len, "%s%s", perf_root, rel ? rel : "");
    }
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The n-th (1-based) space-separated field after /proc/PID/stat's "(comm)". */
static int stat_field(const char *text, int n, double *v)
{
    const char *p = strrchr(text, ')');
    if (!p) return -1;
    p++;
    for (int f = 3; f < n; f++) { /* p is just past field 2, the comm */
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++;
    }
    while (*p == ' ')
        p++;
    char *end;
    double x = strtod(p, &end);
    if (end == p) return -1;
    *v = x;
    return 0;
}

/* key's number in "key value" lines; -1 when absent. */
static int line_value(const char *text, const char *key, double *v)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, key, kl) && l[kl] == ' ') {
            char *end;
            *v = strtod(l + kl + 1, &end);
            return end == l + kl + 1 ? -1 : 0;
        }
    return -1;
}

int pcount_parse_cpu(const char *text, char kind, long hz, double *user_s, double *sys_s)
{
    double u, s, cu, cs;
    if (hz <= 0) return -1;
    switch (kind) {
    case '1':
        if (line_value(text, "user", &u) < 0 || line_value(text, "system", &s) < 0) return -1;
        *user_s = u / (double)hz;
        *sys_s = s / (double)hz;
        return 0;
    case '2':
        if (line_value(text, "user_usec", &u) < 0 || line_value(text, "system_usec", &s) < 0)
            return -1;
        *user_s = u / 1e6;
        *sys_s = s / 1e6;
        return 0;
    case 'p':
        if (stat_field(text, 14, &u) < 0 || stat_field(text, 15, &s) < 0 ||
            stat_field(text, 16, &cu) < 0 || stat_field(text, 17, &cs) < 0)
            return -1;
        *user_s = (u + cu) / (double)hz;
        *sys_s = (s + cs) / (double)hz;
        return 0;
    }
    return -1;
}

/* The summed user and system seconds of every part; -1 when one cannot be read. */
static int cpu_read(const struct pcount *pc, double *user_s, double *sys_s)
{
    long hz = sysconf(_SC_CLK_TCK);
    *user_s = *sys_s = 0;
    for (int i = 0; i < pc->nparts; i++) {
        const struct pc_part *p = &pc->part[i];
        char path[600], buf[4096];
        if (p->kind == 'p')
            snprintf(path, sizeof(path), "/proc/%d/stat", p->pid);
        else
            snprintf(path, sizeof(path), "%s/%s", p->dir, p->v2 ? "cpu.stat" : "cpuacct.stat");
        double u, s;
        if (util_read_file(path, buf, sizeof(buf)) < 0 ||
            pcount_parse_cpu(buf, p->kind == 'p' ? 'p' : (p->v2 ? '2' : '1'), hz, &u, &s) < 0)
            return -1;
        *user_s += u;
        *sys_s += s;
    }
    return 0;
}

/* Where a counter is opened: a cgroup's directory fd on every CPU, or one
 * thread (with inherit: what it forks later counts too). */
struct pc_target {
    int pid; /* the cgroup's fd (flags PERF_FLAG_PID_CGROUP) or a thread id */
    int cpu;
    int cgroup;
};
#define PC_MAX_TARGETS 256
_Static_assert(PC_MAX_TARGETS <= PC_MAX_FDS, "a counter's fds hold every target");

/* The perf_event hierarchy v1 cgroups are found in here: a v1 perf_event
 * mount, else the hybrid unified mount (perf_event is implicit on v2). */
static const char *perf_root(void)
{
    struct stat st;
    if (stat(CG_ROOT "/perf_event", &st) == 0) return CG_ROOT "/perf_event";
    return stat(CG_ROOT "/unified/cgroup.procs", &st) == 0 ? CG_ROOT "/unified" : NULL;
}

/* Every thread of pid as a target; 0, or -1 when the list is full. */
static int add_threads(int pid, struct pc_target *t, int *n)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d) return 0; /* gone: nothing of it to count */
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) && rc == 0) {
        int tid = atoi(de->d_name);
        if (tid <= 0) continue;
        if (*n >= PC_MAX_TARGETS) {
            rc = -1;
            break;
        }
        t[(*n)++] = (struct pc_target){.pid = tid, .cpu = -1, .cgroup = 0};
    }
    closedir(d);
    return rc;
}

/* A cgroup part's targets: its perf_event directory on every CPU, or,
 * where the processes have none (a v1 cgroup not mirrored in the perf
 * hierarchy), the threads of the processes in it now. */
static int add_cgroup(const struct pc_part *p, int *fds, int *nfds, struct pc_target *t, int *n)
{
    const char *root = p->v2 ? CG_ROOT : perf_root();
    char dir[600];
    int fd = -1;
    if (root && pcount_perf_dir(CG_ROOT, p->dir, p->v2, root, dir, sizeof(dir)) == 0)
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fds[(*nfds)++] = fd;
        long ncpu = sysconf(_SC_NPROCESSORS_CONF);
        for (long c = 0; c < ncpu; c++) {
            if (*n >= PC_MAX_TARGETS) return -1;
            t[(*n)++] = (struct pc_target){.pid = fd, .cpu = (int)c, .cgroup = 1};
        }
        return 0;
    }
    char path[600], buf[8192];
    snprintf(path, sizeof(path), "%s/cgroup.procs", p->dir);
    if (util_read_file(path, buf, sizeof(buf)) < 0) return 0;
    for (char *l = buf; *l;) {
        int pid = atoi(l);
        if (pid > 0 && add_threads(pid, t, n) < 0) return -1;
        char *nl = strchr(l, '\n');
        if (!nl) break;
        l = nl + 1;
    }
    return 0;
}

/* The event counter c is, in *a; -1 (why filled) when this host has none. */
static int event_of(int c, struct perf_event_attr *a, char *why, size_t len)
{
    static const struct {
        unsigned type;
        unsigned long long config;
    } ev[PC_NPERF] = {
        [PC_CTXSW] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
        [PC_MIGRATIONS] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
        [PC_MINFLT] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN},
        [PC_MAJFLT] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ},
        [PC_CYCLES] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
        [PC_INSTRUCTIONS] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
        [PC_LLC_MISSES] = {PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_LL |
                                                   (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                                                   (PERF_COUNT_HW_CACHE_RESULT_MISS << 16)},
        [PC_DTLB_MISSES] = {PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_DTLB |
                                                    (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                                                    (PERF_COUNT_HW_CACHE_RESULT_MISS << 16)},
        [PC_VMEXITS] = {PERF_TYPE_TRACEPOINT, 0},
    };
    memset(a, 0, sizeof(*a));
    a->size = sizeof(*a);
    a->type = ev[c].type;
    a->config = ev[c].config;
    if (c != PC_VMEXITS) return 0;
    static const char *const ids[] = {"/sys/kernel/tracing/events/kvm/kvm_exit/id",
                                      "/sys/kernel/debug/tracing/events/kvm/kvm_exit/id"};
    char buf[32];
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (util_read_file(ids[i], buf, sizeof(buf)) == 0) {
            a->config = strtoull(buf, NULL, 10);
            return 0;
        }
    snprintf(why, len,
             "no kvm:kvm_exit tracepoint (tracefs not mounted or kvm not loaded: "
             "/sys/kernel/tracing/events/kvm absent)");
    return -1;
}

/* Why perf_event_open refused counter c with err. */
static void refused(int c, int err, char *why, size_t len)
{
    const char *name = strerrorname_np(err);
    int hw = c == PC_CYCLES || c == PC_INSTRUCTIONS || c == PC_LLC_MISSES || c == PC_DTLB_MISSES;
    if (hw && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV))
        snprintf(why, len, "no hardware PMU (perf_event_open %s)", name ? name : "?");
    else
        snprintf(why, len, "perf_event_open %s", name ? name : "?");
}

/* Counter c on every target; all or nothing (a part counted is no count). */
static void open_counter(struct pcount *pc, int c, const struct pc_target *t, int n)
{
    struct perf_event_attr a;
    if (event_of(c, &a, pc->v.why[c], PC_WHY) < 0) return;
    for (int i = 0; i < n; i++) {
        a.inherit = !t[i].cgroup;
        unsigned long flags = PERF_FLAG_FD_CLOEXEC | (t[i].cgroup ? PERF_FLAG_PID_CGROUP : 0);
        long fd = syscall(SYS_perf_event_open, &a, t[i].pid, t[i].cpu, -1, flags);
        if (fd < 0 && t[i].cgroup && errno == ENODEV) continue; /* an offline CPU */
        if (fd < 0 && !t[i].cgroup && errno == ESRCH) continue; /* a thread that ended */
        if (fd < 0) {
            refused(c, errno, pc->v.why[c], PC_WHY);
            for (int k = 0; k < pc->nfd[c]; k++)
                close(pc->fd[c][k]);
            pc->nfd[c] = 0;
            return;
        }
        pc->fd[c][pc->nfd[c]++] = (int)fd;
    }
    pc->v.have[c] = 1;
}

void pcount_open(struct pcount *pc, const char *src)
{
    memset(pc, 0, sizeof(*pc));
    pc->nparts = pcount_parse_src(src, pc->part, PC_MAX_PARTS);
    if (pc->nparts < 0) {
        pc->nparts = 0;
        for (int c = 0; c < PC_N; c++)
            snprintf(pc->v.why[c], PC_WHY, "the environment names no processes to count");
        return;
    }
    struct pc_target t[PC_MAX_TARGETS];
    int n = 0, cgfd[PC_MAX_PARTS], ncg = 0, full = 0;
    for (int i = 0; i < pc->nparts && !full; i++)
        full = pc->part[i].kind == 'p' ? add_threads(pc->part[i].pid, t, &n) < 0
                                       : add_cgroup(&pc->part[i], cgfd, &ncg, t, &n) < 0;
    for (int c = 0; c < PC_NPERF; c++) {
        if (full)
            snprintf(pc->v.why[c], PC_WHY, "more than %d threads to count", PC_MAX_TARGETS);
        else if (n == 0)
            snprintf(pc->v.why[c], PC_WHY, "no process of the environment found to count");
        else
            open_counter(pc, c, t, n); /* n <= PC_MAX_TARGETS <= PC_MAX_FDS */
    }
    int nthreads = 0;
    for (int i = 0; i < n; i++)
        nthreads += !t[i].cgroup;
    if (n && !full)
        snprintf(pc->v.how, sizeof(pc->v.how), "%s%s%.0d", ncg ? "cgroup" : "",
                 ncg && nthreads ? "+threads:" : (nthreads ? "threads:" : ""), nthreads);
    for (int i = 0; i < ncg; i++) /* perf holds its own reference to the cgroup */
        close(cgfd[i]);
    pc->cpu_ok = cpu_read(pc, &pc->user0, &pc->sys0) == 0;
    snprintf(pc->v.why[PC_SOFTIRQ_US], PC_WHY,
             "softirq time is charged to no cgroup or process (host-wide only, /proc/stat)");
}

void pcount_close(struct pcount *pc, struct pc_vals *v)
{
    *v = pc->v;
    for (int c = 0; c < PC_NPERF; c++) {
        double sum = 0;
        for (int k = 0; k < pc->nfd[c]; k++) {
            unsigned long long x = 0;
            if (read(pc->fd[c][k], &x, sizeof(x)) != (ssize_t)sizeof(x) && v->have[c]) {
                v->have[c] = 0;
                snprintf(v->why[c], PC_WHY, "reading the counter failed (errno %d)", errno);
            }
            sum += (double)x;
            close(pc->fd[c][k]);
        }
        pc->nfd[c] = 0;
        v->value[c] = sum;
    }
    double u, s;
    if (pc->cpu_ok && cpu_read(pc, &u, &s) == 0) {
        v->have[PC_USER_US] = v->have[PC_SYS_US] = 1;
        v->value[PC_USER_US] = (u - pc->user0) * 1e6;
        v->value[PC_SYS_US] = (s - pc->sys0) * 1e6;
    } else {
        for (int c = PC_USER_US; c <= PC_SYS_US; c++)
            if (!v->why[c][0])
                snprintf(v->why[c], PC_WHY,
                         "the environment's cpuacct.stat/cpu.stat/stat "
                         "could not be read before and after");
    }
}

int pcount_result(const struct pc_vals *v, double host_cpu_s, const char *unit, double units,
                  struct result *r, struct err *e)
{
    if (!unit || !strcmp(unit, "none") || !(units > 0)) return 0;
    if (kv_set(&r->facts, "perop.unit", unit, e) < 0 ||
        (v->how[0] && kv_set(&r->facts, "perop.source", v->how, e) < 0))
        return -1;
    for (int c = 0; c < PC_N; c++) {
        char name[LIM_METRIC_NAME], u[LIM_METRIC_UNIT], k[64], why[PC_WHY + 16];
        int us = c >= PC_USER_US;
        snprintf(name, sizeof(name), "perop.%s", pc_names[c]);
        int n = snprintf(u, sizeof(u), "%s/%s", us ? "us" : "", unit);
        if (n < 0 || (size_t)n >= sizeof(u))
            return err_set(e, ERR_FAIL, "perop: unit '%s' too long", unit);
        if (v->have[c]) {
            if (result_add(r, name, u, BETTER_LOWER, v->value[c] / units, e) < 0) return -1;
            continue;
        }
        snprintf(k, sizeof(k), "counters.%s", pc_names[c]);
        snprintf(why, sizeof(why), "absent: %s", v->why[c][0] ? v->why[c] : "not read");
        if (kv_set(&r->facts, k, why, e) < 0) return -1;
    }
    if (host_cpu_s < 0)
        return kv_set(&r->facts, "counters.host_cpu_us",
                      "absent: the environment's host CPU time was not read", e);
    char u[LIM_METRIC_UNIT];
    snprintf(u, sizeof(u), "us/%s", unit); /* fits: checked in the loop */
    return result_add(r, "perop.host_cpu_us", u, BETTER_LOWER, host_cpu_s * 1e6 / units, e);
}
