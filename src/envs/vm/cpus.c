#include "envs/vm/cpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct cpu_at {
    int cpu, pkg, core;
};

static int by_place(const void *a, const void *b)
{
    const struct cpu_at *x = a, *y = b;
    if (x->pkg != y->pkg) return x->pkg < y->pkg ? -1 : 1;
    if (x->core != y->core) return x->core < y->core ? -1 : 1;
    return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

/* The shape of places[] sorted by place: sockets, cores of the first
 * socket, threads of its first core, and whether all agree. */
static void shape_of(const struct cpu_at *at, int n, struct host_cpus *h)
{
    int sockets = 0, cores = 0, threads = 0, uniform = 1, c_in_s = 0, t_in_c = 0;
    for (int i = 0; i < n; i++) {
        int new_s = i == 0 || at[i].pkg != at[i - 1].pkg;
        int new_c = new_s || at[i].core != at[i - 1].core;
        if (new_c && i > 0) { /* the core before ended */
            if (!threads) threads = t_in_c;
            uniform &= t_in_c == threads;
        }
        if (new_s && i > 0) {
            if (!cores) cores = c_in_s;
            uniform &= c_in_s == cores;
        }
        sockets += new_s;
        c_in_s = new_s ? 1 : c_in_s + new_c;
        t_in_c = new_c ? 1 : t_in_c + 1;
        h->cpu[i] = at[i].cpu;
    }
    if (!threads) threads = t_in_c;
    uniform &= t_in_c == threads;
    if (!cores) cores = c_in_s;
    uniform &= c_in_s == cores;
    h->n = n;
    h->shape = (struct cpu_shape){sockets, cores, threads};
    h->uniform = uniform && n == sockets * cores * threads;
}

void cpus_synth(int sockets, int cores, int threads, struct host_cpus *h)
{
    static struct cpu_at at[CPUS_MAX];
    int n = 0;
    for (int t = 0; t < threads; t++)
        for (int s = 0; s < sockets; s++)
            for (int c = 0; c < cores && n < CPUS_MAX; c++)
                at[n++] = (struct cpu_at){t * sockets * cores + s * cores + c, s, c};
    qsort(at, (size_t)n, sizeof(at[0]), by_place);
    shape_of(at, n, h);
}

/* One integer from root/cpuN/topology/name; -1 when unreadable. */
static int topo_int(const char *root, int cpu, const char *name)
{
    char path[512], buf[32] = "";
    snprintf(path, sizeof(path), "%s/cpu%d/topology/%s", root, cpu, name);
    return util_read_file(path, buf, sizeof(buf)) == 0 && buf[0] ? atoi(buf) : -1;
}

int cpus_read(const char *root, struct host_cpus *h, struct err *e)
{
    char path[512], list[4096] = "";
    snprintf(path, sizeof(path), "%s/online", root);
    if (util_read_file(path, list, sizeof(list)) < 0 || !list[0])
        return err_set(e, ERR_FAIL, "cannot read %s", path);
    struct cpu_at *at = malloc(sizeof(*at) * CPUS_MAX);
    if (!at) return err_set(e, ERR_FAIL, "out of memory");
    int n = 0;
    for (char *p = list; *p && *p != '\n' && n < CPUS_MAX;) { /* "0-3,8,10-11" */
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p) break;
        if (*end == '-') hi = strtol(end + 1, &end, 10);
        for (long c = lo; c <= hi && n < CPUS_MAX; c++) {
            int pkg = topo_int(root, (int)c, "physical_package_id");
            int core = topo_int(root, (int)c, "core_id");
            at[n++] = (struct cpu_at){(int)c, pkg < 0 ? 0 : pkg, core < 0 ? (int)c : core};
        }
        p = *end == ',' ? end + 1 : end;
    }
    if (n == 0) {
        free(at);
        return err_set(e, ERR_FAIL, "%s lists no CPU", path);
    }
    qsort(at, (size_t)n, sizeof(at[0]), by_place);
    shape_of(at, n, h);
    free(at);
    return 0;
}

/* The tuned guest's shape for n vCPUs on h: the host's when n is all of
 * it; whole host cores of the first sockets when n fills them; else one
 * socket of n single-thread cores (why says so). */
static struct cpu_shape tuned_shape(const struct host_cpus *h, int n, char *why, size_t len)
{
    const struct cpu_shape hs = h->shape;
    if (!h->uniform) {
        snprintf(why, len, "host topology not uniform: 1 socket x %d cores", n);
        return (struct cpu_shape){1, n, 1};
    }
    if (n == h->n) return hs;
    if (n < h->n && n % hs.threads == 0) {
        int cores = n / hs.threads;
        if (cores <= hs.cores) return (struct cpu_shape){1, cores, hs.threads};
        if (cores % hs.cores == 0)
            return (struct cpu_shape){cores / hs.cores, hs.cores, hs.threads};
    }
    snprintf(why, len, "%d vCPUs do not fill whole host %s: 1 socket x %d cores", n,
             n > h->n ? "CPUs" : "cores", n);
    return (struct cpu_shape){1, n, 1};
}

int vm_cpus_plan(const struct host_cpus *h, int n, int tuned, int kvm, struct vm_cpus *p,
                 struct err *e)
{
    memset(p, 0, sizeof(*p));
    if (n < 1 || n > CPUS_MAX) return err_set(e, ERR_USAGE, "%d vCPUs: 1 to %d", n, CPUS_MAX);
    p->n = n;
    char why[120] = "";
    if (!tuned) {
        p->shape = (struct cpu_shape){n, 1, 1};
        snprintf(p->model, sizeof(p->model), "qemu64");
        for (int i = 0; i < n; i++)
            p->pin[i] = -1;
    } else {
        p->shape = tuned_shape(h, n, why, sizeof(why));
        snprintf(p->model, sizeof(p->model), "%s", kvm ? "host" : "max");
        for (int i = 0; i < n; i++) /* QEMU's index order: socket, core, thread */
            p->pin[i] = h->cpu[i % h->n];
    }
    snprintf(p->smp, sizeof(p->smp), "%d,sockets=%d,cores=%d,threads=%d", n, p->shape.sockets,
             p->shape.cores, p->shape.threads);
    snprintf(p->text, sizeof(p->text), "%d socket%s x %d core%s x %d thread%s, %s%s",
             p->shape.sockets, p->shape.sockets > 1 ? "s" : "", p->shape.cores,
             p->shape.cores > 1 ? "s" : "", p->shape.threads, p->shape.threads > 1 ? "s" : "",
             tuned ? (kvm ? "host CPU model" : "CPU model max") : "CPU model qemu64",
             tuned ? (n > h->n ? ", vCPUs pinned (more than host CPUs)" : ", vCPUs pinned 1:1")
                   : ", not pinned");
    snprintf(p->brief, sizeof(p->brief), "%dx%dx%d %s%s", p->shape.sockets, p->shape.cores,
             p->shape.threads, p->model, tuned ? ", pinned" : "");
    if (tuned && !kvm)
        snprintf(p->not_applied, sizeof(p->not_applied),
                 "TCG: the host CPU model cannot pass through (max instead)%s%s",
                 why[0] ? "; " : "", why);
    else if (why[0])
        snprintf(p->not_applied, sizeof(p->not_applied), "%s", why);
    return 0;
}
