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

/* Writes fn's output into a temporary file beside path, then renames it
 * into place: a reader never sees half a report, and a failure leaves no
 * file. */
static int write_whole(const char *path, int (*fn)(const void *arg, FILE *f, struct err *e),
                       const void *arg, struct err *e)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
        return err_set(e, ERR_USAGE, "output path too long");
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
    int rc = fn(arg, f, e);
    if (fclose(f) != 0 && rc == 0) rc = err_sys(e, ERR_FAIL, errno, "writing %s", tmp);
    if (rc == 0 && rename(tmp, path) < 0) rc = err_sys(e, ERR_FAIL, errno, "renaming to %s", path);
    if (rc < 0) unlink(tmp);
    return rc;
}

struct run_emit {
    const struct reporter *r;
    const struct run_view *rv;
};

static int run_emit_fn(const void *arg, FILE *f, struct err *e)
{
    const struct run_emit *x = arg;
    return reporter_emit_run(x->r, x->rv, f, e);
}

/* Emits run rv with r into path, whole or not at all. */
static int report_to_file(const struct reporter *r, const struct run_view *rv, const char *path,
                          struct err *e)
{
    if (kv_get(&rv->host, "scenario") && !r->scenario) /* refused before any file exists */
        return reporter_emit_run(r, rv, NULL, e);
    struct run_emit x = {r, rv};
    return write_whole(path, run_emit_fn, &x, e);
}

struct hosts_emit {
    const struct reporter *r;
    const struct host_report *hr;
};

static int hosts_emit_fn(const void *arg, FILE *f, struct err *e)
{
    const struct hosts_emit *x = arg;
    return x->r->hosts(x->hr, f, e);
}

/* The runs named in which[0..n-1] (none: the latest of each host in db)
 * side by side with reporter r, into path or to stdout. */
static int report_by_host(const char *db, char *const *which, int n, const struct reporter *r,
                          const char *path, struct err *e)
{
    struct store *st;
    if (store_open(db, STORE_RO, &st, e) < 0) return -1;
    int64_t ids[HOSTS_MAX];
    int nrun = n;
    int rc = n ? 0 : store_runs_by_host(st, ids, HOSTS_MAX, &nrun, e);
    if (rc == 0 && nrun > HOSTS_MAX) rc = err_set(e, ERR_USAGE, "at most %d runs", HOSTS_MAX);
    struct run_view *rv = rc ? NULL : calloc((size_t)nrun, sizeof(*rv));
    struct host_report *hr = rc ? NULL : calloc(1, sizeof(*hr));
    if (rc == 0 && (!rv || !hr)) rc = err_set(e, ERR_FAIL, "out of memory");
    const struct run_view *views[HOSTS_MAX];
    int loaded = 0;
    for (; rc == 0 && loaded < nrun; loaded++) {
        char id[32];
        snprintf(id, sizeof(id), "%lld", n ? 0LL : (long long)ids[loaded]);
        rc = store_load_run(st, n ? which[loaded] : id, &rv[loaded], e);
        views[loaded] = &rv[loaded];
        if (rc < 0) break;
    }
    if (rc == 0) rc = report_hosts_build(views, nrun, hr, e);
    if (rc == 0) {
        struct hosts_emit x = {r, hr};
        rc = path ? write_whole(path, hosts_emit_fn, &x, e) : r->hosts(hr, stdout, e);
        if (rc == 0 && !path && fflush(stdout) != 0)
            rc = err_sys(e, ERR_FAIL, errno, "writing the report");
        report_hosts_free(hr);
    }
    for (int i = 0; i < loaded; i++)
        store_free_run(&rv[i]);
    free(rv);
    free(hr);
    store_close(st);
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
    static const struct option lo[] = {{"format", 1, 0, 'f'}, {"db", 1, 0, 'D'},
                                       {"output", 1, 0, 'o'}, {"by", 1, 0, 'b'},
                                       {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    const char *output = NULL;
    int by_host = 0;
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
        case 'b':
            if (strcmp(optarg, "host") != 0) return cli_usage("report", "--by takes host");
            by_host = 1;
            break;
        case 'h': {
            char names[128];
            reporter_names(REPORTER_RUN, names, sizeof(names));
            printf("usage: isobench report [RUN] [--format F] [-o FILE] [--db PATH]\n"
                   "       isobench report --by host [RUN...] [--format F] [-o FILE] [--db PATH]\n"
                   "  F is %s (table); RUN is a run id, a run uuid or 'latest'\n"
                   "  (default); -o writes FILE whole or not at all (a temporary file renamed\n"
                   "  into place), instead of stdout; --by host puts runs of several hosts side\n"
                   "  by side (default: the latest of each host in the database), each overhead\n"
                   "  against its own host's native, and lists the facts that differ\n",
                   names);
            return 0;
        }
        default:
            return cli_usage("report", "bad option");
        }
    }
    struct err e = {0};
    if (output && cli_check_output(output, &e) < 0) return cli_die(&e);
    if (by_host) {
        if (argc - optind > HOSTS_MAX) return cli_usage("report", "--by host: too many runs");
        return report_by_host(db, argv + optind, argc - optind, r, output, &e) < 0 ? cli_die(&e)
                                                                                   : 0;
    }
    if (argc - optind > 1) return cli_usage("report", "at most one run");
    const char *which = optind < argc ? argv[optind] : "latest";
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
