/* converge.h - adaptive rounds (--target-ci, as PTS's dynamic run count
 * and netperf's -I), judged on what the report prints: after each look,
 * the run's stored samples go through report_build and the workload's
 * headline cells are checked - the overhead intervals against native
 * (both ends within +-X points of the overhead) or, without native, the
 * median intervals (within +-X % of the median).
 *
 * Looking again and again and stopping on the first narrow interval
 * would cost coverage (stopping at 6 rounds covered 58-90 % against a
 * printed 96.9 %). So the looks are fixed in advance - the planned
 * rounds, then 1.5 times as many each time, and the maximum - and every
 * interval of the run is computed at 1 - (1 - STATS_LEVEL) / looks: by
 * the union bound the interval the run stops on holds at least
 * STATS_LEVEL whatever look it stops at. The design is stored as run
 * facts (target_ci*, converge_facts) so that the report and --resume
 * use the same one. */
#ifndef ISOBENCH_RUN_CONVERGE_H
#define ISOBENCH_RUN_CONVERGE_H

#include <stddef.h>

#include "core/util.h"
#include "report/report.h"

#define CONVERGE_LOOKS 32

struct converge_design {
    double pct;             /* --target-ci: the half-width asked for */
    int reps, max_reps;     /* the planned rounds and --max-repetitions */
    int looks;              /* how many */
    int at[CONVERGE_LOOKS]; /* the rounds after which it looks, ascending */
    double level;           /* each interval's level */
};

/* The design for reps planned rounds, at most max_reps (>= reps). */
void converge_design(double pct, int reps, int max_reps, struct converge_design *d);

/* 1 when the run looks after `rounds` rounds. */
int converge_is_look(const struct converge_design *d, int rounds);

/* The design as run facts (target_ci, target_ci.max_rounds,
 * target_ci.looks, target_ci.level) into facts, and back: -1 (ERR_USAGE)
 * when the facts are missing or do not fit together. */
int converge_facts(const struct converge_design *d, struct kvlist *facts, struct err *e);
int converge_from_facts(const struct kvlist *facts, int reps, struct converge_design *d,
                        struct err *e);

/* 1 when every headline metric (NULL-terminated names; NULL = all) of
 * workload wl in rep has its interval, at the design's level, within pct
 * (see above); else 0, and out names those that do not ("metric@env",
 * comma separated; cut with "..." when longer than len). */
int converge_done(const struct report *rep, int wl, double pct, const char *const *headline,
                  char *out, size_t len);

#endif
