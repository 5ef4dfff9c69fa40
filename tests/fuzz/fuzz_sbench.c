/* libFuzzer target: the sysbench report parser (its human report, read
 * from a program isobench does not control). Never a crash; a report it
 * accepts has a positive transaction count and finite numbers. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "workloads/lib/sbench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s) return 0;
    struct sbench_report r;
    struct err e = {0};
    if (sbench_parse(s, &r, &e) == 0 &&
        (r.transactions == 0 || !isfinite(r.tps) || !isfinite(r.lat_avg_ms)))
        abort();
    free(s);
    return 0;
}
