/* test_opts.c - workloads/opts.c: the one typed option parser
 * (wl_opt_parse), the lower-bound flag both ways, words ("auto"), enums,
 * sizes, and the accessors workloads read options through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/result.h"
#include "workloads/workload.h"

static const struct wl_opt table[] = {
    {"ramp", "0 allowed", {"0", "1", "2"}, .type = WL_T_SECS, .min = 0, .max = 600},
    {"duration",
     "0 refused",
     {"1", "5", "10"},
     .type = WL_T_SECS,
     .min = 0,
     .max = 3600,
     .lower = WL_MIN_EXCL},
    {"threads",
     "a count",
     {"auto", "2", "auto"},
     .type = WL_T_UINT,
     .min = 1,
     .max = 4096,
     .values = "auto"},
    {"above",
     "exclusive uint",
     {"3", "3", "3"},
     .type = WL_T_UINT,
     .min = 2,
     .max = 9,
     .lower = WL_MIN_EXCL},
    {"bytes", "a size", {"1M", "1G", NULL}, .type = WL_T_SIZE, .min = 4096, .max = 0x1p40},
    {"mode", "a word", {"a", "b", "c"}, .type = WL_T_ENUM, .values = "a|b|c"},
    {"cpu", "placement", {"auto", "auto", "auto"}, .type = WL_T_CPU},
    {.name = NULL},
};

static const struct wl_opt *opt(const char *name)
{
    for (const struct wl_opt *o = table; o->name; o++)
        if (!strcmp(o->name, name)) return o;
    fail_msg("no option %s", name);
    return NULL;
}

/* 0 when text fits the option, -1 (ERR_USAGE, message naming it) if not. */
static int parse(const char *name, const char *text, struct wl_val *v)
{
    struct err e = {0};
    int rc = wl_opt_parse("test", opt(name), text, v, &e);
    if (rc < 0) {
        assert_int_equal(e.code, ERR_USAGE);
        assert_non_null(strstr(e.msg, name));
        assert_non_null(strstr(e.msg, text));
        assert_null(strchr(e.msg, '\n'));
    }
    return rc;
}

static void lower_bound_both_ways(void **state)
{
    (void)state;
    struct wl_val v;
    assert_int_equal(parse("ramp", "0", &v), 0); /* inclusive: min itself */
    assert_true(v.d == 0.0);
    assert_int_equal(parse("ramp", "-0.5", &v), -1);
    assert_int_equal(parse("ramp", "600", &v), 0);
    assert_int_equal(parse("ramp", "600.5", &v), -1);
    assert_int_equal(parse("duration", "0", &v), -1); /* exclusive: min refused */
    assert_int_equal(parse("duration", "0.001", &v), 0);
    assert_true(v.d == 0.001);
    assert_int_equal(parse("duration", "nan", &v), -1);
    assert_int_equal(parse("duration", "inf", &v), -1);
    assert_int_equal(parse("above", "2", &v), -1);
    assert_int_equal(parse("above", "3", &v), 0);
    assert_int_equal(v.u, 3);
    assert_int_equal(parse("threads", "1", &v), 0);
    assert_int_equal(parse("threads", "0", &v), -1);
    char desc[160];
    wl_opt_describe(opt("ramp"), desc, sizeof(desc));
    assert_string_equal(desc, "seconds 0..600");
    wl_opt_describe(opt("duration"), desc, sizeof(desc));
    assert_string_equal(desc, "seconds above 0, at most 3600");
    wl_opt_describe(opt("above"), desc, sizeof(desc));
    assert_string_equal(desc, "uint 3..9");
}

static void words_enums_sizes(void **state)
{
    (void)state;
    struct wl_val v;
    assert_int_equal(parse("threads", "auto", &v), 0);
    assert_int_equal(v.word, 1);
    assert_int_equal(parse("threads", "4096", &v), 0);
    assert_int_equal(v.word, 0);
    assert_int_equal(v.u, 4096);
    assert_int_equal(parse("threads", "4097", &v), -1);
    assert_int_equal(parse("threads", "grow", &v), -1);
    assert_int_equal(parse("mode", "c", &v), 0);
    assert_int_equal(v.idx, 2);
    assert_int_equal(parse("mode", "a", &v), 0);
    assert_int_equal(v.idx, 0);
    assert_int_equal(parse("mode", "d", &v), -1);
    assert_int_equal(parse("mode", "a|b", &v), -1);
    assert_int_equal(parse("bytes", "64K", &v), 0);
    assert_int_equal(v.u, 65536);
    assert_int_equal(parse("bytes", "4095", &v), -1);
    assert_int_equal(parse("bytes", "auto", &v), -1); /* no words for this one */
    assert_int_equal(parse("cpu", "high", &v), 0);
    assert_int_equal(v.word, 3);
    assert_int_equal(parse("cpu", "7", &v), 0);
    assert_int_equal(v.u, 7);
    assert_int_equal(parse("cpu", "4096", &v), -1);
}

/* wl_vals_load types a table once - the user's value, else the preset at
 * the size - and wl_vals_get reads it back without parsing again. */
static void typed_lookup(void **state)
{
    (void)state;
    struct kvlist given = {0};
    struct err e = {0};
    struct wl_vals vals;
    struct wl_val v;
    /* the preset at the size when not given */
    assert_int_equal(wl_vals_load("t", table, &given, 1, &vals, &e), 0);
    assert_int_equal(wl_vals_get("t", &vals, "threads", WL_T_UINT, &v, &e), 1);
    assert_int_equal(v.u, 2);
    assert_int_equal(wl_vals_load("t", table, &given, 0, &vals, &e), 0);
    assert_int_equal(wl_vals_get("t", &vals, "threads", WL_T_UINT, &v, &e), 1);
    assert_int_equal(v.word, 1);
    /* no value at all: 0, not an error */
    assert_int_equal(wl_vals_load("t", table, &given, 2, &vals, &e), 0);
    assert_int_equal(wl_vals_get("t", &vals, "bytes", WL_T_SIZE, &v, &e), 0);
    kv_set(&given, "mode", "b", &e);
    assert_int_equal(wl_vals_load("t", table, &given, 0, &vals, &e), 0);
    assert_int_equal(wl_vals_get("t", &vals, "mode", WL_T_ENUM, &v, &e), 1);
    assert_int_equal(v.idx, 1);
    assert_string_equal(v.text, "b");
    /* the wrong type, an unknown name: a bug, never a value */
    assert_int_equal(wl_vals_get("t", &vals, "mode", WL_T_UINT, &v, &e), -1);
    assert_int_equal(e.code, ERR_FAIL);
    assert_int_equal(wl_vals_get("t", &vals, "nope", WL_T_UINT, &v, &e), -1);
    /* a value that fails: the load refuses it, with the check's message */
    kv_set(&given, "duration", "0", &e);
    assert_int_equal(wl_vals_load("t", table, &given, 0, &vals, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "duration must be seconds above 0"));
    assert_int_equal(wl_opts_check("t", table, &given, &e), -1);
    assert_non_null(strstr(e.msg, "duration must be seconds above 0"));
    /* an unknown key too */
    struct kvlist unknown = {0};
    kv_set(&unknown, "nope", "1", &e);
    assert_int_equal(wl_vals_load("t", table, &unknown, 0, &vals, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* A preset that does not fit its own table is a bug, said as one. */
static void bad_preset(void **state)
{
    (void)state;
    static const struct wl_opt broken[] = {
        {"n", "a count", {"0", "1", "1"}, .type = WL_T_UINT, .min = 1, .max = 9},
        {.name = NULL},
    };
    struct wl_vals vals;
    struct err e = {0};
    assert_int_equal(wl_vals_load("t", broken, NULL, 1, &vals, &e), 0);
    assert_int_equal(wl_vals_load("t", broken, NULL, 0, &vals, &e), -1);
    assert_non_null(strstr(e.msg, "a preset (a bug)"));
}

/* Every preset of every workload fits its own table at every size: the
 * load a run makes of each never fails on the tool's own defaults. */
static void presets_fit(void **state)
{
    (void)state;
    for (int i = 0; workloads[i]; i++)
        for (int size = 0; size < 3; size++) {
            struct wl_vals vals;
            struct err e = {0};
            struct wl_ctx ctx = {.size = size};
            if (workload_load(workloads[i], &ctx, &vals, &e) < 0)
                fail_msg("%s at size %d: %s", workloads[i]->name, size, e.msg);
            assert_ptr_equal(ctx.vals, &vals);
        }
}

/* The accessors on a real workload: null's sleep is 0..86400 inclusive
 * (was min=-1), its fail a uint; values out of the table are refused by
 * the accessor itself, not only by the check. */
static void workload_accessors(void **state)
{
    (void)state;
    struct kvlist given = {0};
    struct err e = {0};
    struct wl_ctx ctx = {.size = 0, .opts = &given, .ncpus = 2};
    struct wl_vals vals;
    double d = -1;
    int fail = 99;
    /* read before the load: a bug, said so (never a silent default) */
    assert_int_equal(wl_opt_secs(&ctx, &workload_null, "sleep", 5, &d, &e), -1);
    assert_int_equal(e.code, ERR_FAIL);
    assert_int_equal(workload_load(&workload_null, &ctx, &vals, &e), 0);
    assert_int_equal(wl_opt_secs(&ctx, &workload_null, "sleep", 5, &d, &e), 0);
    assert_true(d == 0.0); /* the preset "0", not the def */
    kv_set(&given, "sleep", "0", &e);
    assert_int_equal(workload_check_opts(&workload_null, &given, &e), 0);
    kv_set(&given, "sleep", "86400.5", &e);
    assert_int_equal(workload_check_opts(&workload_null, &given, &e), -1);
    assert_int_equal(workload_load(&workload_null, &ctx, &vals, &e), -1);
    kv_set(&given, "sleep", "0", &e);
    assert_int_equal(workload_load(&workload_null, &ctx, &vals, &e), 0);
    assert_int_equal(wl_opt_enum(&ctx, &workload_null, "fail", 7, &fail, &e), 0);
    assert_int_equal(fail, 0);
    uint64_t u = 99; /* fail is an enum: read as a number it is refused */
    assert_int_equal(wl_opt_u64(&ctx, &workload_null, "fail", 7, &u, &e), -1);
    /* a range a workload once re-checked itself is the table's now:
     * stress's seconds below 1 and redis's pipeline above 64 are refused
     * by the check at plan time, as they were by the workloads */
    struct kvlist bad = {0};
    kv_set(&bad, "seconds", "0.5", &e);
    assert_int_equal(workload_check_opts(&workload_stress, &bad, &e), -1);
    kv_set(&bad, "seconds", "1", &e);
    assert_int_equal(workload_check_opts(&workload_stress, &bad, &e), 0);
    struct kvlist pipe = {0};
    kv_set(&pipe, "pipeline", "65", &e);
    assert_int_equal(workload_check_opts(&workload_redis, &pipe, &e), -1);
    /* sizing is an enum: host is 0, cgroup 1 */
    int idx = -1;
    assert_int_equal(wl_opt_enum(&ctx, &workload_stream, "sizing", -1, &idx, &e), -1);
    struct kvlist none = {0};
    ctx.opts = &none;
    assert_int_equal(workload_load(&workload_stream, &ctx, &vals, &e), 0);
    assert_int_equal(wl_opt_enum(&ctx, &workload_stream, "sizing", -1, &idx, &e), 0);
    assert_int_equal(idx, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lower_bound_both_ways), cmocka_unit_test(words_enums_sizes),
        cmocka_unit_test(typed_lookup),          cmocka_unit_test(bad_preset),
        cmocka_unit_test(presets_fit),           cmocka_unit_test(workload_accessors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
