#include "workloads/lib/srvproc.h"

#include "core/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"

/* The process groups of this process's live servers, for a SIGTERM that
 * ends the job (the agent's cancel): the job dies, and with it every
 * process of its servers - PR_SET_PDEATHSIG reaches only a server's main
 * process, and a multi-process server's workers (Apache prefork's) would
 * outlive it. Written before the handler can see a slot; read by it. */
#define SRV_GROUPS 16
static volatile pid_t srv_groups[SRV_GROUPS];

static void srv_on_term(int sig)
{
    for (int i = 0; i < SRV_GROUPS; i++)
        if (srv_groups[i] > 0) kill(-srv_groups[i], SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Remembers group g (0: forgets `forget`); the handler is installed the
 * first time, where SIGTERM has its default action (a job process). */
static void srv_group_track(pid_t g, pid_t forget)
{
    for (int i = 0; i < SRV_GROUPS; i++)
        if (g ? srv_groups[i] == 0 : srv_groups[i] == forget) {
            srv_groups[i] = g;
            break;
        }
    struct sigaction old;
    if (g && sigaction(SIGTERM, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction sa = {.sa_handler = srv_on_term};
        sigaction(SIGTERM, &sa, NULL);
    }
}

/* Drops to SRV_UNPRIV: no groups, its gid, its uid, no new privileges. */
static int srv_drop(void)
{
    if (setgroups(0, NULL) < 0 || setgid(SRV_UNPRIV) < 0 || setuid(SRV_UNPRIV) < 0) return -1;
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* In the child: dies with the parent (also when the parent died before
 * the death signal was armed: a cancelled job is killed just as it starts
 * its server), stdin from in_fd (-1: /dev/null), stdout and stderr to
 * out_fd, pinned to cpu (-1: not), drops root when unpriv, then exec. */
__attribute__((noreturn)) static void srv_child(char *const argv[], pid_t parent, int cpu,
                                                int in_fd, int out_fd, int unpriv)
{
    util_die_with_parent(parent);
    /* its own process group: a server that signals its group on stop
     * (Apache's prefork MPM: killpg(getpgrp(), SIGTERM)) reaches only its
     * own processes, never the agent, isobench or the shell above it */
    setpgid(0, 0);
    if (unpriv && srv_drop() < 0) {
        dprintf(out_fd, "dropping root for uid %d: %s\n", SRV_UNPRIV, strerror(errno));
        _exit(126);
    }
    /* changing credentials clears the death signal (prctl(2)): armed again,
     * or a server that dropped root outlives a job killed outright */
    if (unpriv) util_die_with_parent(parent);
    int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) _exit(126);
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int srv_start(struct srv *s, const char *name, char *const argv[], int cpu, const char *log,
              int in_fd, struct err *e)
{
    return srv_start_as(s, name, argv, cpu, log, in_fd, 0, e);
}

int srv_start_as(struct srv *s, const char *name, char *const argv[], int cpu, const char *log,
                 int in_fd, int unpriv, struct err *e)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(s->log, sizeof(s->log), "%s", log);
    if (access(argv[0], X_OK) != 0)
        return err_set(e, ERR_FAIL, "%s: %s not found in this environment", name, argv[0]);
    int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (lfd < 0) return err_sys(e, ERR_FAIL, errno, "%s: log %s", name, log);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(lfd);
        return err_sys(e, ERR_FAIL, errno, "%s: fork", name);
    }
    if (pid == 0) srv_child(argv, parent, cpu, in_fd, lfd, unpriv);
    close(lfd);
    s->pid = pid;
    s->group = pid; /* srv_child's setpgid(0, 0) */
    srv_group_track(pid, 0);
    return 0;
}

int srv_unpriv_dir(const char *dir, char *why, size_t len, struct err *e)
{
    /* Made fresh: whatever an earlier server (as SRV_UNPRIV) left or
     * planted there - a link to /etc - is removed by fd, never followed,
     * and the new directory is handed over through its own fd. */
    if (journal_rmtree(dir) < 0) return err_sys(e, ERR_FAIL, errno, "removing the old %s", dir);
    if (mkdir(dir, 0700) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", dir);
    if (geteuid() != 0) {
        snprintf(why, len, "not root here (uid %d)", (int)geteuid());
        return 0;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return err_sys(e, ERR_FAIL, errno, "open %s", dir);
    int rc = fchown(dfd, SRV_UNPRIV, SRV_UNPRIV), er = errno;
    close(dfd);
    if (rc < 0) {
        snprintf(why, len, "chown %s to %d: %s", dir, SRV_UNPRIV, strerror(er));
        return 0;
    }
    pid_t pid = fork();
    if (pid < 0) return err_sys(e, ERR_FAIL, errno, "fork");
    if (pid == 0) _exit(srv_drop() < 0 ? 1 : access(dir, R_OK | W_OK | X_OK) < 0 ? 2 : 0);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 3;
    if (code == 0) return 1;
    snprintf(why, len, "%s",
             code == 1   ? "uid 65534 cannot be taken here (not mapped in this user namespace?)"
             : code == 2 ? "uid 65534 cannot reach the data directory (an ancestor is not "
                           "traversable)"
                         : "the probe child died");
    return 0;
}

int srv_secret_file(const char *content, char *path, size_t len, struct err *e)
{
    int fd = memfd_create("isobench-secret", 0); /* inherited: the child reads it */
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "memfd_create");
    /* 0600: a memfd starts 0777, and MariaDB's clients ignore a
     * world-writable option file */
    if (fchmod(fd, 0600) < 0 || util_write_all(fd, content, strlen(content)) < 0) {
        close(fd);
        return err_sys(e, ERR_FAIL, errno, "writing a secret file");
    }
    if ((size_t)snprintf(path, len, "/proc/self/fd/%d", fd) >= len) {
        close(fd);
        return err_set(e, ERR_FAIL, "secret file: path buffer too small");
    }
    return fd;
}

static int srv_reap(struct srv *s, int flags)
{
    if (!s->pid) return 1;
    pid_t r;
    while ((r = wait4(s->pid, &s->status, flags, &s->ru)) < 0 && errno == EINTR) {
    }
    if (r == s->pid || (r < 0 && errno == ECHILD)) {
        s->pid = 0;
        return 1;
    }
    return 0;
}

int srv_running(struct srv *s)
{
    return !srv_reap(s, WNOHANG);
}

int srv_fail(struct srv *s, struct err *e, const char *fmt, ...)
{
    char msg[512], tail[400] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    FILE *f = fopen(s->log, "re");
    if (f) {
        char buf[4096];
        if (fseek(f, 0, SEEK_END) == 0) {
            long end = ftell(f),
                 from = end > (long)sizeof(buf) - 1 ? end - (long)sizeof(buf) + 1 : 0;
            fseek(f, from, SEEK_SET);
            size_t n = fread(buf, 1, sizeof(buf) - 1, f);
            buf[n] = '\0';
            while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
            /* the last three lines, newlines shown as " | " */
            char *p = buf + n;
            for (int lines = 0; p > buf && lines < 3; p--)
                if (p[-1] == '\n' && ++lines == 3) break;
            size_t pl = strlen(p);
            if (pl >= sizeof(tail)) p += pl - (sizeof(tail) - 1); /* keep the end */
            memcpy(tail, p, strlen(p) + 1);
            for (char *q = tail; *q; q++)
                if (*q == '\n') *q = '|';
        }
        fclose(f);
    }
    return err_set(e, ERR_FAIL, "%s: %s (log %s: %s)", s->name, msg, s->log,
                   tail[0] ? tail : "empty");
}

int srv_wait(struct srv *s, double deadline, struct err *e)
{
    while (!srv_reap(s, WNOHANG)) {
        if (util_now() >= deadline) {
            srv_stop(s, 2.0);
            return srv_fail(s, e, "still running at its deadline; killed");
        }
        usleep(20000);
    }
    if (WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0) return 0;
    if (WIFSIGNALED(s->status)) return srv_fail(s, e, "killed by signal %d", WTERMSIG(s->status));
    return srv_fail(s, e, "exited with status %d", WEXITSTATUS(s->status));
}

void srv_stop(struct srv *s, double grace_s)
{
    if (!s->group) return;
    pid_t group = s->group;
    s->group = 0;
    if (s->pid > 0) kill(s->pid, SIGTERM); /* never kill(0): it is reaped already */
    double end = util_now() + grace_s;
    while (!srv_reap(s, WNOHANG)) {
        if (util_now() >= end) {
            kill(-group, SIGKILL);
            srv_reap(s, 0);
            break;
        }
        usleep(10000);
    }
    /* workers the server did not take down with it (its own group, see
     * srv_child; ESRCH when none is left) - also when the main process had
     * exited by itself before */
    kill(-group, SIGKILL);
    srv_group_track(0, group);
}

double srv_cpu_s(const struct srv *s)
{
    return (double)s->ru.ru_utime.tv_sec + (double)s->ru.ru_utime.tv_usec / 1e6 +
           (double)s->ru.ru_stime.tv_sec + (double)s->ru.ru_stime.tv_usec / 1e6;
}

void srv_cleanup(struct srv *s)
{
    srv_stop(s, 5.0);
}

void srv_version(const char *path, const char *arg, char *out, size_t len)
{
    char *const argv[] = {(char *)path, (char *)arg, NULL};
    const struct proc_opts po = {.with_stderr = 1, .timeout_s = 10};
    if (proc_run(argv, &po, out, len, NULL, NULL) < 0) out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

int srv_capture(char *const argv[], int cpu, double timeout_s, char *out, size_t cap, struct err *e)
{
    const struct proc_opts o = {
        .timeout_s = timeout_s, .with_stderr = 1, .pin = cpu >= 0, .cpu = cpu < 0 ? 0 : cpu};
    return proc_run(argv, &o, out, cap, NULL, e);
}
