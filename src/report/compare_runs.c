/* compare_runs - the runs of each side (compare.h): checks the two lists,
 * labels them, warns of what differs between them, and makes the rows.
 * One run a side, each row is compare.c's two-sample t on the rounds'
 * logs, its standard error widened by an assumed run-to-run spread (the
 * rounds of one run share its boot and placement: they cannot show how
 * much a second run would differ). Several runs a side, a run is the unit:
 * each run's estimate is the mean of the logs of its values, and the row's
 * test is a two-sample t on those run means (df = ka + kb - 2 before the
 * moderation), so the run-to-run spread is in the variance the test uses.
 * tests/unit/test_compare_sim.c measures both. */
#include "report/compare.h"
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"

static int env_index(const struct run_view *rv, const char *spec)
{
    for (int i = 0; i < rv->nenv; i++)
        if (!strcmp(rv->envs[i], spec)) return i;
    return -1;
}

static int wl_index(const struct run_view *rv, const char *name)
{
    for (int i = 0; i < rv->nwl; i++)
        if (!strcmp(rv->workloads[i], name)) return i;
    return -1;
}

/* "WHO WHAT: X vs Y", WHO "the runs differ in" or "run 5 differs from
 * run 1 in"; at most 8 (the rest dropped); one too long for its line ends
 * in "...". */
static void warn(struct compare *c, const char *who, const char *what, const char *x, const char *y)
{
    if (c->nwarn >= 8) return;
    char *w = c->warnings[c->nwarn++];
    if (snprintf(w, sizeof(c->warnings[0]), "%s %s: %s vs %s", who, what, x ? x : "?",
                 y ? y : "?") >= (int)sizeof(c->warnings[0]))
        memcpy(w + sizeof(c->warnings[0]) - 4, "...", 4); /* cut: said so */
}

/* The first workload option that differs between a and b, either way
 * round, for each workload both ran. */
static void warn_options(struct compare *c, const char *who, const struct run_view *a,
                         const struct run_view *b)
{
    for (int w = 0; w < a->nwl; w++) {
        int wb = wl_index(b, a->workloads[w]);
        if (wb < 0) continue;
        const struct kvlist *oa = &a->wl_opts[w], *ob = &b->wl_opts[wb];
        for (int side = 0; side < 2; side++) {
            const struct kvlist *x = side ? ob : oa, *y = side ? oa : ob;
            for (int i = 0; i < x->n; i++) {
                const char *v = kv_get(y, x->v[i].key);
                if (v && !strcmp(v, x->v[i].val)) continue;
                char what[128], va[300], vb[300];
                snprintf(what, sizeof(what), "%.31s option %.63s", a->workloads[w], x->v[i].key);
                snprintf(va, sizeof(va), "%s", side ? (v ? v : "(unset)") : x->v[i].val);
                snprintf(vb, sizeof(vb), "%s", side ? x->v[i].val : (v ? v : "(unset)"));
                warn(c, who, what, va, vb);
                side = 2;
                break;
            }
        }
    }
}

/* What differs between run a and run b besides what is compared: host,
 * kernel, isobench, preset, workload options. */
static void compare_warnings(struct compare *c, const struct run_view *a, const struct run_view *b)
{
    static const char *const keys[] = {"cpu_model",   "kernel",      "isobench_version",
                                       "build_flags", "cpus_online", NULL};
    char who[96] = "the runs differ in";
    if (c->design == CMP_RUNS)
        snprintf(who, sizeof(who), "run %lld differs from run %lld in", (long long)b->id,
                 (long long)a->id);
    const char *ha = kv_get(&a->host, "host_id"), *hb = kv_get(&b->host, "host_id");
    if (ha && hb && strcmp(ha, hb)) { /* other hosts: every fact that tells them apart */
        const struct kvlist *l[2] = {&a->host, &b->host};
        const char *k[64];
        int n = report_facts_differ(l, 2, k, 64);
        char list[600] = "";
        for (int i = 0; i < n; i++) {
            size_t off = strlen(list);
            if (snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", k[i]) >=
                (int)(sizeof(list) - off)) { /* full: said so, the facts follow one by one */
                memcpy(list + sizeof(list) - 5, " ...", 5);
                break;
            }
        }
        char what[800];
        snprintf(what, sizeof(what),
                 "host (another host: an overhead may differ for what differs "
                 "between them - %s; see report --by host), host id",
                 n ? list : "none of the facts isobench compares");
        warn(c, who, what, ha, hb);
        for (int i = 0; i < n; i++)
            warn(c, who, k[i], kv_get(&a->host, k[i]), kv_get(&b->host, k[i]));
    } else
        for (int i = 0; keys[i]; i++) {
            const char *x = kv_get(&a->host, keys[i]), *y = kv_get(&b->host, keys[i]);
            if ((x || y) && (!x || !y || strcmp(x, y))) warn(c, who, keys[i], x, y);
        }
    if (a->size != b->size) warn(c, who, "size", size_str(a->size), size_str(b->size));
    warn_options(c, who, a, b);
}

/* ERR_USAGE unless both sides hold 1 run, or 2 to CMP_MAX_RUNS each, and
 * no run (by id) is given twice. */
static int check_sides(const struct run_view *a, int ka, const struct run_view *b, int kb,
                       struct err *e)
{
    if (ka < 1 || kb < 1) return err_set(e, ERR_USAGE, "each side needs a run");
    if (ka > CMP_MAX_RUNS || kb > CMP_MAX_RUNS)
        return err_set(e, ERR_USAGE, "%s has %d runs: at most %d a side", ka > kb ? "A" : "B",
                       ka > kb ? ka : kb, CMP_MAX_RUNS);
    if ((ka == 1) != (kb == 1))
        return err_set(e, ERR_USAGE,
                       "A has %d run%s and B %d: give one run a side, or 2 or more on each "
                       "(several runs a side measure the run-to-run spread)",
                       ka, ka == 1 ? "" : "s", kb);
    for (int i = 0; i < ka + kb; i++)
        for (int j = i + 1; j < ka + kb; j++) {
            const struct run_view *x = i < ka ? &a[i] : &b[i - ka],
                                  *y = j < ka ? &a[j] : &b[j - ka];
            if (x->id == y->id)
                return err_set(e, ERR_USAGE, "run %lld is given twice (%s)", (long long)x->id,
                               i < ka && j >= ka ? "on both sides"
                               : i < ka          ? "in A"
                                                 : "in B");
        }
    return 0;
}

/* Side s's runs into c->side[s] and its label: "run 1 (UUID)", or
 * "3 runs: 1 (UUID), 2 (UUID), 3 (UUID)". */
static void side_set(struct compare *c, int s, const struct run_view *runs, int k, char *label,
                     size_t len)
{
    struct compare_side *sd = &c->side[s];
    sd->n = k;
    if (k == 1)
        snprintf(label, len, "run %lld (%s)", (long long)runs[0].id, runs[0].uuid);
    else
        snprintf(label, len, "%d runs: ", k);
    for (int j = 0; j < k; j++) {
        sd->id[j] = runs[j].id;
        snprintf(sd->uuid[j], sizeof(sd->uuid[j]), "%s", runs[j].uuid);
        size_t l = strlen(label);
        if (k > 1)
            snprintf(label + l, len - l, "%s%lld (%s)", j ? ", " : "", (long long)runs[j].id,
                     runs[j].uuid);
    }
}

/* c->design, its words and, one run a side, the assumed run-to-run
 * variance of log(B/A): two runs' independent log-factors, each of
 * standard deviation log(1 + spread). */
static void design_set(struct compare *c)
{
    double pct = c->opts.run_spread_pct, l = log1p(pct / 100);
    if (c->side[0].n > 1) {
        c->design = CMP_RUNS;
        snprintf(c->design_text, sizeof(c->design_text),
                 "several runs a side (%d vs %d): each row is tested on the runs' geometric "
                 "means, so the run-to-run spread is measured",
                 c->side[0].n, c->side[1].n);
        return;
    }
    c->design = CMP_ONE_RUN;
    c->spread_var = 2 * l * l;
    if (pct > 0)
        snprintf(c->design_text, sizeof(c->design_text),
                 "one run a side: run-to-run spread not measured, assumed %g %% (--run-spread); "
                 "give several runs a side to measure it",
                 pct);
    else
        snprintf(c->design_text, sizeof(c->design_text),
                 "one run a side: run-to-run spread not measured, assumed none (--run-spread 0); "
                 "give several runs a side to measure it");
}

static int row_exists(const struct compare *c, const char *wl, const char *env, const char *metric)
{
    for (int i = 0; i < c->nrows; i++)
        if (!strcmp(c->rows[i].workload, wl) && !strcmp(c->rows[i].env, env) &&
            !strcmp(c->rows[i].metric, metric))
            return 1;
    return 0;
}

/* Row r's values in each of the k runs of a side: all appended to v (room
 * for every point of the runs), their count into *n, each run's mean of
 * their logs into m; returns how many runs had values, or -1 with why
 * filled when a value is not positive (no log). */
static int side_means(const struct run_view *runs, int k, const struct compare_row *r,
                      const char *side, double *v, int *n, double *m, char *why, size_t len)
{
    int km = 0;
    *n = 0;
    for (int j = 0; j < k; j++) {
        int wl = wl_index(&runs[j], r->workload), env = env_index(&runs[j], r->env), cnt = 0;
        double sum = 0;
        for (int i = 0; wl >= 0 && env >= 0 && i < runs[j].npoints; i++) {
            const struct rv_point *p = &runs[j].points[i];
            if (p->wl != wl || p->env != env || strcmp(p->metric, r->metric)) continue;
            if (!(p->value > 0)) {
                snprintf(why, len, "run %lld of %s has a value <= 0: no ratio to test",
                         (long long)runs[j].id, side);
                return -1;
            }
            v[(*n)++] = p->value;
            sum += log(p->value);
            cnt++;
        }
        if (cnt > 0) m[km++] = sum / cnt;
    }
    return km;
}

static void mean_var(const double *x, int n, double *mean, double *var)
{
    double m = 0, q = 0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        q += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = n > 1 ? q / (n - 1) : 0;
}

/* The test's parts from the runs' log-means: d the difference of their
 * means, s2 their pooled variance on ka + kb - 2 df, k = sqrt(1/ka +
 * 1/kb); n/a with the reason when a side has fewer than 2 runs. */
static void row_run_means(struct compare_row *r, const double *ma, const double *mb)
{
    if (r->kb == 0) {
        snprintf(r->why, sizeof(r->why), "B has no successful value");
    } else if (r->ka < 2 || r->kb < 2) {
        int a = r->ka < 2;
        snprintf(r->why, sizeof(r->why), "%s has %d run with values: a test across runs needs 2",
                 a ? "A" : "B", a ? r->ka : r->kb);
    } else {
        double xa, va, xb, vb;
        mean_var(ma, r->ka, &xa, &va);
        mean_var(mb, r->kb, &xb, &vb);
        r->d = xb - xa;
        r->df_row = r->ka + r->kb - 2;
        r->s2 = ((r->ka - 1) * va + (r->kb - 1) * vb) / r->df_row;
        r->k = sqrt(1.0 / r->ka + 1.0 / r->kb);
        return;
    }
    r->verdict = CMP_NA;
}

static int points_of(const struct run_view *runs, int k)
{
    int n = 1;
    for (int j = 0; j < k; j++)
        n += runs[j].npoints;
    return n;
}

/* One row tested across runs: point p's metric of its workload and
 * environment in run ra (one of a). -1 when out of memory (c freed). */
static int row_runs(struct compare *c, const struct run_view *a, int ka, const struct run_view *b,
                    int kb, const struct run_view *ra, const struct rv_point *p, struct err *e)
{
    double *va = malloc(sizeof(double) * (size_t)points_of(a, ka));
    double *vb = malloc(sizeof(double) * (size_t)points_of(b, kb));
    struct compare_row *r = va && vb ? compare_row_new(c, e) : NULL;
    if (r) {
        double ma[CMP_MAX_RUNS], mb[CMP_MAX_RUNS];
        snprintf(r->workload, sizeof(r->workload), "%s", ra->workloads[p->wl]);
        snprintf(r->metric, sizeof(r->metric), "%s", p->metric);
        snprintf(r->unit, sizeof(r->unit), "%s", p->unit);
        snprintf(r->env, sizeof(r->env), "%s", ra->envs[p->env]);
        r->better = p->better;
        r->ka = side_means(a, ka, r, "A", va, &r->na, ma, r->why, sizeof(r->why));
        r->kb = r->ka < 0 ? 0 : side_means(b, kb, r, "B", vb, &r->nb, mb, r->why, sizeof(r->why));
        r->median_a = stats_median(va, r->na);
        r->median_b = stats_median(vb, r->nb);
        if (r->ka < 0 || r->kb < 0) {
            r->ka = r->ka < 0 ? 0 : r->ka;
            r->kb = r->kb < 0 ? 0 : r->kb;
            r->verdict = CMP_NA;
        } else {
            row_run_means(r, ma, mb);
        }
    }
    free(va);
    free(vb);
    if (r) return 0;
    compare_free(c);
    return err_set(e, ERR_FAIL, "out of memory");
}

/* The rows of the comparison: one run a side, every (workload,
 * environment, metric) of a, as it always was; several, those of every
 * run of a, in the order the runs first show them. */
static int make_rows(struct compare *c, const struct run_view *a, int ka, const struct run_view *b,
                     int kb, struct err *e)
{
    for (int i = 0; ka == 1 && i < a->npoints; i++) {
        const struct rv_point *p = &a->points[i];
        if (!compare_first_of_kind(a, i)) continue; /* one row per workload, environment, metric */
        int wb = wl_index(b, a->workloads[p->wl]), eb = env_index(b, a->envs[p->env]);
        if (compare_row_one(c, a, p->wl, p->env, b, wb, eb, p, e) < 0) return -1;
    }
    for (int j = 0; ka > 1 && j < ka; j++)
        for (int i = 0; i < a[j].npoints; i++) {
            const struct rv_point *p = &a[j].points[i];
            if (!compare_first_of_kind(&a[j], i) ||
                row_exists(c, a[j].workloads[p->wl], a[j].envs[p->env], p->metric))
                continue;
            if (row_runs(c, a, ka, b, kb, &a[j], p, e) < 0) return -1;
        }
    return 0;
}

int compare_runs(const struct run_view *a, const struct run_view *b, const struct compare_opts *o,
                 struct compare *c, struct err *e)
{
    return compare_run_sets(a, 1, b, 1, o, c, e);
}

int compare_run_sets(const struct run_view *a, int ka, const struct run_view *b, int kb,
                     const struct compare_opts *o, struct compare *c, struct err *e)
{
    memset(c, 0, sizeof(*c));
    c->opts = *o;
    if (!(o->run_spread_pct >= 0 && o->run_spread_pct < 100))
        return err_set(e, ERR_USAGE, "the run spread is a percentage from 0 to 100");
    if (check_sides(a, ka, b, kb, e) < 0) return -1;
    side_set(c, 0, a, ka, c->a_label, sizeof(c->a_label));
    side_set(c, 1, b, kb, c->b_label, sizeof(c->b_label));
    design_set(c);
    for (int j = 1; j < ka + kb; j++) /* every run against the first of A */
        compare_warnings(c, &a[0], j < ka ? &a[j] : &b[j - ka]);
    if (make_rows(c, a, ka, b, kb, e) < 0) return -1;
    if (c->nrows == 0) return err_set(e, ERR_USAGE, "%s: no successful sample", c->a_label);
    compare_judge_all(c);
    return 0;
}
