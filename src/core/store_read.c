#include <stdio.h>
#include <string.h>

#include "core/store.h"
#include "core/store_priv.h"

static void col_text(sqlite3_stmt *s, int i, char *out, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

static int read_fail(struct store *st, struct err *e)
{
    return err_set(e, ERR_FAIL, "database %s: %s", st->path, sqlite3_errmsg(st->db));
}

static int find_run(struct store *st, const char *which, int64_t *id, struct err *e)
{
    sqlite3_stmt *s;
    const char *sql = strcmp(which, "latest") == 0
                          ? "SELECT id FROM runs ORDER BY id DESC LIMIT 1"
                          : "SELECT id FROM runs WHERE uuid=?1 OR CAST(id AS TEXT)=?1";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) return read_fail(st, e);
    if (strcmp(which, "latest") != 0) sqlite3_bind_text(s, 1, which, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) return err_set(e, ERR_USAGE, "no run '%s' in %s", which, st->path);
    return 0;
}

static int index_of(const char (*names)[256], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

static int wl_index(const struct run_view *rv, const char *name)
{
    for (int i = 0; i < rv->nwl; i++)
        if (strcmp(rv->workloads[i], name) == 0) return i;
    return -1;
}

/* The run_view indices of the workload and environment named in columns 0
 * and 1 of the current row; -1 for a name the run does not list. */
static void row_indices(const struct run_view *rv, sqlite3_stmt *s, int *wi, int *ei)
{
    char wl[32], env[256];
    col_text(s, 0, wl, sizeof(wl));
    col_text(s, 1, env, sizeof(env));
    *wi = wl_index(rv, wl);
    *ei = index_of(rv->envs, rv->nenv, env);
}

static void parse_opts(const char *text, struct kvlist *l)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", text);
    char *save = NULL;
    for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) continue;
        *eq = '\0';
        kv_set(l, t, eq + 1, NULL);
    }
}

/* Loads the run header, host facts, environments and workloads. */
static int load_header(struct store *st, struct run_view *rv, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT uuid, started, finished, status, command, size, repetitions"
                           " FROM runs WHERE id=?",
                           -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        col_text(s, 0, rv->uuid, sizeof(rv->uuid));
        col_text(s, 1, rv->started, sizeof(rv->started));
        col_text(s, 2, rv->finished, sizeof(rv->finished));
        col_text(s, 3, rv->status, sizeof(rv->status));
        col_text(s, 4, rv->command, sizeof(rv->command));
        char size[16];
        col_text(s, 5, size, sizeof(size));
        rv->size = size_parse(size);
        rv->reps = sqlite3_column_int(s, 6);
    }
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(st->db, "SELECT key, value FROM run_facts WHERE run_id=? ORDER BY key",
                           -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        char k[64], v[256];
        col_text(s, 0, k, sizeof(k));
        col_text(s, 1, v, sizeof(v));
        kv_set(&rv->host, k, v, NULL);
    }
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(st->db, "SELECT spec FROM run_envs WHERE run_id=? ORDER BY idx", -1, &s,
                           NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    while (sqlite3_step(s) == SQLITE_ROW && rv->nenv < 16)
        col_text(s, 0, rv->envs[rv->nenv++], 256);
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(st->db, "SELECT env_idx, key, value FROM env_facts WHERE run_id=?", -1,
                           &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int idx = sqlite3_column_int(s, 0);
        char k[64], v[256];
        col_text(s, 1, k, sizeof(k));
        col_text(s, 2, v, sizeof(v));
        if (idx >= 0 && idx < rv->nenv) kv_set(&rv->env_facts[idx], k, v, NULL);
    }
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(
            st->db, "SELECT workload, options FROM run_workloads WHERE run_id=? ORDER BY idx", -1,
            &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    while (sqlite3_step(s) == SQLITE_ROW && rv->nwl < 16) {
        col_text(s, 0, rv->workloads[rv->nwl], 32);
        char opts[4096];
        col_text(s, 1, opts, sizeof(opts));
        parse_opts(opts, &rv->wl_opts[rv->nwl]);
        rv->nwl++;
    }
    sqlite3_finalize(s);
    return 0;
}

/* Loads run rv->id's successful measured (non-warm-up) metric values into
 * rv->points and its failed samples into rv->failures (both grown with
 * realloc, owned by rv, freed by store_free_run); rows of a workload or
 * environment rv does not list are skipped. -1 on a database error or
 * out of memory (what was loaded so far stays in rv). */
static int load_points(struct store *st, struct run_view *rv, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT m.workload, m.env, x.name, x.unit, x.better, x.value, m.rep, m.tenant, m.step"
            " FROM measurements m JOIN metrics x ON x.measurement_id = m.id"
            " WHERE m.run_id=? AND m.ok=1 AND m.warmup=0 ORDER BY m.id, x.rowid",
            -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    int cap = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        char better[8];
        int wi, ei;
        row_indices(rv, s, &wi, &ei);
        if (wi < 0 || ei < 0) continue;
        if (rv->npoints == cap) {
            cap = cap ? cap * 2 : 64;
            struct rv_point *np = realloc(rv->points, sizeof(*np) * (size_t)cap);
            if (!np) {
                sqlite3_finalize(s);
                return err_set(e, ERR_FAIL, "out of memory");
            }
            rv->points = np;
        }
        struct rv_point *p = &rv->points[rv->npoints++];
        p->wl = wi;
        p->env = ei;
        col_text(s, 2, p->metric, sizeof(p->metric));
        col_text(s, 3, p->unit, sizeof(p->unit));
        col_text(s, 4, better, sizeof(better));
        p->better = better_parse(better);
        p->value = sqlite3_column_double(s, 5);
        p->rep = sqlite3_column_int(s, 6);
        col_text(s, 7, p->tenant, sizeof(p->tenant));
        col_text(s, 8, p->step, sizeof(p->step));
    }
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(
            st->db,
            "SELECT workload, env, rep, warmup, error, tenant, step FROM measurements"
            " WHERE run_id=? AND ok=0 ORDER BY id",
            -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    cap = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (rv->nfailures == cap) {
            cap = cap ? cap * 2 : 8;
            struct rv_failure *nf = realloc(rv->failures, sizeof(*nf) * (size_t)cap);
            if (!nf) {
                sqlite3_finalize(s);
                return err_set(e, ERR_FAIL, "out of memory");
            }
            rv->failures = nf;
        }
        struct rv_failure *f = &rv->failures[rv->nfailures];
        row_indices(rv, s, &f->wl, &f->env);
        f->rep = sqlite3_column_int(s, 2);
        f->warmup = sqlite3_column_int(s, 3);
        col_text(s, 4, f->error, sizeof(f->error));
        col_text(s, 5, f->tenant, sizeof(f->tenant));
        col_text(s, 6, f->step, sizeof(f->step));
        if (f->wl >= 0 && f->env >= 0) rv->nfailures++;
    }
    sqlite3_finalize(s);
    return 0;
}

/* The huge-page shares the memory workloads reported, so a reporter can
 * say when environments ran on different page sizes. */
static int load_huge(struct store *st, struct run_view *rv, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT m.workload, m.env, MIN(CAST(f.value AS REAL)),"
            " MAX(CAST(f.value AS REAL))"
            " FROM measurements m JOIN measurement_facts f ON f.measurement_id = m.id"
            " WHERE m.run_id=? AND m.ok=1 AND m.warmup=0"
            " AND f.key LIKE '%.huge_share' AND f.value <> 'unknown'"
            " GROUP BY m.workload, m.env",
            -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int wi, ei;
        row_indices(rv, s, &wi, &ei);
        if (wi < 0 || ei < 0) continue;
        rv->has_huge[wi][ei] = 1;
        rv->huge_lo[wi][ei] = sqlite3_column_double(s, 2);
        rv->huge_hi[wi][ei] = sqlite3_column_double(s, 3);
    }
    sqlite3_finalize(s);
    return 0;
}

/* The caveats the samples carry (distinct per workload, in order). */
static int load_caveats(struct store *st, struct run_view *rv, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT m.workload, m.env, f.value, MIN(m.id) AS first"
                           " FROM measurements m JOIN measurement_facts f"
                           " ON f.measurement_id = m.id WHERE m.run_id=? AND m.warmup=0"
                           " AND f.key LIKE '%.caveat' GROUP BY m.workload, f.value"
                           " ORDER BY first",
                           -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int wi, ei;
        row_indices(rv, s, &wi, &ei);
        if (wi < 0) continue;
        if (rv->ncaveats == RV_CAVEATS) {
            rv->caveats_left++;
            continue;
        }
        struct rv_caveat *c = &rv->caveats[rv->ncaveats++];
        c->wl = wi;
        col_text(s, 2, c->text, sizeof(c->text));
    }
    sqlite3_finalize(s);
    return 0;
}

/* The pairs the run did not measure by design, with their reasons. */
static int load_na(struct store *st, struct run_view *rv, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT workload, env, reason FROM run_na WHERE run_id=?", -1,
                           &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int wi, ei;
        row_indices(rv, s, &wi, &ei);
        if (wi < 0 || ei < 0) continue;
        struct rv_na *n = realloc(rv->na, sizeof(*n) * (size_t)(rv->nna + 1));
        if (!n) {
            sqlite3_finalize(s);
            return err_set(e, ERR_FAIL, "out of memory");
        }
        rv->na = n;
        n[rv->nna].wl = wi;
        n[rv->nna].env = ei;
        col_text(s, 2, n[rv->nna++].reason, sizeof(n[0].reason));
    }
    sqlite3_finalize(s);
    return 0;
}

const char *store_na_reason(const struct run_view *rv, int wl, int env)
{
    for (int i = 0; i < rv->nna; i++)
        if (rv->na[i].wl == wl && rv->na[i].env == env) return rv->na[i].reason;
    return NULL;
}

/* A scenario run's raw texts (a plain run's are in its NDJSON lines). */
static int load_raws(struct store *st, struct run_view *rv, struct err *e)
{
    if (!kv_get(&rv->host, "scenario")) return 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT m.workload, m.env, m.rep, m.tenant, m.step, r.output FROM "
                           "measurements m JOIN measurement_raw r ON r.measurement_id = m.id"
                           " WHERE m.run_id=? AND m.ok=1 AND r.output != '' ORDER BY m.id",
                           -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    int cap = 0, rc = 0;
    while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
        if (rv->nraws == cap) {
            cap = cap ? cap * 2 : 8;
            struct rv_raw *nr = realloc(rv->raws, sizeof(*nr) * (size_t)cap);
            if (!nr) {
                rc = err_set(e, ERR_FAIL, "out of memory");
                break;
            }
            rv->raws = nr;
        }
        struct rv_raw *r = &rv->raws[rv->nraws];
        row_indices(rv, s, &r->wl, &r->env);
        r->rep = sqlite3_column_int(s, 2);
        col_text(s, 3, r->tenant, sizeof(r->tenant));
        col_text(s, 4, r->step, sizeof(r->step));
        const unsigned char *t = sqlite3_column_text(s, 5);
        r->text = strdup(t ? (const char *)t : "");
        if (!r->text)
            rc = err_set(e, ERR_FAIL, "out of memory");
        else if (r->wl >= 0 && r->env >= 0)
            rv->nraws++;
        else
            free(r->text);
    }
    sqlite3_finalize(s);
    return rc;
}

/* The per-operation counters each pair's samples reported absent, with
 * the reason (counters.<name> facts), each once. */
static int load_absent(struct store *st, struct run_view *rv, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT m.workload, m.env, f.key, f.value, MIN(m.id) AS first"
                           " FROM measurements m JOIN measurement_facts f"
                           " ON f.measurement_id = m.id WHERE m.run_id=? AND m.warmup=0"
                           " AND m.ok=1 AND f.key LIKE 'counters.%'"
                           " GROUP BY m.workload, m.env, f.key, f.value ORDER BY first, f.key",
                           -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int64(s, 1, rv->id);
    int rc = 0;
    while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
        int wi, ei;
        row_indices(rv, s, &wi, &ei);
        if (wi < 0 || ei < 0) continue;
        struct rv_absent *a = realloc(rv->absent, sizeof(*a) * (size_t)(rv->nabsent + 1));
        if (!a) {
            rc = err_set(e, ERR_FAIL, "out of memory");
            break;
        }
        rv->absent = a;
        a = &rv->absent[rv->nabsent++];
        a->wl = wi;
        a->env = ei;
        col_text(s, 2, a->counter, sizeof(a->counter));
        col_text(s, 3, a->why, sizeof(a->why));
        memmove(a->counter, a->counter + 9, strlen(a->counter + 9) + 1); /* "counters." */
    }
    sqlite3_finalize(s);
    return rc;
}

int store_load_run(struct store *st, const char *which, struct run_view *rv, struct err *e)
{
    memset(rv, 0, sizeof(*rv));
    if (find_run(st, which, &rv->id, e) < 0) return -1;
    if (load_header(st, rv, e) < 0 || load_points(st, rv, e) < 0 || load_huge(st, rv, e) < 0 ||
        load_caveats(st, rv, e) < 0 || load_na(st, rv, e) < 0 || load_raws(st, rv, e) < 0 ||
        load_absent(st, rv, e) < 0) {
        store_free_run(rv);
        return -1;
    }
    return 0;
}

void store_free_run(struct run_view *rv)
{
    for (int i = 0; i < rv->nraws; i++)
        free(rv->raws[i].text);
    free(rv->raws);
    rv->raws = NULL;
    rv->nraws = 0;
    free(rv->points);
    free(rv->failures);
    free(rv->na);
    rv->na = NULL;
    free(rv->absent);
    rv->absent = NULL;
    rv->nabsent = 0;
    rv->nna = 0;
    rv->points = NULL;
    rv->failures = NULL;
}

int store_list_runs(struct store *st, int limit,
                    void (*fn)(void *arg, int64_t id, const char *uuid, const char *started,
                               const char *status, const char *size, const char *command,
                               int nmeas),
                    void *arg, struct err *e)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT r.id, r.uuid, r.started, r.status, r.size, r.command,"
                           " (SELECT count(*) FROM measurements m WHERE m.run_id = r.id)"
                           " FROM runs r ORDER BY r.id DESC LIMIT ?",
                           -1, &s, NULL) != SQLITE_OK)
        return read_fail(st, e);
    sqlite3_bind_int(s, 1, limit);
    while (sqlite3_step(s) == SQLITE_ROW) {
        char uuid[64], started[32], status[32], size[16], command[1024];
        col_text(s, 1, uuid, sizeof(uuid));
        col_text(s, 2, started, sizeof(started));
        col_text(s, 3, status, sizeof(status));
        col_text(s, 4, size, sizeof(size));
        col_text(s, 5, command, sizeof(command));
        fn(arg, sqlite3_column_int64(s, 0), uuid, started, status, size, command,
           sqlite3_column_int(s, 6));
    }
    sqlite3_finalize(s);
    return 0;
}
