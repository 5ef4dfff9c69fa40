/* result.h - what one measurement produces: named metrics, each with its
 * unit and direction, plus facts about where it ran. */
#ifndef ISOBENCH_RESULT_H
#define ISOBENCH_RESULT_H

#include "core/util.h"

enum better { BETTER_LOWER = -1, BETTER_HIGHER = 1 };

#define RESULT_MAX_METRICS 64
struct metric {
    char name[48];
    char unit[24];
    int better;
    double value;
};

struct result {
    struct metric m[RESULT_MAX_METRICS];
    int n;
    struct kvlist facts;
};

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
