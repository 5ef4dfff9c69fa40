#include "core/json.h"

#include <math.h>

void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

void json_kvlist(FILE *f, const struct kvlist *l)
{
    fputc('{', f);
    for (int i = 0; i < l->n; i++) {
        if (i) fputc(',', f);
        json_str(f, l->v[i].key);
        fputc(':', f);
        json_str(f, l->v[i].val);
    }
    fputc('}', f);
}
