/* dynlib.h - libraries that workloads load at run time with dlopen, so a
 * missing library makes a workload "unavailable" with an apt-get hint
 * instead of the whole binary failing to start. Each loader is idempotent
 * and returns NULL when loaded, else a static reason string. */
#ifndef ISOBENCH_DYNLIB_H
#define ISOBENCH_DYNLIB_H

#include <lapacke.h>
#include <lzma.h>

struct lzma_api {
    lzma_ret (*stream_encoder_mt)(lzma_stream *, const lzma_mt *);
    uint64_t (*stream_encoder_mt_memusage)(const lzma_mt *);
    lzma_ret (*stream_decoder)(lzma_stream *, uint64_t, uint32_t);
    lzma_ret (*code)(lzma_stream *, lzma_action);
    void (*end)(lzma_stream *);
    const char *(*version_string)(void);
    lzma_bool (*lzma_preset)(lzma_options_lzma *, uint32_t);
};

struct lapack_api {
    lapack_int (*dgetrf)(int, lapack_int, lapack_int, double *, lapack_int, lapack_int *);
    lapack_int (*dgetrs)(int, char, lapack_int, lapack_int, const double *, lapack_int,
                         const lapack_int *, double *, lapack_int);
    void (*set_num_threads)(int); /* openblas_set_num_threads, NULL if not OpenBLAS */
    char *(*get_config)(void);    /* openblas_get_config, NULL if not OpenBLAS */
    const char *coretype_why;     /* why OPENBLAS_CORETYPE was set before loading, or NULL */
};

const char *dynlib_lzma(const struct lzma_api **api);
const char *dynlib_lapack(const struct lapack_api **api);

/* The OpenBLAS core type to force on a CPU OpenBLAS <= 0.3.30 misreads, or
 * NULL. vendor: CPUID 0's 12 bytes; family: the display family (base +
 * extended); ext_edx: CPUID 0x80000001 EDX; ecx1: CPUID 1 ECX. Pure, so the
 * unit tests feed it real CPUs' values. */
const char *dynlib_blas_coretype(const char *vendor, unsigned family, unsigned ext_edx,
                                 unsigned ecx1);

#endif
