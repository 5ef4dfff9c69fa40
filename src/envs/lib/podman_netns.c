/* podman_netns - the undo of "podman-netns": network namespaces podman's
 * netavark made for a container and that nothing owns any more. A `podman
 * run` SIGKILLed between netavark's setup and the container's record of
 * it leaves /run/netns/netns-<uuid> behind, which `podman rm` does not
 * know about (seen in the kill drills: one in ten rounds, and 28 on this
 * host from earlier runs). The journal entry, written before `podman run`,
 * holds the time; its undo removes a netns-<uuid> only when all of these
 * hold: made at or after that time, no process in it, and no podman
 * container (of anyone) naming it as its sandbox. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/proc.h"
#include "envs/undo.h"

#define NETNS_DIR "/run/netns"

/* 1 when some process's network namespace is the one of inode ino. */
static int netns_in_use(ino_t ino, dev_t dev)
{
    DIR *d = opendir("/proc");
    if (!d) return 1; /* cannot tell: keep it */
    int used = 0;
    for (struct dirent *de; !used && (de = readdir(d));) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9') continue;
        char path[300];
        struct stat st;
        snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
        if (stat(path, &st) == 0 && st.st_ino == ino && st.st_dev == dev) used = 1;
    }
    closedir(d);
    return used;
}

/* The sandboxes (netns paths) every podman container names, newline
 * separated, into out; -1 when podman could not say (keep everything). */
static int podman_sandboxes(char *out, size_t cap)
{
    char ids[8192] = "";
    int trunc = 0;
    char *const ps[] = {"/usr/bin/podman", "ps", "-aq", "--no-trunc", NULL};
    if (proc_run(ps, NULL, ids, sizeof(ids), &trunc, NULL) != 0 || trunc) return -1;
    out[0] = '\0';
    if (strspn(ids, " \n") == strlen(ids)) return 0; /* no container at all */
    char *argv[260] = {"/usr/bin/podman", "inspect", "--format", "{{.NetworkSettings.SandboxKey}}"};
    int n = 4;
    char *save = NULL;
    for (char *id = strtok_r(ids, "\n", &save); id && n < 258; id = strtok_r(NULL, "\n", &save))
        argv[n++] = id;
    if (n == 258) return -1;
    argv[n] = NULL;
    return proc_run(argv, NULL, out, cap, &trunc, NULL) != 0 || trunc ? -1 : 0;
}

int podman_undo_netns(const char *arg)
{
    double since = atof(arg);
    DIR *d = opendir(NETNS_DIR);
    if (!d) return 0; /* none at all */
    char *used = malloc(64 * 1024);
    int rc = used ? 0 : -1, known = -1;
    for (struct dirent *de; rc == 0 && (de = readdir(d));) {
        if (strncmp(de->d_name, "netns-", 6) != 0) continue;
        char path[300];
        struct stat st;
        snprintf(path, sizeof(path), NETNS_DIR "/%s", de->d_name);
        if (stat(path, &st) < 0 || (double)st.st_mtime + 1 < since) continue; /* older */
        if (netns_in_use(st.st_ino, st.st_dev)) continue;
        if (known < 0) known = podman_sandboxes(used, 64 * 1024) == 0;
        if (!known) break;                /* podman cannot say what it still uses: keep them all */
        if (strstr(used, path)) continue; /* a container of podman's still names it */
        /* podman's own cleanup may be removing it at this very moment
         * (EINVAL: unmounted already, ENOENT: gone): only one still there
         * after a failure counts as one */
        int um = umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT;
        int ul = unlink(path) < 0 && errno != ENOENT;
        if ((um || ul) && access(path, F_OK) == 0) rc = -1;
    }
    closedir(d);
    free(used);
    return rc;
}
