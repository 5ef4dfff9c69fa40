#include "workloads/lib/sbench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "workloads/lib/srvproc.h"

/* The value after "label:" on the line that starts with label (leading
 * blanks ignored), or NULL. */
static const char *field(const char *out, const char *label)
{
    size_t n = strlen(label);
    for (const char *l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        const char *p = l;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!strncmp(p, label, n) && p[n] == ':') return p + n + 1;
    }
    return NULL;
}

int sbench_parse(const char *out, struct sbench_report *r, struct err *e)
{
    memset(r, 0, sizeof(*r));
    const char *fatal = strstr(out, "FATAL:");
    if (fatal) {
        int len = (int)strcspn(fatal, "\n");
        return err_set(e, ERR_FAIL, "sysbench: %.*s", len > 300 ? 300 : len, fatal);
    }
    if (!strncmp(out, "sysbench ", 9)) sscanf(out + 9, "%63s", r->version);
    const char *t = field(out, "transactions"), *avg = field(out, "avg"),
               *pct = field(out, "95th percentile"), *ig = field(out, "ignored errors"),
               *rc = field(out, "reconnects");
    unsigned long long tr = 0, n = 0;
    if (!t || sscanf(t, " %llu (%lf per sec.)", &tr, &r->tps) != 2)
        return err_set(e, ERR_FAIL, "sysbench: no 'transactions:' line in its report");
    r->transactions = tr;
    if (!avg || sscanf(avg, " %lf", &r->lat_avg_ms) != 1)
        return err_set(e, ERR_FAIL, "sysbench: no latency 'avg:' line in its report");
    if (!pct || sscanf(pct, " %lf", &r->lat_pct_ms) != 1)
        return err_set(e, ERR_FAIL, "sysbench: no latency percentile in its report");
    if (ig && sscanf(ig, " %llu", &n) == 1) r->ignored_errors = n;
    if (rc && sscanf(rc, " %llu", &n) == 1) r->reconnects = n;
    if (r->transactions == 0) return err_set(e, ERR_FAIL, "sysbench: no transaction completed");
    if (!isfinite(r->tps) || r->tps < 0 || !isfinite(r->lat_avg_ms) || r->lat_avg_ms < 0 ||
        !isfinite(r->lat_pct_ms) || r->lat_pct_ms < 0) /* "8e312" overflows to inf */
        return err_set(e, ERR_FAIL, "sysbench: a rate or latency in its report is not a number");
    return 0;
}

/* argv for t's OLTP test against t, then the extra arguments. */
static int sbench_argv(const struct sbench_target *t, char bufs[][128], char **argv,
                       const char *const *extra)
{
    int n = 0, b = 0;
    argv[n++] = SBENCH_BIN;
    argv[n++] = (char *)(t->test ? t->test : "oltp_read_write");
    argv[n++] = "--db-driver=mysql";
    snprintf(bufs[b], 128, "--mysql-host=%s", t->addr), argv[n++] = bufs[b++];
    snprintf(bufs[b], 128, "--mysql-port=%d", t->port), argv[n++] = bufs[b++];
    snprintf(bufs[b], 128, "--mysql-user=%s", t->user), argv[n++] = bufs[b++];
    snprintf(bufs[b], 128, "--config-file=%s", t->conf), argv[n++] = bufs[b++];
    snprintf(bufs[b], 128, "--mysql-db=%s", t->db), argv[n++] = bufs[b++];
    snprintf(bufs[b], 128, "--tables=%d", t->tables), argv[n++] = bufs[b++];
    snprintf(bufs[b], 128, "--table-size=%llu", (unsigned long long)t->table_size),
        argv[n++] = bufs[b++];
    for (int i = 0; extra[i]; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    return n;
}

/* Runs sysbench; a non-zero exit becomes an error with the output's tail. */
static int sbench_exec(char **argv, int cpu, double timeout_s, char *out, size_t cap, struct err *e)
{
    int st = srv_capture(argv, cpu, timeout_s, out, cap, e);
    if (st < 0) return -1;
    if (st == 0) return 0;
    const char *fatal = strstr(out, "FATAL:");
    size_t len = strlen(out);
    const char *tail = fatal ? fatal : len > 300 ? out + len - 300 : out;
    int tl = (int)strcspn(tail, fatal ? "\n" : "");
    return err_set(e, ERR_FAIL, "sysbench %s exited with status %d: %.*s", argv[1], st,
                   tl > 300 ? 300 : tl, tail);
}

int sbench_prepare(const struct sbench_target *t, int cpu, double timeout_s, char *out, size_t cap,
                   struct err *e)
{
    char bufs[10][128], thr[32], *argv[24];
    snprintf(thr, sizeof(thr), "--threads=%d", t->tables < 8 ? t->tables : 8);
    const char *extra[] = {thr, "prepare", NULL};
    sbench_argv(t, bufs, argv, extra);
    return sbench_exec(argv, cpu, timeout_s, out, cap, e);
}

int sbench_run(const struct sbench_target *t, int threads, int secs, int cpu, char *out, size_t cap,
               struct sbench_report *r, struct err *e)
{
    char bufs[10][128], thr[32], tm[32], *argv[32];
    snprintf(thr, sizeof(thr), "--threads=%d", threads);
    snprintf(tm, sizeof(tm), "--time=%d", secs);
    const char *extra[] = {
        thr,   tm,  "--rand-seed=1", "--percentile=95", "--report-interval=0", "--db-ps-mode=auto",
        "run", NULL};
    sbench_argv(t, bufs, argv, extra);
    if (sbench_exec(argv, cpu, secs + 120.0, out, cap, e) < 0) return -1;
    return sbench_parse(out, r, e);
}
