/* registry.c - the reporters, one list (REPORT_LIST), and the dispatch
 * every command renders through: a plain run, a scenario run or a
 * comparison, each by the reporter's own hook. */
#include <stdlib.h>
#include <string.h>

#include "report/compare.h"
#include "report/report.h"

const struct reporter *const reporters[] = {
#define X(n) &reporter_##n,
    REPORT_LIST(X)
#undef X
        NULL,
};

const struct reporter *reporter_find(const char *name)
{
    for (int i = 0; reporters[i]; i++)
        if (strcmp(reporters[i]->name, name) == 0) return reporters[i];
    return NULL;
}

static int renders(const struct reporter *r, enum reporter_kind kind)
{
    return kind == REPORTER_RUN        ? r->emit != NULL
           : kind == REPORTER_SCENARIO ? r->scenario != NULL
                                       : r->compare != NULL;
}

const struct reporter *reporter_find_for(const char *name, enum reporter_kind kind)
{
    const struct reporter *r = reporter_find(name);
    return r && renders(r, kind) ? r : NULL;
}

void reporter_names(enum reporter_kind kind, char *buf, size_t len)
{
    int n = 0, total = 0;
    for (int i = 0; reporters[i]; i++)
        total += renders(reporters[i], kind);
    buf[0] = '\0';
    for (int i = 0; reporters[i]; i++) {
        if (!renders(reporters[i], kind)) continue;
        size_t off = strlen(buf);
        n++;
        snprintf(buf + off, len - off, "%s%s",
                 n == 1       ? ""
                 : n == total ? " or "
                              : ", ",
                 reporters[i]->name);
    }
}

/* A reporter's hook and what it renders, for report_clean_out. */
struct hook_arg {
    const struct reporter *r;
    const void *what;
};

static int scenario_thunk(const void *arg, FILE *out, struct err *e)
{
    const struct hook_arg *x = arg;
    return x->r->scenario(x->what, out, e);
}

static int compare_thunk(const void *arg, FILE *out, struct err *e)
{
    const struct hook_arg *x = arg;
    return x->r->compare(x->what, out, e);
}

int reporter_emit_run(const struct reporter *r, const struct run_view *rv, FILE *out, struct err *e)
{
    const char *sc = kv_get(&rv->host, "scenario");
    if (sc && !r->scenario) {
        char names[128];
        reporter_names(REPORTER_SCENARIO, names, sizeof(names));
        return err_set(e, ERR_USAGE, "run %lld is a scenario run (%s): it renders as %s",
                       (long long)rv->id, sc, names);
    }
    if (sc && !r->text) return r->scenario(rv, out, e);
    if (sc) {
        struct hook_arg x = {r, rv};
        return report_clean_out(scenario_thunk, &x, out, e);
    }
    struct report rep;
    if (report_build(rv, &rep, e) < 0) return -1;
    int rc = r->emit(&rep, out, e);
    report_free(&rep);
    return rc;
}

int reporter_emit_compare(const struct reporter *r, const struct compare *c, FILE *out,
                          struct err *e)
{
    if (!r->compare) {
        char names[128];
        reporter_names(REPORTER_COMPARE, names, sizeof(names));
        return err_set(e, ERR_USAGE, "a comparison renders as %s, not %s", names, r->name);
    }
    if (!r->text) return r->compare(c, out, e);
    struct hook_arg x = {r, c};
    return report_clean_out(compare_thunk, &x, out, e);
}
