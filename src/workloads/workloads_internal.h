/* workloads_internal.h - what workload plug-ins share only with their
 * unit tests (tests/unit/test_workloads.c): the enums their ENUM options
 * are read into, and functions exported for the tests; no other module
 * includes it. */
#ifndef ISOBENCH_WORKLOADS_INTERNAL_H
#define ISOBENCH_WORKLOADS_INTERNAL_H

#include <stdint.h>

/* Each ENUM option's values, in the order of its table's .values (the
 * index wl_opt_enum gives): unit_workloads pins every word to its
 * constant, so a reordered table fails a test, not a run. */
enum stream_stores { STORES_AUTO, STORES_NT, STORES_PLAIN };       /* stream stores */
enum ra_tables { RA_TABLES_PRIVATE, RA_TABLES_SHARED };            /* randomaccess tables */
enum ra_prefetch { RA_PREFETCH_ON, RA_PREFETCH_OFF };              /* randomaccess prefetch */
enum http_mpm { MPM_EVENT, MPM_WORKER, MPM_PREFORK };              /* http mpm */
enum ft_server { FT_SERVER_C, FT_SERVER_NODE };                    /* filetask server */
enum mysql_bound { MYSQL_BOUND_CACHE, MYSQL_BOUND_IO };            /* mysql bound */
enum mysql_schema { MYSQL_SCHEMA_SBTEST, MYSQL_SCHEMA_WORDPRESS }; /* mysql schema */
enum mysql_mode { MYSQL_MODE_RO, MYSQL_MODE_RW };                  /* mysql mode */
enum netlat_modes { NL_TCP, NL_UDP, NL_TCP_UDP, NL_UDP_TCP };      /* netlat modes */
enum wp_phase { WP_PHASE_FULL, WP_PHASE_INSERT };                  /* wordpress phase */
enum stress_kind { ST_CPU, ST_VM, ST_STREAM, ST_HDD, ST_SOCK, ST_CPU_VM }; /* stress stressor */

/* randomaccess: HPCC's starting value of the update stream at n. */
uint64_t ra_starts(int64_t n);
/* randomaccess: the whole update stream (nupdate updates, a multiple of
 * threads x 128) applied to one shared table with threads. */
void ra_update(uint64_t *table, uint64_t size, uint64_t nupdate, int threads, int prefetch);
/* compress: the block size that gives whole rounds of equal blocks, one
 * per thread, none larger than xzb. */
uint64_t compress_balanced_block(uint64_t size, uint64_t threads, uint64_t xzb);

#endif
