/* podman - the paper's Docker column through a real engine: `podman run`
 * (Debian's podman, `--runtime runc`, explicit nofile/nproc ulimits, as
 * this host needs) over the host's own root as an overlay (`--rootfs /:O`,
 * no image registry needed), the isobench agent as the container's command,
 * speaking the protocol over the container's stdin/stdout (`-i`). net=nat
 * is podman's bridge with the server port published (`-p`), as Docker's
 * `-p`; storage=volume a bind mount; overlay the container's own upper
 * layer (podman's storage, on disk). The container is journaled by name
 * before it exists; undo is `podman rm -f`, then any conmon still
 * monitoring that name is killed; with net=nat, netavark's DNATs for the
 * port and network namespaces nothing owns (podman_netns.c) after it. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "envs/undo.h"
#include "core/proc.h"
#include "envs/ctr/engine.h"

static const char *const podman_keys[] = {"net",        "storage", "cpus", "cpu-quota",
                                          "cpu-weight", "mem",     "pids", NULL};
static const char *const podman_nets[] = {"nat", "host", "none", NULL};

static const char *podman_bin(void)
{
    return access("/usr/bin/podman", X_OK) == 0 ? "/usr/bin/podman" : NULL;
}

static const char *podman_unavailable(void)
{
    if (!podman_bin()) return "podman is not installed (apt-get install podman)";
    if (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0)
        return "runc is not installed (apt-get install runc)";
    return NULL;
}

static int podman_check(const struct spec *sp, void *conf, struct err *e)
{
    if (kv_get(&sp->kv, "image"))
        return err_set(e, ERR_USAGE, "%s: podman runs over the host's root only", sp->text);
    return ctr_config_parse(sp, podman_nets, conf, e);
}

/* 1 when /proc/PID/cmdline is conmon's for container name ("-n NAME"). */
static int conmon_of(const char *pid, const char *name)
{
    char path[64], buf[16384];
    snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char *argv0 = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
    if (strcmp(argv0, "conmon")) return 0;
    for (const char *a = buf; a < buf + n; a += strlen(a) + 1)
        if (!strcmp(a, "-n") && a + 3 < buf + n && !strcmp(a + 3, name)) return 1;
    return 0;
}

/* Kills the conmon still monitoring container name once podman has
 * removed it: a `podman run` SIGKILLed at the wrong moment leaves its
 * conmon behind for good (seen in the kill drills), holding nothing but
 * itself. */
static void podman_kill_conmon(const char *name)
{
    DIR *d = opendir("/proc");
    if (!d) return;
    for (struct dirent *de; (de = readdir(d));)
        if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && conmon_of(de->d_name, name))
            kill(atoi(de->d_name), SIGKILL);
    closedir(d);
}

int podman_undo(const char *arg)
{
    const char *bin = podman_bin();
    if (!bin) return 0;
    int rc = engine_undo_rm(bin, arg);
    if (rc == 0) podman_kill_conmon(arg);
    return rc;
}

/* "PORT": removes the port-forwarding rules podman's netavark left for
 * PORT in iptables-nft's `ip nat` table. A `podman run` killed at the
 * wrong moment leaves them behind its container (seen: two ports over
 * three CI rehearsals), and a stale DNAT on a port a later run publishes
 * could take that run's traffic. Only rules that name both the port and
 * netavark's subnet (10.88.) are touched; normally there are none. */
int podman_undo_port(const char *arg)
{
    int port = atoi(arg);
    if (port <= 0) return 0;
    char *const list[] = {"nft", "-a", "list", "table", "ip", "nat", NULL};
    enum { CAP = 4 << 20 };
    char *out cleanup_free = malloc(CAP);
    int trunc = 0;
    if (!out) return -1;
    if (proc_run(list, NULL, out, CAP, &trunc, NULL) != 0) return 0; /* no such table */
    if (trunc) return -1; /* a rule past what was read could be the stale one: say it failed */
    char chain[128] = "", want[32];
    snprintf(want, sizeof(want), "dport %d ", port);
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (sscanf(line, " chain %127s", chain) == 1) continue;
        const char *h = strstr(line, "# handle ");
        int netavark = !strncmp(chain, "NETAVARK", 8) || strstr(line, "10.88.");
        if (!h || !strstr(line, want) || !netavark) continue;
        char handle[24];
        snprintf(handle, sizeof(handle), "%d", atoi(h + 9));
        char *const del[] = {"nft", "delete", "rule", "ip", "nat", chain, "handle", handle, NULL};
        if (proc_run(del, NULL, NULL, 0, NULL, NULL) != 0) return -1;
    }
    return 0;
}

/* Starts the podman environment: journals netavark's namespaces and the
 * published port (net=nat) before anything is made, runs the agent under
 * `podman run --runtime runc` over the host's root as an overlay and
 * waits for it (engine_start). ctx->priv owns the engine_run; -1 on error
 * (down() unwinds what was made). */
static int podman_up(struct env_ctx *ctx, struct err *e)
{
    struct engine_run *r = calloc(1, sizeof(*r));
    if (!r) return err_set(e, ERR_FAIL, "out of memory");
    ctx->priv = r;
    r->kind = "podman";
    r->bin = podman_bin();
    double t0 = util_now();
    if (engine_prepare(r, ctx, e) < 0) return -1;
    if (!strcmp(r->cfg.net, "nat")) { /* netavark's leftovers, unwound after the rm */
        char since[32];
        snprintf(since, sizeof(since), "%lld", (long long)time(NULL));
        if (journal_add(ctx->rq->journal, "podman-netns", since, e) < 0) return -1;
    }
    if (!strcmp(r->cfg.net, "nat") && ctx->rq->peer) {
        char port[16];
        snprintf(port, sizeof(port), "%d", ctx->rq->port);
        if (journal_add(ctx->rq->journal, "podman-port", port, e) < 0) return -1;
    }
    engine_arg(r, "--runtime=runc");
    for (char **v = environ; *v; v++) /* what every agent gets, not root's environment */
        if (util_env_passed(*v)) engine_arg(r, "--env=%s", *v);
    /* the host's root as a throw-away overlay; /data for storage=overlay
     * is a directory in the container's upper layer */
    engine_arg(r, "--rootfs");
    engine_arg(r, "/:O");
    engine_arg(r, "/bin/sh");
    engine_arg(r, "-c");
    engine_arg(r, "mkdir -p /data && exec \"$0\" agent --serve --stdio");
    engine_arg(r, "%s", env_self_exe());
    if (engine_start(r, ctx, t0, e) < 0) return -1;
    char label[300];
    snprintf(label, sizeof(label),
             "podman run --runtime runc --rootfs /:O --ulimit nproc=4096; net=%s%s; storage=%s; "
             "podman's default seccomp and capabilities",
             r->cfg.net, !strcmp(r->cfg.net, "nat") ? " (podman bridge, -p published)" : "",
             r->cfg.storage);
    kv_set(&ctx->info.facts, "label", label, NULL);
    ctr_reach(&r->cfg, ctx);
    return 0;
}

static const char *podman_lacks(const struct spec *sp, unsigned needs)
{
    return ctr_lacks(sp, podman_nets, needs);
}

const struct env env_podman = {
    .name = "podman",
    .pick = "podman",
    .slice = ENV_SLICE_CPUSET,
    .summary = "podman (runc) over the host's root as an overlay, agent on stdin/stdout",
    .caps = ENV_CAP_ROOT | ENV_CAP_ODIRECT, /* rootful podman with runc */
    .stop_grace_s = 10.0,
    .unavailable = podman_unavailable,
    .keys = podman_keys,
    .check = podman_check,
    .fit = env_fit_mem_limit,
    .lacks = podman_lacks,
    .host_cpu_src = engine_host_cpu,
    .up = podman_up,
};
