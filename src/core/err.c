#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Marks a message that did not fit: its last bytes become "...". */
static void mark_cut(char *msg, size_t size)
{
    memcpy(msg + size - 4, "...", 4);
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
    if (!e) return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(e->msg)) mark_cut(e->msg, sizeof(e->msg));
    e->code = code;
    e->errnum = 0;
    return -1;
}

int err_sys(struct err *e, int code, int errnum, const char *fmt, ...)
{
    if (!e) return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof(e->msg) &&
        snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, ": %s", strerror(errnum)) >=
            (int)(sizeof(e->msg) - (size_t)n))
        n = (int)sizeof(e->msg);
    if ((size_t)n >= sizeof(e->msg)) mark_cut(e->msg, sizeof(e->msg));
    e->code = code;
    e->errnum = errnum;
    return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
    if (!e) return -1;
    char prefix[256], old[sizeof(e->msg)];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(prefix, sizeof(prefix), fmt, ap) >= (int)sizeof(prefix))
        mark_cut(prefix, sizeof(prefix));
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    size_t pl = strlen(prefix);
    if (pl + 2 >= sizeof(e->msg)) pl = sizeof(e->msg) - 3;
    memcpy(e->msg, prefix, pl);
    memcpy(e->msg + pl, ": ", 2);
    size_t room = sizeof(e->msg) - pl - 3;
    size_t ol = strnlen(old, room);
    memcpy(e->msg + pl + 2, old, ol);
    e->msg[pl + 2 + ol] = '\0';
    if (ol < strnlen(old, sizeof(old))) mark_cut(e->msg, sizeof(e->msg));
    return -1;
}
