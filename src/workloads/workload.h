/* workload.h - the workload plug-in interface. A workload never knows where
 * it runs: the agent calls run() inside whatever environment was chosen and
 * ships the result back. check() runs on the host before anything starts, so
 * bad options or a size larger than free memory fail early with ERR_USAGE. */
#ifndef ISOBENCH_WORKLOAD_H
#define ISOBENCH_WORKLOAD_H

#include <stdint.h>

#include "core/result.h"

/* Option types, checked for every workload by workload_check_opts (at
 * plan time and again in the agent) and printed by `isobench list -v`. */
enum wl_type {
    WL_T_STR = 0, /* anything (the workload checks it) */
    WL_T_UINT,    /* a whole number from min (see enum wl_lower) to max */
    WL_T_SIZE,    /* a size with K/M/G/T suffixes, from min to max bytes */
    WL_T_SECS,    /* seconds, a number from min to max */
    WL_T_ENUM,    /* one of values ("a|b|c") */
    WL_T_CPU,     /* CPU placement: auto (a server half the lowest allowed CPU, a client half
                     the highest), low, high, all (not pinned) or a CPU number */
    WL_T_UINTS,   /* a comma list of whole numbers in [min, max], ascending, no repeats */
};

/* Whether a number may equal an option's min: inclusive (the zero value,
 * "0..600") or exclusive ("above 0, at most 3600"). The max is always
 * inclusive. */
enum wl_lower {
    WL_MIN_INCL = 0,
    WL_MIN_EXCL,
};

/* One option: its name, help, tiny/small/full defaults (preset[]: "auto"
 * the workload computes it, NULL no default, i.e. optional) and its type.
 * values: an ENUM's choices, or the words besides numbers a UINT or SIZE
 * takes ("auto", "grow"). unit: shown by list -v. lower: whether min
 * itself is allowed (numbers, sizes, seconds and number lists). */
struct wl_opt {
    const char *name;
    const char *help;
    const char *preset[3];
    enum wl_type type;
    double min, max;
    enum wl_lower lower;
    const char *values;
    const char *unit;
};

/* "uint 2..200000", "one of huge|normal", ... for option o (list -v). */
void wl_opt_describe(const struct wl_opt *o, char *buf, size_t len);

struct wl_vals;

struct wl_ctx {
    int size;                  /* enum size_preset */
    const struct kvlist *opts; /* the user's options for this workload */
    /* the same options typed once (workload_load): what the wl_opt_*
     * accessors read; a workload never parses an option's text itself */
    const struct wl_vals *vals;
    int ncpus;          /* CPUs this process may use (planning: the host's) */
    uint64_t llc_bytes; /* the host's last-level caches, summed; 0 = unknown */
    /* Network workloads run twice per measurement: as "server" inside the
     * environment (listening on port, any address) and as "client" in the
     * peer namespace (connecting to addr:port). Plain workloads: role "". */
    const char *role;
    const char *addr;
    int port;
    const char *datadir; /* where a workload may write; "" if nowhere */
    /* a client half: where the server's environment's host CPU time is
     * read (core/host.h host_cpu_read), "" or NULL when unknown */
    const char *hostcpu;
    /* a network job's halves: the password the server sets and the client
     * uses (hex, fresh per measurement; "" or NULL: none). Never a fact,
     * a log line or a command-line argument. */
    const char *secret;
};

/* What one run of a workload needs, computed by check() on the host from
 * the preset and options alone, never from what this host happens to
 * have beyond the wl_ctx it was given (tests plan for simulated hosts). */
struct wl_needs {
    uint64_t mem_bytes;  /* memory one run holds at its peak */
    uint64_t disk_bytes; /* bytes it writes in the data dir (0: none) */
    /* WL_NEEDS_* its options add to the workload's own needs (blockio's
     * engine=io_uring: WL_NEEDS_IO_URING); the planner makes a pair whose
     * environment lacks one n/a, like a static need */
    unsigned needs;
    /* Facts about the plan, stored with every sample of the workload. A
     * key ending in ".caveat" is a sentence the reports print as a note
     * (e.g. a size below the benchmark's own validity rule). */
    struct kvlist facts;
};

/* Capabilities a workload needs of an environment; one that lacks any is
 * "n/a: reason" for it, decided at plan time (not a failure). */
#define WL_NEEDS_NET 1u     /* a network path from the peer namespace (every net workload) */
#define WL_NEEDS_ODIRECT 2u /* O_DIRECT that reaches a disk (numbers of the disk, not a cache) */
/* the io_uring system calls (a seccomp profile may refuse them); never a
 * workload's static need, only one its options add (wl_needs.needs) */
#define WL_NEEDS_IO_URING 4u

struct workload {
    const char *name;
    const char *summary;
    const char *(*unavailable)(void); /* NULL if it can run here, else why not */
    const struct wl_opt *opts;        /* terminated by {NULL} */
    int net;                          /* client/server: the runner drives both sides */
    /* the scenario it is a part of (a tier that needs another: wordpress
     * needs a DB tier), refused in a plain run; NULL: runs anywhere */
    const char *only_in;
    unsigned needs; /* WL_NEEDS_*: what an environment must offer */
    /* the metrics --target-ci waits for (NULL-terminated; NULL: all) */
    const char *const *headline;
    int data; /* writes files in the environment's data dir */
    /* Host programs (with their libraries) and data directories the
     * workload runs inside the environment, NULL-terminated, or NULL. */
    const char *const *guest_files;
    /* Runs on the host before anything starts: validates the options, adds
     * to `resolved` every size it computes ("auto"), so that every
     * environment runs the very same size, and fills *need (zeroed by the
     * caller). */
    int (*check)(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                 struct err *e);
    /* A network workload's halves (net = 1): the agent runs server() in the
     * environment and client() in the peer namespace, by the job's role;
     * run is then unused. */
    int (*server)(const struct wl_ctx *ctx, struct result *r, struct err *e);
    int (*client)(const struct wl_ctx *ctx, struct result *r, struct err *e);
    /* The options a sample may settle (NULL-terminated, NULL: none): a
     * fact "<name>.settle.<option>" in the run's first successful sample
     * settles that option for the rest of the run (mysql's stop-gain fixes
     * its thread list this way) - taken only for an option listed here,
     * only from the half that owns the decision (a network workload's
     * client, which runs in the run's own peer namespace, never a server
     * half inside a guest) and only a value the option table accepts. */
    const char *const *settles;
    /* One unit of work a sample's per-operation counters are divided by
     * ("request", "I/O", "GB"; core/pcount.h), the count reported with
     * wl_units by the half that runs the job (a network workload's
     * client); "none" when the workload has no natural unit (no perop.*). */
    const char *unit;
    /* Measures once and fills r; fails with ERR_FAIL if the self-check fails. */
    int (*run)(const struct wl_ctx *ctx, struct result *r, struct err *e);
};

#define WORKLOAD_LIST(X)                                                                           \
    X(null)                                                                                        \
    X(stream)                                                                                      \
    X(randomaccess)                                                                                \
    X(compress)                                                                                    \
    X(linpack)                                                                                     \
    X(netbw)                                                                                       \
    X(netlat)                                                                                      \
    X(blockio)                                                                                     \
    X(redis)                                                                                       \
    X(http)                                                                                        \
    X(mysql)                                                                                       \
    X(stress)                                                                                      \
    X(filetask)                                                                                    \
    X(wordpress)

#define X(n) extern const struct workload workload_##n;
WORKLOAD_LIST(X)
#undef X

/* Every registered workload, NULL-terminated, in list order. */
extern const struct workload *const workloads[];

const struct workload *workload_find(const char *name);

/* Rejects option keys the workload does not declare, and values (the
 * user's or, at `size`, the preset's) that do not fit the option's type. */
int workload_check_opts(const struct workload *w, const struct kvlist *opts, struct err *e);
/* Types ctx->opts (at ctx->size) for w once, into *vals, and points
 * ctx->vals at it: the one parse of a workload's options in a process (the
 * planner before check(), the agent before run()); ERR_USAGE as
 * workload_check_opts. vals must outlive ctx's use. */
struct wl_vals;
int workload_load(const struct workload *w, struct wl_ctx *ctx, struct wl_vals *vals,
                  struct err *e);
/* The same for any typed option table (a scenario's): owner names it in
 * the error ("workload stream", "scenario density"). */
int wl_opts_check(const char *owner, const struct wl_opt *opts, const struct kvlist *given,
                  struct err *e);
/* given's value of name, else the table's preset at size; NULL if neither. */
const char *wl_opts_value(const struct wl_opt *opts, const struct kvlist *given, int size,
                          const char *name);

/* For a plain job (no client half to watch it): the units of work one run
 * did, and the metric the runner makes of the host CPU time the sample's
 * environment spent on them: value = cpu seconds x scale / units, lower
 * is better (e.g. blockio: I/Os, "cpu_us_per_io", "cpu-us/IO", 1e6). */
void wl_work(struct result *r, double units, const char *metric, const char *unit, double scale);

/* Adds units of work (struct workload's unit) to what the sample did so
 * far (fact work.units), for its per-operation counters. */
void wl_units(struct result *r, double units);

/* CPUs an "auto" thread count means: ctx->ncpus, or this process's when
 * the caller left it 0. */
uint64_t wl_ncpus(const struct wl_ctx *ctx);

/* The "sizing" option of the workloads whose auto thread count comes from
 * the CPUs they see: host = those the process may run on (nproc, the
 * affinity mask), cgroup = those capped by its cgroup's CPU quota, as a JVM
 * or Go's automaxprocs does (core/cglimit.h). */
#define WL_OPT_SIZING                                                                              \
    {                                                                                              \
        "sizing",                                                                                  \
            "what an auto thread count is sized from: host = the CPUs the process may run on "     \
            "(nproc), "                                                                            \
            "cgroup = those capped by ceil(its cgroup's CPU quota) - a container under cpus= "     \
            "sees the "                                                                            \
            "quota only this way",                                                                 \
            {"host", "host", "host"}, .type = WL_T_ENUM, .values = "host|cgroup"                   \
    }

/* An auto thread count under w's sizing option: wl_ncpus, capped by the
 * cgroup's quota with sizing=cgroup (uncapped when no quota or no cgroup
 * view is seen - wl_sizing_facts says which). */
uint64_t wl_auto_threads(const struct wl_ctx *ctx, const struct workload *w);
/* Records with the sample what the auto thread count was sized from:
 * sizing, sizing.cpus_seen, sizing.cgroup ("N cpus (FILE)", "none (DIR)"
 * or "no view: why"). -1 (the sample fails) when sizing=cgroup and a
 * cgroup file is there but unreadable. */
int wl_sizing_facts(const struct wl_ctx *ctx, const struct workload *w, struct result *r,
                    struct err *e);

/* One option's value, typed by wl_opt_parse - the one place a value is
 * parsed and checked against its table entry (type, range, words). */
struct wl_val {
    enum wl_type type;
    int has;          /* 0: neither the user nor the preset gives one */
    const char *text; /* the value as given (borrowed; "" when !has) */
    /* a word of the option's values instead of a number ("auto", "grow",
     * a CPU's "low"): its index + 1; 0 when the value is a number */
    int word;
    uint64_t u; /* UINT, SIZE (bytes), CPU (its number) */
    double d;   /* SECS (and u of a UINT/SIZE as a double) */
    int idx;    /* ENUM: the index in values (0 = first) */
};

/* An option table's values typed once: v[i] is opts[i]'s (the user's,
 * else the preset's), loaded by wl_vals_load; read through the accessors
 * below, never parsed again. */
#define WL_OPTS_MAX 24
struct wl_vals {
    const struct wl_opt *opts;  /* the table v[] follows */
    const struct kvlist *given; /* what was typed, at size */
    int size;
    int n;
    struct wl_val v[WL_OPTS_MAX];
};

/* Checks given against opts (wl_opts_check) and types every option of the
 * table - given's value, else the preset at size - into *out. ERR_USAGE
 * naming owner for an unknown key or a value that does not fit;
 * ERR_FAIL (a bug) for a table longer than WL_OPTS_MAX or a preset that does
 * not fit its own type. Texts are borrowed from given and the table. */
int wl_vals_load(const char *owner, const struct wl_opt *opts, const struct kvlist *given, int size,
                 struct wl_vals *out, struct err *e);
/* vals' entry for name, typed type: 1 and *out if it has a value, 0 if
 * neither the user nor the preset gave one, -1 with ERR_FAIL (a bug) if name
 * is not in the table or its type is not type (a workload's own bug). */
int wl_vals_get(const char *owner, const struct wl_vals *vals, const char *name, enum wl_type type,
                struct wl_val *out, struct err *e);

/* Parses text as o's type into *out and checks it against o's range or
 * words; ERR_USAGE naming owner and the option (one line) if it does not
 * fit. out may be NULL (a check alone). A WL_T_STR or WL_T_UINTS value is
 * only checked (text; a UINTS list is read with util's list parsers). */
int wl_opt_parse(const char *owner, const struct wl_opt *o, const char *text, struct wl_val *out,
                 struct err *e);

/* The option's value as text: the user's, else the preset's; NULL if
 * neither (for a text option, a CPU placement or a number list's text). */
const char *wl_opt_str(const struct wl_ctx *ctx, const struct workload *w, const char *name);
/* Same, typed: read from ctx->vals, typed once by workload_load (so in
 * the table's range: a workload never re-checks it). A word ("auto",
 * "grow") or no value gives def. ERR_FAIL (a bug) if ctx's options were not
 * loaded for w or name is not an option of w of the accessor's type. */
int wl_opt_u64(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
               uint64_t *out, struct err *e);
int wl_opt_size(const struct wl_ctx *ctx, const struct workload *w, const char *name, uint64_t def,
                uint64_t *out, struct err *e);
int wl_opt_secs(const struct wl_ctx *ctx, const struct workload *w, const char *name, double def,
                double *out, struct err *e);
/* A UINT or SIZE option's word: its 1-based index in the option's values
 * ("auto|xz": 1 or 2), 0 when the value is a number or unset. */
int wl_opt_word(const struct wl_ctx *ctx, const struct workload *w, const char *name, int *word,
                struct err *e);
/* A UINTS option's numbers into out[0..*n) (*n = 0 if unset); ERR_USAGE
 * also when the list has more than max numbers (what out holds). */
int wl_opt_uints(const struct wl_ctx *ctx, const struct workload *w, const char *name, int *out,
                 int max, int *n, struct err *e);
/* A CPU placement (WL_T_CPU), typed: one of the words "auto|low|high|all"
 * (kind is the word's 1-based index, as wl_val.word) or a CPU number. */
enum wl_cpu { WL_CPU_NUM = 0, WL_CPU_AUTO, WL_CPU_LOW, WL_CPU_HIGH, WL_CPU_ALL };
struct wl_cpu_val {
    enum wl_cpu kind;
    int num; /* WL_CPU_NUM's CPU */
};
/* w's CPU option name (auto when unset). */
int wl_opt_cpu(const struct wl_ctx *ctx, const struct workload *w, const char *name,
               struct wl_cpu_val *out, struct err *e);
/* text (a command-line value) typed as a CPU placement by the same parser;
 * ERR_USAGE naming what if it is none. */
int wl_cpu_parse(const char *what, const char *text, struct wl_cpu_val *out, struct err *e);

/* The pages option of the workloads with big buffers (stream,
 * randomaccess, linpack, blockio), values "huge|normal" in this order
 * (unit_workloads checks every table against it). */
enum wl_pages { WL_PAGES_HUGE = 0, WL_PAGES_NORMAL };
#define WL_PAGES_VALUES "huge|normal"
/* w's pages option as 1 (huge, also when unset) or 0 (base pages). */
int wl_opt_huge(const struct wl_ctx *ctx, const struct workload *w, int *huge, struct err *e);
/* An ENUM option's index in its values ("a|b|c": 0, 1, 2); def if unset.
 * A workload keeps it in its own enum, whose order the table's values
 * follow (a test pins each pair). */
int wl_opt_enum(const struct wl_ctx *ctx, const struct workload *w, const char *name, int def,
                int *out, struct err *e);

#endif
