/* filetask.h - what the filetask workload shares with its tests and the
 * memory-pressure scenario. */
#ifndef ISOBENCH_FILETASK_H
#define ISOBENCH_FILETASK_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define FT_MAX_TARGETS 32

struct ft_target {
    char addr[64];
    int port;
};

/* "ADDR:PORT,..." into t (at most max); the count, or -1 (ERR_USAGE). */
int ft_parse_targets(const char *list, struct ft_target *t, int max, struct err *e);

/* The task: creates dir/filetask-PID.dat of bytes in writes write(2)
 * calls, closes and removes it; the seconds it took, or -1. */
double ft_task(const char *dir, uint64_t bytes, uint64_t writes, struct err *e);

/* Metrics of rounds x n task times (seconds, task[k*n+i] = server i in
 * round k) and response times: task_ms (mean), task_p95_ms, response_ms,
 * spread (the slowest server's mean over the fastest's) and
 * servers_cov_pct, plus each server's mean as a fact. */
int ft_summarize(const double *task, const double *resp, int rounds, int n, struct result *r,
                 struct err *e);

/* server=node: NULL when Node.js and Debian's Express are here, else why
 * not. */
const char *ft_node_unavailable(void);

/* The server half as a Node.js + Express app (ftnode.c): serves the same
 * endpoints until /quit or the client's close; tasks and task_ms from
 * the app's log. */
struct wl_ctx;
int ft_node_server(const struct wl_ctx *ctx, uint64_t bytes, uint64_t writes, struct result *r,
                   struct err *e);

/* The app's log: "node vX express Y" into versions (may be NULL), the
 * task count and the sum of task seconds; -1 without the count line. */
int ft_node_parse_log(const char *log, char *versions, size_t vlen, double *tasks, double *sum);

#endif
