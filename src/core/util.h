/* util.h - small helpers shared by every module: cleanup attributes, a
 * key=value list, time, file reading and number parsing. */
#ifndef ISOBENCH_UTIL_H
#define ISOBENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/err.h"

void util_freep(void *p);
void util_closep(const int *fd);
void util_fclosep(FILE **f);
#define cleanup_free __attribute__((cleanup(util_freep)))
#define cleanup_close __attribute__((cleanup(util_closep)))
#define cleanup_fclose __attribute__((cleanup(util_fclosep)))

#define KV_MAX 96 /* a VM sample carries ~45 facts of its environment before the workload's */
struct kv {
    char key[64];
    char val[256];
};
struct kvlist {
    struct kv v[KV_MAX];
    int n;
    int dropped; /* kv_set calls that did not fit (callers that pass no err) */
};

/* Sets key to val, replacing an existing key. Fails when full or too long,
 * and counts the failure in l->dropped, so that a fact that did not fit is
 * never lost without a trace (see kv_require_all). */
int kv_set(struct kvlist *l, const char *key, const char *val, struct err *e);
/* 0 when every kv_set into l fitted, else ERR_FAIL naming how many did not
 * (what: whose list, for the message). */
int kv_require_all(const struct kvlist *l, const char *what, struct err *e);

/* Returns the value of key or NULL. */
const char *kv_get(const struct kvlist *l, const char *key);

/* Monotonic seconds. */
double util_now(void);

/* In a child just forked from parent: dies (SIGKILL) when parent dies, and
 * exits at once if parent is already gone — PR_SET_PDEATHSIG alone misses a
 * parent that died between fork() and arming it. Not for a child in a new
 * PID namespace (its getppid() is 0). */
void util_die_with_parent(pid_t parent);
/* Wall clock as ISO-8601 UTC into buf (>= 21 bytes). */
void util_iso_time(char *buf, size_t len);

/* Reads a whole small file into buf (NUL-terminated, trailing newline
 * stripped). Returns 0 or -1 (errno set). */
int util_read_file(const char *path, char *buf, size_t len);

/* Parses a size with an optional K/M/G/T suffix (powers of 1024). */
int util_parse_size(const char *s, uint64_t *out, struct err *e);
/* Parses a non-negative integer / a finite double, whole string. */
int util_parse_u64(const char *s, uint64_t *out, struct err *e);
int util_parse_double(const char *s, double *out, struct err *e);

/* ERR_USAGE naming what ("workload", "environment") when the comma list
 * is empty or has an empty item ("a,,b", ",a", "a,"): a typo, never
 * skipped. */
int util_list_check(const char *list, const char *what, struct err *e);

/* Bytes of MemAvailable from /proc/meminfo, 0 if unknown. */
uint64_t util_mem_available(void);
/* Number of CPUs this process may run on. */
int util_ncpus(void);

/* Adds env.NAME=value for each variable that tunes libraries and so
 * changes results (OPENBLAS_*, OMP_*, GOMP_*, MKL_*, GOTO_*, GLIBC_TUNABLES). */
void util_tuning_env(struct kvlist *l);

/* 1 when the environment entry var ("NAME=VALUE") goes into an
 * environment's agent: PATH, LANG, LC_*, TZ, the tuning variables above
 * (every environment alike) and isobench's test hooks (ISOBENCH_FAILPOINT,
 * ISOBENCH_TEST_*) - never the rest of root's environment (tokens,
 * SSH_AUTH_SOCK, DOCKER_HOST, ...). */
int util_env_passed(const char *var);

/* Writes all of buf / reads exactly len bytes, retrying on EINTR. */
int util_write_all(int fd, const void *buf, size_t len);

/* 1 when port can be bound on every IPv4 address for both TCP and UDP. */
int util_port_free(int port);

/* A fresh secret from the kernel's random source: len - 1 lowercase hex
 * digits and a NUL (len 33: 128 bits). For server passwords that live
 * only in the run's memory and its job frames - never printed, never
 * stored. */
int util_random_hex(char *out, size_t len, struct err *e);
/* 1 when s is 16..64 lowercase hex digits (a util_random_hex secret). */
int util_is_secret(const char *s);

#endif
