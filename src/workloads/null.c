/* null - does nothing and reports how long doing nothing took, to test the
 * runner, the agent round trip and the store (fio's null engine). */
#include <errno.h>
#include <time.h>

#include <string.h>

#include "core/sandbox.h"
#include "core/util.h"
#include "workloads/workload.h"

static const struct wl_opt null_opts[] = {
    {"fail",
     "1: fail the measurement on purpose (tests error paths)",
     {"0", "0", "0"},
     .type = WL_T_ENUM,
     .values = "0|1"},
    {"sleep",
     "seconds to sleep, fractions allowed, counted in elapsed (tests timeouts, cancellation and "
     "compare's detection of a slowdown)",
     {"0", "0", "0"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 86400.0,
     .unit = "s"},
    {"settle",
     "seconds: the run's first sample settles sleep= to this for every later one (tests how a "
     "workload settles an option, as mysql's stop-gain does)",
     {NULL, NULL, NULL},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 86400.0,
     .unit = "s"},
    {"hostile",
     "1: the hostile drill - try what root in a harmful image would (device nodes, TIOCSTI, "
     "/proc/sys and /sys writes, reach): each attempt's outcome a hostile.* fact "
     "(core/sandbox.h); only where CAP_SYS_ADMIN is not held (tests/priv/hostile.sh)",
     {"0", "0", "0"},
     .type = WL_T_ENUM,
     .values = "0|1"},
    {"reach",
     "with hostile=1: an IP:PORT outside the run the drill tries to connect to",
     {NULL, NULL, NULL},
     .type = WL_T_STR},
    {"blockdev",
     "with hostile=1: the block device MAJ:MIN the drill makes a node of and opens (default: "
     "one of the host's disks)",
     {NULL, NULL, NULL},
     .type = WL_T_STR},
    {.name = NULL},
};

/* null's options, typed by its table: fail (0 or 1, the enum's index) and
 * sleep (seconds, 0 allowed). ERR_USAGE when one does not fit. */
static int null_params(const struct wl_ctx *ctx, int *fail, double *sleep_s, struct err *e)
{
    if (wl_opt_enum(ctx, &workload_null, "fail", 0, fail, e) < 0 ||
        wl_opt_secs(ctx, &workload_null, "sleep", 0, sleep_s, e) < 0)
        return -1;
    return 0;
}

static int null_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                      struct err *e)
{
    int fail;
    double sleep_s;
    (void)resolved;
    need->mem_bytes = 0;
    return null_params(ctx, &fail, &sleep_s, e);
}

/* elapsed is the time the sleep took (0 without one): what compare's test
 * slows down on purpose. */
static int null_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    int fail;
    double sleep_s;
    if (null_params(ctx, &fail, &sleep_s, e) < 0) return -1;
    double t0 = util_now();
    struct timespec ts = {.tv_sec = (time_t)sleep_s,
                          .tv_nsec = (long)((sleep_s - (double)(time_t)sleep_s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    double t1 = util_now();
    if (fail) return err_set(e, ERR_FAIL, "null workload failed on request (fail=1)");
    int hostile; /* "0|1": the index is the number */
    if (wl_opt_enum(ctx, &workload_null, "hostile", 0, &hostile, e) < 0) return -1;
    if (hostile)
        sandbox_hostile(wl_opt_str(ctx, &workload_null, "reach"),
                        wl_opt_str(ctx, &workload_null, "blockdev"), &r->facts);
    const char *settle = wl_opt_str(ctx, &workload_null, "settle");
    if (settle) kv_set(&r->facts, "null.settle.sleep", settle, NULL);
    return result_add(r, "elapsed", "s", BETTER_LOWER, t1 - t0, e);
}

const struct workload workload_null = {
    /* does no work: nothing to divide by */
    .unit = "none",
    .name = "null",
    .summary = "does nothing; tests the runner",
    .opts = null_opts,
    .settles = (const char *const[]){"sleep", NULL},
    .check = null_check,
    .run = null_run,
};
