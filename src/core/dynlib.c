#include "core/dynlib.h"

#include <dlfcn.h>
#include <stddef.h>

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

const char *dynlib_lapack(const struct lapack_api **out)
{
    static struct lapack_api api;
    static void *handle;
    static const char *reason;
    static int tried;
    if (!tried) {
        tried = 1;
        static const char *const names[] = {"liblapacke.so.3", NULL};
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
