/* fuzz.h - shared by the libFuzzer targets: the input as a C string. */
#ifndef ISOBENCH_FUZZ_H
#define ISOBENCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (the parsers read C strings; an
 * embedded NUL ends it early, as it would for them). NULL: out of memory.
 * The caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return NULL;
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
