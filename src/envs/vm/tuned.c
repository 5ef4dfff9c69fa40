#include "envs/vm/tuned.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/util.h"

static long meminfo(const char *key)
{
    char buf[4096] = "";
    util_read_file("/proc/meminfo", buf, sizeof(buf));
    const char *p = strstr(buf, key);
    return p ? atol(p + strlen(key)) : 0;
}

int vm_hugepages_reserve(uint64_t mb, struct journal *j, struct err *e)
{
    if (meminfo("Hugepagesize:") != 2048)
        return err_set(e, ERR_FAIL, "vm tuned: the default hugepage size is not 2 MiB");
    long need = (long)((mb + 1) / 2), free_pages = meminfo("HugePages_Free:");
    if (free_pages >= need) return 0;
    const char *path = "/proc/sys/vm/nr_hugepages";
    char old[32] = "0", arg[96], val[32];
    util_read_file(path, old, sizeof(old));
    snprintf(arg, sizeof(arg), "%s %s", path, old);
    if (journal_add(j, "sysctl", arg, e) < 0) return -1;
    snprintf(val, sizeof(val), "%ld", atol(old) + need - free_pages);
    FILE *f = fopen(path, "we");
    if (!f || fputs(val, f) < 0 || fclose(f) != 0)
        return err_set(e, ERR_FAIL, "vm tuned: cannot raise %s to %s", path, val);
    if (meminfo("HugePages_Free:") < need)
        return err_set(e, ERR_FAIL, "vm tuned: only %ld of %ld hugepages could be reserved",
                       meminfo("HugePages_Free:"), need);
    return 0;
}

/* Sends cmd (if any) and reads until a line with "return" or "error". */
static int qmp_talk(int fd, const char *cmd, char *buf, size_t len, struct err *e)
{
    if (cmd && util_write_all(fd, cmd, strlen(cmd)) < 0)
        return err_sys(e, ERR_FAIL, errno, "QMP: write");
    size_t got = 0;
    double deadline = util_now() + 10;
    buf[0] = '\0';
    while (util_now() < deadline) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n <= 0) return err_set(e, ERR_FAIL, "QMP: connection closed");
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\"error\"")) return err_set(e, ERR_FAIL, "QMP: %.200s", buf);
        if (strstr(buf, cmd ? "\"return\"" : "\"QMP\"") && strchr(buf, '\n')) return 0;
        if (got + 1 >= len) return err_set(e, ERR_FAIL, "QMP: reply too long");
    }
    return err_set(e, ERR_FAIL, "QMP: no reply");
}

int vm_qmp(const char *qmp, const char *cmd, char *buf, size_t len, struct err *e)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(qmp) >= sizeof(a.sun_path)) return err_set(e, ERR_FAIL, "QMP path too long");
    memcpy(a.sun_path, qmp, strlen(qmp) + 1);
    int fd cleanup_close = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        return err_sys(e, ERR_FAIL, errno, "QMP connect %s", qmp);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (qmp_talk(fd, NULL, buf, len, e) < 0 ||
        qmp_talk(fd, "{\"execute\":\"qmp_capabilities\"}\n", buf, len, e) < 0)
        return -1;
    return qmp_talk(fd, cmd, buf, len, e);
}

int vm_balloon_actual(const char *qmp, uint64_t *bytes, struct err *e)
{
    char buf[4096];
    if (vm_qmp(qmp, "{\"execute\":\"query-balloon\"}\n", buf, sizeof(buf), e) < 0) return -1;
    const char *p = strstr(buf, "\"actual\"");
    if (!p || !(p = strchr(p, ':'))) return err_set(e, ERR_FAIL, "QMP: query-balloon: %.200s", buf);
    *bytes = strtoull(p + 1, NULL, 10);
    return 0;
}

int vm_pin_vcpus(const char *qmp, const int *pin, int npin, char *desc, size_t len, struct err *e)
{
    char *buf cleanup_free = malloc(65536);
    if (!buf) return err_set(e, ERR_FAIL, "out of memory");
    if (vm_qmp(qmp, "{\"execute\":\"query-cpus-fast\"}\n", buf, 65536, e) < 0) return -1;
    int n = 0;
    desc[0] = '\0';
    const char *p = strstr(buf, "\"return\"");
    p = p ? strchr(p, '[') : NULL;
    /* each vCPU is one object at depth 1 of the return array */
    for (int depth = 0; p && *p && *p != ']'; p++) {
        if (*p != '{') continue;
        const char *start = p;
        for (depth = 0; *p; p++) {
            depth += *p == '{';
            depth -= *p == '}';
            if (depth == 0) break;
        }
        char obj[1024];
        snprintf(obj, sizeof(obj), "%.*s", (int)(p - start + 1), start);
        const char *t = strstr(obj, "\"thread-id\""), *c = strstr(obj, "\"cpu-index\"");
        if (!t || !c) return err_set(e, ERR_FAIL, "QMP: a vCPU without thread-id/cpu-index");
        pid_t tid = (pid_t)atoi(strchr(t, ':') + 1);
        int idx = atoi(strchr(c, ':') + 1);
        if (idx < 0 || idx >= npin || pin[idx] < 0 || pin[idx] >= CPU_SETSIZE)
            return err_set(e, ERR_FAIL, "QMP: vCPU %d has no place in the plan", idx);
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(pin[idx], &set);
        if (sched_setaffinity(tid, sizeof(set), &set) < 0)
            return err_set(e, ERR_FAIL, "pinning vCPU %d (thread %d): %s", idx, (int)tid,
                           strerror(errno));
        size_t off = strlen(desc);
        int k = snprintf(desc + off, len - off, "%s%d->%d", off ? "," : "", idx, pin[idx]);
        if (k < 0 || (size_t)k >= len - off)
            return err_set(e, ERR_FAIL, "vm tuned: the pinning's description does not fit");
        n++;
    }
    if (!n) return err_set(e, ERR_FAIL, "QMP: query-cpus-fast listed no vCPU");
    return 0;
}
