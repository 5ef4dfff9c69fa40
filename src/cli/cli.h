/* cli.h - the command line, one file per command (as crun splits its commands).
 * Only this layer prints errors and picks exit codes: 0 ok, 1 a
 * measurement failed, 2 bad usage (nothing started, nothing stored
 * changed), 130 interrupted. Each cmd_* takes argv from the command's name
 * on and returns the exit code. */
#ifndef ISOBENCH_CLI_H
#define ISOBENCH_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h" /* struct kvlist */

/* Prints "isobench: MSG" and returns the exit code e asks for. */
int cli_die(const struct err *e);
/* Prints a usage error of cmd and returns ERR_USAGE. */
int cli_usage(const char *cmd, const char *msg);
/* Copies an option's argument into dst; 0, or -1 when it does not fit
 * (truncating a path would quietly use another file). */
int cli_copy_arg(char *dst, size_t size, const char *arg);
/* "isobench ARGV..." into buf (the run's stored command); a line cut to
 * fit ends in "...". */
void cli_command_line(char *buf, size_t len, int argc, char **argv);

/* ERR_USAGE unless a report can be written to path: its directory
 * exists and is writable, and path is no directory (checked before a run
 * starts, so that bad input starts nothing). */
int cli_check_output(const char *path, struct err *e);

/* -o KEY=VALUE (arg holds a '=' after its first character) into opts,
 * leaving arg as it is: the stored command line keeps the value. */
int cli_opt_pair(const char *arg, struct kvlist *opts, struct err *e);
/* The options the commands that plan a run share (run, scenario run,
 * explain), parsed once, here: each command's getopt loop hands the
 * option to cli_common_opt first. Its fields start at the command's
 * defaults (cli_common_init) and go to the plan after the loop. */
struct cli_common {
    const char *envs;    /* -e, --env LIST (NULL: not given) */
    const char *slice;   /* --slice cpus=N,mem=SIZE (NULL: not given) */
    int size;            /* -s, --size (enum size_preset) */
    int reps;            /* -r, --repetitions: rounds, 1..1000 */
    uint64_t seed;       /* --seed, >= 1 (0: drawn) */
    double timeout_s;    /* --timeout, per sample */
    struct kvlist *opts; /* -o KEY=VALUE, into the caller's list */
    char db[4096];       /* --db */
    int given;           /* how many of -e -s -r -o --slice --seed were given */
};
#define CLI_COMMON_LONGOPTS                                                                        \
    {"env", 1, 0, 'e'}, {"size", 1, 0, 's'}, {"opt", 1, 0, 'o'}, {"repetitions", 1, 0, 'r'},       \
        {"slice", 1, 0, 'L'}, {"seed", 1, 0, 'S'}, {"timeout", 1, 0, 'T'},                         \
    {                                                                                              \
        "db", 1, 0, 'D'                                                                            \
    }
/* Their getopt short letters. */
#define CLI_COMMON_SHORT "e:s:o:r:"
/* Defaults: small, reps rounds, 600 s per sample, the default database. */
void cli_common_init(struct cli_common *o, int reps, struct kvlist *opts);
/* Option c (argument arg) of command cmd into o: 0 taken, -1 not one of
 * these, else the exit status of bad input (said). */
int cli_common_opt(const char *cmd, int c, const char *arg, struct cli_common *o);
struct run_plan;
/* o's size, rounds, seed, timeout and (--slice) slice into plan p; -1
 * with e on a bad slice. */
int cli_common_plan(const struct cli_common *o, struct run_plan *p, struct err *e);

/* SIGINT/TERM/HUP set env_interrupted (no SA_RESTART); SIGPIPE ignored. */
void cli_install_signals(void);

/* After a run or scenario: says where it is stored and how it ended;
 * returns the exit code (0, 1 a sample failed, 130 interrupted, e's). */
int cli_run_outcome(const char *db, int64_t id, int rc, int failed, const struct err *e);
/* One line of a list: name, availability (why not, or NULL), summary. */
void cli_print_entry(const char *name, const char *why, const char *summary);

struct wl_opt;
/* The typed options of a workload or scenario, as list -v prints them. */
void cli_print_opts(const struct wl_opt *opts);

struct run_plan;
struct store;
/* Executes a planned run (cmd_run.c); see there. */
int cli_run_execute(struct run_plan *p, struct store *st, const char *db, int json,
                    int64_t *run_id);
/* Renders run `which` of db with reporter name into path, whole or not at
 * all, or to stdout when path is NULL (cmd_report.c). */
int cli_report_file(const char *db, const char *which, const char *reporter, const char *path,
                    struct err *e);

int cmd_run(int argc, char **argv);
int cmd_paper(int argc, char **argv);
int cmd_scenario(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_show_runs(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_corpus(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_facts(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#endif
