/* result.h - what one measurement produces: named metrics, each with its
 * unit and direction, plus facts about where it ran. */
#ifndef ISOBENCH_RESULT_H
#define ISOBENCH_RESULT_H

#include "core/limits.h"
#include "core/util.h"

enum better { BETTER_LOWER = -1, BETTER_HIGHER = 1 };

#define RESULT_MAX_METRICS 64
struct metric {
    char name[LIM_METRIC_NAME];
    char unit[LIM_METRIC_UNIT];
    int better;
    double value;
};

/* The raw output of a reference tool a workload drove (sysbench), kept
 * with the sample so a number can always be traced to what printed it. */
#define RESULT_RAW_MAX (32 * 1024)

struct result {
    struct metric m[RESULT_MAX_METRICS];
    int n;
    struct kvlist facts;
    char raw[RESULT_RAW_MAX]; /* "" when the workload has none */
};

/* Appends text to r->raw; what does not fit is cut, and the cut is marked. */
void result_raw_append(struct result *r, const char *text);

/* Appends a metric; fails (ERR_FAIL) if value is not finite or the result is
 * full, so no NaN/inf can ever reach the store. */
int result_add(struct result *r, const char *name, const char *unit, int better, double value,
               struct err *e);
const char *better_str(int better);
int better_parse(const char *s);

enum size_preset { SIZE_TINY = 0, SIZE_SMALL = 1, SIZE_FULL = 2 };
const char *size_str(int size);
int size_parse(const char *s); /* -1 if unknown */

#endif
