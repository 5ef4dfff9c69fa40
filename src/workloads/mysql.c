/* mysql - the paper's MySQL test (section I, Figures 10-13, Table III): a
 * real MariaDB server (Debian's mariadbd) runs inside the environment with
 * its datadir in the environment's data storage (volume, overlay upper
 * layer or the VM's virtio disk), and Debian's sysbench drives
 * oltp_read_only (mode=ro, the paper's and the full preset's) or
 * oltp_read_write (mode=rw) from the peer namespace, sweeping --threads.
 *
 * Server half: initialises a fresh datadir (mariadbd --bootstrap fed the
 * system tables from /usr/share/mysql and a `sbtest` account whose
 * password is the job's secret and whose grants are the benchmark schema
 * and SHUTDOWN - no FILE, no SUPER), starts mariadbd as uid 65534 where
 * the environment lets it (srv_unpriv_dir; root otherwise, said in the
 * facts), bound to the environment's address, --secure-file-priv on its
 * datadir, with the preset's InnoDB buffer pool, waits for it to exit,
 * sums the tables' files (mysql.data_bytes), removes the datadir.
 * bound=cache (the default) sizes the pool by buffer-pool: the paper's
 * 3 GB held every read. bound=io makes it pool-pct % (10) of the tables'
 * estimated data, so MySQL reads from its disk (the critique's ask;
 * MariaDB opens the data files O_DIRECT, so the page cache does not stand
 * in for the pool). Every sample carries the pool, the data estimate, their
 * ratio and a caveat saying which it was. The password reaches sysbench
 * and mariadb-admin in memfd option files, never on a command line.
 * Client half:
 * waits for the server's greeting, loads the tables (sysbench prepare),
 * runs a discarded warm-up, then one sysbench run per thread count, and
 * always ends the server with `mariadb-admin shutdown`. Per thread count:
 * t<N>_tps, t<N>_lat_avg, t<N>_lat_p95 and t<N>_cpu_ms_per_trans (what the
 * server's environment - its cgroup: mariadbd in a container, QEMU and its
 * threads, native's agent - cost the host per transaction in that run,
 * read by the client outside it; steal time excluded). The
 * sweep stops early once throughput stops rising (stop-gain) - in the
 * run's first sample only: that sample reports the thread counts it ran
 * as mysql.settle.threads (and stop-gain 0), which the runner makes the
 * list of every later sample in every environment, so no thread count is
 * measured in some samples and missing from others. Every sysbench report
 * is kept raw with the sample. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/host.h"
#include "core/journal.h"
#include "workloads/lib/netutil.h"
#include "workloads/lib/sbench.h"
#include "workloads/lib/srvproc.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

#define MARIADBD "/usr/sbin/mariadbd"
#define MARIADB_ADMIN "/usr/bin/mariadb-admin"
#define MYSQL_SHARE "/usr/share/mysql"
#define MYSQL_USER "sbtest"
#define MYSQL_MAX_COUNTS 12
#define MYSQL_READY_S 300.0 /* bootstrap + start; a TCG guest is slow */
/* InnoDB bytes per sysbench row as loaded: INT id, INT k, CHAR(120) c,
 * CHAR(60) pad in the clustered index, plus the index on k (MariaDB 10.11
 * here: sysbench prepare of one 200,000-row table left a 54,525,952-byte
 * .ibd, 272 B a row). The estimate bound=io sizes the pool from; the
 * server measures the real files (mysql.data_bytes). */
#define MYSQL_ROW_BYTES 270
#define MYSQL_POOL_MIN (8ull << 20)

static const struct wl_opt mysql_opts[] = {
    {"threads",
     "sysbench thread counts swept",
     {"1,4", "1,2,4,8,16,32", "1,2,4,8,16,32,64,128"},
     .type = WL_T_UINTS,
     .min = 1.0,
     .max = 1024.0},
    {"stop-gain",
     "stop the sweep once a thread count raises tps by less than this % (0: never)",
     {"0", "2", "2"},
     .type = WL_T_UINT,
     .min = 0.0,
     .max = 1000.0,
     .unit = "%"},
    {"duration",
     "seconds of sysbench per thread count",
     {"1", "10", "60"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 3600.0,
     .unit = "s"},
    {"warmup",
     "seconds of a discarded sysbench run before the sweep",
     {"1", "5", "30"},
     .type = WL_T_UINT,
     .min = 0.0,
     .max = 3600.0,
     .unit = "s"},
    {"tables",
     "sysbench tables (full: the paper's one table of 2,000,000 records)",
     {"1", "4", "1"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 64.0},
    {"table-size",
     "rows per table",
     {"10000", "100000", "2000000"},
     .type = WL_T_UINT,
     .min = 100.0,
     .max = 1e8,
     .unit = "rows"},
    {"buffer-pool",
     "InnoDB buffer pool size",
     {"128M", "1G", "3G"},
     .type = WL_T_SIZE,
     .min = MYSQL_POOL_MIN,
     .max = 0x1p44,
     .unit = "bytes"},
    {"bound",
     "cache: the buffer pool is buffer-pool (the paper's 3G holds every read); io: pool-pct % "
     "of the tables' data, so reads go to the disk (the critique's I/O-bound MySQL)",
     {"cache", "cache", "cache"},
     .type = WL_T_ENUM,
     .values = "cache|io"},
    {"pool-pct",
     "with bound=io: the buffer pool as a share of the tables' estimated data",
     {"10", "10", "10"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 50.0,
     .unit = "%"},
    {"log-file-size",
     "InnoDB redo log size",
     {"48M", "256M", "1G"},
     .type = WL_T_SIZE,
     .min = 4194304.0,
     .max = 0x1p40,
     .unit = "bytes"},
    {"schema",
     "the database the account may use: sysbench's, or a WordPress site's (the two-tier DB tier)",
     {"sbtest", "sbtest", "sbtest"},
     .type = WL_T_ENUM,
     .values = "sbtest|wordpress"},
    {"mode",
     "sysbench's OLTP test: ro = oltp_read_only (the paper's: SELECTs only), rw = "
     "oltp_read_write",
     {"rw", "rw", "ro"},
     .type = WL_T_ENUM,
     .values = "ro|rw"},
    {"cpu-server", "CPU of mariadbd; all = not pinned", {"all", "all", "all"}, .type = WL_T_CPU},
    {"cpu-client", "CPU of sysbench; all = not pinned", {"all", "all", "all"}, .type = WL_T_CPU},
    {.name = NULL},
};

struct mysql_cfg {
    int counts[MYSQL_MAX_COUNTS], ncounts;
    uint64_t stop_gain, duration, warmup, tables, table_size, pool, logsize;
    uint64_t pool_pct, data_est; /* bound=io's share; the tables' estimated bytes */
    int io_bound;                /* bound=io: the pool is pool_pct % of data_est */
    enum mysql_schema kind;      /* the schema option */
    const char *schema;          /* its name, the database's (mysql_schemas) */
    const char *test;            /* sysbench's: oltp_read_only (mode=ro) or oltp_read_write */
};

/* The databases' names, by enum mysql_schema (the schema option's words). */
static const char *const mysql_schemas[] = {
    [MYSQL_SCHEMA_SBTEST] = "sbtest",
    [MYSQL_SCHEMA_WORDPRESS] = "wordpress",
};

static const char *mysql_unavailable(void)
{
    if (access(MARIADBD, X_OK) != 0)
        return "mariadbd is not installed (apt-get install mariadb-server)";
    if (access(SBENCH_BIN, X_OK) != 0)
        return "sysbench is not installed (apt-get install sysbench)";
    if (access(MARIADB_ADMIN, X_OK) != 0)
        return "mariadb-admin is not installed (apt-get install mariadb-client)";
    return net_unavailable();
}

/* bound= and pool-pct= into c (after the other options): the tables'
 * estimated bytes, and with bound=io the pool as pool-pct % of them,
 * rounded up to whole MiB and at least 8 MiB. ERR_USAGE for buffer-pool=
 * given with bound=io or pool-pct= without it (either would be ignored),
 * for bound=io with schema=wordpress (no sysbench tables to size it
 * from) and for tables too small for the 8 MiB floor to stay under half
 * their data (that pool would cache most of it: not I/O-bound). */
static int mysql_bound(const struct wl_ctx *ctx, struct mysql_cfg *c, struct err *e)
{
    const struct workload *w = &workload_mysql;
    int bound;
    if (wl_opt_enum(ctx, w, "bound", MYSQL_BOUND_CACHE, &bound, e) < 0) return -1;
    int given_pool = ctx->opts && kv_get(ctx->opts, "buffer-pool");
    int given_pct = ctx->opts && kv_get(ctx->opts, "pool-pct");
    c->io_bound = (enum mysql_bound)bound == MYSQL_BOUND_IO;
    c->data_est = c->tables * c->table_size * MYSQL_ROW_BYTES;
    if (wl_opt_u64(ctx, w, "pool-pct", 10, &c->pool_pct, e) < 0) return -1;
    if (!c->io_bound) {
        if (given_pct) return err_set(e, ERR_USAGE, "mysql: pool-pct applies to bound=io only");
        return 0;
    }
    if (c->kind != MYSQL_SCHEMA_SBTEST)
        return err_set(e, ERR_USAGE,
                       "mysql: bound=io sizes the pool from sysbench's tables: "
                       "schema=%s has none",
                       c->schema);
    if (given_pool)
        return err_set(e, ERR_USAGE,
                       "mysql: bound=io sizes the buffer pool itself (pool-pct of the data): "
                       "leave buffer-pool out");
    if (c->pool_pct < 1 || c->pool_pct > 50)
        return err_set(e, ERR_USAGE, "mysql: pool-pct must be 1..50");
    uint64_t pool = (c->data_est * c->pool_pct / 100 + (1u << 20) - 1) & ~((1ull << 20) - 1);
    c->pool = pool > MYSQL_POOL_MIN ? pool : MYSQL_POOL_MIN;
    if (c->pool * 2 > c->data_est)
        return err_set(e, ERR_USAGE,
                       "mysql: bound=io needs tables x table-size of at least %llu rows (the "
                       "pool's 8 MiB floor under half the data); this size has %llu: raise "
                       "table-size or use --size small or full",
                       (unsigned long long)(2 * MYSQL_POOL_MIN / MYSQL_ROW_BYTES + 1),
                       (unsigned long long)(c->tables * c->table_size));
    return 0;
}

static int mysql_params(const struct wl_ctx *ctx, struct mysql_cfg *c, struct err *e)
{
    const struct workload *w = &workload_mysql;
    if (wl_opt_uints(ctx, w, "threads", c->counts, MYSQL_MAX_COUNTS, &c->ncounts, e) < 0 ||
        wl_opt_u64(ctx, w, "stop-gain", 2, &c->stop_gain, e) < 0 ||
        wl_opt_u64(ctx, w, "duration", 10, &c->duration, e) < 0 ||
        wl_opt_u64(ctx, w, "warmup", 5, &c->warmup, e) < 0 ||
        wl_opt_u64(ctx, w, "tables", 4, &c->tables, e) < 0 ||
        wl_opt_u64(ctx, w, "table-size", 100000, &c->table_size, e) < 0 ||
        wl_opt_size(ctx, w, "buffer-pool", 1ull << 30, &c->pool, e) < 0 ||
        wl_opt_size(ctx, w, "log-file-size", 256ull << 20, &c->logsize, e) < 0)
        return -1;
    int schema, mode;
    if (wl_opt_enum(ctx, w, "schema", MYSQL_SCHEMA_SBTEST, &schema, e) < 0 ||
        wl_opt_enum(ctx, w, "mode", MYSQL_MODE_RW, &mode, e) < 0)
        return -1;
    c->kind = (enum mysql_schema)schema;
    c->schema = mysql_schemas[c->kind];
    c->test = (enum mysql_mode)mode == MYSQL_MODE_RO ? "oltp_read_only" : "oltp_read_write";
    return mysql_bound(ctx, c, e);
}

/* A CPU option (net_cpu_pick's meaning; "all", the preset, is -1). */
static int mysql_cpu(const struct wl_ctx *ctx, const char *key, int *cpu, struct err *e)
{
    if (net_opt_pick(ctx, &workload_mysql, key, !strcmp(key, "cpu-server"), cpu, e) < 0)
        return err_wrap(e, "mysql");
    return 0;
}

/* Disk the datadir needs, roughly: the redo log, system tablespace and
 * tables (sysbench rows are ~190 bytes, plus the secondary index). */
static uint64_t mysql_disk_need(const struct mysql_cfg *c)
{
    return c->logsize + (80ull << 20) + c->tables * c->table_size * 400;
}

static double mysql_budget(const struct mysql_cfg *c)
{
    return MYSQL_READY_S + (double)c->warmup + 60.0 + (double)c->tables * c->table_size / 2000.0 +
           c->ncounts * ((double)c->duration + 120.0);
}

/* n bytes as "48 MiB" or "3.0 GiB". */
static void mysql_bytes_text(uint64_t n, char *buf, size_t len)
{
    if (n >= (1ull << 30))
        snprintf(buf, len, "%.1f GiB", (double)n / (double)(1ull << 30));
    else
        snprintf(buf, len, "%.0f MiB", (double)n / (double)(1ull << 20));
}

/* The plan's facts of the buffer pool against the data, stored with every
 * sample: mysql.bound, mysql.buffer_pool and mysql.data_est (bytes),
 * mysql.pool_data_ratio (pool / estimated data) and mysql.pool.caveat,
 * the sentence the reports print: which reads the pool holds. */
static int mysql_pool_facts(const struct mysql_cfg *c, struct kvlist *facts, struct err *e)
{
    char v[32], pool[32], data[32], say[256];
    double ratio = c->data_est ? (double)c->pool / (double)c->data_est : 0;
    mysql_bytes_text(c->pool, pool, sizeof(pool));
    mysql_bytes_text(c->data_est, data, sizeof(data));
    if (c->io_bound)
        snprintf(say, sizeof(say),
                 "bound=io: the InnoDB buffer pool (%s) is %.0f %% of the tables' ~%s (%llu rows "
                 "x ~%d B), so most reads go to the disk; the paper's 3 GB pool held every read",
                 pool, ratio * 100, data, (unsigned long long)(c->tables * c->table_size),
                 MYSQL_ROW_BYTES);
    else if (ratio >= 1)
        snprintf(say, sizeof(say),
                 "the InnoDB buffer pool (%s) holds the tables' ~%s (pool/data %.1f): reads come "
                 "from memory, as in the paper; -o mysql.bound=io makes MySQL disk-bound",
                 pool, data, ratio);
    else
        snprintf(say, sizeof(say),
                 "the InnoDB buffer pool (%s) is %.0f %% of the tables' ~%s: part of the reads go "
                 "to the disk (the paper's 3 GB pool held every read)",
                 pool, ratio * 100, data);
    if (kv_set(facts, "mysql.bound", c->io_bound ? "io" : "cache", e) < 0) return -1;
    snprintf(v, sizeof(v), "%llu", (unsigned long long)c->pool);
    if (kv_set(facts, "mysql.buffer_pool", v, e) < 0) return -1;
    snprintf(v, sizeof(v), "%llu", (unsigned long long)c->data_est);
    if (kv_set(facts, "mysql.data_est", v, e) < 0) return -1;
    snprintf(v, sizeof(v), "%.3f", ratio);
    if (kv_set(facts, "mysql.pool_data_ratio", v, e) < 0) return -1;
    return kv_set(facts, "mysql.pool.caveat", say, e);
}

static int mysql_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                       struct err *e)
{
    (void)resolved;
    struct mysql_cfg c;
    if (mysql_params(ctx, &c, e) < 0) return -1;
    int cpu;
    if (mysql_cpu(ctx, "cpu-server", &cpu, e) < 0 || mysql_cpu(ctx, "cpu-client", &cpu, e) < 0)
        return -1;
    need->mem_bytes = c.pool + (256ull << 20);
    need->disk_bytes = mysql_disk_need(&c);
    if (kv_set(&need->facts, "mysql.test", c.test, e) < 0) return -1; /* in every sample */
    /* the pool against sysbench's tables (a WordPress DB tier has none) */
    return c.kind != MYSQL_SCHEMA_SBTEST ? 0 : mysql_pool_facts(&c, &need->facts, e);
}

/* Feeds the bootstrap SQL to `mariadbd --bootstrap` on fd: the system
 * tables as mariadb-install-db does, then the benchmark's database and
 * account (CREATE USER and GRANT are refused in bootstrap mode: rows in
 * global_priv - SHUTDOWN only, 128 - and in db, the schema's privileges
 * sysbench needs). password is the job's secret (hex: no quoting). */
static int mysql_boot_sql(int fd, const char *schema, const char *password, struct err *e)
{
    static const char *const files[] = {"mysql_system_tables.sql", "mysql_performance_tables.sql",
                                        "mysql_system_tables_data.sql"};
    FILE *f = fdopen(fd, "w");
    if (!f) return err_set(e, ERR_FAIL, "fdopen: %m");
    fputs("create database if not exists mysql;\nuse mysql;\nSET @auth_root_socket=NULL;\n", f);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[300], buf[8192];
        snprintf(path, sizeof(path), "%s/%s", MYSQL_SHARE, files[i]);
        FILE *in = fopen(path, "re");
        if (!in) {
            fclose(f);
            return err_set(e, ERR_FAIL, "mysql: %s is missing (apt-get install mariadb-server)",
                           path);
        }
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, n, f);
        fclose(in);
    }
    fprintf(f,
            "CREATE DATABASE %s;\nINSERT INTO mysql.global_priv (Host,User,Priv) VALUES "
            "('%%','%s',JSON_OBJECT('access',128,'plugin','mysql_native_password',"
            "'authentication_string',PASSWORD('%s')));\n"
            "INSERT INTO mysql.db (Host,Db,User,Select_priv,Insert_priv,Update_priv,Delete_priv,"
            "Create_priv,Drop_priv,Index_priv,Alter_priv) VALUES "
            "('%%','%s','%s','Y','Y','Y','Y','Y','Y','Y','Y');\n",
            schema, MYSQL_USER, password, schema, MYSQL_USER);
    return fclose(f) == 0 ? 0 : err_set(e, ERR_FAIL, "mysql: feeding the bootstrap: %m");
}

static int mysql_bootstrap(const char *dir, const struct mysql_cfg *c, int cpu, const char *log,
                           const char *password, int unpriv, struct err *e)
{
    char dd[600], lf[64];
    snprintf(dd, sizeof(dd), "--datadir=%s", dir);
    snprintf(lf, sizeof(lf), "--innodb-log-file-size=%llu", (unsigned long long)c->logsize);
    char *argv[] = {MARIADBD,
                    "--no-defaults",
                    "--bootstrap",
                    dd,
                    "--log-warnings=0",
                    "--enforce-storage-engine=",
                    "--max_allowed_packet=8M",
                    "--net_buffer_length=16K",
                    "--lc-messages-dir=" MYSQL_SHARE,
                    lf,
                    unpriv ? NULL : "--user=root", /* mariadbd refuses root without it */
                    NULL};
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return err_set(e, ERR_FAIL, "pipe: %m");
    struct srv s cleanup_srv = {0};
    int rc = srv_start_as(&s, "mariadbd --bootstrap", argv, cpu, log, p[0], unpriv, e);
    close(p[0]);
    if (rc < 0) {
        close(p[1]);
        return -1;
    }
    if (mysql_boot_sql(p[1], c->schema, password, e) < 0) return -1;
    return srv_wait(&s, util_now() + MYSQL_READY_S, e);
}

/* 1 when a MySQL server greets on addr:port (protocol 10), its version
 * string into ver. */
static int mysql_greets(const char *addr, int port, char *ver, size_t len)
{
    struct err e = {0};
    int fd cleanup_close = net_connect(SOCK_STREAM, addr, port, 0.5, &e);
    if (fd < 0) return 0;
    net_timeouts(fd, 5.0);
    unsigned char buf[256];
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
    if (n < 6 || buf[4] != 10) return 0;
    buf[n] = '\0';
    size_t vl = strnlen((const char *)buf + 5, len - 1);
    memcpy(ver, buf + 5, vl);
    ver[vl] = '\0';
    return 1;
}

/* After the server stopped: the bytes of the schema's tablespaces (the
 * .ibd files of dir's schema directory: what sysbench loaded) as
 * mysql.data_bytes, and the
 * pool against them as mysql.pool_data_ratio_measured. Nothing when the
 * directory cannot be read (the plan's estimate stands). */
static void mysql_data_facts(const char *dir, const struct mysql_cfg *c, struct result *r)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", dir, c->schema);
    DIR *d = opendir(path);
    if (!d) return;
    uint64_t sum = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        struct stat st;
        if (l > 4 && !strcmp(de->d_name + l - 4, ".ibd") &&
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_size;
    }
    closedir(d);
    if (!sum) return;
    char v[32];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)sum);
    kv_set(&r->facts, "mysql.data_bytes", v, NULL);
    snprintf(v, sizeof(v), "%.3f", (double)c->pool / (double)sum);
    kv_set(&r->facts, "mysql.pool_data_ratio_measured", v, NULL);
}

/* mysql's server half: a fresh datadir under ctx->datadir (removed again
 * on return; the log kept only on failure), bootstraps it with the job's
 * secret, starts mariadbd pinned by cpu-server, waits for its greeting,
 * then serves until the client's shutdown or mysql_budget runs out. Adds
 * the server's CPU and data facts to r; -1 on failure. */
static int mysql_server(const struct wl_ctx *ctx, const struct mysql_cfg *c, struct result *r,
                        struct err *e)
{
    if (!ctx->datadir || !ctx->datadir[0])
        return err_set(e, ERR_USAGE, "mysql: the environment gave no data directory");
    if (!ctx->secret || !ctx->secret[0])
        return err_set(e, ERR_USAGE, "mysql: the job carries no secret for the server's account");
    int cpu;
    if (mysql_cpu(ctx, "cpu-server", &cpu, e) < 0) return -1;
    signal(SIGPIPE, SIG_IGN);
    char dir[400], log[450];
    snprintf(dir, sizeof(dir), "%s/mysql-%d", ctx->datadir, ctx->port);
    snprintf(log, sizeof(log), "%s.log", dir);
    journal_rmtree(dir); /* a datadir a killed repetition left */
    unlink(log);
    struct statvfs vfs;
    if (statvfs(ctx->datadir, &vfs) == 0 &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < mysql_disk_need(c))
        return err_set(e, ERR_FAIL, "mysql: the datadir needs about %llu MiB, %s has %llu MiB free",
                       (unsigned long long)(mysql_disk_need(c) >> 20), ctx->datadir,
                       (unsigned long long)((uint64_t)vfs.f_bavail * vfs.f_frsize >> 20));
    char why[160] = "";
    int unpriv = srv_unpriv_dir(dir, why, sizeof(why), e);
    if (unpriv < 0) return err_wrap(e, "mysql");
    kv_set(&r->facts, "mysql.user", unpriv ? "65534" : "root", NULL);
    if (!unpriv) kv_set(&r->facts, "mysql.user.why", why, NULL);
    int rc = mysql_bootstrap(dir, c, cpu, log, ctx->secret, unpriv, e);
    if (rc == 0) {
        char dd[600], port[32], bind[96], sock[450], pid[450], pool[64], lf[64], sfp[620];
        const char *addr = ctx->addr && ctx->addr[0] ? ctx->addr : "0.0.0.0";
        snprintf(dd, sizeof(dd), "--datadir=%s", dir);
        snprintf(port, sizeof(port), "--port=%d", ctx->port);
        snprintf(bind, sizeof(bind), "--bind-address=%s", addr);
        snprintf(sock, sizeof(sock), "--socket=%s/mysqld.sock", dir);
        snprintf(pid, sizeof(pid), "--pid-file=%s/mysqld.pid", dir);
        snprintf(pool, sizeof(pool), "--innodb-buffer-pool-size=%llu", (unsigned long long)c->pool);
        snprintf(lf, sizeof(lf), "--innodb-log-file-size=%llu", (unsigned long long)c->logsize);
        snprintf(sfp, sizeof(sfp), "--secure-file-priv=%s", dir);
        char *argv[] = {MARIADBD,
                        "--no-defaults",
                        dd,
                        sfp,
                        port,
                        bind,
                        sock,
                        pid,
                        pool,
                        lf,
                        "--skip-name-resolve",
                        "--max-connections=2000",
                        "--lc-messages-dir=" MYSQL_SHARE,
                        unpriv ? NULL : "--user=root",
                        NULL};
        struct srv s cleanup_srv = {0};
        rc = srv_start_as(&s, "mariadbd", argv, cpu, log, -1, unpriv, e);
        const char *at = addr[0] == '0' ? "127.0.0.1" : addr;
        char ver[128] = "";
        double until = util_now() + MYSQL_READY_S;
        while (rc == 0 && !mysql_greets(at, ctx->port, ver, sizeof(ver))) {
            if (!srv_running(&s))
                rc = srv_fail(&s, e, "exited while starting");
            else if (util_now() > until)
                rc = srv_fail(&s, e, "no greeting within %.0f s", MYSQL_READY_S);
            else
                usleep(50000);
        }
        if (rc == 0) {
            kv_set(&r->facts, "mysql.version", ver, NULL);
            kv_set(&r->facts, "mysql.datadir", dir, NULL);
            kv_set(&r->facts, "mysql.bind", addr, NULL);
            rc = srv_wait(&s, util_now() + mysql_budget(c), e);
        }
        if (rc == 0) {
            char v[32];
            snprintf(v, sizeof(v), "%.3f", srv_cpu_s(&s));
            kv_set(&r->facts, "mysql.server_cpu_s", v, NULL);
            mysql_data_facts(dir, c, r);
        }
    }
    journal_rmtree(dir);
    if (rc == 0) unlink(log); /* kept when something failed: the error names it */
    return rc < 0 ? err_wrap(e, "mysql server") : 0;
}

/* One thread count's metrics; env_cpu_s < 0: the server environment's
 * host CPU time is not known (no cost metric). */
static int mysql_add(struct result *r, int n, const struct sbench_report *s, double env_cpu_s,
                     struct err *e)
{
    char name[48];
    snprintf(name, sizeof(name), "t%d_tps", n);
    if (result_add(r, name, "trans/s", BETTER_HIGHER, s->tps, e) < 0) return -1;
    snprintf(name, sizeof(name), "t%d_lat_avg", n);
    if (result_add(r, name, "ms", BETTER_LOWER, s->lat_avg_ms, e) < 0) return -1;
    snprintf(name, sizeof(name), "t%d_lat_p95", n);
    if (result_add(r, name, "ms", BETTER_LOWER, s->lat_pct_ms, e) < 0) return -1;
    if (env_cpu_s < 0 || s->transactions == 0) return 0;
    snprintf(name, sizeof(name), "t%d_cpu_ms_per_trans", n);
    return result_add(r, name, "cpu-ms/trans", BETTER_LOWER,
                      env_cpu_s / (double)s->transactions * 1e3, e);
}

/* The server environment's host CPU seconds so far, -1 when unknown. */
static double mysql_env_cpu(const struct wl_ctx *ctx)
{
    double s;
    return ctx->hostcpu && *ctx->hostcpu && host_cpu_read(ctx->hostcpu, &s) == 0 ? s : -1;
}

/* Runs the client's sysbench sweep against t: prepare, an optional
 * warm-up (not counted), then one run per thread count, adding each to r
 * and stopping early once throughput rises less than stop-gain %; then
 * peak_tps and the thread count that reached it. -1 on the first failure
 * (sysbench's output so far is kept in r's raw text). */
static int mysql_sweep(const struct wl_ctx *ctx, const struct mysql_cfg *c, int cpu,
                       const struct sbench_target *t, struct result *r, struct err *e)
{
    enum { OUT = 16384 };
    char *out cleanup_free = malloc(OUT);
    if (!out) return err_set(e, ERR_FAIL, "out of memory");
    char ver[128] = "";
    double until = util_now() + MYSQL_READY_S + 60;
    while (!mysql_greets(ctx->addr, ctx->port, ver, sizeof(ver)))
        if (util_now() > until)
            return err_set(e, ERR_FAIL, "mysql client: no server greeted on %s:%d", ctx->addr,
                           ctx->port);
    int rc =
        sbench_prepare(t, cpu, 600.0 + (double)c->tables * c->table_size / 1000.0, out, OUT, e);
    result_raw_append(r, "# sysbench prepare\n");
    result_raw_append(r, out);
    if (rc < 0) return -1;
    struct sbench_report s;
    if (c->warmup > 0) {
        int wt = c->counts[c->ncounts - 1] < 8 ? c->counts[c->ncounts - 1] : 8;
        rc = sbench_run(t, wt, (int)c->warmup, cpu, out, OUT, &s, e);
        result_raw_append(r, "# sysbench warm-up (not counted)\n");
        result_raw_append(r, out);
        if (rc < 0) return err_wrap(e, "warm-up");
    }
    double best = 0;
    int best_n = 0;
    for (int i = 0; i < c->ncounts; i++) {
        double env0 = mysql_env_cpu(ctx);
        rc = sbench_run(t, c->counts[i], (int)c->duration, cpu, out, OUT, &s, e);
        double env1 = env0 < 0 ? -1 : mysql_env_cpu(ctx);
        char hdr[64];
        snprintf(hdr, sizeof(hdr), "# sysbench --threads=%d\n", c->counts[i]);
        result_raw_append(r, hdr);
        result_raw_append(r, out);
        if (rc < 0) return err_wrap(e, "%d threads", c->counts[i]);
        if (s.ignored_errors || s.reconnects) {
            char k[48], v[48];
            snprintf(k, sizeof(k), "mysql.t%d_errors", c->counts[i]);
            snprintf(v, sizeof(v), "%llu ignored, %llu reconnects",
                     (unsigned long long)s.ignored_errors, (unsigned long long)s.reconnects);
            kv_set(&r->facts, k, v, NULL);
        }
        if (mysql_add(r, c->counts[i], &s, env1 < 0 ? -1 : env1 - env0, e) < 0) return -1;
        wl_units(r, (double)s.transactions);
        int rising = s.tps >= best * (1.0 + (double)c->stop_gain / 100.0);
        if (s.tps > best) best = s.tps, best_n = c->counts[i];
        if (c->stop_gain > 0 && i >= 1 && !rising) { /* throughput stopped rising */
            char list[256] = "";
            for (int k = 0; k <= i; k++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", k ? "," : "",
                         c->counts[k]);
            kv_set(&r->facts, "mysql.settle.threads", list, NULL);
            break;
        }
    }
    if (c->stop_gain > 0) kv_set(&r->facts, "mysql.settle.stop-gain", "0", NULL);
    kv_set(&r->facts, "mysql.sysbench_version", s.version, NULL);
    if (result_add(r, "peak_tps", "trans/s", BETTER_HIGHER, best, e) < 0) return -1;
    char v[16];
    snprintf(v, sizeof(v), "%d", best_n);
    kv_set(&r->facts, "mysql.peak_threads", v, NULL);
    return 0;
}

static int mysql_serve(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct mysql_cfg c;
    return mysql_params(ctx, &c, e) < 0 ? -1 : mysql_server(ctx, &c, r, e);
}

/* mysql's client half: writes the job's secret to option files only its
 * children read, runs the sweep (mysql_sweep), then always shuts the
 * server down with mariadb-admin so its half returns. Returns the
 * sweep's result, or ERR_FAIL if it succeeded but the shutdown failed. */
static int mysql_drive(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct mysql_cfg c;
    if (mysql_params(ctx, &c, e) < 0) return -1;
    int cpu;
    if (mysql_cpu(ctx, "cpu-client", &cpu, e) < 0) return -1;
    if (!ctx->secret || !ctx->secret[0])
        return err_set(e, ERR_USAGE, "mysql: the job carries no secret for the server's account");
    /* the password in option files only this process's children read:
     * sysbench's --config-file and mariadb-admin's --defaults-file */
    char line[128], sbconf[48], myconf[48];
    snprintf(line, sizeof(line), "mysql-password=%s\n", ctx->secret);
    int sfd cleanup_close = srv_secret_file(line, sbconf, sizeof(sbconf), e);
    snprintf(line, sizeof(line), "[client]\npassword=%s\n", ctx->secret);
    int mfd cleanup_close = sfd < 0 ? -1 : srv_secret_file(line, myconf, sizeof(myconf), e);
    explicit_bzero(line, sizeof(line));
    if (mfd < 0) return err_wrap(e, "mysql client");
    struct sbench_target t = {.addr = ctx->addr,
                              .port = ctx->port,
                              .user = MYSQL_USER,
                              .conf = sbconf,
                              .db = c.schema,
                              .tables = (int)c.tables,
                              .table_size = c.table_size,
                              .test = c.test};
    int rc = mysql_sweep(ctx, &c, cpu, &t, r, e);
    /* Always end the server, so its half returns now. */
    char port[16], host[96], defs[64], out[1024];
    snprintf(port, sizeof(port), "--port=%d", ctx->port);
    snprintf(host, sizeof(host), "--host=%s", ctx->addr);
    snprintf(defs, sizeof(defs), "--defaults-file=%s", myconf);
    char *argv[] = {MARIADB_ADMIN,
                    defs,
                    "--protocol=tcp",
                    host,
                    port,
                    "--user=" MYSQL_USER,
                    "--connect-timeout=10",
                    "shutdown",
                    NULL};
    struct err se = {0};
    int st = srv_capture(argv, -1, 60.0, out, sizeof(out), &se);
    if (rc == 0 && st != 0)
        return err_set(e, ERR_FAIL, "mysql client: mariadb-admin shutdown failed: %s",
                       st < 0 ? se.msg : out);
    return rc;
}

static const char *const mysql_files[] = {MARIADBD, MYSQL_SHARE, NULL};

static const char *const mysql_headline[] = {"peak_tps", NULL};

const struct workload workload_mysql = {
    .unit = "transaction",
    .name = "mysql",
    .unavailable = mysql_unavailable,
    .summary = "real MariaDB server in the environment, sysbench OLTP (read-only or read-write) "
               "from the peer",
    .opts = mysql_opts,
    .net = 1,
    .headline = mysql_headline,
    .data = 1,
    .guest_files = mysql_files,
    .check = mysql_check,
    .settles = (const char *const[]){"threads", "stop-gain", NULL},
    .server = mysql_serve,
    .client = mysql_drive,
};
