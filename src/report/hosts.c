/* hosts.c - several hosts side by side (report --by host): each host's
 * run keeps its own report, so each overhead is against that host's own
 * native, as the paper measures it; this file only lines the cells up
 * and says which facts differ between the hosts. Table, Markdown, CSV
 * here; JSON and HTML in hosts_out.c. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/facts.h"
#include "report/report.h"

int report_facts_differ(const struct kvlist *const *a, int n, const char **keys, int max)
{
    int k = 0;
    for (int i = 0; facts_explaining[i] && k < max; i++) {
        const char *v0 = kv_get(a[0], facts_explaining[i]);
        int same = 1;
        for (int h = 1; h < n && same; h++) {
            const char *v = kv_get(a[h], facts_explaining[i]);
            same = (!v && !v0) || (v && v0 && !strcmp(v, v0));
        }
        if (!same) keys[k++] = facts_explaining[i];
    }
    return k;
}

/* Column names: the hostname, with the host id's head (or the run id)
 * added where hosts share a hostname. */
static void host_names(struct host_report *hr)
{
    for (int h = 0; h < hr->n; h++) {
        const char *name = kv_get(&hr->rv[h]->host, "hostname");
        int shared = 0;
        for (int k = 0; k < hr->n; k++) {
            const char *o = kv_get(&hr->rv[k]->host, "hostname");
            shared |= k != h && name && o && !strcmp(name, o);
        }
        const char *id = kv_get(&hr->rv[h]->host, "host_id");
        if (!shared)
            snprintf(hr->name[h], sizeof(hr->name[h]), "%.60s", name ? name : "?");
        else if (id)
            snprintf(hr->name[h], sizeof(hr->name[h]), "%.60s/%.8s", name ? name : "?", id);
        else
            snprintf(hr->name[h], sizeof(hr->name[h]), "%.60s/run%lld", name ? name : "?",
                     (long long)hr->rv[h]->id);
    }
}

/* The row of workload/metric/env, added when new; NULL when out of memory. */
static struct host_row *row_at(struct host_report *hr, const struct report *rep,
                               const struct report_row *r, int j, int *cap)
{
    const char *wl = rep->rv->workloads[r->wl], *env = rep->rv->envs[j];
    for (int i = 0; i < hr->nrows; i++)
        if (!strcmp(hr->rows[i].workload, wl) && !strcmp(hr->rows[i].metric, r->metric) &&
            !strcmp(hr->rows[i].env, env))
            return &hr->rows[i];
    if (hr->nrows == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        struct host_row *nr = realloc(hr->rows, sizeof(*nr) * (size_t)*cap);
        if (!nr) return NULL;
        hr->rows = nr;
    }
    struct host_row *x = &hr->rows[hr->nrows++];
    memset(x, 0, sizeof(*x));
    snprintf(x->workload, sizeof(x->workload), "%s", wl);
    snprintf(x->metric, sizeof(x->metric), "%s", r->metric);
    snprintf(x->unit, sizeof(x->unit), "%s", r->unit);
    snprintf(x->env, sizeof(x->env), "%s", env);
    x->better = r->better;
    for (int h = 0; h < HOSTS_MAX; h++)
        x->row[h] = x->env_idx[h] = -1;
    return x;
}

int report_hosts_build(const struct run_view *const *rv, int n, struct host_report *hr,
                       struct err *e)
{
    memset(hr, 0, sizeof(*hr));
    if (n < 1 || n > HOSTS_MAX)
        return err_set(e, ERR_USAGE, "report --by host: 1 to %d runs, not %d", HOSTS_MAX, n);
    const struct kvlist *facts[HOSTS_MAX];
    for (int h = 0; h < n; h++) {
        if (kv_get(&rv[h]->host, "scenario"))
            return err_set(e, ERR_USAGE, "report --by host: run %lld is a scenario run",
                           (long long)rv[h]->id);
        hr->rv[h] = rv[h];
        facts[h] = &rv[h]->host;
    }
    for (int h = 0; h < n; h++) {
        if (report_build(rv[h], &hr->rep[h], e) < 0) {
            report_hosts_free(hr);
            return -1;
        }
        hr->n = h + 1;
    }
    host_names(hr);
    hr->ndiffer = report_facts_differ(facts, n, hr->differ, 64);
    int cap = 0;
    for (int h = 0; h < n; h++)
        for (int i = 0; i < hr->rep[h].nrows; i++)
            for (int j = 0; j < rv[h]->nenv; j++) {
                struct host_row *x = row_at(hr, &hr->rep[h], &hr->rep[h].rows[i], j, &cap);
                if (!x) {
                    report_hosts_free(hr);
                    return err_set(e, ERR_FAIL, "out of memory");
                }
                x->row[h] = i;
                x->env_idx[h] = j;
            }
    return 0;
}

void report_hosts_free(struct host_report *hr)
{
    for (int h = 0; h < hr->n; h++)
        report_free(&hr->rep[h]);
    free(hr->rows);
    hr->rows = NULL;
    hr->n = hr->nrows = 0;
}

void report_host_cell(const struct host_report *hr, const struct host_row *r, int h, char *buf,
                      size_t len)
{
    if (r->row[h] < 0) {
        snprintf(buf, len, "-");
        return;
    }
    const struct report *rep = &hr->rep[h];
    const struct report_row *row = &rep->rows[r->row[h]];
    report_cell_text(row, r->env_idx[h], store_na_reason(rep->rv, row->wl, r->env_idx[h]), buf,
                     len);
}

/* The hosts and the facts that differ between them, one line each
 * (md: as a Markdown list). */
static void hosts_head(const struct host_report *hr, FILE *out, int md)
{
    const char *li = md ? "- " : "  ";
    fprintf(out, md ? "**hosts** (each overhead against its own native):\n\n"
                    : "hosts (each overhead against its own native):\n");
    for (int h = 0; h < hr->n; h++) {
        const struct run_view *rv = hr->rv[h];
        const char *id = kv_get(&rv->host, "host_id"), *cpu = kv_get(&rv->host, "cpu_model");
        fprintf(out, "%s%s: host id %s, run %lld (%s, %s), %s, kernel %s\n", li, hr->name[h],
                id ? id : "none", (long long)rv->id, rv->uuid, rv->status, cpu ? cpu : "?",
                kv_get(&rv->host, "kernel") ?: "?");
    }
    fprintf(out, md ? "\n**facts that differ between the hosts:**\n\n"
                    : "facts that differ between the hosts:\n");
    int nkeys = 0;
    while (facts_explaining[nkeys])
        nkeys++;
    if (!hr->ndiffer) fprintf(out, "%snone (of %d compared)\n", li, nkeys);
    for (int k = 0; k < hr->ndiffer; k++) {
        fprintf(out, "%s%s:", li, hr->differ[k]);
        for (int h = 0; h < hr->n; h++) {
            const char *v = kv_get(&hr->rv[h]->host, hr->differ[k]);
            fprintf(out, "%s %s = %s", h ? ";" : "", hr->name[h], v ? v : "(not recorded)");
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

/* The table (md 0) or Markdown (md 1), into out uncleaned. */
static int hosts_text(const struct host_report *hr, FILE *out, int md)
{
    hosts_head(hr, out, md);
    char cell[HOSTS_MAX][256];
    int w[HOSTS_MAX + 1] = {0};
    for (int i = 0; i < hr->nrows; i++) {
        int lw = (int)(strlen(hr->rows[i].workload) + strlen(hr->rows[i].metric) +
                       strlen(hr->rows[i].env) + 2);
        w[HOSTS_MAX] = lw > w[HOSTS_MAX] ? lw : w[HOSTS_MAX];
        for (int h = 0; h < hr->n; h++) {
            report_host_cell(hr, &hr->rows[i], h, cell[h], sizeof(cell[h]));
            int cw = (int)strlen(cell[h]);
            w[h] = cw > w[h] ? cw : w[h];
        }
    }
    const char *sep = " | ";
    fprintf(out, "%s%-*s", md ? "| " : "", w[HOSTS_MAX], "workload metric env");
    for (int h = 0; h < hr->n; h++)
        fprintf(out, "%s%-*s", sep, md || h < hr->n - 1 ? w[h] : 0, hr->name[h]);
    fputs(md ? " |\n" : "\n", out);
    if (md) {
        fputs("|---", out);
        for (int h = 0; h < hr->n; h++)
            fputs("|---", out);
        fputs("|\n", out);
    }
    for (int i = 0; i < hr->nrows; i++) {
        const struct host_row *r = &hr->rows[i];
        char head[600];
        snprintf(head, sizeof(head), "%s %s %s", r->workload, r->metric, r->env);
        fprintf(out, "%s%-*s", md ? "| " : "", w[HOSTS_MAX], head);
        for (int h = 0; h < hr->n; h++) {
            report_host_cell(hr, r, h, cell[h], sizeof(cell[h]));
            fprintf(out, "%s%-*s", sep, md || h < hr->n - 1 ? w[h] : 0, cell[h]);
        }
        fputs(md ? " |\n" : "\n", out);
    }
    char lv[128];
    report_levels(&hr->rep[0], lv, sizeof(lv));
    fprintf(out,
            "\nvalue = median [interval] over rounds; overhead %% = median over paired rounds "
            "of how much worse than that host's own native (+ worse) [interval]; ~ within noise; "
            "! CoV > 5%%; - not measured on that host; first host's intervals reach %s\n",
            lv);
    return 0;
}

struct hosts_arg {
    const struct host_report *hr;
    int md;
};

static int hosts_thunk(const void *arg, FILE *out, struct err *e)
{
    const struct hosts_arg *x = arg;
    (void)e;
    return hosts_text(x->hr, out, x->md);
}

/* Renders the table or Markdown, cleaned of terminal controls, to out. */
static int emit_clean(const struct host_report *hr, FILE *out, int md, struct err *e)
{
    struct hosts_arg x = {hr, md};
    return report_clean_out(hosts_thunk, &x, out, e);
}

int report_hosts_table(const struct host_report *hr, FILE *out, struct err *e)
{
    return emit_clean(hr, out, 0, e);
}

int report_hosts_markdown(const struct host_report *hr, FILE *out, struct err *e)
{
    return emit_clean(hr, out, 1, e);
}

int report_hosts_csv(const struct host_report *hr, FILE *out, struct err *e)
{
    fputs("host,host_id,run_uuid,workload,metric,unit,better,env,n,median,lo,hi,level,overhead_pct,"
          "overhead_lo,overhead_hi,overhead_level,within_noise\n",
          out);
    for (int i = 0; i < hr->nrows; i++) {
        const struct host_row *r = &hr->rows[i];
        for (int h = 0; h < hr->n; h++) {
            if (r->row[h] < 0) continue;
            const struct report_cell *c = &hr->rep[h].rows[r->row[h]].cell[r->env_idx[h]];
            const char *id = kv_get(&hr->rv[h]->host, "host_id");
            report_csv_field(out, hr->name[h]);
            const char *f[] = {id ? id : "", hr->rv[h]->uuid,
                               r->workload,  r->metric,
                               r->unit,      r->better == BETTER_HIGHER ? "higher" : "lower",
                               r->env};
            for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
                fputc(',', out);
                report_csv_field(out, f[k]);
            }
            fprintf(out, ",%d", c->n);
            report_csv_num(out, c->n ? c->s.median : NAN);
            report_csv_num(out, c->n ? c->s.ci.lo : NAN);
            report_csv_num(out, c->n ? c->s.ci.hi : NAN);
            report_csv_num(out, c->n ? c->s.ci.level : NAN);
            report_csv_num(out, c->has_overhead ? c->ov.pct : NAN);
            report_csv_num(out, c->has_overhead ? c->ov.ci.lo : NAN);
            report_csv_num(out, c->has_overhead ? c->ov.ci.hi : NAN);
            report_csv_num(out, c->has_overhead ? c->ov.ci.level : NAN);
            fprintf(out, ",%d\n", c->has_overhead ? c->ov.within_noise : 0);
        }
    }
    return ferror(out) ? err_set(e, ERR_FAIL, "writing the CSV") : 0;
}
