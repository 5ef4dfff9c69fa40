/* cmd_explain.c - isobench explain ENV: the ladder from native to ENV,
 * one knob at a time (run/explain.h), run as ONE ordinary run whose
 * environments are the rungs; the report's explain view attributes the
 * overhead to the knobs (report/explain.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/store.h"
#include "envs/env.h"
#include "run/explain.h"
#include "run/runner.h"
#include "workloads/workload.h"

static const char explain_help[] =
    "usage: isobench explain ENV -w WORKLOADS [options]\n"
    "  ENV                   a container driver's, runsc's or vm's spec (container, runc,\n"
    "                        podman, docker, lxc, runsc, vm); the ladder goes from native to\n"
    "                        ENV one knob at a time, every rung an ordinary spec\n"
    "  -w, --workload LIST   comma list of workloads (needed unless --dry-run)\n"
    "  -r, --repetitions N   rounds (6); every rung runs in each, shuffled, as `run`\n"
    "  -s, --size PRESET     tiny | small | full (small)\n"
    "  -o, --opt KEY=VALUE   workload option (repeatable)\n"
    "      --seed N          seed of the rounds' order\n"
    "      --timeout SEC     per measurement (600)\n"
    "      --counters        per-operation counters on every rung (run --counters: they\n"
    "                        cost each context switch; the view's per-operation table)\n"
    "      --dry-run         print the ladder, the n/a rungs with why, and start nothing\n"
    "      --json            the ladder as JSON (--dry-run), or NDJSON per measurement\n"
    "      --db PATH         result database (default $XDG_DATA_HOME/isobench/results.db)\n"
    "  `isobench report RUN` shows the explain view: each knob's increment with its interval.\n";

/* The ladder as text: one line per rung, its spec or why it is n/a. */
static void ladder_text(const struct explain_ladder *l, const struct explain_host *h)
{
    int run = 0;
    for (int k = 0; k < l->n; k++)
        run += l->r[k].spec[0] != 0;
    printf("explain %s: %d rungs, %d run here (host: %s, 2 MiB hugepages %s, vhost-net %s)\n",
           l->env, l->n, run, h->kvm ? "KVM" : "no KVM (TCG)", h->hugepages ? "yes" : "no",
           h->vhost ? "yes" : "no");
    for (int k = 0; k < l->n; k++) {
        const struct explain_rung *r = &l->r[k];
        if (r->spec[0])
            printf("  %2d  %-26s %s\n", k, r->knob, r->spec);
        else
            printf("  %2d  %-26s n/a: %s\n", k, r->knob, r->na);
        if (r->note[0]) printf("      %-26s (%s)\n", "", r->note);
    }
}

/* The ladder as one JSON document (schema isobench.explain-ladder/1). */
static void ladder_json(const struct explain_ladder *l, const struct explain_host *h)
{
    fputs("{\"schema\":\"isobench.explain-ladder/1\",\"env\":", stdout);
    json_str(stdout, l->env);
    printf(",\"host\":{\"kvm\":%s,\"hugepages\":%s,\"vhost\":%s},\"rungs\":[",
           h->kvm ? "true" : "false", h->hugepages ? "true" : "false", h->vhost ? "true" : "false");
    for (int k = 0; k < l->n; k++) {
        const struct explain_rung *r = &l->r[k];
        printf("%s{\"rung\":%d,\"knob\":", k ? "," : "", k);
        json_str(stdout, r->knob);
        fputs(",\"spec\":", stdout);
        r->spec[0] ? json_str(stdout, r->spec) : (void)fputs("null", stdout);
        fputs(",\"na\":", stdout);
        r->na[0] ? json_str(stdout, r->na) : (void)fputs("null", stdout);
        fputs(",\"note\":", stdout);
        json_str(stdout, r->note);
        fputc('}', stdout);
    }
    puts("]}");
}

/* The workloads' headline metrics as run facts explain.headline.<wl>
 * ("*": every metric), so the report knows them from the store alone. */
static int headline_facts(const struct run_plan *p, struct kvlist *f, struct err *e)
{
    for (int w = 0; w < p->nwl; w++) {
        char k[64], v[256] = "";
        snprintf(k, sizeof(k), "explain.headline.%s", p->wl[w]->name);
        for (const char *const *h = p->wl[w]->headline; h && *h; h++)
            if (snprintf(v + strlen(v), sizeof(v) - strlen(v), "%s%s", v[0] ? "," : "", *h) >=
                (int)(sizeof(v) - strlen(v)))
                return err_set(e, ERR_FAIL, "%s: headline list too long", p->wl[w]->name);
        if (kv_set(f, k, v[0] ? v : "*", e) < 0) return -1;
    }
    return 0;
}

/* --dry-run -w LIST: every name a workload (nothing is planned). */
static int dry_workloads(const char *wls, struct err *e)
{
    char buf[1024], *save = NULL;
    if (snprintf(buf, sizeof(buf), "%s", wls) >= (int)sizeof(buf))
        return err_set(e, ERR_USAGE, "workload list too long");
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!workload_find(t))
            return err_set(e, ERR_USAGE, "unknown workload '%s' (isobench list)", t);
    return 0;
}

struct explain_args {
    const char *env, *wls;
    int dry, json;
    struct cli_common co;
};

/* Parses argv into a and p; returns -1 to go on, else the exit code. */
static int explain_parse(int argc, char **argv, struct explain_args *a, struct run_plan *p,
                         struct kvlist *opts)
{
    static const struct option lo[] = {
        CLI_COMMON_LONGOPTS, {"workload", 1, 0, 'w'}, {"json", 0, 0, 'J'}, {"dry-run", 0, 0, 'n'},
        {"help", 0, 0, 'h'}, {"counters", 0, 0, 'K'}, {0, 0, 0, 0},
    };
    int c, rc;
    cli_common_init(&a->co, 6, opts);
    optind = 1;
    while ((c = getopt_long(argc, argv, CLI_COMMON_SHORT "w:h", lo, NULL)) != -1) {
        if (c == 'e' || c == 'L')
            return cli_usage("explain", "the ladder is the environments (no -e, --slice)");
        if ((rc = cli_common_opt("explain", c, optarg, &a->co)) >= 0) {
            if (rc) return rc;
            continue;
        }
        switch (c) {
        case 'w':
            a->wls = optarg;
            break;
        case 'J':
            a->json = 1;
            break;
        case 'n':
            a->dry = 1;
            break;
        case 'K':
            p->counters = 1;
            break;
        case 'h':
            fputs(explain_help, stdout);
            return 0;
        default:
            return cli_usage("explain", "bad option");
        }
    }
    struct err pe = {0};
    if (cli_common_plan(&a->co, p, &pe) < 0) return cli_die(&pe); /* (no --slice here) */
    if (argc - optind != 1) return cli_usage("explain", "one environment spec (ENV) expected");
    a->env = argv[optind];
    if (!a->wls && !a->dry) return cli_usage("explain", "no workload given (-w)");
    cli_command_line(p->command, sizeof(p->command), argc, argv);
    return -1;
}

int cmd_explain(int argc, char **argv)
{
    struct run_plan *p cleanup_free = calloc(1, sizeof(*p));
    struct kvlist *opts cleanup_free = calloc(1, sizeof(*opts));
    struct explain_ladder *l cleanup_free = calloc(1, sizeof(*l));
    struct explain_args *a cleanup_free = calloc(1, sizeof(*a));
    if (!p || !opts || !l || !a) return ERR_FAIL;
    p->warmup = 1;
    int rc = explain_parse(argc, argv, a, p, opts);
    if (rc >= 0) return rc;
    struct err e = {0};
    struct spec sp;
    const struct env *env;
    struct explain_host h;
    explain_host_probe(&h);
    if (spec_parse(a->env, &sp, &e) < 0 || explain_ladder(a->env, &h, l, &e) < 0 ||
        env_resolve(&sp, &env, &e) < 0)
        return cli_die(&e);
    if (a->dry && a->wls && dry_workloads(a->wls, &e) < 0) return cli_die(&e);
    if (a->dry) {
        a->json ? ladder_json(l, &h) : ladder_text(l, &h);
        return 0;
    }
    if (l->blocked[0]) {
        err_set(&e, ERR_USAGE, "explain: %s cannot run here: %s", l->env, l->blocked);
        return cli_die(&e);
    }
    char list[1024];
    if (explain_env_list(l, list, sizeof(list), &e) < 0 ||
        runner_plan(p, a->wls, list, opts, &e) < 0 || explain_facts(l, &p->run_facts, &e) < 0 ||
        headline_facts(p, &p->run_facts, &e) < 0)
        return cli_die(&e);
    struct store *st;
    if (store_open(a->co.db, STORE_CREATE, &st, &e) < 0) return cli_die(&e);
    fprintf(stderr, "isobench: explain %s: %s\n", l->env, list);
    int64_t run_id = 0;
    return cli_run_execute(p, st, a->co.db, a->json, &run_id);
}
