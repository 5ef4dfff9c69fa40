/* proc.h - the one way isobench runs a short-lived external program: an
 * argv vector, never a shell, so no argument is ever quoted by hand (an
 * image path with a quote in it stays one argument). stdin is /dev/null;
 * stdout (and stderr, when asked) is captured into the caller's buffer
 * or appended to a log file; a timeout kills the program. */
#ifndef ISOBENCH_PROC_H
#define ISOBENCH_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

struct proc_opts {
    double timeout_s; /* 0: wait as long as it takes */
    int with_stderr;  /* capture stderr too (else it goes to /dev/null) */
    const char *log;  /* non-NULL: both streams are appended to this file instead */
    int pin;          /* 1: run it on CPU `cpu` only (a benchmark's client, say) */
    int cpu;
    /* proc_spawn only: */
    int chan_fd3;  /* the channel on fd 3, stdin and stdout on /dev/null (else on stdin+stdout) */
    int no_pdeath; /* it may outlive this process (a runtime's CLI that hands over to its
                      own supervisor); else it dies with this process */
    int log_new;   /* the log must not exist yet (O_EXCL): never another instance's */
};

/* Runs argv[0] (a path, or a name looked up in PATH) with argv. Captures
 * at most cap - 1 bytes of its output into out (NUL-terminated; out may be
 * NULL when cap is 0); output beyond that is read and dropped, and
 * *truncated (if not NULL) says so. Returns the program's exit status
 * (0-255), or -1 with e filled when it could not be started, was killed
 * by a signal, or ran past the timeout (it is killed then). The caller
 * decides what a non-zero status means. */
int proc_run(char *const argv[], const struct proc_opts *o, char *out, size_t cap, int *truncated,
             struct err *e);

/* Starts argv (a name looked up in PATH, or a path) as a long-lived
 * program talking over one end of a socketpair (*chan, ours: a byte
 * stream): on its stdin and stdout, or (o->chan_fd3) on fd 3. Its stderr
 * is appended to the file o->log (required): never the operator's
 * terminal. It dies with this process (util_die_with_parent) unless
 * o->no_pdeath. Sets *pid; the caller reaps it. 0, or -1 with e when it
 * could not be started (nothing is left then). */
int proc_spawn(char *const argv[], const struct proc_opts *o, pid_t *pid, int *chan, struct err *e);

/* The shared libraries of bin as ldd lists them (the path each "=>"
 * names, and the loader's own line): fn(arg, path) for each, in order,
 * stopping at its first non-zero return, which is returned. 0 when all
 * were visited; -1 with e when ldd failed or listed nothing. */
/* A process's name (comm, as in /proc/PID/stat) and parent; -1 when it is
 * gone or its stat cannot be read. */
int proc_stat_comm(int pid, char *comm, size_t len, int *ppid);

int proc_ldd(const char *bin, int (*fn)(void *arg, const char *path), void *arg, struct err *e);

#endif
