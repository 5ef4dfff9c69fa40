/* native - the baseline: the agent runs as a plain child process of
 * isobench in the host's namespaces and cgroup. Creates only a data
 * directory on the host's disk when a workload writes (journaled). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "envs/container/cgroup.h"
#include "core/util.h"
#include "envs/env.h"

static const char *const native_keys[] = {"data", "cpus", "mem", NULL};

/* A slice (cpus= a cpuset list, mem= a size): the limits of the cgroup
 * the agents run in; zero limits when the spec has none. */
static int native_limits(const struct spec *sp, struct cg_limits *l, struct err *e)
{
    memset(l, 0, sizeof(*l));
    const char *v = kv_get(&sp->kv, "cpus");
    if (v && snprintf(l->cpus, sizeof(l->cpus), "%s", v) >= (int)sizeof(l->cpus))
        return err_set(e, ERR_USAGE, "%s: cpus list too long", sp->text);
    if ((v = kv_get(&sp->kv, "mem")) &&
        (util_parse_size(v, &l->mem, e) < 0 || l->mem < (16u << 20)))
        return err_set(e, ERR_USAGE, "%s: mem must be a size of at least 16M", sp->text);
    return cgroup_check(l, e);
}

/* data=DIR: the filesystem the writing workloads measure; cpus=, mem=: a
 * slice (the fair sizing scenarios give every tenant). */
static int native_check(const struct spec *sp, struct err *e)
{
    const char *d = kv_get(&sp->kv, "data");
    struct stat st;
    if (d && (d[0] != '/' || stat(d, &st) < 0 || !S_ISDIR(st.st_mode)))
        return err_set(e, ERR_USAGE, "%s: data must be an existing absolute directory", sp->text);
    struct cg_limits l;
    return native_limits(sp, &l, e);
}

/* A cgroup for the agents, so native's samples are charged their CPU like
 * the others': accounting only (the baseline isolates nothing), or with a
 * slice's cpuset and memory limit when the spec gives one. */
static int native_up(struct env_ctx *ctx, struct err *e)
{
    struct cgroup *cg = calloc(1, sizeof(*cg));
    if (!cg) return err_set(e, ERR_FAIL, "out of memory");
    ctx->priv = cg;
    char name[128];
    snprintf(name, sizeof(name), "isobench-%s-%d", ctx->run_id, ctx->idx);
    struct cg_limits l;
    if (native_limits(&ctx->spec, &l, e) < 0) return -1;
    int sliced = l.cpus[0] || l.mem;
    if (sliced && journal_require(ctx->journal, e) < 0) return err_wrap(e, "native: a slice");
    if (sliced && cgroup_create(cg, name, &l, ctx->journal, e) < 0)
        return err_wrap(e, "native: the slice's cgroup");
    if (!sliced && ctx->journal && ctx->journal->fd >= 0 &&
        cgroup_create_acct(cg, name, ctx->journal, e) < 0)
        return err_wrap(e, "native: accounting cgroup");
    env_reach_host(ctx, 1);
    if (ctx->need_data && env_make_datadir(ctx, e) < 0) return -1;
    if (ctx->datadir[0]) kv_set(&ctx->facts, "datadir", ctx->datadir, NULL);
    return 0;
}

/* In the agent's child, before exec: joins the accounting cgroup. */
static int native_join(void *arg)
{
    const struct cgroup *cg = arg;
    struct err e = {0};
    return cg->ndirs ? cgroup_attach(cg, getpid(), &e) : 0;
}

static int native_exec(struct env_ctx *ctx, const struct job *j, struct env_watch *w,
                       struct reply *rep, struct err *e)
{
    return env_spawn_agent(j, ctx->timeout_s, native_join, ctx->priv, w, rep, e);
}

static int native_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    const struct cgroup *cg = ctx->priv;
    return cg && cg->ndirs ? cgroup_cpu_src(cg, src, len) : -1;
}

static void native_down(struct env_ctx *ctx)
{
    if (ctx->datadir[0]) journal_rmtree(ctx->datadir);
    ctx->datadir[0] = '\0';
    free(ctx->priv); /* the cgroup itself goes with the journal */
    ctx->priv = NULL;
}

const struct env env_native = {
    .name = "native",
    .slice = ENV_SLICE_CPUSET,
    .summary = "the host itself: agent as a child process (the baseline)",
    .keys = native_keys,
    .check = native_check,
    .up = native_up,
    .exec = native_exec,
    .down = native_down,
    .host_cpu_src = native_host_cpu,
};
