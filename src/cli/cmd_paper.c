/* cmd_paper.c - isobench paper: Felter et al.'s matrix on this host in one
 * command, then its HTML report with the paper's numbers beside this
 * host's. The matrix is an ordinary run (stored, resumable, comparable);
 * this command only chooses it and renders the result. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/store.h"
#include "envs/env.h"
#include "run/runner.h"

/* The paper's workloads, in its order. */
static const char paper_workloads[] =
    "compress,linpack,stream,randomaccess,netbw,netlat,blockio,redis,mysql";

static const char paper_help[] =
    "usage: isobench paper [options]   (as root: containers and VMs)\n"
    "  Runs Felter et al.'s matrix - native; a container with NAT and its layered root\n"
    "  (Docker's defaults); one with net=host and a volume; one with NAT and a volume (MySQL's\n"
    "  Table III); a stock vm; a tuned vm - over compress, linpack, stream, randomaccess,\n"
    "  netbw, netlat, blockio, redis and mysql, stores it as a run, and writes the HTML report\n"
    "  with the paper's numbers beside this host's. blockio runs its defaults: the paper's\n"
    "  fio job file through libaio in every environment (isobench list -v: blockio).\n"
    "  Pairs that cannot run here are n/a.\n"
    "  -o, --output FILE     the report (isobench-paper.html)\n"
    "      --container ENGINE  the container columns' engine: container (isobench's own),\n"
    "                        docker (as in the paper), podman, runc, runsc, lxc\n"
    "      --extra-envs LIST  more environment specs as extra columns (e.g. runsc:net=host;\n"
    "                        vm:net=nat for a VM behind NAT: the guests sit on a bridge and\n"
    "                        are reached directly, as the paper's)\n"
    "      --sizing S        paper: each VM sized per workload as the paper's (netbw and\n"
    "                        netlat 1 vCPU, 1 GiB; redis 1 vCPU, 1.5 GiB; the rest the whole\n"
    "                        host; containers unlimited, as the paper's); host: every VM the\n"
    "                        whole host (paper)\n"
    "      --mysql-io-bound  MySQL disk-bound, as the critique asks: a buffer pool of 10 % of\n"
    "                        the tables' data (-o mysql.bound=io) instead of the paper's pool\n"
    "                        that holds every read; needs --size small or full\n"
    "  -s, --size PRESET     tiny | small | full (small; full is the paper's parameters)\n"
    "  -r, --repetitions N   rounds (6)\n"
    "      --dry-run         print the run it would make and exit\n"
    "      --db PATH         result database\n"
    "      --peer ssh://[user@]host[:port]  the client halves on that host, the paper's\n"
    "                        second machine (isobench run --help)\n";

/* The environment list for engine, extras appended; ERR_USAGE when the
 * engine is not a container engine isobench has. */
static int paper_envs(const char *engine, const char *extra, char *buf, size_t len, struct err *e)
{
    static const char *const engines[] = {"container", "docker", "podman", "runc",
                                          "runsc",     "lxc",    NULL};
    int ok = 0;
    for (int i = 0; engines[i]; i++)
        if (!strcmp(engine, engines[i])) ok = 1;
    if (!ok)
        return err_set(e, ERR_USAGE,
                       "--container takes container, docker, podman, runc, runsc or lxc");
    /* runc and runsc bundles have no NAT network: their "default" column is
     * net=none, which the network workloads report as n/a. */
    int n =
        snprintf(buf, len, "native,%s,%s:net=host,storage=volume,%s:storage=volume,vm,vm:tuned%s%s",
                 engine, engine, engine, extra ? "," : "", extra ? extra : "");
    if (n < 0 || (size_t)n >= len) return err_set(e, ERR_USAGE, "--extra-envs is too long");
    return 0;
}

#define PAPER_SIZING                                                                               \
    "paper (VMs: netbw and netlat 1 vCPU, 1 GiB; redis 1 vCPU, 1.5 GiB; the rest the whole "       \
    "host; containers unlimited, as the paper's)"

/* --sizing paper: the paper's guests (its scripts repository: netperf's
 * libvirt guest 1 vCPU and 1 GiB, Redis' 1 vCPU and 1.5 GiB, fio's and
 * MySQL's the whole host), the run's fact "sizing" saying so. */
static int paper_sizing(struct run_plan *p, struct err *e)
{
    static const char *const sized[][2] = {
        {"netbw", "cpus=1,mem=1G"}, {"netlat", "cpus=1,mem=1G"}, {"redis", "cpus=1,mem=1536M"}};
    for (size_t k = 0; k < sizeof(sized) / sizeof(sized[0]); k++)
        if (runner_plan_sized(p, sized[k][0], "vm", sized[k][1], e) < 0) return -1;
    return 0;
}

struct paper_args {
    struct cli_common co; /* -s, -r, --db */
    const char *output, *engine, *extra, *peer;
    int dry, io_bound, host_sizing;
};

/* Parses argv into a and checks what can be checked before planning (the
 * engine, root, the report's directory) into env_list; -1 to go on, else
 * the exit status. */
static int paper_parse(int argc, char **argv, struct paper_args *a, char *env_list, size_t len)
{
    static const struct option lo[] = {
        {"output", 1, 0, 'o'},
        {"container", 1, 0, 'c'},
        {"extra-envs", 1, 0, 'x'},
        {"size", 1, 0, 's'},
        {"repetitions", 1, 0, 'r'},
        {"dry-run", 0, 0, 'n'},
        {"db", 1, 0, 'D'},
        {"help", 0, 0, 'h'},
        {"sizing", 1, 0, 'Z'},
        {"mysql-io-bound", 0, 0, 'm'},
        {0, 0, 0, 0},
    };
    struct err e = {0};
    int c, rc;
    a->output = "isobench-paper.html";
    a->engine = "container";
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:s:r:h", lo, NULL)) != -1) {
        /* -s, -r, --db as every planning command; its -o is --output */
        if (c > 0 && strchr("srD", c) && (rc = cli_common_opt("paper", c, optarg, &a->co)) >= 0) {
            if (rc) return rc;
            continue;
        }
        switch (c) {
        case 'o':
            a->output = optarg;
            break;
        case 'c':
            a->engine = optarg;
            break;
        case 'x':
            a->extra = optarg;
            break;
        case 'n':
            a->dry = 1;
            break;
        case 'Z':
            if (strcmp(optarg, "paper") && strcmp(optarg, "host"))
                return cli_usage("paper", "--sizing takes paper or host");
            a->host_sizing = !strcmp(optarg, "host");
            break;
        case 'm':
            a->io_bound = 1;
            break;
        case 'P':
            a->peer = optarg;
            break;
        case 'h':
            fputs(paper_help, stdout);
            return 0;
        default:
            return cli_usage("paper", "bad option");
        }
    }
    if (optind < argc) return cli_usage("paper", "unexpected argument");
    if (paper_envs(a->engine, a->extra, env_list, len, &e) < 0) return cli_die(&e);
    if (!a->dry && geteuid() != 0)
        return cli_usage("paper", "needs root: its containers and VMs (sudo isobench paper)");
    /* The report's directory must exist before an hour of measuring. */
    char dir[4096];
    if (cli_copy_arg(dir, sizeof(dir), a->output) < 0)
        return cli_usage("paper", "-o path too long");
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    if (!a->dry && access(slash ? (dir[0] ? dir : "/") : ".", W_OK) != 0)
        return cli_usage("paper", "-o: cannot write into the report's directory");
    return -1;
}

/* Says what the planned paper run will do: its command, what blockio
 * runs, the n/a pairs, the sizing, the count of pairs measured. */
static void paper_say(const struct paper_args *a, const struct run_plan *p, const char *env_list)
{
    printf("isobench paper: -w %s -e %s -o mysql.mode=ro%s --size %s -r %d%s%s (+1 warm-up "
           "round)\n",
           paper_workloads, env_list, a->io_bound ? " -o mysql.bound=io" : "", size_str(p->size),
           p->reps, a->peer ? " --peer " : "", a->peer ? p->peer_url.text : "");
    for (int w = 0; w < p->nwl; w++) /* what blockio runs: its plan's words */
        if (!strcmp(p->wl[w]->name, "blockio"))
            printf("  blockio: engine=%s, %s: jobs=%s\n", kv_get(&p->wlopts[w], "engine") ?: "?",
                   kv_get(&p->plan_facts[w], "blockio.job_file") ?: "?",
                   wl_opts_value(p->wl[w]->opts, &p->wlopts[w], p->size, "jobs") ?: "?");
    int measured = 0;
    for (int w = 0; w < p->nwl; w++)
        for (int j = 0; j < p->nenv; j++) {
            if (!p->na[w][j]) {
                measured++;
                continue;
            }
            printf("  n/a: %s on %s: %s\n", p->wl[w]->name, p->spec[j].text, p->na[w][j]);
        }
    printf("  sizing: %s\n", a->host_sizing ? "host (every VM the whole host)" : PAPER_SIZING);
    printf("  %d of %d workload x environment pairs measured, %d rounds each; report: %s\n",
           measured, p->nwl * p->nenv, p->reps + 1, a->output);
}

int cmd_paper(int argc, char **argv)
{
    struct run_plan *p cleanup_free = calloc(1, sizeof(*p));
    struct kvlist *opts cleanup_free = calloc(1, sizeof(*opts));
    struct paper_args *a cleanup_free = calloc(1, sizeof(*a));
    if (!p || !opts || !a) return ERR_FAIL;
    cli_common_init(&a->co, 6, opts);
    char env_list[2048];
    int rc = paper_parse(argc, argv, a, env_list, sizeof(env_list));
    if (rc >= 0) return rc;
    struct err e = {0};
    p->size = a->co.size;
    p->reps = a->co.reps;
    p->warmup = 1;
    p->timeout_s = 600;
    if (kv_set(opts, "mysql.mode", "ro", &e) < 0 || /* the paper's OLTP read-only */
        (a->io_bound && kv_set(opts, "mysql.bound", "io", &e) < 0))
        return cli_die(&e);
    cli_command_line(p->command, sizeof(p->command), argc, argv);
    if (runner_plan(p, paper_workloads, env_list, opts, &e) < 0 ||
        (!a->host_sizing && paper_sizing(p, &e) < 0) ||
        (a->peer && runner_plan_peer(p, a->peer, &e) < 0))
        return cli_die(&e);
    paper_say(a, p, env_list);
    if (a->dry) return 0;
    struct store *st;
    if (store_open(a->co.db, STORE_CREATE, &st, &e) < 0) return cli_die(&e);
    int64_t run_id = 0;
    rc = cli_run_execute(p, st, a->co.db, 0, &run_id);
    if (run_id <= 0) return rc;
    char which[32];
    snprintf(which, sizeof(which), "%lld", (long long)run_id);
    if (cli_report_file(a->co.db, which, "html", a->output, &e) < 0) return cli_die(&e);
    fprintf(stderr, "isobench: the report is in %s (isobench report %s --format html)\n", a->output,
            which);
    return rc;
}
