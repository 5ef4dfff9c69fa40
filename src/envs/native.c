/* native - the baseline: the agent runs as a plain child process of
 * isobench in the host's namespaces and cgroup. Creates only a data
 * directory on the host's disk when a workload writes (journaled). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "envs/ctr/cgroup.h"
#include "core/util.h"
#include "envs/env.h"

static const char *const native_keys[] = {"data", "cpus", "mem", NULL};

/* native's spec, parsed: where workloads write, and a slice's limits. */
struct native_conf {
    char data[200];
    struct cg_limits limits;
};
_Static_assert(sizeof(struct native_conf) <= ENV_CONF_MAX, "native_conf fits env_conf");

/* data=DIR: the filesystem the writing workloads measure; cpus=, mem=: a
 * slice (the fair sizing scenarios give every tenant): the limits of the
 * cgroup the agents run in, none when the spec has none. */
static int native_check(const struct spec *sp, void *conf, struct err *e)
{
    struct native_conf *c = conf;
    const char *v = kv_get(&sp->kv, "data");
    struct stat st;
    if (v && (v[0] != '/' || stat(v, &st) < 0 || !S_ISDIR(st.st_mode)))
        return err_set(e, ERR_USAGE, "%s: data must be an existing absolute directory", sp->text);
    if (snprintf(c->data, sizeof(c->data), "%s", v ? v : "/var/tmp") >= (int)sizeof(c->data))
        return err_set(e, ERR_USAGE, "%s: data path too long", sp->text);
    v = kv_get(&sp->kv, "cpus");
    if (v &&
        snprintf(c->limits.cpus, sizeof(c->limits.cpus), "%s", v) >= (int)sizeof(c->limits.cpus))
        return err_set(e, ERR_USAGE, "%s: cpus list too long", sp->text);
    if ((v = kv_get(&sp->kv, "mem")) &&
        (util_parse_size(v, &c->limits.mem, e) < 0 || c->limits.mem < (16u << 20)))
        return err_set(e, ERR_USAGE, "%s: mem must be a size of at least 16M", sp->text);
    return cgroup_check(&c->limits, e);
}

/* Makes <data>/isobench-<run>-<idx>-data (journaled) as info.datadir. */
static int native_datadir(struct env_ctx *ctx, const char *base, struct err *e)
{
    char dir[sizeof(ctx->info.datadir)];
    if (snprintf(dir, sizeof(dir), "%s/isobench-%s-data", base, env_inst(ctx)) >= (int)sizeof(dir))
        return err_set(e, ERR_USAGE, "%s: data path too long", ctx->rq->spec.text);
    if (ctx->rq->journal && ctx->rq->journal->fd >= 0 &&
        journal_add(ctx->rq->journal, "rmtree", dir, e) < 0)
        return -1;
    if (mkdir(dir, 0755) < 0) {
        /* EEXIST only from an earlier instance of this run (a restart):
         * a real directory of ours that no one else may write */
        int er = errno;
        struct stat st;
        if (er != EEXIST || lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
            (st.st_mode & 022))
            return err_sys(e, ERR_FAIL, er, "mkdir %s", dir);
    }
    snprintf(ctx->info.datadir, sizeof(ctx->info.datadir), "%s", dir);
    return 0;
}

/* A cgroup for the agents, so native's samples are charged their CPU like
 * the others': accounting only (the baseline isolates nothing), or with a
 * slice's cpuset and memory limit when the spec gives one. */
static int native_up(struct env_ctx *ctx, struct err *e)
{
    const struct native_conf *c = (const void *)ctx->rq->conf.b;
    struct cgroup *cg = calloc(1, sizeof(*cg));
    if (!cg) return err_set(e, ERR_FAIL, "out of memory");
    ctx->priv = cg;
    char name[128];
    snprintf(name, sizeof(name), "isobench-%s", env_inst(ctx));
    int sliced = c->limits.cpus[0] || c->limits.mem;
    if (sliced && journal_require(ctx->rq->journal, e) < 0) return err_wrap(e, "native: a slice");
    if (sliced && cgroup_create(cg, name, &c->limits, ctx->rq->journal, e) < 0)
        return err_wrap(e, "native: the slice's cgroup");
    if (!sliced && ctx->rq->journal && ctx->rq->journal->fd >= 0 &&
        cgroup_create_acct(cg, name, ctx->rq->journal, e) < 0)
        return err_wrap(e, "native: accounting cgroup");
    memcpy(ctx->info.mem_dir, cg->mem_dir, sizeof(ctx->info.mem_dir));
    env_reach_host(ctx, (ctx->rq->env->caps & ENV_CAP_HOST_NETNS) != 0);
    if (ctx->rq->need_data && native_datadir(ctx, c->data, e) < 0) return -1;
    if (ctx->info.datadir[0]) kv_set(&ctx->info.facts, "datadir", ctx->info.datadir, NULL);
    return 0;
}

/* In the agent's child, before exec: joins the accounting cgroup. */
static int native_join(void *arg)
{
    const struct cgroup *cg = arg;
    struct err e = {0};
    return cg->ndirs ? cgroup_attach(cg, getpid(), &e) : 0;
}

/* native has no agent serving the run: every job is a fresh agent. */
static int native_exec(struct env_ctx *ctx, const struct job *j, struct env_watch *w,
                       struct reply *rep, struct err *e)
{
    return env_spawn_agent(j, ctx->rq->timeout_s, native_join, ctx->priv, w, rep, e);
}

static int native_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    const struct cgroup *cg = ctx->priv;
    return cg && cg->ndirs ? cgroup_cpu_src(cg, src, len) : -1;
}

static void native_down(struct env_ctx *ctx)
{
    if (ctx->info.datadir[0]) journal_rmtree(ctx->info.datadir);
    free(ctx->priv); /* the cgroup itself goes with the journal */
}

const struct env env_native = {
    .name = "native",
    .pick = "native",
    .slice = ENV_SLICE_CPUSET,
    .caps = ENV_CAP_HOST_NETNS | ENV_CAP_ODIRECT | ENV_CAP_PARALLEL_UP,
    .summary = "the host itself: agent as a child process (the baseline)",
    .keys = native_keys,
    .check = native_check,
    .up = native_up,
    .exec = native_exec,
    .down = native_down,
    .host_cpu_src = native_host_cpu,
};
