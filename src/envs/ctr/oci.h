/* oci.h - the OCI bundle's config.json, as isobench writes it for the OCI
 * runtimes (runc, runsc): Docker's default capabilities, masked and
 * read-only paths, namespaces, cgroup limits, the agent bound at
 * ROOTFS_AGENT, and isobench's own environment. */
#ifndef ISOBENCH_OCI_H
#define ISOBENCH_OCI_H

#include <stdio.h>

#include "envs/ctr/config.h"
#include "envs/env.h"

/* linux.resources for limits on a cgroup v1 (v2 = 0) or v2 host: Docker's
 * device policy, cpu (cpus, quota/period, and on v1 cpu-weight as
 * shares = cgroup_weight_shares), memory, pids, and on v2 cpu-weight as
 * unified {"cpu.weight": N}, the value the kernel gets as written. */
void oci_resources_json(FILE *f, const struct cg_limits *l, int v2);

/* Writes BUNDLE/config.json for root filesystem rootfs; volume ("" if
 * none) is bound at /data. The agent speaks on fd 3 (runc
 * --preserve-fds 1) or, with stdio, on its stdin/stdout. */
int oci_write_config(const char *bundle, const struct ctr_config *cfg, const char *volume,
                     const struct env_ctx *ctx, const char *rootfs, int stdio, struct err *e);

#endif
