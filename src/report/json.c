/* json - the whole run as one JSON document (schema: docs/results.md). */
#include <math.h>
#include <string.h>

#include "report/explain.h"
#include "report/compare.h"
#include "report/report.h"

/* Writes one result object of row r in environment j: its values, median
 * and intervals, and the overhead fields when the cell has one. */
static void json_cell(const struct report *rep, const struct report_row *r, int j, FILE *out)
{
    const struct run_view *rv = rep->rv;
    const struct report_cell *c = &r->cell[j];
    fputs("{\"workload\":", out);
    json_str(out, rv->workloads[r->wl]);
    fputs(",\"metric\":", out);
    json_str(out, r->metric);
    fputs(",\"unit\":", out);
    json_str(out, r->unit);
    fputs(",\"better\":", out);
    json_str(out, better_str(r->better));
    fputs(",\"env\":", out);
    json_str(out, rv->envs[j]);
    fprintf(out, ",\"n\":%d,\"values\":[", c->n);
    for (int k = 0; k < c->n; k++) {
        if (k) fputc(',', out);
        json_num(out, c->values[k]);
    }
    fputs("],\"median\":", out);
    json_num(out, c->s.median);
    fputs(",\"mean\":", out);
    json_num(out, c->s.mean);
    fputs(",\"stddev\":", out);
    json_num(out, c->s.stddev);
    fputs(",\"cov\":", out);
    json_num(out, c->s.cov);
    fputs(",\"median_ci_low\":", out);
    json_num(out, c->s.ci.level > 0 ? c->s.ci.lo : NAN);
    fputs(",\"median_ci_high\":", out);
    json_num(out, c->s.ci.level > 0 ? c->s.ci.hi : NAN);
    fputs(",\"median_ci_level\":", out);
    json_num(out, c->s.ci.level);
    fputs(",\"mean_ci95_low\":", out);
    json_num(out, c->s.t_lo);
    fputs(",\"mean_ci95_high\":", out);
    json_num(out, c->s.t_hi);
    fprintf(out, ",\"noisy\":%s,\"failed\":%d", c->s.noisy ? "true" : "false", c->failed);
    if (c->has_overhead) {
        fputs(",\"overhead_pct\":", out);
        json_num(out, c->ov.pct);
        fputs(",\"overhead_ci_low_pct\":", out);
        json_num(out, c->ov.ci.level > 0 ? c->ov.ci.lo : NAN);
        fputs(",\"overhead_ci_high_pct\":", out);
        json_num(out, c->ov.ci.level > 0 ? c->ov.ci.hi : NAN);
        fputs(",\"overhead_ci_level\":", out);
        json_num(out, c->ov.ci.level);
        fprintf(out, ",\"overhead_rounds\":%d", c->ov.rounds);
        fprintf(out, ",\"overhead_within_noise\":%s", c->ov.within_noise ? "true" : "false");
        fputs(",\"overhead_p_holm\":", out); /* null: not tested */
        json_num(out, c->p_holm);
    }
    fputc('}', out);
}

void report_json_head(const struct run_view *rv, FILE *out, const char *schema,
                      const char *count_key)
{
    fputs("{\"schema\":", out);
    json_str(out, schema);
    fprintf(out, ",\"run\":{\"id\":%lld,\"uuid\":", (long long)rv->id);
    json_str(out, rv->uuid);
    const char *scenario = kv_get(&rv->host, "scenario");
    if (scenario) {
        fputs(",\"scenario\":", out);
        json_str(out, scenario);
    }
    fputs(",\"started\":", out);
    json_str(out, rv->started);
    fputs(",\"finished\":", out);
    json_str(out, rv->finished);
    fputs(",\"status\":", out);
    json_str(out, rv->status);
    fputs(",\"size\":", out);
    json_str(out, size_str(rv->size));
    fprintf(out, ",\"%s\":%d,\"command\":", count_key, rv->reps);
    json_str(out, rv->command);
    fputs("},\"host\":", out);
    json_kvlist(out, &rv->host);
    fputs(",\"environments\":[", out);
    for (int j = 0; j < rv->nenv; j++) {
        fputs(j ? ",{\"spec\":" : "{\"spec\":", out);
        json_str(out, rv->envs[j]);
        fputs(",\"facts\":", out);
        json_kvlist(out, &rv->env_facts[j]);
        fputc('}', out);
    }
    fputs("],\"workloads\":[", out);
    for (int w = 0; w < rv->nwl; w++) {
        fputs(w ? ",{\"name\":" : "{\"name\":", out);
        json_str(out, rv->workloads[w]);
        fputs(",\"options\":", out);
        json_kvlist(out, &rv->wl_opts[w]);
        fputs(",\"caveats\":[", out);
        for (int i = 0, n = 0; i < rv->ncaveats; i++) {
            if (rv->caveats[i].wl != w) continue;
            if (n++) fputc(',', out);
            json_str(out, rv->caveats[i].text);
        }
        fputs("]}", out);
    }
    fputc(']', out);
}

/* Writes the run's JSON document (isobench.run/2; docs/results.md):
 * results, perop, counters_absent, failures, not_measured and explain's
 * part. -1 only if explain_emit fails. */
static int json_emit(const struct report *rep, FILE *out, struct err *e)
{
    (void)e;
    const struct run_view *rv = rep->rv;
    report_json_head(rv, out, "isobench.run/2", "repetitions");
    fputs(",\"results\":[", out);
    int first = 1;
    for (int i = 0; i < rep->nrows; i++)
        for (int j = 0; j < rv->nenv; j++) {
            if (rep->rows[i].cell[j].n == 0) continue;
            if (!first) fputc(',', out);
            first = 0;
            json_cell(rep, &rep->rows[i], j, out);
        }
    fputs("],\"perop\":[", out); /* per-operation counters: no overhead (docs/results.md) */
    first = 1;
    for (int i = 0; i < rep->nperop; i++)
        for (int j = 0; j < rv->nenv; j++) {
            if (rep->perop[i].cell[j].n == 0) continue;
            if (!first) fputc(',', out);
            first = 0;
            json_cell(rep, &rep->perop[i], j, out);
        }
    fputs("],\"counters_absent\":[", out);
    for (int i = 0; i < rv->nabsent; i++) {
        const struct rv_absent *a = &rv->absent[i];
        fputs(i ? ",{\"workload\":" : "{\"workload\":", out);
        json_str(out, rv->workloads[a->wl]);
        fputs(",\"env\":", out);
        json_str(out, rv->envs[a->env]);
        fputs(",\"counter\":", out);
        json_str(out, a->counter);
        fputs(",\"why\":", out);
        json_str(out, a->why);
        fputc('}', out);
    }
    fputs("],\"failures\":[", out);
    for (int i = 0; i < rv->nfailures; i++) {
        const struct rv_failure *f = &rv->failures[i];
        fputs(i ? ",{\"workload\":" : "{\"workload\":", out);
        json_str(out, rv->workloads[f->wl]);
        fputs(",\"env\":", out);
        json_str(out, rv->envs[f->env]);
        fprintf(out, ",\"rep\":%d,\"warmup\":%s,\"error\":", f->rep, f->warmup ? "true" : "false");
        json_str(out, f->error);
        fputc('}', out);
    }
    fputs("],\"not_measured\":[", out);
    for (int i = 0; i < rv->nna; i++) {
        fputs(i ? ",{\"workload\":" : "{\"workload\":", out);
        json_str(out, rv->workloads[rv->na[i].wl]);
        fputs(",\"env\":", out);
        json_str(out, rv->envs[rv->na[i].env]);
        fputs(",\"reason\":", out);
        json_str(out, rv->na[i].reason);
        fputc('}', out);
    }
    fprintf(out, "],\"caveats_not_listed\":%d", rv->caveats_left);
    if (explain_emit(rep, out, EXPLAIN_JSON, e) < 0) return -1;
    fputs("}\n", out);
    return 0;
}

const struct reporter reporter_json = {
    .name = "json",
    .summary = "one JSON document (docs/results.md)",
    .emit = json_emit,
    .scenario = report_scenario_json,
    .compare = compare_emit_json,
    .hosts = report_hosts_json,
};
