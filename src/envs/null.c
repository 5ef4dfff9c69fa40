/* null - runs the agent in-process, without spawning or isolating
 * anything: it tests the runner, protocol and store (fio's null engine).
 * Its numbers say nothing about isolation. */
#include "agent/agent.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env.h"

static int null_up(struct env_ctx *ctx, struct err *e)
{
    (void)e;
    snprintf(ctx->info.no_reach, sizeof(ctx->info.no_reach),
             "the null environment runs jobs inside the runner: no server there");
    return 0;
}

static int null_exec(struct env_ctx *ctx, const struct job *j, struct env_watch *w,
                     struct reply *rep, struct err *e)
{
    (void)ctx;
    (void)w; /* in-process: nothing to watch while it runs */
    /* test hook: the environment itself fails on its 2nd job (once), as a
     * crashed agent would; the runner must restart it and go on */
    static int jobs;
    const char *fp = getenv("ISOBENCH_FAILPOINT");
    if (fp && !strcmp(fp, "null-env-exec") && ++jobs == 2)
        return err_set(e, ERR_FAIL, "the null environment failed on request (failpoint)");
    char *buf cleanup_free = malloc(PROTO_MAX);
    char *out cleanup_free = malloc(PROTO_MAX);
    if (!buf || !out) return err_set(e, ERR_FAIL, "out of memory");
    if (proto_encode_job(j, buf, PROTO_MAX, e) < 0) return -1;
    if (agent_handle(buf, out, PROTO_MAX, e) < 0) return -1;
    return proto_decode_reply(out, rep, e);
}

static const char *null_lacks(const struct spec *sp, unsigned needs)
{
    (void)sp;
    return needs & WL_NEEDS_NET
               ? "the null environment runs jobs inside the runner: no server there"
               : NULL;
}

const struct env env_null = {
    .name = "null",
    .summary = "in-process agent, no isolation; tests the runner",
    .caps = ENV_CAP_HOST_NETNS | ENV_CAP_ODIRECT,
    .lacks = null_lacks,
    .up = null_up,
    .exec = null_exec,
};
