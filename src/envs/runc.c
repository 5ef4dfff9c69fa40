/* runc - the same agent in a container made by runc from an OCI bundle that
 * isobench writes: config.json (Docker's default capabilities, masked and
 * read-only paths, namespaces, cgroup limits) and a root that is an overlay
 * of the image (the host root by default) mounted in the host namespace and
 * journaled. `runc run --preserve-fds 1` hands the agent its channel as
 * fd 3. runc keeps its state under our state dir (--root), and `runc
 * delete --force` is journaled before the container starts, so a killed
 * run leaves no container behind. Networking: none (own netns, loopback)
 * or host. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "core/json.h"
#include "envs/container/config.h"
#include "envs/container/rootfs.h"
#include "envs/env.h"

static const char *const runc_keys[] = {"net",       "storage", "image", "cpus",
                                        "cpu-quota", "mem",     "pids",  NULL};
static const char *const runc_nets[] = {"none", "host", NULL};

struct runc {
    struct ctr_config cfg;
    char state[600], root[700], bundle[700], id[128], volume[600], data_ovl[600];
    pid_t pid;
    int chan;
};

/* Runs argv to completion with stdio on /dev/null; returns its exit status. */
static int run_quiet(char *const argv[])
{
    pid_t p = fork();
    if (p == 0) {
        FILE *n = freopen("/dev/null", "r+", stdout);
        (void)n;
        n = freopen("/dev/null", "r+", stderr);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (p < 0 || waitpid(p, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int runc_find(char *out, size_t len)
{
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/runc", d);
        if (access(out, X_OK) == 0) return 0;
    }
    return -1;
}

static const char *runc_unavailable(void)
{
    char p[512];
    if (runc_find(p, sizeof(p)) < 0) return "runc not found (apt-get install runc)";
    if (geteuid() != 0) return "needs root";
    return NULL;
}

static int runc_check(const struct spec *sp, struct err *e)
{
    struct ctr_config c;
    return ctr_config_parse(sp, runc_nets, &c, e);
}

/* "ROOT ID": force-deletes the container (kills it, removes its cgroup). */
static int undo_runc(const char *arg)
{
    char root[700], id[128], bin[512];
    if (sscanf(arg, "%699s %127s", root, id) != 2 || runc_find(bin, sizeof(bin)) < 0) return -1;
    struct stat st;
    if (stat(root, &st) < 0) return 0; /* runc never got to create it */
    char *const argv[] = {bin, "--root", root, "delete", "--force", id, NULL};
    run_quiet(argv);
    char path[900];
    snprintf(path, sizeof(path), "%s/%s", root, id);
    return stat(path, &st) == 0 ? -1 : 0;
}

__attribute__((constructor)) static void runc_register(void)
{
    journal_register_undo("runc", undo_runc);
}

static void json_strs(FILE *f, const char *const *v)
{
    fputc('[', f);
    for (int i = 0; v[i]; i++) {
        if (i) fputc(',', f);
        json_str(f, v[i]);
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

/* Writes bundle/config.json for rootfs `root`. */
static int write_config(struct runc *r, const struct env_ctx *ctx, const char *rootfs,
                        struct err *e)
{
    static const char *const caps[] = {"CAP_CHOWN",
                                       "CAP_DAC_OVERRIDE",
                                       "CAP_FSETID",
                                       "CAP_FOWNER",
                                       "CAP_MKNOD",
                                       "CAP_NET_RAW",
                                       "CAP_SETGID",
                                       "CAP_SETUID",
                                       "CAP_SETFCAP",
                                       "CAP_SETPCAP",
                                       "CAP_NET_BIND_SERVICE",
                                       "CAP_SYS_CHROOT",
                                       "CAP_KILL",
                                       "CAP_AUDIT_WRITE",
                                       NULL};
    static const char *const args[] = {ROOTFS_AGENT, "agent", "--serve", "--fd", "3", NULL};
    static const char *const masked[] = {
        "/proc/acpi",          "/proc/kcore",      "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug",
        "/proc/scsi",          "/sys/firmware",    NULL};
    static const char *const ro[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                     "/proc/sysrq-trigger", NULL};
    char path[800];
    snprintf(path, sizeof(path), "%s/config.json", r->bundle);
    FILE *f = fopen(path, "we");
    if (!f) return err_set(e, ERR_FAIL, "cannot write %s: %s", path, strerror(errno));
    fputs(
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
        "\"args\":",
        f);
    json_strs(f, args);
    /* The agent's environment is isobench's own, as in every other
     * environment: variables such as OPENBLAS_CORETYPE or OMP_NUM_THREADS
     * change results, so no environment may differ by them. */
    fputs(",\"env\":[", f);
    for (char **v = environ; *v; v++) {
        if (v != environ) fputc(',', f);
        json_str(f, *v);
    }
    fputs("],\"cwd\":\"/\",\"noNewPrivileges\":true,\"capabilities\":{\"bounding\":", f);
    json_strs(f, caps);
    fputs(",\"effective\":", f);
    json_strs(f, caps);
    fputs(",\"permitted\":", f);
    json_strs(f, caps);
    /* The host's own hard limit: raising it is refused where it is lower
     * than Docker's 1048576 (as here). */
    struct rlimit rl = {0};
    getrlimit(RLIMIT_NOFILE, &rl);
    fprintf(f,
            "},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":%llu,\"soft\":%llu}]},"
            "\"root\":{\"path\":",
            (unsigned long long)rl.rlim_max, (unsigned long long)rl.rlim_max);
    json_str(f, rootfs);
    fprintf(f, ",\"readonly\":false},\"hostname\":\"isobench-%d\",\"mounts\":[", ctx->idx);
    static const char *const proc_o[] = {"nosuid", "noexec", "nodev", NULL};
    static const char *const dev_o[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
    static const char *const pts_o[] = {"nosuid",        "noexec",    "newinstance",
                                        "ptmxmode=0666", "mode=0620", NULL};
    static const char *const shm_o[] = {"nosuid",    "noexec",      "nodev",
                                        "mode=1777", "size=65536k", NULL};
    static const char *const sys_o[] = {"nosuid", "noexec", "nodev", "ro", NULL};
    static const char *const rbind_ro[] = {"rbind", "ro", "nosuid", "noexec", "nodev", NULL};
    static const char *const bind_ro[] = {"bind", "ro", NULL};
    static const char *const rbind[] = {"rbind", NULL};
    fputs("{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":", f);
    json_strs(f, proc_o);
    fputc('}', f);
    write_mount(f, "/dev", "tmpfs", "tmpfs", dev_o);
    write_mount(f, "/dev/pts", "devpts", "devpts", pts_o);
    write_mount(f, "/dev/shm", "tmpfs", "shm", shm_o);
    if (strcmp(r->cfg.net, "host"))
        write_mount(f, "/sys", "sysfs", "sysfs", sys_o);
    else
        write_mount(f, "/sys", "bind", "/sys", rbind_ro);
    write_mount(f, ROOTFS_AGENT, "bind", env_self_exe(), bind_ro);
    if (r->volume[0]) write_mount(f, "/data", "bind", r->volume, rbind);
    fputs("],\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
          "{\"type\":\"mount\"},{\"type\":\"cgroup\"}",
          f);
    if (strcmp(r->cfg.net, "host")) fputs(",{\"type\":\"network\"}", f);
    fprintf(f, "],\"cgroupsPath\":\"/isobench-%s-%d\",\"resources\":{", ctx->run_id, ctx->idx);
    int comma = 0;
    if (r->cfg.limits.cpus[0] || r->cfg.limits.cpu_quota > 0) {
        fputs("\"cpu\":{", f);
        if (r->cfg.limits.cpus[0]) fprintf(f, "\"cpus\":\"%s\"", r->cfg.limits.cpus);
        if (r->cfg.limits.cpu_quota > 0)
            fprintf(f, "%s\"quota\":%lld,\"period\":100000", r->cfg.limits.cpus[0] ? "," : "",
                    (long long)(r->cfg.limits.cpu_quota * 100000));
        fputc('}', f);
        comma = 1;
    }
    if (r->cfg.limits.mem) {
        fprintf(f, "%s\"memory\":{\"limit\":%llu}", comma ? "," : "",
                (unsigned long long)r->cfg.limits.mem);
        comma = 1;
    }
    if (r->cfg.limits.pids)
        fprintf(f, "%s\"pids\":{\"limit\":%llu}", comma ? "," : "",
                (unsigned long long)r->cfg.limits.pids);
    fputs("},\"maskedPaths\":", f);
    json_strs(f, masked);
    fputs(",\"readonlyPaths\":", f);
    json_strs(f, ro);
    fputs("}}\n", f);
    if (fclose(f) != 0) return err_set(e, ERR_FAIL, "writing %s: %s", path, strerror(errno));
    return 0;
}

/* Makes the bundle: state dir, overlay root, volume, config.json. */
static int runc_bundle(struct runc *r, struct env_ctx *ctx, struct err *e)
{
    snprintf(r->state, sizeof(r->state), "%s/r%d", ctx->journal->dir, ctx->idx);
    snprintf(r->root, sizeof(r->root), "%s/runc", ctx->journal->dir);
    snprintf(r->bundle, sizeof(r->bundle), "%s/bundle", r->state);
    snprintf(r->id, sizeof(r->id), "isobench-%s-%d", ctx->run_id, ctx->idx);
    if (journal_add(ctx->journal, "rmtree", r->state, e) < 0) return -1; /* write-ahead */
    if (mkdir(r->state, 0700) < 0)
        return err_set(e, ERR_FAIL, "mkdir %s: %s", r->state, strerror(errno));
    char fs[700], merged[1024];
    snprintf(fs, sizeof(fs), "%s/fs", r->state);
    if (mkdir(fs, 0700) < 0 || mkdir(r->bundle, 0700) < 0)
        return err_set(e, ERR_FAIL, "mkdir in %s: %s", r->state, strerror(errno));
    if (rootfs_overlay(fs, r->cfg.image, merged, sizeof(merged), ctx->journal, e) < 0) return -1;
    if (ctr_data_dir(&r->cfg, ctx, r->volume, r->data_ovl, sizeof(r->volume), e) < 0) return -1;
    if (r->data_ovl[0]) { /* /data's own overlay, on disk, inside the root overlay */
        char data[1100];
        snprintf(data, sizeof(data), "%s/data", merged);
        if (rootfs_data_overlay(r->data_ovl, data, ctx->journal, e) < 0) return -1;
    }
    return write_config(r, ctx, merged, e);
}

/* Journals every cgroup directory runc will make for cgroupsPath
 * /<id>, before runc runs: killed early, runc leaves them without state
 * that `runc delete` could find. */
static int journal_runc_cgroups(const char *id, struct journal *j, struct err *e)
{
    char path[1200];
    if (cgroup_is_v2()) {
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", id);
        return journal_add(j, "cgroup", path, e);
    }
    DIR *d = opendir("/sys/fs/cgroup");
    if (!d) return err_set(e, ERR_FAIL, "cannot list /sys/fs/cgroup: %s", strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", de->d_name, id);
        rc = journal_add(j, "cgroup", path, e);
    }
    closedir(d);
    return rc;
}

static int runc_up(struct env_ctx *ctx, struct err *e)
{
    struct runc *r = calloc(1, sizeof(*r));
    if (!r) return err_set(e, ERR_FAIL, "out of memory");
    r->chan = -1;
    ctx->priv = r;
    if (ctr_config_parse(&ctx->spec, runc_nets, &r->cfg, e) < 0) return -1;
    if (!ctx->journal || ctx->journal->fd < 0)
        return err_set(e, ERR_USAGE, "no undo journal under %s (not root?)", journal_root());
    double t0 = util_now(); /* create -> agent ready, bundle included */
    if (runc_bundle(r, ctx, e) < 0) return -1;
    char bin[512], arg[900];
    if (runc_find(bin, sizeof(bin)) < 0) return err_set(e, ERR_USAGE, "runc not found");
    snprintf(arg, sizeof(arg), "%s %s", r->root, r->id);
    if (journal_runc_cgroups(r->id, ctx->journal, e) < 0 ||
        journal_add(ctx->journal, "runc", arg, e) < 0)
        return -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return err_set(e, ERR_FAIL, "socketpair: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(sv[1], 3) < 0) _exit(127);
        FILE *n = freopen("/dev/null", "r", stdin);
        (void)n;
        n = freopen("/dev/null", "w", stdout);
        execl(bin, "runc", "--root", r->root, "run", "--bundle", r->bundle, "--preserve-fds", "1",
              r->id, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    r->chan = sv[0];
    if (pid < 0) return err_set(e, ERR_FAIL, "fork: %s", strerror(errno));
    r->pid = pid;
    if (journal_add_pid(ctx->journal, pid, e) < 0) return -1;
    char ready[64];
    if (proto_recv(r->chan, ready, sizeof(ready), 60, e) < 0 || strcmp(ready, "ready"))
        return err_wrap(e, "runc run %s (see runc's message above)", r->id);
    char buf[700];
    snprintf(buf, sizeof(buf), "%.6f", util_now() - t0);
    kv_set(&ctx->facts, "startup_s", buf, NULL);
    snprintf(buf, sizeof(buf),
             "runc OCI bundle: ns mnt,pid,uts,ipc,cgroup%s; net=%s; storage=%s; "
             "image=%.80s; no seccomp (runc has no default profile)",
             strcmp(r->cfg.net, "host") ? ",net" : "", r->cfg.net, r->cfg.storage, r->cfg.image);
    kv_set(&ctx->facts, "label", buf, NULL);
    ctr_reach(&r->cfg, ctx);
    return 0;
}

static int runc_exec(struct env_ctx *ctx, const struct job *j, struct reply *rep, struct err *e)
{
    struct runc *r = ctx->priv;
    return env_chan_exec(&r->chan, ctx->timeout_s, j, rep, e);
}

/* The agent exits on EOF and `runc run` returns; the journal's `runc
 * delete` entry removes whatever is left. */
static void runc_down(struct env_ctx *ctx)
{
    struct runc *r = ctx->priv;
    if (!r) return;
    env_chan_stop(&r->chan, &r->pid, 2.0);
    free(r);
    ctx->priv = NULL;
}

const struct env env_runc = {
    .name = "runc",
    .summary = "runc running an OCI bundle written by isobench (same agent, same root)",
    .unavailable = runc_unavailable,
    .keys = runc_keys,
    .check = runc_check,
    .up = runc_up,
    .exec = runc_exec,
    .down = runc_down,
};
