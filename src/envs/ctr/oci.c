#include "envs/ctr/confine.h"
#include "envs/ctr/oci.h"

#include "envs/ctr/devices.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "core/json.h"
#include "core/util.h"
#include "envs/ctr/rootfs.h"

extern char **environ;

static void json_strs(FILE *f, const char *const *v)
{
    fputc('[', f);
    for (int i = 0; v[i]; i++) {
        if (i) fputc(',', f);
        json_str(f, v[i]);
    }
    fputc(']', f);
}

/* The capability names of confine_caps as a JSON array. */
static void json_caps(FILE *f)
{
    fputc('[', f);
    for (const struct confine_cap *c = confine_caps; c->name; c++) {
        if (c != confine_caps) fputc(',', f);
        json_str(f, c->name);
    }
    fputc(']', f);
}

/* Docker's masked paths: the masked files and the masked directories. */
/* Docker's device policy (devices.h): deny all, then the allow-list. */
static void json_devices(FILE *f)
{
    fputs("\"devices\":[{\"allow\":false,\"access\":\"rwm\"}", f);
    for (const struct dev_rule *r = dev_allowed; r->type; r++) {
        fprintf(f, ",{\"allow\":true,\"type\":\"%c\"", r->type);
        if (r->major >= 0) fprintf(f, ",\"major\":%d", r->major);
        if (r->minor >= 0) fprintf(f, ",\"minor\":%d", r->minor);
        fprintf(f, ",\"access\":\"%s\"}", r->access);
    }
    fputc(']', f);
}

static void json_masked(FILE *f)
{
    fputc('[', f);
    int n = 0;
    for (const char *const *p = sandbox_masked_files; *p; p++, n++) {
        if (n) fputc(',', f);
        json_str(f, *p);
    }
    for (const char *const *p = sandbox_masked_dirs; *p; p++, n++) {
        if (n) fputc(',', f);
        json_str(f, *p);
    }
    fputc(']', f);
}

static void write_mount(FILE *f, const char *dst, const char *type, const char *src,
                        const char *const *opts)
{
    fputs(",{\"destination\":", f);
    json_str(f, dst);
    fputs(",\"type\":", f);
    json_str(f, type);
    fputs(",\"source\":", f);
    json_str(f, src);
    fputs(",\"options\":", f);
    json_strs(f, opts);
    fputc('}', f);
}

struct sc_json {
    FILE *f;
    int n; /* entries written */
};

/* One profile rule as an OCI seccomp entry. */
static int json_sc_rule(const struct confine_sc_rule *r, void *arg)
{
    struct sc_json *j = arg;
    FILE *f = j->f;
    fputs(j->n++ ? ",{\"names\":[" : "{\"names\":[", f);
    json_str(f, r->name);
    if (r->errno_ret < 0)
        fputs("],\"action\":\"SCMP_ACT_ALLOW\"", f);
    else
        fprintf(f, "],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":%d", r->errno_ret);
    if (r->nargs) fputs(",\"args\":[", f);
    for (int i = 0; i < r->nargs; i++)
        fprintf(f, "%s{\"index\":%u,\"value\":%llu,\"valueTwo\":%llu,\"op\":\"%s\"}", i ? "," : "",
                r->args[i].idx, r->args[i].a, r->args[i].b, confine_sc_op_name(r->args[i].op));
    if (r->nargs) fputc(']', f);
    fputc('}', f);
    return 0;
}

/* linux.seccomp: the same profile the own runtime loads (confine.h), so
 * runc's containers are filtered as Docker's are. */
static void json_seccomp(FILE *f)
{
    fprintf(f,
            ",\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":%d,"
            "\"architectures\":",
            confine_profile_default_errno);
    json_strs(f, confine_profile_arches);
    fputs(",\"syscalls\":[", f);
    struct sc_json j = {.f = f};
    confine_profile_each(json_sc_rule, &j);
    fputs("]}", f);
}

void oci_resources_json(FILE *f, const struct cg_limits *l, int v2)
{
    fputc('{', f);
    json_devices(f);
    int shares = l->cpu_weight && !v2, n = 0;
    if (l->cpus[0] || l->cpu_quota > 0 || shares) {
        fputs(",\"cpu\":{", f);
        if (l->cpus[0]) fprintf(f, "%s\"cpus\":\"%s\"", n++ ? "," : "", l->cpus);
        if (l->cpu_quota > 0)
            fprintf(f, "%s\"quota\":%lld,\"period\":100000", n++ ? "," : "",
                    (long long)(l->cpu_quota * 100000));
        if (shares)
            fprintf(f, "%s\"shares\":%llu", n++ ? "," : "",
                    (unsigned long long)cgroup_weight_shares(l->cpu_weight));
        fputc('}', f);
    }
    if (l->mem) fprintf(f, ",\"memory\":{\"limit\":%llu}", (unsigned long long)l->mem);
    if (l->pids) fprintf(f, ",\"pids\":{\"limit\":%llu}", (unsigned long long)l->pids);
    /* v2: the weight itself, as the runtime writes unified keys verbatim;
     * OCI's cpu.shares would go through the runtime's own shares-to-weight
     * conversion (runc 1.1: shares 1024 -> weight 39) */
    if (l->cpu_weight && v2) fprintf(f, ",\"unified\":{\"cpu.weight\":\"%u\"}", l->cpu_weight);
    fputc('}', f);
}

int oci_write_config(const char *bundle, const struct ctr_config *cfg, const char *volume,
                     const struct env_ctx *ctx, const char *rootfs, int stdio, struct err *e)
{

    static const char *const args_fd[] = {ROOTFS_AGENT, "agent", "--serve", "--fd", "3", NULL};
    static const char *const args_stdio[] = {ROOTFS_AGENT, "agent", "--serve", "--stdio", NULL};
    const char *const *args = stdio ? args_stdio : args_fd;
    char path[800];
    snprintf(path, sizeof(path), "%s/config.json", bundle);
    FILE *f = fopen(path, "we");
    if (!f) return err_sys(e, ERR_FAIL, errno, "cannot write %s", path);
    fputs(
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
        "\"args\":",
        f);
    json_strs(f, args);
    /* The agent's environment: what util_env_passed lets through, as in
     * every other environment (OPENBLAS_CORETYPE or OMP_NUM_THREADS change
     * results, so no environment may differ by them), never root's tokens. */
    fputs(",\"env\":[\"HOME=/root\"", f);
    for (char **v = environ; *v; v++) {
        if (!util_env_passed(*v)) continue;
        fputc(',', f);
        json_str(f, *v);
    }
    fputs("],\"cwd\":\"/\",\"noNewPrivileges\":true,\"capabilities\":{\"bounding\":", f);
    json_caps(f);
    fputs(",\"effective\":", f);
    json_caps(f);
    fputs(",\"permitted\":", f);
    json_caps(f);
    /* The host's own hard limit: raising it is refused where it is lower
     * than Docker's 1048576 (as here). */
    struct rlimit rl = {0};
    getrlimit(RLIMIT_NOFILE, &rl);
    fprintf(f,
            "},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":%llu,\"soft\":%llu}]},"
            "\"root\":{\"path\":",
            (unsigned long long)rl.rlim_max, (unsigned long long)rl.rlim_max);
    json_str(f, rootfs);
    fprintf(f, ",\"readonly\":false},\"hostname\":\"isobench-%d\",\"mounts\":[", ctx->rq->idx);
    static const char *const proc_o[] = {"nosuid", "noexec", "nodev", NULL};
    static const char *const dev_o[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
    static const char *const pts_o[] = {"nosuid",        "noexec",    "newinstance",
                                        "ptmxmode=0666", "mode=0620", NULL};
    static const char *const shm_o[] = {"nosuid",    "noexec",      "nodev",
                                        "mode=1777", "size=65536k", NULL};
    static const char *const sys_o[] = {"nosuid", "noexec", "nodev", "ro", NULL};
    static const char *const bind_ro[] = {"bind", "ro", NULL};
    static const char *const rbind[] = {"rbind", NULL};
    fputs("{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":", f);
    json_strs(f, proc_o);
    fputc('}', f);
    write_mount(f, "/dev", "tmpfs", "tmpfs", dev_o);
    write_mount(f, "/dev/pts", "devpts", "devpts", pts_o);
    write_mount(f, "/dev/shm", "tmpfs", "shm", shm_o);
    /* a fresh read-only sysfs with net=host too (no user namespace here):
     * a recursive bind of the host's /sys made read-only at the top left
     * /sys/fs/cgroup's hierarchies writable */
    write_mount(f, "/sys", "sysfs", "sysfs", sys_o);
    /* the container's own cgroups, read-only, as Docker's default: a
     * workload sizing itself from its quota (sizing=cgroup) reads them */
    static const char *const cg_o[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
    write_mount(f, "/sys/fs/cgroup", "cgroup", "cgroup", cg_o);
    write_mount(f, ROOTFS_AGENT, "bind", env_self_exe(), bind_ro);
    if (volume[0]) write_mount(f, "/data", "bind", volume, rbind);
    fputs("],\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
          "{\"type\":\"mount\"},{\"type\":\"cgroup\"}",
          f);
    if (strcmp(cfg->net, "host")) fputs(",{\"type\":\"network\"}", f);
    fprintf(f, "],\"cgroupsPath\":\"/isobench-%s\",\"resources\":", env_inst(ctx));
    oci_resources_json(f, &cfg->limits, cgroup_is_v2());
    fputs(",\"maskedPaths\":", f);
    json_masked(f);
    fputs(",\"readonlyPaths\":", f);
    json_strs(f, sandbox_readonly);
    json_seccomp(f);
    fputs("}}\n", f);
    if (fclose(f) != 0) return err_sys(e, ERR_FAIL, errno, "writing %s", path);
    return 0;
}
