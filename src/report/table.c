/* table - the terminal report, shaped like Table I of Felter et al.: one
 * row per workload metric, per environment its median with its
 * distribution-free interval [lo, hi] and, against native, the overhead
 * (median over paired rounds) with its interval. The legend says which
 * confidence the intervals reach (95 % needs 6 repetitions). Marks: "~"
 * overhead within noise (its interval holds 0, or the family-wise test
 * over every overhead cell cannot tell it from 0), "!"
 * noisy (CoV > 5 %). */
#include <stdlib.h>
#include <string.h>

#include "report/explain.h"
#include "report/compare.h"
#include "report/report.h"

static void table_header(const struct report *rep, FILE *out)
{
    const struct run_view *rv = rep->rv;
    fprintf(out, "run %lld (%s)  size=%s  repetitions=%d  status=%s\n", (long long)rv->id, rv->uuid,
            size_str(rv->size), rv->reps, rv->status);
    const char *cpu = kv_get(&rv->host, "cpu_model"), *k = kv_get(&rv->host, "kernel");
    const char *n = kv_get(&rv->host, "cpus_online"), *b = kv_get(&rv->host, "build_flags");
    fprintf(out, "host: %s, %s CPUs, kernel %s; isobench %s (%s)\n", cpu ? cpu : "?", n ? n : "?",
            k ? k : "?", kv_get(&rv->host, "isobench_version") ?: "?", b ? b : "?");
    char peer[1024];
    if (report_peer_text(rv, peer, sizeof(peer)) == 0) fprintf(out, "peer host: %s\n", peer);
    const char *slice = kv_get(&rv->host, "slice");
    if (slice) fprintf(out, "slice: %s for every environment (--slice)\n", slice);
    for (int i = 0; i < rv->nenv; i++) {
        const struct kvlist *f = &rv->env_facts[i];
        const char *label = kv_get(f, "label"), *st = kv_get(f, "startup_s");
        const char *fp = kv_get(f, "footprint_bytes");
        const char *na = kv_get(f, "not_applied");
        if (label) fprintf(out, "env %s: %s\n", rv->envs[i], label);
        if (na) fprintf(out, "env %s: not applied here: %s\n", rv->envs[i], na);
        for (int x = 0; x < f->n; x++) /* --sizing: other instances for some workloads */
            if (!strncmp(f->v[x].key, "sized.", 6))
                fprintf(out, "env %s: %s ran as %s\n", rv->envs[i], f->v[x].key + 6, f->v[x].val);
        if (st)
            fprintf(out, "env %s: start -> agent ready %.2f ms%s", rv->envs[i], atof(st) * 1e3,
                    fp ? "" : "\n");
        if (st && fp) fprintf(out, ", memory footprint %.1f MiB\n", atof(fp) / 1048576.0);
    }
    for (int w = 0; w < rv->nwl; w++) {
        if (rv->wl_opts[w].n == 0) continue;
        fprintf(out, "%s:", rv->workloads[w]);
        for (int i = 0; i < rv->wl_opts[w].n; i++)
            fprintf(out, " %s=%s", rv->wl_opts[w].v[i].key, rv->wl_opts[w].v[i].val);
        fputc('\n', out);
    }
    fputc('\n', out);
}

/* For each workload whose environments' memory sat on huge pages to
 * different degrees (shares more than a quarter apart), a note: its
 * overhead then includes the page size, not only the isolation. */
static void table_pages_note(const struct run_view *rv, FILE *out)
{
    for (int w = 0; w < rv->nwl && w < LIM_WORKLOADS; w++) {
        double lo = 2, hi = -1;
        for (int j = 0; j < rv->nenv && j < LIM_ENVS; j++) {
            if (!rv->has_huge[w][j]) continue;
            if (rv->huge_lo[w][j] < lo) lo = rv->huge_lo[w][j];
            if (rv->huge_hi[w][j] > hi) hi = rv->huge_hi[w][j];
        }
        if (hi - lo <= 0.25) continue;
        fprintf(out, "note: %s's memory on huge pages differs:", rv->workloads[w]);
        for (int j = 0; j < rv->nenv && j < LIM_ENVS; j++) {
            if (!rv->has_huge[w][j]) continue;
            fprintf(out, " %s %.2f", rv->envs[j], rv->huge_lo[w][j]);
            if (rv->huge_hi[w][j] != rv->huge_lo[w][j]) fprintf(out, "-%.2f", rv->huge_hi[w][j]);
        }
        fprintf(out, " (its overhead includes the page size; see pages= and each environment's "
                     "thp fact)\n");
    }
}

/* Display width of UTF-8 text (continuation bytes take no column). */
static int text_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int width_max(int w, const char *s)
{
    int n = text_width(s);
    return n > w ? n : w;
}

static void put_padded(FILE *out, const char *s, int width)
{
    fprintf(out, " | %s%*s", s, width - text_width(s), "");
}

#define TABLE_WIDE 10.0 /* points: an overhead interval reaching further is "wide" */

/* Which overheads could not be pinned down to within ±TABLE_WIDE points of
 * their median (an interval end further away, or no interval at all):
 * per workload, its metrics with such a cell, or how many of its cells,
 * so that a reader knows which rows say something and which need more
 * rounds (or a quieter host). Nothing when all are narrow. */
static void table_wide_note(const struct report *rep, FILE *out)
{
    const struct run_view *rv = rep->rv;
    char line[600] = "";
    for (int w = 0; w < rv->nwl; w++) {
        int cells = 0, wide = 0, rows = 0, nlist = 0;
        char list[200] = "";
        for (int i = 0; i < rep->nrows; i++) {
            const struct report_row *r = &rep->rows[i];
            if (r->wl != w) continue;
            int row_wide = 0;
            for (int j = 0; j < rv->nenv; j++) {
                const struct report_cell *c = &r->cell[j];
                if (!c->has_overhead) continue;
                cells++;
                int w10 = c->ov.ci.level <= 0 || c->ov.ci.lo < c->ov.pct - TABLE_WIDE ||
                          c->ov.ci.hi > c->ov.pct + TABLE_WIDE;
                wide += w10;
                row_wide |= w10;
            }
            rows += row_wide;
            if (row_wide && nlist++ < 3)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                         list[0] ? "," : "", r->metric);
        }
        if (!wide) continue;
        char item[300];
        if (rows <= 3)
            snprintf(item, sizeof(item), "%s %s (%d of %d cells)", rv->workloads[w], list, wide,
                     cells);
        else
            snprintf(item, sizeof(item), "%s %d metrics (%d of %d cells)", rv->workloads[w], rows,
                     wide, cells);
        snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", line[0] ? "; " : "",
                 item);
    }
    if (line[0])
        fprintf(out,
                "note: overheads not within ±%.0f points of their median (more rounds, a "
                "quieter host): %s\n",
                TABLE_WIDE, line);
}

/* Prints rep as the text table (column widths from every cell), its
 * legend and the notes: pages, wide cells, unreported metrics, counters,
 * --target-ci's outcome, n/a, caveats and failures; then explain's part.
 * Returns explain_emit's result. */
static int table_render(const struct report *rep, FILE *out, struct err *e)
{
    (void)e;
    const struct run_view *rv = rep->rv;
    table_header(rep, out);
    int ww = 8, mw = 6, uw = 4, cw[64] = {0};
    char cellbuf[160];
    for (int j = 0; j < rv->nenv && j < 64; j++)
        cw[j] = width_max(12, rv->envs[j]);
    for (int i = 0; i < rep->nrows; i++) {
        const struct report_row *r = &rep->rows[i];
        ww = width_max(ww, rv->workloads[r->wl]);
        mw = width_max(mw, r->metric);
        uw = width_max(uw, r->unit);
        for (int j = 0; j < rv->nenv && j < 64; j++) {
            report_cell_text(r, j, store_na_reason(rv, r->wl, j), cellbuf, sizeof(cellbuf));
            cw[j] = width_max(cw[j], cellbuf);
        }
    }
    fprintf(out, "%-*s %-*s %-*s %-6s", ww, "workload", mw, "metric", uw, "unit", "better");
    for (int j = 0; j < rv->nenv && j < 64; j++)
        put_padded(out, rv->envs[j], cw[j]);
    fputc('\n', out);
    for (int i = 0; i < rep->nrows; i++) {
        const struct report_row *r = &rep->rows[i];
        fprintf(out, "%-*s %-*s %-*s %-6s", ww, rv->workloads[r->wl], mw, r->metric, uw, r->unit,
                better_str(r->better));
        for (int j = 0; j < rv->nenv && j < 64; j++) {
            report_cell_text(r, j, store_na_reason(rv, r->wl, j), cellbuf, sizeof(cellbuf));
            put_padded(out, cellbuf, cw[j]);
        }
        fputc('\n', out);
    }
    if (rep->native < 0) fprintf(out, "\n(no native environment in this run: no overhead)\n");
    char levels[512];
    report_levels(rep, levels, sizeof(levels));
    fprintf(
        out,
        "\nvalue = median [interval] over repetitions; overhead %% = median over paired rounds "
        "of how much worse than native (+ worse, - better) [interval]; intervals are "
        "distribution-free and reach %s (a level printed in a cell: below that); ~ within noise "
        "(the interval holds 0, or the family of %d overheads, Holm at %.0f %%, cannot tell it "
        "from 0); ! CoV > 5%%\n",
        levels, rep->tested, (1 - STATS_LEVEL) * 100);
    table_pages_note(rv, out);
    table_wide_note(rep, out);
    for (int i = 0, done = 0; i < rep->nrows && !done; i++)
        for (int j = 0; j < rv->nenv && !done; j++)
            if (rep->rows[i].cell[j].unreported) {
                fprintf(out, "note: not reported = the environment's samples succeeded without "
                             "that metric (podman and docker: their host CPU cost is not read)\n");
                done = 1;
            }
    if (kv_get(&rv->host, "counters"))
        fprintf(out, "note: measured with --counters: every number includes what counting cost "
                     "(each context switch; the perop.* metrics: --format json)\n");
    for (int i = 0; i < rv->host.n; i++) { /* --target-ci's outcome */
        const struct kv *f = &rv->host.v[i];
        if (!strncmp(f->key, "rounds.", 7))
            fprintf(out, "note: %s ran %s rounds (--target-ci)\n", f->key + 7, f->val);
        else if (!strncmp(f->key, "not_converged.", 14))
            fprintf(out, "note: %s did not converge: %s\n", f->key + 14, f->val);
    }
    for (int i = 0; i < rv->nna; i++)
        fprintf(out, "n/a: %s on %s: %s\n", rv->workloads[rv->na[i].wl], rv->envs[rv->na[i].env],
                rv->na[i].reason);
    for (int i = 0; i < rv->ncaveats; i++)
        fprintf(out, "note: %s: %s\n", rv->workloads[rv->caveats[i].wl], rv->caveats[i].text);
    if (rv->caveats_left)
        fprintf(out, "note: %d more caveats in the samples' *.caveat facts (--format json)\n",
                rv->caveats_left);
    for (int i = 0; i < rv->nfailures; i++) {
        const struct rv_failure *f = &rv->failures[i];
        fprintf(out, "FAILED %s on %s, %s %d: %s\n", rv->workloads[f->wl], rv->envs[f->env],
                f->warmup ? "warm-up" : "repetition", f->rep, f->error);
    }
    return explain_emit(rep, out, EXPLAIN_TEXT, e);
}

/* The table, cleaned of terminal controls a guest's text may carry. */
static int table_emit(const struct report *rep, FILE *out, struct err *e)
{
    return report_emit_clean(table_render, rep, out, e);
}

const struct reporter reporter_table = {
    .name = "table",
    .summary = "terminal table like the paper's Table I",
    .emit = table_emit,
    .scenario = report_scenario_table,
    .compare = compare_emit_table,
    .text = 1,
    .hosts = report_hosts_table,
};
