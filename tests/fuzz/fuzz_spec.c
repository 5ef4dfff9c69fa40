/* libFuzzer target: the environment spec parser (`-e` lists and single
 * specs). Properties: never a crash; a parsed spec's canonical text parses
 * again to the same name, keys and values (the text is what is stored). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "core/spec.h"

/* A parsed spec's canonical text parses again to the same spec. */
static void roundtrip(const struct spec *sp)
{
    static struct spec again;
    struct err e = {0};
    if (spec_parse(sp->text, &again, &e) < 0) abort();
    if (strcmp(again.name, sp->name) || again.kv.n != sp->kv.n) abort();
    for (int k = 0; k < again.kv.n; k++)
        if (strcmp(again.kv.v[k].key, sp->kv.v[k].key) ||
            strcmp(again.kv.v[k].val, sp->kv.v[k].val))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s) return 0;
    struct err e = {0};
    static struct spec list[16];
    int n = spec_split_list(s, list, 16, &e);
    for (int i = 0; i < n; i++) {
        roundtrip(&list[i]);
        static const char *const allowed[] = {"cpus", "mem", "net", "storage", NULL};
        spec_check_keys(&list[i], allowed, &e);
    }
    static struct spec one;
    if (spec_parse(s, &one, &e) == 0) roundtrip(&one);
    free(s);
    return 0;
}
