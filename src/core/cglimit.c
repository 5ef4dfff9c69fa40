/* cglimit.c - see cglimit.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cglimit.h"
#include "core/util.h"

/* The quota in one cgroup directory: 1 and *cpus set, 0 when it has none
 * ("max" / -1), -1 when the file is there but not what the kernel writes.
 * v2 reads cpu.max "QUOTA PERIOD"; v1 the two cfs files. */
static int quota_in(const char *dir, int v2, double *cpus, char *file, size_t len, struct err *e)
{
    char buf[128];
    long long q = -1, per = 0;
    if (v2) {
        if (snprintf(file, len, "%s/cpu.max", dir) >= (int)len)
            return err_set(e, ERR_FAIL, "cgroup path too long: %s", dir);
        if (util_read_file(file, buf, sizeof(buf)) < 0) return 0; /* no cpu controller here */
        if (!strncmp(buf, "max", 3)) return 0;
        if (sscanf(buf, "%lld %lld", &q, &per) != 2 || q <= 0 || per <= 0)
            return err_set(e, ERR_FAIL, "%s: unexpected '%.40s'", file, buf);
    } else {
        char pf[600];
        if (snprintf(file, len, "%s/cpu.cfs_quota_us", dir) >= (int)len ||
            snprintf(pf, sizeof(pf), "%s/cpu.cfs_period_us", dir) >= (int)sizeof(pf))
            return err_set(e, ERR_FAIL, "cgroup path too long: %s", dir);
        if (util_read_file(file, buf, sizeof(buf)) < 0) return 0;
        if (sscanf(buf, "%lld", &q) != 1)
            return err_set(e, ERR_FAIL, "%s: unexpected '%.40s'", file, buf);
        if (q < 0) return 0;
        if (util_read_file(pf, buf, sizeof(buf)) < 0 || sscanf(buf, "%lld", &per) != 1 ||
            per <= 0 || q == 0)
            return err_set(e, ERR_FAIL, "%s: unreadable or zero next to quota %lld", pf, q);
    }
    *cpus = (double)q / (double)per;
    return 1;
}

/* The hierarchy directory of the CPU controller and the process's path in
 * it, from one /proc/PID/cgroup line ("0::/p" v2, "N:cpu,cpuacct:/p" v1):
 * 1 when the line is the CPU controller's and its directory exists. */
static int cpu_hierarchy(const char *line, const char *root, char *dir, size_t len, int *v2,
                         const char **path)
{
    const char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) return 0;
    size_t nctl = (size_t)(c2 - c1 - 1);
    char ctl[128];
    if (nctl >= sizeof(ctl)) return 0;
    memcpy(ctl, c1 + 1, nctl);
    ctl[nctl] = '\0';
    *path = c2 + 1;
    struct stat st;
    if (nctl == 0) { /* v2: the unified hierarchy at root (pure v2) */
        *v2 = 1;
        char f[600];
        snprintf(f, sizeof(f), "%s/cgroup.controllers", root);
        if (snprintf(dir, len, "%s", root) >= (int)len || stat(f, &st) < 0) return 0;
        return 1;
    }
    int has_cpu = 0;
    char *save = NULL;
    for (char *t = strtok_r(ctl, ",", &save); t; t = strtok_r(NULL, ",", &save))
        has_cpu |= !strcmp(t, "cpu");
    if (!has_cpu) return 0;
    *v2 = 0;
    const char *names[] = {"cpu,cpuacct", "cpu", "cpuacct,cpu"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (snprintf(dir, len, "%s/%s", root, names[k]) < (int)len && stat(dir, &st) == 0 &&
            S_ISDIR(st.st_mode))
            return 1;
    return 0;
}

int cg_cpu_limit(const char *proc_cgroup, const char *root, double *cpus, char *where, size_t len,
                 struct err *e)
{
    *cpus = 0;
    char *text cleanup_free = strdup(proc_cgroup);
    if (!text) return err_set(e, ERR_FAIL, "out of memory");
    int found = CG_NOVIEW, v1_seen = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && found == CG_NOVIEW;
         l = strtok_r(NULL, "\n", &save)) {
        char dir[512], file[700];
        const char *path;
        int v2;
        if (!cpu_hierarchy(l, root, dir, sizeof(dir), &v2, &path)) continue;
        if (v2 && v1_seen) continue; /* hybrid: the v1 cpu controller holds the quota */
        v1_seen |= !v2;
        found = CG_NOLIMIT;
        /* from the process's own cgroup up to the view's root */
        char p[512];
        if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
            return err_set(e, ERR_FAIL, "cgroup path too long: %.60s", path);
        for (;;) {
            char d[1100];
            double q = 0;
            if (snprintf(d, sizeof(d), "%s%s", dir, strcmp(p, "/") ? p : "") >= (int)sizeof(d))
                return err_set(e, ERR_FAIL, "cgroup path too long: %s", p);
            int r = quota_in(d, v2, &q, file, sizeof(file), e);
            if (r < 0) return -1;
            if (r == 1 && (found != CG_LIMIT || q < *cpus)) {
                found = CG_LIMIT;
                *cpus = q;
                if (snprintf(where, len, "%s", file) >= (int)len)
                    return err_set(e, ERR_FAIL, "cgroup file name too long: %s", file);
            }
            char *slash = strrchr(p, '/');
            if (!slash || slash == p) {
                if (!strcmp(p, "/") || !p[0]) break;
                strcpy(p, "/");
                continue;
            }
            *slash = '\0';
        }
        if (found == CG_NOLIMIT && snprintf(where, len, "%s", dir) >= (int)len)
            return err_set(e, ERR_FAIL, "cgroup dir name too long: %s", dir);
    }
    if (found == CG_NOVIEW &&
        snprintf(where, len, "no cgroup view with a cpu controller under %s", root) >= (int)len)
        return err_set(e, ERR_FAIL, "where: buffer too short");
    return found;
}

int cg_cpus_for(int ncpus, double cpus)
{
    if (ncpus < 1) ncpus = 1;
    if (cpus <= 0) return ncpus;
    double c = ceil(cpus - 1e-9);
    return c < 1 ? 1 : c < ncpus ? (int)c : ncpus;
}
