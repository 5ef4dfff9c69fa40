/* runc - the same agent in a container made by runc from an OCI bundle that
 * isobench writes: config.json (Docker's default capabilities, masked and
 * read-only paths, namespaces, cgroup limits) and a root that is an overlay
 * of the image (the host root by default) mounted in the host namespace and
 * journaled (envs/ctr/ocirt.c drives it, as for runsc). `runc run
 * --preserve-fds 1` hands the agent its channel as fd 3. runc keeps its
 * state under our state dir (--root), and `runc delete --force` is
 * journaled before the container starts, so a killed run leaves no
 * container behind. Networking: none (own netns, loopback) or host. */
#include <stdio.h>
#include <string.h>

#include "envs/ctr/confine.h"
#include "envs/ctr/ocirt.h"
#include "envs/env.h"
#include "envs/undo.h"

static const char *const runc_keys[] = {"net",        "storage", "image", "cpus", "cpu-quota",
                                        "cpu-weight", "mem",     "pids",  NULL};

static void runc_label(const struct ctr_config *cfg, char *buf, size_t len)
{
    char sc[160];
    confine_profile_summary(sc, sizeof(sc));
    snprintf(buf, len,
             "runc OCI bundle: ns mnt,pid,uts,ipc,cgroup%s; net=%s; storage=%s; image=%.80s; %s",
             strcmp(cfg->net, "host") ? ",net" : "", cfg->net, cfg->storage, cfg->image, sc);
}

static const struct oci_rt rt_runc = {"runc", "runc", 0, 0, runc_label};

static const char *runc_unavailable(void)
{
    static char why[128];
    return oci_rt_unavailable(&rt_runc, why, sizeof(why));
}

static int runc_check(const struct spec *sp, void *conf, struct err *e)
{
    return ctr_config_parse(sp, oci_nets, conf, e);
}

int runc_undo(const char *arg)
{
    return oci_rt_undo("runc", arg);
}

static int runc_up(struct env_ctx *ctx, struct err *e)
{
    return oci_rt_up(ctx, &rt_runc, e);
}

static const char *runc_lacks(const struct spec *sp, unsigned needs)
{
    return ctr_lacks(sp, oci_nets, needs);
}

const struct env env_runc = {
    .name = "runc",
    .pick = "runc:net=host", /* its bundle has no NAT network */
    .slice = ENV_SLICE_CPUSET,
    .summary = "runc running an OCI bundle written by isobench (same agent, same root)",
    /* exec, down: env_exec/env_down drive the agent; on EOF it exits and
     * `runc run` returns; the journal's `runc delete` removes the rest */
    .caps = ENV_CAP_ROOT | ENV_CAP_ODIRECT,
    .stop_grace_s = 2.0,
    .unavailable = runc_unavailable,
    .keys = runc_keys,
    .check = runc_check,
    .fit = env_fit_mem_limit,
    .lacks = runc_lacks,
    .host_cpu_src = oci_rt_host_cpu,
    .up = runc_up,
};
