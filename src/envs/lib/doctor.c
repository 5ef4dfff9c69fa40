/* doctor - the host's isolation facts, and what isobench will do with
 * them: which accelerator a vm gets and why, which cgroup backend the
 * containers use, what the tuned profiles could use (hugepages, vhost).
 * Read-only: creates nothing. */
#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/bigmem.h"
#include "envs/ctr/cgroup.h"
#include "envs/lib/doctor.h"

static const char *yesno(int v)
{
    return v ? "yes" : "no";
}

static void doctor_cpu(struct kvlist *l)
{
    char buf[16384] = "", v[64];
    util_read_file("/proc/cpuinfo", buf, sizeof(buf));
    kv_set(l, "cpu.vmx", yesno(strstr(buf, " vmx") != NULL), NULL);
    kv_set(l, "cpu.svm", yesno(strstr(buf, " svm") != NULL), NULL);
    snprintf(v, sizeof(v), "%d", util_ncpus());
    kv_set(l, "cpu.online", v, NULL);
    char smt[16] = "unknown";
    util_read_file("/sys/devices/system/cpu/smt/active", smt, sizeof(smt));
    kv_set(l, "cpu.smt_active", smt, NULL);
    char gov[64] = "none (no cpufreq)";
    util_read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", gov, sizeof(gov));
    kv_set(l, "cpu.governor", gov, NULL);
    int nodes = 0;
    DIR *d = opendir("/sys/devices/system/node");
    struct dirent *de;
    while (d && (de = readdir(d)))
        nodes += !strncmp(de->d_name, "node", 4) && de->d_name[4] >= '0' && de->d_name[4] <= '9';
    if (d) closedir(d);
    snprintf(v, sizeof(v), "%d", nodes);
    kv_set(l, "numa.nodes", v, NULL);
}

static void doctor_virt(struct kvlist *l)
{
    static const char *const mods[] = {"kvm_intel", "kvm_amd", "kvm_pvm"};
    char m[64] = "";
    for (size_t i = 0; i < 3; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/sys/module/%s", mods[i]);
        if (access(p, F_OK) == 0)
            snprintf(m + strlen(m), sizeof(m) - strlen(m), "%s%s", m[0] ? "," : "", mods[i]);
    }
    kv_set(l, "kvm.module", m[0] ? m : "none", NULL);
    kv_set(l, "kvm.dev", yesno(access("/dev/kvm", R_OK | W_OK) == 0), NULL);
    kv_set(l, "vhost.net", yesno(access("/dev/vhost-net", R_OK | W_OK) == 0), NULL);
    kv_set(l, "vhost.vsock", yesno(access("/dev/vhost-vsock", R_OK | W_OK) == 0), NULL);
    char why[200];
    const char *acc = vm_accel_detect(why, sizeof(why));
    char v[300];
    snprintf(v, sizeof(v), "%s (%s)", acc, why);
    kv_set(l, "vm.accel", v, NULL);
    if (strcmp(acc, "kvm"))
        kv_set(l, "vm.note", "vm results here are EMULATED (TCG): not comparable to KVM", NULL);
}

void doctor_facts(struct kvlist *l)
{
    doctor_cpu(l);
    doctor_virt(l);
    char mem[4096] = "", v[128];
    util_read_file("/proc/meminfo", mem, sizeof(mem));
    const char *h = strstr(mem, "HugePages_Total:");
    const char *s = strstr(mem, "Hugepagesize:");
    long total = h ? atol(h + 16) : 0, size = s ? atol(s + 13) : 0;
    snprintf(v, sizeof(v), "%ld x %ld kB", total, size);
    kv_set(l, "hugepages", v, NULL);
    char thp[32];
    bigmem_thp_mode(thp, sizeof(thp));
    snprintf(v, sizeof(v), "%s%s", thp,
             strcmp(thp, "always") && strcmp(thp, "madvise")
                 ? " (pages=huge of stream/randomaccess/linpack gets base pages)"
                 : " (pages=huge gets 2 MiB pages)");
    kv_set(l, "thp", v, NULL);
    int hybrid = access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0;
    kv_set(l, "cgroup",
           cgroup_is_v2() ? "v2 (unified)"
           : hybrid       ? "v1 (hybrid: v2 at /sys/fs/cgroup/unified)"
                          : "v1",
           NULL);
    const char *ns[] = {"mnt", "pid", "net", "uts", "ipc", "cgroup", "user"};
    char have[128] = "";
    for (size_t i = 0; i < 7; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/ns/%s", ns[i]);
        if (access(p, F_OK) == 0)
            snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s", have[0] ? "," : "",
                     ns[i]);
    }
    kv_set(l, "namespaces", have, NULL);
}
