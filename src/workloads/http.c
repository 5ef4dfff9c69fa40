/* http - a web server under an HTTP load: Debian's Apache 2 (event MPM
 * by default, `mpm` picks another; the package's own MPM sizes) runs inside the environment serving
 * one static page, pinned to one CPU, and isobench's HTTP/1.1 load generator (hload.c) drives it
 * from the peer namespace: `users` keep-alive users, grown linearly from 1 over `ramp` seconds (the
 * Xen-vs-LXC study's ramp; 0: all at once, as wrk), every response checked for status 200 and the
 * page's marker. The server half starts Apache and waits for the client half's stop request (a path
 * with a token derived from the job's secret: Apache logs the 404 to its error log - the server's
 * log file, which the server half watches - nothing is added to the path of a served request);
 * Apache drops root for uid 65534 (srv_unpriv_dir). Results: rps, latency mean/p50/p95/p99,
 * failures by cause, and with a ramp the users at which latency doubled
 * and failures began; the latency-vs-time series is the sample's raw
 * text (CSV). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/journal.h"
#include "workloads/lib/hload.h"
#include "workloads/lib/netutil.h"
#include "workloads/lib/srvproc.h"
#include "workloads/lib/apache.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

#define HTTP_MARKER "<!-- isobench page end -->"
#define HTTP_PAGE "/index.html"
#define HTTP_START_S 60.0 /* a TCG guest starts Apache's workers slowly */

static const struct wl_opt http_opts[] = {
    {"users",
     "concurrent users at the end of the ramp (one keep-alive connection each)",
     {"8", "32", "100"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = HLOAD_MAX_USERS},
    {"ramp",
     "seconds over which users grow from 1 (0: all from the start)",
     {"0", "0", "720"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 86400.0,
     .unit = "s"},
    {"duration",
     "seconds measured",
     {"2", "5", "800"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 3600.0,
     .unit = "s"},
    {"warmup",
     "seconds of load before measuring (with a ramp: part of it)",
     {"0.5", "1", "0"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 3600.0,
     .unit = "s"},
    {"timeout",
     "seconds a request may take before it counts as failed",
     {"5", "5", "10"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 600.0,
     .unit = "s"},
    {"page-size",
     "bytes of the static page",
     {"8K", "8K", "8K"},
     .type = WL_T_SIZE,
     .min = 64.0,
     .max = 4194304.0},
    {"mpm",
     "Apache's multi-processing module, with the Debian package's sizes",
     {"event", "event", "event"},
     .type = WL_T_ENUM,
     .values = "event|worker|prefork"},
    {"cpu-server", "CPU of Apache; low = lowest allowed", {"low", "low", "low"}, .type = WL_T_CPU},
    {"cpu-client",
     "CPU of the load generator; auto = highest allowed",
     {"auto", "auto", "auto"},
     .type = WL_T_CPU},
    {.name = NULL},
};

struct http_cfg {
    uint64_t users, page;
    double ramp, duration, warmup, timeout;
    enum http_mpm mpm;
};

/* Each MPM with the sizes of Debian's mods-available/mpm_*.conf, by enum
 * http_mpm. */
static const struct {
    const char *name, *conf, *desc;
} http_mpms[] = {
    [MPM_EVENT] = {"event",
                   "StartServers 2\nMinSpareThreads 25\nMaxSpareThreads 75\nThreadLimit 64\n"
                   "ThreadsPerChild 25\nMaxRequestWorkers 150\nMaxConnectionsPerChild 0\n",
                   "event MPM: 2 x 25 threads, at most 150"},
    [MPM_WORKER] = {"worker",
                    "StartServers 2\nMinSpareThreads 25\nMaxSpareThreads 75\nThreadLimit 64\n"
                    "ThreadsPerChild 25\nMaxRequestWorkers 150\nMaxConnectionsPerChild 0\n",
                    "worker MPM: 2 x 25 threads, at most 150"},
    [MPM_PREFORK] =
        {"prefork",
         "StartServers 5\nMinSpareServers 5\nMaxSpareServers 10\nMaxRequestWorkers 150\n"
         "MaxConnectionsPerChild 0\n",
         "prefork MPM: 5 processes, at most 150"},
};

static const char *http_unavailable(void)
{
    if (access(APACHE_BIN, X_OK) != 0) return "apache2 is not installed (apt-get install apache2)";
    return net_unavailable();
}

static int http_params(const struct wl_ctx *ctx, struct http_cfg *c, struct err *e)
{
    const struct workload *w = &workload_http;
    if (wl_opt_u64(ctx, w, "users", 8, &c->users, e) < 0 ||
        wl_opt_size(ctx, w, "page-size", 8192, &c->page, e) < 0 ||
        wl_opt_secs(ctx, w, "ramp", 0, &c->ramp, e) < 0 ||
        wl_opt_secs(ctx, w, "duration", 5, &c->duration, e) < 0 ||
        wl_opt_secs(ctx, w, "warmup", 1, &c->warmup, e) < 0 ||
        wl_opt_secs(ctx, w, "timeout", 5, &c->timeout, e) < 0)
        return -1;
    int mpm;
    if (wl_opt_enum(ctx, w, "mpm", MPM_EVENT, &mpm, e) < 0) return -1;
    c->mpm = (enum http_mpm)mpm;
    if (c->ramp > 0 && c->users < 2)
        return err_set(e, ERR_USAGE, "http: a ramp needs users of at least 2");
    if (c->ramp >= c->warmup + c->duration && c->ramp > 0)
        return err_set(e, ERR_USAGE,
                       "http: the ramp (%g s) must end before the run does (warmup + duration = "
                       "%g s)",
                       c->ramp, c->warmup + c->duration);
    return 0;
}

/* The longest one load may take: what the server half waits for. */
static double http_budget(const struct http_cfg *c)
{
    return c->warmup + c->duration + c->timeout + 120.0;
}

static int http_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                      struct err *e)
{
    (void)resolved;
    struct http_cfg c;
    if (http_params(ctx, &c, e) < 0) return -1;
    need->mem_bytes = (64ull << 20) + c.users * (128ull << 10); /* Apache + generator buffers */
    need->disk_bytes = c.page + 65536;
    return 0;
}

/* The page: printable bytes that depend on their offset, the marker last. */
static int http_page(const char *path, uint64_t size, struct err *e)
{
    int fd cleanup_close = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "http: %s", path);
    char *p cleanup_free = malloc(size);
    if (!p) return err_set(e, ERR_FAIL, "out of memory");
    size_t m = strlen(HTTP_MARKER);
    for (uint64_t i = 0; i < size; i++)
        p[i] = (i + 1) % 80 == 0 ? '\n' : (char)('a' + (i * 7 + i / 80) % 26);
    memcpy(p + size - m - 1, HTTP_MARKER "\n", m + 1);
    if (util_write_all(fd, p, size) < 0) return err_sys(e, ERR_FAIL, errno, "http: %s", path);
    return 0;
}

/* Apache's whole configuration: only what serving one file needs, no
 * access log; 404s logged (core:info) to the error log, for the stop
 * request. */
static int http_conf(const char *dir, const char *bind, int port, enum http_mpm m, struct err *e)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/httpd.conf", dir);
    int fd cleanup_close = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "http: %s", path);
    char conf[4096];
    int n = snprintf(conf, sizeof(conf),
                     "ServerRoot %s\nListen %s:%d\nServerName isobench\nPidFile %s/apache.pid\n"
                     "DefaultRuntimeDir %s\nMutex file:%s default\n"
                     "LoadModule mpm_%s_module " APACHE_MODS "/mod_mpm_%s.so\n"
                     "LoadModule authz_core_module " APACHE_MODS "/mod_authz_core.so\n"
                     "User #%d\nGroup #%d\nErrorLog %s/apache.log\nLogLevel warn core:info\n"
                     "%s"
                     "KeepAlive On\nMaxKeepAliveRequests 0\nKeepAliveTimeout 30\nTimeout 60\n"
                     "DocumentRoot %s/www\n<Directory />\n  Require all denied\n</Directory>\n"
                     "<Directory %s/www>\n  Require all granted\n</Directory>\n",
                     dir, bind, port, dir, dir, dir, http_mpms[m].name, http_mpms[m].name,
                     SRV_UNPRIV, SRV_UNPRIV, dir, http_mpms[m].conf, dir, dir);
    if (n < 0 || (size_t)n >= sizeof(conf))
        return err_set(e, ERR_FAIL, "http: Apache's configuration does not fit");
    if (util_write_all(fd, conf, (size_t)n) < 0)
        return err_sys(e, ERR_FAIL, errno, "http: %s", path);
    return 0;
}

/* Sets up dir (the page, the configuration) and starts Apache in it. */
static int http_start(const struct wl_ctx *ctx, const struct http_cfg *c, const char *dir,
                      struct srv *s, struct result *r, struct err *e)
{
    int cpu;
    if (net_opt_pick(ctx, &workload_http, "cpu-server", 1, &cpu, e) < 0) return -1;
    char why[160] = "", www[600], path[700], log[600], conf[600];
    int unpriv = srv_unpriv_dir(dir, why, sizeof(why), e);
    if (unpriv < 0) return -1;
    if (!unpriv) /* Apache refuses to serve as root, and so does isobench */
        return err_set(e, ERR_FAIL, "http: Apache cannot drop root here: %s", why);
    snprintf(www, sizeof(www), "%s/www", dir);
    snprintf(path, sizeof(path), "%s" HTTP_PAGE, www);
    if (mkdir(www, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "http: %s", www);
    const char *bind = ctx->addr && ctx->addr[0] ? ctx->addr : "0.0.0.0";
    if (http_page(path, c->page, e) < 0 || http_conf(dir, bind, ctx->port, c->mpm, e) < 0)
        return -1;
    snprintf(conf, sizeof(conf), "%s/httpd.conf", dir);
    snprintf(log, sizeof(log), "%s/apache.log", dir);
    char *argv[] = {APACHE_BIN, "-DFOREGROUND", "-f", conf, "-d", (char *)dir, NULL};
    if (srv_start(s, "apache2", argv, cpu, log, -1, e) < 0) return -1;
    const char *at = bind[0] == '0' ? "127.0.0.1" : bind;
    char body[64], server[64] = "";
    int status = 0;
    struct err ge = {0};
    double until = util_now() + HTTP_START_S;
    while (hload_get(at, ctx->port, HTTP_PAGE, 5.0, &status, body, sizeof(body), server,
                     sizeof(server), &ge) != 0 ||
           status != 200) {
        if (!srv_running(s)) return srv_fail(s, e, "exited while starting");
        if (util_now() > until)
            return srv_fail(s, e, "no 200 for " HTTP_PAGE ": %s",
                            ge.msg[0] ? ge.msg : "another status");
        usleep(20000);
    }
    char desc[200];
    snprintf(desc, sizeof(desc), "%s on CPU %d, %s", server, cpu, http_mpms[c->mpm].desc);
    kv_set(&r->facts, "http.server", desc, NULL);
    kv_set(&r->facts, "http.user", "65534", NULL);
    kv_set(&r->facts, "http.bind", bind, NULL);
    return 0;
}

static int http_server(const struct wl_ctx *ctx, const struct http_cfg *c, struct result *r,
                       struct err *e)
{
    if (!ctx->datadir || !ctx->datadir[0])
        return err_set(e, ERR_USAGE, "http: the environment gave no data directory");
    if (!ctx->secret || !ctx->secret[0])
        return err_set(e, ERR_USAGE, "http: the job carries no secret for its stop path");
    char dir[512], log[600], stop[64];
    snprintf(dir, sizeof(dir), "%s/http-%d", ctx->datadir, ctx->port);
    snprintf(log, sizeof(log), "%s/apache.log", dir); /* its error log, srv's log too */
    net_secret_path(ctx->secret, "stop", stop, sizeof(stop));
    journal_rmtree(dir); /* one a killed repetition left */
    struct srv s cleanup_srv = {0};
    int rc = http_start(ctx, c, dir, &s, r, e);
    /* serve until the client's stop request is logged, Apache dies or the
     * budget is spent */
    double until = util_now() + http_budget(c);
    off_t off = 0;
    while (rc == 0 && !apache_log_has(log, stop, &off)) {
        if (!srv_running(&s))
            rc = srv_fail(&s, e, "exited while serving");
        else if (util_now() > until)
            rc = err_set(e, ERR_FAIL, "http: no stop request within %.0f s", http_budget(c));
        else
            usleep(50000);
    }
    srv_stop(&s, 10.0); /* SIGTERM: Apache stops its children and reaps them */
    apache_log_facts(log, "http", r);
    journal_rmtree(dir);
    if (rc < 0) return err_wrap(e, "http server");
    char v[32];
    snprintf(v, sizeof(v), "%.3f", srv_cpu_s(&s));
    kv_set(&r->facts, "http.server_cpu_s", v, NULL);
    return 0;
}

static int http_serve(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct http_cfg c;
    return http_params(ctx, &c, e) < 0 ? -1 : http_server(ctx, &c, r, e);
}

/* http's client half: pinned by cpu-client, waits until the server
 * serves the page, runs the closed-loop load (hload_run) and adds its
 * metrics to r, then asks the server to stop so its half returns. -1
 * when the server never serves the page (no stop sent) or the load
 * fails (the stop still sent). */
static int http_drive(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct http_cfg c;
    if (http_params(ctx, &c, e) < 0) return -1;
    int cpu;
    if (net_opt_pin(ctx, &workload_http, "cpu-client", 0, &cpu, e) < 0)
        return err_wrap(e, "http client");
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    kv_set(&r->facts, "http.client_cpu", v, NULL);
    struct hload_cfg lc = {.addr = ctx->addr,
                           .port = ctx->port,
                           .path = HTTP_PAGE,
                           .marker = HTTP_MARKER,
                           .users = (int)c.users,
                           .ramp_s = c.ramp,
                           .warm_s = c.warmup,
                           .duration_s = c.duration,
                           .timeout_s = c.timeout,
                           .hostcpu = ctx->hostcpu && ctx->hostcpu[0] ? ctx->hostcpu : NULL};
    /* the server half may still be starting (a TCG guest takes seconds):
     * the load begins once the page is served */
    char page[64];
    int st = 0;
    double until = util_now() + HTTP_START_S;
    struct err ge = {0};
    while (hload_get(ctx->addr, ctx->port, HTTP_PAGE, 10.0, &st, page, sizeof(page), NULL, 0,
                     &ge) != 0 ||
           st != 200) {
        if (util_now() > until)
            return err_set(e, ERR_FAIL, "http client: the server never served %s: %s", HTTP_PAGE,
                           ge.msg[0] ? ge.msg : "another status");
        usleep(50000);
    }
    struct hload_out o;
    int rc = hload_run(&lc, &o, e);
    if (rc == 0) rc = hload_report(&o, c.ramp, "http", r, e);
    if (rc == 0) wl_units(r, (double)o.ok); /* requests that succeeded */
    hload_out_free(&o);
    /* Always end the server, so its half returns now. */
    char stop[64], body[8];
    int status;
    struct err se = {0};
    net_secret_path(ctx->secret, "stop", stop, sizeof(stop));
    for (int i = 0; i < 3; i++) /* a request dropped unread never reaches the log: retry */
        if (hload_get(ctx->addr, ctx->port, stop, 20.0, &status, body, sizeof(body), NULL, 0,
                      &se) == 0)
            break;
    return rc;
}

static const char *const http_files[] = {APACHE_BIN,
                                         APACHE_MODS "/mod_mpm_event.so",
                                         APACHE_MODS "/mod_mpm_worker.so",
                                         APACHE_MODS "/mod_mpm_prefork.so",
                                         APACHE_MODS "/mod_authz_core.so",
                                         NULL};

static const char *const http_headline[] = {"rps", NULL};

const struct workload workload_http = {
    .unit = "request",
    .name = "http",
    .unavailable = http_unavailable,
    .summary = "Apache 2 serving a static page in the environment, isobench's HTTP load generator "
               "in the peer",
    .opts = http_opts,
    .net = 1,
    .headline = http_headline,
    .data = 1,
    .guest_files = http_files,
    .check = http_check,
    .server = http_serve,
    .client = http_drive,
};
