/* null - does nothing and reports how long doing nothing took, to test the
 * runner, the agent round trip and the store (fio's null engine). */
#include <errno.h>
#include <time.h>

#include "core/util.h"
#include "workloads/workload.h"

static const struct wl_opt null_opts[] = {
    {"fail", "1: fail the measurement on purpose (tests error paths)", {"0", "0", "0"}},
    {"sleep", "seconds to sleep first (tests timeouts and cancellation)", {"0", "0", "0"}},
    {NULL, NULL, {NULL, NULL, NULL}},
};

static int null_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                      struct err *e)
{
    uint64_t fail, sleep_s;
    (void)resolved;
    need->mem_bytes = 0;
    return wl_opt_u64(ctx, &workload_null, "fail", 0, &fail, e) < 0 ||
                   wl_opt_u64(ctx, &workload_null, "sleep", 0, &sleep_s, e) < 0
               ? -1
               : 0;
}

static int null_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    uint64_t fail, sleep_s;
    if (wl_opt_u64(ctx, &workload_null, "fail", 0, &fail, e) < 0 ||
        wl_opt_u64(ctx, &workload_null, "sleep", 0, &sleep_s, e) < 0)
        return -1;
    struct timespec ts = {.tv_sec = (time_t)sleep_s};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    if (fail) return err_set(e, ERR_FAIL, "null workload failed on request (fail=1)");
    double t0 = util_now();
    double t1 = util_now();
    return result_add(r, "elapsed", "s", BETTER_LOWER, t1 - t0, e);
}

const struct workload workload_null = {
    .name = "null",
    .summary = "does nothing; tests the runner",
    .opts = null_opts,
    .check = null_check,
    .run = null_run,
};
