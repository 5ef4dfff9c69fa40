/* nested.c - vm:nested=container, the seed's "Docker in KVM" system model:
 * inside the guest, pid 1 makes a container with isobench's own runtime
 * (the same code as the host's `container` environment: namespaces, a
 * cgroup v2, an overlay root over the guest's image root, Docker's
 * confinement; net=host, i.e. the guest's network, and /data on the
 * guest's data disk) and relays every job the host sends on the
 * virtio-serial port to the agent in that container. The samples' facts
 * are the container's (its namespaces, its cgroup) plus `nested=container`. */
#include "envs/vm/nested.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "core/journal.h"
#include "core/proto.h"
#include "envs/env.h"

/* While a job runs in the container, the host's channel carries nothing
 * but a "cancel" (or EOF when the host is gone): either cancels the job. */
static int nested_fired(void *arg)
{
    char msg[32];
    struct err re = {0};
    return proto_recv(*(int *)arg, msg, sizeof(msg), 5, &re) < 0 || proto_is_cancel(msg);
}

/* Relays jobs from fd to the container until the host closes fd, and a
 * cancel from the host to the container's agent. */
static int nested_relay(int fd, struct env_ctx *ctx, struct err *e)
{
    char *buf cleanup_free = malloc(PROTO_MAX);
    struct job *j cleanup_free = calloc(1, sizeof(*j));
    struct reply *rep cleanup_free = calloc(1, sizeof(*rep));
    if (!buf || !j || !rep) return err_set(e, ERR_FAIL, "out of memory");
    if (proto_send_ready(fd, e) < 0) return -1;
    for (;;) {
        struct err re = {0};
        if (proto_recv(fd, buf, PROTO_MAX, 0, &re) < 0) return 0; /* EOF: the run is over */
        if (proto_is_cancel(buf)) continue; /* for a job that answered meanwhile */
        memset(rep, 0, sizeof(*rep));
        if (proto_decode_job(buf, j, &rep->err) == 0) {
            struct err xe = {0};
            struct env_watch w = {.fd = fd, .fired = nested_fired, .arg = &fd};
            int rc = env_exec(ctx, j, &w, rep, &xe);
            if (rc < 0) {
                rep->ok = 0;
                rep->err = xe;
                err_wrap(&rep->err, "the container in the guest");
            }
        }
        if (rep->ok) kv_set(&rep->res.facts, "nested", "container", NULL);
        if (proto_encode_reply(rep, buf, PROTO_MAX, e) < 0 || proto_send(fd, buf, e) < 0) return -1;
    }
}

int vm_guest_nested(int fd, const char *self, struct err *e)
{
    /* the own runtime's needs: cgroup v2 at its usual place, the agent
     * binary at a path visible from here, volumes on the data disk */
    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
    setenv("ISOBENCH_SELF", self, 1);
    mkdir("/var/tmp", 01777);
    mount("/data", "/var/tmp", NULL, MS_BIND, NULL);
    mkdir("/run", 0755);
    struct journal jn = {.fd = -1};
    struct env_ctx *ctx cleanup_free = calloc(1, sizeof(*ctx));
    struct env_req *rq cleanup_free = calloc(1, sizeof(*rq));
    if (!ctx || !rq) return err_set(e, ERR_FAIL, "out of memory");
    if (journal_open(&jn, "guest", e) < 0) return -1;
    rq->env = &env_container;
    rq->journal = &jn;
    rq->need_data = 1;
    rq->timeout_s = 3600 * 24;
    snprintf(rq->run_id, sizeof(rq->run_id), "guest");
    int rc = spec_parse("container:net=host,storage=volume", &rq->spec, e);
    if (rc == 0) rc = env_conf_parse(rq->env, &rq->spec, &rq->conf, e);
    if (rc == 0) rc = env_up(ctx, rq, e);
    if (rc == 0) rc = nested_relay(fd, ctx, e);
    if (rc < 0) { /* tell the host why, in place of "ready" or of a reply */
        struct err se = {0};
        proto_send_fatal(fd, e->msg, &se);
    }
    env_down(ctx);
    journal_unwind(&jn);
    return rc;
}
