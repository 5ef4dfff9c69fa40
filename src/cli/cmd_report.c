/* cmd_report.c - isobench report and show-runs: render stored runs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/store.h"
#include "report/report.h"

/* Emits into a temporary file beside path, then renames it into place: a
 * reader never sees half a report, and a failure leaves no file. */
static int report_to_file(const struct reporter *r, const struct run_view *rv, const char *path,
                          struct err *e)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
        return err_set(e, ERR_USAGE, "output path too long");
    if (kv_get(&rv->host, "scenario") && !r->scenario) /* refused before any file exists */
        return reporter_emit_run(r, rv, NULL, e);
    /* a new file of ours (never through a link someone left at tmp), then
     * renamed into place */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        int er = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return err_sys(e, ERR_USAGE, er, "cannot write %s", tmp);
    }
    int rc = reporter_emit_run(r, rv, f, e);
    if (fclose(f) != 0 && rc == 0) rc = err_sys(e, ERR_FAIL, errno, "writing %s", tmp);
    if (rc == 0 && rename(tmp, path) < 0) rc = err_sys(e, ERR_FAIL, errno, "renaming to %s", path);
    if (rc < 0) unlink(tmp);
    return rc;
}

int cli_report_file(const char *db, const char *which, const char *reporter, const char *path,
                    struct err *e)
{
    const struct reporter *r = reporter_find(reporter);
    if (!r) return err_set(e, ERR_USAGE, "no reporter %s", reporter);
    struct store *st;
    if (store_open(db, STORE_RO, &st, e) < 0) return -1;
    struct run_view rv;
    int rc = store_load_run(st, which, &rv, e);
    if (rc == 0) {
        rc = path ? report_to_file(r, &rv, path, e) : reporter_emit_run(r, &rv, stdout, e);
        if (rc == 0 && !path && fflush(stdout) != 0)
            rc = err_sys(e, ERR_FAIL, errno, "writing the report");
        store_free_run(&rv);
    }
    store_close(st);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    static const struct option lo[] = {{"format", 1, 0, 'f'},
                                       {"db", 1, 0, 'D'},
                                       {"output", 1, 0, 'o'},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *output = NULL;
    const struct reporter *r = &reporter_table;
    char db[4096];
    store_default_path(db, sizeof(db));
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!(r = reporter_find_for(optarg, REPORTER_RUN))) {
                char names[128], msg[160];
                reporter_names(REPORTER_RUN, names, sizeof(names));
                snprintf(msg, sizeof(msg), "--format takes %s", names);
                return cli_usage("report", msg);
            }
            break;
        case 'D':
            if (cli_copy_arg(db, sizeof(db), optarg) < 0)
                return cli_usage("report", "--db path too long");
            break;
        case 'o':
            output = optarg;
            break;
        case 'h': {
            char names[128];
            reporter_names(REPORTER_RUN, names, sizeof(names));
            printf("usage: isobench report [RUN] [--format F] [-o FILE] [--db PATH]\n"
                   "  F is %s (table); RUN is a run id, a run uuid or 'latest' (default);\n"
                   "  -o writes FILE whole or not at all (a temporary file renamed into place),\n"
                   "  instead of stdout\n",
                   names);
            return 0;
        }
        default:
            return cli_usage("report", "bad option");
        }
    }
    if (argc - optind > 1) return cli_usage("report", "at most one run");
    const char *which = optind < argc ? argv[optind] : "latest";
    struct err e = {0};
    return cli_report_file(db, which, r->name, output, &e) < 0 ? cli_die(&e) : 0;
}

static void print_run(void *arg, int64_t id, const char *uuid, const char *started,
                      const char *status, const char *size, const char *command, int nmeas)
{
    (void)arg;
    printf("%-5lld %-21s %-21s %-11s %-6s %5d  %s\n", (long long)id, uuid, started, status, size,
           nmeas, command);
}

int cmd_show_runs(int argc, char **argv)
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
            if (cli_copy_arg(db, sizeof(db), optarg) < 0)
                return cli_usage("show-runs", "--db path too long");
            break;
        case 'h':
            puts("usage: isobench show-runs [-n N] [--db PATH]");
            return 0;
        default:
            return cli_usage("show-runs", "bad option");
        }
    }
    if (limit <= 0 || optind < argc) return cli_usage("show-runs", "bad argument");
    struct err e = {0};
    struct store *st;
    if (store_open(db, STORE_RO, &st, &e) < 0) return cli_die(&e);
    printf("%-5s %-21s %-21s %-11s %-6s %5s  %s\n", "id", "uuid", "started", "status", "size",
           "meas", "command");
    int rc = store_list_runs(st, limit, print_run, NULL, &e);
    store_close(st);
    return rc < 0 ? cli_die(&e) : 0;
}
