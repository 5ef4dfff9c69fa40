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

/* 1 when reporter r can render a scenario run (its table, its samples
 * as JSON or CSV, a page with its charts, its table as Markdown). */
static int scenario_format(const struct reporter *r)
{
    return !strcmp(r->name, "table") || !strcmp(r->name, "json") || !strcmp(r->name, "csv") ||
           !strcmp(r->name, "html") || !strcmp(r->name, "markdown");
}

/* Emits run rv with r (a plain run) or as a scenario's table or samples:
 * the reporters' one entry point for stored runs. */
static int report_emit(const struct reporter *r, const struct run_view *rv, FILE *f, struct err *e)
{
    if (kv_get(&rv->host, "scenario")) {
        if (!scenario_format(r))
            return err_set(e, ERR_USAGE,
                           "run %lld is a scenario run (%s): it renders as table, json or csv "
                           "only so far",
                           (long long)rv->id, kv_get(&rv->host, "scenario"));
        if (!strcmp(r->name, "json")) return report_scenario_json(rv, f, e);
        if (!strcmp(r->name, "csv")) return report_scenario_csv(rv, f, e);
        if (!strcmp(r->name, "html")) return report_scenario_html(rv, f, e);
        char *buf = NULL; /* text for a terminal: cleaned of its controls */
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m) return err_set(e, ERR_FAIL, "out of memory");
        int rc = !strcmp(r->name, "markdown") ? report_scenario_markdown(rv, m, e)
                                              : report_scenario_table(rv, m, e);
        fclose(m);
        report_text_clean(buf, len);
        if (rc == 0 && fwrite(buf, 1, len, f) != len)
            rc = err_sys(e, ERR_FAIL, errno, "writing the report");
        free(buf);
        return rc;
    }
    struct report rep;
    if (report_build(rv, &rep, e) < 0) return -1;
    int rc = r->emit(&rep, f, e);
    report_free(&rep);
    return rc;
}

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
    return report_emit(x->r, x->rv, f, e);
}

/* Emits run rv with r into path, whole or not at all. */
static int report_to_file(const struct reporter *r, const struct run_view *rv, const char *path,
                          struct err *e)
{
    if (kv_get(&rv->host, "scenario") && !scenario_format(r)) /* before any file exists */
        return report_emit(r, rv, NULL, e);
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
    return x->r->emit_hosts(x->hr, f, e);
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
        rc = path ? write_whole(path, hosts_emit_fn, &x, e) : r->emit_hosts(hr, stdout, e);
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
        rc = path ? report_to_file(r, &rv, path, e) : report_emit(r, &rv, stdout, e);
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
            if (!(r = reporter_find(optarg)))
                return cli_usage("report", "--format takes table, json, csv, html or markdown");
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
        case 'h':
            puts("usage: isobench report [RUN] [--format table|json|csv|html|markdown] [-o FILE]"
                 " [--db PATH]\n"
                 "       isobench report --by host [RUN...] [--format ...] [-o FILE] [--db PATH]\n"
                 "  RUN is a run id, a run uuid or 'latest' (default); -o writes FILE whole or not"
                 " at all\n  (a temporary file renamed into place), instead of stdout; --by host"
                 " puts runs of\n  several hosts side by side (default: the latest of each host"
                 " in the database),\n  each overhead against its own host's native, and lists"
                 " the facts that differ");
            return 0;
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
