/* hosts_out.c - several hosts side by side as JSON (schema
 * "isobench.hosts/1", docs/fleet.md) and as one self-contained HTML page:
 * the hosts, the facts that differ between them, then per workload
 * metric and environment each host's median and overhead against its
 * own native, with their intervals. */
#include <math.h>
#include <string.h>

#include "report/report.h"
#include "report/svg.h"

/* A cell's numbers: n, median and its interval, the overhead and its. */
static void json_cell(const struct report_cell *c, FILE *out)
{
    fprintf(out, "{\"n\":%d,\"failed\":%d,\"median\":", c->n, c->failed);
    json_num(out, c->n ? c->s.median : NAN);
    fputs(",\"lo\":", out);
    json_num(out, c->n ? c->s.ci.lo : NAN);
    fputs(",\"hi\":", out);
    json_num(out, c->n ? c->s.ci.hi : NAN);
    fputs(",\"level\":", out);
    json_num(out, c->n ? c->s.ci.level : NAN);
    fputs(",\"overhead\":", out);
    if (!c->has_overhead) {
        fputs("null}", out);
        return;
    }
    fputs("{\"pct\":", out);
    json_num(out, c->ov.pct);
    fputs(",\"lo\":", out);
    json_num(out, c->ov.ci.lo);
    fputs(",\"hi\":", out);
    json_num(out, c->ov.ci.hi);
    fputs(",\"level\":", out);
    json_num(out, c->ov.ci.level);
    fprintf(out, ",\"rounds\":%d,\"within_noise\":%s}}", c->ov.rounds,
            c->ov.within_noise ? "true" : "false");
}

int report_hosts_json(const struct host_report *hr, FILE *out, struct err *e)
{
    fputs("{\"schema\":\"isobench.hosts/1\",\"hosts\":[", out);
    for (int h = 0; h < hr->n; h++) {
        const struct run_view *rv = hr->rv[h];
        const char *id = kv_get(&rv->host, "host_id");
        fputs(h ? ",{\"name\":" : "{\"name\":", out);
        json_str(out, hr->name[h]);
        fputs(",\"host_id\":", out);
        if (id)
            json_str(out, id);
        else
            fputs("null", out);
        fprintf(out, ",\"run\":{\"id\":%lld,\"uuid\":", (long long)rv->id);
        json_str(out, rv->uuid);
        fputs(",\"status\":", out);
        json_str(out, rv->status);
        fputs(",\"command\":", out);
        json_str(out, rv->command);
        fputs("},\"facts\":", out);
        json_kvlist(out, &rv->host);
        fputc('}', out);
    }
    fputs("],\"differing\":[", out);
    for (int k = 0; k < hr->ndiffer; k++) {
        fputs(k ? ",{\"key\":" : "{\"key\":", out);
        json_str(out, hr->differ[k]);
        fputs(",\"values\":[", out);
        for (int h = 0; h < hr->n; h++) {
            const char *v = kv_get(&hr->rv[h]->host, hr->differ[k]);
            if (h) fputc(',', out);
            if (v)
                json_str(out, v);
            else
                fputs("null", out);
        }
        fputs("]}", out);
    }
    fputs("],\"rows\":[", out);
    for (int i = 0; i < hr->nrows; i++) {
        const struct host_row *r = &hr->rows[i];
        fputs(i ? ",{\"workload\":" : "{\"workload\":", out);
        json_str(out, r->workload);
        fputs(",\"metric\":", out);
        json_str(out, r->metric);
        fputs(",\"unit\":", out);
        json_str(out, r->unit);
        fprintf(out,
                ",\"better\":\"%s\",\"env\":", r->better == BETTER_HIGHER ? "higher" : "lower");
        json_str(out, r->env);
        fputs(",\"cells\":[", out);
        for (int h = 0; h < hr->n; h++) {
            if (h) fputc(',', out);
            if (r->row[h] < 0)
                fputs("null", out);
            else
                json_cell(&hr->rep[h].rows[r->row[h]].cell[r->env_idx[h]], out);
        }
        fputs("]}", out);
    }
    fputs("]}\n", out);
    return ferror(out) ? err_set(e, ERR_FAIL, "writing the JSON") : 0;
}

static const char style[] =
    "body{font-family:sans-serif;margin:2em;max-width:90em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;font-size:90%}"
    "th{background:#eee}.note{color:#555}";

/* The hosts and the facts that differ, as two tables. */
static void html_hosts(const struct host_report *hr, FILE *out)
{
    fputs("<h2>Hosts</h2>\n<table><tr><th>host</th><th>host id</th><th>run</th><th>CPU</th>"
          "<th>kernel</th></tr>\n",
          out);
    for (int h = 0; h < hr->n; h++) {
        const struct run_view *rv = hr->rv[h];
        const char *v[] = {hr->name[h], kv_get(&rv->host, "host_id"), rv->uuid,
                           kv_get(&rv->host, "cpu_model"), kv_get(&rv->host, "kernel")};
        fputs("<tr>", out);
        for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
            fputs("<td>", out);
            svg_text(out, v[k] ? v[k] : "-");
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n<h2>Facts that differ between the hosts</h2>\n", out);
    if (!hr->ndiffer) fputs("<p>none</p>\n", out);
    if (hr->ndiffer) {
        fputs("<table><tr><th>fact</th>", out);
        for (int h = 0; h < hr->n; h++) {
            fputs("<th>", out);
            svg_text(out, hr->name[h]);
            fputs("</th>", out);
        }
        fputs("</tr>\n", out);
    }
    for (int k = 0; k < hr->ndiffer; k++) {
        fputs("<tr><th>", out);
        svg_text(out, hr->differ[k]);
        fputs("</th>", out);
        for (int h = 0; h < hr->n; h++) {
            const char *v = kv_get(&hr->rv[h]->host, hr->differ[k]);
            fputs("<td>", out);
            svg_text(out, v ? v : "(not recorded)");
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    if (hr->ndiffer) fputs("</table>\n", out);
}

int report_hosts_html(const struct host_report *hr, FILE *out, struct err *e)
{
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>isobench: %d hosts</title><style>%s</style></head><body>\n"
            "<h1>isobench: %d hosts side by side</h1>\n",
            hr->n, style, hr->n);
    html_hosts(hr, out);
    fputs("<h2>Results</h2>\n<p class=\"note\">Per host: the median [its distribution-free "
          "interval] over the rounds and, against that host's own native, the overhead: the "
          "median over paired rounds of how much worse the environment is (+ worse, - better) "
          "[its interval]; ~ within noise; - not measured on that host.</p>\n"
          "<table><tr><th>workload</th><th>metric</th><th>environment</th>",
          out);
    for (int h = 0; h < hr->n; h++) {
        fputs("<th>", out);
        svg_text(out, hr->name[h]);
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
    for (int i = 0; i < hr->nrows; i++) {
        const struct host_row *r = &hr->rows[i];
        const char *v[] = {r->workload, r->metric, r->env};
        fputs("<tr>", out);
        for (size_t k = 0; k < 3; k++) {
            fputs("<td>", out);
            svg_text(out, v[k]);
            fputs("</td>", out);
        }
        for (int h = 0; h < hr->n; h++) {
            char cell[256];
            report_host_cell(hr, r, h, cell, sizeof(cell));
            fputs("<td>", out);
            svg_text(out, cell);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n</body></html>\n", out);
    return ferror(out) ? err_set(e, ERR_FAIL, "writing the HTML") : 0;
}
