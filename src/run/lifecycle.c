/* lifecycle.c - see lifecycle.h. */
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/host.h"
#include "envs/env.h"
#include "run/lifecycle.h"
#include "run/runner.h"

void run_life_begin(struct run_life *l, uint64_t *seed, const struct slice *sl)
{
    l->j = (struct journal){.fd = -1};
    l->host.n = 0;
    runner_make_uuid(l->uuid, sizeof(l->uuid));
    host_facts(&l->host);
    while (!*seed && getrandom(seed, sizeof(*seed), GRND_NONBLOCK) != sizeof(*seed))
        *seed = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull;
    char v[64];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)*seed);
    kv_set(&l->host, "order_seed", v, NULL);
    if (sl->cpus || sl->mem) {
        slice_text(sl, v, sizeof(v));
        kv_set(&l->host, "slice", v, NULL);
    }
    snprintf(v, sizeof(v), "%d", (int)getpid());
    kv_set(&l->host, "runner_pid", v, NULL);
    snprintf(v, sizeof(v), "%llu", journal_starttime(getpid()));
    kv_set(&l->host, "runner_start", v, NULL);
}

void run_life_journal(struct run_life *l)
{
    struct err je = {0};
    if (journal_open(&l->j, l->uuid, &je) < 0) {
        if (l->j.fd >= 0) close(l->j.fd);
        l->j.fd = -1;
        snprintf(l->j.why, sizeof(l->j.why), "%s", je.msg); /* journal_require reports it */
    }
}

int run_life_end(struct run_life *l, struct store *st, int64_t run_id, int rc, int failed,
                 int progress, struct err *e)
{
    if (l->j.fd >= 0 && journal_unwind(&l->j) > 0 && rc == 0)
        rc =
            err_set(e, ERR_FAIL, "some objects of the run could not be removed (isobench cleanup)");
    if (progress) fprintf(stderr, "\r\033[K");
    const char *status = rc < 0 ? (env_interrupted        ? "interrupted"
                                   : e->code == ERR_USAGE ? "aborted"
                                                          : "error")
                                : (failed ? "failed" : "complete");
    struct err e2 = {0};
    if (rc < 0) store_run_fact(st, run_id, "abort_reason", e->msg, &e2);
    store_run_end(st, run_id, status, &e2);
    return rc;
}
