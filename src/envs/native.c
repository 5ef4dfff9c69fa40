/* native - the baseline: the agent runs as a plain child process of
 * isobench in the host's namespaces and cgroup. Creates only a data
 * directory on the host's disk when a workload writes (journaled). */
#include <stdio.h>
#include <sys/stat.h>

#include "envs/env.h"

static const char *const native_keys[] = {"data", NULL};

/* data=DIR: the filesystem the writing workloads measure. */
static int native_check(const struct spec *sp, struct err *e)
{
    const char *d = kv_get(&sp->kv, "data");
    struct stat st;
    if (d && (d[0] != '/' || stat(d, &st) < 0 || !S_ISDIR(st.st_mode)))
        return err_set(e, ERR_USAGE, "%s: data must be an existing absolute directory", sp->text);
    return 0;
}

static int native_up(struct env_ctx *ctx, struct err *e)
{
    env_reach_host(ctx, 1);
    if (ctx->need_data && env_make_datadir(ctx, e) < 0) return -1;
    if (ctx->datadir[0]) kv_set(&ctx->facts, "datadir", ctx->datadir, NULL);
    return 0;
}

static int native_exec(struct env_ctx *ctx, const struct job *j, struct reply *rep, struct err *e)
{
    return env_spawn_agent(j, ctx->timeout_s, NULL, NULL, ctx->watch, rep, e);
}

static void native_down(struct env_ctx *ctx)
{
    if (ctx->datadir[0]) journal_rmtree(ctx->datadir);
    ctx->datadir[0] = '\0';
}

const struct env env_native = {
    .name = "native",
    .summary = "the host itself: agent as a child process (the baseline)",
    .keys = native_keys,
    .check = native_check,
    .up = native_up,
    .exec = native_exec,
    .down = native_down,
};
