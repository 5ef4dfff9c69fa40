/* sbench.h - Debian's sysbench (an OLTP test on the MySQL driver) run
 * as a child and its report parsed. sysbench prints a human report, so the
 * parser is strict about what it needs (transactions and their rate,
 * latency avg and the percentile) and reports what went wrong otherwise:
 * a "FATAL:" line, a non-zero exit, a report without numbers. */
#ifndef ISOBENCH_SBENCH_H
#define ISOBENCH_SBENCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SBENCH_BIN "/usr/bin/sysbench"

struct sbench_target {
    const char *addr;
    int port;
    const char *user, *db;
    const char *conf; /* sysbench --config-file holding mysql-password (srv_secret_file) */
    int tables;
    uint64_t table_size;
    const char *test; /* "oltp_read_only" or "oltp_read_write" (NULL: read-write) */
};

struct sbench_report {
    char version[64]; /* "1.0.20" */
    uint64_t transactions;
    double tps;
    double lat_avg_ms, lat_pct_ms; /* the percentile asked for (95) */
    uint64_t ignored_errors, reconnects;
};

/* Parses one `run` report. ERR_FAIL naming the first FATAL line, or the
 * missing field. */
int sbench_parse(const char *out, struct sbench_report *r, struct err *e);

/* `sysbench TEST ... prepare` (threads = tables, at most 8). */
int sbench_prepare(const struct sbench_target *t, int cpu, double timeout_s, char *out, size_t cap,
                   struct err *e);

/* `sysbench TEST ... --threads=T --time=S --rand-seed=1 run`,
 * parsed into r; out keeps the raw report. */
int sbench_run(const struct sbench_target *t, int threads, int secs, int cpu, char *out, size_t cap,
               struct sbench_report *r, struct err *e);

#endif
