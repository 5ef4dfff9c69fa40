/* slice.c - --slice: the same budget for every environment or tenant. */
#include "run/slice.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

int slice_parse(const char *text, struct slice *s, struct err *e)
{
    memset(s, 0, sizeof(*s));
    struct spec sp;
    char buf[300];
    if (snprintf(buf, sizeof(buf), "slice:%s", text) >= (int)sizeof(buf))
        return err_set(e, ERR_USAGE, "--slice: too long");
    if (spec_parse(buf, &sp, e) < 0) return err_wrap(e, "--slice");
    static const char *const keys[] = {"cpus", "mem", NULL};
    if (spec_check_keys(&sp, keys, e) < 0) return err_wrap(e, "--slice takes cpus=N,mem=SIZE");
    const char *v;
    uint64_t n;
    if ((v = kv_get(&sp.kv, "cpus")) && (util_parse_u64(v, &n, NULL) < 0 || n < 1 || n > 1024))
        return err_set(e, ERR_USAGE, "--slice: cpus must be a count of CPUs, 1..1024 (not '%s')",
                       v);
    if (v) s->cpus = (int)n;
    if ((v = kv_get(&sp.kv, "mem")) &&
        (util_parse_size(v, &s->mem, NULL) < 0 || s->mem < (128u << 20)))
        return err_set(e, ERR_USAGE, "--slice: mem must be a size of at least 128M (not '%s')", v);
    if (!s->cpus && !s->mem) return err_set(e, ERR_USAGE, "--slice: give cpus=N and/or mem=SIZE");
    return 0;
}

int slice_apply(const struct slice *s, const struct env *env, int k, int host_cpus, int relabel,
                struct spec *sp, struct err *e)
{
    if (!s->cpus && !s->mem) return 0;
    if (env->slice == ENV_SLICE_NONE)
        return err_set(e, ERR_USAGE, "%s cannot be given a slice", sp->text);
    if ((s->cpus && kv_get(&sp->kv, "cpus")) || (s->mem && kv_get(&sp->kv, "mem")))
        return err_set(e, ERR_USAGE, "%s sets cpus= or mem= itself: drop it or --slice", sp->text);
    if (s->cpus > host_cpus)
        return err_set(e, ERR_USAGE, "--slice cpus=%d: this host has %d CPUs", s->cpus, host_cpus);
    char v[256] = "";
    if (s->cpus && env->slice == ENV_SLICE_VCPUS) snprintf(v, sizeof(v), "%d", s->cpus);
    if (s->cpus && env->slice == ENV_SLICE_CPUSET) {
        /* N CPUs from k*N on, wrapping: ascending list of their numbers */
        unsigned char on[1024] = {0};
        for (int c = 0; c < s->cpus; c++)
            on[(k * s->cpus + c) % host_cpus] = 1;
        for (int c = 0; c < host_cpus && c < 1024; c++) {
            size_t l = strlen(v);
            if (on[c] && l + 8 < sizeof(v)) snprintf(v + l, sizeof(v) - l, "%s%d", l ? "," : "", c);
        }
    }
    if (v[0] && kv_set(&sp->kv, "cpus", v, e) < 0) return -1;
    char m[32] = "";
    if (s->mem) {
        snprintf(m, sizeof(m), "%lluM", (unsigned long long)(s->mem >> 20));
        if (kv_set(&sp->kv, "mem", m, e) < 0) return -1;
    }
    if (!relabel) return 0;
    /* the text says it too: it labels the tenant in facts and messages */
    size_t l = strlen(sp->text);
    int n = snprintf(sp->text + l, sizeof(sp->text) - l, "%s%s%s%s%s%s",
                     strchr(sp->text, ':') ? "," : ":", v[0] ? "cpus=" : "", v,
                     v[0] && m[0] ? "," : "", m[0] ? "mem=" : "", m);
    if (n < 0 || (size_t)n >= sizeof(sp->text) - l)
        return err_set(e, ERR_USAGE, "%s: the spec with its slice is too long", sp->text);
    return 0;
}

void slice_text(const struct slice *s, char *buf, size_t len)
{
    char c[24] = "", m[40] = "";
    if (s->cpus) snprintf(c, sizeof(c), "cpus=%d", s->cpus);
    if (s->mem) snprintf(m, sizeof(m), "mem=%lluM", (unsigned long long)(s->mem >> 20));
    snprintf(buf, len, "%s%s%s", c, c[0] && m[0] ? "," : "", m);
}
