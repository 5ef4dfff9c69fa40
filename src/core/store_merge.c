/* store_merge.c - several hosts' result databases into one: runs keyed by
 * their uuid, so that merging twice changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store.h"
#include "core/store_priv.h"

/* Prepares sql on db, binds ?1..?3 to a, b, c (as many as it names),
 * steps it to the end. 0, or -1 with e. */
static int exec3(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t c, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return err_set(e, ERR_FAIL, "merge: %s", sqlite3_errmsg(db));
    int np = sqlite3_bind_parameter_count(s);
    int64_t v[3] = {a, b, c};
    for (int i = 0; i < np && i < 3; i++)
        sqlite3_bind_int64(s, i + 1, v[i]);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : err_set(e, ERR_FAIL, "merge: %s", sqlite3_errmsg(db));
}

/* The first column of sql's first row as an integer (?1 bound to a). */
static int64_t query1(sqlite3 *db, const char *sql, int64_t a)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) return -1;
    if (sqlite3_bind_parameter_count(s)) sqlite3_bind_int64(s, 1, a);
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Refuses an existing out that is no isobench database of this schema
 * version, without changing it (store_open would upgrade an older one). */
static int check_out(const char *out, struct err *e)
{
    struct stat sb;
    if (lstat(out, &sb) < 0) return errno == ENOENT ? 0 : err_sys(e, ERR_USAGE, errno, "%s", out);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return err_set(e, ERR_USAGE, "merge: cannot open %s (nothing merged)", out);
    }
    int64_t app = query1(db, "PRAGMA application_id", 0);
    int64_t ver = query1(db, "PRAGMA user_version", 0);
    int64_t tables = query1(db, "SELECT count(*) FROM sqlite_master", 0);
    sqlite3_close(db);
    if (tables == 0 && app == 0) return 0; /* empty: store_open makes it ours */
    if (app != STORE_APP_ID)
        return err_set(e, ERR_USAGE, "merge: %s is not an isobench database (nothing merged)", out);
    if (ver != STORE_VERSION)
        return err_set(e, ERR_USAGE,
                       "merge: %s has schema version %lld, this isobench writes %d: refused "
                       "(nothing merged)",
                       out, (long long)ver, STORE_VERSION);
    return 0;
}

/* Checks input path: an isobench database of this schema version (the
 * store's own read-only checks), not out itself. */
static int check_in(const char *path, const char *out, struct err *e)
{
    struct stat a, b;
    if (stat(path, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return err_set(e, ERR_USAGE, "merge: %s is the output database itself", path);
    struct store *st;
    if (store_open(path, STORE_RO, &st, e) < 0) {
        int ver = -1;
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
            ver = (int)query1(db, "PRAGMA user_version", 0);
        sqlite3_close(db);
        if (ver >= 0 && ver != STORE_VERSION)
            return err_set(e, ERR_USAGE,
                           "merge: %s has schema version %d, %s and this isobench have %d: "
                           "refused (nothing merged; open it with the isobench that wrote it)",
                           path, ver, out, STORE_VERSION);
        return err_wrap(e, "merge (nothing merged)");
    }
    store_close(st);
    return 0;
}

#define SAMPLES_OF(db, id) "(SELECT count(*) FROM " db ".measurements WHERE run_id = " id ")"

/* Runs of src that out holds under the same uuid with another status or
 * sample count: ERR_USAGE naming the first. */
static int check_conflicts(struct store *st, const char *path, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT s.uuid, s.status, m.status FROM src.runs s"
                           " JOIN main.runs m ON m.uuid = s.uuid"
                           " WHERE s.status <> m.status OR " SAMPLES_OF(
                               "src", "s.id") " <> " SAMPLES_OF("main", "m.id") " LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return err_set(e, ERR_FAIL, "merge: %s", sqlite3_errmsg(st->db));
    int rc = 0;
    if (sqlite3_step(s) == SQLITE_ROW)
        rc = err_set(e, ERR_USAGE,
                     "merge: run %s differs between %s (%s) and %s (%s): refused (nothing merged)",
                     (const char *)sqlite3_column_text(s, 0), path,
                     (const char *)sqlite3_column_text(s, 1), st->path,
                     (const char *)sqlite3_column_text(s, 2));
    sqlite3_finalize(s);
    return rc;
}

/* The rows of run sid of src, copied under run id nid; samples shifted
 * by off so that their ids follow out's. */
static int copy_run(sqlite3 *db, int64_t sid, struct err *e)
{
    static const char *const sql[] = {
        "INSERT INTO main.run_facts(run_id, key, value) SELECT ?2, key, value FROM src.run_facts"
        " WHERE run_id = ?1",
        "INSERT INTO main.run_envs(run_id, idx, spec) SELECT ?2, idx, spec FROM src.run_envs"
        " WHERE run_id = ?1",
        "INSERT INTO main.env_facts(run_id, env_idx, key, value) SELECT ?2, env_idx, key, value"
        " FROM src.env_facts WHERE run_id = ?1",
        "INSERT INTO main.run_workloads(run_id, idx, workload, options) SELECT ?2, idx, workload,"
        " options FROM src.run_workloads WHERE run_id = ?1",
        "INSERT INTO main.run_na(run_id, workload, env, reason) SELECT ?2, workload, env, reason"
        " FROM src.run_na WHERE run_id = ?1",
        "INSERT INTO main.measurements(id, run_id, workload, env, rep, warmup, ok, error, measured,"
        " wall_s, tenant, step) SELECT id + ?3, ?2, workload, env, rep, warmup, ok, error,"
        " measured, wall_s, tenant, step FROM src.measurements WHERE run_id = ?1",
        "INSERT INTO main.metrics(measurement_id, name, unit, better, value) SELECT"
        " measurement_id + ?3, name, unit, better, value FROM src.metrics WHERE measurement_id IN"
        " (SELECT id FROM src.measurements WHERE run_id = ?1)",
        "INSERT INTO main.measurement_facts(measurement_id, key, value) SELECT measurement_id + ?3,"
        " key, value FROM src.measurement_facts WHERE measurement_id IN"
        " (SELECT id FROM src.measurements WHERE run_id = ?1)",
        "INSERT INTO main.measurement_raw(measurement_id, output) SELECT measurement_id + ?3,"
        " output FROM src.measurement_raw WHERE measurement_id IN"
        " (SELECT id FROM src.measurements WHERE run_id = ?1)",
        NULL,
    };
    if (exec3(db,
              "INSERT INTO main.runs(uuid, started, finished, status, command, size, repetitions)"
              " SELECT uuid, started, finished, status, command, size, repetitions FROM src.runs"
              " WHERE id = ?1",
              sid, 0, 0, e) < 0)
        return -1;
    int64_t nid = sqlite3_last_insert_rowid(db);
    int64_t top = query1(db, "SELECT coalesce(max(id), 0) FROM main.measurements", 0);
    int64_t low =
        query1(db, "SELECT coalesce(min(id), 1) FROM src.measurements WHERE run_id = ?1", sid);
    for (int i = 0; sql[i]; i++)
        if (exec3(db, sql[i], sid, nid, top - low + 1, e) < 0) return -1;
    return 0;
}

/* Copies src's runs out does not hold, in one transaction. */
static int merge_one(struct store *st, struct store_merge_count *n, struct err *e)
{
    sqlite3_stmt *s;
    if (exec3(st->db, "BEGIN IMMEDIATE", 0, 0, 0, e) < 0) return -1;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT s.id, m.id IS NOT NULL FROM src.runs s"
                           " LEFT JOIN main.runs m ON m.uuid = s.uuid ORDER BY s.id",
                           -1, &s, NULL) != SQLITE_OK) {
        exec3(st->db, "ROLLBACK", 0, 0, 0, NULL);
        return err_set(e, ERR_FAIL, "merge: %s", sqlite3_errmsg(st->db));
    }
    int rc = 0, added = 0, present = 0;
    while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
        if (sqlite3_column_int(s, 1)) {
            present++;
            continue;
        }
        rc = copy_run(st->db, sqlite3_column_int64(s, 0), e);
        added++;
    }
    sqlite3_finalize(s);
    if (rc < 0 || exec3(st->db, "COMMIT", 0, 0, 0, e) < 0) {
        exec3(st->db, "ROLLBACK", 0, 0, 0, NULL);
        return -1;
    }
    n->added += added;
    n->present += present;
    return 0;
}

/* ATTACHes path as src, runs fn (check or merge), DETACHes. */
static int with_src(struct store *st, const char *path, int merge, struct store_merge_count *n,
                    struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "ATTACH DATABASE ?1 AS src", -1, &s, NULL) != SQLITE_OK)
        return err_set(e, ERR_FAIL, "merge: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return err_set(e, ERR_USAGE, "merge: cannot attach %s: %s", path, sqlite3_errmsg(st->db));
    rc = merge ? merge_one(st, n, e) : check_conflicts(st, path, e);
    struct err de = {0};
    if (exec3(st->db, "DETACH DATABASE src", 0, 0, 0, &de) < 0 && rc == 0) {
        *e = de;
        rc = -1;
    }
    return rc;
}

int store_merge(const char *out, const char *const *in, int nin, struct store_merge_count *n,
                struct err *e)
{
    memset(n, 0, sizeof(*n));
    if (check_out(out, e) < 0) return -1;
    for (int i = 0; i < nin; i++)
        if (check_in(in[i], out, e) < 0) return -1;
    struct store *st;
    if (store_open(out, STORE_CREATE, &st, e) < 0) return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < nin; i++) /* every input checked before any is copied */
        rc = with_src(st, in[i], 0, n, e);
    for (int i = 0; rc == 0 && i < nin; i++)
        rc = with_src(st, in[i], 1, n, e);
    if (rc == 0) n->total = (int)query1(st->db, "SELECT count(*) FROM runs", 0);
    store_close(st);
    return rc;
}

int store_runs_by_host(struct store *st, int64_t *ids, int max, int *n, struct err *e)
{
    sqlite3_stmt *s;
    *n = 0;
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT max(r.id) FROM runs r"
            " LEFT JOIN run_facts h ON h.run_id = r.id AND h.key = 'host_id'"
            " LEFT JOIN run_facts m ON m.run_id = r.id AND m.key = 'hostname'"
            " WHERE r.status IN ('complete', 'failed') AND NOT EXISTS (SELECT 1 FROM run_facts x"
            " WHERE x.run_id = r.id AND x.key = 'scenario')"
            " GROUP BY coalesce('id:' || h.value, 'name:' || m.value, 'run:' || r.id) ORDER BY 1",
            -1, &s, NULL) != SQLITE_OK)
        return err_set(e, ERR_FAIL, "database %s: %s", st->path, sqlite3_errmsg(st->db));
    int rc, more = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n < max)
            ids[(*n)++] = sqlite3_column_int64(s, 0);
        else
            more = 1;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return err_set(e, ERR_FAIL, "database %s: %s", st->path, "reading");
    if (more)
        return err_set(e, ERR_USAGE, "%s holds runs of more than %d hosts: name them", st->path,
                       max);
    if (*n == 0) return err_set(e, ERR_USAGE, "%s holds no finished plain run", st->path);
    return 0;
}
