#include "core/host.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buildinfo.h"
#include "core/bigmem.h"
#include "core/dynlib.h"

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
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)util_llc_bytes());
    kv_set(l, "llc_bytes", buf, NULL);
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
    /* BLAS is not loaded here: OpenBLAS starts a thread pool on load, and the
     * runner must stay single-threaded (environments fork and clone3 from
     * it). The linpack workload reports linpack.blas with every sample. */
}
