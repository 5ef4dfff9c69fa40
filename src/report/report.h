/* report.h - reporters render a stored run. They are the only place where
 * overhead against native is computed (report_build): from the rounds in
 * which both native and the environment succeeded, paired by round. */
#ifndef ISOBENCH_REPORT_H
#define ISOBENCH_REPORT_H

#include <stdio.h>

#include "core/json.h"
#include "core/stats.h"
#include "core/store.h"

struct report_cell {
    int n;          /* successful repetitions */
    int failed;     /* measured samples of the workload here that failed */
    double *values; /* n values, in measurement order */
    int *reps;      /* the round of each value */
    struct summary s;
    int has_overhead; /* against native; 0 for native itself or when a side failed */
    int unreported;   /* no value, yet no sample of the workload failed there */
    struct overhead ov;
    /* the overhead's test against 0 (a moderated t on the paired rounds'
     * log-ratios), Holm-adjusted over every overhead cell of the report:
     * ov.within_noise unless p_holm < 1 - STATS_LEVEL; NAN: not tested */
    double p_holm;
    double lr_mean, lr_var; /* the paired rounds' log-ratios env/native */
    int lr_n;               /* how many (0: a value <= 0, no logs) */
};

struct report_row {
    int wl;
    char metric[LIM_METRIC_NAME], unit[LIM_METRIC_UNIT];
    int better;
    struct report_cell cell[LIM_ENVS]; /* indexed like run_view.envs */
};

struct report {
    const struct run_view *rv;
    int native; /* index of the native environment, -1 if absent */
    /* --target-ci's sequential design (run facts target_ci.looks and
     * target_ci.level): every interval is at seq_level, so that the one
     * the run stopped on holds at least STATS_LEVEL over all seq_looks
     * looks; 0 looks: a fixed number of rounds, intervals at STATS_LEVEL */
    int seq_looks;
    double seq_level;
    int tested; /* overhead cells in the "~" family (Holm) */
    struct report_row *rows;
    int nrows;
    /* the per-operation counters (perop.* metrics, core/pcount.h): each
     * cell's values and summary only - no overhead, not in rows, so no
     * table, headline, interval family or --target-ci sees them */
    struct report_row *perop;
    int nperop;
};

/* Groups the run's points into rows and computes statistics and overhead:
 * intervals at STATS_LEVEL (or the sequential design's level), overhead
 * from rounds in which both sides succeeded and that were not split
 * across a --resume (run fact split_round.<workload>.<round>), failed samples
 * counted per cell, and the "~" marks decided for the whole family. */
int report_build(const struct run_view *rv, struct report *rep, struct err *e);
void report_free(struct report *rep);

/* Cell c's overhead against cell base of the same row (native's, or
 * explain's rung before) into c->ov, c->has_overhead and the log-ratios:
 * from the rounds in which both succeeded (a round one side lost is left
 * out, not paired with another; a round split across a --resume too),
 * its interval at level. -1 out of memory. */
int report_overhead(const struct run_view *rv, int wl, struct report_cell *c,
                    const struct report_cell *base, int better, double level);

/* A cell as the table prints it: "median [lo, hi] [!]" and, against
 * native, "overhead% [lo,hi] [~]"; its level when below STATS_LEVEL;
 * "(n=5/6, 1 failed)" when samples failed; "n/a (see below)" (na: the
 * reason it was not measured) or "failed" without values. */
void report_cell_text(const struct report_row *r, int j, const char *na, char *buf, size_t len);
/* The legend's level: what the report's intervals reach. */
void report_levels(const struct report *rep, char *buf, size_t len);

/* The paper beside the host (paper.c, data in felter2015.def). */
#define PAPER_MAX 64
struct paper_number {
    const char *workload, *metric; /* metric: an fnmatch pattern */
    const char *role;              /* container, container-host, vm, vm-tuned */
    double pct;                    /* the paper's overhead, + worse */
    const char *text, *source;     /* as the paper puts it; where it comes from */
};
struct paper_cmp {
    const struct paper_number *num;
    int env, row;         /* -1: not in this run (why says so) */
    const char *verdict;  /* same, can't tell (±X), smaller, larger, opposite */
    char verdict_buf[48]; /* where "can't tell (±X)" is written */
    char reason[160];     /* a known reason the hosts differ, or "" */
    char why[160];
};
const struct paper_number *paper_numbers(int *n);
/* 1 when env spec plays the paper's role. */
int paper_role_match(const char *spec, const char *role);
/* The paper's numbers for the workloads the run measured, into out[]
 * (at most max); returns how many. */
int paper_compare(const struct report *rep, struct paper_cmp *out, int max);
/* This host's side of c as text: overhead [interval] (level), or why not. */
void paper_host_text(const struct report *rep, const struct paper_cmp *c, char *buf, size_t len);

/* The table of a scenario run (one with a "scenario" fact): the loss
 * matrix of noisy-neighbour, the per-tenant costs of density. ERR_USAGE
 * for a plain run or a scenario without a table. */
int report_scenario_table(const struct run_view *rv, FILE *out, struct err *e);
/* Every sample of a scenario run, for other tools: JSON (schema
 * "isobench.scenario/1": run, host, environments, workloads, samples with
 * their tenant, step and round, failures) or CSV (one line per metric
 * value; failures as lines with an error and no value). Raw values, no
 * statistics: the tables compute those. ERR_USAGE for a plain run. */
int report_scenario_json(const struct run_view *rv, FILE *out, struct err *e);

/* A scenario run as one self-contained HTML page (the html reporter's
 * head: host, environments; the scenario's table; a chart per tenant and
 * metric, a bar per environment and step with its interval, and a table
 * of the same numbers; failures), or as Markdown (its table). */
int report_scenario_html(const struct run_view *rv, FILE *out, struct err *e);
int report_scenario_markdown(const struct run_view *rv, FILE *out, struct err *e);

/* The html reporter's page head: style, title, the run, the host facts
 * and each environment with its label (emulated VMs marked). */
void report_html_head(const struct run_view *rv, FILE *out);
int report_scenario_csv(const struct run_view *rv, FILE *out, struct err *e);

/* A JSON document's common head, through the workloads: {"schema":..,
 * "run":{id, uuid, scenario (a scenario run), started, finished, status,
 * size, <count_key>, command}, "host":{..}, "environments":[..],
 * "workloads":[{name, options, caveats}] - the caller goes on with ",". */
void report_json_head(const struct run_view *rv, FILE *out, const char *schema,
                      const char *count_key);

/* Replaces, in place, what a terminal would take for a command - C0
 * controls but newline and tab, DEL, and the C1 controls (UTF-8 C2 80..9F)
 * - by '?': text from a guest (errors, facts, metric names) can neither
 * move the cursor nor write to the terminal's title or clipboard. */
void report_text_clean(char *s, size_t n);

/* Runs emit(rep, memory) and writes its output to out cleaned
 * (report_text_clean): the table and Markdown reporters' way out. */
/* Runs fn(arg) into memory, cleans what it wrote of terminal controls
 * (report_text_clean) and writes it to out: every text reporter's output. */
int report_clean_out(int (*fn)(const void *arg, FILE *out, struct err *e), const void *arg,
                     FILE *out, struct err *e);
int report_emit_clean(int (*emit)(const struct report *rep, FILE *out, struct err *e),
                      const struct report *rep, FILE *out, struct err *e);

/* A CSV text field, always quoted (quotes doubled: a string from a guest
 * can never end its field or line); and "," then a number (empty when not
 * finite). */
void report_csv_field(FILE *f, const char *s);
void report_csv_num(FILE *f, double v);

/* ---- several hosts side by side (report --by host; hosts.c) ---- */
#define HOSTS_MAX 32
/* One workload metric in one environment (by its spec) across hosts. */
struct host_row {
    char workload[LIM_WORKLOAD_NAME], metric[LIM_METRIC_NAME], unit[LIM_METRIC_UNIT];
    char env[256];
    int better;
    int row[HOSTS_MAX], env_idx[HOSTS_MAX]; /* in each host's report; -1: not measured there */
};
struct host_report {
    int n;                                /* hosts (columns) */
    const struct run_view *rv[HOSTS_MAX]; /* each host's run (the caller's) */
    struct report rep[HOSTS_MAX];         /* each run's own report: overhead against its native */
    char name[HOSTS_MAX][80];             /* hostname, with the host id's head when shared */
    const char *differ[64];               /* facts_explaining keys whose values differ */
    int ndiffer;
    struct host_row *rows;
    int nrows;
};
/* Builds each run's report (report_build: overhead against that host's
 * own native, its intervals) and lines up their cells by workload,
 * metric and environment spec; the facts that differ between the runs'
 * hosts are listed. ERR_USAGE for a scenario run or more than HOSTS_MAX. */
int report_hosts_build(const struct run_view *const *rv, int n, struct host_report *hr,
                       struct err *e);
void report_hosts_free(struct host_report *hr);
/* The facts_explaining keys (at most max) whose values differ between
 * the host fact lists a[0..n-1] (a missing one counts as a value). */
int report_facts_differ(const struct kvlist *const *a, int n, const char **keys, int max);
/* One host's cell as the run's table prints it, or "-" (not measured). */
void report_host_cell(const struct host_report *hr, const struct host_row *r, int h, char *buf,
                      size_t len);

struct compare;

/* A format. Each hook renders one kind of output; NULL: this format
 * cannot render it, and the commands refuse it, naming the formats that
 * can (reporter_names). text: output for a terminal - what a hook writes
 * for a scenario or a comparison is cleaned of control characters. */
struct reporter {
    const char *name;
    const char *summary;
    int (*emit)(const struct report *rep, FILE *out, struct err *e); /* a plain run */
    int (*scenario)(const struct run_view *rv, FILE *out, struct err *e);
    int (*compare)(const struct compare *c, FILE *out, struct err *e);
    int (*hosts)(const struct host_report *hr, FILE *out, struct err *e); /* report --by host */
    int text;
};
int report_hosts_table(const struct host_report *hr, FILE *out, struct err *e);
int report_hosts_markdown(const struct host_report *hr, FILE *out, struct err *e);
int report_hosts_csv(const struct host_report *hr, FILE *out, struct err *e);
int report_hosts_json(const struct host_report *hr, FILE *out, struct err *e);
int report_hosts_html(const struct host_report *hr, FILE *out, struct err *e);

#define REPORT_LIST(X) X(table) X(json) X(csv) X(html) X(markdown)
#define X(n) extern const struct reporter reporter_##n;
REPORT_LIST(X)
#undef X
extern const struct reporter *const reporters[];
const struct reporter *reporter_find(const char *name);

/* What a reporter can render, for reporter_find_for and reporter_names. */
enum reporter_kind { REPORTER_RUN, REPORTER_SCENARIO, REPORTER_COMPARE, REPORTER_HOSTS };
/* name's reporter when it renders kind, else NULL. */
const struct reporter *reporter_find_for(const char *name, enum reporter_kind kind);
/* "table, json, csv, html or markdown": the reporters that render kind, in
 * reporters[]'s order, for messages and help. */
void reporter_names(enum reporter_kind kind, char *buf, size_t len);
/* Renders stored run rv with r: a plain run through emit, a scenario run
 * through scenario (ERR_USAGE, naming the formats that can, when r has
 * none). */
int reporter_emit_run(const struct reporter *r, const struct run_view *rv, FILE *out,
                      struct err *e);
/* Renders comparison c with r (ERR_USAGE when r cannot). */
int reporter_emit_compare(const struct reporter *r, const struct compare *c, FILE *out,
                          struct err *e);

/* ---- the HTML report's parts (html.c, figures.c) ---- */

/* 1 when environment j's label says it is emulated (TCG). */
int report_env_emulated(const struct run_view *rv, int j);

/* "ssh://host (ADDR via LINK): CPU, N CPUs, kernel K; NIC ...; base RTT
 * ... ms, ..." for a run whose client halves ran on a peer host (run
 * facts peer.*, run --peer), into buf; 0 when it had one, -1 when not
 * (the local peer namespace). */
int report_peer_text(const struct run_view *rv, char *buf, size_t len);

/* One metric of the HTML report: its bar chart (a bar per environment
 * with its interval) and, beside it, the table of its numbers. */
void report_html_metric(const struct report *rep, const struct report_row *r, FILE *out);

/* The paper's tables and figures, where the run measured their
 * workloads: Table I-III and Figures 2, 3, 5-13 as charts with their
 * numbers (figures.c); nothing for a run without any of them. */
void report_figures_html(const struct report *rep, FILE *out);

#endif
