/* srvproc.h - a real server program (redis-server, mariadbd) started by a
 * workload inside its environment. The server is the workload's child: it
 * dies with it (PDEATHSIG), runs pinned to one CPU, writes its output to a
 * log file, and whenever it fails to start or exits early the error
 * carries the log's tail. Whatever is left is killed by srv_stop. */
#ifndef ISOBENCH_SRVPROC_H
#define ISOBENCH_SRVPROC_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "core/err.h"

struct srv {
    pid_t pid;   /* 0 once reaped */
    pid_t group; /* its process group, until srv_stop took it down (0: none) */
    char name[32];
    char log[512];
    int status;       /* wait status once reaped */
    struct rusage ru; /* its CPU time once reaped */
};

/* Starts argv (argv[0] an absolute path) pinned to cpu (-1: not pinned),
 * stdout and stderr appended to log, stdin from in_fd (-1: /dev/null). */
int srv_start(struct srv *s, const char *name, char *const argv[], int cpu, const char *log,
              int in_fd, struct err *e);
/* The same, run as uid:gid SRV_UNPRIV (no supplementary groups, no new
 * privileges) when unpriv is set - srv_unpriv_dir said it may. */
int srv_start_as(struct srv *s, const char *name, char *const argv[], int cpu, const char *log,
                 int in_fd, int unpriv, struct err *e);

/* The account a server drops root for ("nobody" on Debian; by number, so
 * that a guest or image without a passwd entry works alike). */
#define SRV_UNPRIV 65534
/* Makes dir the server's own, made afresh (whatever was at dir is
 * removed first, by fd: a link an earlier server planted is never
 * followed) 0700 and handed over through its fd: owned by
 * SRV_UNPRIV when this process is root, and checks - in a child that
 * drops to that account - that the account can use it. 1: the server may
 * drop root (srv_start_as unpriv=1); 0: it must stay as it is, why says
 * so (not root, the uid unmapped in this user namespace, an ancestor
 * that the account cannot traverse); -1: dir could not be made (e). */
int srv_unpriv_dir(const char *dir, char *why, size_t len, struct err *e);

/* A file with content that only this process and its children can read,
 * on no file system (a memfd, inherited across exec): returns its fd and
 * its path for the child ("/proc/self/fd/N") in path. For a client's
 * password, never on a command line. The caller closes the fd. */
int srv_secret_file(const char *content, char *path, size_t len, struct err *e);

/* 1 if the server is still running, 0 if it has exited (and was reaped). */
int srv_running(struct srv *s);

/* Waits until the server exits by itself, at most until deadline
 * (util_now() clock). ERR_FAIL on timeout (the server is then killed) or
 * when it exited with a failure; the error carries the log tail. */
int srv_wait(struct srv *s, double deadline, struct err *e);

/* Kills (SIGTERM, then SIGKILL after grace_s) and reaps; idempotent.
 * The server runs in a process group of its own: whatever of it is left
 * after the main process (a multi-process server's workers) gets SIGKILL. */
void srv_stop(struct srv *s, double grace_s);

/* The server's CPU time (user + system, its reaped children included),
 * seconds, once it was reaped; 0 before. */
double srv_cpu_s(const struct srv *s);

/* Appends " (log: ...<last lines>)" of the server's log to e's message. */
int srv_fail(struct srv *s, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The first line a program prints for args (e.g. "--version"), or "". */
void srv_version(const char *path, const char *arg, char *out, size_t len);

/* Runs a client program (sysbench, mariadb-admin) to completion, pinned to
 * cpu (-1: not pinned), at most timeout_s: its stdout and stderr go to
 * out (NUL-terminated; the start is kept when it is longer than cap).
 * Returns its exit status, or -1 (e) when it could not run, timed out
 * (then it is killed) or died of a signal. */
int srv_capture(char *const argv[], int cpu, double timeout_s, char *out, size_t cap,
                struct err *e);

/* Cleanup attribute: stops the server when the variable goes out of scope. */
void srv_cleanup(struct srv *s);
#define cleanup_srv __attribute__((cleanup(srv_cleanup)))

#endif
