/* lxcconf.h - the configuration file and seccomp policy isobench writes
 * for one LXC container (lxc-start -f): the same confinement as the other
 * container drivers (confine.h, core/sandbox.h) in LXC's own keys, so the
 * lxc column measures the same sandbox as runc's and the own runtime's. */
#ifndef ISOBENCH_LXCCONF_H
#define ISOBENCH_LXCCONF_H

#include <stdio.h>

#include "envs/ctr/config.h"
#include "envs/ctr/net.h"
#include "envs/env.h"

struct lxc_conf_in {
    const struct ctr_config *cfg;
    const char *rootfs;        /* the overlay root (ctr_root_make) */
    const char *volume;        /* host dir bound at /data, "" for none */
    const char *cgdir;         /* lxc.cgroup.dir, relative to each hierarchy's root */
    const char *seccomp;       /* path of the policy lxc_write_seccomp wrote */
    const struct net_nat *nat; /* net=nat: the veth on the run's bridge */
    int idx;
};

/* Writes LXC's seccomp policy (format 2) for the profile of confine.h:
 * an allowlist whose default is the profile's errno, each rule with its
 * action and argument conditions, for every architecture ([all]). */
int lxc_write_seccomp(const char *path, struct err *e);

/* The cgroup lines of the configuration for limits on a cgroup v1 (v2 =
 * 0: lxc.cgroup.*) or v2 host (lxc.cgroup2.*): Docker's device policy,
 * cpuset, quota, memory, pids, and cpu-weight as cpu.shares (v1, the
 * cgroup_weight_shares conversion) or cpu.weight (v2). */
void lxc_write_limits(FILE *f, const struct cg_limits *l, int v2);

/* Writes the container's configuration to path: rootfs, the agent as
 * init on its stdin/stdout (lxc.console.path = none), Docker's
 * capabilities (lxc.cap.keep), no_new_privs, the seccomp policy, masked
 * and read-only paths, devices, cgroup limits and the network (veth on
 * the run's bridge, the host's, or none), and isobench's own environment
 * variables. ERR_FAIL when a value cannot be written as one line. */
int lxc_write_config(const char *path, const struct lxc_conf_in *in, struct err *e);

#endif
