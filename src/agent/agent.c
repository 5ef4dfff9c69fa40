#include "agent/agent.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <ifaddrs.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/bigmem.h"
#include "core/sandbox.h"
#include "workloads/workload.h"

void agent_where(struct kvlist *l)
{
    static const char *const ns[] = {"pid", "net", "mnt", "uts", "ipc", "cgroup", "user"};
    char path[64], buf[256];
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n <= 0) continue;
        buf[n] = '\0';
        char key[32];
        snprintf(key, sizeof(key), "ns.%s", ns[i]);
        kv_set(l, key, buf, NULL);
    }
    char cg[1024];
    if (util_read_file("/proc/self/cgroup", cg, sizeof(cg)) == 0) {
        for (char *p = cg; *p; p++)
            if (*p == '\n') *p = ';';
        size_t room = sizeof(l->v[0].val);
        if (strlen(cg) >= room) /* cut, and marked as cut */
            snprintf(cg + room - 8, 8, "...cut");
        kv_set(l, "cgroup", cg, NULL);
    }
    if (gethostname(buf, sizeof(buf)) == 0) kv_set(l, "hostname", buf, NULL);
    snprintf(buf, sizeof(buf), "%d", util_ncpus());
    kv_set(l, "cpus", buf, NULL);
    struct utsname u;
    if (uname(&u) == 0) kv_set(l, "kernel", u.release, NULL);
    /* whose ids root has: "0 0 4294967295" on the host, "0 100000 65536" in
     * a container with userns=on */
    char map[128] = "";
    if (util_read_file("/proc/self/uid_map", map, sizeof(map)) == 0) {
        char a[24], b[24], c[24];
        if (sscanf(map, "%23s %23s %23s", a, b, c) == 3) {
            snprintf(map, sizeof(map), "%s %s %s", a, b, c);
            kv_set(l, "uid_map", map, NULL);
        }
    }
    /* the userland: an image isobench built names itself here */
    char img[64] = "";
    if (util_read_file("/etc/isobench-image", img, sizeof(img)) == 0 && img[0]) {
        img[strcspn(img, "\n")] = '\0';
        kv_set(l, "image", img, NULL);
    }
    util_tuning_env(l); /* every environment must agree on these */
    /* pages=huge gets huge pages only where THP is madvise or always */
    char thp[32];
    bigmem_thp_mode(thp, sizeof(thp));
    kv_set(l, "thp", thp, NULL);
    struct ifaddrs *ifs;
    if (getifaddrs(&ifs) == 0) {
        char addrs[256] = "";
        for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, a,
                      sizeof(a));
            size_t off = strlen(addrs);
            snprintf(addrs + off, sizeof(addrs) - off, "%s%s=%s", off ? "," : "", i->ifa_name, a);
        }
        freeifaddrs(ifs);
        kv_set(l, "ipv4", addrs, NULL);
    }
    snprintf(buf, sizeof(buf), "%d", (int)getpid());
    kv_set(l, "pid", buf, NULL);
    sandbox_probe(l); /* the confinement this agent runs under, seen from inside */
}

void agent_run_job(const struct job *j, struct reply *rep)
{
    memset(rep, 0, sizeof(*rep));
    const struct workload *w = workload_find(j->workload);
    const char *why;
    if (!w) {
        err_set(&rep->err, ERR_USAGE, "agent: unknown workload '%s'", j->workload);
    } else if (!j->role[0] && w->unavailable && (why = w->unavailable())) {
        /* (a half of a pair needs only its own half's programs, which the
         * host checked for both and the workload checks where it runs: the
         * server's environment need not have the client's tools) */
        err_set(&rep->err, ERR_USAGE, "%s is unavailable here: %s", w->name, why);
    } else if (j->role[0] && getenv("ISOBENCH_FAILPOINT") &&
               strcmp(getenv("ISOBENCH_FAILPOINT"), j->role) == 0) {
        /* test hook: this half of a pair fails at once (tests/priv/apps.sh
         * checks that the runner then ends the other half in seconds) */
        err_set(&rep->err, ERR_FAIL, "%s half failed on request (ISOBENCH_FAILPOINT=%s)", j->role,
                j->role);
    } else {
        struct wl_vals vals; /* the job's options typed once, for its whole run */
        struct wl_ctx ctx = {.size = j->size,
                             .opts = &j->opts,
                             .ncpus = util_ncpus(),
                             .role = j->role,
                             .addr = j->addr,
                             .port = j->port,
                             .datadir = j->data,
                             .hostcpu = j->hostcpu,
                             .secret = j->secret};
        /* a network workload's halves by the job's role, anything else run() */
        int (*fn)(const struct wl_ctx *, struct result *, struct err *) =
            !w->net                      ? w->run
            : !strcmp(j->role, "server") ? w->server
            : !strcmp(j->role, "client") ? w->client
                                         : NULL;
        if (!fn || (w->net && !j->port))
            err_set(&rep->err, ERR_USAGE,
                    "%s runs as a server/client pair (started by isobench run)", w->name);
        else
            rep->ok = workload_load(w, &ctx, &vals, &rep->err) == 0 &&
                      fn(&ctx, &rep->res, &rep->err) == 0;
    }
    agent_where(&rep->res.facts);
    if (rep->ok && kv_require_all(&rep->res.facts, j->workload, &rep->err) < 0) rep->ok = 0;
}

int agent_handle(const char *request, char *out, size_t cap, struct err *e)
{
    struct job *j = calloc(1, sizeof(*j));
    struct reply *rep = calloc(1, sizeof(*rep));
    int rc = -1;
    if (!j || !rep) {
        err_set(e, ERR_FAIL, "agent: out of memory");
    } else {
        if (proto_decode_job(request, j, &rep->err) < 0) {
            rep->ok = 0;
            agent_where(&rep->res.facts);
        } else {
            agent_run_job(j, rep);
        }
        rc = proto_encode_reply(rep, out, cap, e);
        if (rc < 0) { /* a reply the protocol cannot carry: an error reply that says why */
            struct err why = *e;
            memset(rep, 0, sizeof(*rep));
            rep->err = why;
            err_wrap(&rep->err, "agent: %s's reply", j->workload);
            rc = proto_encode_reply(rep, out, cap, e);
        }
    }
    free(j);
    free(rep);
    return rc;
}

int agent_serve_fd(int fd, struct err *e)
{
    char *req cleanup_free = malloc(PROTO_MAX);
    char *out cleanup_free = malloc(PROTO_MAX);
    if (!req || !out) return err_set(e, ERR_FAIL, "agent: out of memory");
    if (proto_recv(fd, req, PROTO_MAX, 0, e) < 0) return -1;
    if (agent_handle(req, out, PROTO_MAX, e) < 0) return -1;
    return proto_send(fd, out, e);
}

static volatile pid_t serve_child;
static int chld_pipe[2] = {-1, -1}; /* SIGCHLD wakes the wait below */

static void serve_forward(int sig)
{
    if (serve_child > 0) kill(serve_child, sig);
}

static void serve_chld(int sig)
{
    (void)sig;
    int saved = errno;
    if (chld_pipe[1] >= 0 && write(chld_pipe[1], "c", 1) < 0) {
    }
    errno = saved;
}

/* Who answers the current job: *claim goes from 0 (nobody yet) to 1 (the
 * job process, about to send its reply) or 2 (the serve loop: cancelled),
 * whichever comes first; the loser stays quiet, so exactly one reply goes
 * out per job. */
static int claim_for(int *claim, int who)
{
    int none = 0;
    return __atomic_compare_exchange_n(claim, &none, who, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Waits for the job child pid, reaping any other child on the way (pid 1's
 * duty), while listening on rfd: a "cancel" frame — or EOF, the runner is
 * gone (*gone set) — ends the job (SIGTERM, SIGKILL 5 s later) unless the
 * job has claimed the reply already (then the cancel came too late and is
 * ignored). Once the job has claimed the reply, rfd is no longer read: the
 * runner may send its next request before the job process is reaped.
 * Returns the child's wait status, -1 if it vanished. */

static int serve_wait_job(pid_t pid, int rfd, int *claim, int *gone)
{
    int listening = 1;
    double kill_at = 0;
    for (;;) {
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
            if (w == pid) return st;
        if (w < 0 && errno == ECHILD) return -1;
        if (kill_at > 0 && util_now() >= kill_at) {
            kill(pid, SIGKILL);
            kill_at = 0;
        }
        struct pollfd p[2] = {{.fd = chld_pipe[0], .events = POLLIN},
                              {.fd = listening ? rfd : -1, .events = POLLIN}};
        int ms = kill_at > 0 ? (int)((kill_at - util_now()) * 1000) + 1 : -1;
        if (poll(p, 2, ms) <= 0) continue;
        char drain[64];
        if (p[0].revents && read(chld_pipe[0], drain, sizeof(drain)) < 0) {
        }
        if (!p[1].revents) continue;
        if (__atomic_load_n(claim, __ATOMIC_SEQ_CST) == 1) {
            /* the job has answered, so this is the runner's next request,
             * sent before the job process was reaped (an ASan child's exit
             * takes long enough): leave it to the serve loop */
            listening = 0;
            continue;
        }
        char msg[32];
        struct err re = {0};
        int eof = proto_recv(rfd, msg, sizeof(msg), 5, &re) < 0;
        if (eof) listening = 0, *gone = 1; /* a dead or out-of-step channel */
        if ((eof || proto_is_cancel(msg)) && claim_for(claim, 2)) {
            kill(pid, SIGTERM); /* its servers die with it (PR_SET_PDEATHSIG) */
            kill_at = util_now() + 5;
        }
    }
}

int agent_serve_loop(int fd, struct err *e)
{
    return agent_serve_io(fd, fd, e);
}

int agent_serve_io(int rfd, int wfd, struct err *e)
{
    proto_eintr_retry(1); /* SIGCHLD of reaped orphans must not end the loop */
    struct sigaction sa = {0};
    sa.sa_handler = serve_forward;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a runner gone mid-reply: the write fails instead */
    if (chld_pipe[0] < 0 && pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return err_sys(e, ERR_FAIL, errno, "agent: pipe");
    struct sigaction sc = {0};
    sc.sa_handler = serve_chld;
    sc.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sc, NULL);
    /* claim_for()'s word, shared with the job processes */
    int *claim = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (claim == MAP_FAILED) return err_sys(e, ERR_FAIL, errno, "agent: mmap");
    char *req cleanup_free = malloc(PROTO_MAX);
    char *out cleanup_free = malloc(PROTO_MAX);
    if (!req || !out) return err_set(e, ERR_FAIL, "agent: out of memory");
    if (proto_send_ready(wfd, e) < 0) return -1;
    for (;;) {
        struct err re = {0};
        if (proto_recv(rfd, req, PROTO_MAX, 0, &re) < 0) return 0; /* EOF: the run is over */
        if (proto_is_cancel(req)) continue; /* for a job that answered meanwhile */
        int ctl = agent_control(req, wfd, e);
        if (ctl < 0) return -1;
        if (ctl) continue;
        *claim = 0;
        /* a SIGTERM for the job must find it with the default action */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigprocmask(SIG_BLOCK, &block, &old);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            signal(SIGCHLD, SIG_DFL);
            signal(SIGPIPE, SIG_DFL); /* as before: the job and its servers keep the default */
            sigprocmask(SIG_SETMASK, &old, NULL);
            struct err ce = {0};
            if (agent_handle(req, out, PROTO_MAX, &ce) < 0) _exit(1);
            if (!claim_for(claim, 1)) _exit(0); /* cancelled meanwhile: the loop answers */
            int rc = proto_send(wfd, out, &ce) < 0 ? 1 : 0;
            /* test hook: a job process slow to exit after its reply, as an
             * ASan build's is (unit_runner: the next request must wait) */
            const char *d = getenv("ISOBENCH_TEST_EXIT_DELAY_MS");
            if (d) usleep((useconds_t)atoi(d) * 1000);
            _exit(rc);
        }
        serve_child = pid > 0 ? pid : 0;
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (pid < 0) return err_sys(e, ERR_FAIL, errno, "agent: fork");
        int gone = 0;
        int st = serve_wait_job(pid, rfd, claim, &gone);
        serve_child = 0;
        if (gone) return 0; /* the runner closed the channel: nobody to answer */
        const char *why = NULL;
        char died[96];
        if (*claim == 2) {
            why = "cancelled by the runner (the other half of the pair ended first)";
        } else if (*claim == 0 && st != 0) { /* the job died before replying */
            snprintf(died, sizeof(died), "agent: the job process %s %d",
                     WIFSIGNALED(st) ? "was killed by signal" : "exited with",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            why = died;
        }
        if (why) {
            struct reply *rep = calloc(1, sizeof(*rep));
            if (!rep) return err_set(e, ERR_FAIL, "agent: out of memory");
            err_set(&rep->err, ERR_FAIL, "%s", why);
            agent_where(&rep->res.facts);
            int rc = proto_encode_reply(rep, out, PROTO_MAX, e);
            free(rep);
            if (rc < 0 || proto_send(wfd, out, e) < 0) return -1;
        }
    }
}
