/* cmd_compare.c - isobench compare: A/B of two stored runs, or of two
 * environments of one run (report/compare.h). Exit 0 when nothing
 * regressed, 3 when something did, 4 when no row could be tested (too few
 * values: cannot decide, never "same"), 2 on bad input: a CI gate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/store.h"
#include "report/compare.h"

#define COMPARE_REGRESSED 3
#define COMPARE_UNDECIDED 4

static const char compare_help[] =
    "usage: isobench compare A B [options]          two stored runs (id, uuid or 'latest')\n"
    "       isobench compare RUN --env X --env Y    two environments of one run, by round\n"
    "  --alpha P        the family's error: flag a change only when its p-value, Holm-adjusted\n"
    "                   over all rows, is below P (0.01)\n"
    "  --noise PCT      and only when it is larger than PCT % (5)\n"
    "  --format F       table, json or csv (table)\n"
    "  --db PATH        result database\n"
    "exit status: 0 nothing regressed, 3 a regression, 4 cannot decide (no row has 2 values\n"
    "a side), 2 bad input\n";

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

int cmd_compare(int argc, char **argv)
{
    static const struct option lo[] = {
        {"alpha", 1, 0, 'a'}, {"noise", 1, 0, 'n'}, {"format", 1, 0, 'f'}, {"db", 1, 0, 'D'},
        {"env", 1, 0, 'e'},   {"help", 0, 0, 'h'},  {0, 0, 0, 0}};
    struct compare_opts o = {.alpha = 0.01, .noise_pct = 5, .resamples = 9999, .seed = 1};
    const char *format = "table", *envs[2] = {NULL, NULL};
    int nenvs = 0, c;
    char db[4096];
    store_default_path(db, sizeof(db));
    struct err e = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (util_parse_double(optarg, &o.alpha, &e) < 0 || !(o.alpha > 0 && o.alpha < 1))
                return cli_usage("compare", "--alpha takes a number between 0 and 1");
            break;
        case 'n':
            if (util_parse_double(optarg, &o.noise_pct, &e) < 0 ||
                !(o.noise_pct >= 0 && o.noise_pct < 1000))
                return cli_usage("compare", "--noise takes a percentage >= 0");
            break;
        case 'f':
            if (strcmp(optarg, "table") && strcmp(optarg, "json") && strcmp(optarg, "csv"))
                return cli_usage("compare", "--format takes table, json or csv");
            format = optarg;
            break;
        case 'D':
            if (cli_copy_arg(db, sizeof(db), optarg) < 0)
                return cli_usage("compare", "--db path too long");
            break;
        case 'e':
            if (nenvs == 2) return cli_usage("compare", "--env is given twice, not more");
            envs[nenvs++] = optarg;
            break;
        case 'h':
            fputs(compare_help, stdout);
            return 0;
        default:
            return cli_usage("compare", "bad option");
        }
    }
    int nruns = argc - optind;
    if (nenvs == 1 || (nenvs == 2 && nruns != 1) || (nenvs == 0 && nruns != 2))
        return cli_usage("compare", "give two runs, or one run and --env twice");
    struct store *st;
    if (store_open(db, STORE_RO, &st, &e) < 0) return cli_die(&e);
    struct run_view *rv = calloc(2, sizeof(*rv));
    struct compare cmp = {0};
    int rc = rv ? 0 : err_set(&e, ERR_FAIL, "out of memory");
    int loaded = 0;
    for (int i = 0; rc == 0 && i < nruns; i++, loaded++)
        rc = store_load_run(st, argv[optind + i], &rv[i], &e);
    for (int i = 0; rc == 0 && i < nruns; i++) /* its samples are per tenant and step */
        if (kv_get(&rv[i].host, "scenario"))
            rc = err_set(&e, ERR_USAGE, "run %lld is a scenario run (%s): compare takes plain runs",
                         (long long)rv[i].id, kv_get(&rv[i].host, "scenario"));
    if (rc == 0 && nenvs == 2) {
        int ea = env_of(&rv[0], envs[0], &e), eb = ea < 0 ? -1 : env_of(&rv[0], envs[1], &e);
        rc = ea < 0 || eb < 0 ? -1 : compare_envs(&rv[0], ea, eb, &o, &cmp, &e);
    } else if (rc == 0) {
        rc = compare_runs(&rv[0], &rv[1], &o, &cmp, &e);
    }
    if (rc == 0) rc = compare_emit(&cmp, format, stdout, &e);
    int regressed = rc == 0 && cmp.regressions > 0, undecided = rc == 0 && cmp.tested == 0;
    compare_free(&cmp);
    for (int i = 0; i < loaded; i++)
        store_free_run(&rv[i]);
    free(rv);
    store_close(st);
    if (rc < 0) return cli_die(&e);
    return regressed ? COMPARE_REGRESSED : undecided ? COMPARE_UNDECIDED : 0;
}
