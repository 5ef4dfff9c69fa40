/* csv - one line per workload x metric x environment (docs/results.md).
 * Empty fields where a value does not apply; never NaN or inf. */
#include <math.h>
#include <string.h>

#include "report/explain.h"
#include "report/compare.h"
#include "report/report.h"

void report_csv_field(FILE *f, const char *s)
{
    fputc('"', f); /* every text field quoted: a value from a guest cannot end it */
    for (; s && *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void report_csv_num(FILE *f, double v)
{
    fputc(',', f);
    if (isfinite(v)) fprintf(f, "%.10g", v);
}

/* Writes one CSV line per (metric, environment) with samples: the
 * summary statistics and, against native, the overhead; then explain's
 * rows. Returns explain_emit's result. */
static int csv_emit(const struct report *rep, FILE *out, struct err *e)
{
    const struct run_view *rv = rep->rv;
    fputs("run_id,run_uuid,workload,metric,unit,better,env,n,median,mean,stddev,cov,"
          "median_ci_low,median_ci_high,median_ci_level,noisy,overhead_pct,overhead_ci_low_pct,"
          "overhead_ci_high_pct,overhead_ci_level,overhead_rounds,overhead_within_noise\n",
          out);
    for (int i = 0; i < rep->nrows; i++) {
        const struct report_row *r = &rep->rows[i];
        for (int j = 0; j < rv->nenv; j++) {
            const struct report_cell *c = &r->cell[j];
            if (c->n == 0) continue;
            fprintf(out, "%lld,%s,", (long long)rv->id, rv->uuid);
            report_csv_field(out, rv->workloads[r->wl]);
            fputc(',', out);
            report_csv_field(out, r->metric);
            fputc(',', out);
            report_csv_field(out, r->unit);
            fprintf(out, ",%s,", better_str(r->better));
            report_csv_field(out, rv->envs[j]);
            fprintf(out, ",%d", c->n);
            report_csv_num(out, c->s.median);
            report_csv_num(out, c->s.mean);
            report_csv_num(out, c->s.stddev);
            report_csv_num(out, c->s.cov);
            report_csv_num(out, c->s.ci.level > 0 ? c->s.ci.lo : NAN);
            report_csv_num(out, c->s.ci.level > 0 ? c->s.ci.hi : NAN);
            report_csv_num(out, c->s.ci.level);
            fprintf(out, ",%d", c->s.noisy);
            if (c->has_overhead) {
                report_csv_num(out, c->ov.pct);
                report_csv_num(out, c->ov.ci.level > 0 ? c->ov.ci.lo : NAN);
                report_csv_num(out, c->ov.ci.level > 0 ? c->ov.ci.hi : NAN);
                report_csv_num(out, c->ov.ci.level);
                fprintf(out, ",%d,%d\n", c->ov.rounds, c->ov.within_noise);
            } else {
                fputs(",,,,,,\n", out);
            }
        }
    }
    return explain_emit(rep, out, EXPLAIN_CSV, e);
}

const struct reporter reporter_csv = {
    .name = "csv",
    .summary = "CSV, one line per workload/metric/environment",
    .emit = csv_emit,
    .scenario = report_scenario_csv,
    .compare = compare_emit_csv,
    .hosts = report_hosts_csv,
};
