/* opts.c - typed workload and scenario options (workload.h's struct
 * wl_opt): their description for `list -v`, their check against the
 * type and range - at plan time and again in the agent - and the lookups
 * a workload reads them with. Apart from the workload list, so that the
 * option parser builds alone (tests/fuzz). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "workloads/workload.h"

/* A byte count as 64M, 1T, 4096 (exact multiples of 1024 only). */
static void fmt_bytes(double v, char *buf, size_t len)
{
    static const char sfx[] = "KMGTP";
    int k = -1;
    while (k < 4 && v >= 1024 && v == (double)(uint64_t)(v / 1024) * 1024) {
        v /= 1024;
        k++;
    }
    if (k < 0)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.0f%c", v, sfx[k]);
}

void wl_opt_describe(const struct wl_opt *o, char *buf, size_t len)
{
    const char *u = o->unit ? o->unit : "";
    char lo[32], hi[32];
    /* a whole number's least allowed value: min, or the next one up */
    double ulo = o->lower == WL_MIN_EXCL ? floor(o->min) + 1 : ceil(o->min);
    switch (o->type) {
    case WL_T_UINT:
        snprintf(buf, len, "uint %.0f..%.0f%s%s%s%s", ulo, o->max, *u ? " " : "", u,
                 o->values ? " or " : "", o->values ? o->values : "");
        break;
    case WL_T_SIZE:
        fmt_bytes(o->min, lo, sizeof(lo));
        fmt_bytes(o->max, hi, sizeof(hi));
        snprintf(buf, len, "size %s%s..%s%s%s", o->lower == WL_MIN_EXCL ? "above " : "", lo, hi,
                 o->values ? " or " : "", o->values ? o->values : "");
        break;
    case WL_T_SECS:
        if (o->lower == WL_MIN_EXCL)
            snprintf(buf, len, "seconds above %g, at most %g", o->min, o->max);
        else
            snprintf(buf, len, "seconds %g..%g", o->min, o->max);
        break;
    case WL_T_ENUM:
        snprintf(buf, len, "one of %s", o->values);
        break;
    case WL_T_CPU:
        snprintf(buf, len, "cpu: auto|low|high|all|N");
        break;
    case WL_T_UINTS:
        snprintf(buf, len, "list of uint %.0f..%.0f, ascending", ulo, o->max);
        break;
    case WL_T_STR:
        snprintf(buf, len, "text%s%s", *u ? " " : "", u);
    }
}

/* 1 when x is within o's range: above or at min (by o->lower), at most max. */
static int in_range(const struct wl_opt *o, double x)
{
    return (o->lower == WL_MIN_EXCL ? x > o->min : x >= o->min) && x <= o->max;
}

/* The 1-based index of v among the '|'-separated words of list, 0 if none. */
static int word_index(const char *v, const char *list)
{
    size_t n = strlen(v);
    int i = 1;
    for (const char *p = list; p && *p; i++) {
        size_t k = strcspn(p, "|");
        if (k == n && !strncmp(p, v, n)) return i;
        p += k + (p[k] == '|');
    }
    return 0;
}

/* 1 when v is a comma list of whole numbers in o's range, ascending. */
static int uints_ok(const struct wl_opt *o, const char *v)
{
    char buf[256], *save = NULL;
    double prev = -1;
    uint64_t u;
    int ok = snprintf(buf, sizeof(buf), "%s", v) < (int)sizeof(buf) && *v;
    for (char *t = strtok_r(buf, ",", &save); ok && t; t = strtok_r(NULL, ",", &save)) {
        ok = util_parse_u64(t, &u, NULL) == 0 && in_range(o, (double)u) && (double)u > prev;
        prev = (double)u;
    }
    return ok && v[strlen(v) - 1] != ',' && !strstr(v, ",,");
}

/* Types v as o->type into *t; 1 if it fits o (range, words), else 0. */
static int parse_typed(const struct wl_opt *o, const char *v, struct wl_val *t)
{
    switch (o->type) {
    case WL_T_UINT:
    case WL_T_SIZE:
        if (o->values && (t->word = word_index(v, o->values))) return 1;
        if ((o->type == WL_T_UINT ? util_parse_u64(v, &t->u, NULL)
                                  : util_parse_size(v, &t->u, NULL)) < 0)
            return 0;
        t->d = (double)t->u;
        return in_range(o, t->d);
    case WL_T_SECS:
        return util_parse_double(v, &t->d, NULL) == 0 && in_range(o, t->d);
    case WL_T_ENUM:
        t->idx = word_index(v, o->values) - 1;
        return t->idx >= 0;
    case WL_T_CPU:
        if ((t->word = word_index(v, "auto|low|high|all"))) return 1;
        return util_parse_u64(v, &t->u, NULL) == 0 && t->u < 4096 && *v != '\0';
    case WL_T_UINTS:
        return uints_ok(o, v);
    case WL_T_STR:
        return 1;
    }
    return 0;
}

int wl_opt_parse(const char *owner, const struct wl_opt *o, const char *text, struct wl_val *out,
                 struct err *e)
{
    struct wl_val t = {.type = o->type, .text = text};
    if (parse_typed(o, text, &t)) {
        if (out) *out = t;
        return 0;
    }
    char want[160];
    wl_opt_describe(o, want, sizeof(want));
    return err_set(e, ERR_USAGE, "%s: %s must be %s, not '%s'", owner, o->name, want, text);
}

int wl_opts_check(const char *owner, const struct wl_opt *opts, const struct kvlist *given,
                  struct err *e)
{
    for (int i = 0; i < given->n; i++) {
        const struct wl_opt *found = NULL;
        for (const struct wl_opt *o = opts; o && o->name; o++)
            if (strcmp(o->name, given->v[i].key) == 0) found = o;
        if (!found)
            return err_set(e, ERR_USAGE, "%s has no option '%s' (see isobench list -v)", owner,
                           given->v[i].key);
        if (wl_opt_parse(owner, found, given->v[i].val, NULL, e) < 0) return -1;
    }
    return 0;
}

const char *wl_opts_value(const struct wl_opt *opts, const struct kvlist *given, int size,
                          const char *name)
{
    const char *v = given ? kv_get(given, name) : NULL;
    if (v) return v;
    for (const struct wl_opt *o = opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0) return o->preset[size];
    return NULL;
}

int wl_vals_load(const char *owner, const struct wl_opt *opts, const struct kvlist *given, int size,
                 struct wl_vals *out, struct err *e)
{
    if (given && wl_opts_check(owner, opts, given, e) < 0) return -1;
    memset(out, 0, sizeof(*out));
    out->opts = opts;
    out->given = given;
    out->size = size;
    for (const struct wl_opt *o = opts; o && o->name; o++) {
        if (out->n == WL_OPTS_MAX)
            return err_set(e, ERR_FAIL, "%s has more than %d options (a bug: WL_OPTS_MAX)", owner,
                           WL_OPTS_MAX);
        struct wl_val *v = &out->v[out->n++];
        const char *text = given ? kv_get(given, o->name) : NULL;
        int preset = !text;
        if (preset) text = o->preset[size];
        *v = (struct wl_val){.type = o->type, .text = text ? text : ""};
        if (!text) continue;
        if (wl_opt_parse(owner, o, text, v, e) < 0)
            return preset ? err_wrap(e, "a preset (a bug)") : -1;
        v->has = 1;
    }
    return 0;
}

int wl_vals_get(const char *owner, const struct wl_vals *vals, const char *name, enum wl_type type,
                struct wl_val *out, struct err *e)
{
    for (int i = 0; vals && i < vals->n; i++) {
        if (strcmp(vals->opts[i].name, name) != 0) continue;
        if (vals->opts[i].type != type) break;
        *out = vals->v[i];
        return out->has;
    }
    return err_set(e, ERR_FAIL, "%s has no option '%s' of that type (a bug)", owner, name);
}

const char *wl_opt_str(const struct wl_ctx *ctx, const struct workload *w, const char *name)
{
    if (!ctx->vals || ctx->vals->opts != w->opts || ctx->vals->given != ctx->opts ||
        ctx->vals->size != ctx->size)
        return wl_opts_value(w->opts, ctx->opts, ctx->size, name);
    for (int i = 0; i < ctx->vals->n; i++)
        if (!strcmp(ctx->vals->opts[i].name, name))
            return ctx->vals->v[i].has ? ctx->vals->v[i].text : NULL;
    return NULL;
}

/* w's option name typed as type into *v from ctx->vals (wl_vals_get), the
 * owner named "workload <name>" in an error. */
static int wl_typed(const struct wl_ctx *ctx, const struct workload *w, const char *name,
                    enum wl_type type, struct wl_val *v, struct err *e)
{
    if (!ctx->vals || ctx->vals->opts != w->opts)
        return err_set(e, ERR_FAIL, "workload %s: options read before workload_load (a bug)",
                       w->name);
    if (ctx->vals->given != ctx->opts || ctx->vals->size != ctx->size)
        return err_set(e, ERR_FAIL,
                       "workload %s: options or size changed after workload_load (a bug)", w->name);
    char owner[64];
    if (snprintf(owner, sizeof(owner), "workload %s", w->name) >= (int)sizeof(owner))
        return err_set(e, ERR_USAGE, "workload name too long");
    return wl_vals_get(owner, ctx->vals, name, type, v, e);
}

/* A UINT or SIZE option as a number, def when unset or a word ("auto"). */
static int wl_number(const struct wl_ctx *ctx, const struct workload *w, const char *name,
                     enum wl_type type, uint64_t def, uint64_t *out, struct err *e)
{
    struct wl_val v = {0};
    int has = wl_typed(ctx, w, name, type, &v, e);
    if (has < 0) return -1;
    *out = has && !v.word ? v.u : def;
    return 0;
}

int wl_opt_u64(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
               uint64_t *out, struct err *e)
{
    return wl_number(ctx, w, name, WL_T_UINT, def, out, e);
}

int wl_opt_size(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
                uint64_t *out, struct err *e)
{
    return wl_number(ctx, w, name, WL_T_SIZE, def, out, e);
}

int wl_opt_secs(const struct wl_ctx *ctx, const struct workload *w, const char *name, double def,
                double *out, struct err *e)
{
    struct wl_val v = {0};
    int has = wl_typed(ctx, w, name, WL_T_SECS, &v, e);
    if (has < 0) return -1;
    *out = has ? v.d : def;
    return 0;
}

int wl_opt_uints(const struct wl_ctx *ctx, const struct workload *w, const char *name, int *out,
                 int max, int *n, struct err *e)
{
    struct wl_val v = {0};
    int has = wl_typed(ctx, w, name, WL_T_UINTS, &v, e);
    *n = 0;
    if (has <= 0) return has;
    for (const char *p = v.text; *p;) { /* checked whole numbers, commas between */
        char *end;
        if (*n >= max)
            return err_set(e, ERR_USAGE, "workload %s: %s takes at most %d numbers, not '%s'",
                           w->name, name, max, v.text);
        out[(*n)++] = (int)strtoull(p, &end, 10);
        p = *end ? end + 1 : end;
    }
    return 0;
}

int wl_opt_enum(const struct wl_ctx *ctx, const struct workload *w, const char *name, int def,
                int *out, struct err *e)
{
    struct wl_val v = {0};
    int has = wl_typed(ctx, w, name, WL_T_ENUM, &v, e);
    if (has < 0) return -1;
    *out = has ? v.idx : def;
    return 0;
}

int wl_opt_huge(const struct wl_ctx *ctx, const struct workload *w, int *huge, struct err *e)
{
    int pg = WL_PAGES_HUGE;
    if (wl_opt_enum(ctx, w, "pages", WL_PAGES_HUGE, &pg, e) < 0) return -1;
    *huge = (enum wl_pages)pg == WL_PAGES_HUGE;
    return 0;
}

int wl_opt_cpu(const struct wl_ctx *ctx, const struct workload *w, const char *name,
               struct wl_cpu_val *out, struct err *e)
{
    struct wl_val v = {0};
    int has = wl_typed(ctx, w, name, WL_T_CPU, &v, e);
    if (has < 0) return -1;
    *out = (struct wl_cpu_val){.kind = has ? (enum wl_cpu)v.word : WL_CPU_AUTO, .num = (int)v.u};
    return 0;
}

int wl_cpu_parse(const char *what, const char *text, struct wl_cpu_val *out, struct err *e)
{
    const struct wl_opt o = {.name = "cpu", .type = WL_T_CPU};
    struct wl_val v = {0};
    if (wl_opt_parse(what, &o, text, &v, e) < 0) return -1;
    *out = (struct wl_cpu_val){.kind = (enum wl_cpu)v.word, .num = (int)v.u};
    return 0;
}

int wl_opt_word(const struct wl_ctx *ctx, const struct workload *w, const char *name, int *word,
                struct err *e)
{
    enum wl_type t = WL_T_UINT;
    for (const struct wl_opt *o = w->opts; o && o->name; o++)
        if (!strcmp(o->name, name) && o->type == WL_T_SIZE) t = WL_T_SIZE;
    struct wl_val v = {0};
    int has = wl_typed(ctx, w, name, t, &v, e);
    if (has < 0) return -1;
    *word = has ? v.word : 0;
    return 0;
}
