/* docker - the paper's Docker column through Docker itself: `docker run`
 * against a running dockerd (DOCKER_HOST, else /var/run/docker.sock). No
 * registry: isobench imports a base image it writes (empty directories and
 * the merged-/usr symlinks, src/envs/ctr/tar.c) and binds the host's
 * /usr and /etc read-only and its own binary, so the container runs the
 * host's programs, as podman's `--rootfs /:O` does. The agent is the
 * container's command and speaks over its stdin/stdout (`-i`). net=nat is
 * Docker's bridge with the server port published (`-p`, Docker's own
 * DNAT/userland proxy), net=host the host's netns; storage=volume a bind
 * mount (`-v`), overlay a directory in the container's writable layer
 * (overlay2 under dockerd's data root: the paper's AUFS case). Docker's
 * default seccomp profile, capabilities and masked paths apply. The image
 * and the container are journaled before they exist (`rmi -f`, `rm -f`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/undo.h"
#include "core/proc.h"
#include "envs/ctr/engine.h"
#include "envs/ctr/tar.h"

static const char *const docker_keys[] = {"net",        "storage", "cpus", "cpu-quota",
                                          "cpu-weight", "mem",     "pids", NULL};
static const char *const docker_nets[] = {"nat", "host", "none", NULL};

static const char *docker_bin(void)
{
    static const char *const bins[] = {"/usr/bin/docker", "/usr/local/bin/docker", NULL};
    for (int i = 0; bins[i]; i++)
        if (access(bins[i], X_OK) == 0) return bins[i];
    return NULL;
}

/* The daemon's address as docker's --host takes it, and its socket path. */
static void docker_host(char *host, size_t len, char *sock, size_t slen)
{
    const char *h = getenv("DOCKER_HOST");
    snprintf(host, len, "%s", h && *h ? h : "unix:///var/run/docker.sock");
    snprintf(sock, slen, "%s", strncmp(host, "unix://", 7) ? "" : host + 7);
}

static const char *docker_unavailable(void)
{
    static char why[400];
    char host[300], sock[300];
    if (!docker_bin()) return "docker is not installed (apt-get install docker.io)";
    docker_host(host, sizeof(host), sock, sizeof(sock));
    struct stat st;
    if (!sock[0]) return "DOCKER_HOST must be a unix:// socket on this host";
    if (stat(sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(why, sizeof(why),
                 "no dockerd socket at %s (start dockerd, e.g. from apt-get install docker.io, or "
                 "set DOCKER_HOST)",
                 sock);
        return why;
    }
    return NULL;
}

static int docker_check(const struct spec *sp, void *conf, struct err *e)
{
    if (kv_get(&sp->kv, "image"))
        return err_set(e, ERR_USAGE, "%s: docker runs the host's userland only", sp->text);
    return ctr_config_parse(sp, docker_nets, conf, e);
}

int docker_undo(const char *arg)
{
    const char *bin = docker_bin();
    return bin ? engine_undo_rm(bin, arg) : 0;
}

/* "HOST IMAGE": removes the image isobench imported for the run. */
int docker_undo_image(const char *arg)
{
    const char *bin = docker_bin();
    char host[300], image[200], hostopt[310];
    if (!bin || sscanf(arg, "%299s %199s", host, image) != 2) return 0;
    snprintf(hostopt, sizeof(hostopt), "--host=%s", host);
    char *const rmi[] = {(char *)bin, hostopt, "rmi", "-f", image, NULL};
    if (proc_run(rmi, NULL, NULL, 0, NULL, NULL) == 0) return 0;
    char *const inspect[] = {(char *)bin, hostopt, "image", "inspect", image, NULL};
    return proc_run(inspect, NULL, NULL, 0, NULL, NULL) == 0 ? -1 : 0; /* still there: failed */
}

/* Writes the base image's archive in the run's state dir and imports it
 * as isobench-<run>-<idx>:base (journaled first). */
static int docker_import(struct engine_run *r, struct env_ctx *ctx, char *image, size_t len,
                         int *merged, struct err *e)
{
    char tarp[700], arg[600], hostopt[310];
    snprintf(image, len, "%s:base", r->name);
    snprintf(tarp, sizeof(tarp), "%s/docker-base-%s.tar", ctx->rq->journal->dir, env_idx(ctx));
    if (journal_add(ctx->rq->journal, "file", tarp, e) < 0) return -1;
    if (tar_write_base(tarp, merged, e) < 0) return -1;
    snprintf(arg, sizeof(arg), "%s %s", r->host, image);
    if (journal_add(ctx->rq->journal, "docker-image", arg, e) < 0) return -1;
    snprintf(hostopt, sizeof(hostopt), "--host=%s", r->host);
    char *const argv[] = {(char *)r->bin, hostopt, "import", tarp, image, NULL};
    const struct proc_opts po = {.with_stderr = 1};
    char msg[300] = "";
    int st = proc_run(argv, &po, msg, sizeof(msg), NULL, e);
    if (st < 0) return err_wrap(e, "docker import");
    msg[strcspn(msg, "\n")] = '\0';
    if (st != 0) return err_set(e, ERR_FAIL, "docker import of the base image failed: %s", msg);
    return 0;
}

static int docker_up(struct env_ctx *ctx, struct err *e)
{
    struct engine_run *r = calloc(1, sizeof(*r));
    if (!r) return err_set(e, ERR_FAIL, "out of memory");
    ctx->priv = r;
    r->kind = "docker";
    r->bin = docker_bin();
    char sock[300];
    docker_host(r->host, sizeof(r->host), sock, sizeof(sock));
    double t0 = util_now();
    if (engine_prepare(r, ctx, e) < 0) return -1;
    char image[200];
    int merged;
    if (docker_import(r, ctx, image, sizeof(image), &merged, e) < 0) return -1;
    engine_arg(r, "--volume=/usr:/usr:ro");
    engine_arg(r, "--volume=/etc:/etc:ro");
    if (!merged) {
        static const char *const top[] = {"/bin", "/sbin", "/lib", "/lib64", NULL};
        for (int i = 0; top[i]; i++)
            if (access(top[i], F_OK) == 0) engine_arg(r, "--volume=%s:%s:ro", top[i], top[i]);
    }
    engine_arg(r, "--volume=%s:/isobench:ro", env_self_exe());
    for (char **v = environ; *v; v++) /* what every agent gets (util_env_passed) */
        if (util_env_passed(*v) && strncmp(*v, "PATH=", 5)) engine_arg(r, "--env=%s", *v);
    engine_arg(r, "%s", image);
    engine_arg(r, "/bin/sh");
    engine_arg(r, "-c");
    engine_arg(r, "mkdir -p /data && exec /isobench agent --serve --stdio");
    if (engine_start(r, ctx, t0, e) < 0) return -1;
    char label[800];
    snprintf(label, sizeof(label),
             "docker run (%.300s), base image imported by isobench + host /usr,/etc read-only; "
             "net=%s%s; storage=%s; Docker's default seccomp and capabilities",
             r->host, r->cfg.net,
             !strcmp(r->cfg.net, "nat") ? " (docker0 bridge, -p published)" : "", r->cfg.storage);
    kv_set(&ctx->info.facts, "label", label, NULL);
    ctr_reach(&r->cfg, ctx);
    return 0;
}

static const char *docker_lacks(const struct spec *sp, unsigned needs)
{
    return ctr_lacks(sp, docker_nets, needs);
}

const struct env env_docker = {
    .name = "docker",
    .pick = "docker",
    .slice = ENV_SLICE_CPUSET,
    .summary = "docker run against a running dockerd, host userland bound read-only",
    .caps = ENV_CAP_ROOT | ENV_CAP_ODIRECT, /* root: the docker socket, host binds */
    .stop_grace_s = 10.0,
    .unavailable = docker_unavailable,
    .keys = docker_keys,
    .check = docker_check,
    .fit = env_fit_mem_limit,
    .lacks = docker_lacks,
    .host_cpu_src = engine_host_cpu,
    .up = docker_up,
};
