#include "envs/ctr/confine.h"

#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <stddef.h>

const struct confine_cap confine_caps[] = {
    {CAP_CHOWN, "CAP_CHOWN"},
    {CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"},
    {CAP_FSETID, "CAP_FSETID"},
    {CAP_FOWNER, "CAP_FOWNER"},
    {CAP_MKNOD, "CAP_MKNOD"},
    {CAP_NET_RAW, "CAP_NET_RAW"},
    {CAP_SETGID, "CAP_SETGID"},
    {CAP_SETUID, "CAP_SETUID"},
    {CAP_SETFCAP, "CAP_SETFCAP"},
    {CAP_SETPCAP, "CAP_SETPCAP"},
    {CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE"},
    {CAP_SYS_CHROOT, "CAP_SYS_CHROOT"},
    {CAP_KILL, "CAP_KILL"},
    {CAP_AUDIT_WRITE, "CAP_AUDIT_WRITE"},
    {0, NULL},
};

#include "seccomp_profile.h" /* generated: confine_profile_rules[] */

const char confine_profile_source[] = CONFINE_PROFILE_SOURCE;
const int confine_profile_default_errno = CONFINE_PROFILE_DEFAULT_ERRNO;
const char *const confine_profile_arches[] = CONFINE_PROFILE_ARCHES;

static int cap_kept(const char *name)
{
    for (const struct confine_cap *c = confine_caps; c->name; c++)
        if (!strcmp(c->name, name)) return 1;
    return 0;
}

/* The running kernel is at least "major.minor". */
static int kernel_at_least(const char *min)
{
    struct utsname u;
    int want_maj = 0, want_min = 0, maj = 0, mnr = 0;
    if (!min[0]) return 1;
    if (sscanf(min, "%d.%d", &want_maj, &want_min) < 1 || uname(&u) < 0 ||
        sscanf(u.release, "%d.%d", &maj, &mnr) < 1)
        return 0;
    return maj > want_maj || (maj == want_maj && mnr >= want_min);
}

int confine_profile_each(int (*fn)(const struct confine_sc_rule *r, void *arg), void *arg)
{
    for (const struct confine_sc_rule *r = confine_profile_rules; r->name; r++) {
        int applies = kernel_at_least(r->min_kernel);
        for (int i = 0; applies && r->inc_caps[i]; i++)
            applies = cap_kept(r->inc_caps[i]);
        for (int i = 0; applies && r->exc_caps[i]; i++)
            applies = !cap_kept(r->exc_caps[i]);
        int rc = applies ? fn(r, arg) : 0;
        if (rc) return rc;
    }
    return 0;
}

static int count_rule(const struct confine_sc_rule *r, void *arg)
{
    int *n = arg;
    n[0]++;
    n[1] += r->errno_ret < 0;
    return 0;
}

void confine_profile_summary(char *buf, size_t len)
{
    int n[2] = {0, 0};
    confine_profile_each(count_rule, n);
    snprintf(buf, len, "seccomp %s: %d rules (%d allow), others errno %d", confine_profile_source,
             n[0], n[1], confine_profile_default_errno);
}

const char *confine_sc_op_name(int op)
{
    static const char *const ops[] = {[SCMP_CMP_NE] = "SCMP_CMP_NE",
                                      [SCMP_CMP_LT] = "SCMP_CMP_LT",
                                      [SCMP_CMP_LE] = "SCMP_CMP_LE",
                                      [SCMP_CMP_EQ] = "SCMP_CMP_EQ",
                                      [SCMP_CMP_GE] = "SCMP_CMP_GE",
                                      [SCMP_CMP_GT] = "SCMP_CMP_GT",
                                      [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ"};
    if (op < 0 || (size_t)op >= sizeof(ops) / sizeof(ops[0]) || !ops[op]) return "?";
    return ops[op];
}
