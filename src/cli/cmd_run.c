/* cmd_run.c - isobench run: plan, execute, print the table. */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "buildinfo.h"
#include "core/store.h"
#include "envs/env.h"
#include "report/report.h"
#include "run/runner.h"
#include "workloads/workload.h"

static const char run_help[] =
    "usage: isobench run -w WORKLOADS [-e ENVS] [options]\n"
    "  -w, --workload LIST   comma list of workloads (isobench list)\n"
    "  -e, --env LIST        comma list of environment specs NAME[:key=value,...];\n"
    "                        native is added first when missing (the baseline); the item\n"
    "                        'available' stands for every environment that can run here,\n"
    "                        each as `isobench list --json` picks it (those left out are\n"
    "                        named, with why, before the run starts)\n"
    "  -r, --repetitions N   rounds: each measures every environment once, in a shuffled\n"
    "                        order (6: the fewest whose intervals reach 95 %)\n"
    "      --no-warmup       skip the unmeasured warm-up round\n"
    "      --seed N          seed of the rounds' order (default: random; stored as order_seed)\n"
    "      --target-ci PCT   after -r rounds, more until every headline overhead interval\n"
    "                        is within +-PCT points of its overhead (no native: each\n"
    "                        median's within +-PCT %); looks at fixed rounds (-r, x1.5,\n"
    "                        ..., the maximum), intervals widened so the one it stops\n"
    "                        on still holds 95 % (docs/results.md)\n"
    "      --max-repetitions N  at most N rounds with --target-ci (30)\n"
    "      --resume RUN      continue an interrupted run to its planned rounds (same\n"
    "                        workloads, resolved options, environments, seed and\n"
    "                        --target-ci design)\n"
    "  -s, --size PRESET     tiny | small | full (small)\n"
    "  -o, --opt KEY=VALUE   workload option, KEY or WORKLOAD.KEY (repeatable)\n"
    "  -N N                  linpack matrix order (same as -o linpack.n=N)\n"
    "      --input FILE      compress input (same as -o compress.input=FILE)\n"
    "      --slice cpus=N,mem=SIZE  the same budget for every environment, native included:\n"
    "                        a cpuset of N CPUs and a memory limit (containers, native), N\n"
    "                        vCPUs and SIZE of RAM (VMs); stated in the table\n"
    "      --counters        also count, per unit of work, what each sample's environment\n"
    "                        made the host do: context switches, migrations, page faults,\n"
    "                        CPU time (perop.* metrics; docs/results.md). They cost every\n"
    "                        context switch, so they move latency numbers: off by default\n"
    "      --timeout SEC     per measurement (600)\n"
    "      --json            NDJSON, one line per measurement, on stdout (table on stderr)\n"
    "      --html FILE       also write the run's HTML report to FILE when it ends\n"
    "      --db PATH         result database (default $XDG_DATA_HOME/isobench/results.db)\n"
    "      --peer ssh://[user@]host[:port]  run the network workloads' client halves on\n"
    "                        that host (`isobench agent --stdio` over ssh, BatchMode, host\n"
    "                        keys checked) instead of the local peer namespace\n";

/* Executes plan p into st (which it closes), prints the run's table (to
 * stderr when json puts NDJSON on stdout) and where it is stored; sets
 * *run_id. Returns the exit code: 0, 1 when a measurement failed, 130
 * interrupted. Shared by run and paper. */
int cli_run_execute(struct run_plan *p, struct store *st, const char *db, int json, int64_t *run_id)
{
    p->ndjson = json ? stdout : NULL;
    p->progress = isatty(STDERR_FILENO);
    cli_install_signals();
    struct err e = {0};
    struct run_estimate est;
    if (!p->resume_id && runner_estimate(p, st, &est, &e) == 0) {
        char line[400];
        runner_estimate_text(&est, line, sizeof(line));
        fprintf(stderr, "isobench: %s\n", line);
    }
    memset(&e, 0, sizeof(e));
    int failed = 0;
    int rc = runner_execute(p, st, run_id, &failed, &e);
    struct err e2 = {0};
    struct run_view rv;
    if (*run_id > 0) {
        char which[32];
        snprintf(which, sizeof(which), "%lld", (long long)*run_id);
        struct report rep;
        if (store_load_run(st, which, &rv, &e2) == 0) {
            if (report_build(&rv, &rep, &e2) == 0) {
                reporter_table.emit(&rep, json ? stderr : stdout, &e2);
                report_free(&rep);
            }
            store_free_run(&rv);
        }
    }
    store_close(st);
    return cli_run_outcome(db, *run_id, rc, failed, &e);
}

struct run_args {
    struct cli_common co;
    const char *wls, *resume, *html, *peer;
    int json, by_hand;
};

/* Parses argv into a and p (the options run alone takes: -w, -N,
 * --input, --json, --html, --no-warmup, --target-ci, --max-repetitions,
 * --resume; the shared ones through cli_common_opt) and checks them
 * together. Returns -1 to go on, else the exit status (help, bad input). */
static int run_parse(int argc, char **argv, struct run_args *a, struct run_plan *p,
                     struct kvlist *opts)
{
    static const struct option lo[] = {
        CLI_COMMON_LONGOPTS,
        {"workload", 1, 0, 'w'},
        {"input", 1, 0, 'I'},
        {"json", 0, 0, 'J'},
        {"no-warmup", 0, 0, 'W'},
        {"help", 0, 0, 'h'},
        {"target-ci", 1, 0, 'C'},
        {"resume", 1, 0, 'R'},
        {"max-repetitions", 1, 0, 'M'},
        {"html", 1, 0, 'H'},
        {"counters", 0, 0, 'K'},
        {"peer", 1, 0, 'P'},
        {0, 0, 0, 0},
    };
    struct err e = {0};
    int c, rc;
    cli_common_init(&a->co, 6, opts); /* 6: the fewest rounds whose median interval reaches 95 % */
    p->warmup = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, CLI_COMMON_SHORT "w:N:h", lo, NULL)) != -1) {
        a->by_hand |= c > 0 && strchr("wNICMKP", c) != NULL;
        uint64_t u;
        double d;
        if ((rc = cli_common_opt("run", c, optarg, &a->co)) >= 0) {
            if (rc) return rc;
            continue;
        }
        switch (c) {
        case 'w':
            a->wls = optarg;
            break;
        case 'N':
            if (kv_set(opts, "linpack.n", optarg, &e) < 0) return cli_die(&e);
            break;
        case 'I':
            if (kv_set(opts, "compress.input", optarg, &e) < 0) return cli_die(&e);
            break;
        case 'J':
            a->json = 1;
            break;
        case 'H':
            a->html = optarg;
            break;
        case 'W':
            p->warmup = 0;
            break;
        case 'K':
            p->counters = 1;
            break;
        case 'C':
            if (util_parse_double(optarg, &d, &e) < 0 || !(d > 0 && d < 100))
                return cli_usage("run", "--target-ci takes a percentage between 0 and 100");
            p->target_ci = d;
            break;
        case 'M':
            if (util_parse_u64(optarg, &u, &e) < 0 || u < 1 || u > 1000)
                return cli_usage("run", "--max-repetitions takes 1..1000");
            p->max_reps = (int)u;
            break;
        case 'R':
            a->resume = optarg;
            break;
        case 'P':
            a->peer = optarg;
            break;
        case 'h':
            fputs(run_help, stdout);
            return 0;
        default:
            return cli_usage("run", "bad option");
        }
    }
    a->by_hand |= a->co.given > 0;
    if (cli_common_plan(&a->co, p, &e) < 0) return cli_die(&e);
    if (optind < argc) return cli_usage("run", "unexpected argument");
    if (a->resume && a->by_hand) /* the run's own plan, not a new one */
        return cli_usage("run", "--resume continues the run's own plan: no -w, -e, -o, -r, -s");
    if (!a->wls && !a->resume) return cli_usage("run", "no workload given (-w)");
    cli_command_line(p->command, sizeof(p->command), argc, argv);
    if (p->max_reps && !p->target_ci)
        return cli_usage("run", "--max-repetitions needs --target-ci");
    if (p->target_ci && !p->max_reps) p->max_reps = p->reps > 30 ? p->reps : 30;
    if (p->max_reps && p->max_reps < p->reps)
        return cli_usage("run", "--max-repetitions is below --repetitions");
    if (a->html && cli_check_output(a->html, &e) < 0) return cli_die(&e);
    return -1;
}

/* Plans the run (a new one, -e available expanded and said, or the
 * stored one --resume continues) and opens its store into *st. */
static int run_open(const struct run_args *a, struct run_plan *p, const struct kvlist *opts,
                    struct store **st, struct err *e)
{
    if (a->resume) {
        if (store_open(a->co.db, STORE_RW, st, e) < 0) return -1;
        if (runner_plan_resume(p, *st, a->resume, e) == 0) return 0;
        store_close(*st);
        return -1;
    }
    const char *envs_s = a->co.envs ? a->co.envs : "native";
    char expanded[1024], left[2048] = "";
    if (env_expand_available(envs_s, expanded, sizeof(expanded), left, sizeof(left), e) < 0 ||
        runner_plan(p, a->wls, expanded, opts, e) < 0 ||
        (a->peer && runner_plan_peer(p, a->peer, e) < 0) ||
        store_open(a->co.db, STORE_CREATE, st, e) < 0)
        return -1;
    if (strcmp(expanded, envs_s) != 0 || left[0]) /* -e available: what it stands for here */
        fprintf(stderr, "isobench: environments available here: %s%s%s\n", expanded,
                left[0] ? "; left out: " : "", left);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    struct run_plan *p cleanup_free = calloc(1, sizeof(*p));
    struct kvlist *opts cleanup_free = calloc(1, sizeof(*opts));
    struct run_args *a cleanup_free = calloc(1, sizeof(*a));
    if (!p || !opts || !a) return ERR_FAIL;
    int rc = run_parse(argc, argv, a, p, opts);
    if (rc >= 0) return rc;
    struct err e = {0};
    struct store *st;
    if (run_open(a, p, opts, &st, &e) < 0) return cli_die(&e);
    int64_t run_id = 0;
    rc = cli_run_execute(p, st, a->co.db, a->json, &run_id);
    if (a->html && run_id > 0) {
        char which[32];
        snprintf(which, sizeof(which), "%lld", (long long)run_id);
        if (cli_report_file(a->co.db, which, "html", a->html, &e) < 0) return cli_die(&e);
        fprintf(stderr, "isobench: HTML report: %s\n", a->html);
    }
    return rc;
}
