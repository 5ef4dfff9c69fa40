/* opts.c - typed workload and scenario options (workload.h's struct
 * wl_opt): their description for `list -v`, their check against the
 * type and range - at plan time and again in the agent - and the lookups
 * a workload reads them with. Apart from the workload list, so that the
 * option parser builds alone (tests/fuzz). */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "workloads/workload.h"

/* 1 when v is one of the '|'-separated words of list. */
static int word_in(const char *v, const char *list)
{
    size_t n = strlen(v);
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, "|");
        if (k == n && !strncmp(p, v, n)) return 1;
        p += k + (p[k] == '|');
    }
    return 0;
}

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
    switch (o->type) {
    case WL_T_UINT:
        snprintf(buf, len, "uint %.0f..%.0f%s%s%s%s", o->min, o->max, *u ? " " : "", u,
                 o->values ? " or " : "", o->values ? o->values : "");
        break;
    case WL_T_SIZE:
        fmt_bytes(o->min, lo, sizeof(lo));
        fmt_bytes(o->max, hi, sizeof(hi));
        snprintf(buf, len, "size %s..%s%s%s", lo, hi, o->values ? " or " : "",
                 o->values ? o->values : "");
        break;
    case WL_T_SECS:
        if (o->min < 0)
            snprintf(buf, len, "seconds 0..%g", o->max);
        else
            snprintf(buf, len, "seconds above %g, at most %g", o->min, o->max);
        break;
    case WL_T_ENUM:
        snprintf(buf, len, "one of %s", o->values);
        break;
    case WL_T_CPU:
        snprintf(buf, len, "cpu: auto|low|high|all|N");
        break;
    case WL_T_UINTS:
        snprintf(buf, len, "list of uint %.0f..%.0f, ascending", o->min, o->max);
        break;
    default:
        snprintf(buf, len, "text%s%s", *u ? " " : "", u);
    }
}

/* ERR_USAGE unless v fits o's type. */
static int opt_check(const char *owner, const struct wl_opt *o, const char *v, struct err *e)
{
    char want[160];
    wl_opt_describe(o, want, sizeof(want));
    uint64_t u;
    double d;
    int ok = 1;
    switch (o->type) {
    case WL_T_UINT:
        ok = (o->values && word_in(v, o->values)) ||
             (util_parse_u64(v, &u, NULL) == 0 && (double)u >= o->min && (double)u <= o->max);
        break;
    case WL_T_SIZE:
        ok = (o->values && word_in(v, o->values)) ||
             (util_parse_size(v, &u, NULL) == 0 && (double)u >= o->min && (double)u <= o->max);
        break;
    case WL_T_SECS:
        ok = util_parse_double(v, &d, NULL) == 0 && d > o->min && d >= 0 && d <= o->max;
        break;
    case WL_T_ENUM:
        ok = word_in(v, o->values);
        break;
    case WL_T_CPU:
        ok = word_in(v, "auto|low|high|all") ||
             (util_parse_u64(v, &u, NULL) == 0 && u < 4096 && *v != '\0');
        break;
    case WL_T_UINTS: {
        char buf[256], *save = NULL;
        double prev = -1;
        ok = snprintf(buf, sizeof(buf), "%s", v) < (int)sizeof(buf) && *v;
        for (char *t = strtok_r(buf, ",", &save); ok && t; t = strtok_r(NULL, ",", &save)) {
            ok = util_parse_u64(t, &u, NULL) == 0 && (double)u >= o->min && (double)u <= o->max &&
                 (double)u > prev;
            prev = (double)u;
        }
        ok = ok && v[strlen(v) - 1] != ',' && !strstr(v, ",,");
        break;
    }
    default:
        break;
    }
    if (ok) return 0;
    return err_set(e, ERR_USAGE, "%s: %s must be %s, not '%s'", owner, o->name, want, v);
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
        if (opt_check(owner, found, given->v[i].val, e) < 0) return -1;
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

const char *wl_opt_str(const struct wl_ctx *ctx, const struct workload *w, const char *name)
{
    return wl_opts_value(w->opts, ctx->opts, ctx->size, name);
}

int wl_opt_u64(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
               uint64_t *out, struct err *e)
{
    const char *v = wl_opt_str(ctx, w, name);
    if (!v || strcmp(v, "auto") == 0) {
        *out = def;
        return 0;
    }
    if (util_parse_u64(v, out, e) < 0) return err_wrap(e, "%s option %s", w->name, name);
    return 0;
}

int wl_opt_size(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
                uint64_t *out, struct err *e)
{
    const char *v = wl_opt_str(ctx, w, name);
    if (!v || strcmp(v, "auto") == 0) {
        *out = def;
        return 0;
    }
    if (util_parse_size(v, out, e) < 0) return err_wrap(e, "%s option %s", w->name, name);
    return 0;
}
