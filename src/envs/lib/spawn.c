#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "envs/env.h"

/* Kills and reaps a child still alive when its owner leaves scope. */
static void reap_childp(const pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGKILL);
        while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
}
#define cleanup_child __attribute__((cleanup(reap_childp)))

int env_agent_start(const struct job *j, int (*setup)(void *), void *arg, pid_t *pidp, int *fdp,
                    struct err *e)
{
    *pidp = 0;
    *fdp = -1;
    char *buf cleanup_free = malloc(PROTO_MAX);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    if (proto_encode_job(j, buf, PROTO_MAX, e) < 0) return -1;
    const char *self = env_self_exe(); /* resolve before fork */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return err_sys(e, ERR_FAIL, errno, "socketpair");
    int parent_fd cleanup_close = sv[0];
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid cleanup_child = fork();
    if (pid < 0) {
        close(sv[1]);
        return err_sys(e, ERR_FAIL, errno, "fork");
    }
    if (pid == 0) {
        util_die_with_parent(parent); /* a killed runner leaves no agent behind */
        if (dup2(sv[1], 3) < 0) _exit(127);
        if (setup && setup(arg) < 0) _exit(126);
        execl(self, "isobench", "agent", "--fd", "3", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    if (proto_send(parent_fd, buf, e) < 0) return -1;
    *pidp = pid;
    *fdp = parent_fd;
    pid = 0;
    parent_fd = -1;
    return 0;
}

/* Receives one reply frame from fd within timeout_s (<= 0: forever) into
 * buf (PROTO_MAX), watching w meanwhile (struct env_watch): when it fires
 * and asks for a cancel, cancel(carg) runs and the reply may take at most
 * ENV_CANCEL_S more. */
static int env_await(int fd, double timeout_s, struct env_watch *w, void (*cancel)(void *),
                     void *carg, char *buf, struct err *e)
{
    double deadline = timeout_s > 0 ? util_now() + timeout_s : 0;
    int watching = w && w->fd >= 0;
    while (watching) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = w->fd, .events = POLLIN}};
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - util_now();
            if (left <= 0) return err_set(e, ERR_FAIL, "timed out waiting for the agent");
            ms = (int)(left * 1000) + 1;
        }
        int pr = poll(p, 2, ms);
        if (pr < 0 && errno == EINTR) return err_set(e, ERR_FAIL, "interrupted");
        if (pr < 0) return err_sys(e, ERR_FAIL, errno, "poll");
        if (p[0].revents) break; /* the reply (or EOF) is here */
        if (!p[1].revents) continue;
        watching = 0;
        if (w->fired(w->arg) == 1) {
            cancel(carg);
            w->cancelled = 1;
            double d = util_now() + ENV_CANCEL_S;
            if (deadline <= 0 || d < deadline) deadline = d;
        }
    }
    double left = deadline > 0 ? deadline - util_now() : 0;
    if (deadline > 0 && left <= 0) return err_set(e, ERR_FAIL, "timed out waiting for the agent");
    return proto_recv(fd, buf, PROTO_MAX, left, e);
}

static void cancel_by_kill(void *arg)
{
    kill(*(pid_t *)arg, SIGTERM); /* its servers die with it (PR_SET_PDEATHSIG) */
}

static void cancel_by_frame(void *arg)
{
    struct err ignored = {0};
    proto_send_cancel(*(int *)arg, &ignored);
}

int env_agent_finish(pid_t *pidp, int *fdp, double timeout_s, struct env_watch *w,
                     struct reply *rep, struct err *e)
{
    pid_t pid cleanup_child = *pidp;
    int fd cleanup_close = *fdp;
    *pidp = 0;
    *fdp = -1;
    char *buf cleanup_free = malloc(PROTO_MAX);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    if (env_await(fd, timeout_s, w, cancel_by_kill, &pid, buf, e) < 0) {
        if (w && w->cancelled) return err_set(e, ERR_FAIL, "cancelled");
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            pid = 0;
            if (WIFSIGNALED(st))
                return err_set(e, ERR_FAIL, "agent killed by signal %d (%s)", WTERMSIG(st),
                               strsignal(WTERMSIG(st)));
            if (WIFEXITED(st) && WEXITSTATUS(st) >= 126)
                return err_set(e, ERR_FAIL, "agent could not start (exit %d)", WEXITSTATUS(st));
        }
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    pid = 0;
    return proto_decode_reply(buf, rep, e);
}

int env_spawn_agent(const struct job *j, double timeout_s, int (*setup)(void *), void *arg,
                    struct env_watch *w, struct reply *rep, struct err *e)
{
    pid_t pid;
    int fd;
    if (env_agent_start(j, setup, arg, &pid, &fd, e) < 0) return -1;
    return env_agent_finish(&pid, &fd, timeout_s, w, rep, e);
}

void env_reach_host(struct env_ctx *ctx, int shares_netns)
{
    if (!ctx->rq->peer) return;
    snprintf(ctx->info.reach_addr, sizeof(ctx->info.reach_addr), "%s", ctx->rq->peer->host_addr);
    ctx->info.reach_port = ctx->rq->port;
    if (shares_netns)
        snprintf(ctx->info.serve_addr, sizeof(ctx->info.serve_addr), "%s",
                 ctx->rq->peer->host_addr);
}

int env_chan_await(int *chan, double timeout_s, struct env_watch *w, struct reply *rep,
                   struct err *e)
{
    char *buf cleanup_free = malloc(PROTO_MAX);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    if (*chan < 0) return err_set(e, ERR_FAIL, "the agent's channel is closed");
    if (env_await(*chan, timeout_s, w, cancel_by_frame, chan, buf, e) < 0) {
        close(*chan);
        *chan = -1;
        return -1;
    }
    return proto_decode_reply(buf, rep, e);
}

int env_chan_exec(int *chan, double timeout_s, struct env_watch *w, const struct job *j,
                  struct reply *rep, struct err *e)
{
    char *buf cleanup_free = malloc(PROTO_MAX);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    if (*chan < 0) return err_set(e, ERR_FAIL, "the environment's agent is not running");
    if (proto_encode_job(j, buf, PROTO_MAX, e) < 0 || proto_send(*chan, buf, e) < 0 ||
        env_await(*chan, timeout_s, w, cancel_by_frame, chan, buf, e) < 0) {
        close(*chan);
        *chan = -1;
        return -1;
    }
    return proto_decode_reply(buf, rep, e);
}

void env_chan_stop(int *chan, pid_t *pid, double grace_s)
{
    if (*chan >= 0) close(*chan);
    *chan = -1;
    if (*pid <= 0) return;
    double deadline = util_now() + grace_s;
    int st;
    while (waitpid(*pid, &st, WNOHANG) != *pid) {
        if (util_now() > deadline) {
            kill(*pid, SIGKILL);
            while (waitpid(*pid, &st, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        usleep(5000);
    }
    *pid = 0;
}

/* The last non-empty line of the file at path into out ("" when none). */
static void last_line(const char *path, char *out, size_t len)
{
    char buf[4096];
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
    close(fd);
    if (n <= 0) return;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    const char *line = strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf;
    size_t k = strlen(line);
    if (k >= len) { /* keep its end, marked */
        memcpy(out, "...", 3);
        line += k - (len - 4);
        out += 3;
    }
    memcpy(out, line, strlen(line) + 1);
}

int env_start_cli(char *const argv[], int stdio, int pdeath, struct env_ctx *ctx, double t0,
                  struct err *e)
{
    pid_t *pid = &ctx->agent_pid;
    int *chan = &ctx->agent_chan;
    /* The CLI's stderr (and so its container's, which inherit it) goes to
     * a log in the run's directory, never to the operator's terminal: a
     * process in the container must reach no host tty (TIOCSTI, escape
     * sequences). Its last line is the error when the agent never answers. */
    char log[700];
    snprintf(log, sizeof(log), "%s/cli%s.log", ctx->rq->journal->dir,
             env_idx(ctx)); /* a restarted or resized instance gets a log of its own */
    const struct proc_opts o = {.log = log, .chan_fd3 = !stdio, .no_pdeath = !pdeath, .log_new = 1};
    if (proc_spawn(argv, &o, pid, chan, e) < 0) return -1;
    pid_t p = *pid;
    if (journal_add_pid(ctx->rq->journal, p, e) < 0) return -1;
    if (proto_wait_ready(*chan, 60, e) < 0) {
        char why[300];
        last_line(log, why, sizeof(why));
        return why[0] ? err_wrap(e, "%s failed: %s", argv[0], why)
                      : err_wrap(e, "%s failed (it said nothing: %s)", argv[0], log);
    }
    ctx->info.startup_s = util_now() - t0;
    return 0;
}

int env_fit_mem_limit(const struct spec *sp, const struct env_needs *n, struct err *e)
{
    const char *v = kv_get(&sp->kv, "mem");
    uint64_t b;
    if (!v || util_parse_size(v, &b, NULL) < 0) return 0; /* check() reports a bad size */
    if (b < n->mem_bytes)
        return err_set(e, ERR_USAGE,
                       "%s: mem=%s is too small: the workloads need %llu MiB (they would be "
                       "OOM-killed)",
                       sp->text, v, (unsigned long long)((n->mem_bytes + (1u << 20) - 1) >> 20));
    if (n->host->mem_total && b > n->host->mem_total)
        return err_set(e, ERR_USAGE, "%s: mem=%s exceeds the host's %llu MiB of RAM", sp->text, v,
                       (unsigned long long)(n->host->mem_total >> 20));
    return 0;
}
