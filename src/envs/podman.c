/* podman - the paper's Docker column through a real engine: `podman run`
 * (Debian's podman, `--runtime runc`, explicit nofile/nproc ulimits, as
 * this host needs) over the host's own root as an overlay (`--rootfs /:O`,
 * no image registry needed), the isobench agent as the container's command,
 * speaking the protocol over the container's stdin/stdout (`-i`). net=nat
 * is podman's bridge with the server port published (`-p`), as Docker's
 * `-p`; storage=volume a bind mount; overlay the container's own upper
 * layer (podman's storage, on disk). The container is journaled by name
 * before it exists; undo is `podman rm -f`. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/container/config.h"
#include "envs/env.h"

static const char *const podman_keys[] = {"net", "storage", "cpus", "cpu-quota",
                                          "mem", "pids",    NULL};
static const char *const podman_nets[] = {"nat", "host", "none", NULL};

struct podman {
    struct ctr_config cfg;
    char name[128], volume[600], ovl_unused[600];
    pid_t pid;
    int chan;
};

static const char *podman_bin(void)
{
    return access("/usr/bin/podman", X_OK) == 0 ? "/usr/bin/podman" : NULL;
}

static const char *podman_unavailable(void)
{
    if (!podman_bin()) return "podman is not installed (apt-get install podman)";
    if (geteuid() != 0) return "needs root (rootful podman with runc)";
    if (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0)
        return "runc is not installed (apt-get install runc)";
    return NULL;
}

static int podman_check(const struct spec *sp, struct err *e)
{
    struct ctr_config c;
    if (kv_get(&sp->kv, "image"))
        return err_set(e, ERR_USAGE, "%s: podman runs over the host's root only", sp->text);
    return ctr_config_parse(sp, podman_nets, &c, e);
}

/* One `podman rm -f NAME`; 0 when podman says the container is gone. */
static int podman_rm_once(const char *bin, const char *name)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        FILE *n = freopen("/dev/null", "w", stdout);
        n = freopen("/dev/null", "w", stderr);
        (void)n;
        execl(bin, "podman", "rm", "-f", "-t", "0", "--ignore", name, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The journal's undo for a podman container. Retried: when `podman run`
 * is killed while it creates the container, conmon's own cleanup may
 * still hold the container's shm mount, and rm fails with EBUSY ("unlinkat
 * .../userdata/shm: device or resource busy") for a moment. */
static int undo_podman(const char *name)
{
    const char *bin = podman_bin();
    if (!bin) return 0;
    for (int i = 0; i < 10; i++) {
        if (podman_rm_once(bin, name) == 0) return 0;
        usleep(300 * 1000);
    }
    return -1;
}

__attribute__((constructor)) static void podman_register(void)
{
    journal_register_undo("podman", undo_podman);
}

#define ARG(s) (argv[n++] = (char *)(s))

static int podman_start(struct podman *p, struct env_ctx *ctx, double t0, struct err *e)
{
    char *argv[64], buf[8][800];
    int n = 0, b = 0;
    struct rlimit nf;
    getrlimit(RLIMIT_NOFILE, &nf);
    ARG("podman"), ARG("run"), ARG("--rm"), ARG("-i"), ARG("--name"), ARG(p->name);
    ARG("--runtime"), ARG("runc"), ARG("--env-host"), ARG("--hostname");
    snprintf(buf[b], sizeof(buf[b]), "isobench-%d", ctx->idx), ARG(buf[b++]);
    snprintf(buf[b], sizeof(buf[b]), "--ulimit=nofile=%llu:%llu", (unsigned long long)nf.rlim_cur,
             (unsigned long long)nf.rlim_max),
        ARG(buf[b++]);
    /* runc's init in podman may not raise nproc above what conmon has: a
     * fixed, stated value (podman's own default is 4096 too) */
    ARG("--ulimit=nproc=4096:4096");
    const char *net = !strcmp(p->cfg.net, "nat") ? "bridge" : p->cfg.net;
    snprintf(buf[b], sizeof(buf[b]), "--network=%s", net), ARG(buf[b++]);
    if (!strcmp(p->cfg.net, "nat") && ctx->peer) {
        snprintf(buf[b], sizeof(buf[b]), "--publish=%d:%d/tcp", ctx->port, ctx->port);
        ARG(buf[b++]);
        snprintf(buf[b], sizeof(buf[b]), "--publish=%d:%d/udp", ctx->port, ctx->port);
        ARG(buf[b++]);
    }
    if (p->volume[0]) {
        snprintf(buf[b], sizeof(buf[b]), "--volume=%s:/data", p->volume), ARG(buf[b++]);
    }
    const struct cg_limits *l = &p->cfg.limits;
    if (l->cpus[0]) snprintf(buf[b], sizeof(buf[b]), "--cpuset-cpus=%s", l->cpus), ARG(buf[b++]);
    if (l->cpu_quota > 0)
        snprintf(buf[b], sizeof(buf[b]), "--cpus=%g", l->cpu_quota), ARG(buf[b++]);
    if (l->mem)
        snprintf(buf[b], sizeof(buf[b]), "--memory=%llu", (unsigned long long)l->mem),
            ARG(buf[b++]);
    if (l->pids)
        snprintf(buf[b], sizeof(buf[b]), "--pids-limit=%llu", (unsigned long long)l->pids),
            ARG(buf[b++]);
    /* /data for storage=overlay: a directory in the container's upper layer */
    ARG("--rootfs"), ARG("/:O"), ARG("/bin/sh"), ARG("-c");
    ARG("mkdir -p /data && exec \"$0\" agent --serve --stdio"), ARG(env_self_exe());
    ARG(NULL);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return err_set(e, ERR_FAIL, "socketpair: %s", strerror(errno));
    if (journal_add(ctx->journal, "podman", p->name, e) < 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0) _exit(127);
        execv(podman_bin(), argv);
        _exit(127);
    }
    close(sv[1]);
    p->chan = sv[0];
    if (pid < 0) return err_set(e, ERR_FAIL, "fork: %s", strerror(errno));
    p->pid = pid;
    if (journal_add_pid(ctx->journal, pid, e) < 0) return -1;
    char ready[64];
    if (proto_recv(p->chan, ready, sizeof(ready), 60, e) < 0 || strcmp(ready, "ready"))
        return err_wrap(e, "podman run %s (see podman's message above)", p->name);
    char v[64];
    snprintf(v, sizeof(v), "%.6f", util_now() - t0);
    kv_set(&ctx->facts, "startup_s", v, NULL);
    return 0;
}

static int podman_up(struct env_ctx *ctx, struct err *e)
{
    struct podman *p = calloc(1, sizeof(*p));
    if (!p) return err_set(e, ERR_FAIL, "out of memory");
    p->chan = -1;
    ctx->priv = p;
    if (ctr_config_parse(&ctx->spec, podman_nets, &p->cfg, e) < 0) return -1;
    if (!ctx->journal || ctx->journal->fd < 0)
        return err_set(e, ERR_USAGE, "no undo journal under %s (not root?)", journal_root());
    snprintf(p->name, sizeof(p->name), "isobench-%s-%d", ctx->run_id, ctx->idx);
    double t0 = util_now();
    if (!strcmp(p->cfg.storage, "volume")) {
        if (ctr_data_dir(&p->cfg, ctx, p->volume, p->ovl_unused, sizeof(p->volume), e) < 0)
            return -1;
    } else {
        snprintf(ctx->datadir, sizeof(ctx->datadir), "/data");
    }
    if (podman_start(p, ctx, t0, e) < 0) return -1;
    char label[300];
    snprintf(label, sizeof(label),
             "podman run --runtime runc --rootfs /:O --ulimit nproc=4096; net=%s%s; storage=%s; "
             "podman's default seccomp and capabilities",
             p->cfg.net, !strcmp(p->cfg.net, "nat") ? " (podman bridge, -p published)" : "",
             p->cfg.storage);
    kv_set(&ctx->facts, "label", label, NULL);
    ctr_reach(&p->cfg, ctx);
    return 0;
}

static int podman_exec(struct env_ctx *ctx, const struct job *j, struct reply *rep, struct err *e)
{
    struct podman *p = ctx->priv;
    return env_chan_exec(&p->chan, ctx->timeout_s, j, rep, e);
}

/* EOF on stdin ends the agent and `podman run --rm` removes the container;
 * the journal's `podman rm -f` catches whatever is left. */
static void podman_down(struct env_ctx *ctx)
{
    struct podman *p = ctx->priv;
    if (!p) return;
    env_chan_stop(&p->chan, &p->pid, 10.0);
    free(p);
    ctx->priv = NULL;
}

const struct env env_podman = {
    .name = "podman",
    .summary = "podman (runc) over the host's root as an overlay, agent on stdin/stdout",
    .unavailable = podman_unavailable,
    .keys = podman_keys,
    .check = podman_check,
    .up = podman_up,
    .exec = podman_exec,
    .down = podman_down,
};
