/* redis - the paper's Redis test (section H, Figures 8-9): a real
 * redis-server from Debian's package runs inside the environment (no
 * persistence, bound to the environment's own address, pinned to one CPU)
 * and isobench's own load generator (rload.c) drives it from the peer
 * namespace, pinned to another CPU, sweeping the number of clients. The
 * server half starts redis-server and waits for it to exit; the client
 * half sweeps, then ends the server with SHUTDOWN NOSAVE (also after a
 * failure), so the server half returns. The curve is the result: per
 * client count c<N>_rps, c<N>_mean, c<N>_p50, c<N>_p99. The server needs
 * the job's secret (requirepass, read from its stdin) and runs as uid
 * 65534 where the environment lets it (srv_unpriv_dir). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/journal.h"
#include "workloads/lib/netutil.h"
#include "workloads/lib/rload.h"
#include "workloads/lib/srvproc.h"
#include "workloads/workload.h"

#define REDIS_BIN "/usr/bin/redis-server"
#define REDIS_MAX_COUNTS 12
#define REDIS_START_S 20.0

static const struct wl_opt redis_opts[] = {
    {"clients",
     "client counts swept (one connection each)",
     {"1,4,128", "1,2,4,8,16,32,64,128", "1,2,4,8,16,32,64,128"},
     .type = WL_T_UINTS,
     .min = 1.0,
     .max = RLOAD_MAX_CLIENTS},
    {"duration",
     "seconds measured per client count",
     {"0.5", "3", "10"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 3600.0,
     .unit = "s"},
    {"warmup",
     "seconds of load per client count before measuring",
     {"0.3", "1", "2"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 600.0,
     .unit = "s"},
    {"pipeline",
     "requests in flight per client (redis-benchmark -P)",
     {"10", "10", "10"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 64.0},
    {"keyspace",
     "grow (SETs make new keys, GETs read set ones: the paper) or N fixed keys",
     {"grow", "grow", "grow"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 1e9,
     .values = "grow",
     .unit = "keys"},
    {"seed",
     "seed of the operation sequence (the same in every environment)",
     {"1", "1", "1"},
     .type = WL_T_UINT,
     .min = 0.0,
     .max = 0x1p62},
    {"cpu-server",
     "CPU of redis-server; low = lowest allowed",
     {"low", "low", "low"},
     .type = WL_T_CPU},
    {"cpu-client",
     "CPU of the load generator; auto = highest allowed",
     {"auto", "auto", "auto"},
     .type = WL_T_CPU},
    {.name = NULL},
};

struct redis_cfg {
    int counts[REDIS_MAX_COUNTS], ncounts;
    double duration, warmup;
    uint64_t pipeline, seed, keyspace;
};

static const char *redis_unavailable(void)
{
    if (access(REDIS_BIN, X_OK) != 0)
        return "redis-server is not installed (apt-get install redis-server)";
    return net_unavailable();
}

static int redis_params(const struct wl_ctx *ctx, struct redis_cfg *c, struct err *e)
{
    const struct workload *w = &workload_redis;
    if (wl_opt_uints(ctx, w, "clients", c->counts, REDIS_MAX_COUNTS, &c->ncounts, e) < 0 ||
        wl_opt_secs(ctx, w, "duration", 3, &c->duration, e) < 0 ||
        wl_opt_u64(ctx, w, "pipeline", 10, &c->pipeline, e) < 0 ||
        wl_opt_u64(ctx, w, "seed", 1, &c->seed, e) < 0 ||
        wl_opt_secs(ctx, w, "warmup", 1, &c->warmup, e) < 0 ||
        wl_opt_u64(ctx, w, "keyspace", 0, &c->keyspace, e) < 0) /* grow: 0 */
        return -1;
    return 0;
}

/* The longest a whole sweep may take: what the server half waits for. */
static double redis_budget(const struct redis_cfg *c)
{
    return c->ncounts * (c->warmup + c->duration + 15.0) + 60.0;
}

static int redis_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                       struct err *e)
{
    (void)resolved;
    struct redis_cfg c;
    if (redis_params(ctx, &c, e) < 0) return -1;
    need->mem_bytes = 256ull << 20; /* the keyspace a sweep grows stays well below this */
    return 0;                       /* cpu-server/cpu-client: typed WL_T_CPU */
}

/* redis's server half: starts redis-server pinned by cpu-server with the
 * job's secret as requirepass (given on stdin, never argv), in a fresh
 * dir under ctx->datadir (removed on return), waits until it answers
 * PING, then serves until the client stops it or redis_budget runs out.
 * Adds its version and CPU facts to r; -1 on failure. */
static int redis_server(const struct wl_ctx *ctx, const struct redis_cfg *c, struct result *r,
                        struct err *e)
{
    if (!ctx->datadir || !ctx->datadir[0])
        return err_set(e, ERR_USAGE, "redis: the environment gave no data directory");
    int cpu;
    if (net_opt_pick(ctx, &workload_redis, "cpu-server", 1, &cpu, e) < 0)
        return err_wrap(e, "redis server");
    if (!ctx->secret || !ctx->secret[0])
        return err_set(e, ERR_USAGE, "redis: the job carries no secret for requirepass");
    char port[16], log[512], dir[512], scpu[16], ver[128], why[160] = "";
    snprintf(port, sizeof(port), "%d", ctx->port);
    snprintf(log, sizeof(log), "%s/redis-%d.log", ctx->datadir, ctx->port);
    snprintf(dir, sizeof(dir), "%s/redis-%d", ctx->datadir, ctx->port);
    journal_rmtree(dir); /* one a killed repetition left */
    int unpriv = srv_unpriv_dir(dir, why, sizeof(why), e);
    if (unpriv < 0) return err_wrap(e, "redis server");
    const char *bind = ctx->addr && ctx->addr[0] ? ctx->addr : "0.0.0.0";
    /* the password comes on stdin ("-": config from stdin), never argv */
    char *argv[] = {REDIS_BIN, "--port",       port, "--bind", (char *)bind, "--save",
                    "",        "--appendonly", "no", "--dir",  dir,          "--daemonize",
                    "no",      "--logfile",    "",   "-",      NULL};
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return err_sys(e, ERR_FAIL, errno, "redis server: pipe");
    struct srv s cleanup_srv = {0};
    int rc = srv_start_as(&s, "redis-server", argv, cpu, log, p[0], unpriv, e);
    close(p[0]);
    char conf[128];
    int n = snprintf(conf, sizeof(conf), "requirepass %s\n", ctx->secret);
    if (rc == 0 && util_write_all(p[1], conf, (size_t)n) < 0)
        rc = err_sys(e, ERR_FAIL, errno, "redis server: writing its configuration");
    explicit_bzero(conf, sizeof(conf));
    close(p[1]);
    if (rc < 0) {
        journal_rmtree(dir);
        return -1;
    }
    kv_set(&r->facts, "redis.user", unpriv ? "65534" : "root", NULL);
    if (!unpriv) kv_set(&r->facts, "redis.user.why", why, NULL);
    /* ready when it answers PING where it listens */
    const char *at = bind[0] == '0' ? "127.0.0.1" : bind;
    const char *ping[] = {"PING", NULL};
    char out[64];
    struct err pe = {0};
    double until = util_now() + REDIS_START_S;
    while (rload_command(at, ctx->port, ctx->secret, 1.0, ping, out, sizeof(out), &pe) != 0) {
        if (!srv_running(&s))
            rc = srv_fail(&s, e, "exited while starting");
        else if (util_now() > until)
            rc = srv_fail(&s, e, "no answer to PING: %s", pe.msg);
        if (rc < 0) {
            journal_rmtree(dir);
            return -1;
        }
        usleep(20000);
    }
    snprintf(scpu, sizeof(scpu), "%d", cpu);
    kv_set(&r->facts, "redis.cpu", scpu, NULL);
    srv_version(REDIS_BIN, "--version", ver, sizeof(ver));
    kv_set(&r->facts, "redis.version", ver, NULL);
    kv_set(&r->facts, "redis.bind", bind, NULL);
    rc = srv_wait(&s, util_now() + redis_budget(c), e);
    journal_rmtree(dir);
    if (rc < 0) return err_wrap(e, "redis server");
    char v[32];
    snprintf(v, sizeof(v), "%.3f", srv_cpu_s(&s));
    kv_set(&r->facts, "redis.server_cpu_s", v, NULL);
    return 0;
}

/* One client count's metrics: c<N>_rps, _mean, _p50, _p99. */
static int redis_add(struct result *r, int n, const struct rload_out *o, struct err *e)
{
    char name[48];
    snprintf(name, sizeof(name), "c%d_rps", n);
    if (result_add(r, name, "req/s", BETTER_HIGHER, (double)o->requests / o->secs, e) < 0)
        return -1;
    snprintf(name, sizeof(name), "c%d_mean", n);
    if (result_add(r, name, "us", BETTER_LOWER, hist_mean(&o->lat) / 1e3, e) < 0) return -1;
    snprintf(name, sizeof(name), "c%d_p50", n);
    if (result_add(r, name, "us", BETTER_LOWER, hist_quantile(&o->lat, 0.5) / 1e3, e) < 0)
        return -1;
    snprintf(name, sizeof(name), "c%d_p99", n);
    return result_add(r, name, "us", BETTER_LOWER, hist_quantile(&o->lat, 0.99) / 1e3, e);
}

/* The client's sweep: one rload run per client count, each added to r,
 * then peak_rps and, when every run read the server environment's host
 * CPU, cpu_us_per_req. -1 on the first failed run or a run with no
 * completed request. */
static int redis_sweep(const struct wl_ctx *ctx, const struct redis_cfg *c, struct result *r,
                       struct err *e)
{
    const char *info[] = {"INFO", "server", NULL};
    char *buf cleanup_free = malloc(8192);
    struct rload_keys *k cleanup_free = malloc(sizeof(*k));
    struct rload_out *o cleanup_free = malloc(sizeof(*o));
    if (!buf || !k || !o) return err_set(e, ERR_FAIL, "out of memory");
    if (rload_command(ctx->addr, ctx->port, ctx->secret, 60.0, info, buf, 8192, e) != 0)
        return err_wrap(e, "redis client: the server did not answer");
    const char *v = strstr(buf, "redis_version:");
    if (v) {
        char ver[32] = "";
        sscanf(v + 14, "%31[^\r\n]", ver);
        kv_set(&r->facts, "redis.server_version", ver, NULL);
    }
    rload_keys_init(k, c->seed);
    double peak = 0, cpu = 0, env_cpu = 0;
    uint64_t reqs = 0;
    int env_known = ctx->hostcpu && *ctx->hostcpu;
    for (int i = 0; i < c->ncounts; i++) {
        struct rload_cfg lc = {.addr = ctx->addr,
                               .port = ctx->port,
                               .clients = c->counts[i],
                               .pipeline = (int)c->pipeline,
                               .warm_s = c->warmup,
                               .duration_s = c->duration,
                               .seed = c->seed,
                               .keyspace = c->keyspace,
                               .hostcpu = env_known ? ctx->hostcpu : NULL,
                               .password = ctx->secret};
        if (rload_run(&lc, k, o, e) < 0) return err_wrap(e, "redis client, %d clients", lc.clients);
        if (o->requests == 0) return err_set(e, ERR_FAIL, "redis client: no request completed");
        if (redis_add(r, lc.clients, o, e) < 0) return -1;
        double rps = (double)o->requests / o->secs;
        peak = rps > peak ? rps : peak;
        cpu += o->cpu_s;
        reqs += o->requests;
        wl_units(r, (double)o->requests);
        env_known = env_known && o->env_cpu_s >= 0;
        env_cpu += o->env_cpu_s;
    }
    if (result_add(r, "peak_rps", "req/s", BETTER_HIGHER, peak, e) < 0) return -1;
    /* what the server's environment cost the host per request, over the
     * counted windows of the sweep (client half and steal time excluded) */
    if (env_known && result_add(r, "cpu_us_per_req", "cpu-us/req", BETTER_LOWER,
                                env_cpu / (double)reqs * 1e6, e) < 0)
        return -1;
    char f[32];
    snprintf(f, sizeof(f), "%.3f", cpu / (double)reqs * 1e6);
    kv_set(&r->facts, "redis.loadgen_cpu_us_per_req", f, NULL);
    return 0;
}

static int redis_serve(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct redis_cfg c;
    return redis_params(ctx, &c, e) < 0 ? -1 : redis_server(ctx, &c, r, e);
}

static int redis_drive(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct redis_cfg c;
    if (redis_params(ctx, &c, e) < 0) return -1;
    int cpu;
    if (net_opt_pin(ctx, &workload_redis, "cpu-client", 0, &cpu, e) < 0)
        return err_wrap(e, "redis client");
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    kv_set(&r->facts, "redis.client_cpu", v, NULL);
    int rc = redis_sweep(ctx, &c, r, e);
    /* Always end the server, so its half returns now (it would otherwise
     * wait out its budget after a failed sweep). */
    const char *shut[] = {"SHUTDOWN", "NOSAVE", NULL};
    char out[64];
    struct err se = {0};
    rload_command(ctx->addr, ctx->port, ctx->secret, 5.0, shut, out, sizeof(out), &se);
    return rc;
}

static const char *const redis_files[] = {REDIS_BIN, NULL};

static const char *const redis_headline[] = {"peak_rps", NULL};

const struct workload workload_redis = {
    .unit = "request",
    .name = "redis",
    .unavailable = redis_unavailable,
    .summary = "real redis-server in the environment, isobench's load generator in the peer",
    .opts = redis_opts,
    .net = 1,
    .headline = redis_headline,
    .data = 1,
    .guest_files = redis_files,
    .check = redis_check,
    .server = redis_serve,
    .client = redis_drive,
};
