#include "envs/lib/peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "envs/ctr/net.h"
#include "envs/ctr/netlink.h"
#include "envs/lib/peerssh.h"

/* Addresses from the run's tag: 10.214.<k>.1 and .2 (a /30 per run). */
static void peer_plan(struct peer *p, const char *run_id, const struct journal *j, uint32_t *host,
                      uint32_t *guest)
{
    net_peer_plan(run_id, p->host_if, host, guest);
    snprintf(p->nspath, sizeof(p->nspath), "%s/peer.net", j->dir);
    struct in_addr a = {.s_addr = *host};
    inet_ntop(AF_INET, &a, p->host_addr, sizeof(p->host_addr));
    a.s_addr = *guest;
    inet_ntop(AF_INET, &a, p->peer_addr, sizeof(p->peer_addr));
}

/* In a child: a new netns, bind-mounted on path so it outlives the child. */
static int peer_make_ns(const char *path, struct err *e)
{
    pid_t pid = fork();
    if (pid < 0) return err_sys(e, ERR_FAIL, errno, "fork");
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) < 0) _exit(1);
        _exit(mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0 ? 2 : 0);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        return err_set(e, ERR_FAIL, "peer netns: %s failed",
                       WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "unshare" : "bind mount");
    return 0;
}

/* In a child inside the peer netns: lo, eth0 and the default route. */
static int peer_configure(const struct peer *p, uint32_t addr, uint32_t gw, struct err *e)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) return err_sys(e, ERR_FAIL, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) return err_sys(e, ERR_FAIL, errno, "fork");
    if (pid == 0) {
        struct err ce = {0};
        close(pfd[0]);
        if (peer_enter(p) < 0)
            err_sys(&ce, ERR_FAIL, errno, "setns");
        else if (net_loopback_up(&ce) == 0 && nl_addr_add("eth0", addr, 30, &ce) == 0 &&
                 nl_link_set("eth0", 1, NULL, &ce) == 0 && nl_route_default("eth0", gw, &ce) == 0)
            _exit(0);
        util_write_all(pfd[1], ce.msg, strlen(ce.msg));
        _exit(1);
    }
    close(pfd[1]);
    char msg[sizeof(e->msg)] = "";
    ssize_t n = read(pfd[0], msg, sizeof(msg) - 1);
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    msg[n > 0 ? n : 0] = '\0';
    return err_set(e, ERR_FAIL, "peer netns: %s", msg[0] ? msg : "configuration failed");
}

int peer_up(struct peer *p, const char *run_id, struct journal *j, struct err *e)
{
    memset(p, 0, sizeof(*p));
    p->nsfd = -1;
    if (!j || j->fd < 0) return err_set(e, ERR_FAIL, "peer netns: no undo journal (root needed)");
    uint32_t host, guest;
    peer_plan(p, run_id, j, &host, &guest);
    if (journal_add(j, "file", p->nspath, e) < 0) return -1;
    int fd = open(p->nspath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "creating %s", p->nspath);
    close(fd);
    if (journal_add(j, "mount", p->nspath, e) < 0 || peer_make_ns(p->nspath, e) < 0) return -1;
    p->nsfd = open(p->nspath, O_RDONLY | O_CLOEXEC);
    if (p->nsfd < 0) return err_sys(e, ERR_FAIL, errno, "open %s", p->nspath);
    if (journal_add(j, "link", p->host_if, e) < 0 ||
        nl_veth_add(p->host_if, "eth0", 0, p->nsfd, e) < 0 ||
        nl_addr_add(p->host_if, host, 30, e) < 0 || nl_link_set(p->host_if, 1, NULL, e) < 0)
        return err_wrap(e, "peer link");
    if (net_peer_guard(run_id, j, e) < 0) return err_wrap(e, "peer link's fence");
    return peer_configure(p, guest, host, e);
}

int peer_enter(const struct peer *p)
{
    return setns(p->nsfd, CLONE_NEWNET);
}

void peer_down(struct peer *p)
{
    if (p->remote) peer_remote_down(p);
    if (p->nsfd >= 0) close(p->nsfd);
    p->nsfd = -1;
}
