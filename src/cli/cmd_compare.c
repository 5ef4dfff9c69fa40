/* cmd_compare.c - isobench compare: A/B of stored runs (one run a side, or
 * a comma-separated list of runs a side), or of two environments of one
 * run (report/compare.h). Exit 0 when nothing regressed, 3 when something
 * did, 4 when no row could be tested (too few values or runs: cannot
 * decide, never "same"), 2 on bad input: a CI gate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/store.h"
#include "report/compare.h"
#include "report/report.h"

#define COMPARE_REGRESSED 3
#define COMPARE_UNDECIDED 4
#define STR_(x) #x
#define STR(x) STR_(x)
#define SPREAD_DEFAULT STR(CMP_RUN_SPREAD_PCT)

static const char compare_help[] =
    "usage: isobench compare A B [options]          one stored run a side (id, uuid or 'latest')\n"
    "       isobench compare A1,A2,A3 B1,B2,B3      several runs a side (2 to 16 each): each row\n"
    "                   is tested across runs, so the run-to-run spread is measured\n"
    "       isobench compare RUN --env X --env Y    two environments of one run, by round\n"
    "  --alpha P        the family's error: flag a change only when its p-value, Holm-adjusted\n"
    "                   over all rows, is below P (0.01)\n"
    "  --noise PCT      and only when it is larger than PCT % (5)\n"
    "  --run-spread PCT one run a side only: the run-to-run spread (coefficient of variation)\n"
    "                   assumed, as one run a side cannot measure it (" SPREAD_DEFAULT
    "; 0: none)\n";
static const char compare_help_tail[] =
    "  --db PATH        result database\n"
    "exit status: 0 nothing regressed, 3 a regression, 4 cannot decide (no row could be\n"
    "tested: that needs 2 values a side, and 2 runs a side when several are given), 2 bad\n"
    "input\n";

struct compare_args {
    struct compare_opts o;
    const struct reporter *format;
    const char *envs[2];
    int nenvs, spread_given;
    char db[4096];
    char *runs[2 * CMP_MAX_RUNS]; /* A's, then B's */
    int k[2];                     /* runs a side (k[1] 0: --env) */
};

/* An environment of rv named by its spec; ERR_USAGE naming the choices. */
static int env_of(const struct run_view *rv, const char *spec, struct err *e)
{
    for (int i = 0; i < rv->nenv; i++)
        if (!strcmp(rv->envs[i], spec)) return i;
    char have[1024] = "";
    for (int i = 0; i < rv->nenv; i++)
        snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s", i ? ", " : "",
                 rv->envs[i]);
    return err_set(e, ERR_USAGE, "run %lld has no environment '%s' (it has: %s)", (long long)rv->id,
                   spec, have);
}

/* Splits list, the runs of side ("A" or "B") separated by commas, in
 * place into items; their count, or ERR_USAGE: an empty item, more than
 * CMP_MAX_RUNS. */
static int run_list(char *list, const char *side, char **items, struct err *e)
{
    if (util_list_check(list, "run", e) < 0) return -1;
    int n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    if (n > CMP_MAX_RUNS)
        return err_set(e, ERR_USAGE, "%s lists %d runs: at most %d a side", side, n, CMP_MAX_RUNS);
    n = 0;
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        items[n++] = t;
    return n;
}

/* The positional arguments into a->runs and a->k: two lists of runs, or
 * one run with --env twice. 0, or the exit status of bad input (said). */
static int parse_runs(int nargs, char **args, struct compare_args *a)
{
    struct err e = {0};
    if (a->nenvs == 1 || (a->nenvs == 2 && nargs != 1) || (a->nenvs == 0 && nargs != 2))
        return cli_usage("compare", "give two runs (or two lists of runs), or one run and --env "
                                    "twice");
    if (a->nenvs == 2 && strchr(args[0], ','))
        return cli_usage("compare", "--env compares two environments of one run: give one run, "
                                    "not a list");
    for (int s = 0; s < nargs; s++) {
        int n = run_list(args[s], s ? "B" : "A", a->runs + (s ? a->k[0] : 0), &e);
        if (n < 0) return cli_usage("compare", e.msg);
        a->k[s] = n;
    }
    if (nargs == 2 && (a->k[0] == 1) != (a->k[1] == 1)) {
        snprintf(e.msg, sizeof(e.msg),
                 "A has %d run%s and B %d: give one run a side, or 2 or more on each", a->k[0],
                 a->k[0] == 1 ? "" : "s", a->k[1]);
        return cli_usage("compare", e.msg);
    }
    if (a->spread_given && (a->nenvs || a->k[0] > 1))
        return cli_usage("compare", "--run-spread is for one run a side (several runs a side "
                                    "measure the spread; --env compares within one run)");
    return 0;
}

/* One option c (its argument optarg) into a; 0, or the exit status of bad
 * input (said). */
static int parse_opt(int c, struct compare_args *a)
{
    struct err e = {0};
    switch (c) {
    case 'a':
        if (util_parse_double(optarg, &a->o.alpha, &e) < 0 || !(a->o.alpha > 0 && a->o.alpha < 1))
            return cli_usage("compare", "--alpha takes a number between 0 and 1");
        return 0;
    case 'n':
        if (util_parse_double(optarg, &a->o.noise_pct, &e) < 0 ||
            !(a->o.noise_pct >= 0 && a->o.noise_pct < 1000))
            return cli_usage("compare", "--noise takes a percentage >= 0");
        return 0;
    case 's':
        if (util_parse_double(optarg, &a->o.run_spread_pct, &e) < 0 ||
            !(a->o.run_spread_pct >= 0 && a->o.run_spread_pct < 100))
            return cli_usage("compare", "--run-spread takes a percentage from 0 to 100");
        a->spread_given = 1;
        return 0;
    case 'f':
        if (!(a->format = reporter_find_for(optarg, REPORTER_COMPARE))) {
            char names[128], msg[160];
            reporter_names(REPORTER_COMPARE, names, sizeof(names));
            snprintf(msg, sizeof(msg), "--format takes %s", names);
            return cli_usage("compare", msg);
        }
        return 0;
    case 'D':
        if (cli_copy_arg(a->db, sizeof(a->db), optarg) < 0)
            return cli_usage("compare", "--db path too long");
        return 0;
    case 'e':
        if (a->nenvs == 2) return cli_usage("compare", "--env is given twice, not more");
        a->envs[a->nenvs++] = optarg;
        return 0;
    }
    return cli_usage("compare", "bad option");
}

/* The command line into a: -1 to go on, else the exit status (--help: 0,
 * bad input: said, 2). */
static int parse_args(int argc, char **argv, struct compare_args *a)
{
    static const struct option lo[] = {{"alpha", 1, 0, 'a'},      {"noise", 1, 0, 'n'},
                                       {"run-spread", 1, 0, 's'}, {"format", 1, 0, 'f'},
                                       {"db", 1, 0, 'D'},         {"env", 1, 0, 'e'},
                                       {"help", 0, 0, 'h'},       {0, 0, 0, 0}};
    memset(a, 0, sizeof(*a));
    a->o = (struct compare_opts){.alpha = 0.01,
                                 .noise_pct = 5,
                                 .run_spread_pct = CMP_RUN_SPREAD_PCT,
                                 .resamples = 9999,
                                 .seed = 1};
    a->format = &reporter_table;
    store_default_path(a->db, sizeof(a->db));
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            char names[128];
            reporter_names(REPORTER_COMPARE, names, sizeof(names));
            printf("%s  --format F       %s (table)\n%s", compare_help, names, compare_help_tail);
            return 0;
        }
        if ((rc = parse_opt(c, a)) != 0) return rc;
    }
    rc = parse_runs(argc - optind, argv + optind, a);
    return rc ? rc : -1;
}

/* Loads the n runs named in which into rv (plain runs only: a scenario's
 * samples are per tenant and step); *loaded counts those to free. */
static int load_runs(struct store *st, char **which, int n, struct run_view *rv, int *loaded,
                     struct err *e)
{
    for (int i = 0; i < n; i++) {
        if (store_load_run(st, which[i], &rv[i], e) < 0) return -1;
        (*loaded)++;
        if (kv_get(&rv[i].host, "scenario"))
            return err_set(e, ERR_USAGE,
                           "run %lld is a scenario run (%s): compare takes plain runs",
                           (long long)rv[i].id, kv_get(&rv[i].host, "scenario"));
    }
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    struct compare_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    struct err e = {0};
    struct store *st;
    if (store_open(a.db, STORE_RO, &st, &e) < 0) return cli_die(&e);
    int n = a.k[0] + a.k[1], loaded = 0;
    struct run_view *rv = calloc((size_t)n, sizeof(*rv));
    struct compare cmp = {0};
    rc = rv ? load_runs(st, a.runs, n, rv, &loaded, &e) : err_set(&e, ERR_FAIL, "out of memory");
    if (rc == 0 && a.nenvs == 2) {
        int ea = env_of(&rv[0], a.envs[0], &e), eb = ea < 0 ? -1 : env_of(&rv[0], a.envs[1], &e);
        rc = ea < 0 || eb < 0 ? -1 : compare_envs(&rv[0], ea, eb, &a.o, &cmp, &e);
    } else if (rc == 0) {
        rc = compare_run_sets(rv, a.k[0], rv + a.k[0], a.k[1], &a.o, &cmp, &e);
    }
    if (rc == 0) rc = reporter_emit_compare(a.format, &cmp, stdout, &e);
    int regressed = rc == 0 && cmp.regressions > 0, undecided = rc == 0 && cmp.tested == 0;
    compare_free(&cmp);
    for (int i = 0; i < loaded; i++)
        store_free_run(&rv[i]);
    free(rv);
    store_close(st);
    if (rc < 0) return cli_die(&e);
    return regressed ? COMPARE_REGRESSED : undecided ? COMPARE_UNDECIDED : 0;
}
