/* json.h - JSON output helpers: strings are escaped; numbers that are not
 * finite print as null (never NaN/inf). */
#ifndef ISOBENCH_JSON_H
#define ISOBENCH_JSON_H

#include <stdio.h>

#include "core/util.h"

void json_str(FILE *f, const char *s);
void json_num(FILE *f, double v);
void json_kvlist(FILE *f, const struct kvlist *l);

#endif
