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
    "      --peer ssh://[user@]host[:port]  run the network workloads' client halves on\n"
    "                        that host (`isobench agent --stdio` over ssh, BatchMode, host\n"
    "                        keys checked) instead of the local peer namespace\n"
    "      --timeout SEC     per measurement (600)\n"
    "      --json            NDJSON, one line per measurement, on stdout (table on stderr)\n"
    "      --html FILE       also write the run's HTML report to FILE when it ends\n"
    "      --db PATH         result database (default $XDG_DATA_HOME/isobench/results.db)\n";

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

int cmd_run(int argc, char **argv)
{
    static const struct option lo[] = {
        {"workload", 1, 0, 'w'},
        {"env", 1, 0, 'e'},
        {"repetitions", 1, 0, 'r'},
        {"size", 1, 0, 's'},
        {"opt", 1, 0, 'o'},
        {"input", 1, 0, 'I'},
        {"timeout", 1, 0, 'T'},
        {"json", 0, 0, 'J'},
        {"db", 1, 0, 'D'},
        {"no-warmup", 0, 0, 'W'},
        {"help", 0, 0, 'h'},
        {"seed", 1, 0, 'S'},
        {"target-ci", 1, 0, 'C'},
        {"resume", 1, 0, 'R'},
        {"max-repetitions", 1, 0, 'M'},
        {"slice", 1, 0, 'L'},
        {"html", 1, 0, 'H'},
        {"peer", 1, 0, 'P'},
        {0, 0, 0, 0},
    };
    struct run_plan *p cleanup_free = calloc(1, sizeof(*p));
    struct kvlist *opts cleanup_free = calloc(1, sizeof(*opts));
    if (!p || !opts) return ERR_FAIL;
    const char *wls = NULL, *envs_s = "native", *resume = NULL, *html = NULL, *peer = NULL;
    char db[4096];
    store_default_path(db, sizeof(db));
    p->size = SIZE_SMALL;
    p->reps = 6; /* the fewest whose median interval reaches 95 % */
    p->warmup = 1;
    p->timeout_s = 600;
    int json = 0, c;
    struct err e = {0};
    optind = 1;
    int by_hand = 0;
    while ((c = getopt_long(argc, argv, "w:e:r:s:o:N:h", lo, NULL)) != -1) {
        by_hand |= c > 0 && strchr("wersoNISCMLP", c) != NULL;
        uint64_t u;
        double d;
        char *eq;
        switch (c) {
        case 'w':
            wls = optarg;
            break;
        case 'e':
            envs_s = optarg;
            break;
        case 'r':
            if (util_parse_u64(optarg, &u, &e) < 0 || u < 1 || u > 1000)
                return cli_usage("run", "--repetitions takes 1..1000");
            p->reps = (int)u;
            break;
        case 's':
            if ((p->size = size_parse(optarg)) < 0)
                return cli_usage("run", "--size takes tiny, small or full");
            break;
        case 'o':
            if (!(eq = strchr(optarg, '=')) || eq == optarg)
                return cli_usage("run", "--opt takes KEY=VALUE");
            if (cli_opt_pair(optarg, opts, &e) < 0) return cli_die(&e);
            break;
        case 'N':
            if (kv_set(opts, "linpack.n", optarg, &e) < 0) return cli_die(&e);
            break;
        case 'I':
            if (kv_set(opts, "compress.input", optarg, &e) < 0) return cli_die(&e);
            break;
        case 'T':
            if (util_parse_double(optarg, &d, &e) < 0 || d <= 0)
                return cli_usage("run", "--timeout takes seconds > 0");
            p->timeout_s = d;
            break;
        case 'J':
            json = 1;
            break;
        case 'H':
            html = optarg;
            break;
        case 'P':
            peer = optarg;
            break;
        case 'D':
            if (cli_copy_arg(db, sizeof(db), optarg) < 0)
                return cli_usage("run", "--db path too long");
            break;
        case 'W':
            p->warmup = 0;
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
            resume = optarg;
            break;
        case 'L':
            if (slice_parse(optarg, &p->slice, &e) < 0) return cli_die(&e);
            break;
        case 'S':
            if (util_parse_u64(optarg, &u, &e) < 0 || u == 0)
                return cli_usage("run", "--seed takes a number >= 1");
            p->seed = u;
            break;
        case 'h':
            fputs(run_help, stdout);
            return 0;
        default:
            return cli_usage("run", "bad option");
        }
    }
    if (optind < argc) return cli_usage("run", "unexpected argument");
    if (resume && by_hand) /* the run's own plan, not a new one */
        return cli_usage("run", "--resume continues the run's own plan: no -w, -e, -o, -r, -s");
    if (!wls && !resume) return cli_usage("run", "no workload given (-w)");
    cli_command_line(p->command, sizeof(p->command), argc, argv);
    if (p->max_reps && !p->target_ci)
        return cli_usage("run", "--max-repetitions needs --target-ci");
    if (p->target_ci && !p->max_reps) p->max_reps = p->reps > 30 ? p->reps : 30;
    if (p->max_reps && p->max_reps < p->reps)
        return cli_usage("run", "--max-repetitions is below --repetitions");
    if (html && cli_check_output(html, &e) < 0) return cli_die(&e);
    char expanded[1024], left[2048] = "";
    int picked = 0;
    if (!resume) {
        if (env_expand_available(envs_s, expanded, sizeof(expanded), left, sizeof(left), &e) < 0)
            return cli_die(&e);
        picked = strcmp(expanded, envs_s) != 0 || left[0];
        envs_s = expanded;
    }
    struct store *st;
    if (resume) {
        if (store_open(db, STORE_RW, &st, &e) < 0) return cli_die(&e);
        if (runner_plan_resume(p, st, resume, &e) < 0) {
            store_close(st);
            return cli_die(&e);
        }
    } else {
        if (runner_plan(p, wls, envs_s, opts, &e) < 0 ||
            (peer && runner_plan_peer(p, peer, &e) < 0))
            return cli_die(&e);
        if (store_open(db, STORE_CREATE, &st, &e) < 0) return cli_die(&e);
        if (picked) /* -e available: what it stands for here, and what it left out */
            fprintf(stderr, "isobench: environments available here: %s%s%s\n", envs_s,
                    left[0] ? "; left out: " : "", left);
    }
    int64_t run_id = 0;
    int rc = cli_run_execute(p, st, db, json, &run_id);
    if (html && run_id > 0) {
        char which[32];
        snprintf(which, sizeof(which), "%lld", (long long)run_id);
        struct err e2 = {0};
        if (cli_report_file(db, which, "html", html, &e2) < 0) return cli_die(&e2);
        fprintf(stderr, "isobench: HTML report: %s\n", html);
    }
    return rc;
}
