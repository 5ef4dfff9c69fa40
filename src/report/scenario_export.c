/* scenario_export - a scenario run's samples for other tools, as JSON and
 * CSV: every metric value with the tenant, step and round it belongs to,
 * and every failed sample with its error. No statistics (the scenario's
 * table computes them, report/scenario.c): a tool that reads this file
 * gets what was measured, not a summary of it. */
#include <string.h>

#include "report/report.h"

static int is_scenario(const struct run_view *rv, struct err *e)
{
    if (kv_get(&rv->host, "scenario")) return 1;
    err_set(e, ERR_USAGE, "run %lld is not a scenario run", (long long)rv->id);
    return 0;
}

/* Opens a sample's or a failure's object (the i-th of its array) with
 * where it was measured: workload, env, tenant, step, round. */
static void where_json(FILE *out, int i, const struct run_view *rv, int wl, int env,
                       const char *tenant, const char *step, int rep)
{
    fputs(i ? ",{\"workload\":" : "{\"workload\":", out);
    json_str(out, rv->workloads[wl]);
    fputs(",\"env\":", out);
    json_str(out, rv->envs[env]);
    fputs(",\"tenant\":", out);
    json_str(out, tenant);
    fputs(",\"step\":", out);
    json_str(out, step);
    fprintf(out, ",\"round\":%d", rep);
}

int report_scenario_json(const struct run_view *rv, FILE *out, struct err *e)
{
    if (!is_scenario(rv, e)) return -1;
    report_json_head(rv, out, "isobench.scenario/1", "rounds");
    fputs(",\"samples\":[", out);
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        where_json(out, i, rv, p->wl, p->env, p->tenant, p->step, p->rep);
        fputs(",\"metric\":", out);
        json_str(out, p->metric);
        fputs(",\"unit\":", out);
        json_str(out, p->unit);
        fputs(",\"better\":", out);
        json_str(out, better_str(p->better));
        fputs(",\"value\":", out);
        json_num(out, p->value);
        fputc('}', out);
    }
    fputs("],\"failures\":[", out);
    for (int i = 0; i < rv->nfailures; i++) {
        const struct rv_failure *f = &rv->failures[i];
        where_json(out, i, rv, f->wl, f->env, f->tenant, f->step, f->rep);
        fputs(",\"error\":", out);
        json_str(out, f->error);
        fputc('}', out);
    }
    fputs("],\"raw\":[", out); /* the series (CSV text) the samples kept */
    for (int i = 0; i < rv->nraws; i++) {
        const struct rv_raw *r = &rv->raws[i];
        where_json(out, i, rv, r->wl, r->env, r->tenant, r->step, r->rep);
        fputs(",\"text\":", out);
        json_str(out, r->text);
        fputc('}', out);
    }
    fputs("]}\n", out);
    return 0;
}

/* The columns every line starts with: run, scenario, workload, env,
 * tenant, step, round. */
static void csv_head(const struct run_view *rv, FILE *out, int wl, int env, const char *tenant,
                     const char *step, int round)
{
    fprintf(out, "%lld,", (long long)rv->id);
    report_csv_field(out, kv_get(&rv->host, "scenario"));
    fputc(',', out);
    report_csv_field(out, rv->workloads[wl]);
    fputc(',', out);
    report_csv_field(out, rv->envs[env]);
    fputc(',', out);
    report_csv_field(out, tenant);
    fputc(',', out);
    report_csv_field(out, step);
    fprintf(out, ",%d,", round);
}

int report_scenario_csv(const struct run_view *rv, FILE *out, struct err *e)
{
    if (!is_scenario(rv, e)) return -1;
    fputs("run_id,scenario,workload,env,tenant,step,round,metric,unit,better,value,error\n", out);
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        csv_head(rv, out, p->wl, p->env, p->tenant, p->step, p->rep);
        report_csv_field(out, p->metric);
        fputc(',', out);
        report_csv_field(out, p->unit);
        fprintf(out, ",%s", better_str(p->better));
        report_csv_num(out, p->value);
        fputs(",\n", out);
    }
    for (int i = 0; i < rv->nfailures; i++) {
        const struct rv_failure *f = &rv->failures[i];
        csv_head(rv, out, f->wl, f->env, f->tenant, f->step, f->rep);
        fputs(",,,,", out);
        report_csv_field(out, f->error);
        fputc('\n', out);
    }
    return 0;
}
