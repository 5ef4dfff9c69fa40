/* markdown - the run's numbers as Markdown tables, for pasting into an
 * issue or a paper: per workload a table of metric x environment with the
 * same cells as the terminal table (median [interval], overhead [interval]),
 * then the notes. */
#include <string.h>

#include "report/explain.h"
#include "report/report.h"

/* A table cell: | is escaped, newlines folded. */
static void md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' ? ' ' : *s, f);
    }
}

/* The paper beside this host, when the run measured any of its workloads. */
static void md_paper(const struct report *rep, FILE *out)
{
    struct paper_cmp cmp[PAPER_MAX];
    int n = paper_compare(rep, cmp, PAPER_MAX);
    if (n == 0) return;
    fputs("\n### The paper beside this host\n\n| workload | metric | environment | paper | paper "
          "overhead % | this host % [interval] (level) | verdict | known reason |\n"
          "|---|---|---|---|---|---|---|---|\n",
          out);
    for (int i = 0; i < n; i++) {
        const struct paper_cmp *c = &cmp[i];
        char here[200];
        paper_host_text(rep, c, here, sizeof(here));
        fprintf(out, "| %s | %s | ", c->num->workload,
                c->row >= 0 ? rep->rows[c->row].metric : c->num->metric);
        md_text(out, c->env >= 0 ? rep->rv->envs[c->env] : c->num->role);
        fputs(" | ", out);
        md_text(out, c->num->text);
        fprintf(out, " | %+.1f | ", c->num->pct);
        md_text(out, here);
        fprintf(out, " | %s | ", c->verdict ? c->verdict : "-");
        md_text(out, c->reason);
        fputs(" |\n", out);
    }
    fputs("\nPaper: Felter et al., IBM RC25482 (2014); each number's source is in "
          "src/report/felter2015.def.\n",
          out);
}

/* Writes rep as Markdown: the run's line and environment labels, one
 * table per workload, the legend, n/a, notes, failures, the paper's part
 * and explain's. Returns explain_emit's result. */
static int md_render(const struct report *rep, FILE *out, struct err *e)
{
    (void)e;
    const struct run_view *rv = rep->rv;
    fprintf(out, "## isobench run %lld (%s)\n\nstatus %s, size %s, %d repetitions; host: ",
            (long long)rv->id, rv->uuid, rv->status, size_str(rv->size), rv->reps);
    md_text(out, kv_get(&rv->host, "cpu_model") ? kv_get(&rv->host, "cpu_model") : "?");
    fprintf(out, ", %s CPUs, kernel %s\n\n",
            kv_get(&rv->host, "cpus_online") ? kv_get(&rv->host, "cpus_online") : "?",
            kv_get(&rv->host, "kernel") ? kv_get(&rv->host, "kernel") : "?");
    char peer[1024];
    if (report_peer_text(rv, peer, sizeof(peer)) == 0) {
        fputs("peer host (client halves): ", out);
        md_text(out, peer);
        fputs("\n\n", out);
    }
    for (int j = 0; j < rv->nenv; j++) {
        const char *l = kv_get(&rv->env_facts[j], "label");
        if (!l) continue;
        fputs("- `", out);
        md_text(out, rv->envs[j]);
        fputs("`: ", out);
        md_text(out, l);
        fputc('\n', out);
    }
    for (int w = 0; w < rv->nwl; w++) {
        fprintf(out, "\n### %s\n\n| metric | unit | better |", rv->workloads[w]);
        for (int j = 0; j < rv->nenv; j++) {
            fputc(' ', out);
            md_text(out, rv->envs[j]);
            fputs(" |", out);
        }
        fputs("\n|---|---|---|", out);
        for (int j = 0; j < rv->nenv; j++)
            fputs("---|", out);
        fputc('\n', out);
        for (int i = 0; i < rep->nrows; i++) {
            const struct report_row *r = &rep->rows[i];
            if (r->wl != w) continue;
            fprintf(out, "| %s | %s | %s |", r->metric, r->unit, better_str(r->better));
            for (int j = 0; j < rv->nenv; j++) {
                char cell[160];
                report_cell_text(r, j, store_na_reason(rv, r->wl, j), cell, sizeof(cell));
                fputc(' ', out);
                md_text(out, cell);
                fputs(" |", out);
            }
            fputc('\n', out);
        }
    }
    char levels[512];
    report_levels(rep, levels, sizeof(levels));
    fprintf(out,
            "\nmedian [interval] over repetitions; overhead %% = median over paired rounds of how "
            "much worse than native (+ worse, - better) [interval]; intervals are "
            "distribution-free and reach %s; ~ within noise (the interval holds 0, or the report's "
            "family of overheads, Holm at 5 %%, cannot tell it from 0); ! CoV > 5%%\n",
            levels);
    for (int i = 0; i < rv->nna; i++)
        fprintf(out, "\n- n/a: %s on `%s`: %s", rv->workloads[rv->na[i].wl],
                rv->envs[rv->na[i].env], rv->na[i].reason);
    for (int i = 0; i < rv->ncaveats; i++)
        fprintf(out, "\n- note: %s: %s", rv->workloads[rv->caveats[i].wl], rv->caveats[i].text);
    for (int i = 0; i < rv->nfailures; i++)
        fprintf(out, "\n- FAILED %s on `%s`, %s %d: %s", rv->workloads[rv->failures[i].wl],
                rv->envs[rv->failures[i].env], rv->failures[i].warmup ? "warm-up" : "repetition",
                rv->failures[i].rep, rv->failures[i].error);
    fputc('\n', out);
    md_paper(rep, out);
    return explain_emit(rep, out, EXPLAIN_MD, e);
}

/* The Markdown, cleaned of terminal controls a guest's text may carry. */
static int md_emit(const struct report *rep, FILE *out, struct err *e)
{
    return report_emit_clean(md_render, rep, out, e);
}

const struct reporter reporter_markdown = {
    .name = "markdown",
    .summary = "Markdown tables (the table reporter's numbers), for issues and papers",
    .emit = md_emit,
    .scenario = report_scenario_markdown,
    .text = 1,
    .hosts = report_hosts_markdown,
};
