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
    int errnum; /* the errno that caused it, kept as data (0: none) */
    char msg[1024];
};

/* Fills e (if not NULL) with code and a printf-formatted message; returns -1
 * so callers can write `return err_set(e, ERR_USAGE, "...")`. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As err_set, for a failed system call: keeps errnum in e->errnum and ends
 * the message with ": " and its strerror (crun's crun_make_error keeps
 * errno the same way). */
int err_sys(struct err *e, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefixes e->msg with "what: " to add context on the way up; a message
 * that would not fit ends in "..." (cut, and said so). */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
