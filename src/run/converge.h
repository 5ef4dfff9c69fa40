/* converge.h - adaptive repetitions (--target-ci, as PTS's dynamic run
 * count and netperf's -I): the values of one workload's headline metrics
 * per environment, gathered as rounds finish, and whether every one's
 * median interval is narrow enough to stop repeating. */
#ifndef ISOBENCH_RUN_CONVERGE_H
#define ISOBENCH_RUN_CONVERGE_H

#include <stddef.h>

#include "core/result.h"

struct converge;

struct converge *converge_new(void);
void converge_free(struct converge *c);
/* Forgets everything (the next workload). */
void converge_reset(struct converge *c);

/* Adds one successful sample of environment env: the metrics named in
 * headline (NULL-terminated; NULL = every metric). -1 when out of memory. */
int converge_add(struct converge *c, int env, const struct result *r, const char *const *headline);

/* 1 when every gathered metric's distribution-free median interval exists
 * and its half-width is at most pct % of the median's magnitude; else 0,
 * and out names those that are not ("metric@env" from envs[], comma
 * separated; cut with "..." when longer than len). */
int converge_done(const struct converge *c, double pct, const char *const *envs, char *out,
                  size_t len);

#endif
