/* cmd_list.c - isobench list: workloads, environments, scenarios, reporters. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
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

int cmd_list(int argc, char **argv)
{
    int verbose = argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--verbose") == 0);
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        puts(
            "usage: isobench list [-v]\n  workloads, environments and reporters, with availability;"
            " -v adds options and presets");
        return 0;
    }
    if (argc > 1 && !verbose) return cli_usage("list", "bad argument");
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
