/* xen - listed so that nobody takes it for forgotten: the Xen-vs-LXC study
 * (Scheepers) measured Xen guests, which need a Xen dom0 - a host booted
 * under the Xen hypervisor, with xl and /proc/xen. isobench runs on a
 * Linux/KVM host (its VMs are QEMU's, KVM or TCG); it has no Xen driver,
 * so this entry is always unavailable, with the reason, and a spec naming
 * it is refused before anything starts. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "envs/env.h"

static const char *xen_unavailable(void)
{
    char caps[128] = "";
    if (util_read_file("/proc/xen/capabilities", caps, sizeof(caps)) == 0 &&
        strstr(caps, "control_d"))
        return "this host is a Xen dom0, but isobench has no Xen driver (its VMs are QEMU's: "
               "vm, vm:tuned)";
    return "needs a Xen dom0 (a host booted under the Xen hypervisor, with xl); isobench runs on "
           "a Linux/KVM host - its VMs are QEMU's (vm, vm:tuned)";
}

static int xen_up(struct env_ctx *ctx, struct err *e)
{
    (void)ctx;
    return err_set(e, ERR_USAGE, "xen: %s", xen_unavailable());
}

static int xen_exec(struct env_ctx *ctx, const struct job *j, struct env_watch *w,
                    struct reply *rep, struct err *e)
{
    (void)j, (void)w, (void)rep;
    return xen_up(ctx, e);
}

const struct env env_xen = {
    .name = "xen",
    .pick = "xen",
    .summary = "Xen guests (the Xen-vs-LXC study's hypervisor)",
    .caps = ENV_CAP_ROOT | ENV_CAP_OWN_KERNEL | ENV_CAP_ODIRECT,
    .unavailable = xen_unavailable,
    .up = xen_up,
    .exec = xen_exec,
};
