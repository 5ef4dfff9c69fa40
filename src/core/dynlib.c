#include "core/dynlib.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

static const char not_found[] = "not found";

struct sym {
    const char *name;
    void **slot;
    int optional;
};

/* Opens the first loadable soname and resolves every symbol; NULL on success. */
static const char *dyn_open(const char *const *sonames, const struct sym *syms, void **handle)
{
    void *h = NULL;
    for (const char *const *s = sonames; *s && !h; s++)
        h = dlopen(*s, RTLD_NOW | RTLD_LOCAL);
    if (!h) return not_found;
    for (const struct sym *s = syms; s->name; s++) {
        *s->slot = dlsym(h, s->name);
        if (!*s->slot && !s->optional) {
            dlclose(h);
            return "symbol missing";
        }
    }
    *handle = h;
    return NULL;
}

const char *dynlib_lzma(const struct lzma_api **out)
{
    static struct lzma_api api;
    static void *handle;
    static const char *reason;
    static int tried;
    if (!tried) {
        tried = 1;
        static const char *const names[] = {"liblzma.so.5", NULL};
        const struct sym syms[] = {
            {"lzma_stream_encoder_mt", (void **)&api.stream_encoder_mt, 0},
            {"lzma_stream_encoder_mt_memusage", (void **)&api.stream_encoder_mt_memusage, 0},
            {"lzma_stream_decoder", (void **)&api.stream_decoder, 0},
            {"lzma_code", (void **)&api.code, 0},
            {"lzma_end", (void **)&api.end, 0},
            {"lzma_version_string", (void **)&api.version_string, 0},
            {"lzma_lzma_preset", (void **)&api.lzma_preset, 0},
            {NULL, NULL, 0},
        };
        const char *r = dyn_open(names, syms, &handle);
        if (r == not_found)
            reason = "liblzma.so.5 not found (apt-get install liblzma5)";
        else if (r)
            reason = "liblzma.so.5 lacks the multi-threaded encoder (need xz >= 5.2)";
    }
    if (out) *out = reason ? NULL : &api;
    return reason;
}

/* QEMU's default CPU model under TCG (qemu64) says AuthenticAMD, family 15,
 * without 3DNow!. OpenBLAS's run-time dispatch (DYNAMIC_ARCH, Debian's
 * build) takes family 15 for an Opteron and runs its kernels, which use
 * 3DNow!'s femms: SIGILL (OpenBLAS issue #5831, fixed upstream after
 * 0.3.30, Debian 12 has 0.3.21). The same model under KVM on an Intel host
 * says GenuineIntel and gets Prescott's SSE3 kernels, so those are the ones
 * to force. A real K8 Opteron has 3DNow! (EDX bit 31) and is left alone, as
 * is any CPU without SSE3 (Prescott's kernels need it). */
const char *dynlib_blas_coretype(const char *vendor, unsigned family, unsigned ext_edx,
                                 unsigned ecx1)
{
    if (strncmp(vendor, "AuthenticAMD", 12) != 0 || family != 15) return NULL;
    if (ext_edx & (1u << 31)) return NULL; /* 3DNow!: a real Opteron */
    if (!(ecx1 & 1u)) return NULL;         /* no SSE3 */
    return "Prescott";
}

/* Sets OPENBLAS_CORETYPE before OpenBLAS loads when this CPU is one it
 * misreads and the user did not set it; returns why, or NULL. OpenBLAS
 * reads the variable once, in its constructor, so this must run before
 * the first dlopen of the process. */
static const char *dyn_blas_guard(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (getenv("OPENBLAS_CORETYPE")) return NULL;
    unsigned a, b, c, d, ecx1, ext_edx = 0;
    char vendor[13] = {0};
    if (!__get_cpuid(0, &a, &b, &c, &d)) return NULL;
    memcpy(vendor, &b, 4), memcpy(vendor + 4, &d, 4), memcpy(vendor + 8, &c, 4);
    if (!__get_cpuid(1, &a, &b, &ecx1, &d)) return NULL;
    unsigned family = (a >> 8) & 0xf;
    if (family == 0xf) family += (a >> 20) & 0xff;
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) ext_edx = d;
    const char *core = dynlib_blas_coretype(vendor, family, ext_edx, ecx1);
    if (!core || setenv("OPENBLAS_CORETYPE", core, 0) != 0) return NULL;
    return "Prescott: OpenBLAS takes this AMD family 15 CPU without 3DNow! (QEMU's qemu64) for "
           "an Opteron and would run 3DNow! code (OpenBLAS #5831)";
#else
    return NULL;
#endif
}

const char *dynlib_lapack(const struct lapack_api **out)
{
    static struct lapack_api api;
    static void *handle;
    static const char *reason;
    static int tried;
    if (!tried) {
        tried = 1;
        static const char *const names[] = {"liblapacke.so.3", NULL};
        api.coretype_why = dyn_blas_guard();
        const struct sym syms[] = {
            {"LAPACKE_dgetrf", (void **)&api.dgetrf, 0},
            {"LAPACKE_dgetrs", (void **)&api.dgetrs, 0},
            {"openblas_set_num_threads", (void **)&api.set_num_threads, 1},
            {"openblas_get_config", (void **)&api.get_config, 1},
            {NULL, NULL, 0},
        };
        const char *r = dyn_open(names, syms, &handle);
        if (r == not_found)
            reason = "liblapacke.so.3 not found (apt-get install liblapacke libopenblas0)";
        else if (r)
            reason = "liblapacke.so.3 lacks LAPACKE_dgetrf/dgetrs";
    }
    if (out) *out = reason ? NULL : &api;
    return reason;
}
