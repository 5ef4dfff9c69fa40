/* lxc - the same agent in a container made by Debian's LXC (the
 * Xen-vs-LXC study's container side). isobench writes the container's
 * configuration (lxcconf.c: Docker's capabilities, seccomp profile, masked
 * and read-only paths, devices, cgroup limits from the spec or slice) over
 * a root that is an overlay of the image (the host root by default), and
 * runs it with LXC's own `lxc-start -F`: the agent is the container's init
 * and speaks on lxc-start's stdin/stdout (lxc.console.path = none).
 * Networking: nat (a veth LXC makes on the run's bridge, published port),
 * host, or none. Everything is journaled before it exists: the state dir,
 * the overlay mounts, the data dir, the cgroup directories LXC makes
 * (lxc.cgroup.dir and the lxc.pivot it leaves in v1 hierarchies), the
 * veth, and `lxc-stop --kill` for the container itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proc.h"
#include "envs/ctr/config.h"
#include "envs/ctr/confine.h"
#include "envs/ctr/lxcconf.h"
#include "envs/ctr/net.h"
#include "envs/env.h"
#include "envs/undo.h"

static const char *const lxc_keys[] = {"net",        "storage", "image", "cpus", "cpu-quota",
                                       "cpu-weight", "mem",     "pids",  NULL};
static const char *const lxc_nets[] = {"nat", "host", "none", NULL};

struct lxcctr {
    const struct ctr_config *cfg; /* the request's */
    struct net_nat nat;
    char state[600], lxcpath[700], conf[700], log[700], name[128], volume[600], data_ovl[600];
};

#define LXC_START "/usr/bin/lxc-start"
#define LXC_STOP "/usr/bin/lxc-stop"

static const char *lxc_unavailable(void)
{
    if (access(LXC_START, X_OK) != 0 || access(LXC_STOP, X_OK) != 0)
        return "lxc-start not found (apt-get install lxc)";
    return NULL;
}

static int lxc_check(const struct spec *sp, void *conf, struct err *e)
{
    return ctr_config_parse(sp, lxc_nets, conf, e);
}

/* "LXCPATH NAME": stops the container at once (its init killed), which
 * makes lxc-start take down the veth and the mounts of its namespace. A
 * container LXC never got to start (no LXCPATH) is gone already. Not
 * lxc-destroy: it would remove the rootfs's tree, here an overlay over
 * the host's root; the state dir's own journal entry removes the rest. */
int lxc_undo(const char *arg)
{
    char path[700], name[128];
    if (sscanf(arg, "%699s %127s", path, name) != 2) return -1;
    struct stat st;
    if (stat(path, &st) < 0) return 0;
    char *const argv[] = {LXC_STOP, "--kill", "-n", name, "-P", path, NULL};
    struct proc_opts o = {.timeout_s = 30};
    struct err e = {0};
    int rc = proc_run(argv, &o, NULL, 0, NULL, &e);
    /* 2: not running; 0: stopped */
    return rc == 0 || rc == 2 ? 0 : -1;
}

/* The last line of LXC's log that says ERROR, for a failed start; a
 * longer one is cut and ends in "..." (len >= 8). */
static void lxc_log_error(const char *log, char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen(log, "re");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof(line), f))
        if (strstr(line, " ERROR ")) {
            line[strcspn(line, "\n")] = '\0';
            const char *m = strstr(line, " - ");
            m = m ? strstr(m + 3, " - ") : NULL; /* after "file:func:line - " */
            const char *src = m ? m + 3 : line;
            size_t n = strlen(src);
            if (n >= len) { /* an excerpt, marked as one */
                n = len - 4;
                memcpy(out + n, "...", 4);
            } else
                out[n] = '\0';
            memcpy(out, src, n);
        }
    fclose(f);
}

/* Journals, then writes, what lxc-start needs: root, data dir, cgroup
 * directories, the bridge (nat), the veth LXC will make, the config and
 * the seccomp policy. */
static int lxc_prepare(struct lxcctr *c, struct env_ctx *ctx, struct err *e)
{
    snprintf(c->state, sizeof(c->state), "%s/l%s", ctx->rq->journal->dir, env_idx(ctx));
    snprintf(c->lxcpath, sizeof(c->lxcpath), "%s/lxc", c->state);
    snprintf(c->conf, sizeof(c->conf), "%s/config", c->state);
    snprintf(c->log, sizeof(c->log), "%s/lxc.log", c->state);
    snprintf(c->name, sizeof(c->name), "isobench-%s", env_inst(ctx));
    char merged[1024], seccomp[700], pivot[200];
    if (ctr_root_make(c->cfg, ctx, c->state, merged, sizeof(merged), c->volume, c->data_ovl,
                      sizeof(c->volume), e) < 0)
        return -1;
    if (mkdir(c->lxcpath, 0700) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", c->lxcpath);
    snprintf(pivot, sizeof(pivot), "%s/lxc.pivot", c->name);
    if (cgroup_journal_at(c->name, ctx->rq->journal, e) < 0 ||
        cgroup_journal_at(pivot, ctx->rq->journal, e) < 0)
        return -1;
    if (!strcmp(c->cfg->net, "nat")) {
        net_nat_plan(&c->nat, ctx->rq->run_id, ctx->rq->idx);
        if (net_nat_bridge(&c->nat, ctx->rq->run_id, ctx->rq->journal, e) < 0 ||
            journal_add(ctx->rq->journal, "link", c->nat.veth, e) < 0)
            return -1;
        if (ctx->rq->peer &&
            net_nat_publish(&c->nat, ctx->rq->run_id, ctx->rq->peer->host_if, ctx->rq->port, e) < 0)
            return -1;
    }
    snprintf(seccomp, sizeof(seccomp), "%s/seccomp", c->state);
    struct lxc_conf_in in = {.cfg = c->cfg,
                             .rootfs = merged,
                             .volume = c->volume,
                             .cgdir = c->name,
                             .seccomp = seccomp,
                             .nat = &c->nat,
                             .idx = ctx->rq->idx};
    return lxc_write_seccomp(seccomp, e) < 0 ? -1 : lxc_write_config(c->conf, &in, e);
}

/* cpu-weight as lxc_write_limits passed it, read back from the cgroup LXC
 * wrote the limits to: with lxc.cgroup.dir = D, the container's is
 * D/lxc.payload.NAME (its monitor's D/lxc.monitor.NAME, beside it). */
static void lxc_weight_facts(const struct lxcctr *c, struct env_ctx *ctx)
{
    char val[32], asked[96], rel[300];
    int v2 = cgroup_is_v2();
    const char *file = cgroup_weight_setting(c->cfg->limits.cpu_weight, v2, val, sizeof(val));
    snprintf(asked, sizeof(asked), "%s.%s = %s", v2 ? "lxc.cgroup2" : "lxc.cgroup", file, val);
    snprintf(rel, sizeof(rel), "/%s/lxc.payload.%s", c->name, c->name);
    ctr_weight_facts(c->cfg, ctx, asked, rel, 0);
}

static int lxc_up(struct env_ctx *ctx, struct err *e)
{
    struct lxcctr *c = calloc(1, sizeof(*c));
    if (!c) return err_set(e, ERR_FAIL, "out of memory");
    c->cfg = ctr_conf(ctx);
    ctx->priv = c;
    if (journal_require(ctx->rq->journal, e) < 0) return -1;
    double t0 = util_now(); /* config written -> agent ready */
    if (lxc_prepare(c, ctx, e) < 0) return -1;
    char arg[900];
    snprintf(arg, sizeof(arg), "%s %s", c->lxcpath, c->name);
    if (journal_add(ctx->rq->journal, "lxc", arg, e) < 0) return -1;
    char *const argv[] = {LXC_START, "-F", "-n",   c->name, "-P",   c->lxcpath, "-f",
                          c->conf,   "-o", c->log, "-l",    "INFO", NULL};
    if (env_start_cli(argv, 1, 0, ctx, t0, e) < 0) {
        char why[400];
        lxc_log_error(c->log, why, sizeof(why));
        return why[0] ? err_wrap(e, "lxc-start %s (LXC: %s)", c->name, why)
                      : err_wrap(e, "lxc-start %s", c->name);
    }
    char buf[700], sc[160], ver[64] = "";
    char *const vargv[] = {LXC_START, "--version", NULL};
    struct proc_opts o = {.timeout_s = 10};
    struct err ve = {0};
    if (proc_run(vargv, &o, ver, sizeof(ver), NULL, &ve) == 0) ver[strcspn(ver, "\n")] = '\0';
    confine_profile_summary(sc, sizeof(sc));
    snprintf(buf, sizeof(buf),
             "LXC %s (lxc-start -F, config by isobench): ns mnt,pid,uts,ipc,cgroup%s; net=%s; "
             "storage=%s; image=%.80s; cgroup %s; %s",
             ver, strcmp(c->cfg->net, "host") ? ",net" : "", c->cfg->net, c->cfg->storage,
             c->cfg->image, cgroup_is_v2() ? "v2" : "v1", sc);
    kv_set(&ctx->info.facts, "label", buf, NULL);
    if (ver[0]) kv_set(&ctx->info.facts, "lxc.version", ver, NULL);
    lxc_weight_facts(c, ctx);
    ctr_reach(c->cfg, ctx);
    if (!strcmp(c->cfg->net, "nat"))
        net_nat_addr_text(&c->nat, ctx->info.local_addr, sizeof(ctx->info.local_addr));
    return 0;
}

static const char *lxc_lacks(const struct spec *sp, unsigned needs)
{
    return ctr_lacks(sp, lxc_nets, needs);
}

/* The cgroup LXC made at lxc.cgroup.dir: the container's init and all it
 * runs (LXC's monitor, lxc-start, stays outside it). */
static int lxc_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    char rel[160];
    snprintf(rel, sizeof(rel), "/isobench-%s", env_inst(ctx));
    return ctx->priv ? cgroup_cpu_src_at(rel, src, len) : -1;
}

const struct env env_lxc = {
    .name = "lxc",
    .pick = "lxc",
    .slice = ENV_SLICE_CPUSET,
    .summary = "Debian's LXC (lxc-start) with a config written by isobench (same agent, same root)",
    /* exec, down: env_exec/env_down drive the agent; on EOF lxc-start takes
     * the container down (veth, cgroups) and returns; the journal's
     * lxc-stop entry covers the rest */
    .caps = ENV_CAP_ROOT | ENV_CAP_ODIRECT,
    .stop_grace_s = 5.0,
    .unavailable = lxc_unavailable,
    .keys = lxc_keys,
    .check = lxc_check,
    .fit = env_fit_mem_limit,
    .lacks = lxc_lacks,
    .host_cpu_src = lxc_host_cpu,
    .up = lxc_up,
};
