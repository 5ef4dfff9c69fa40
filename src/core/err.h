/* err.h - error reporting by value: every fallible function returns 0 or a
 * negative number and fills the struct err passed as its last argument.
 * Only the command line (src/cli/) prints an err and chooses the exit code
 * from err->code. */
#ifndef ISOBENCH_ERR_H
#define ISOBENCH_ERR_H

enum err_code {
    ERR_OK = 0,
    ERR_FAIL = 1,  /* a measurement or the environment failed */
    ERR_USAGE = 2, /* bad input: nothing was started, nothing stored changed */
};

struct err {
    int code;
    char msg[1024];
};

/* Fills e (if not NULL) with code and a printf-formatted message; returns -1
 * so callers can write `return err_set(e, ERR_USAGE, "...")`. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefixes e->msg with "what: " to add context on the way up. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
