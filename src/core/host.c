#include "core/host.h"

#include <ctype.h>
#include <stdlib.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buildinfo.h"
#include "core/bigmem.h"
#include "core/dynlib.h"
#include "core/facts.h"

/* Value of the first "key\t: value" line of /proc/cpuinfo. */
static int cpuinfo_field(const char *key, char *out, size_t len)
{
    FILE *f cleanup_fclose = fopen("/proc/cpuinfo", "re");
    if (!f) return -1;
    char line[4096];
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) != 0) continue;
        char *colon = strchr(line, ':');
        if (!colon) continue;
        snprintf(out, len, "%s", colon + 2);
        out[strcspn(out, "\n")] = '\0';
        return 0;
    }
    return -1;
}

/* One cache of one CPU: cpu_root/cpuN/cache/indexI. Returns its level,
 * or 0 when it does not exist or is an instruction cache. */
static int llc_index(const char *cpu_root, const char *cpu, int i, uint64_t *size, char *shared,
                     size_t len)
{
    char path[512], buf[64];
    int n = snprintf(path, sizeof(path), "%s/%s/cache/index%d/type", cpu_root, cpu, i);
    if (n < 0 || (size_t)n >= sizeof(path) || util_read_file(path, buf, sizeof(buf)) < 0) return 0;
    if (strcmp(buf, "Instruction") == 0) return 0;
    snprintf(path, sizeof(path), "%s/%s/cache/index%d/level", cpu_root, cpu, i);
    uint64_t level;
    if (util_read_file(path, buf, sizeof(buf)) < 0 || util_parse_u64(buf, &level, NULL) < 0)
        return 0;
    snprintf(path, sizeof(path), "%s/%s/cache/index%d/size", cpu_root, cpu, i);
    if (util_read_file(path, buf, sizeof(buf)) < 0 || util_parse_size(buf, size, NULL) < 0)
        *size = 0;
    snprintf(path, sizeof(path), "%s/%s/cache/index%d/shared_cpu_list", cpu_root, cpu, i);
    if (util_read_file(path, shared, len) < 0) snprintf(shared, len, "%s", cpu);
    return level > 0 && level < 100 ? (int)level : 0;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Two passes over the CPUs: the highest level, then its distinct
 * instances (a hash of each shared_cpu_list; at most 4096 of them). */
uint64_t host_llc_scan(const char *cpu_root, int *instances)
{
    enum { MAX_INST = 4096 };
    uint64_t *seen = calloc(MAX_INST, sizeof(*seen));
    uint64_t total = 0;
    int top = 0, nseen = 0;
    *instances = 0;
    if (!seen) return 0;
    for (int pass = 0; pass < 2; pass++) {
        DIR *d = opendir(cpu_root);
        if (!d) break;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strncmp(de->d_name, "cpu", 3) || !isdigit((unsigned char)de->d_name[3])) continue;
            for (int i = 0; i < 16; i++) {
                uint64_t size;
                char shared[1024];
                int level = llc_index(cpu_root, de->d_name, i, &size, shared, sizeof(shared));
                if (pass == 0 && level > top) top = level;
                if (pass == 0 || level != top || size == 0) continue;
                uint64_t h = fnv1a(shared);
                int dup = 0;
                for (int k = 0; k < nseen && !dup; k++)
                    dup = seen[k] == h;
                if (dup || nseen == MAX_INST) continue;
                seen[nseen++] = h;
                total += size;
            }
        }
        closedir(d);
    }
    free(seen);
    *instances = nseen;
    return total;
}

void host_caps_probe(struct host_caps *c)
{
    c->ncpus = util_ncpus();
    c->llc_bytes = host_llc_scan("/sys/devices/system/cpu", &c->llc_instances);
    c->mem_total = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    c->mem_avail = util_mem_available();
    struct statvfs sv;
    c->data_free = statvfs(HOST_DATA_DIR, &sv) == 0 ? (uint64_t)sv.f_bavail * sv.f_frsize : 0;
}

/* utime + stime + cutime + cstime of /proc/PID/stat, in seconds. */
static int host_pid_cpu(const char *pid, double *seconds)
{
    char path[64], buf[2048];
    char *end;
    long p = strtol(pid, &end, 10);
    if (p <= 0 || *end) return -1;
    snprintf(path, sizeof(path), "/proc/%ld/stat", p);
    if (util_read_file(path, buf, sizeof(buf)) < 0) return -1;
    const char *f = strrchr(buf, ')'); /* comm may hold spaces and parens */
    if (!f) return -1;
    /* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime(14) stime cutime cstime */
    unsigned long long t[4];
    if (sscanf(f + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &t[0],
               &t[1], &t[2], &t[3]) != 4)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    *seconds = (double)(t[0] + t[1] + t[2] + t[3]) / (double)(hz > 0 ? hz : 100);
    return 0;
}

/* One source of host_cpu_read (len bytes of src). */
static int host_cpu_one(const char *src, size_t len, double *seconds)
{
    char one[1024], buf[2048];
    if (len >= sizeof(one) || len < 4) return -1;
    memcpy(one, src, len);
    one[len] = '\0';
    if (!strncmp(one, "pid:", 4)) return host_pid_cpu(one + 4, seconds);
    if (one[2] != ':' || util_read_file(one + 3, buf, sizeof(buf)) < 0) return -1;
    if (!strncmp(one, "v1", 2)) {
        *seconds = (double)strtoull(buf, NULL, 10) / 1e9;
        return 0;
    }
    const char *u = strstr(buf, "usage_usec ");
    if (strncmp(one, "v2", 2) || !u) return -1;
    *seconds = (double)strtoull(u + 11, NULL, 10) / 1e6;
    return 0;
}

int host_cpu_read(const char *src, double *seconds)
{
    if (!src || !*src) return -1;
    double sum = 0;
    for (const char *p = src;;) {
        const char *plus = strchr(p, '+');
        size_t len = plus ? (size_t)(plus - p) : strlen(p);
        double s;
        if (host_cpu_one(p, len, &s) < 0) return -1;
        sum += s;
        if (!plus) break;
        p = plus + 1;
    }
    *seconds = sum;
    return 0;
}

void host_facts(struct kvlist *l)
{
    char buf[256];
    if (cpuinfo_field("model name", buf, sizeof(buf)) == 0) kv_set(l, "cpu_model", buf, NULL);
    char flags[4096];
    if (cpuinfo_field("flags", flags, sizeof(flags)) == 0) {
        kv_set(l, "cpu_hypervisor", strstr(flags, " hypervisor") ? "yes" : "no", NULL);
        kv_set(l, "cpu_vmx_svm", (strstr(flags, " vmx") || strstr(flags, " svm")) ? "yes" : "no",
               NULL);
    }
    snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    kv_set(l, "cpus_online", buf, NULL);
    snprintf(buf, sizeof(buf), "%d", util_ncpus());
    kv_set(l, "cpus_allowed", buf, NULL);
    snprintf(buf, sizeof(buf), "%llu",
             (unsigned long long)sysconf(_SC_PHYS_PAGES) *
                 (unsigned long long)sysconf(_SC_PAGESIZE));
    kv_set(l, "mem_total_bytes", buf, NULL);
    int llc_n;
    snprintf(buf, sizeof(buf), "%llu",
             (unsigned long long)host_llc_scan("/sys/devices/system/cpu", &llc_n));
    kv_set(l, "llc_bytes", buf, NULL); /* the sum of every last-level cache instance */
    snprintf(buf, sizeof(buf), "%d", llc_n);
    kv_set(l, "llc_instances", buf, NULL);
    struct utsname u;
    if (uname(&u) == 0) {
        kv_set(l, "kernel", u.release, NULL);
        kv_set(l, "kernel_version", u.version, NULL);
        kv_set(l, "arch", u.machine, NULL);
    }
    if (util_read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof(buf)) <
        0)
        strcpy(buf, "none (no cpufreq)");
    kv_set(l, "governor", buf, NULL);
    if (util_read_file("/sys/devices/system/cpu/smt/active", buf, sizeof(buf)) < 0)
        strcpy(buf, "unknown");
    kv_set(l, "smt_active", buf, NULL);
    bigmem_thp_mode(buf, sizeof(buf));
    kv_set(l, "thp", buf, NULL);
    if (gethostname(buf, sizeof(buf)) == 0) kv_set(l, "hostname", buf, NULL);
    util_tuning_env(l); /* also reported per sample by the agent */
    kv_set(l, "isobench_version", ISOBENCH_VERSION, NULL);
    kv_set(l, "build_flags", ISOBENCH_BUILD_FLAGS, NULL);
    kv_set(l, "compiler", ISOBENCH_COMPILER, NULL);
    kv_set(l, "sqlite_version", sqlite3_libversion(), NULL);
    snprintf(buf, sizeof(buf), "%d", _OPENMP);
    kv_set(l, "openmp_version", buf, NULL);
    const struct lzma_api *lz;
    kv_set(l, "liblzma_version", dynlib_lzma(&lz) ? "missing" : lz->version_string(), NULL);
    facts_probe("", HOST_DATA_DIR, l, NULL); /* what tells hosts apart (core/facts.h) */
    facts_runtimes(l, NULL);
    facts_host_id_fact("", l);
    /* BLAS is not loaded here: OpenBLAS starts a thread pool on load, and the
     * runner must stay single-threaded (environments fork and clone3 from
     * it). The linpack workload reports linpack.blas with every sample. */
}

int host_busy_read(double *seconds)
{
    char buf[512];
    unsigned long long u, n, sy, idle, io, irq, soft;
    if (util_read_file("/proc/stat", buf, sizeof(buf)) < 0 ||
        sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu", &u, &n, &sy, &idle, &io, &irq,
               &soft) != 7)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0) return -1;
    *seconds = (double)(u + n + sy + irq + soft) / (double)hz;
    return 0;
}
