/* ocirt.c - see ocirt.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/ctr/cgroup.h"
#include "envs/ctr/confine.h"
#include "envs/ctr/ocirt.h"
#include "envs/ctr/oci.h"
#include "envs/ctr/rootfs.h"

const char *const oci_nets[] = {"none", "host", NULL};

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

const char *oci_rt_unavailable(const struct oci_rt *rt, char *why, size_t len)
{
    char p[512];
    if (oci_find(rt->name, p, sizeof(p)) == 0) return NULL;
    snprintf(why, len, "%s not found (apt-get install %s)", rt->name, rt->pkg);
    return why;
}

/* "ROOT ID": force-deletes the container (kills it, removes its cgroup). */
int oci_rt_undo(const char *name, const char *arg)
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
    if (r->rt->sandbox) {
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

int oci_rt_up(struct env_ctx *ctx, const struct oci_rt *rt, struct err *e)
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
    char buf[700];
    rt->label(r->cfg, buf, sizeof(buf));
    kv_set(&ctx->info.facts, "label", buf, NULL);
    runc_weight_facts(r, ctx);
    ctr_reach(r->cfg, ctx);
    return 0;
}

/* The cgroup runc (and runsc, for its sandbox) made at cgroupsPath. */
int oci_rt_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    char rel[160];
    snprintf(rel, sizeof(rel), "/isobench-%s", env_inst(ctx));
    return ctx->priv ? cgroup_cpu_src_at(rel, src, len) : -1;
}
