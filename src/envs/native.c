/* native - the baseline: the agent runs as a plain child process of
 * isobench in the host's namespaces and cgroup. Creates nothing. */
#include "envs/env.h"

static int native_up(struct env_ctx *ctx, struct err *e)
{
    (void)ctx;
    (void)e;
    return 0;
}

static int native_exec(struct env_ctx *ctx, const struct job *j, struct reply *rep, struct err *e)
{
    return env_spawn_agent(j, ctx->timeout_s, NULL, NULL, rep, e);
}

static void native_down(struct env_ctx *ctx)
{
    (void)ctx;
}

const struct env env_native = {
    .name = "native",
    .summary = "the host itself: agent as a child process (the baseline)",
    .up = native_up,
    .exec = native_exec,
    .down = native_down,
};
