#include "core/result.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int result_add(struct result *r, const char *name, const char *unit, int better, double value,
               struct err *e)
{
    if (!isfinite(value)) return err_set(e, ERR_FAIL, "metric %s is not a finite number", name);
    if (r->n >= RESULT_MAX_METRICS) return err_set(e, ERR_FAIL, "too many metrics");
    if (!*name || !*unit || strpbrk(name, " \t\n") || strpbrk(unit, " \t\n") ||
        strlen(name) >= sizeof(r->m[0].name) || strlen(unit) >= sizeof(r->m[0].unit))
        return err_set(e, ERR_FAIL, "metric '%s' (unit '%s'): names and units are single words",
                       name, unit);
    struct metric *m = &r->m[r->n++];
    snprintf(m->name, sizeof(m->name), "%s", name);
    snprintf(m->unit, sizeof(m->unit), "%s", unit);
    m->better = better;
    m->value = value;
    return 0;
}

const char *better_str(int better)
{
    return better == BETTER_LOWER ? "lower" : "higher";
}

int better_parse(const char *s)
{
    return strcmp(s, "lower") == 0 ? BETTER_LOWER : BETTER_HIGHER;
}

static const char *const size_names[] = {"tiny", "small", "full"};

const char *size_str(int size)
{
    return size >= 0 && size <= 2 ? size_names[size] : "?";
}

int size_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, size_names[i]) == 0) return i;
    return -1;
}

void result_raw_append(struct result *r, const char *text)
{
    static const char cut[] = "\n[... cut: raw output over 32 KiB]\n";
    size_t have = strlen(r->raw), add = strlen(text), room = sizeof(r->raw) - 1 - have;
    if (room < sizeof(cut)) return; /* already cut */
    if (add <= room - sizeof(cut)) {
        memcpy(r->raw + have, text, add + 1);
        return;
    }
    size_t take = room - sizeof(cut);
    memcpy(r->raw + have, text, take);
    memcpy(r->raw + have + take, cut, sizeof(cut));
}
