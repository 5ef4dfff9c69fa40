/* cmd_scenario.c - isobench scenario list | run: several environments
 * live at once (run/scenario.h), stored like any run, printed as the
 * scenario's table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/store.h"
#include "report/report.h"
#include "run/scenario.h"

static const char scenario_help[] =
    "usage: isobench scenario list [-v]\n"
    "       isobench scenario run NAME -e ENVS [options]\n"
    "  -e, --env LIST        environment specs; each gets its own tenants\n"
    "  -s, --size PRESET     tiny | small | full (small)\n"
    "  -o, --opt KEY=VALUE   scenario option, KEY or NAME.KEY (scenario list -v)\n"
    "  -r, --repetitions N   rounds (3)\n"
    "      --slice cpus=N,mem=SIZE  the same budget for every tenant: a cpuset of N CPUs\n"
    "                        (tenant k the N from k*N on) and a memory limit for native\n"
    "                        and containers, N vCPUs and SIZE of RAM for VMs\n"
    "      --preset NAME     a study's setup (memory-pressure: hosta, hostb - Jang et al.'s\n"
    "                        HostA and HostB: options, --host-mem, --swap, 1-vCPU guests);\n"
    "                        -o, --host-mem and --swap given win\n"
    "      --host-mem SIZE   every tenant and stressor under one memory cgroup of SIZE (an\n"
    "                        emulated host; cgroup v1; native, container and vm)\n"
    "      --swap SIZE       a swap file for the run (turned off and removed at its end)\n"
    "      --seed N          seed of the steps' order in each round\n"
    "      --timeout SEC     per job (600)\n"
    "      --db PATH         result database\n";

static int scenario_list(int verbose)
{
    printf("scenarios:\n");
    for (int i = 0; scenarios[i]; i++) {
        const struct scenario *s = scenarios[i];
        cli_print_entry(s->name, s->unavailable ? s->unavailable() : NULL, s->summary);
        if (verbose) cli_print_opts(s->opts);
    }
    return 0;
}

/* Prints the stored run's table, or says why not. */
static void scenario_print(struct store *st, int64_t id)
{
    char which[32];
    snprintf(which, sizeof(which), "%lld", (long long)id);
    struct run_view rv;
    struct err e = {0};
    if (store_load_run(st, which, &rv, &e) < 0) {
        fprintf(stderr, "isobench: %s\n", e.msg);
        return;
    }
    if (report_scenario_table(&rv, stdout, &e) < 0) fprintf(stderr, "isobench: %s\n", e.msg);
    store_free_run(&rv);
}

/* `isobench scenario run NAME`: parses the shared and scenario options
 * (bad input: one line, exit 2, nothing started), applies --preset, plans,
 * opens the store and executes the run, then prints its tables. Returns
 * the process's exit code (cli_run_outcome); owns everything it opens. */
static int scenario_run(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_COMMON_LONGOPTS, {"host-mem", 1, 0, 'M'}, {"swap", 1, 0, 'W'},
        {"help", 0, 0, 'h'}, {"preset", 1, 0, 'P'},   {0, 0, 0, 0},
    };
    struct scenario_plan *p cleanup_free = calloc(1, sizeof(*p));
    struct kvlist *opts cleanup_free = calloc(1, sizeof(*opts));
    struct cli_common *co cleanup_free = calloc(1, sizeof(*co));
    if (!p || !opts || !co) return ERR_FAIL;
    const char *preset = NULL;
    cli_common_init(co, 3, opts);
    struct err e = {0};
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, CLI_COMMON_SHORT "h", lo, NULL)) != -1) {
        if ((rc = cli_common_opt("scenario", c, optarg, co)) >= 0) {
            if (rc) return rc;
            continue;
        }
        switch (c) {
        case 'P':
            preset = optarg;
            break;
        case 'M':
            if (util_parse_size(optarg, &p->host_mem, NULL) < 0 || p->host_mem == 0)
                return cli_usage("scenario", "--host-mem takes a size (e.g. 8G)");
            break;
        case 'W':
            if (util_parse_size(optarg, &p->swap, NULL) < 0 || p->swap == 0)
                return cli_usage("scenario", "--swap takes a size (e.g. 4G)");
            break;
        case 'h':
            fputs(scenario_help, stdout);
            return 0;
        default:
            return cli_usage("scenario", "bad option");
        }
    }
    const char *envs_s = co->envs, *slice = co->slice;
    p->size = co->size;
    p->reps = co->reps;
    p->seed = co->seed;
    p->timeout_s = co->timeout_s;
    const char *db = co->db;
    if (optind + 1 != argc) return cli_usage("scenario", "run takes one scenario name");
    if (!envs_s) return cli_usage("scenario", "no environment given (-e)");
    if (geteuid() != 0)
        return cli_usage("scenario", "scenarios make cgroups and tenants: run as root");
    char envs_preset[2048];
    if (preset) { /* the study's setup: options, host size, guests */
        const struct scenario *sc = scenario_find(argv[optind]);
        if (!sc) return cli_usage("scenario", "unknown scenario (isobench scenario list)");
        if (scenario_preset(sc, preset, p->size, envs_s, envs_preset, sizeof(envs_preset), opts,
                            &p->host_mem, &p->swap, &p->preset, &e) < 0)
            return cli_die(&e);
        envs_s = envs_preset;
    }
    if (scenario_plan(p, argv[optind], envs_s, opts, slice, &e) < 0) return cli_die(&e);
    cli_command_line(p->command, sizeof(p->command), argc + 1, argv - 1);
    struct store *st;
    if (store_open(db, STORE_CREATE, &st, &e) < 0) return cli_die(&e);
    p->progress = isatty(STDERR_FILENO);
    cli_install_signals();
    int64_t id = 0;
    int failed = 0;
    rc = scenario_execute(p, st, &id, &failed, &e);
    if (id > 0) scenario_print(st, id);
    store_close(st);
    return cli_run_outcome(db, id, rc, failed, &e);
}

int cmd_scenario(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(scenario_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? ERR_USAGE : 0;
    }
    if (!strcmp(argv[1], "list"))
        return scenario_list(argc > 2 && (!strcmp(argv[2], "-v") || !strcmp(argv[2], "--verbose")));
    if (!strcmp(argv[1], "run")) return scenario_run(argc - 1, argv + 1);
    return cli_usage("scenario", "takes list or run");
}
