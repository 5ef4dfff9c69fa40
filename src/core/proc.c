#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"

/* In the child: stdin from /dev/null, stdout (and stderr) to fd, or to the
 * log; then exec. Never returns. */
static void proc_child(char *const argv[], const struct proc_opts *o, int fd, pid_t parent)
{
    util_die_with_parent(parent);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (o->log) fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null < 0 || fd < 0) _exit(127);
    dup2(null, 0);
    dup2(fd, 1);
    dup2(o->log || o->with_stderr ? fd : null, 2);
    if (o->pin) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o->cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0) _exit(126);
    }
    signal(SIGPIPE, SIG_DFL); /* an ignored SIGPIPE would survive the exec */
    if (strchr(argv[0], '/'))
        execv(argv[0], argv);
    else
        execvp(argv[0], argv);
    _exit(127);
}

/* Reads the pipe until EOF or the deadline; 1 when the deadline passed. */
static int proc_drain(int fd, double deadline, char *out, size_t cap, int *truncated)
{
    size_t got = 0;
    for (;;) {
        double left = deadline > 0 ? deadline - util_now() : 1e9;
        if (left <= 0) return 1;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int n = poll(&pf, 1, left > 1e6 ? -1 : (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR) return 0;
        if (n <= 0) continue;
        char buf[4096];
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        size_t room = cap > got + 1 ? cap - 1 - got : 0;
        size_t take = (size_t)r < room ? (size_t)r : room;
        if (take) memcpy(out + got, buf, take);
        got += take;
        if (cap) out[got] = '\0';
        if (take < (size_t)r && truncated) *truncated = 1;
    }
}

int proc_run(char *const argv[], const struct proc_opts *o, char *out, size_t cap, int *truncated,
             struct err *e)
{
    static const struct proc_opts none = {0};
    if (!o) o = &none;
    if (cap) out[0] = '\0';
    if (truncated) *truncated = 0;
    if (!argv || !argv[0]) return err_set(e, ERR_FAIL, "proc_run: no program");
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return err_sys(e, ERR_FAIL, errno, "pipe");
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return err_sys(e, ERR_FAIL, errno, "fork for %s", argv[0]);
    }
    if (pid == 0) proc_child(argv, o, p[1], parent);
    close(p[1]);
    double deadline = o->timeout_s > 0 ? util_now() + o->timeout_s : 0;
    int timed_out = proc_drain(p[0], deadline, out, cap, truncated);
    close(p[0]);
    int st;
    for (;;) { /* the output may end before the program does (a log, a closed stdout) */
        if (timed_out) kill(pid, SIGKILL);
        pid_t r = waitpid(pid, &st, timed_out || !deadline ? 0 : WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return err_sys(e, ERR_FAIL, errno, "waitpid");
        if (r == 0 && util_now() >= deadline) timed_out = 1;
        if (r == 0 && !timed_out) usleep(10000);
    }
    if (timed_out)
        return err_set(e, ERR_FAIL, "%s did not finish within %.0f s (killed)", argv[0],
                       o->timeout_s);
    if (WIFSIGNALED(st))
        return err_set(e, ERR_FAIL, "%s was killed by signal %d", argv[0], WTERMSIG(st));
    if (WEXITSTATUS(st) == 127 && access(argv[0], X_OK) != 0 && strchr(argv[0], '/'))
        return err_set(e, ERR_FAIL, "%s is not installed", argv[0]);
    return WEXITSTATUS(st);
}

int proc_spawn(char *const argv[], const struct proc_opts *o, pid_t *pidp, int *chan, struct err *e)
{
    *pidp = 0;
    *chan = -1;
    if (!argv || !argv[0] || !o || !o->log) return err_set(e, ERR_FAIL, "proc_spawn: no program");
    int logfd = open(
        o->log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | (o->log_new ? O_EXCL : 0),
        0600);
    if (logfd < 0) return err_sys(e, ERR_FAIL, errno, "creating %s", o->log);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        close(logfd);
        return err_sys(e, ERR_FAIL, errno, "socketpair");
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        if (!o->no_pdeath) util_die_with_parent(parent);
        if (o->chan_fd3 ? dup2(sv[1], 3) < 0 : dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0) _exit(127);
        if (dup2(logfd, 2) < 0) _exit(127);
        if (o->chan_fd3) {
            FILE *n = freopen("/dev/null", "r", stdin);
            n = freopen("/dev/null", "w", stdout);
            (void)n;
        }
        signal(SIGPIPE, SIG_DFL);
        if (strchr(argv[0], '/'))
            execv(argv[0], argv);
        else
            execvp(argv[0], argv);
        _exit(127);
    }
    int saved = errno;
    close(sv[1]);
    close(logfd);
    if (pid < 0) {
        close(sv[0]);
        return err_sys(e, ERR_FAIL, saved, "fork for %s", argv[0]);
    }
    *pidp = pid;
    *chan = sv[0];
    return 0;
}

int proc_ldd(const char *bin, int (*fn)(void *arg, const char *path), void *arg, struct err *e)
{
    char *const argv[] = {"ldd", (char *)bin, NULL};
    char *out cleanup_free = malloc(64 * 1024);
    int trunc;
    if (!out) return err_set(e, ERR_FAIL, "out of memory");
    int st = proc_run(argv, NULL, out, 64 * 1024, &trunc, e);
    if (st < 0) return -1;
    if (st != 0 || trunc)
        return err_set(e, ERR_FAIL, "ldd %s %s", bin,
                       trunc ? "listed more than 64 KiB" : "failed (is it installed?)");
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char path[512] = "";
        const char *arrow = strstr(line, "=> ");
        if (sscanf(arrow ? arrow + 3 : line, " %511s", path) != 1 || path[0] != '/') continue;
        n++;
        int rc = fn(arg, path);
        if (rc) return rc;
    }
    return n ? 0 : err_set(e, ERR_FAIL, "ldd %s listed no library", bin);
}

int proc_stat_comm(int pid, char *comm, size_t len, int *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (util_read_file(path, buf, sizeof(buf)) < 0) return -1;
    const char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open) return -1;
    snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
    return sscanf(close + 2, "%*c %d", ppid) == 1 ? 0 : -1;
}
