#include "core/store.h"
#include "core/store_priv.h"

#include "core/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Version 4: scenarios - a sample's tenant (which of the several live
 * environment instances measured it) and step (the swept parameter's
 * value); '' for a plain run's samples. */
#define STORE_V4_SQL                                                                               \
    "ALTER TABLE measurements ADD COLUMN tenant TEXT NOT NULL DEFAULT '';"                         \
    "ALTER TABLE measurements ADD COLUMN step TEXT NOT NULL DEFAULT '';"

/* Version 3: pairs a run does not measure by design ("n/a: reason"). */
#define STORE_V3_SQL                                                                               \
    "CREATE TABLE run_na(run_id INTEGER NOT NULL REFERENCES runs(id), workload TEXT NOT NULL,"     \
    " env TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(run_id, workload, env));"

static const char schema[] =
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, uuid TEXT UNIQUE NOT NULL, started TEXT NOT NULL,"
    " finished TEXT, status TEXT NOT NULL, command TEXT, size TEXT, repetitions INTEGER);"
    "CREATE TABLE run_facts(run_id INTEGER NOT NULL REFERENCES runs(id), key TEXT NOT NULL,"
    " value TEXT, PRIMARY KEY(run_id, key));"
    "CREATE TABLE run_envs(run_id INTEGER NOT NULL REFERENCES runs(id), idx INTEGER NOT NULL,"
    " spec TEXT NOT NULL, PRIMARY KEY(run_id, idx));"
    "CREATE TABLE env_facts(run_id INTEGER NOT NULL, env_idx INTEGER NOT NULL, key TEXT NOT NULL,"
    " value TEXT, PRIMARY KEY(run_id, env_idx, key));"
    "CREATE TABLE run_workloads(run_id INTEGER NOT NULL REFERENCES runs(id), idx INTEGER NOT NULL,"
    " workload TEXT NOT NULL, options TEXT, PRIMARY KEY(run_id, idx));"
    "CREATE TABLE measurements(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),"
    " workload TEXT NOT NULL, env TEXT NOT NULL, rep INTEGER NOT NULL, warmup INTEGER NOT NULL,"
    " ok INTEGER NOT NULL, error TEXT, measured TEXT NOT NULL, wall_s REAL);"
    "CREATE TABLE metrics(measurement_id INTEGER NOT NULL REFERENCES measurements(id),"
    " name TEXT NOT NULL, unit TEXT NOT NULL, better TEXT NOT NULL, value REAL NOT NULL);"
    "CREATE TABLE measurement_facts(measurement_id INTEGER NOT NULL REFERENCES measurements(id),"
    " key TEXT NOT NULL, value TEXT);"
    "CREATE INDEX meas_run ON measurements(run_id);"
    /* version 2 */
    "CREATE TABLE measurement_raw(measurement_id INTEGER PRIMARY KEY REFERENCES measurements(id),"
    " output TEXT NOT NULL);"
    "CREATE INDEX metrics_meas ON metrics(measurement_id);"
    /* version 3 */
    STORE_V3_SQL
        /* version 4 */
        STORE_V4_SQL;

static int db_fail(struct store *st, struct err *e, const char *what)
{
    return err_set(e, ERR_FAIL, "database %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static int exec_sql(struct store *st, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_FAIL, "database %s: %s", st->path, msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int pragma_int(struct store *st, const char *sql, int *out)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int mkdir_parents(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

/* 1 when root runs isobench and dir is some other user's (sudo kept
 * HOME or XDG_DATA_HOME): root's files do not go there. */
static int others_dir(const char *dir)
{
    struct stat sb;
    return geteuid() == 0 && stat(dir, &sb) == 0 && sb.st_uid != 0;
}

void store_default_path(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg && others_dir(xdg)) xdg = NULL;
    if (home && *home && others_dir(home)) {
        struct passwd *pw = getpwuid(0);
        home = pw && pw->pw_dir ? pw->pw_dir : "/root";
    }
    if (xdg && *xdg)
        snprintf(buf, len, "%s/isobench/results.db", xdg);
    else
        snprintf(buf, len, "%s/.local/share/isobench/results.db", home && *home ? home : "/root");
}

/* Checks that an existing, non-empty database is ours and sound. */
static int store_verify(struct store *st, struct err *e)
{
    int app = 0, ver = 0, ntables = 0;
    if (pragma_int(st, "PRAGMA application_id", &app) < 0)
        return err_set(e, ERR_USAGE, "%s is corrupt or not a database: %s", st->path,
                       sqlite3_errmsg(st->db));
    if (pragma_int(st, "SELECT count(*) FROM sqlite_master", &ntables) < 0)
        return err_set(e, ERR_USAGE, "%s is corrupt: %s", st->path, sqlite3_errmsg(st->db));
    if (ntables == 0 && app == 0) return 1; /* empty: ours to initialise */
    if (app != STORE_APP_ID)
        return err_set(e, ERR_USAGE, "%s is not an isobench database (left untouched)", st->path);
    pragma_int(st, "PRAGMA user_version", &ver);
    if (st->ro && ver < STORE_VERSION) /* read-only: never upgraded */
        return err_set(e, ERR_USAGE,
                       "%s has schema version %d: a run with this isobench upgrades it first",
                       st->path, ver);
    if (ver == 1) { /* v2 only adds a table: upgrade in place, nothing stored changes */
        if (exec_sql(st,
                     "BEGIN; CREATE TABLE measurement_raw(measurement_id INTEGER PRIMARY KEY"
                     " REFERENCES measurements(id), output TEXT NOT NULL);"
                     " PRAGMA user_version=2; COMMIT;",
                     e) < 0) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return err_wrap(e, "upgrading the schema from version 1");
        }
        ver = 2;
    }
    if (ver == 2) { /* v3 only adds a table */
        if (exec_sql(st, "BEGIN; " STORE_V3_SQL " PRAGMA user_version=3; COMMIT;", e) < 0) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return err_wrap(e, "upgrading the schema from version 2");
        }
        ver = 3;
    }
    if (ver == 3) { /* v4 adds two columns with defaults: old samples are plain ones */
        if (exec_sql(st, "BEGIN; " STORE_V4_SQL " PRAGMA user_version=4; COMMIT;", e) < 0) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return err_wrap(e, "upgrading the schema from version 3");
        }
        ver = 4;
    }
    if (ver != STORE_VERSION)
        return err_set(e, ERR_USAGE, "%s has schema version %d, this isobench knows %d", st->path,
                       ver, STORE_VERSION);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL) != SQLITE_OK)
        return err_set(e, ERR_USAGE, "%s is corrupt: %s", st->path, sqlite3_errmsg(st->db));
    int ok =
        sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
    sqlite3_finalize(s);
    if (!ok) return err_set(e, ERR_USAGE, "%s is corrupt (quick_check failed)", st->path);
    return 0;
}

int store_marked_dead(const struct store *st)
{
    return st->marked_dead;
}

/* ERR_USAGE when path, its -wal or its -shm is a symbolic link (a
 * database opened through one writes wherever it points). */
static int refuse_links(const char *path, struct err *e)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[4200];
        struct stat sb;
        snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
        if (lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode))
            return err_set(e, ERR_USAGE, "%s is a symbolic link: refused (name the file itself)",
                           p);
    }
    return 0;
}

/* Makes the database file, 0600, before SQLite opens it (its -wal and
 * -shm take the same mode): results may name this host's hardware and
 * the commands run; only the owner reads them. */
static int create_file(const char *path, struct err *e)
{
    if (mkdir_parents(path) < 0)
        return err_sys(e, ERR_USAGE, errno, "cannot create the directory of %s", path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return err_sys(e, ERR_USAGE, errno, "cannot create %s", path);
    if (fd >= 0) close(fd);
    return 0;
}

int store_open(const char *path, enum store_mode mode, struct store **out, struct err *e)
{
    if (refuse_links(path, e) < 0) return -1;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (!exists && mode != STORE_CREATE)
        return err_set(e, ERR_USAGE, "no database at %s (nothing has been run yet?)", path);
    if (!exists && create_file(path, e) < 0) return -1;
    struct store *st = calloc(1, sizeof(*st));
    if (!st) return err_set(e, ERR_FAIL, "out of memory");
    snprintf(st->path, sizeof(st->path), "%s", path);
    st->ro = mode == STORE_RO;
    int flags = st->ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
        err_set(e, ERR_USAGE, "cannot open database %s: %s", path,
                st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_close(st);
        return -1;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    if (exec_sql(st, "PRAGMA trusted_schema=OFF", e) < 0) {
        store_close(st);
        return -1;
    }
    int fresh = store_verify(st, e);
    if (fresh >= 0 && st->ro && fresh) {
        fresh = err_set(e, ERR_USAGE, "%s holds no runs yet", path);
    }
    if (fresh < 0) {
        store_close(st);
        return -1;
    }
    if (!st->ro &&
        exec_sql(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
                 e) < 0) {
        e->code = ERR_USAGE;
        store_close(st);
        return -1;
    }
    if (fresh) {
        char init[128];
        snprintf(init, sizeof(init), "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 STORE_APP_ID, STORE_VERSION);
        if (exec_sql(st, "BEGIN", e) < 0 || exec_sql(st, schema, e) < 0 ||
            exec_sql(st, init, e) < 0 || exec_sql(st, "COMMIT", e) < 0) {
            e->code = ERR_USAGE;
            store_close(st);
            return -1;
        }
    }
    struct err me = {0};
    if (!fresh && !st->ro) /* best effort: a read-only copy stays as it is */
        store_mark_dead(st, &st->marked_dead, &me);
    *out = st;
    return 0;
}

void store_close(struct store *st)
{
    if (!st) return;
    sqlite3_close(st->db);
    free(st);
}

/* Prepares sql, binds text/int args by a tiny format ("t" text, "i" int64,
 * "d" double), steps it once. Returns 0 on DONE/ROW. */
static int run_stmt(struct store *st, struct err *e, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, e, "prepare");
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't')
            sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        else if (fmt[i] == 'i')
            sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
        else
            sqlite3_bind_double(s, i + 1, va_arg(ap, double));
    }
    va_end(ap);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db_fail(st, e, "write");
    return 0;
}

int store_mark_dead(struct store *st, int *marked, struct err *e)
{
    *marked = 0;
    char host[256] = "";
    gethostname(host, sizeof(host));
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT r.id, p.value, t.value, h.value FROM runs r"
                           " JOIN run_facts p ON p.run_id = r.id AND p.key = 'runner_pid'"
                           " JOIN run_facts t ON t.run_id = r.id AND t.key = 'runner_start'"
                           " LEFT JOIN run_facts h ON h.run_id = r.id AND h.key = 'hostname'"
                           " WHERE r.status = 'running'",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, e, "reading runs");
    int64_t dead[64];
    int n = 0;
    while (n < 64 && sqlite3_step(s) == SQLITE_ROW) {
        const char *pid = (const char *)sqlite3_column_text(s, 1);
        const char *start = (const char *)sqlite3_column_text(s, 2);
        const char *h = (const char *)sqlite3_column_text(s, 3);
        if (!pid || !start || (h && strcmp(h, host))) continue; /* another host's run */
        unsigned long long now = journal_starttime((pid_t)atoi(pid));
        if (now == 0 || now != strtoull(start, NULL, 10)) dead[n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    char when[32];
    util_iso_time(when, sizeof(when));
    for (int i = 0; i < n; i++)
        if (run_stmt(st, e,
                     "UPDATE runs SET status='interrupted', finished=? WHERE id=?"
                     " AND status='running'",
                     "ti", when, dead[i]) < 0)
            return -1;
    *marked = n;
    return 0;
}

int store_run_resume(struct store *st, int64_t run_id, const struct kvlist *host, struct err *e)
{
    static const char *const keys[] = {"runner_pid", "runner_start", NULL};
    if (run_stmt(st, e, "UPDATE runs SET status='running', finished=NULL WHERE id=?", "i", run_id) <
        0)
        return -1;
    for (int i = 0; keys[i]; i++) {
        const char *v = kv_get(host, keys[i]);
        if (v && store_run_fact(st, run_id, keys[i], v, e) < 0) return -1;
    }
    return run_stmt(st, e,
                    "INSERT INTO run_facts VALUES(?, 'resumed', 1) ON CONFLICT(run_id, key)"
                    " DO UPDATE SET value = value + 1",
                    "i", run_id);
}

int store_has_sample(struct store *st, int64_t run_id, const char *workload, const char *env,
                     int rep)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT 1 FROM measurements WHERE run_id=? AND workload=? AND env=?"
                           " AND rep=? LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_text(s, 2, workload, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, env, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, rep);
    int found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return found;
}

int store_wall_history(struct store *st, const char *workload, const char *env, int size,
                       const char *cpu_model, double *median_s, int *n, struct err *e)
{
    *median_s = 0;
    *n = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT m.wall_s FROM measurements m JOIN runs r ON r.id = m.run_id"
                           " JOIN run_facts f ON f.run_id = r.id AND f.key = 'cpu_model'"
                           " WHERE m.workload = ? AND m.env = ? AND r.size = ? AND f.value = ?"
                           " AND m.ok = 1 AND m.warmup = 0 AND m.tenant = '' AND m.wall_s > 0"
                           " ORDER BY m.wall_s LIMIT 4096",
                           -1, &s, NULL) != SQLITE_OK)
        return err_set(e, ERR_FAIL, "store: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, workload, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, env, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, size_str(size), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, cpu_model ? cpu_model : "", -1, SQLITE_TRANSIENT);
    static double v[4096]; /* one run at a time: the CLI thread only */
    int k = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && k < 4096)
        v[k++] = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return err_set(e, ERR_FAIL, "store: %s", sqlite3_errmsg(st->db));
    *n = k;
    if (k) *median_s = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
    return 0;
}

int store_env_fact(struct store *st, int64_t run_id, int idx, const char *key, const char *value,
                   struct err *e)
{
    return run_stmt(st, e, "INSERT OR REPLACE INTO env_facts VALUES(?,?,?,?)", "iitt", run_id,
                    (int64_t)idx, key, value);
}

int store_run_fact(struct store *st, int64_t run_id, const char *key, const char *value,
                   struct err *e)
{
    return run_stmt(st, e, "INSERT OR REPLACE INTO run_facts VALUES(?,?,?)", "itt", run_id, key,
                    value);
}

static int put_facts(struct store *st, const char *sql, int64_t a, int64_t b, int two,
                     const struct kvlist *l, struct err *e)
{
    for (int i = 0; l && i < l->n; i++) {
        int rc = two ? run_stmt(st, e, sql, "iitt", a, b, l->v[i].key, l->v[i].val)
                     : run_stmt(st, e, sql, "itt", a, l->v[i].key, l->v[i].val);
        if (rc < 0) return -1;
    }
    return 0;
}

/* Runs body inside one transaction; rolls back on failure. */
#define IN_TX(st, e, body)                                                                         \
    do {                                                                                           \
        if (exec_sql(st, "BEGIN IMMEDIATE", e) < 0) return -1;                                     \
        if ((body) < 0) {                                                                          \
            exec_sql(st, "ROLLBACK", NULL);                                                        \
            return -1;                                                                             \
        }                                                                                          \
        return exec_sql(st, "COMMIT", e);                                                          \
    } while (0)

static int run_begin_body(struct store *st, const char *uuid, const char *command, int size,
                          int reps, const struct kvlist *host, int64_t *run_id, struct err *e)
{
    char now[32];
    util_iso_time(now, sizeof(now));
    if (run_stmt(st, e,
                 "INSERT INTO runs(uuid, started, status, command, size, repetitions)"
                 " VALUES(?,?,'running',?,?,?)",
                 "tttti", uuid, now, command, size_str(size), (int64_t)reps) < 0)
        return -1;
    *run_id = sqlite3_last_insert_rowid(st->db);
    return put_facts(st, "INSERT INTO run_facts VALUES(?,?,?)", *run_id, 0, 0, host, e);
}

int store_run_begin(struct store *st, const char *uuid, const char *command, int size, int reps,
                    const struct kvlist *host, int64_t *run_id, struct err *e)
{
    IN_TX(st, e, run_begin_body(st, uuid, command, size, reps, host, run_id, e));
}

static int run_env_body(struct store *st, int64_t run_id, int idx, const char *spec,
                        const struct kvlist *facts, struct err *e)
{
    if (run_stmt(st, e, "INSERT OR REPLACE INTO run_envs VALUES(?,?,?)", "iit", run_id,
                 (int64_t)idx, spec) < 0)
        return -1;
    return put_facts(st, "INSERT OR REPLACE INTO env_facts VALUES(?,?,?,?)", run_id, idx, 1, facts,
                     e);
}

int store_run_env(struct store *st, int64_t run_id, int idx, const char *spec,
                  const struct kvlist *facts, struct err *e)
{
    IN_TX(st, e, run_env_body(st, run_id, idx, spec, facts, e));
}

/* "k=v;k=v" of opts into buf (sized for any kvlist). */
static void opts_string(const struct kvlist *opts, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; i < opts->n; i++) {
        size_t off = strlen(buf);
        snprintf(buf + off, len - off, "%s%s=%s", i ? ";" : "", opts->v[i].key, opts->v[i].val);
    }
}

#define OPTS_MAX (KV_MAX * (sizeof(((struct kvlist *)0)->v[0]) + 1) + 1)

int store_run_workload(struct store *st, int64_t run_id, int idx, const char *workload,
                       const struct kvlist *opts, struct err *e)
{
    char *buf cleanup_free = malloc(OPTS_MAX);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    opts_string(opts, buf, OPTS_MAX);
    return run_stmt(st, e, "INSERT INTO run_workloads VALUES(?,?,?,?)", "iitt", run_id,
                    (int64_t)idx, workload, buf);
}

int store_run_workload_update(struct store *st, int64_t run_id, int idx, const struct kvlist *opts,
                              struct err *e)
{
    char *buf cleanup_free = malloc(OPTS_MAX);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    opts_string(opts, buf, OPTS_MAX);
    return run_stmt(st, e, "UPDATE run_workloads SET options=? WHERE run_id=? AND idx=?", "tii",
                    buf, run_id, (int64_t)idx);
}

int store_run_na(struct store *st, int64_t run_id, const char *workload, const char *env,
                 const char *reason, struct err *e)
{
    return run_stmt(st, e, "INSERT OR REPLACE INTO run_na VALUES(?,?,?,?)", "ittt", run_id,
                    workload, env, reason);
}

static int measurement_body(struct store *st, int64_t run_id, const struct store_where *at, int rep,
                            int warmup, double wall_s, const struct reply *r, struct err *e)
{
    char now[32];
    util_iso_time(now, sizeof(now));
    if (run_stmt(st, e,
                 "INSERT INTO measurements(run_id, workload, env, rep, warmup, ok, error, measured,"
                 " wall_s, tenant, step) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                 "ittiiittdtt", run_id, at->workload, at->env, (int64_t)rep, (int64_t)warmup,
                 (int64_t)r->ok, r->ok ? "" : r->err.msg, now, wall_s, at->tenant ? at->tenant : "",
                 at->step ? at->step : "") < 0)
        return -1;
    int64_t mid = sqlite3_last_insert_rowid(st->db);
    for (int i = 0; r->ok && i < r->res.n; i++) {
        const struct metric *m = &r->res.m[i];
        if (run_stmt(st, e, "INSERT INTO metrics VALUES(?,?,?,?,?)", "itttd", mid, m->name, m->unit,
                     better_str(m->better), m->value) < 0)
            return -1;
    }
    if (r->ok && r->res.raw[0] &&
        run_stmt(st, e, "INSERT INTO measurement_raw VALUES(?,?)", "it", mid, r->res.raw) < 0)
        return -1;
    return put_facts(st, "INSERT INTO measurement_facts VALUES(?,?,?)", mid, 0, 0, &r->res.facts,
                     e);
}

int store_measurement(struct store *st, int64_t run_id, const char *workload, const char *env,
                      int rep, int warmup, double wall_s, const struct reply *r, struct err *e)
{
    struct store_where at = {.workload = workload, .env = env};
    IN_TX(st, e, measurement_body(st, run_id, &at, rep, warmup, wall_s, r, e));
}

int store_measurement_at(struct store *st, int64_t run_id, const struct store_where *at, int rep,
                         double wall_s, const struct reply *r, struct err *e)
{
    IN_TX(st, e, measurement_body(st, run_id, at, rep, 0, wall_s, r, e));
}

int store_run_end(struct store *st, int64_t run_id, const char *status, struct err *e)
{
    char now[32];
    util_iso_time(now, sizeof(now));
    return run_stmt(st, e, "UPDATE runs SET finished=?, status=? WHERE id=?", "tti", now, status,
                    run_id);
}
