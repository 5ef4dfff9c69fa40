/* ocirt.h - driving an OCI runtime over a bundle isobench writes, shared
 * by the runc and runsc drivers (envs/runc.c, envs/runsc.c): the bundle
 * (config.json and an overlay root of the image), `RT run` with the agent
 * on fd 3 or stdio, the journal entries (the runtime's `delete --force`
 * and its cgroup, written before it starts), the label and weight facts. */
#ifndef ISOBENCH_OCIRT_H
#define ISOBENCH_OCIRT_H

#include <stddef.h>

#include "envs/ctr/config.h"
#include "envs/env.h"

/* What differs between the OCI runtimes isobench drives. */
struct oci_rt {
    const char *name, *pkg;
    int stdio;   /* the agent on stdin/stdout (runsc) instead of fd 3 (runc --preserve-fds) */
    int sandbox; /* --platform=P --network=N before `run` (runsc) */
    /* the environment's label fact, from its configuration */
    void (*label)(const struct ctr_config *cfg, char *buf, size_t len);
};

/* The networks both runtimes' bundles offer: none (own netns, loopback)
 * and host. */
extern const char *const oci_nets[];

/* NULL when rt's binary is on PATH (or /usr/sbin, /usr/bin), else why
 * not, into why. */
const char *oci_rt_unavailable(const struct oci_rt *rt, char *why, size_t len);
/* Writes the bundle and starts `RT run` with the agent (env->up). */
int oci_rt_up(struct env_ctx *ctx, const struct oci_rt *rt, struct err *e);
/* The cgroup the runtime made at cgroupsPath (env->host_cpu_src). */
int oci_rt_host_cpu(struct env_ctx *ctx, char *src, size_t len);
/* Undo of "ROOT ID" for runtime name: force-deletes the container. */
int oci_rt_undo(const char *name, const char *arg);

#endif
