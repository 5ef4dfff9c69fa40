/* stress - a host or tenant stressor: Debian's stress-ng with one stressor
 * for a fixed time, reporting the bogo operations per second it reached.
 * A scenario's aggressor tenant runs it beside a victim (noisy-neighbour)
 * and the reports print its rate, so a stressor that did not stress shows;
 * as a plain workload it measures how fast an environment runs stress-ng.
 * Like every workload it never knows where it runs. */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"
#include "workloads/stress.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

#define STRESS_BIN "/usr/bin/stress-ng"

static const struct wl_opt stress_opts[] = {
    {"stressor",
     "what to stress: cpu (integer and float work), vm (memory: mmap, touch, check), stream "
     "(memory bandwidth), hdd (disk writes in the data dir), sock (TCP on loopback), cpu+vm "
     "(both at once, workers each: the two-tier study's aggressor)",
     {"cpu", "cpu", "cpu"},
     .type = WL_T_ENUM,
     .values = "cpu|vm|stream|hdd|sock|cpu+vm"},
    {"workers",
     "stress-ng workers; auto = the CPUs this process may use",
     {"auto", "auto", "auto"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 256,
     .values = "auto"},
    {"bytes",
     "bytes per vm worker (the docker-in-KVM study's 256 MB), per hdd worker's file",
     {"64M", "256M", "256M"},
     .type = WL_T_SIZE,
     .min = 4096,
     .max = 0x1p40,
     .unit = "B"},
    {"seconds",
     "how long stress-ng runs",
     {"5", "20", "60"},
     .type = WL_T_SECS,
     .min = 1.0,
     .lower = WL_MIN_INCL,
     .max = 86400.0,
     .unit = "s"},
    {.name = NULL},
};

/* stress-ng's stressors by enum stress_kind (the stressor option's words). */
static const char *const stress_names[] = {
    [ST_CPU] = "cpu", [ST_VM] = "vm",     [ST_STREAM] = "stream",
    [ST_HDD] = "hdd", [ST_SOCK] = "sock", [ST_CPU_VM] = "cpu+vm",
};

struct stress_cfg {
    enum stress_kind kind;
    const char *stressor; /* its name (stress_names) */
    uint64_t workers, bytes;
    double seconds;
};

static const char *stress_unavailable(void)
{
    if (access(STRESS_BIN, X_OK) != 0)
        return "stress-ng is not installed (apt-get install stress-ng)";
    return NULL;
}

static int stress_params(const struct wl_ctx *ctx, struct stress_cfg *c, struct err *e)
{
    const struct workload *w = &workload_stress;
    int kind;
    if (wl_opt_enum(ctx, w, "stressor", ST_CPU, &kind, e) < 0) return -1;
    c->kind = (enum stress_kind)kind;
    c->stressor = stress_names[c->kind];
    if (wl_opt_u64(ctx, w, "workers", wl_ncpus(ctx), &c->workers, e) < 0 ||
        wl_opt_size(ctx, w, "bytes", 64u << 20, &c->bytes, e) < 0 ||
        wl_opt_secs(ctx, w, "seconds", 20, &c->seconds, e) < 0)
        return -1;
    return 0;
}

/* Memory: vm workers hold bytes each; stream's arrays are stress-ng's
 * default (a few MiB per worker). Disk: hdd writes bytes per worker. */
static int stress_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                        struct err *e)
{
    struct stress_cfg c;
    if (stress_params(ctx, &c, e) < 0) return -1;
    char v[32];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)c.workers);
    if (kv_set(resolved, "workers", v, e) < 0) return -1; /* every tenant the same count */
    if (c.kind == ST_VM || c.kind == ST_CPU_VM) need->mem_bytes = c.workers * c.bytes;
    if (c.kind == ST_HDD) need->disk_bytes = c.workers * c.bytes;
    return 0;
}

/* stress-ng's --metrics-brief line for the stressor:
 * "stress-ng: metrc: [PID] NAME OPS REAL USR SYS OPS/S-REAL OPS/S-CPU"
 * (0.15; older versions print "info:" where "metrc:" stands). */
int stress_parse_metrics(const char *out, const char *stressor, double *ops, double *real_s,
                         double *cpu_s)
{
    for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *b = strchr(l, ']');
        const char *nl = strchr(l, '\n');
        if (!b || (nl && b > nl)) continue;
        char name[32];
        double o, r, u, s;
        if (sscanf(b + 1, " %31s %lf %lf %lf %lf", name, &o, &r, &u, &s) == 5 &&
            !strcmp(name, stressor)) {
            *ops = o;
            *real_s = r;
            *cpu_s = u + s;
            return 0;
        }
    }
    return -1;
}

/* For the sock stressor: stress-ng 0.15 binds its servers to every
 * address (--sock-if does not change that), so in the host's network
 * namespace (native, net=host) they would be reachable from outside the
 * host. This job process moves into a network namespace of its own with
 * only loopback up (the stressor's traffic is loopback anyway: the same
 * kernel TCP path, softirqs and locks); where it may not (a container
 * without CAP_SYS_ADMIN: its own namespace already), it stays, and the
 * fact says which. */
static void stress_private_net(struct result *r)
{
    char why[160] = "private, loopback only";
    if (unshare(CLONE_NEWNET) < 0) {
        snprintf(why, sizeof(why), "the environment's (unshare: %s)", strerror(errno));
    } else {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
            (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0))
            snprintf(why, sizeof(why), "private, but loopback not up: %s", strerror(errno));
        if (fd >= 0) close(fd);
    }
    kv_set(&r->facts, "stress.netns", why, NULL);
}

/* Runs stress-ng once with the stressor (cpu+vm: both at once) through
 * proc_run, for seconds plus 60 at most, and parses its metrics: adds
 * bogo_ops_per_s, cpu_s and elapsed to r. ERR_FAIL with stress-ng's last
 * line when it fails or prints no metrics. */
static int stress_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct stress_cfg c;
    if (stress_params(ctx, &c, e) < 0) return -1;
    char opt[32], workers[24], timeout[32], bytes[32], bytes_opt[32];
    int both = c.kind == ST_CPU_VM; /* --cpu W --vm W --vm-bytes B */
    enum stress_kind k = both ? ST_VM : c.kind;
    const char *one = stress_names[k];
    snprintf(opt, sizeof(opt), "--%s", one);
    snprintf(workers, sizeof(workers), "%llu", (unsigned long long)c.workers);
    snprintf(timeout, sizeof(timeout), "%.0fs", c.seconds);
    snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)c.bytes);
    snprintf(bytes_opt, sizeof(bytes_opt), "--%s-bytes", one);
    const char *tmp = ctx->datadir && ctx->datadir[0] ? ctx->datadir : "/tmp";
    char *argv[16] = {STRESS_BIN,        opt,           workers,    "--timeout", timeout,
                      "--metrics-brief", "--temp-path", (char *)tmp};
    int n = 8;
    if (k == ST_VM || k == ST_HDD) {
        argv[n++] = bytes_opt;
        argv[n++] = bytes;
    }
    if (both) {
        argv[n++] = "--cpu";
        argv[n++] = workers;
    }
    argv[n] = NULL;
    if (k == ST_SOCK) stress_private_net(r);
    char *out cleanup_free = malloc(16384);
    if (!out) return err_set(e, ERR_FAIL, "stress: out of memory");
    struct proc_opts po = {.timeout_s = c.seconds + 60, .with_stderr = 1};
    int trunc = 0;
    double t0 = util_now();
    int st = proc_run(argv, &po, out, 16384, &trunc, e);
    double wall = util_now() - t0;
    if (st < 0) return err_wrap(e, "stress: stress-ng");
    double ops = 0, real_s = 0, cpu_s = 0, ops2 = 0, real2 = 0, cpu2 = 0;
    int bad = st != 0 || stress_parse_metrics(out, one, &ops, &real_s, &cpu_s) < 0 || real_s <= 0;
    if (!bad && both) { /* bogo ops of the two summed, their rates over the longer run */
        bad = stress_parse_metrics(out, "cpu", &ops2, &real2, &cpu2) < 0 || real2 <= 0;
        ops += ops2;
        cpu_s += cpu2;
        if (real2 > real_s) real_s = real2;
    }
    if (bad) {
        char *last = strrchr(out, '\n');
        while (last && last > out && last[1] == '\0') { /* the last non-empty line */
            *last = '\0';
            last = strrchr(out, '\n');
        }
        return err_set(e, ERR_FAIL, "stress: stress-ng --%s exited with %d: %.200s", c.stressor, st,
                       last ? last + 1 : out);
    }
    kv_set(&r->facts, "stress.stressor", c.stressor, NULL);
    kv_set(&r->facts, "stress.workers", workers, NULL);
    if (result_add(r, "bogo_ops_per_s", "ops/s", BETTER_HIGHER, ops / real_s, e) < 0 ||
        result_add(r, "cpu_s", "s", BETTER_LOWER, cpu_s, e) < 0 ||
        result_add(r, "elapsed", "s", BETTER_LOWER, wall, e) < 0)
        return -1;
    return 0;
}

static const char *const stress_files[] = {STRESS_BIN, NULL};
static const char *const stress_headline[] = {"bogo_ops_per_s", NULL};

const struct workload workload_stress = {
    /* an aggressor: bogo ops of different stressors are no one unit */
    .unit = "none",
    .name = "stress",
    .summary = "stress-ng with one stressor (cpu, vm, stream, hdd, sock): a tenant's aggressor",
    .unavailable = stress_unavailable,
    .opts = stress_opts,
    .headline = stress_headline,
    .data = 1,
    .guest_files = stress_files,
    .check = stress_check,
    .run = stress_run,
};
