/* runsc - gVisor: the same OCI bundle as runc's (envs/ctr/ocirt.c), run
 * by runsc, whose Sentry is the kernel the agent sees - a user-space
 * kernel between the workload and the host. The agent talks over
 * stdin/stdout; `platform=` picks how the Sentry traps system calls, and
 * net=none is gVisor's own network stack (loopback only), net=host the
 * host's. */
#include <stdio.h>
#include <string.h>

#include "envs/ctr/ocirt.h"
#include "envs/env.h"
#include "envs/undo.h"

static const char *const runsc_keys[] = {"net",        "storage", "image", "cpus",     "cpu-quota",
                                         "cpu-weight", "mem",     "pids",  "platform", NULL};

static void runsc_label(const struct ctr_config *cfg, char *buf, size_t len)
{
    snprintf(buf, len,
             "gVisor runsc (platform=%s) OCI bundle: ns mnt,pid,uts,ipc,cgroup%s; net=%s "
             "(gVisor's own network stack%s); storage=%s; image=%.80s",
             cfg->platform, strcmp(cfg->net, "host") ? ",net" : "", cfg->net,
             strcmp(cfg->net, "host") ? ", loopback only" : " over the host's", cfg->storage,
             cfg->image);
}

static const struct oci_rt rt_runsc = {"runsc", "runsc", 1, 1, runsc_label};

static const char *runsc_unavailable(void)
{
    static char why[128];
    return oci_rt_unavailable(&rt_runsc, why, sizeof(why));
}

/* gVisor's platform: how the sandbox's kernel (the Sentry) traps the
 * application's system calls. ptrace works everywhere, kvm needs real
 * hardware virtualization. */
static int runsc_platform(const struct spec *sp, char *out, size_t len, struct err *e)
{
    const char *p = kv_get(&sp->kv, "platform");
    if (!p) p = "ptrace";
    if (strcmp(p, "ptrace") && strcmp(p, "kvm") && strcmp(p, "systrap"))
        return err_set(e, ERR_USAGE, "%s: platform must be ptrace, systrap or kvm", sp->text);
    snprintf(out, len, "%s", p);
    return 0;
}

static int runsc_check(const struct spec *sp, void *conf, struct err *e)
{
    struct ctr_config *c = conf;
    if (ctr_config_parse(sp, oci_nets, conf, e) < 0) return -1;
    return runsc_platform(sp, c->platform, sizeof(c->platform), e);
}

int runsc_undo(const char *arg)
{
    return oci_rt_undo("runsc", arg);
}

static int runsc_up(struct env_ctx *ctx, struct err *e)
{
    return oci_rt_up(ctx, &rt_runsc, e);
}

static const char *runsc_lacks(const struct spec *sp, unsigned needs)
{
    return ctr_lacks(sp, oci_nets, needs);
}

const struct env env_runsc = {
    .name = "runsc",
    .pick = "runsc:net=host",
    .slice = ENV_SLICE_CPUSET,
    .summary = "gVisor's runsc running the same OCI bundle (a user-space kernel: the sandbox)",
    /* no ENV_CAP_ODIRECT: gVisor accepts O_DIRECT but serves it from the
     * sandbox's page cache (runsc showed 2.6x the host disk's random-read
     * IOPS here), so blockio is n/a there */
    .caps = ENV_CAP_ROOT | ENV_CAP_OWN_KERNEL,
    .stop_grace_s = 2.0,
    .unavailable = runsc_unavailable,
    .keys = runsc_keys,
    .check = runsc_check,
    .fit = env_fit_mem_limit,
    .lacks = runsc_lacks,
    .host_cpu_src = oci_rt_host_cpu,
    .up = runsc_up,
};
