/* cmd_fleet.c - the fleet commands: facts (what tells this host from
 * others, and its host id) and merge (several hosts' results into one
 * database). report --by host is in cmd_report.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/facts.h"
#include "core/host.h"
#include "core/json.h"
#include "core/store.h"

/* The facts as "key  value" lines, those that explain host differences
 * first, then the others (build, libraries, tuning). */
static void facts_print(const struct kvlist *l)
{
    const char *id = kv_get(l, "host_id");
    printf("%-22s %s\n", "host_id", id ? id : kv_get(l, "host_id_error"));
    for (int i = 0; facts_explaining[i]; i++) {
        const char *v = kv_get(l, facts_explaining[i]);
        if (v) printf("%-22s %s\n", facts_explaining[i], v);
    }
    for (int i = 0; i < l->n; i++) {
        int listed = !strcmp(l->v[i].key, "host_id") || !strcmp(l->v[i].key, "host_id_error");
        for (int k = 0; facts_explaining[k] && !listed; k++)
            listed = !strcmp(l->v[i].key, facts_explaining[k]);
        if (!listed) printf("%-22s %s\n", l->v[i].key, l->v[i].val);
    }
}

int cmd_facts(int argc, char **argv)
{
    static const struct option lo[] = {{"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c, json = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'h') {
            printf("usage: isobench facts [--json]\n  what tells this host from others (every run "
                   "stores the same facts)\n  and its host id, kept in %s (made once, as root; a "
                   "new one\n  when /etc/machine-id or the DMI product uuid/serial change)\n",
                   FACTS_HOSTID_FILE);
            return 0;
        } else
            return cli_usage("facts", "takes only --json");
    }
    if (optind < argc) return cli_usage("facts", "takes no arguments");
    struct kvlist *l cleanup_free = calloc(1, sizeof(*l));
    if (!l) return ERR_FAIL;
    host_facts(l);
    struct err e = {0};
    if (kv_require_all(l, "the host facts", &e) < 0) return cli_die(&e);
    if (!json) {
        facts_print(l);
    } else {
        const char *id = kv_get(l, "host_id");
        printf("{\"schema\":\"isobench.facts/1\",\"host_id\":");
        if (id)
            json_str(stdout, id);
        else
            printf("null");
        printf(",\"facts\":");
        json_kvlist(stdout, l);
        printf(",\"explaining\":[");
        for (int i = 0; facts_explaining[i]; i++) {
            if (i) putchar(',');
            json_str(stdout, facts_explaining[i]);
        }
        printf("]}\n");
    }
    if (fflush(stdout) != 0) {
        err_sys(&e, ERR_FAIL, errno, "writing the facts");
        return cli_die(&e);
    }
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: isobench merge OUT.db IN.db...\n  copies every run of each IN.db that OUT.db "
             "does not hold (by run uuid) into\n  OUT.db (made when missing), with its host "
             "facts and host id: merging\n  twice changes nothing; a database of another schema "
             "version is refused\n  and OUT.db left unchanged");
        return 0;
    }
    if (argc < 3) return cli_usage("merge", "needs OUT.db and at least one IN.db");
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' || !argv[i][0])
            return cli_usage("merge", "takes database paths only");
    struct err e = {0};
    struct store_merge_count n = {0};
    if (store_merge(argv[1], (const char *const *)argv + 2, argc - 2, &n, &e) < 0)
        return cli_die(&e);
    printf("merge: %d run(s) added, %d already there; %s holds %d run(s)\n", n.added, n.present,
           argv[1], n.total);
    return 0;
}
