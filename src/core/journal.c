#include "core/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/swap.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"

const char *journal_root(void)
{
    const char *r = getenv("ISOBENCH_RUN_DIR");
    return r && *r ? r : JOURNAL_ROOT_DEFAULT;
}

unsigned long long journal_starttime(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (util_read_file(path, buf, sizeof(buf)) < 0) return 0;
    char *p = strrchr(buf, ')'); /* comm may hold spaces */
    if (!p) return 0;
    unsigned long long v = 0;
    /* after ")": state is field 3; starttime is field 22 */
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " "))
        if (++field == 22) {
            v = strtoull(tok, NULL, 10);
            break;
        }
    return v;
}

int journal_open(struct journal *j, const char *run_id, struct err *e)
{
    j->fd = -1;
    const char *root = journal_root();
    if (mkdir(root, 0700) < 0 && errno != EEXIST)
        return err_sys(e, ERR_USAGE, errno, "cannot create %s", root);
    snprintf(j->dir, sizeof(j->dir), "%s/%s", root, run_id);
    if (mkdir(j->dir, 0700) < 0 && errno != EEXIST)
        return err_sys(e, ERR_USAGE, errno, "cannot create %s", j->dir);
    char path[600];
    snprintf(path, sizeof(path), "%s/journal", j->dir);
    j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (j->fd < 0) return err_sys(e, ERR_FAIL, errno, "cannot create %s", path);
    char owner[64];
    snprintf(owner, sizeof(owner), "%d %llu", (int)getpid(), journal_starttime(getpid()));
    return journal_add(j, "owner", owner, e);
}

int journal_require(const struct journal *j, struct err *e)
{
    if (j && j->fd >= 0) return 0;
    return err_set(e, ERR_USAGE, "no undo journal: %s",
                   j && j->why[0] ? j->why : "the run has none");
}

int journal_add(struct journal *j, const char *type, const char *arg, struct err *e)
{
    char line[1200], check[1200];
    int n = snprintf(line, sizeof(line), "%s %s\n", type, arg);
    if (n < 0 || (size_t)n >= sizeof(line))
        return err_set(e, ERR_FAIL, "journal: entry '%s' too long", type);
    memcpy(check, line, (size_t)n - 1); /* only what journal_parse_line reads back */
    check[n - 1] = '\0';
    const char *t, *a;
    if (journal_parse_line(check, &t, &a) < 0)
        return err_set(e, ERR_FAIL, "journal: malformed entry '%s %.200s'", type, arg);
    if (util_write_all(j->fd, line, (size_t)n) < 0 || fsync(j->fd) < 0)
        return err_sys(e, ERR_FAIL, errno, "journal: write failed");
    return 0;
}

int journal_add_pid(struct journal *j, pid_t pid, struct err *e)
{
    char arg[64];
    snprintf(arg, sizeof(arg), "%d %llu", (int)pid, journal_starttime(pid));
    return journal_add(j, "pid", arg, e);
}

/* Removes a directory tree without following symlinks or crossing mounts. */
/* Empties the directory open at dfd (dev: its device) by fd only:
 * every entry opened with O_NOFOLLOW relative to its parent, so a link or
 * a rename planted meanwhile can never lead the removal out of the tree;
 * a mount point (another device) is never descended. Closes dfd. */
static int rmtree_fd(int dfd, dev_t dev, int depth)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -1;
    }
    int rc = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (unlinkat(dfd, de->d_name, 0) == 0 || errno == ENOENT) continue;
        if (errno != EISDIR && errno != EPERM) {
            rc = -1;
            continue;
        }
        int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (sub < 0 || fstat(sub, &st) < 0 || st.st_dev != dev || depth > 256) {
            if (sub >= 0) close(sub);
            rc = -1; /* a mount point, or too deep: never descend */
            continue;
        }
        if (rmtree_fd(sub, dev, depth + 1) < 0) rc = -1;
        if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) rc = -1;
    }
    closedir(d);
    return rc;
}

int journal_rmtree(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        if (errno != ENOTDIR && errno != ELOOP) return -1;
        return unlink(path) < 0 && errno != ENOENT ? -1 : 0; /* a file or a link itself */
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    int rc = rmtree_fd(fd, st.st_dev, 0);
    if (rmdir(path) < 0 && errno != ENOENT) rc = -1;
    return rc;
}

/* 1 if pid is the process that started at start and is not a zombie (a
 * zombie whose parent died may wait long for its new parent to reap it). */
static int proc_alive(pid_t pid, unsigned long long start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (util_read_file(path, buf, sizeof(buf)) < 0) return 0;
    const char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X') return 0;
    return journal_starttime(pid) == start;
}

static int undo_pid(const char *arg)
{
    int pid;
    unsigned long long start;
    if (sscanf(arg, "%d %llu", &pid, &start) != 2 || pid <= 1) return -1;
    if (!proc_alive(pid, start)) return 0; /* gone, or the pid was reused */
    kill(pid, SIGKILL);
    for (int i = 0; i < 400 && proc_alive(pid, start); i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) break;
        usleep(5000);
    }
    return proc_alive(pid, start) ? -1 : 0;
}

/* Kills whatever is left in a cgroup, then removes it. */
static int undo_cgroup_depth(const char *path, int depth)
{
    char procs[600];
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
    /* nested cgroups first, depth-first: a runtime's own below the run's
     * (lxc.monitor.*, lxc.payload.* under lxc.cgroup.dir), which a killed
     * runtime leaves with processes still in them */
    DIR *d = depth < 16 ? opendir(path) : NULL;
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.') continue;
        char sub[1200];
        if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < (int)sizeof(sub))
            undo_cgroup_depth(sub, depth + 1);
    }
    if (d) closedir(d);
    /* up to ~10 s: a SIGKILLed QEMU with a gigabyte of guest RAM can take
     * seconds to leave its cgroup on a loaded host */
    for (int tries = 0; tries < 500; tries++) {
        if (rmdir(path) == 0 || errno == ENOENT) return 0;
        FILE *f = fopen(procs, "re");
        if (f) {
            int pid;
            while (fscanf(f, "%d", &pid) == 1)
                kill(pid, SIGKILL);
            fclose(f);
        }
        usleep(tries < 100 ? 10000 : 20000);
    }
    return -1;
}

static int undo_cgroup(const char *path)
{
    return undo_cgroup_depth(path, 0);
}

/* Turns a swap file off (it may never have been on), then removes it. */
static int undo_swap(const char *path)
{
    if (swapoff(path) < 0 && errno != EINVAL && errno != ENOENT) return -1;
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static const struct journal_undo *undo_ext;

void journal_set_undo(const struct journal_undo *table)
{
    undo_ext = table;
}

int journal_parse_line(char *line, const char **type, const char **arg)
{
    static const char *const paths[] = {"dir", "rmtree", "file", "mount", "cgroup", "swap"};
    char *sp = strchr(line, ' ');
    if (!sp || sp == line ||
        strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_-") != (size_t)(sp - line))
        return -1;
    *sp = '\0';
    *type = line;
    *arg = sp + 1;
    if (!**arg) return -1;
    for (const unsigned char *p = (const unsigned char *)*arg; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return -1;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (!strcmp(*type, paths[i]) && (*arg)[0] != '/') return -1;
    return 0;
}

static int undo_line(char *line)
{
    const char *type, *arg;
    if (!line[0]) return 0; /* an empty line: nothing was journaled there */
    if (journal_parse_line(line, &type, &arg) < 0) return -1;
    if (!strcmp(type, "owner")) return 0;
    if (!strcmp(type, "pid")) return undo_pid(arg);
    if (!strcmp(type, "cgroup")) return undo_cgroup(arg);
    if (!strcmp(type, "dir")) return rmdir(arg) < 0 && errno != ENOENT ? -1 : 0;
    if (!strcmp(type, "rmtree")) return journal_rmtree(arg);
    if (!strcmp(type, "file")) return unlink(arg) < 0 && errno != ENOENT ? -1 : 0;
    if (!strcmp(type, "swap")) return undo_swap(arg);
    if (!strcmp(type, "mount"))
        return umount2(arg, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT ? -1 : 0;
    for (const struct journal_undo *u = undo_ext; u && u->type; u++)
        if (!strcmp(type, u->type)) return u->fn(arg);
    return -1;
}

/* Unwinds the journal in dir (whoever owns it). Returns the number of
 * steps that failed; the first (type and argument) goes to first[n]. */
static int unwind_dir(const char *dir, char *first, size_t firstn)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/journal", dir);
    FILE *f = fopen(path, "re");
    int failed = 0;
    if (f) {
        char **lines = NULL, *buf = NULL;
        size_t n = 0, cap = 0;
        ssize_t got;
        /* whole lines, however long: a line cut in two would be two steps */
        while ((got = getline(&buf, &cap, f)) >= 0) {
            if (got > 0 && buf[got - 1] == '\n') buf[got - 1] = '\0';
            char **nl = realloc(lines, sizeof(*lines) * (n + 1));
            if (!nl) {
                failed++; /* the rest is not undone: keep the journal */
                break;
            }
            lines = nl;
            lines[n++] = strdup(buf);
        }
        free(buf);
        fclose(f);
        for (size_t i = n; i-- > 0;) {
            if (!lines[i]) {
                failed++;
            } else {
                char step[300];
                snprintf(step, sizeof(step), "%s", lines[i]);
                if (undo_line(lines[i]) < 0 && failed++ == 0 && first)
                    snprintf(first, firstn, "%s", step);
            }
            free(lines[i]);
        }
        free(lines);
    }
    if (failed == 0) {
        unlink(path);
        journal_rmtree(dir);
    }
    return failed;
}

int journal_unwind(struct journal *j)
{
    if (j->fd >= 0) close(j->fd);
    j->fd = -1;
    if (!j->dir[0]) return 0;
    int failed = unwind_dir(j->dir, NULL, 0);
    j->dir[0] = '\0';
    return failed;
}

int journal_cleanup_dead(int *cleaned, int *live, struct err *e)
{
    *cleaned = *live = 0;
    const char *root = journal_root();
    DIR *d = opendir(root);
    if (!d) return errno == ENOENT ? 0 : err_sys(e, ERR_FAIL, errno, "%s", root);
    struct dirent *de;
    int failed = 0;
    char first[300] = "";
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char dir[600], path[700], buf[128];
        snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
        snprintf(path, sizeof(path), "%s/journal", dir);
        int pid = 0;
        unsigned long long start = 0;
        if (util_read_file(path, buf, sizeof(buf)) < 0 ||
            sscanf(buf, "owner %d %llu", &pid, &start) != 2)
            continue; /* not a journal of ours: never touch it */
        if (pid > 0 && pid != getpid() && start != 0 && proc_alive(pid, start)) {
            (*live)++;
            continue;
        }
        failed += unwind_dir(dir, first[0] ? NULL : first, sizeof(first));
        (*cleaned)++;
    }
    closedir(d);
    if (failed)
        return err_set(e, ERR_FAIL,
                       "cleanup: %d undo step(s) failed, first: %s (its journal is kept)", failed,
                       first);
    return 0;
}
