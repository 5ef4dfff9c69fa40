#include "core/agent.h"

#include <errno.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

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
        cg[sizeof(l->v[0].val) - 1] = '\0';
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
    } else {
        struct wl_ctx ctx = {.size = j->size,
                             .opts = &j->opts,
                             .ncpus = util_ncpus(),
                             .role = j->role,
                             .addr = j->addr,
                             .port = j->port,
                             .datadir = j->data};
        rep->ok = workload_check_opts(w, &j->opts, &rep->err) == 0 &&
                  w->run(&ctx, &rep->res, &rep->err) == 0;
    }
    agent_where(&rep->res.facts);
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

static void serve_forward(int sig)
{
    if (serve_child > 0) kill(serve_child, sig);
}

/* Waits for pid, reaping any other child on the way (pid 1's duty). */
static int serve_wait(pid_t pid)
{
    int st;
    for (;;) {
        pid_t w = waitpid(-1, &st, 0);
        if (w == pid) return st;
        if (w < 0 && errno != EINTR) return -1;
    }
}

int agent_serve_loop(int fd, struct err *e)
{
    return agent_serve_io(fd, fd, e);
}

int agent_serve_io(int rfd, int wfd, struct err *e)
{
    struct sigaction sa = {0};
    sa.sa_handler = serve_forward;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char *req cleanup_free = malloc(PROTO_MAX);
    char *out cleanup_free = malloc(PROTO_MAX);
    if (!req || !out) return err_set(e, ERR_FAIL, "agent: out of memory");
    if (proto_send(wfd, "ready", e) < 0) return -1;
    for (;;) {
        struct err re = {0};
        if (proto_recv(rfd, req, PROTO_MAX, 0, &re) < 0) return 0; /* EOF: the run is over */
        pid_t pid = fork();
        if (pid < 0) return err_set(e, ERR_FAIL, "agent: fork: %s", strerror(errno));
        if (pid == 0) {
            struct err ce = {0};
            if (agent_handle(req, out, PROTO_MAX, &ce) < 0 || proto_send(wfd, out, &ce) < 0)
                _exit(1);
            _exit(0);
        }
        serve_child = pid;
        int st = serve_wait(pid);
        serve_child = 0;
        if (st != 0) { /* the job died before replying */
            struct reply *rep = calloc(1, sizeof(*rep));
            if (!rep) return err_set(e, ERR_FAIL, "agent: out of memory");
            err_set(&rep->err, ERR_FAIL, "agent: the job process %s %d",
                    WIFSIGNALED(st) ? "was killed by signal" : "exited with",
                    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            agent_where(&rep->res.facts);
            int rc = proto_encode_reply(rep, out, PROTO_MAX, e);
            free(rep);
            if (rc < 0 || proto_send(wfd, out, e) < 0) return -1;
        }
    }
}
