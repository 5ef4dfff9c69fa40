/* linpack - dense Ax=b by LU with partial pivoting (LAPACK dgetrf + dgetrs,
 * from OpenBLAS through LAPACKE, loaded at run time). A and b are uniform in
 * [-0.5, 0.5) from a fixed seed, as HPL generates them. GFLOPS counts HPL's
 * (2/3 N^3 + 2 N^2) over the factor+solve time. HPL's scaled residual
 * ||Ax-b||_inf / (eps (||A||_inf ||x||_inf + ||b||_inf) N) must be < 16.
 * pages=huge (the default) holds A and its LU copy on 2 MiB transparent
 * huge pages, as the stream and randomaccess workloads. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/bigmem.h"
#include "core/dynlib.h"
#include "core/util.h"
#include "workloads/workload.h"

static const struct wl_opt linpack_opts[] = {
    {"n",
     "matrix order N",
     {"1000", "5000", "15000"},
     .type = WL_T_UINT,
     .min = 2.0,
     .max = 200000.0},
    {"threads",
     "BLAS threads; auto = CPUs of the environment",
     {"auto", "auto", "auto"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 4096.0,
     .values = "auto"},
    WL_OPT_SIZING,
    {"pages",
     "huge (2 MiB transparent huge pages) or normal, for A and LU",
     {"huge", "huge", "huge"},
     .type = WL_T_ENUM,
     .values = WL_PAGES_VALUES},
    {.name = NULL},
};

static const char *linpack_unavailable(void)
{
    return dynlib_lapack(NULL);
}

static int linpack_params(const struct wl_ctx *ctx, uint64_t *n, uint64_t *threads, struct err *e)
{
    if (wl_opt_u64(ctx, &workload_linpack, "n", 1000, n, e) < 0 ||
        wl_opt_u64(ctx, &workload_linpack, "threads", wl_auto_threads(ctx, &workload_linpack),
                   threads, e) < 0)
        return -1;
    return 0;
}

static int linpack_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                         struct err *e)
{
    uint64_t n, threads;
    (void)resolved;
    if (linpack_params(ctx, &n, &threads, e) < 0) return -1;
    need->mem_bytes = 2 * n * n * sizeof(double) + 4 * n * sizeof(double);
    return 0;
}

static double linpack_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

/* HPL's scaled residual of the solution x for (a, b). */
static double linpack_residual(const double *a, const double *x, const double *b, size_t n)
{
    double rmax = 0, anorm = 0, xnorm = 0, bnorm = 0;
#pragma omp parallel for reduction(max : rmax, anorm)
    for (size_t i = 0; i < n; i++) {
        double r = -b[i], rowsum = 0;
        for (size_t j = 0; j < n; j++) {
            r += a[j * n + i] * x[j]; /* column-major */
            rowsum += fabs(a[j * n + i]);
        }
        if (fabs(r) > rmax) rmax = fabs(r);
        if (rowsum > anorm) anorm = rowsum;
    }
    for (size_t i = 0; i < n; i++) {
        if (fabs(x[i]) > xnorm) xnorm = fabs(x[i]);
        if (fabs(b[i]) > bnorm) bnorm = fabs(b[i]);
    }
    return rmax / (DBL_EPSILON * (anorm * xnorm + bnorm) * (double)n);
}

/* Loads LAPACK (ERR_USAGE when missing), solves a random n x n system
 * with dgetrf/dgetrs - the timed part - and checks the scaled residual
 * (ERR_FAIL at 16 or more); adds gflops and the n, threads, pages and
 * BLAS facts to r. Its matrices are its own, freed on return. */
static int linpack_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    const struct lapack_api *lp;
    const char *why = dynlib_lapack(&lp);
    if (why) return err_set(e, ERR_USAGE, "linpack: %s", why);
    uint64_t n64, threads;
    if (linpack_params(ctx, &n64, &threads, e) < 0) return -1;
    size_t n = (size_t)n64;
    int huge;
    if (wl_opt_huge(ctx, &workload_linpack, &huge, e) < 0) return -1;
    struct bigmem ma cleanup_bigmem = {NULL, 0}, mlu cleanup_bigmem = {NULL, 0};
    if (bigmem_alloc(&ma, n * n * sizeof(double), huge) < 0 ||
        bigmem_alloc(&mlu, n * n * sizeof(double), huge) < 0)
        return err_set(e, ERR_FAIL, "linpack: cannot allocate a %zu x %zu matrix", n, n);
    double *a = ma.p, *lu = mlu.p;
    double *b cleanup_free = malloc(n * sizeof(double));
    double *x cleanup_free = malloc(n * sizeof(double));
    lapack_int *ipiv cleanup_free = malloc(n * sizeof(lapack_int));
    if (!b || !x || !ipiv)
        return err_set(e, ERR_FAIL, "linpack: cannot allocate a %zu x %zu matrix", n, n);
    uint64_t seed = 42;
    for (size_t i = 0; i < n * n; i++)
        a[i] = linpack_rand(&seed);
    for (size_t i = 0; i < n; i++)
        b[i] = linpack_rand(&seed);
    memcpy(lu, a, n * n * sizeof(double));
    memcpy(x, b, n * sizeof(double));
    const struct bigmem both[2] = {ma, mlu};
    double share = bigmem_huge_share(both, 2);
    if (lp->set_num_threads) lp->set_num_threads((int)threads);

    double t0 = util_now();
    lapack_int info =
        lp->dgetrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, lu, (lapack_int)n, ipiv);
    if (info == 0)
        info = lp->dgetrs(LAPACK_COL_MAJOR, 'N', (lapack_int)n, 1, lu, (lapack_int)n, ipiv, x,
                          (lapack_int)n);
    double t = util_now() - t0;
    if (info != 0) return err_set(e, ERR_FAIL, "linpack: LAPACK returned info=%d", (int)info);
    double resid = linpack_residual(a, x, b, n);
    if (!(resid < 16.0))
        return err_set(e, ERR_FAIL, "linpack: scaled residual %g >= 16: wrong solution", resid);
    double flops = 2.0 / 3.0 * (double)n * n * n + 2.0 * (double)n * n;
    if (result_add(r, "gflops", "GFLOPS", BETTER_HIGHER, flops / t / 1e9, e) < 0) return -1;
    wl_units(r, flops / 1e9);
    char buf[64];
    snprintf(buf, sizeof(buf), "%.6g", resid);
    kv_set(&r->facts, "linpack.residual", buf, NULL);
    snprintf(buf, sizeof(buf), "%zu", n);
    kv_set(&r->facts, "linpack.n", buf, NULL);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)threads);
    kv_set(&r->facts, "linpack.threads", buf, NULL);
    if (wl_sizing_facts(ctx, &workload_linpack, r, e) < 0) return -1;
    kv_set(&r->facts, "linpack.pages", huge ? "huge" : "normal", NULL);
    bigmem_fact(&r->facts, "linpack.huge_share", share);
    if (lp->get_config) kv_set(&r->facts, "linpack.blas", lp->get_config(), NULL);
    if (lp->coretype_why) kv_set(&r->facts, "linpack.blas_coretype", lp->coretype_why, NULL);
    return 0;
}

/* dlopen'd: the VM's initramfs carries it and its closure (LAPACK, the
 * BLAS Debian's alternatives point at, libgfortran) because it is here. */
static const char *const linpack_files[] = {ISOBENCH_LIBDIR "/liblapacke.so.3", NULL};

const struct workload workload_linpack = {
    .unit = "GFLOP",
    .name = "linpack",
    .summary = "LU solve of Ax=b (LAPACK dgetrf/dgetrs, OpenBLAS), GFLOPS",
    .unavailable = linpack_unavailable,
    .opts = linpack_opts,
    .check = linpack_check,
    .run = linpack_run,
    .guest_files = linpack_files,
};
