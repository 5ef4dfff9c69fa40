#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "envs/ctr/confine.h"
#include "envs/ctr/rootfs.h"

static int keep(int cap)
{
    for (const struct confine_cap *c = confine_caps; c->name; c++)
        if (c->cap == cap) return 1;
    return 0;
}

struct sc_add {
    scmp_filter_ctx ctx;
    struct err *e;
};

/* One profile rule into the filter. A syscall this libseccomp does not know
 * on this architecture is skipped (the default refuses it anyway), as is a
 * rule whose action is the default's. */
static int sc_rule_add(const struct confine_sc_rule *r, void *arg)
{
    struct sc_add *a = arg;
    int nr = seccomp_syscall_resolve_name(r->name);
    if (nr == __NR_SCMP_ERROR) return 0;
    if (r->errno_ret == confine_profile_default_errno) return 0;
    uint32_t act = r->errno_ret < 0 ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO((uint32_t)r->errno_ret);
    struct scmp_arg_cmp cmp[6];
    for (int i = 0; i < r->nargs; i++)
        cmp[i] = (struct scmp_arg_cmp){.arg = r->args[i].idx,
                                       .op = (enum scmp_compare)r->args[i].op,
                                       .datum_a = r->args[i].a,
                                       .datum_b = r->args[i].b};
    int rc = seccomp_rule_add_array(a->ctx, act, nr, (unsigned)r->nargs, cmp);
    if (rc < 0)
        return err_set(a->e, ERR_FAIL, "seccomp rule for %s (%s): %s", r->name,
                       confine_profile_source, strerror(-rc));
    return 0;
}

/* Drops every capability but Docker's 14, sets no_new_privs and loads the
 * profile's filter (confine.h): deny by default, the maintained allowlist
 * with its argument filters. In the container's init, before exec. */
int security_apply(struct err *e)
{
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
        if (!keep(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return err_sys(e, ERR_FAIL, errno, "dropping capability %d", cap);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    /* no inheritable capability either: nothing the agent execs can gain one */
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0) return err_sys(e, ERR_FAIL, errno, "capget");
    d[0].inheritable = d[1].inheritable = 0;
    if (syscall(SYS_capset, &h, d) < 0) return err_sys(e, ERR_FAIL, errno, "capset (inheritable)");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return err_sys(e, ERR_FAIL, errno, "no_new_privs");
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(confine_profile_default_errno));
    if (!ctx) return err_set(e, ERR_FAIL, "seccomp_init failed");
    struct sc_add a = {.ctx = ctx, .e = e};
    int rc = confine_profile_each(sc_rule_add, &a);
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0 && !e->msg[0]) err_set(e, ERR_FAIL, "seccomp_load: %s", strerror(-rc));
    return rc < 0 ? -1 : 0;
}
