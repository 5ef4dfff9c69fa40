#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "envs/container/confine.h"
#include "envs/container/rootfs.h"

static int keep(int cap)
{
    for (const struct confine_cap *c = confine_caps; c->name; c++)
        if (c->cap == cap) return 1;
    return 0;
}

int security_apply(struct err *e)
{
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
        if (!keep(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return err_sys(e, ERR_FAIL, errno, "dropping capability %d", cap);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return err_sys(e, ERR_FAIL, errno, "no_new_privs");
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return err_set(e, ERR_FAIL, "seccomp_init failed");
    for (const char *const *d = confine_denied_syscalls; *d; d++) {
        int nr = seccomp_syscall_resolve_name(*d);
        if (nr == __NR_SCMP_ERROR) continue; /* not on this architecture */
        if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) < 0) {
            seccomp_release(ctx);
            return err_set(e, ERR_FAIL, "seccomp rule for %s failed", *d);
        }
    }
    int rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) return err_set(e, ERR_FAIL, "seccomp_load: %s", strerror(-rc));
    return 0;
}
