/* container - isobench's own container runtime, in C, no shelling out:
 * clone3 into new mount, pid, uts, ipc (and net, unless net=host)
 * namespaces; the parent moves the child into a fresh cgroup (v1 or v2,
 * with the spec's limits) before it goes on; the child unshares its cgroup
 * namespace, builds an overlay root (rootfs.c), applies Docker's default
 * confinement (security.c) and execs the isobench agent as pid 1, which
 * serves every job of the run over a socketpair and reaps its children.
 * Host-side objects (state dir, volume dir, cgroups, the init process) are
 * journaled as they are created; mounts live in the container's own mount
 * namespace and die with it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/ctr/cgroup.h"
#include "envs/ctr/config.h"
#include "envs/ctr/confine.h"
#include "envs/ctr/net.h"
#include "envs/ctr/rootfs.h"
#include "envs/env.h"

extern char **environ;

/* clone3's argument (linux/sched.h clashes with glibc's sched.h). */
struct isob_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static const char *const container_keys[] = {
    "net", "storage", "image", "cpus", "cpu-quota", "cpu-weight", "mem", "pids", "userns", NULL};

/* userns=on: root in the container is the first of USERNS_SIZE host ids
 * reserved for isobench in /etc/subuid and /etc/subgid (userns_range). */
#define USERNS_SIZE 65536
#define USERNS_HINT "isobench:2147483648:65536"

static const char *const container_nets[] = {"nat", "host", "none", NULL};

struct container {
    struct ctr_config cfg; /* the request's, with the image a userns lower may replace */
    int userns;
    struct cgroup cg;
    struct net_nat nat;
    char state[600], volume[600], data_ovl[600];
};

static const char *container_unavailable(void)
{
    if (access("/proc/self/ns/pid", F_OK) != 0) return "no namespace support in this kernel";
    return NULL;
}

/* userns=on|off (default off, as Docker's default). */
static int userns_parse(const struct spec *sp, int *on, struct err *e)
{
    const char *v = kv_get(&sp->kv, "userns");
    *on = v && (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes"));
    if (v && !*on && strcmp(v, "off") && strcmp(v, "0") && strcmp(v, "no"))
        return err_set(e, ERR_USAGE, "%s: userns is on or off", sp->text);
    return 0;
}

/* The "isobench" entry of a subordinate-id file (path): its start into
 * *start when it holds at least USERNS_SIZE ids and overlaps no other
 * entry; else why into why and -1. */
static int subid_range(const char *path, unsigned *start, char *why, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(why, len, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[256], name[128];
    unsigned long long s, n, lo[256], hi[256], ms = 0, mn = 0;
    int k = 0, found = 0;
    while (fgets(line, sizeof(line), f) && k < 256) {
        if (sscanf(line, "%127[^:]:%llu:%llu", name, &s, &n) != 3) continue;
        if (!strcmp(name, "isobench") && !found) {
            found = 1;
            ms = s;
            mn = n;
        } else {
            lo[k] = s;
            hi[k++] = s + n;
        }
    }
    fclose(f);
    const char *bad = !found                                        ? "has no isobench entry"
                      : mn < USERNS_SIZE || ms + mn > 0xffffffffull ? "gives isobench too few ids"
                                                                    : NULL;
    for (int i = 0; !bad && i < k; i++)
        if (lo[i] < ms + USERNS_SIZE && ms < hi[i]) bad = "gives isobench ids of another entry";
    if (bad) {
        snprintf(why, len, "%s %s", path, bad);
        return -1;
    }
    *start = (unsigned)ms;
    return 0;
}

/* userns=on's host ids: isobench's own range, the same in /etc/subuid and
 * /etc/subgid, never a fixed base a user of this host may own. */
static int userns_range(unsigned *base, struct err *e)
{
    unsigned u = 0, g = 0;
    char why[200] = "", fu[300], fg[300];
    const char *d = getenv("ISOBENCH_SUBID_DIR"); /* tests: files of their own */
    snprintf(fu, sizeof(fu), "%.280s/subuid", d && *d ? d : "/etc");
    snprintf(fg, sizeof(fg), "%.280s/subgid", d && *d ? d : "/etc");
    if (subid_range(fu, &u, why, sizeof(why)) == 0 && subid_range(fg, &g, why, sizeof(why)) == 0 &&
        u != g)
        snprintf(why, sizeof(why), "its ranges in /etc/subuid and /etc/subgid start apart");
    if (why[0])
        return err_set(e, ERR_USAGE,
                       "userns=on needs host ids of its own: %s (add a line like '" USERNS_HINT
                       "' to both files, on ids no user has)",
                       why);
    *base = u;
    return 0;
}

static int container_check(const struct spec *sp, void *conf, struct err *e)
{
    struct ctr_config *c = conf;
    if (ctr_config_parse(sp, container_nets, c, e) < 0) return -1;
    if (userns_parse(sp, &c->userns, e) < 0) return -1;
    return c->userns ? userns_range(&c->userns_base, e) : 0;
}

/* userns=on, host side: the container's root is host uid/gid
 * userns_base, which must reach (search) its state dir and own its data
 * dirs; files owned by the host's root stay readable, never writable.
 * /run/isobench's mode, opened for it, is journaled to be restored. */
static int userns_prepare(struct container *c, const struct env_ctx *ctx, struct err *e)
{
    const char *own[] = {c->state, c->volume, c->data_ovl, NULL};
    struct stat st;
    char arg[600];
    if (stat(journal_root(), &st) < 0) return err_sys(e, ERR_FAIL, errno, "%s", journal_root());
    snprintf(arg, sizeof(arg), "%s %o", journal_root(), (unsigned)(st.st_mode & 07777));
    if ((st.st_mode & 07777) != 0711 && journal_add(ctx->rq->journal, "mode", arg, e) < 0)
        return -1;
    if (chmod(journal_root(), 0711) < 0 || chmod(ctx->rq->journal->dir, 0711) < 0)
        return err_sys(e, ERR_FAIL, errno, "chmod %s", ctx->rq->journal->dir);
    unsigned base = c->cfg.userns_base;
    for (int i = 0; own[i]; i++)
        if (own[i][0] && chown(own[i], base, base) < 0)
            return err_sys(e, ERR_FAIL, errno, "chown %s", own[i]);
    if (strcmp(c->cfg.image, "/")) return 0;
    /* overlayfs in a user namespace refuses a lower layer with mounts
     * beneath it (the host's / has /proc, /sys, ...: "failed to clone
     * lowerpath"): the lower is a non-recursive bind of /, journaled */
    char lower[700];
    snprintf(lower, sizeof(lower), "%s-lower", c->state);
    if (journal_add(ctx->rq->journal, "dir", lower, e) < 0) return -1;
    if (mkdir(lower, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", lower);
    if (journal_add(ctx->rq->journal, "mount", lower, e) < 0) return -1;
    if (mount("/", lower, NULL, MS_BIND, NULL) < 0)
        return err_sys(e, ERR_FAIL, errno, "bind / on %s", lower);
    snprintf(c->cfg.image, sizeof(c->cfg.image), "%.511s", lower);
    return 0;
}

/* Writes the child's uid and gid maps (0 -> base, USERNS_SIZE ids). */
static int userns_map(pid_t pid, unsigned base, struct err *e)
{
    static const char *const files[] = {"uid_map", "gid_map"};
    char path[64], map[64];
    snprintf(map, sizeof(map), "0 %u %d\n", base, USERNS_SIZE);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : write(fd, map, strlen(map));
        if (fd >= 0) close(fd);
        if (n != (ssize_t)strlen(map)) return err_sys(e, ERR_FAIL, errno, "%s", path);
    }
    return 0;
}

/* In the child: wait for the cgroup, build the container, exec the agent.
 * Any failure is written to errfd (close-on-exec: silence means exec'd). */
static void container_child(struct container *c, const struct env_ctx *ctx, int syncfd, int errfd,
                            int chan, const char *self)
{
    struct err e = {0};
    char ok;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (read(syncfd, &ok, 1) != 1) _exit(1);
    /* No way back to the operator's terminal: a session of its own (no
     * controlling tty: /dev/tty is ENXIO, TIOCSTI is EPERM on any tty it
     * might hold) and stdio on /dev/null. */
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (setsid() < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0) {
        err_sys(&e, ERR_FAIL, errno, "setsid and stdio on /dev/null");
        if (write(errfd, e.msg, strlen(e.msg)) < 0) _exit(2);
        _exit(1);
    }
    close(nul);
    /* userns=on: the maps are written now; become the namespace's root */
    if (c->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
        err_sys(&e, ERR_FAIL, errno, "becoming root in the user namespace");
        if (write(errfd, e.msg, strlen(e.msg)) < 0) _exit(2);
        _exit(1);
    }
    char host[64];
    snprintf(host, sizeof(host), "isobench-%d", ctx->rq->idx);
    struct rootfs_spec r = {.state = c->state,
                            .lower = c->cfg.image,
                            .volume = c->volume[0] ? c->volume : NULL,
                            .data_ovl = c->data_ovl[0] ? c->data_ovl : NULL,
                            .self = self,
                            .own_netns = strcmp(c->cfg.net, "host") != 0,
                            .userns = c->userns};
    if (unshare(CLONE_NEWCGROUP) < 0)
        err_sys(&e, ERR_FAIL, errno, "unshare(cgroup)");
    else if (sethostname(host, strlen(host)) < 0)
        err_sys(&e, ERR_FAIL, errno, "sethostname");
    if (!e.msg[0] && !strcmp(c->cfg.net, "nat"))
        net_nat_guest(&c->nat, &e);
    else if (!e.msg[0] && r.own_netns)
        net_loopback_up(&e);
    if (!e.msg[0] && rootfs_setup(&r, &e) == 0 && security_apply(&e) == 0) {
        if (dup2(chan, 3) < 0)
            err_sys(&e, ERR_FAIL, errno, "dup2");
        else {
            char *envp[64];
            int ne = 0;
            envp[ne++] = "HOME=/root";
            for (char **v = environ; *v && ne < 63; v++) /* not root's whole environment */
                if (util_env_passed(*v)) envp[ne++] = *v;
            envp[ne] = NULL;
            char *const argv[] = {"isobench", "agent", "--serve", "--fd", "3", NULL};
            execve(ROOTFS_AGENT, argv, envp);
            err_sys(&e, ERR_FAIL, errno, "exec %s", ROOTFS_AGENT);
        }
    }
    if (write(errfd, e.msg, strlen(e.msg)) < 0) _exit(2);
    _exit(1);
}

/* Creates the host-side objects, journaling each just before it is made
 * (write-ahead: a kill between the two can then never leak it; undoing an
 * object that was never made is a no-op). */
static int container_prepare(struct container *c, struct env_ctx *ctx, struct err *e)
{
    snprintf(c->state, sizeof(c->state), "%s/c%s", ctx->rq->journal->dir, env_idx(ctx));
    if (journal_add(ctx->rq->journal, "dir", c->state, e) < 0) return -1;
    if (mkdir(c->state, 0700) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", c->state);
    if (ctr_data_dir(&c->cfg, ctx, c->volume, c->data_ovl, sizeof(c->volume), e) < 0) return -1;
    char name[128];
    snprintf(name, sizeof(name), "isobench-%s", env_inst(ctx));
    c->cfg.limits.devices = 1; /* Docker's device policy (devices.h) */
    if (cgroup_create(&c->cg, name, &c->cfg.limits, ctx->rq->journal, e) < 0) return -1;
    memcpy(ctx->info.mem_dir, c->cg.mem_dir, sizeof(ctx->info.mem_dir));
    return 0;
}

/* Clones the container's init (new mount, pid, uts, ipc and, unless
 * net=host, net and user namespaces), journals its pid, maps its user
 * namespace, puts it in the cgroup, wires NAT, then lets it go on and
 * waits for its agent's ready line on ctx->agent_chan (owned by ctx).
 * Fills ctx->info (startup_s from t0, footprint, init_pid and cgroup
 * facts). -1 with the first error; what was made is in the journal. */
static int container_start(struct container *c, struct env_ctx *ctx, double t0, struct err *e)
{
    int *chan = &ctx->agent_chan;
    int sv[2], sync[2], errp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return err_sys(e, ERR_FAIL, errno, "socketpair");
    if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
        return err_sys(e, ERR_FAIL, errno, "pipe");
    const char *self = env_self_exe();
    if (!strcmp(c->cfg.net, "nat")) net_nat_plan(&c->nat, ctx->rq->run_id, ctx->rq->idx);
    struct isob_clone_args args = {0};
    args.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    if (strcmp(c->cfg.net, "host")) args.flags |= CLONE_NEWNET;
    if (c->userns) args.flags |= CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    fflush(NULL);
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
    if (pid == 0) {
        close(sv[0]);
        close(sync[1]);
        close(errp[0]);
        container_child(c, ctx, sync[0], errp[1], sv[1], self);
    }
    close(sv[1]);
    close(sync[0]);
    close(errp[1]);
    *chan = sv[0];
    if (pid < 0) {
        close(sync[1]);
        close(errp[0]);
        return err_sys(e, ERR_FAIL, errno, "clone3");
    }
    ctx->agent_pid = pid;
    int rc = journal_add_pid(ctx->rq->journal, pid, e);
    if (rc == 0 && c->userns) rc = userns_map(pid, c->cfg.userns_base, e);
    if (rc == 0) rc = cgroup_attach(&c->cg, pid, e);
    if (rc == 0 && !strcmp(c->cfg.net, "nat"))
        rc = net_nat_host(&c->nat, ctx->rq->run_id, pid, ctx->rq->journal, e);
    if (rc == 0 && !strcmp(c->cfg.net, "nat") && ctx->rq->peer)
        rc = net_nat_publish(&c->nat, ctx->rq->run_id, ctx->rq->peer->host_if, ctx->rq->port, e);
    if (rc == 0 && write(sync[1], "g", 1) != 1) rc = err_sys(e, ERR_FAIL, errno, "sync");
    close(sync[1]);
    char msg[sizeof(e->msg)] = "";
    ssize_t n = rc == 0 ? read(errp[0], msg, sizeof(msg) - 1) : 0;
    close(errp[0]);
    if (rc < 0) return -1;
    if (n > 0) {
        msg[n] = '\0';
        return err_set(e, ERR_FAIL, "container setup: %s", msg);
    }
    if (proto_wait_ready(*chan, 60, e) < 0)
        return err_wrap(e, "waiting for the agent in the container");
    ctx->info.startup_s = util_now() - t0;
    ctx->info.footprint_bytes = cgroup_memory(&c->cg);
    char buf[64];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    kv_set(&ctx->info.facts, "init_pid", buf, NULL);
    kv_set(&ctx->info.facts, "cgroup", c->cg.dirs[0], NULL);
    return 0;
}

static int container_up(struct env_ctx *ctx, struct err *e)
{
    struct container *c = calloc(1, sizeof(*c));
    if (!c) return err_set(e, ERR_FAIL, "out of memory");
    ctx->priv = c;
    c->cfg = *ctr_conf(ctx);
    c->userns = c->cfg.userns;
    if (journal_require(ctx->rq->journal, e) < 0) return -1;
    double t0 = util_now(); /* create -> agent ready, host-side setup included */
    if (container_prepare(c, ctx, e) < 0 || (c->userns && userns_prepare(c, ctx, e) < 0) ||
        container_start(c, ctx, t0, e) < 0)
        return -1;
    char label[640], sc[160], user[64];
    confine_profile_summary(sc, sizeof(sc));
    snprintf(user, sizeof(user), ",user (root = host uid %u)", c->cfg.userns_base);
    snprintf(label, sizeof(label),
             "own runtime: ns mnt,pid,uts,ipc,cgroup%s%s; net=%s; storage=%s; image=%.80s; "
             "cgroup %s; %s",
             strcmp(c->cfg.net, "host") ? ",net" : "", c->userns ? user : "", c->cfg.net,
             c->cfg.storage, c->cfg.image, c->cg.v2 ? "v2" : "v1", sc);
    kv_set(&ctx->info.facts, "label", label, NULL);
    char val[32], asked[96];
    const char *file = cgroup_weight_setting(c->cfg.limits.cpu_weight, c->cg.v2, val, sizeof(val));
    snprintf(asked, sizeof(asked), "%s = %s, written by isobench", file, val);
    ctr_weight_facts(&c->cfg, ctx, asked, NULL, ctx->agent_pid);
    ctr_reach(&c->cfg, ctx);
    if (!strcmp(c->cfg.net, "nat"))
        net_nat_addr_text(&c->nat, ctx->info.local_addr, sizeof(ctx->info.local_addr));
    return 0;
}

static const char *container_lacks(const struct spec *sp, unsigned needs)
{
    return ctr_lacks(sp, container_nets, needs);
}

static int container_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    const struct container *c = ctx->priv;
    return c ? cgroup_cpu_src(&c->cg, src, len) : -1;
}

const struct env env_container = {
    .name = "container",
    .pick = "container",
    .slice = ENV_SLICE_CPUSET,
    .summary = "isobench's own runtime: namespaces, cgroup, overlay root, Docker's confinement",
    /* exec, down: env_exec/env_down drive pid 1's channel; EOF stops it and
     * the run's journal unwinds the cgroups and directories after */
    .caps = ENV_CAP_ROOT | ENV_CAP_ODIRECT,
    .stop_grace_s = 1.0,
    .unavailable = container_unavailable,
    .keys = container_keys,
    .check = container_check,
    .fit = env_fit_mem_limit,
    .lacks = container_lacks,
    .host_cpu_src = container_host_cpu,
    .up = container_up,
};
