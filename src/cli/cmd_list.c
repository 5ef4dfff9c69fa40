/* cmd_list.c - isobench list: workloads, environments, scenarios, reporters,
 * as text for people (-v adds options) or as one JSON document for scripts
 * (--json; its shape is docs/list-json.md). */
#include <stdio.h>
#include <string.h>

#include "buildinfo.h"
#include "cli/cli.h"
#include "core/json.h"
#include "envs/env.h"
#include "report/report.h"
#include "run/scenario.h"
#include "workloads/workload.h"

void cli_print_opts(const struct wl_opt *opts)
{
    for (const struct wl_opt *o = opts; o && o->name; o++) {
        char type[160];
        wl_opt_describe(o, type, sizeof(type));
        printf("      %-12s %s [tiny=%s small=%s full=%s]\n      %-12s   (%s)\n", o->name, o->help,
               o->preset[0] ? o->preset[0] : "-", o->preset[1] ? o->preset[1] : "-",
               o->preset[2] ? o->preset[2] : "-", "", type);
    }
}

static const char *const type_names[] = {
    [WL_T_STR] = "text",  [WL_T_UINT] = "uint", [WL_T_SIZE] = "size",   [WL_T_SECS] = "seconds",
    [WL_T_ENUM] = "enum", [WL_T_CPU] = "cpu",   [WL_T_UINTS] = "uints",
};

/* ,"key":"text" (or null); no comma when first. */
static void jfield(const char *key, const char *val, int first)
{
    printf("%s\"%s\":", first ? "" : ",", key);
    if (val)
        json_str(stdout, val);
    else
        fputs("null", stdout);
}

/* An option table as a JSON array, the facts list -v prints, typed; a
 * number's min is inclusive unless the table says WL_MIN_EXCL. */
static void jopts(const struct wl_opt *opts)
{
    putchar('[');
    for (const struct wl_opt *o = opts; o && o->name; o++) {
        char desc[160];
        wl_opt_describe(o, desc, sizeof(desc));
        printf("%s{", o == opts ? "" : ",");
        jfield("name", o->name, 1);
        jfield("help", o->help, 0);
        jfield("type", type_names[o->type], 0);
        jfield("describe", desc, 0);
        if (o->type == WL_T_UINT || o->type == WL_T_SIZE || o->type == WL_T_SECS ||
            o->type == WL_T_UINTS) {
            printf(",\"min\":");
            json_num(stdout, o->min);
            printf(",\"min_exclusive\":%s,\"max\":", o->lower == WL_MIN_EXCL ? "true" : "false");
            json_num(stdout, o->max);
        }
        jfield("values", o->values, 0);
        jfield("unit", o->unit, 0);
        printf(",\"presets\":{");
        jfield("tiny", o->preset[0], 1);
        jfield("small", o->preset[1], 0);
        jfield("full", o->preset[2], 0);
        printf("}}");
    }
    putchar(']');
}

/* The start of one entry: name, summary, availability and the reason. */
static void jentry(const char *name, const char *summary, const char *why, int first)
{
    printf("%s{", first ? "" : ",");
    jfield("name", name, 1);
    jfield("summary", summary, 0);
    printf(",\"available\":%s", why ? "false" : "true");
    jfield("reason", why, 0);
}

/* `list --json`: every registered entry, nothing else (docs/list-json.md). */
static int list_json(void)
{
    printf("{\"schema\":\"isobench.list/1\",\"version\":");
    json_str(stdout, ISOBENCH_VERSION);
    printf(",\"workloads\":[");
    for (int i = 0; workloads[i]; i++) {
        const struct workload *w = workloads[i];
        jentry(w->name, w->summary, w->unavailable ? w->unavailable() : NULL, i == 0);
        printf(",\"net\":%s", w->net ? "true" : "false");
        jfield("only_in", w->only_in, 0);
        printf(",\"needs\":[%s%s%s]", w->needs & WL_NEEDS_NET ? "\"net\"" : "",
               (w->needs & WL_NEEDS_NET) && (w->needs & WL_NEEDS_ODIRECT) ? "," : "",
               w->needs & WL_NEEDS_ODIRECT ? "\"odirect\"" : "");
        printf(",\"options\":");
        jopts(w->opts);
        putchar('}');
    }
    printf("],\"environments\":[");
    for (int i = 0; envs[i]; i++) {
        const struct env *v = envs[i];
        char caps[96], *save = NULL;
        jentry(v->name, v->summary, env_unavailable(v), i == 0);
        jfield("pick", v->pick, 0);
        static const char *const slices[] = {"none", "cpuset", "vcpus"};
        jfield("slice", slices[v->slice], 0);
        env_caps_text(v->caps, caps, sizeof(caps));
        printf(",\"caps\":[");
        int n = 0;
        for (char *t = strtok_r(caps, ",", &save); t && strcmp(t, "none");
             t = strtok_r(NULL, ",", &save)) {
            printf("%s", n++ ? "," : "");
            json_str(stdout, t);
        }
        printf("],\"keys\":[");
        for (const char *const *k = v->keys; k && *k; k++) {
            if (k != v->keys) putchar(',');
            json_str(stdout, *k);
        }
        printf("]}");
    }
    printf("],\"scenarios\":[");
    for (int i = 0; scenarios[i]; i++) {
        const struct scenario *sc = scenarios[i];
        jentry(sc->name, sc->summary, sc->unavailable ? sc->unavailable() : NULL, i == 0);
        printf(",\"net\":%s,\"options\":", sc->net ? "true" : "false");
        jopts(sc->opts);
        putchar('}');
    }
    printf("],\"reporters\":[");
    for (int i = 0; reporters[i]; i++) {
        printf("%s{", i ? "," : "");
        jfield("name", reporters[i]->name, 1);
        jfield("summary", reporters[i]->summary, 0);
        putchar('}');
    }
    printf("]}\n");
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : ERR_FAIL;
}

int cmd_list(int argc, char **argv)
{
    int verbose = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: isobench list [-v | --json]\n  workloads, environments, scenarios and "
                 "reporters, with availability;\n  -v adds options and presets; --json prints all "
                 "of it as one JSON document\n  (docs/list-json.md), for scripts");
            return 0;
        }
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--json"))
            json = 1;
        else
            return cli_usage("list", "bad argument");
    }
    if (json && verbose) return cli_usage("list", "--json already has everything -v adds");
    if (json) return list_json();
    puts("workloads:");
    for (int i = 0; workloads[i]; i++) {
        const struct workload *w = workloads[i];
        cli_print_entry(w->name, w->unavailable ? w->unavailable() : NULL, w->summary);
        if (verbose) cli_print_opts(w->opts);
    }
    puts("environments:");
    for (int i = 0; envs[i]; i++) {
        const struct env *v = envs[i];
        cli_print_entry(v->name, env_unavailable(v), v->summary);
        if (verbose) {
            char caps[96];
            env_caps_text(v->caps, caps, sizeof(caps));
            printf("      caps: %s\n", caps);
        }
        if (verbose && v->keys) {
            printf("      keys:");
            for (const char *const *k = v->keys; *k; k++)
                printf(" %s", *k);
            putchar('\n');
        }
    }
    puts("scenarios (isobench scenario run NAME):");
    for (int i = 0; scenarios[i]; i++) {
        const struct scenario *sc = scenarios[i];
        cli_print_entry(sc->name, sc->unavailable ? sc->unavailable() : NULL, sc->summary);
        if (verbose) cli_print_opts(sc->opts);
    }
    puts("reporters:");
    for (int i = 0; reporters[i]; i++)
        printf("  %-14s %s\n", reporters[i]->name, reporters[i]->summary);
    return 0;
}
