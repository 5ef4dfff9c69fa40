/* main.c - the command line. The only place that prints errors and picks
 * exit codes: 0 ok, 1 a measurement failed, 2 bad usage (nothing started,
 * nothing stored changed), 130 interrupted. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "agent/agent.h"
#include "core/journal.h"
#include "run/runner.h"
#include "core/store.h"
#include "envs/env.h"
#include "envs/doctor.h"
#include "envs/image.h"
#include "envs/vm/initramfs.h"
#include "report/report.h"
#include "workloads/corpus.h"
#include "workloads/workload.h"

static int die(const struct err *e)
{
    fprintf(stderr, "isobench: %s\n", e->msg);
    return e->code ? e->code : ERR_FAIL;
}

static int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "isobench %s: %s (try 'isobench %s --help')\n", cmd, msg, cmd);
    return ERR_USAGE;
}

static void on_signal(int sig)
{
    (void)sig;
    env_interrupted = 1;
}

static void install_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking reads return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A reader that goes away (`isobench run --json | head`) must not kill
     * the run before it unwinds what it made: writes just fail instead. */
    signal(SIGPIPE, SIG_IGN);
}

static const char run_help[] =
    "usage: isobench run -w WORKLOADS [-e ENVS] [options]\n"
    "  -w, --workload LIST   comma list of workloads (isobench list)\n"
    "  -e, --env LIST        comma list of environment specs NAME[:key=value,...];\n"
    "                        native is added first when missing (the baseline)\n"
    "  -r, --repetitions N   measured repetitions per workload and environment (5)\n"
    "      --no-warmup       skip the unmeasured warm-up repetition\n"
    "  -s, --size PRESET     tiny | small | full (small)\n"
    "  -o, --opt KEY=VALUE   workload option, KEY or WORKLOAD.KEY (repeatable)\n"
    "  -N N                  linpack matrix order (same as -o linpack.n=N)\n"
    "      --input FILE      compress input (same as -o compress.input=FILE)\n"
    "      --timeout SEC     per measurement (600)\n"
    "      --json            NDJSON, one line per measurement, on stdout (table on stderr)\n"
    "      --db PATH         result database (default $XDG_DATA_HOME/isobench/results.db)\n";

static int cmd_run(int argc, char **argv)
{
    static const struct option lo[] = {
        {"workload", 1, 0, 'w'},  {"env", 1, 0, 'e'},  {"repetitions", 1, 0, 'r'},
        {"size", 1, 0, 's'},      {"opt", 1, 0, 'o'},  {"input", 1, 0, 'I'},
        {"timeout", 1, 0, 'T'},   {"json", 0, 0, 'J'}, {"db", 1, 0, 'D'},
        {"no-warmup", 0, 0, 'W'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0},
    };
    struct run_plan *p cleanup_free = calloc(1, sizeof(*p));
    struct kvlist *opts cleanup_free = calloc(1, sizeof(*opts));
    if (!p || !opts) return ERR_FAIL;
    const char *wls = NULL, *envs_s = "native";
    char db[4096];
    store_default_path(db, sizeof(db));
    p->size = SIZE_SMALL;
    p->reps = 5;
    p->warmup = 1;
    p->timeout_s = 600;
    int json = 0, c;
    struct err e = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "w:e:r:s:o:N:h", lo, NULL)) != -1) {
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
                return usage_error("run", "--repetitions takes 1..1000");
            p->reps = (int)u;
            break;
        case 's':
            if ((p->size = size_parse(optarg)) < 0)
                return usage_error("run", "--size takes tiny, small or full");
            break;
        case 'o':
            if (!(eq = strchr(optarg, '=')) || eq == optarg)
                return usage_error("run", "--opt takes KEY=VALUE");
            *eq = '\0';
            if (kv_set(opts, optarg, eq + 1, &e) < 0) return die(&e);
            break;
        case 'N':
            if (kv_set(opts, "linpack.n", optarg, &e) < 0) return die(&e);
            break;
        case 'I':
            if (kv_set(opts, "compress.input", optarg, &e) < 0) return die(&e);
            break;
        case 'T':
            if (util_parse_double(optarg, &d, &e) < 0 || d <= 0)
                return usage_error("run", "--timeout takes seconds > 0");
            p->timeout_s = d;
            break;
        case 'J':
            json = 1;
            break;
        case 'D':
            snprintf(db, sizeof(db), "%s", optarg);
            break;
        case 'W':
            p->warmup = 0;
            break;
        case 'h':
            fputs(run_help, stdout);
            return 0;
        default:
            return usage_error("run", "bad option");
        }
    }
    if (optind < argc) return usage_error("run", "unexpected argument");
    if (!wls) return usage_error("run", "no workload given (-w)");
    int off = 0;
    for (int i = 0; i < argc && off < (int)sizeof(p->command) - 1; i++)
        off += snprintf(p->command + off, sizeof(p->command) - (size_t)off, "%s%s",
                        i ? " " : "isobench ", argv[i]);
    if (runner_plan(p, wls, envs_s, opts, &e) < 0) return die(&e);
    p->ndjson = json ? stdout : NULL;
    p->progress = isatty(STDERR_FILENO);
    struct store *st;
    if (store_open(db, 1, &st, &e) < 0) return die(&e);
    install_signals();
    int64_t run_id = 0;
    int failed = 0;
    int rc = runner_execute(p, st, &run_id, &failed, &e);
    struct err e2 = {0};
    struct run_view rv;
    if (run_id > 0) {
        char which[32];
        snprintf(which, sizeof(which), "%lld", (long long)run_id);
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
    fflush(stdout);
    fprintf(stderr, "isobench: results stored in %s (run %lld)\n", db, (long long)run_id);
    if (rc < 0 && env_interrupted) {
        fprintf(stderr, "isobench: interrupted; finished samples are stored\n");
        return 130;
    }
    if (rc < 0) return die(&e);
    if (failed) {
        fprintf(stderr, "isobench: %d measurement(s) failed (see the table)\n", failed);
        return ERR_FAIL;
    }
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    int verbose = argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--verbose") == 0);
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        puts(
            "usage: isobench list [-v]\n  workloads, environments and reporters, with availability;"
            " -v adds options and presets");
        return 0;
    }
    if (argc > 1 && !verbose) return usage_error("list", "bad argument");
    puts("workloads:");
    for (int i = 0; workloads[i]; i++) {
        const struct workload *w = workloads[i];
        const char *why = w->unavailable ? w->unavailable() : NULL;
        printf("  %-14s %-11s %s%s%s\n", w->name, why ? "unavailable" : "available", w->summary,
               why ? " -- " : "", why ? why : "");
        for (const struct wl_opt *o = w->opts; verbose && o && o->name; o++)
            printf("      %-12s %s [tiny=%s small=%s full=%s]\n", o->name, o->help,
                   o->preset[0] ? o->preset[0] : "-", o->preset[1] ? o->preset[1] : "-",
                   o->preset[2] ? o->preset[2] : "-");
    }
    puts("environments:");
    for (int i = 0; envs[i]; i++) {
        const struct env *v = envs[i];
        const char *why = v->unavailable ? v->unavailable() : NULL;
        printf("  %-14s %-11s %s%s%s\n", v->name, why ? "unavailable" : "available", v->summary,
               why ? " -- " : "", why ? why : "");
        if (verbose && v->keys) {
            printf("      keys:");
            for (const char *const *k = v->keys; *k; k++)
                printf(" %s", *k);
            putchar('\n');
        }
    }
    puts("reporters:");
    for (int i = 0; reporters[i]; i++)
        printf("  %-14s %s\n", reporters[i]->name, reporters[i]->summary);
    return 0;
}

static int cmd_report(int argc, char **argv)
{
    static const struct option lo[] = {
        {"format", 1, 0, 'f'}, {"db", 1, 0, 'D'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const struct reporter *r = &reporter_table;
    char db[4096];
    store_default_path(db, sizeof(db));
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", lo, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!(r = reporter_find(optarg)))
                return usage_error("report", "--format takes table, json or csv");
            break;
        case 'D':
            snprintf(db, sizeof(db), "%s", optarg);
            break;
        case 'h':
            puts("usage: isobench report [RUN] [--format table|json|csv] [--db PATH]\n"
                 "  RUN is a run id, a run uuid or 'latest' (default)");
            return 0;
        default:
            return usage_error("report", "bad option");
        }
    }
    if (argc - optind > 1) return usage_error("report", "at most one run");
    const char *which = optind < argc ? argv[optind] : "latest";
    struct err e = {0};
    struct store *st;
    if (store_open(db, 0, &st, &e) < 0) return die(&e);
    struct run_view rv;
    struct report rep;
    int rc = store_load_run(st, which, &rv, &e);
    if (rc == 0) {
        rc = report_build(&rv, &rep, &e);
        if (rc == 0) {
            rc = r->emit(&rep, stdout, &e);
            report_free(&rep);
        }
        store_free_run(&rv);
    }
    store_close(st);
    return rc < 0 ? die(&e) : 0;
}

static void print_run(void *arg, int64_t id, const char *uuid, const char *started,
                      const char *status, const char *size, const char *command, int nmeas)
{
    (void)arg;
    printf("%-5lld %-21s %-21s %-11s %-6s %5d  %s\n", (long long)id, uuid, started, status, size,
           nmeas, command);
}

static int cmd_show_runs(int argc, char **argv)
{
    static const struct option lo[] = {{"db", 1, 0, 'D'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    char db[4096];
    store_default_path(db, sizeof(db));
    int c, limit = 50;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:h", lo, NULL)) != -1) {
        switch (c) {
        case 'n':
            limit = atoi(optarg);
            break;
        case 'D':
            snprintf(db, sizeof(db), "%s", optarg);
            break;
        case 'h':
            puts("usage: isobench show-runs [-n N] [--db PATH]");
            return 0;
        default:
            return usage_error("show-runs", "bad option");
        }
    }
    if (limit <= 0 || optind < argc) return usage_error("show-runs", "bad argument");
    struct err e = {0};
    struct store *st;
    if (store_open(db, 0, &st, &e) < 0) return die(&e);
    printf("%-5s %-21s %-21s %-11s %-6s %5s  %s\n", "id", "uuid", "started", "status", "size",
           "meas", "command");
    int rc = store_list_runs(st, limit, print_run, NULL, &e);
    store_close(st);
    return rc < 0 ? die(&e) : 0;
}

static int cmd_agent(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--serve") && !strcmp(argv[2], "--stdio")) {
        struct err e = {0};
        return agent_serve_io(0, 1, &e) < 0 ? die(&e) : 0;
    }
    int serve = argc == 4 && strcmp(argv[1], "--serve") == 0;
    if ((argc != 3 && !serve) || strcmp(argv[serve ? 2 : 1], "--fd") != 0)
        return usage_error(
            "agent",
            "usage: isobench agent [--serve] --fd N | --serve --stdio (started by environments)");
    struct err e = {0};
    uint64_t fd;
    if (util_parse_u64(argv[serve ? 3 : 2], &fd, &e) < 0) return die(&e);
    if ((serve ? agent_serve_loop((int)fd, &e) : agent_serve_fd((int)fd, &e)) < 0) return die(&e);
    return 0;
}

/* Unwinds the undo journals of runs whose isobench process is gone. */
static int cmd_cleanup(int argc, char **argv)
{
    if (argc > 1) {
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
            printf("usage: isobench cleanup\n  removes what dead runs left behind, from their "
                   "journals under %s\n",
                   journal_root());
            return 0;
        }
        return usage_error("cleanup", "takes no arguments");
    }
    struct err e = {0};
    int cleaned, live;
    int rc = journal_cleanup_dead(&cleaned, &live, &e);
    printf("cleanup: %d dead run(s) unwound, %d live run(s) left alone\n", cleaned, live);
    return rc < 0 ? die(&e) : 0;
}

static const char image_help[] =
    "usage: isobench image build NAME [--packages LIST|none] [--mirror URL] [--suite CODENAME]\n"
    "       isobench image list\n"
    "       isobench image rm NAME\n"
    "  build: a Debian minbase (debootstrap, the host's release and apt mirror) with the\n"
    "  packages holding isobench's own libraries and LIST (default " IMAGE_DEFAULT_PACKAGES ");\n"
    "  use it as container:image=NAME. Images live in %s.\n";

/* `isobench image build|list|rm`: the images containers run on. */
static int cmd_image(int argc, char **argv)
{
    struct err e = {0};
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        printf(image_help, image_root());
        return argc < 2 ? ERR_USAGE : 0;
    }
    if (!strcmp(argv[1], "list")) {
        if (argc != 2) return usage_error("image", "list takes no arguments");
        struct image_info *im cleanup_free = NULL;
        int n;
        if (image_list(&im, &n, &e) < 0) return die(&e);
        printf("%-20s %-20s %-10s %10s  %s\n", "NAME", "CREATED", "SUITE", "SIZE", "PACKAGES");
        for (int i = 0; i < n; i++)
            printf("%-20s %-20s %-10s %7.1f MiB  %s\n", im[i].name, im[i].created, im[i].suite,
                   (double)im[i].bytes / 1048576.0, im[i].packages);
        return 0;
    }
    if (!strcmp(argv[1], "rm")) {
        if (argc != 3) return usage_error("image", "usage: isobench image rm NAME");
        if (image_rm(argv[2], &e) < 0) return die(&e);
        printf("image %s removed\n", argv[2]);
        return 0;
    }
    if (strcmp(argv[1], "build")) return usage_error("image", "build, list or rm");
    if (argc < 3 || argv[2][0] == '-')
        return usage_error("image", "usage: isobench image build NAME");
    const char *pk = IMAGE_DEFAULT_PACKAGES, *mirror = NULL, *suite = NULL;
    for (int i = 3; i < argc; i++) {
        const char **dst = !strcmp(argv[i], "--packages") ? &pk
                           : !strcmp(argv[i], "--mirror") ? &mirror
                           : !strcmp(argv[i], "--suite")  ? &suite
                                                          : NULL;
        if (!dst || i + 1 >= argc) return usage_error("image", "unknown option or missing value");
        *dst = argv[++i];
    }
    if (geteuid() != 0) return usage_error("image", "build needs root (debootstrap)");
    if (image_check_new(argv[2], &e) < 0) return die(&e);
    install_signals();
    char log[700];
    fprintf(stderr, "isobench: building image %s with debootstrap (a minute or more)...\n",
            argv[2]);
    if (image_build(argv[2], pk, mirror, suite, log, sizeof(log), &e) < 0) return die(&e);
    printf("image %s built in %s/%s (debootstrap log: %s)\n", argv[2], image_root(), argv[2], log);
    return 0;
}

/* Writes the compress workload's generated corpus to stdout, so reference
 * tools (xz, pxz) can be run on exactly the same bytes. */
static int cmd_corpus(int argc, char **argv)
{
    struct err e = {0};
    uint64_t size;
    if (argc != 2 || util_parse_size(argv[1], &size, &e) < 0 || size == 0)
        return usage_error("corpus", "usage: isobench corpus SIZE (e.g. 64M) > file");
    if (isatty(STDOUT_FILENO)) return usage_error("corpus", "refusing to write to a terminal");
    char *buf cleanup_free = malloc(size);
    if (!buf) return usage_error("corpus", "not enough memory");
    corpus_fill(buf, size, CORPUS_SEED);
    return fwrite(buf, 1, size, stdout) == size && fflush(stdout) == 0 ? 0 : ERR_FAIL;
}

static int cmd_doctor(int argc, char **argv)
{
    if (argc > 1) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            fputs("usage: isobench doctor\n  prints the host's isolation facts (virtualization, "
                  "cgroups, namespaces, hugepages, vhost) and why the vm gets KVM or TCG\n",
                  stdout);
            return 0;
        }
        return usage_error("doctor", "takes no arguments");
    }
    struct kvlist l = {0};
    doctor_facts(&l);
    for (int i = 0; i < l.n; i++)
        printf("%-16s %s\n", l.v[i].key, l.v[i].val);
    return 0;
}

static const char main_help[] =
    "isobench - what isolation costs: one suite, native vs containers vs VMs\n"
    "usage: isobench COMMAND [options]   (isobench COMMAND --help)\n"
    "  run         measure workloads in environments and store the samples\n"
    "  list        workloads, environments and reporters, with availability\n"
    "  report      render a stored run (table, json, csv)\n"
    "  show-runs   list stored runs\n"
    "  version     print the version and build flags\n"
    "  cleanup     remove what dead runs left behind (from their undo journals)\n"
    "  image       build, list or remove the root filesystem images containers run on\n"
    "  doctor      the host's isolation facts and why a vm gets KVM or TCG\n"
    "  corpus      write the compress workload's generated input to stdout\n"
    "  agent       (internal) serve one job inside an environment\n";

int main(int argc, char **argv)
{
    if (getpid() == 1 && argc >= 1 && !strcmp(argv[0], "/init")) vm_guest_main(); /* in a guest */
    if (argc < 2) {
        fputs(main_help, stderr);
        return ERR_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "list")) return cmd_list(argc - 1, argv + 1);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "show-runs")) return cmd_show_runs(argc - 1, argv + 1);
    if (!strcmp(cmd, "agent")) return cmd_agent(argc - 1, argv + 1);
    if (!strcmp(cmd, "cleanup")) return cmd_cleanup(argc - 1, argv + 1);
    if (!strcmp(cmd, "doctor")) return cmd_doctor(argc - 1, argv + 1);
    if (!strcmp(cmd, "image")) return cmd_image(argc - 1, argv + 1);
    if (!strcmp(cmd, "corpus")) return cmd_corpus(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("isobench %s\nbuild: %s\ncompiler: %s\n", ISOBENCH_VERSION, ISOBENCH_BUILD_FLAGS,
               ISOBENCH_COMPILER);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(main_help, stdout);
        return 0;
    }
    fprintf(stderr, "isobench: unknown command '%s' (try 'isobench --help')\n", cmd);
    return ERR_USAGE;
}
