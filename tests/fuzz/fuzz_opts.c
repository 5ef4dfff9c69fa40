/* libFuzzer target: option and size parsing - the typed option checker
 * (every type: uint, size, seconds, enum, cpu, uint lists) on "key=value"
 * lines, util's size/integer/double parsers, and the --slice parser.
 * Properties: never a crash; a value the checker accepts for a size or a
 * whole number parses to one inside the option's range; what the checker
 * accepts, wl_vals_load types at every size, and the typed size and count
 * are inside their ranges. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "run/slice.h"
#include "workloads/workload.h"

static const struct wl_opt opts[] = {
    {"n", "a count", {"1", "2", "3"}, .type = WL_T_UINT, .min = 1, .max = 4096, .values = "auto"},
    {"size",
     "bytes",
     {"1M", "1G", "auto"},
     .type = WL_T_SIZE,
     .min = 4096,
     .max = 0x1p44,
     .values = "auto"},
    {"secs",
     "seconds",
     {"1", "2", "3"},
     .type = WL_T_SECS,
     .min = 0,
     .max = 3600,
     .lower = WL_MIN_EXCL},
    {"mode", "a word", {"a", "b", "c"}, .type = WL_T_ENUM, .values = "a|b|c"},
    {"cpu", "placement", {"auto", "auto", "auto"}, .type = WL_T_CPU},
    {"list", "counts", {"1,2", "1,2,4", "1,2,4,8"}, .type = WL_T_UINTS, .min = 1, .max = 1024},
    {"str", "anything", {NULL, NULL, NULL}, .type = WL_T_STR},
    {.name = NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s) return 0;
    struct err e = {0};
    struct kvlist given = {0};
    char *save = NULL;
    for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        uint64_t u;
        double d;
        util_parse_size(line, &u, &e);
        util_parse_u64(line, &u, &e);
        util_parse_double(line, &d, &e);
        struct slice sl;
        slice_parse(line, &sl, &e);
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            kv_set(&given, line, eq + 1, &e);
        }
    }
    if (wl_opts_check("fuzz", opts, &given, &e) == 0) {
        const char *v = kv_get(&given, "size");
        uint64_t b;
        if (v && strcmp(v, "auto") && (util_parse_size(v, &b, &e) < 0 || b < 4096)) abort();
        v = kv_get(&given, "n");
        if (v && strcmp(v, "auto") && (util_parse_u64(v, &b, &e) < 0 || b < 1 || b > 4096)) abort();
        for (int sz = 0; sz < 3; sz++) {
            struct wl_vals vals;
            struct wl_val t;
            if (wl_vals_load("fuzz", opts, &given, sz, &vals, &e) < 0) abort();
            if (wl_vals_get("fuzz", &vals, "size", WL_T_SIZE, &t, &e) == 1 && !t.word && t.u < 4096)
                abort();
            if (wl_vals_get("fuzz", &vals, "n", WL_T_UINT, &t, &e) == 1 && !t.word &&
                (t.u < 1 || t.u > 4096))
                abort();
        }
    }
    free(s);
    return 0;
}
