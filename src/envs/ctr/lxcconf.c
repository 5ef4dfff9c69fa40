#include "envs/ctr/lxcconf.h"

#include "envs/ctr/devices.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "envs/ctr/confine.h"
#include "envs/ctr/rootfs.h"

extern char **environ;

/* One rule of the profile as a line of LXC's policy: "name action
 * [idx,value,op(,valueTwo)]..." (the tuple's valueTwo only for
 * SCMP_CMP_MASKED_EQ, as LXC parses it). */
static int lxc_sc_rule(const struct confine_sc_rule *r, void *arg)
{
    FILE *f = arg;
    if (r->errno_ret < 0)
        fprintf(f, "%s allow", r->name);
    else
        fprintf(f, "%s errno %d", r->name, r->errno_ret);
    for (int i = 0; i < r->nargs; i++) {
        const struct confine_sc_arg *a = &r->args[i];
        if (a->op == SCMP_CMP_MASKED_EQ)
            fprintf(f, " [%u,%llu,%s,%llu]", a->idx, a->a, confine_sc_op_name(a->op), a->b);
        else
            fprintf(f, " [%u,%llu,%s]", a->idx, a->a, confine_sc_op_name(a->op));
    }
    fputc('\n', f);
    return 0;
}

int lxc_write_seccomp(const char *path, struct err *e)
{
    FILE *f = fopen(path, "we");
    if (!f) return err_sys(e, ERR_FAIL, errno, "cannot write %s", path);
    fprintf(f, "2\nallowlist errno %d\n[all]\n", confine_profile_default_errno);
    confine_profile_each(lxc_sc_rule, f);
    if (fclose(f) != 0) return err_sys(e, ERR_FAIL, errno, "writing %s", path);
    return 0;
}

void lxc_write_limits(FILE *f, const struct cg_limits *l, int v2)
{
    const char *k = v2 ? "lxc.cgroup2" : "lxc.cgroup";
    fprintf(f, "%s.devices.deny = a\n", k); /* Docker's device policy (devices.h) */
    for (const struct dev_rule *r = dev_allowed; r->type; r++) {
        char rule[64];
        dev_rule_text(r, rule, sizeof(rule));
        fprintf(f, "%s.devices.allow = %s\n", k, rule);
    }
    if (l->cpus[0]) fprintf(f, "%s.cpuset.cpus = %s\n", k, l->cpus);
    long long q = (long long)(l->cpu_quota * 100000);
    if (l->cpu_quota > 0 && v2) fprintf(f, "%s.cpu.max = %lld 100000\n", k, q);
    if (l->cpu_quota > 0 && !v2)
        fprintf(f, "%s.cpu.cfs_period_us = 100000\n%s.cpu.cfs_quota_us = %lld\n", k, k, q);
    if (l->mem)
        fprintf(f, "%s.memory.%s = %llu\n", k, v2 ? "max" : "limit_in_bytes",
                (unsigned long long)l->mem);
    if (l->pids) fprintf(f, "%s.pids.max = %llu\n", k, (unsigned long long)l->pids);
    char val[32];
    if (l->cpu_weight)
        fprintf(f, "%s.%s = %s\n", k, cgroup_weight_setting(l->cpu_weight, v2, val, sizeof(val)),
                val);
}

static void lxc_net(FILE *f, const struct lxc_conf_in *in)
{
    if (!strcmp(in->cfg->net, "host")) {
        fputs("lxc.net.0.type = none\n", f); /* the host's network namespace */
        return;
    }
    if (strcmp(in->cfg->net, "nat")) {
        fputs("lxc.net.0.type = empty\n", f); /* own netns, loopback only */
        return;
    }
    char addr[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
    struct in_addr a = {.s_addr = in->nat->addr}, g = {.s_addr = in->nat->gw};
    inet_ntop(AF_INET, &a, addr, sizeof(addr));
    inet_ntop(AF_INET, &g, gw, sizeof(gw));
    fprintf(f,
            "lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.veth.pair = %s\n"
            "lxc.net.0.name = eth0\nlxc.net.0.flags = up\nlxc.net.0.ipv4.address = %s/%d\n"
            "lxc.net.0.ipv4.gateway = %s\n",
            in->nat->bridge, in->nat->veth, addr, in->nat->prefix, gw);
}

/* A value LXC reads as one line: no newline, nothing a config parser
 * would cut (leading or trailing blanks). */
static int lxc_value_ok(const char *v)
{
    size_t n = strlen(v);
    return !strchr(v, '\n') && !strchr(v, '\r') && (n == 0 || !isspace((unsigned char)v[n - 1]));
}

int lxc_write_config(const char *path, const struct lxc_conf_in *in, struct err *e)
{
    const char *paths[] = {in->rootfs, in->volume, in->seccomp, env_self_exe(), NULL};
    for (int i = 0; paths[i]; i++)
        if (!lxc_value_ok(paths[i]) || strchr(paths[i], ' '))
            return err_set(e, ERR_FAIL, "lxc: a path LXC cannot take in its config: '%s'",
                           paths[i]);
    FILE *f = fopen(path, "we");
    if (!f) return err_sys(e, ERR_FAIL, errno, "cannot write %s", path);
    fprintf(f,
            "# written by isobench for one run: the same confinement as its other "
            "container drivers\n"
            "lxc.uts.name = isobench-%d\nlxc.rootfs.path = dir:%s\n"
            "lxc.init.cmd = " ROOTFS_AGENT " agent --serve --stdio\nlxc.init.cwd = /\n"
            "lxc.console.path = none\nlxc.tty.max = 0\nlxc.pty.max = 1024\nlxc.autodev = 1\n"
            "lxc.mount.auto = proc:mixed sys:ro cgroup:ro\n"
            "lxc.mount.entry = shm dev/shm tmpfs nosuid,noexec,nodev,mode=1777,size=65536k,"
            "create=dir 0 0\n"
            "lxc.mount.entry = %s %s none bind,ro,create=file 0 0\n",
            in->idx, in->rootfs, env_self_exe(), ROOTFS_AGENT + 1);
    if (in->volume[0])
        fprintf(f, "lxc.mount.entry = %s data none rbind,create=dir 0 0\n", in->volume);
    for (const char *const *p = sandbox_masked_files; *p; p++)
        fprintf(f, "lxc.mount.entry = /dev/null %s none bind,optional 0 0\n", *p + 1);
    for (const char *const *p = sandbox_masked_dirs; *p; p++)
        fprintf(f, "lxc.mount.entry = tmpfs %s tmpfs ro,nosuid,nodev,noexec,optional 0 0\n",
                *p + 1);
    /* procfs's global trees (bus, fs, irq; sys and sysrq-trigger are read-only
     * through proc:mixed already), bound read-only over the container's */
    for (const char *const *p = sandbox_readonly; *p; p++)
        fprintf(f, "lxc.mount.entry = %s %s none bind,ro,optional 0 0\n", *p, *p + 1);
    fputs("lxc.cap.keep =", f);
    for (const struct confine_cap *c = confine_caps; c->name; c++) {
        fputc(' ', f);
        for (const char *s = c->name + 4; *s; s++) /* "CAP_" off, lower case */
            fputc(tolower((unsigned char)*s), f);
    }
    fprintf(f, "\nlxc.no_new_privs = 1\nlxc.seccomp.profile = %s\nlxc.cgroup.dir = %s\n",
            in->seccomp, in->cgdir);
    lxc_write_limits(f, &in->cfg->limits, cgroup_is_v2());
    lxc_net(f, in);
    /* The agent's environment is isobench's own, as in every environment
     * (OPENBLAS_CORETYPE, OMP_NUM_THREADS change results). */
    int bad = 0;
    for (char **v = environ; *v; v++) {
        if (!util_env_passed(*v)) continue; /* never root's whole environment */
        if (!lxc_value_ok(*v) || !strchr(*v, '=')) {
            bad = 1;
            break;
        }
        fprintf(f, "lxc.environment = %s\n", *v);
    }
    if (fclose(f) != 0) return err_sys(e, ERR_FAIL, errno, "writing %s", path);
    if (bad)
        return err_set(e, ERR_FAIL,
                       "lxc: an environment variable LXC cannot carry (a newline or trailing "
                       "blank in its value)");
    return 0;
}
