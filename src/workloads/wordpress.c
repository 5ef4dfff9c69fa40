/* wordpress - the Xen-vs-LXC study's app tier: Debian's WordPress under
 * Apache (prefork MPM + mod_php, Debian's packages) in the environment,
 * its database on a MariaDB elsewhere (db=ADDR:PORT: the two-tier
 * scenario's DB tier, the mysql workload's server half with
 * schema=wordpress and the same job secret as password). The server half
 * writes the site's files in its own directory (wpsite.c), starts Apache,
 * waits for the DB tier and installs the site through WordPress's own
 * installer (install.php, step 2: the standard sample content), then
 * serves until the client's stop request. The client half, in the peer
 * namespace, waits for the front page, runs the inter-tier probe (PHP in
 * the app tier timing single-row SELECTs and INSERTs against the DB tier)
 * and the ramped load on the front page (hload.c: users 1 -> U over the
 * ramp, every response checked for status 200 and the site's title). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hist.h"
#include "core/journal.h"
#include "core/swapfile.h"
#include "workloads/lib/hload.h"
#include "workloads/lib/netutil.h"
#include "workloads/lib/srvproc.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"
#include "workloads/lib/wpsite.h"

#define WP_TITLE "isobench two-tier"
#define WP_DB_WAIT_S 600.0    /* the DB tier's bootstrap; a TCG guest is slow */
#define WP_PAGE_WAIT_S 1800.0 /* start + install in the app tier, TCG included */

static const struct wl_opt wp_opts[] = {
    {"db",
     "ADDR:PORT of its MariaDB (the two-tier scenario sets it)",
     {NULL, NULL, NULL},
     .type = WL_T_STR},
    {"app",
     "ADDR:PORT the client reaches the site at (the two-tier scenario sets it)",
     {NULL, NULL, NULL},
     .type = WL_T_STR},
    {"phase",
     "what the client measures: full (probe SELECTs, INSERTs, then the ramped load) or insert "
     "(the INSERTs only)",
     {"full", "full", "full"},
     .type = WL_T_ENUM,
     .values = "full|insert"},
    {"users",
     "concurrent users at the end of the ramp (one keep-alive connection each)",
     {"10", "50", "100"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = HLOAD_MAX_USERS},
    {"ramp",
     "seconds over which users grow from 1 (the study: 720 of 800)",
     {"40", "240", "720"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_INCL,
     .max = 86400.0,
     .unit = "s"},
    {"duration",
     "seconds measured (the ramp included)",
     {"60", "300", "800"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 3600.0,
     .unit = "s"},
    {"timeout",
     "seconds a page may take before it counts as failed",
     {"30", "30", "30"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 600.0,
     .unit = "s"},
    {"selects",
     "single-row SELECTs the probe times (the study's Figure 7)",
     {"200", "1000", "1000"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = WP_PROBE_MAX},
    {"inserts",
     "INSERTs of random rows the probe times (the study: 10,000)",
     {"1000", "10000", "10000"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = WP_PROBE_MAX},
    {"cpu-server", "CPU of Apache; all = not pinned", {"all", "all", "all"}, .type = WL_T_CPU},
    {"cpu-client",
     "CPU of the load generator; auto = highest allowed",
     {"auto", "auto", "auto"},
     .type = WL_T_CPU},
    {.name = NULL},
};

struct wp_cfg {
    uint64_t users, selects, inserts;
    double ramp, duration, timeout;
    int insert_only;
};

static const char *wp_unavailable(void)
{
    if (access(APACHE_BIN, X_OK) != 0) return "apache2 is not installed (apt-get install apache2)";
    if (access(WP_PHP_MOD, R_OK) != 0)
        return "mod_php is not installed (apt-get install libapache2-mod-php)";
    if (access(WP_PHP_EXT "/mysqli.so", R_OK) != 0)
        return "PHP's mysqli is not installed (apt-get install php-mysql)";
    if (access(WP_TREE "/wp-settings.php", R_OK) != 0)
        return "WordPress is not installed (apt-get install wordpress)";
    return net_unavailable();
}

static int wp_params(const struct wl_ctx *ctx, struct wp_cfg *c, struct err *e)
{
    const struct workload *w = &workload_wordpress;
    if (wl_opt_u64(ctx, w, "users", 10, &c->users, e) < 0 ||
        wl_opt_u64(ctx, w, "selects", 200, &c->selects, e) < 0 ||
        wl_opt_u64(ctx, w, "inserts", 1000, &c->inserts, e) < 0 ||
        wl_opt_secs(ctx, w, "ramp", 240, &c->ramp, e) < 0 ||
        wl_opt_secs(ctx, w, "duration", 300, &c->duration, e) < 0 ||
        wl_opt_secs(ctx, w, "timeout", 30, &c->timeout, e) < 0)
        return -1;
    int ph;
    if (wl_opt_enum(ctx, w, "phase", WP_PHASE_FULL, &ph, e) < 0) return -1;
    c->insert_only = (enum wp_phase)ph == WP_PHASE_INSERT;
    if (c->ramp > 0 && c->users < 2)
        return err_set(e, ERR_USAGE, "wordpress: a ramp needs users of at least 2");
    if (c->ramp > 0 && c->ramp >= c->duration)
        return err_set(e, ERR_USAGE,
                       "wordpress: the ramp (%g s) must end before the run does (duration %g s)",
                       c->ramp, c->duration);
    return 0;
}

/* "ADDR:PORT" (an IPv4 quad) into addr and *port. */
static int wp_target(const char *v, const char *what, char *addr, size_t len, int *port,
                     struct err *e)
{
    const char *colon = v ? strrchr(v, ':') : NULL;
    unsigned a, b, c, d;
    char tail;
    if (!colon || (size_t)(colon - v) >= len ||
        sscanf(v, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 5 || tail != ':' || a > 255 ||
        b > 255 || c > 255 || d > 255 || (*port = atoi(colon + 1)) < 1 || *port > 65535)
        return err_set(e, ERR_USAGE, "wordpress: %s must be IPV4:PORT (got '%s')", what,
                       v ? v : "nothing");
    snprintf(addr, len, "%.*s", (int)(colon - v), v);
    return 0;
}

static int wp_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                    struct err *e)
{
    (void)resolved;
    struct wp_cfg c;
    char a[64];
    int port;
    if (wp_params(ctx, &c, e) < 0) return -1;
    const struct workload *w = &workload_wordpress;
    const char *db = wl_opt_str(ctx, w, "db"), *app = wl_opt_str(ctx, w, "app");
    if ((db && wp_target(db, "db", a, sizeof(a), &port, e) < 0) ||
        (app && wp_target(app, "app", a, sizeof(a), &port, e) < 0))
        return -1;
    /* Apache's prefork workers with mod_php, opcache, the generator's buffers */
    need->mem_bytes = (384ull << 20) + c.users * (256ull << 10);
    need->disk_bytes = 16ull << 20;
    return 0;
}

/* Waits for the DB tier to greet (MariaDB's protocol 10 handshake). */
static int wp_wait_db(const char *addr, int port, struct err *e)
{
    double until = util_now() + WP_DB_WAIT_S;
    for (;;) {
        struct err ce = {0};
        int fd cleanup_close = net_connect(SOCK_STREAM, addr, port, 2.0, &ce);
        unsigned char b[8];
        if (fd >= 0 && net_timeouts(fd, 10.0) == 0 && recv(fd, b, sizeof(b), 0) >= 5 && b[4] == 10)
            return 0;
        if (util_now() > until)
            return err_set(e, ERR_FAIL, "wordpress: the DB tier at %s:%d never answered: %s", addr,
                           port, ce.msg[0] ? ce.msg : "no greeting");
        usleep(200000);
    }
}

/* WordPress's installer, as a person fills it in (install.php, step 2):
 * the site title carries the run's marker; the admin password is fresh. */
static int wp_install(const char *at, int port, const char *marker, struct srv *s, struct err *e)
{
    char pw[33], form[512], body[4096];
    if (util_random_hex(pw, sizeof(pw), e) < 0) return -1;
    snprintf(form, sizeof(form),
             "weblog_title=%s&user_name=isobench&admin_password=%s&admin_password2=%s&pw_weak=1&"
             "admin_email=isobench%%40example.invalid&blog_public=0&Submit=Install+WordPress&"
             "language=",
             marker, pw, pw);
    explicit_bzero(pw, sizeof(pw));
    int status = 0;
    int rc = hload_request(at, port, "/wp-admin/install.php?step=2", form, WP_PAGE_WAIT_S, &status,
                           body, sizeof(body), NULL, 0, e);
    explicit_bzero(form, sizeof(form));
    if (rc < 0) return srv_fail(s, e, "wordpress: the installer did not answer");
    if (status != 200 || !strstr(body, "Success!"))
        return srv_fail(s, e, "wordpress: the installer answered %d without \"Success!\"", status);
    return 0;
}

/* The site's marker: its title and 32 bits of the secret, so a page
 * passes only if it is this run's site rendered from the DB tier (form:
 * as the installer's form field, spaces as '+'). */
static void wp_marker(const char *secret, char *out, size_t len, int form)
{
    char p[64];
    net_secret_path(secret, "site", p, sizeof(p));
    snprintf(out, len, "%s%.8s", form ? "isobench+two-tier+" : WP_TITLE " ",
             p + strlen("/isobench-site-"));
}

/* Waits for Apache s to answer the installer's first page with a 200
 * (WP_PAGE_WAIT_S at most); -1 with Apache's last words if it exits or
 * never does. */
static int wp_wait_page(const char *at, int port, struct srv *s, struct err *e)
{
    int status = 0;
    char body[256];
    double until = util_now() + WP_PAGE_WAIT_S;
    for (;;) {
        struct err ge = {0};
        if (hload_get(at, port, "/wp-admin/install.php", 30.0, &status, body, sizeof(body), NULL, 0,
                      &ge) == 0 &&
            status == 200)
            return 0;
        if (!srv_running(s)) return srv_fail(s, e, "wordpress: Apache exited while starting");
        if (util_now() > until)
            return srv_fail(s, e, "wordpress: no 200 for install.php (%d): %s", status,
                            ge.msg[0] ? ge.msg : "another status");
        usleep(100000);
    }
}

/* Serves until the client's stop request (path stop) is in Apache's log;
 * -1 if Apache dies first. (The scenario cancels the job when its client
 * is done.) */
static int wp_serve(const char *log, const char *stop, struct srv *s, struct err *e)
{
    off_t off = 0;
    while (!apache_log_has(log, stop, &off)) {
        if (!srv_running(s)) return srv_fail(s, e, "wordpress: Apache exited while serving");
        usleep(100000);
    }
    return 0;
}

/* PHP's log under dir, when it says something: its first line as the fact
 * wordpress.php_log. */
static void wp_php_log_fact(const char *dir, struct result *r)
{
    char phplog[600];
    snprintf(phplog, sizeof(phplog), "%s/php.log", dir);
    struct stat st;
    if (stat(phplog, &st) == 0 && st.st_size > 0) {
        char tail[200] = "";
        util_read_file(phplog, tail, sizeof(tail));
        tail[strcspn(tail, "\n")] = '\0';
        kv_set(&r->facts, "wordpress.php_log", tail, NULL);
    }
}

/* wordpress's app half: writes the site under ctx->datadir (removed on
 * return), waits for the DB tier, starts Apache (it must drop root) pinned
 * by cpu-server, installs WordPress, then serves until the client's stop
 * request is in Apache's log. Adds install, DB-wait, Apache and PHP facts
 * to r; -1 on failure. */
static int wp_server(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    const struct workload *w = &workload_wordpress;
    if (!ctx->datadir || !ctx->datadir[0])
        return err_set(e, ERR_USAGE, "wordpress: the environment gave no data directory");
    if (!ctx->secret || !ctx->secret[0])
        return err_set(e, ERR_USAGE, "wordpress: the job carries no secret for the DB account");
    char db[64];
    int db_port, cpu;
    if (wp_target(wl_opt_str(ctx, w, "db"), "db", db, sizeof(db), &db_port, e) < 0 ||
        net_opt_pick(ctx, w, "cpu-server", 1, &cpu, e) < 0)
        return -1;
    char dir[512], log[600], stop[64], probe[64], title[96], conf[600];
    snprintf(dir, sizeof(dir), "%s/wp-%d", ctx->datadir, ctx->port);
    snprintf(log, sizeof(log), "%s/apache.log", dir);
    snprintf(conf, sizeof(conf), "%s/httpd.conf", dir);
    net_secret_path(ctx->secret, "stop", stop, sizeof(stop));
    net_secret_path(ctx->secret, "probe", probe, sizeof(probe));
    snprintf(probe + strlen(probe), sizeof(probe) - strlen(probe), ".php");
    wp_marker(ctx->secret, title, sizeof(title), 1);
    journal_rmtree(dir); /* one a killed repetition left */
    char why[160] = "";
    int unpriv = srv_unpriv_dir(dir, why, sizeof(why), e);
    if (unpriv < 0) return -1;
    if (!unpriv) return err_set(e, ERR_FAIL, "wordpress: Apache cannot drop root here: %s", why);
    const char *bind = ctx->addr && ctx->addr[0] ? ctx->addr : "0.0.0.0";
    const char *at = bind[0] == '0' ? "127.0.0.1" : bind;
    struct wp_site site = {.dir = dir,
                           .bind = bind,
                           .port = ctx->port,
                           .secret = ctx->secret,
                           .db_addr = db,
                           .db_port = db_port,
                           .probe_path = probe};
    struct srv s cleanup_srv = {0};
    int rc = wp_site_write(&site, e);
    /* PHP reads DIR/php.ini only, never the host's conf.d */
    setenv("PHP_INI_SCAN_DIR", "", 1);
    char *argv[] = {APACHE_BIN, "-DFOREGROUND", "-f", conf, "-d", dir, NULL};
    double t0 = util_now();
    if (rc == 0) rc = wp_wait_db(db, db_port, e);
    double db_s = util_now() - t0;
    if (rc == 0) rc = srv_start(&s, "apache2", argv, cpu, log, -1, e);
    if (rc == 0) rc = wp_wait_page(at, ctx->port, &s, e);
    double t1 = util_now();
    if (rc == 0) rc = wp_install(at, ctx->port, title, &s, e);
    if (rc == 0) {
        char v[64];
        snprintf(v, sizeof(v), "%.3f", util_now() - t1);
        kv_set(&r->facts, "wordpress.install_s", v, NULL);
        snprintf(v, sizeof(v), "%.3f", db_s);
        kv_set(&r->facts, "wordpress.db_wait_s", v, NULL);
        kv_set(&r->facts, "wordpress.db", db, NULL);
        kv_set(&r->facts, "wordpress.user", "65534", NULL);
        kv_set(&r->facts, "wordpress.bind", bind, NULL);
    }
    if (rc == 0) rc = wp_serve(log, stop, &s, e);
    srv_stop(&s, 10.0);
    apache_log_facts(log, "wordpress", r);
    wp_php_log_fact(dir, r);
    journal_rmtree(dir);
    if (rc < 0) return err_wrap(e, "wordpress server");
    char v[32];
    snprintf(v, sizeof(v), "%.3f", srv_cpu_s(&s));
    kv_set(&r->facts, "wordpress.server_cpu_s", v, NULL);
    return 0;
}

/* The host's memory and swapping while the load runs, once a second (the
 * study's swap point: when the host started swapping as users grew). The
 * client half runs in the peer namespace, on the host: these are the
 * host's, every tier's included. */
#define WP_MEM_MAX 128 /* rows: the sample's raw text holds both series */
struct wp_memwatch {
    volatile int stop;
    double every_s; /* the duration / 100, at least 1 s */
    int n;
    double t[WP_MEM_MAX];
    uint64_t avail[WP_MEM_MAX], in[WP_MEM_MAX], out[WP_MEM_MAX];
};

static void *wp_memwatch_main(void *arg)
{
    struct wp_memwatch *m = arg;
    double t0 = util_now();
    while (!m->stop && m->n < WP_MEM_MAX) {
        uint64_t mf;
        m->t[m->n] = util_now() - t0;
        m->avail[m->n] = util_mem_available();
        if (swapfile_vmstat(&m->in[m->n], &m->out[m->n], &mf) < 0) m->in[m->n] = m->out[m->n] = 0;
        m->n++;
        for (double w = 0; w < m->every_s && !m->stop; w += 0.1)
            usleep(100000);
    }
    return NULL;
}

/* The watch's metrics and its series (CSV, after the load's). */
static int wp_memwatch_report(const struct wp_memwatch *m, struct result *r, struct err *e)
{
    if (m->n < 2) return 0;
    uint64_t lo = m->avail[0];
    for (int i = 1; i < m->n; i++)
        if (m->avail[i] < lo) lo = m->avail[i];
    if (result_add(r, "host_mem_used_mib", "MiB", BETTER_LOWER,
                   ((double)m->avail[0] - (double)lo) / 1048576.0, e) < 0 ||
        result_add(r, "swap_in_pages", "pages", BETTER_LOWER, (double)(m->in[m->n - 1] - m->in[0]),
                   e) < 0 ||
        result_add(r, "swap_out_pages", "pages", BETTER_LOWER,
                   (double)(m->out[m->n - 1] - m->out[0]), e) < 0)
        return -1;
    char line[128];
    result_raw_append(r, "# host memory during the load\nt_s,mem_available_mib,pswpin,pswpout\n");
    for (int i = 0; i < m->n; i++) {
        snprintf(line, sizeof(line), "%.1f,%.1f,%llu,%llu\n", m->t[i],
                 (double)m->avail[i] / 1048576.0, (unsigned long long)(m->in[i] - m->in[0]),
                 (unsigned long long)(m->out[i] - m->out[0]));
        result_raw_append(r, line);
    }
    return 0;
}

/* The probe: GET PATH?op=OP&n=N on the app tier, within timeout_s. */
static int wp_probe_get(const char *addr, int port, const char *path, const char *op, uint64_t n,
                        char *body, size_t len, struct err *e)
{
    char url[160];
    snprintf(url, sizeof(url), "%s?op=%s&n=%llu", path, op, (unsigned long long)n);
    int status = 0;
    if (hload_get(addr, port, url, 3600.0, &status, body, len, NULL, 0, e) < 0)
        return err_wrap(e, "wordpress probe %s", op);
    if (status != 200)
        return err_set(e, ERR_FAIL, "wordpress probe %s: status %d: %.200s", op, status, body);
    return 0;
}

/* Inter-tier latency: n single-row SELECTs from PHP in the app tier. */
static int wp_selects(const char *addr, int port, const char *path, uint64_t n, struct result *r,
                      struct err *e)
{
    size_t cap = 1 << 20;
    char *body cleanup_free = malloc(cap);
    double *ns cleanup_free = calloc(WP_PROBE_MAX, sizeof(double));
    if (!body || !ns) return err_set(e, ERR_FAIL, "out of memory");
    if (wp_probe_get(addr, port, path, "select", n, body, cap, e) < 0) return -1;
    int got = 0;
    if (wp_probe_parse_select(body, ns, WP_PROBE_MAX, &got) < 0 || (uint64_t)got != n)
        return err_set(e, ERR_FAIL, "wordpress probe select: an answer without %llu latencies",
                       (unsigned long long)n);
    struct hist h;
    hist_init(&h);
    for (int i = 0; i < got; i++)
        hist_add(&h, ns[i]);
    return result_add(r, "select_mean", "us", BETTER_LOWER, hist_mean(&h) / 1e3, e) < 0 ||
                   result_add(r, "select_p50", "us", BETTER_LOWER, hist_quantile(&h, 0.5) / 1e3,
                              e) < 0 ||
                   result_add(r, "select_p99", "us", BETTER_LOWER, hist_quantile(&h, 0.99) / 1e3,
                              e) < 0
               ? -1
               : 0;
}

/* n INSERTs of random rows from PHP in the app tier: their time. */
static int wp_inserts(const char *addr, int port, const char *path, uint64_t n, struct result *r,
                      struct err *e)
{
    char body[512];
    if (wp_probe_get(addr, port, path, "insert", n, body, sizeof(body), e) < 0) return -1;
    long got;
    double ns;
    if (wp_probe_parse_insert(body, &got, &ns) < 0 || (uint64_t)got != n)
        return err_set(e, ERR_FAIL, "wordpress probe insert: not an answer for %llu rows: %.100s",
                       (unsigned long long)n, body);
    return result_add(r, "insert_s", "s", BETTER_LOWER, ns / 1e9, e) < 0 ||
                   result_add(r, "insert_rate", "rows/s", BETTER_HIGHER, (double)n / (ns / 1e9),
                              e) < 0
               ? -1
               : 0;
}

/* wordpress's client half: waits for this run's front page, runs the
 * select and insert probes, then (unless insert-only) the ramped
 * closed-loop load with a memory watcher thread, adding every metric to
 * r; always asks the app half to stop so it returns. -1 on failure. */
static int wp_client(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    const struct workload *w = &workload_wordpress;
    struct wp_cfg c;
    if (wp_params(ctx, &c, e) < 0) return -1;
    char addr[64], stop[64], probe[64], marker[96];
    int port = ctx->port, cpu;
    snprintf(addr, sizeof(addr), "%s", ctx->addr ? ctx->addr : "");
    const char *app = wl_opt_str(ctx, w, "app");
    if (app && wp_target(app, "app", addr, sizeof(addr), &port, e) < 0) return -1;
    if (net_opt_pin(ctx, w, "cpu-client", 0, &cpu, e) < 0) return err_wrap(e, "wordpress client");
    net_secret_path(ctx->secret, "stop", stop, sizeof(stop));
    net_secret_path(ctx->secret, "probe", probe, sizeof(probe));
    snprintf(probe + strlen(probe), sizeof(probe) - strlen(probe), ".php");
    wp_marker(ctx->secret, marker, sizeof(marker), 0);
    /* the site is ready once its front page is this run's, from the DB */
    double t0 = util_now(), until = t0 + WP_PAGE_WAIT_S;
    char *page cleanup_free = malloc(1 << 20);
    if (!page) return err_set(e, ERR_FAIL, "out of memory");
    int st = 0, rc = 0;
    struct err ge = {0};
    while (hload_get(addr, port, "/", 30.0, &st, page, 1 << 20, NULL, 0, &ge) != 0 || st != 200 ||
           !strstr(page, marker) || !strstr(page, "Hello world!")) {
        if (util_now() > until) {
            rc = err_set(e, ERR_FAIL, "wordpress client: the site never served its front page: %s",
                         ge.msg[0] ? ge.msg
                         : st      ? "no marker or sample post"
                                   : "no answer");
            break;
        }
        ge.msg[0] = '\0';
        usleep(200000);
    }
    if (rc == 0) {
        char v[32];
        snprintf(v, sizeof(v), "%.3f", util_now() - t0);
        kv_set(&r->facts, "wordpress.ready_s", v, NULL);
    }
    if (rc == 0 && !c.insert_only) rc = wp_selects(addr, port, probe, c.selects, r, e);
    if (rc == 0) rc = wp_inserts(addr, port, probe, c.inserts, r, e);
    if (rc == 0 && !c.insert_only) {
        struct hload_cfg lc = {.addr = addr,
                               .port = port,
                               .path = "/",
                               .marker = marker,
                               .users = (int)c.users,
                               .ramp_s = c.ramp,
                               .warm_s = 0,
                               .duration_s = c.duration,
                               .timeout_s = c.timeout,
                               .hostcpu = ctx->hostcpu && ctx->hostcpu[0] ? ctx->hostcpu : NULL};
        struct hload_out o;
        struct wp_memwatch *mw = calloc(1, sizeof(*mw));
        pthread_t th;
        if (mw) mw->every_s = c.duration / 100 > 1 ? c.duration / 100 : 1;
        int watching = mw && pthread_create(&th, NULL, wp_memwatch_main, mw) == 0;
        rc = hload_run(&lc, &o, e);
        if (watching) {
            mw->stop = 1;
            pthread_join(th, NULL);
        }
        if (rc == 0) rc = hload_report(&o, c.ramp, "wordpress", r, e);
        /* the study's Figure 4: requests that succeeded within the run */
        if (rc == 0) rc = result_add(r, "requests", "requests", BETTER_HIGHER, (double)o.ok, e);
        if (rc == 0 && watching) rc = wp_memwatch_report(mw, r, e);
        free(mw);
        hload_out_free(&o);
    }
    char body[8]; /* always end the server, so its half returns now */
    struct err se = {0};
    for (int i = 0; i < 3; i++)
        if (hload_get(addr, port, stop, 20.0, &st, body, sizeof(body), NULL, 0, &se) == 0) break;
    return rc;
}

static const char *const wp_files[] = {APACHE_BIN,
                                       APACHE_MODS "/mod_mpm_prefork.so",
                                       APACHE_MODS "/mod_authz_core.so",
                                       APACHE_MODS "/mod_dir.so",
                                       APACHE_MODS "/mod_alias.so",
                                       WP_PHP_MOD,
                                       WP_PHP_EXT "/mysqlnd.so",
                                       WP_PHP_EXT "/mysqli.so",
                                       WP_PHP_EXT "/opcache.so",
                                       WP_TREE,
                                       "/usr/share/zoneinfo", /* Debian's PHP: system tzdata */
                                       NULL};

static const char *const wp_headline[] = {"rps", "insert_s", NULL};

const struct workload workload_wordpress = {
    /* a tier of scenario twotier, which reads no per-operation counters */
    .unit = "none",
    .name = "wordpress",
    .unavailable = wp_unavailable,
    .summary = "WordPress (Apache + mod_php) in the environment on a MariaDB tier elsewhere: the "
               "two-tier study's app tier",
    .opts = wp_opts,
    .net = 1,
    .only_in = "two-tier",
    .headline = wp_headline,
    .data = 1,
    .guest_files = wp_files,
    .check = wp_check,
    .server = wp_server,
    .client = wp_client,
};
