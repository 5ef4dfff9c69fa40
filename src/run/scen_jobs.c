/* scen_jobs.c - a scenario's jobs run side by side, a thread each:
 * delays, stops on another job's end, the host CPU each tenant spent. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/swapfile.h"
#include "core/util.h"
#include "run/runner.h"
#include "run/scenario.h"
#include "run/scenario_priv.h"

struct job_thread {
    struct scen_run *r;
    struct scen_job *j;
    int watch_fd; /* readable when the job this one stops after has ended, or on Ctrl-C */
    double end;   /* util_now() when it ended, written before done */
    int done;     /* set (atomically) as the thread's last act */
};

static int peer_join(void *arg)
{
    return peer_enter(arg);
}

static int job_stop(void *arg)
{
    (void)arg;
    return 1; /* the job it follows ended: cancel this one */
}

/* Test hook (ISOBENCH_FAILPOINT=tsan-race): every job thread bumps this
 * without a lock - the race scripts/tsan.sh must report, so that its
 * "no race" can be believed. */
static int scen_race_counter;

/* One job: waits its delay, reads the tenant's host CPU time around the
 * exec. A failed environment is a failed sample here; the scenario goes
 * on with its other tenants. */
static void *job_main(void *arg)
{
    struct job_thread *jt = arg;
    struct scen_job *sj = jt->j;
    const char *fp = getenv("ISOBENCH_FAILPOINT");
    if (fp && !strcmp(fp, "tsan-race")) scen_race_counter++;
    struct tenant *tn = sj->tenant == SCEN_PEER ? NULL : &jt->r->t[sj->tenant];
    if (sj->delay_s > 0) {
        struct timespec ts = {.tv_sec = (time_t)sj->delay_s,
                              .tv_nsec = (long)((sj->delay_s - (double)(time_t)sj->delay_s) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !env_interrupted) {
        }
    }
    struct job *j = env_interrupted ? NULL : calloc(1, sizeof(*j));
    if (!j) {
        sj->rc = -1;
        err_set(&sj->reply->err, ERR_FAIL, "%s", env_interrupted ? "interrupted" : "out of memory");
        __atomic_store_n(&jt->done, 1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    j->size = jt->r->p->size;
    snprintf(j->workload, sizeof(j->workload), "%s", sj->wl->name);
    j->opts = sj->opts;
    snprintf(j->secret, sizeof(j->secret), "%s", jt->r->secret);
    struct err e = {0};
    struct env_watch w = {.fd = jt->watch_fd, .fired = job_stop};
    struct env_watch *wp = jt->watch_fd >= 0 ? &w : NULL;
    sj->cpu_s = -1;
    const struct env_info *to =
        sj->server_of ? &jt->r->t[SCEN_REF_INDEX(sj->server_of)].ctx.info : NULL;
    if (!tn && to && !to->reach_addr[0]) { /* its server cannot be reached from here */
        sj->rc =
            err_set(&e, ERR_FAIL, "%s",
                    to->no_reach[0] ? to->no_reach : "no network path from the peer namespace");
        sj->t0 = sj->t1 = util_now();
    } else if (!tn) { /* a client half in the peer namespace: charged to nobody */
        snprintf(j->role, sizeof(j->role), "client");
        j->port = jt->r->port_base; /* a pair's client: its options name the servers */
        if (to) {                   /* the client of one tenant's server half */
            snprintf(j->addr, sizeof(j->addr), "%s", to->reach_addr);
            j->port = to->reach_port;
        }
        sj->t0 = util_now();
        sj->rc =
            env_spawn_agent(j, jt->r->p->timeout_s, peer_join, &jt->r->peer, wp, sj->reply, &e);
        sj->t1 = util_now();
    } else if (!tn->up) { /* it could not be brought back */
        sj->rc = err_set(&e, ERR_FAIL, "%s", tn->why);
        sj->t0 = sj->t1 = util_now();
    } else {
        snprintf(j->data, sizeof(j->data), "%s", tn->ctx.info.datadir);
        if (sj->role) {
            snprintf(j->role, sizeof(j->role), "%s", sj->role);
            snprintf(j->addr, sizeof(j->addr), "%s", tn->ctx.info.serve_addr);
            j->port = tn->req.port;
        }
        char src[400] = "";
        double c0 = 0, c1 = 0;
        int have = tn->req.env->host_cpu_src &&
                   tn->req.env->host_cpu_src(&tn->ctx, src, sizeof(src)) == 0 &&
                   host_cpu_read(src, &c0) == 0;
        sj->t0 = util_now();
        sj->rc = env_exec(&tn->ctx, j, wp, sj->reply, &e);
        sj->t1 = util_now();
        if (have && host_cpu_read(src, &c1) == 0) sj->cpu_s = c1 - c0;
    }
    sj->stopped = w.cancelled;
    if (sj->rc < 0 && tn && !sj->stopped) { /* the environment, not the workload */
        tn->broken = 1;
        snprintf(tn->why, sizeof(tn->why), "%s", e.msg);
    }
    if (sj->rc < 0) {
        sj->reply->ok = 0;
        sj->reply->err = e;
        err_wrap(&sj->reply->err, "tenant %s (%s)", tn ? tn->name : "client",
                 tn ? tn->req.spec.text : "peer namespace");
    }
    free(j);
    jt->end = util_now();
    __atomic_store_n(&jt->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int scen_run_jobs(struct scen_run *r, struct scen_job *jobs, int n, struct err *e)
{
    for (int i = 0; i < n; i++) { /* bring back what failed in an earlier job */
        int t = jobs[i].tenant;
        if (t < 0 || !r->t[t].broken) continue;
        struct err he = {0};
        if (scen_tenant_heal(r, t, r->t[t].why, &he) < 0) {
            if (env_interrupted) return err_set(e, ERR_FAIL, "interrupted");
            scen_tenant_down(r, t); /* down for good: its jobs fail without an environment */
            r->t[t].broken = 1;
            snprintf(r->t[t].why, sizeof(r->t[t].why), "%s", he.msg);
        }
    }
    pthread_t th[LIM_TENANTS];
    struct job_thread jt[LIM_TENANTS];
    int pipes[LIM_TENANTS][2];
    if (n > LIM_TENANTS) return err_set(e, ERR_FAIL, "too many jobs at once");
    int started = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        jt[i] = (struct job_thread){.r = r, .j = &jobs[i], .watch_fd = -1};
        pipes[i][0] = pipes[i][1] = -1;
    }
    /* every job watches a pipe of its own: written when the job it stops
     * after ends, or by the loop below on Ctrl-C (a cancel for all) */
    for (int i = 0; i < n && rc == 0; i++) {
        int k = SCEN_REF_INDEX(jobs[i].stopped_by);
        if (k >= n || k == i)
            rc = err_set(e, ERR_FAIL, "job %d stops after no job", i);
        else if (pipe2(pipes[i], O_CLOEXEC) < 0)
            rc = err_sys(e, ERR_FAIL, errno, "pipe");
        jt[i].watch_fd = pipes[i][0];
    }
    for (int i = 0; i < n && rc == 0; i++) {
        jobs[i].reply = calloc(1, sizeof(*jobs[i].reply));
        if (!jobs[i].reply) {
            rc = err_set(e, ERR_FAIL, "out of memory");
            break;
        }
        int pe = pthread_create(&th[i], NULL, job_main, &jt[i]);
        if (pe) {
            rc = err_sys(e, ERR_FAIL, pe, "starting a tenant's job");
            break;
        }
        started++;
    }
    /* wait for all, stopping each follower stop_delay_s after its leader
     * ended; a Ctrl-C (or a failed start) cancels every job at once,
     * whichever thread the signal happened to interrupt */
    int stopped[LIM_TENANTS] = {0};
    for (int cancelled = 0;;) {
        int running = 0;
        for (int i = 0; i < started; i++)
            running += !__atomic_load_n(&jt[i].done, __ATOMIC_SEQ_CST);
        if (!running) break;
        for (int i = 0; i < started; i++) {
            int k = SCEN_REF_INDEX(jobs[i].stopped_by);
            if (k < 0 || k >= started || stopped[i] ||
                !__atomic_load_n(&jt[k].done, __ATOMIC_SEQ_CST) ||
                util_now() - jt[k].end < jobs[i].stop_delay_s)
                continue;
            stopped[i] = 1;
            if (write(pipes[i][1], "x", 1) < 0) {
            }
        }
        if (!cancelled && (rc < 0 || env_interrupted)) {
            cancelled = 1;
            for (int i = 0; i < n; i++)
                if (pipes[i][1] >= 0 && write(pipes[i][1], "x", 1) < 0) {
                }
        }
        struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++) {
        if (pipes[i][0] >= 0) close(pipes[i][0]);
        if (pipes[i][1] >= 0) close(pipes[i][1]);
    }
    if (rc == 0 && env_interrupted) rc = err_set(e, ERR_FAIL, "interrupted");
    return rc;
}

void scen_jobs_free(struct scen_job *jobs, int n)
{
    for (int i = 0; i < n; i++) {
        free(jobs[i].reply);
        jobs[i].reply = NULL;
    }
}

void scen_stopped_sample(struct scen_job *sj, const char *key, const char *val)
{
    struct reply *rp = sj->reply;
    double active = sj->t1 - sj->t0;
    memset(rp, 0, sizeof(*rp));
    rp->ok = 1;
    kv_set(&rp->res.facts, key, val, NULL);
    if (result_add(&rp->res, "active_s", "s", BETTER_LOWER, active, &rp->err) < 0 ||
        (sj->cpu_s >= 0 && active > 0 &&
         result_add(&rp->res, "host_cpus_busy", "CPUs", BETTER_HIGHER, sj->cpu_s / active,
                    &rp->err) < 0))
        rp->ok = 0;
}
