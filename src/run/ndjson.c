/* ndjson.c - what a run says while it runs: its NDJSON lines (run
 * --json) and the progress line with its ETA. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/host.h"
#include "core/json.h"
#include "core/pcount.h"
#include "run/converge.h"
#include "run/runner.h"
#include "run/runner_priv.h"

/* An NDJSON line's start: {"run":..,"workload":..,"env":.. */
static void emit_head(FILE *f, const char *uuid, const char *wl, const char *env)
{
    fputs("{\"run\":", f);
    json_str(f, uuid);
    fputs(",\"workload\":", f);
    json_str(f, wl);
    fputs(",\"env\":", f);
    json_str(f, env);
}

void runner_emit_ndjson(FILE *f, const char *uuid, const char *wl, const char *env, int round,
                        int warmup, double wall, const struct reply *r)
{
    emit_head(f, uuid, wl, env);
    fprintf(f, ",\"rep\":%d,\"warmup\":%s,\"ok\":%s,\"wall_s\":", round, warmup ? "true" : "false",
            r->ok ? "true" : "false");
    json_num(f, wall);
    fputs(",\"metrics\":[", f);
    for (int i = 0; r->ok && i < r->res.n; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, r->res.m[i].name);
        fputs(",\"unit\":", f);
        json_str(f, r->res.m[i].unit);
        fputs(",\"better\":", f);
        json_str(f, better_str(r->res.m[i].better));
        fputs(",\"value\":", f);
        json_num(f, r->res.m[i].value);
        fputc('}', f);
    }
    fputs("],\"facts\":", f);
    json_kvlist(f, &r->res.facts);
    if (r->ok && r->res.raw[0]) {
        fputs(",\"raw\":", f);
        json_str(f, r->res.raw);
    }
    if (!r->ok) {
        fputs(",\"error\":", f);
        json_str(f, r->err.msg);
    }
    fputs("}\n", f);
    fflush(f);
}

/* The NDJSON line of a pair not measured by design. */
void runner_emit_na(FILE *f, const char *uuid, const char *wl, const char *env, const char *why)
{
    emit_head(f, uuid, wl, env);
    fputs(",\"na\":true,\"ok\":false,\"error\":", f);
    char msg[300];
    snprintf(msg, sizeof(msg), "n/a: %s", why);
    json_str(f, msg);
    fputs("}\n", f);
    fflush(f);
}

/* How much of the run one sample of pair (w, i) is, for the ETA: its
 * expected wall time when the store has history, else the mean of the
 * known ones (all 1 when none is known: the ETA then counts samples). */
double runner_sample_weight(const struct run_plan *p, int w, int i)
{
    if (p->est_s[w][i] > 0) return p->est_s[w][i];
    double sum = 0;
    int n = 0;
    for (int a = 0; a < p->nwl; a++)
        for (int b = 0; b < p->nenv; b++)
            if (!p->na[a][b] && p->est_s[a][b] > 0) sum += p->est_s[a][b], n++;
    return n ? sum / n : 1.0;
}

/* done/total: samples; w_done/w_total: their weights (sample_weight), so
 * the ETA assumes the rest goes as fast, relative to history, as so far. */
void runner_progress(const struct run_plan *p, const char *wl, const char *env, int round, int done,
                     int total, double w_done, double w_total, double started)
{
    if (!p->progress) return;
    double el = util_now() - started;
    int eta = w_done > 0 ? (int)(el / w_done * (w_total - w_done)) : -1;
    char etabuf[32] = "?";
    if (eta >= 0) snprintf(etabuf, sizeof(etabuf), "%d:%02d", eta / 60, eta % 60);
    char what[32] = "warm-up";
    if (round > 0) snprintf(what, sizeof(what), "round %d/%d", round, p->reps);
    fprintf(stderr, "\r\033[K[%d/%d] %s @ %s  %s  ETA %s", done + 1, total, wl, env, what, etabuf);
    fflush(stderr);
}
