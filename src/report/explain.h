/* explain.h - the explain view of a run `isobench explain` made: its
 * ladder rebuilt from the run facts explain.* alone, and for each headline
 * metric of each workload the increment from each rung that ran to the next as
 * a paired interval (the report's own paired overhead: the later rung
 * against the earlier, round by round), the total (native -> ENV, the
 * report's overhead cell) and the residual. Pure: core and the report's
 * numbers only. */
#ifndef ISOBENCH_REPORT_EXPLAIN_H
#define ISOBENCH_REPORT_EXPLAIN_H

#include "report/report.h"

#define XV_RUNGS 16

struct xv_rung {
    char knob[64], spec[256], na[256];
    int env; /* index in rv->envs; -1 for an n/a rung (or one the run lacks) */
};

struct xv_incr {
    int rung, from; /* the rung it leads to, and the rung before that ran */
    int has;        /* 0: a side has no paired round (failed, n/a pair) */
    const char *na; /* why a side was not measured by design (the run's n/a reason), or NULL */
    struct overhead ov;
};

struct xv_metric {
    int row; /* in rep->rows */
    int nincr;
    struct xv_incr increment[XV_RUNGS];
    int has_total; /* native -> ENV: rep->rows[row].cell[ENV].ov */
    /* total - sum of the increments, in log-ratio space (log(env/native) per
     * increment from its median overhead), and as an overhead %; has_residual
     * 0 when an increment or the total is missing or has no log */
    int has_residual;
    double residual_log, residual_pct;
};

struct explain_view {
    char env[256];
    int env_idx; /* ENV's index in rv->envs, -1 when it did not run */
    int nrung;
    struct xv_rung rung[XV_RUNGS];
    struct xv_metric *m;
    int nm;
};

/* The explain view of rep's run into xv: nrung 0 (and 0 returned) when the
 * run is no explain run. ERR_FAIL on facts that do not make a ladder. */
int explain_view_build(const struct report *rep, struct explain_view *xv, struct err *e);
void explain_view_free(struct explain_view *xv);

/* The overhead % for a log-ratio log(env/native), and back (NAN when
 * there is no log: a higher-is-better overhead of 100 % or more). */
double explain_log_of_pct(double pct, int better);
double explain_pct_of_log(double lr, int better);

/* Renderers of the view (after the run's own table/document): text or
 * Markdown (md) - the rungs, each metric's increments, the note, the
 * per-operation tables; one metric's increments; workload w's per-operation
 * table (perop.* metrics, a column each, "absent" where a rung has none;
 * nothing when no sample has one). */
extern const char explain_residual_note[];
void explain_incr_text(const struct report *rep, const struct explain_view *xv,
                       const struct xv_metric *m, FILE *out, int md);
void explain_perop_text(const struct report *rep, const struct explain_view *xv, int w, FILE *out,
                        int md);
void explain_text(const struct report *rep, const struct explain_view *xv, FILE *out, int md);
void explain_json(const struct report *rep, const struct explain_view *xv, FILE *out);
void explain_csv(const struct report *rep, const struct explain_view *xv, FILE *out);
void explain_html(const struct report *rep, const struct explain_view *xv, FILE *out);

/* The explain view of rep's run in one format, where each reporter puts
 * it; nothing for a run that is no explain run. */
enum explain_fmt { EXPLAIN_TEXT, EXPLAIN_MD, EXPLAIN_JSON, EXPLAIN_CSV, EXPLAIN_HTML };
int explain_emit(const struct report *rep, FILE *out, enum explain_fmt fmt, struct err *e);

/* The waterfall of metric m (svg.c's style): native at 0, a bar per
 * increment from where the last ended, the residual, ENV's total from 0,
 * on a log-ratio scale labelled in overhead % (there increments add up
 * exactly); a whisker on every bar (the increment's paired interval,
 * placed where the increment starts; the total's own). */
void explain_waterfall_svg(const struct report *rep, const struct explain_view *xv,
                           const struct xv_metric *m, FILE *out);

#endif
