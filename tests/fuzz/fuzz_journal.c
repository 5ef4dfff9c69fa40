/* libFuzzer target: the undo journal's reader (`isobench cleanup` reads
 * journals that dead runs left). Only the parser runs, never an undo.
 * Properties: never a crash; an accepted step has a non-empty argument
 * without control characters, and a path kind's argument is absolute. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "core/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s) return 0;
    char *save = NULL;
    for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *type, *arg;
        if (journal_parse_line(line, &type, &arg) < 0) continue;
        if (!arg[0] || !type[0]) abort();
        for (const char *p = arg; *p; p++)
            if ((unsigned char)*p < 0x20) abort();
        if ((!strcmp(type, "rmtree") || !strcmp(type, "mount") || !strcmp(type, "dir")) &&
            arg[0] != '/')
            abort();
    }
    free(s);
    return 0;
}
