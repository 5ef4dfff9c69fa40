#include "envs/ctr/engine.h"

#include "envs/ctr/net.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "envs/ctr/cgroup.h"

void engine_arg(struct engine_run *r, const char *fmt, ...)
{
    if (r->argc >= ENGINE_ARGV_MAX - 1 || r->nbuf >= (int)(sizeof(r->buf) / sizeof(r->buf[0])))
        return; /* engine_start refuses an argv that overflowed */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->buf[r->nbuf], sizeof(r->buf[0]), fmt, ap);
    va_end(ap);
    r->argv[r->argc++] = r->buf[r->nbuf++];
    r->argv[r->argc] = NULL;
}

int engine_prepare(struct engine_run *r, struct env_ctx *ctx, struct err *e)
{
    r->cfg = *ctr_conf(ctx);
    if (journal_require(ctx->rq->journal, e) < 0) return -1;
    snprintf(r->name, sizeof(r->name), "isobench-%s", env_inst(ctx));
    if (!strcmp(r->cfg.storage, "volume")) {
        if (ctr_data_dir(&r->cfg, ctx, r->volume, r->ovl_unused, sizeof(r->volume), e) < 0)
            return -1;
    } else {
        snprintf(ctx->info.datadir, sizeof(ctx->info.datadir), "/data");
    }
    engine_arg(r, "%s", r->bin);
    if (r->host[0]) engine_arg(r, "--host=%s", r->host);
    engine_arg(r, "run");
    engine_arg(r, "--rm");
    engine_arg(r, "-i");
    engine_arg(r, "--name=%s", r->name);
    engine_arg(r, "--hostname=isobench-%d", ctx->rq->idx);
    struct rlimit nf;
    getrlimit(RLIMIT_NOFILE, &nf);
    engine_arg(r, "--ulimit=nofile=%llu:%llu", (unsigned long long)nf.rlim_cur,
               (unsigned long long)nf.rlim_max);
    /* runc's init may not raise nproc above what the engine's monitor has:
     * a fixed, stated value (podman's own default is 4096 too) */
    engine_arg(r, "--ulimit=nproc=4096:4096");
    engine_arg(r, "--network=%s", !strcmp(r->cfg.net, "nat") ? "bridge" : r->cfg.net);
    if (!strcmp(r->cfg.net, "nat") && ctx->rq->peer) {
        /* Docker's -p, on the peer-facing host address only: a bare P:P
         * listens on every host interface (conmon, docker-proxy) */
        engine_arg(r, "--publish=%s:%d:%d/tcp", ctx->rq->peer->host_addr, ctx->rq->port,
                   ctx->rq->port);
        engine_arg(r, "--publish=%s:%d:%d/udp", ctx->rq->peer->host_addr, ctx->rq->port,
                   ctx->rq->port);
    }
    if (r->volume[0]) engine_arg(r, "--volume=%s:/data", r->volume);
    engine_limit_args(r, &r->cfg.limits, cgroup_is_v2());
    return 0;
}

void engine_limit_args(struct engine_run *r, const struct cg_limits *l, int v2)
{
    if (l->cpus[0]) engine_arg(r, "--cpuset-cpus=%s", l->cpus);
    if (l->cpu_quota > 0) engine_arg(r, "--cpus=%g", l->cpu_quota);
    if (l->cpu_weight && v2 && !strcmp(r->kind, "podman"))
        engine_arg(r, "--cgroup-conf=cpu.weight=%u", l->cpu_weight); /* as written, v2 only */
    else if (l->cpu_weight)
        engine_arg(r, "--cpu-shares=%llu", (unsigned long long)cgroup_weight_shares(l->cpu_weight));
    if (l->mem) engine_arg(r, "--memory=%llu", (unsigned long long)l->mem);
    if (l->pids) engine_arg(r, "--pids-limit=%llu", (unsigned long long)l->pids);
}

/* cpu-weight as engine_limit_args passed it, read back from the cgroup
 * of the container's first process (engine_cpu_sources found it). */
static void engine_weight_facts(struct engine_run *r, struct env_ctx *ctx)
{
    char asked[200];
    unsigned w = r->cfg.limits.cpu_weight;
    int v2 = cgroup_is_v2();
    if (v2 && !strcmp(r->kind, "podman"))
        snprintf(asked, sizeof(asked), "podman --cgroup-conf=cpu.weight=%u", w);
    else
        snprintf(asked, sizeof(asked), "%s --cpu-shares=%llu%s", r->kind,
                 (unsigned long long)cgroup_weight_shares(w),
                 v2 ? " (the runtime turns shares into a v2 weight its own way)" : "");
    ctr_weight_facts(&r->cfg, ctx, asked, NULL, r->ctr_pid);
}

static int engine_fence(struct engine_run *r, struct env_ctx *ctx, struct err *e);

int engine_start(struct engine_run *r, struct env_ctx *ctx, double t0, struct err *e)
{
    if (r->argc >= ENGINE_ARGV_MAX - 1)
        return err_set(e, ERR_FAIL, "%s: too many arguments", r->kind);
    char arg[500];
    snprintf(arg, sizeof(arg), "%s%s%s", r->host, r->host[0] ? " " : "", r->name);
    if (journal_add(ctx->rq->journal, r->kind, arg, e) < 0) return -1; /* write-ahead */
    if (env_start_cli(r->argv, 1, 1, ctx, t0, e) < 0)
        return err_wrap(e, "%s run %s", r->kind, r->name);
    engine_cpu_sources(r, ctx);
    engine_weight_facts(r, ctx);
    return engine_fence(r, ctx, e);
}

int engine_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    const struct engine_run *r = ctx->priv;
    if (!r || !r->cpusrc[0] || strlen(r->cpusrc) >= len) return -1;
    snprintf(src, len, "%s", r->cpusrc);
    return 0;
}

/* One field of the engine's inspect of the container (a Go template)
 * into out, its trailing newline cut; -1 when it fails or is cut. */
static int engine_inspect(struct engine_run *r, const char *format, char *out, size_t len)
{
    char h[320];
    snprintf(h, sizeof(h), "--host=%s", r->host);
    char *argv[8];
    int n = 0;
    argv[n++] = (char *)r->bin;
    if (r->host[0]) argv[n++] = h;
    argv[n++] = "inspect";
    argv[n++] = "--format";
    argv[n++] = (char *)format;
    argv[n++] = r->name;
    argv[n] = NULL;
    int trunc = 0;
    if (proc_run(argv, NULL, out, len, &trunc, NULL) != 0 || trunc) return -1;
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

/* The container's first process on the host, from the engine's inspect. */
static int engine_ctr_pid(struct engine_run *r)
{
    char out[64] = "";
    if (r->ctr_pid <= 0 && engine_inspect(r, "{{.State.Pid}}", out, sizeof(out)) == 0)
        r->ctr_pid = atoi(out);
    return r->ctr_pid > 0 ? 0 : -1;
}

/* net=nat: fences the container at its address on the engine's bridge
 * (net_fence_addr), so that it reaches nothing beyond the run. */
static int engine_fence(struct engine_run *r, struct env_ctx *ctx, struct err *e)
{
    if (strcmp(r->cfg.net, "nat")) return 0;
    char addr[64] = "";
    if (engine_inspect(r, "{{.NetworkSettings.IPAddress}}", addr, sizeof(addr)) < 0 || !addr[0])
        return err_set(e, ERR_FAIL, "%s inspect %s: no address to fence the container at", r->kind,
                       r->name);
    kv_set(&ctx->info.facts, "fence", addr, NULL);
    return net_fence_addr(ctx->rq->run_id, ctx->rq->idx, addr, ctx->rq->journal, e);
}

/* Appends "+pid:PID" to src and "NAME PID" to what (both bounded). */
static void engine_add_pid(char *src, size_t slen, char *what, size_t wlen, const char *name,
                           int pid)
{
    size_t s = strlen(src), w = strlen(what);
    if (snprintf(src + s, slen - s, "+pid:%d", pid) >= (int)(slen - s)) {
        src[s] = '\0'; /* not charged is stated below, never a source cut in half */
        snprintf(what + w, wlen - w, ", %s %d (not charged: no room)", name, pid);
        return;
    }
    snprintf(what + w, wlen - w, ", %s %d", name, pid);
}

/* 1 when /proc/PID/cmdline holds the argument arg. */
static int engine_cmdline_has(int pid, const char *arg)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (fd >= 0) close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    for (const char *a = buf; a < buf + n; a += strlen(a) + 1)
        if (!strcmp(a, arg)) return 1;
    return 0;
}

void engine_cpu_sources(struct engine_run *r, struct env_ctx *ctx)
{
    char what[400] = "";
    r->cpusrc[0] = '\0';
    if (engine_ctr_pid(r) < 0 ||
        cgroup_cpu_src_of_pid(r->ctr_pid, r->cpusrc, sizeof(r->cpusrc)) < 0) {
        r->cpusrc[0] = '\0';
        kv_set(&ctx->info.facts, "cpu.charged", "nothing: the container's cgroup was not found",
               NULL);
        return;
    }
    snprintf(what, sizeof(what), "the container's cgroup");
    char comm[64];
    int ppid = 0, docker = !strcmp(r->kind, "docker");
    if (proc_stat_comm(r->ctr_pid, comm, sizeof(comm), &ppid) == 0 && ppid > 1 &&
        proc_stat_comm(ppid, comm, sizeof(comm), &(int){0}) == 0 &&
        (!strcmp(comm, "conmon") || !strncmp(comm, "containerd-shim", 15)))
        engine_add_pid(r->cpusrc, sizeof(r->cpusrc), what, sizeof(what), comm, ppid);
    DIR *d = docker ? opendir("/proc") : NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", ctx->rq->port);
    for (struct dirent *de; d && (de = readdir(d));) {
        int pid = atoi(de->d_name), pp;
        if (pid <= 0 || proc_stat_comm(pid, comm, sizeof(comm), &pp) < 0) continue;
        if (!strcmp(comm, "dockerd") || !strcmp(comm, "containerd") ||
            (!strcmp(comm, "docker-proxy") && ctx->rq->peer && engine_cmdline_has(pid, port)))
            engine_add_pid(r->cpusrc, sizeof(r->cpusrc), what, sizeof(what), comm, pid);
    }
    if (d) closedir(d);
    kv_set(&ctx->info.facts, "cpu.charged", what, NULL);
}

/* One `podman rm -f -t 0 --ignore NAME` or `docker --host=H rm -f NAME`;
 * 0 when the engine says it is gone. */
static int engine_rm_once(const char *bin, const char *host, const char *name)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        FILE *n = freopen("/dev/null", "w", stdout);
        n = freopen("/dev/null", "w", stderr);
        (void)n;
        char h[320];
        snprintf(h, sizeof(h), "--host=%s", host);
        if (host[0])
            execl(bin, bin, h, "rm", "-f", name, (char *)NULL); /* docker's rm has no -t */
        else
            execl(bin, bin, "rm", "-f", "-t", "0", "--ignore", name, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Retried: when `run` is killed while it creates the container, the
 * engine's own cleanup may still hold the container (podman: its shm
 * mount, "unlinkat .../userdata/shm: device or resource busy") for a
 * moment. docker's rm has no --ignore: "No such container" is success. */
int engine_undo_rm(const char *bin, const char *arg)
{
    char host[300] = "", name[160] = "";
    const char *sp = strchr(arg, ' ');
    if (sp) {
        snprintf(host, sizeof(host), "%.*s", (int)(sp - arg), arg);
        snprintf(name, sizeof(name), "%s", sp + 1);
    } else {
        snprintf(name, sizeof(name), "%s", arg);
    }
    for (int i = 0; i < 10; i++) {
        if (engine_rm_once(bin, host, name) == 0) return 0;
        if (host[0]) { /* docker: gone already? */
            char hostopt[310];
            snprintf(hostopt, sizeof(hostopt), "--host=%s", host);
            char *const argv[] = {(char *)bin, hostopt, "inspect", name, NULL};
            if (proc_run(argv, NULL, NULL, 0, NULL, NULL) != 0) return 0;
        }
        usleep(300 * 1000);
    }
    return -1;
}
