/* runc - the same agent in a container made by runc from an OCI bundle that
 * isobench writes: config.json (Docker's default capabilities, masked and
 * read-only paths, namespaces, cgroup limits) and a root that is an overlay
 * of the image (the host root by default) mounted in the host namespace and
 * journaled. `runc run --preserve-fds 1` hands the agent its channel as
 * fd 3. runc keeps its state under our state dir (--root), and `runc
 * delete --force` is journaled before the container starts, so a killed
 * run leaves no container behind. Networking: none (own netns, loopback)
 * or host. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/undo.h"
#include "envs/container/oci.h"
#include "envs/container/config.h"
#include "envs/container/confine.h"
#include "envs/container/rootfs.h"
#include "envs/env.h"

static const char *const runc_keys[] = {"net",        "storage", "image", "cpus", "cpu-quota",
                                        "cpu-weight", "mem",     "pids",  NULL};
static const char *const runsc_keys[] = {"net",        "storage", "image", "cpus",     "cpu-quota",
                                         "cpu-weight", "mem",     "pids",  "platform", NULL};
static const char *const runc_nets[] = {"none", "host", NULL};

/* What differs between the OCI runtimes isobench drives. */
struct oci_rt {
    const char *name, *pkg;
    int stdio; /* the agent on stdin/stdout (runsc) instead of fd 3 (runc --preserve-fds) */
};
static const struct oci_rt rt_runc = {"runc", "runc", 0};
static const struct oci_rt rt_runsc = {"runsc", "runsc", 1};

struct runc {
    const struct oci_rt *rt;
    const struct ctr_config *cfg; /* the request's */
    char state[600], root[700], bundle[700], id[128], volume[600], data_ovl[600];
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

static int oci_find(const char *name, char *out, size_t len)
{
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s:/usr/sbin:/usr/bin", path ? path : "/sbin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/%s", d, name);
        if (access(out, X_OK) == 0) return 0;
    }
    return -1;
}

static const char *oci_unavailable(const struct oci_rt *rt)
{
    static char why[2][128];
    char p[512];
    if (oci_find(rt->name, p, sizeof(p)) < 0) {
        char *w = why[rt == &rt_runsc];
        snprintf(w, sizeof(why[0]), "%s not found (apt-get install %s)", rt->name, rt->pkg);
        return w;
    }
    return NULL;
}

static const char *runc_unavailable(void)
{
    return oci_unavailable(&rt_runc);
}

static const char *runsc_unavailable(void)
{
    return oci_unavailable(&rt_runsc);
}

static int runc_check(const struct spec *sp, void *conf, struct err *e)
{
    return ctr_config_parse(sp, runc_nets, conf, e);
}

/* gVisor's platform: how the sandbox's kernel (the Sentry) traps the
 * application's system calls. ptrace works everywhere, kvm needs real
 * hardware virtualization. */
static int runsc_platform(const struct spec *sp, char *out, size_t len, struct err *e)
{
    const char *p = kv_get(&sp->kv, "platform");
    if (!p) p = "ptrace";
    if (strcmp(p, "ptrace") && strcmp(p, "kvm") && strcmp(p, "systrap"))
        return err_set(e, ERR_USAGE, "%s: platform must be ptrace, systrap or kvm", sp->text);
    snprintf(out, len, "%s", p);
    return 0;
}

static int runsc_check(const struct spec *sp, void *conf, struct err *e)
{
    struct ctr_config *c = conf;
    if (runc_check(sp, conf, e) < 0) return -1;
    return runsc_platform(sp, c->platform, sizeof(c->platform), e);
}

/* "ROOT ID": force-deletes the container (kills it, removes its cgroup). */
static int undo_oci(const char *name, const char *arg)
{
    char root[700], id[128], bin[512];
    if (sscanf(arg, "%699s %127s", root, id) != 2 || oci_find(name, bin, sizeof(bin)) < 0)
        return -1;
    struct stat st;
    if (stat(root, &st) < 0) return 0; /* the runtime never got to create it */
    char *const argv[] = {bin, "--root", root, "delete", "--force", id, NULL};
    run_quiet(argv);
    char path[900];
    snprintf(path, sizeof(path), "%s/%s", root, id);
    return stat(path, &st) == 0 ? -1 : 0;
}

int runc_undo(const char *arg)
{
    return undo_oci("runc", arg);
}

int runsc_undo(const char *arg)
{
    return undo_oci("runsc", arg);
}

/* Makes the bundle: state dir, overlay root, volume, config.json. */
static int runc_bundle(struct runc *r, struct env_ctx *ctx, struct err *e)
{
    snprintf(r->state, sizeof(r->state), "%s/r%s", ctx->rq->journal->dir, env_idx(ctx));
    snprintf(r->root, sizeof(r->root), "%s/%s", ctx->rq->journal->dir, r->rt->name);
    snprintf(r->bundle, sizeof(r->bundle), "%s/bundle", r->state);
    snprintf(r->id, sizeof(r->id), "isobench-%s", env_inst(ctx));
    char merged[1024];
    if (ctr_root_make(r->cfg, ctx, r->state, merged, sizeof(merged), r->volume, r->data_ovl,
                      sizeof(r->volume), e) < 0)
        return -1;
    if (mkdir(r->bundle, 0700) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", r->bundle);
    return oci_write_config(r->bundle, r->cfg, r->volume, ctx, merged, r->rt->stdio, e);
}

/* The runtime's command line: `runc --root R run --bundle B
 * --preserve-fds 1 ID` (agent on fd 3), or `runsc --root R --platform=P
 * --network=none|host run --bundle B ID` (agent on stdin/stdout). */
static void oci_argv(const struct runc *r, char *bin, char *plat, char *netf, char **argv)
{
    int n = 0;
    argv[n++] = bin;
    argv[n++] = "--root";
    argv[n++] = (char *)r->root;
    if (r->rt == &rt_runsc) {
        argv[n++] = plat;
        argv[n++] = netf;
    }
    argv[n++] = "run";
    argv[n++] = "--bundle";
    argv[n++] = (char *)r->bundle;
    if (!r->rt->stdio) {
        argv[n++] = "--preserve-fds";
        argv[n++] = "1";
    }
    argv[n++] = (char *)r->id;
    argv[n] = NULL;
}

/* cpu-weight as oci_resources_json passed it, read back from the cgroup
 * the runtime made at cgroupsPath. */
static void runc_weight_facts(const struct runc *r, struct env_ctx *ctx)
{
    char val[32], asked[96], rel[160];
    int v2 = cgroup_is_v2();
    const char *file = cgroup_weight_setting(r->cfg->limits.cpu_weight, v2, val, sizeof(val));
    snprintf(asked, sizeof(asked), "OCI linux.resources.%s%s = %s", v2 ? "unified " : "",
             v2 ? file : "cpu.shares", val);
    snprintf(rel, sizeof(rel), "/%s", r->id);
    ctr_weight_facts(r->cfg, ctx, asked, rel, 0);
}

/* Starts runtime rt (runc or runsc) on a fresh OCI bundle: journals the
 * cgroup and the container id before creating them, runs the agent
 * through rt's CLI and waits for it, then records the environment's
 * label and weight facts. ctx->priv owns the struct runc; -1 on error. */
static int oci_up(struct env_ctx *ctx, const struct oci_rt *rt, struct err *e)
{
    struct runc *r = calloc(1, sizeof(*r));
    if (!r) return err_set(e, ERR_FAIL, "out of memory");
    r->rt = rt;
    r->cfg = ctr_conf(ctx);
    ctx->priv = r;
    if (journal_require(ctx->rq->journal, e) < 0) return -1;
    double t0 = util_now(); /* create -> agent ready, bundle included */
    if (runc_bundle(r, ctx, e) < 0) return -1;
    char bin[512], arg[900], plat[40], netf[40], *argv[16];
    if (oci_find(rt->name, bin, sizeof(bin)) < 0)
        return err_set(e, ERR_USAGE, "%s not found", rt->name);
    snprintf(arg, sizeof(arg), "%s %s", r->root, r->id);
    if (cgroup_journal_at(r->id, ctx->rq->journal, e) < 0 ||
        journal_add(ctx->rq->journal, rt->name, arg, e) < 0)
        return -1;
    snprintf(plat, sizeof(plat), "--platform=%s", r->cfg->platform);
    snprintf(netf, sizeof(netf), "--network=%s", r->cfg->net);
    oci_argv(r, bin, plat, netf, argv);
    if (env_start_cli(argv, rt->stdio, 0, ctx, t0, e) < 0)
        return err_wrap(e, "%s run %s", rt->name, r->id);
    char buf[700], sc[160];
    confine_profile_summary(sc, sizeof(sc));
    if (rt == &rt_runsc)
        snprintf(buf, sizeof(buf),
                 "gVisor runsc (platform=%s) OCI bundle: ns mnt,pid,uts,ipc,cgroup%s; net=%s "
                 "(gVisor's own network stack%s); storage=%s; image=%.80s",
                 r->cfg->platform, strcmp(r->cfg->net, "host") ? ",net" : "", r->cfg->net,
                 strcmp(r->cfg->net, "host") ? ", loopback only" : " over the host's",
                 r->cfg->storage, r->cfg->image);
    else
        snprintf(buf, sizeof(buf),
                 "runc OCI bundle: ns mnt,pid,uts,ipc,cgroup%s; net=%s; storage=%s; "
                 "image=%.80s; %s",
                 strcmp(r->cfg->net, "host") ? ",net" : "", r->cfg->net, r->cfg->storage,
                 r->cfg->image, sc);
    kv_set(&ctx->info.facts, "label", buf, NULL);
    runc_weight_facts(r, ctx);
    ctr_reach(r->cfg, ctx);
    return 0;
}

static int runc_up(struct env_ctx *ctx, struct err *e)
{
    return oci_up(ctx, &rt_runc, e);
}

static int runsc_up(struct env_ctx *ctx, struct err *e)
{
    return oci_up(ctx, &rt_runsc, e);
}

static const char *runc_lacks(const struct spec *sp, unsigned needs)
{
    return ctr_lacks(sp, runc_nets, needs);
}

/* The cgroup runc (and runsc, for its sandbox) made at cgroupsPath. */
static int runc_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    char rel[160];
    snprintf(rel, sizeof(rel), "/isobench-%s", env_inst(ctx));
    return ctx->priv ? cgroup_cpu_src_at(rel, src, len) : -1;
}

const struct env env_runc = {
    .name = "runc",
    .pick = "runc:net=host", /* its bundle has no NAT network */
    .slice = ENV_SLICE_CPUSET,
    .summary = "runc running an OCI bundle written by isobench (same agent, same root)",
    /* exec, down: env_exec/env_down drive the agent; on EOF it exits and
     * `runc run` returns; the journal's `runc delete` removes the rest */
    .caps = ENV_CAP_ROOT | ENV_CAP_ODIRECT,
    .stop_grace_s = 2.0,
    .unavailable = runc_unavailable,
    .keys = runc_keys,
    .check = runc_check,
    .fit = env_fit_mem_limit,
    .lacks = runc_lacks,
    .host_cpu_src = runc_host_cpu,
    .up = runc_up,
};

const struct env env_runsc = {
    .name = "runsc",
    .pick = "runsc:net=host",
    .slice = ENV_SLICE_CPUSET,
    .summary = "gVisor's runsc running the same OCI bundle (a user-space kernel: the sandbox)",
    /* no ENV_CAP_ODIRECT: gVisor accepts O_DIRECT but serves it from the
     * sandbox's page cache (runsc showed 2.6x the host disk's random-read
     * IOPS here), so blockio is n/a there */
    .caps = ENV_CAP_ROOT | ENV_CAP_OWN_KERNEL,
    .stop_grace_s = 2.0,
    .unavailable = runsc_unavailable,
    .keys = runsc_keys,
    .check = runsc_check,
    .fit = env_fit_mem_limit,
    .lacks = runc_lacks,
    .host_cpu_src = runc_host_cpu,
    .up = runsc_up,
};
