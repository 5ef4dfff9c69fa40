/* scenario.c - the tables of scenario runs (the run's "scenario" fact
 * names which). noisy-neighbour: per environment and victim metric, the
 * median alone and, per aggressor, the victim's loss against alone -
 * the median over rounds of the paired change, with its distribution-free
 * interval - plus the host CPU its aggressor tenant used meanwhile, so
 * a stressor that did not stress shows. density: per environment and n-th tenant, the median of
 * each cost over rounds. Like every reporter it uses core only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "report/report.h"

#define SC_MAX_STEPS 16
#define SC_MAX_ROUNDS 1000

/* The values of the points matching (env, wl, tenant, step, metric), in
 * round order into v[] and their rounds into rounds[]; returns the count. */
static int sc_values(const struct run_view *rv, int env, const char *wl, const char *tenant,
                     const char *step, const char *metric, double *v, int *rounds, int max)
{
    int n = 0;
    for (int i = 0; i < rv->npoints && n < max; i++) {
        const struct rv_point *p = &rv->points[i];
        if (p->env != env || strcmp(rv->workloads[p->wl], wl) || strcmp(p->tenant, tenant) ||
            strcmp(p->step, step) || strcmp(p->metric, metric))
            continue;
        v[n] = p->value;
        rounds[n++] = p->rep;
    }
    return n;
}

/* The distinct steps of tenant's points: "alone" first, then the
 * stressors in their canonical order, then any other in first-seen order
 * (density's tenant counts). */
static int sc_steps(const struct run_view *rv, const char *tenant, char steps[][LIM_STEP_NAME],
                    int max)
{
    static const char *const order[] = {"alone", "cpu", "vm", "stream", "hdd", "sock", NULL};
    int n = 0;
    for (int pass = 0; pass <= 6; pass++)
        for (int i = 0; i < rv->npoints; i++) {
            const char *s = rv->points[i].step;
            int known = 0;
            for (int k = 0; order[k]; k++)
                known |= !strcmp(s, order[k]);
            if (strcmp(rv->points[i].tenant, tenant) ||
                (pass < 6 ? strcmp(s, order[pass]) != 0 : known))
                continue;
            int seen = 0;
            for (int k = 0; k < n; k++)
                seen |= !strcmp(steps[k], s);
            if (!seen && n < max) snprintf(steps[n++], LIM_STEP_NAME, "%s", s);
        }
    return n;
}

/* 1 when a sample of (env, wl, tenant, step) failed. */
static int sc_failed(const struct run_view *rv, int env, const char *wl, const char *tenant,
                     const char *step)
{
    for (int i = 0; i < rv->nfailures; i++) {
        const struct rv_failure *f = &rv->failures[i];
        if (f->env == env && !strcmp(rv->workloads[f->wl], wl) && !strcmp(f->tenant, tenant) &&
            !strcmp(f->step, step))
            return 1;
    }
    return 0;
}

/* "median [lo, hi]" of n values; with none, "failed" when failed says a
 * sample did, else "-" (not measured: an interrupted run). */
static void sc_median_text(const double *v, int n, int failed, char *buf, size_t len)
{
    if (n == 0) {
        snprintf(buf, len, "%s", failed ? "failed" : "-");
        return;
    }
    struct summary sm;
    stats_summarize(v, n, &sm);
    if (sm.ci.level > 0)
        snprintf(buf, len, "%.3g [%.3g, %.3g]%s", sm.median, sm.ci.lo, sm.ci.hi,
                 sm.noisy ? " !" : "");
    else
        snprintf(buf, len, "%.3g", sm.median);
}

static void sc_header(const struct run_view *rv, FILE *out)
{
    fprintf(out, "run %lld (%s)  scenario=%s  size=%s  rounds=%d  status=%s\n", (long long)rv->id,
            rv->uuid, kv_get(&rv->host, "scenario"), size_str(rv->size), rv->reps, rv->status);
    const char *cpu = kv_get(&rv->host, "cpu_model"), *k = kv_get(&rv->host, "kernel");
    fprintf(out, "host: %s, %s CPUs, kernel %s; isobench %s (%s)\n", cpu ? cpu : "?",
            kv_get(&rv->host, "cpus_online") ?: "?", k ? k : "?",
            kv_get(&rv->host, "isobench_version") ?: "?", kv_get(&rv->host, "build_flags") ?: "?");
    const char *sl = kv_get(&rv->host, "slice");
    fprintf(out, "slice: %s\n", sl ? sl : "none (tenants unlimited; --slice cpus=N,mem=SIZE)");
    const char *hm = kv_get(&rv->host, "host_mem"), *sw = kv_get(&rv->host, "swap");
    if (hm)
        fprintf(out, "emulated host: every tenant and stressor under one %s memory cgroup\n", hm);
    if (sw) fprintf(out, "swap: %s\n", sw);
    const char *pr = kv_get(&rv->host, "preset"), *ps = kv_get(&rv->host, "preset.summary");
    if (pr) fprintf(out, "preset: %s (%s)\n", pr, ps ? ps : "?");
    for (int i = 0; i < rv->host.n; i++)
        if (!strncmp(rv->host.v[i].key, "scenario.", 9) ||
            !strncmp(rv->host.v[i].key, "stopped.", 8))
            fprintf(out, "%s = %s\n", rv->host.v[i].key, rv->host.v[i].val);
    for (int i = 0; i < rv->nenv; i++) {
        const char *label = kv_get(&rv->env_facts[i], "label");
        if (label) fprintf(out, "env %s: %s\n", rv->envs[i], label);
    }
    fputc('\n', out);
}

static void sc_failures(const struct run_view *rv, FILE *out)
{
    for (int i = 0; i < rv->nfailures; i++) {
        const struct rv_failure *f = &rv->failures[i];
        fprintf(out, "failed: %s @ %s, tenant %s, step %s, round %d: %s\n", rv->workloads[f->wl],
                rv->envs[f->env], f->tenant, f->step, f->rep, f->error);
    }
}

/* The distinct metrics of (wl, tenant) points, with unit and direction. */
static int sc_metrics(const struct run_view *rv, const char *wl, const char *tenant,
                      const struct rv_point **out, int max)
{
    int n = 0;
    for (int i = 0; i < rv->npoints; i++) {
        const struct rv_point *p = &rv->points[i];
        if (strcmp(rv->workloads[p->wl], wl) || strcmp(p->tenant, tenant)) continue;
        int seen = 0;
        for (int k = 0; k < n; k++)
            seen |= !strcmp(out[k]->metric, p->metric);
        if (!seen && n < max) out[n++] = p;
    }
    return n;
}

/* The change of b over a, paired by round (b's rounds rb with a's ra;
 * pa and pb: room for the pairs), as "+x% [lo,hi]" into cell; empty when
 * no round pairs (the caller says why). Returns the pairs. */
static int sc_paired_cell(const double *a, const int *ra, int na, const double *b, const int *rb,
                          int nb, int better, double *pa, double *pb, char *cell, size_t len)
{
    int np = 0;
    for (int i = 0; i < nb; i++)
        for (int k = 0; k < na; k++)
            if (rb[i] == ra[k]) {
                pb[np] = b[i];
                pa[np++] = a[k];
                break;
            }
    struct overhead ov;
    cell[0] = '\0';
    if (np == 0 || stats_overhead_paired(pb, pa, np, better, &ov) < 0) return 0;
    if (ov.ci.level > 0)
        snprintf(cell, len, "%+.1f%% [%+.1f,%+.1f]%s", ov.pct, ov.ci.lo, ov.ci.hi,
                 ov.within_noise ? " ~" : "");
    else
        snprintf(cell, len, "%+.1f%% [n/a] ~", ov.pct);
    return np;
}

/* A tenant's steps against its base step, paired by round, one row per
 * workload (skip: one left out, NULL none), environment and metric: the
 * base step's median, every other step's change over it. head: the
 * table's first line. */
static int sc_vs_table(const struct run_view *rv, FILE *out, const char *tenant, const char *base,
                       const char *skip, const char *head, struct err *e)
{
    char steps[SC_MAX_STEPS][LIM_STEP_NAME];
    int ns = sc_steps(rv, tenant, steps, SC_MAX_STEPS);
    double *a = malloc(sizeof(double) * SC_MAX_ROUNDS * 4);
    int *ra = malloc(sizeof(int) * SC_MAX_ROUNDS * 2);
    if (!a || !ra) {
        free(a);
        free(ra);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    double *b = a + SC_MAX_ROUNDS, *pa = b + SC_MAX_ROUNDS, *pb = pa + SC_MAX_ROUNDS;
    int *rb = ra + SC_MAX_ROUNDS;
    int wenv = 12; /* as wide as the longest spec */
    for (int env = 0; env < rv->nenv; env++)
        if ((int)strlen(rv->envs[env]) > wenv) wenv = (int)strlen(rv->envs[env]);
    fprintf(out, "%s\n", head);
    fprintf(out, "%-*s %-12s %-22s %-8s", wenv, "env", "workload", "metric", "better");
    for (int s = 0; s < ns; s++)
        fprintf(out, " | %-26s", steps[s]);
    fputc('\n', out);
    for (int w = 0; w < rv->nwl; w++) {
        if (skip && !strcmp(rv->workloads[w], skip)) continue;
        const struct rv_point *ms[64];
        int nm = sc_metrics(rv, rv->workloads[w], tenant, ms, 64);
        for (int env = 0; env < rv->nenv; env++)
            for (int m = 0; m < nm; m++) {
                fprintf(out, "%-*s %-12s %-22s %-8s", wenv, rv->envs[env], rv->workloads[w],
                        ms[m]->metric, better_str(ms[m]->better));
                int na = sc_values(rv, env, rv->workloads[w], tenant, base, ms[m]->metric, a, ra,
                                   SC_MAX_ROUNDS);
                for (int s = 0; s < ns; s++) {
                    char cell[96];
                    if (!strcmp(steps[s], base)) {
                        sc_median_text(a, na, sc_failed(rv, env, rv->workloads[w], tenant, base),
                                       cell, sizeof(cell));
                    } else {
                        int nb = sc_values(rv, env, rv->workloads[w], tenant, steps[s],
                                           ms[m]->metric, b, rb, SC_MAX_ROUNDS);
                        int fl = sc_failed(rv, env, rv->workloads[w], tenant, steps[s]);
                        if (!sc_paired_cell(a, ra, na, b, rb, nb, ms[m]->better, pa, pb, cell,
                                            sizeof(cell)))
                            snprintf(cell, sizeof(cell), "%s",
                                     nb   ? "no base pair"
                                     : fl ? "failed"
                                          : "-");
                    }
                    fprintf(out, " | %-26s", cell);
                }
                fputc('\n', out);
            }
    }
    free(a);
    free(ra);
    return 0;
}

static int noisy_table(const struct run_view *rv, FILE *out, struct err *e)
{
    if (sc_vs_table(rv, out, "victim", "alone", "stress",
                    "victim's loss beside each aggressor vs alone, % (+ worse): median over "
                    "paired rounds [interval]",
                    e) < 0)
        return -1;
    char steps[SC_MAX_STEPS][LIM_STEP_NAME];
    int ns = sc_steps(rv, "victim", steps, SC_MAX_STEPS);
    double *b = malloc(sizeof(double) * SC_MAX_ROUNDS);
    int *rb = malloc(sizeof(int) * SC_MAX_ROUNDS);
    if (!b || !rb) {
        free(b);
        free(rb);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    fprintf(out, "\naggressor's host CPU use while the victim ran (CPUs busy, median over rounds; "
                 "everything its tenant made the host spend):\n");
    for (int env = 0; env < rv->nenv; env++) {
        fprintf(out, "%-12s", rv->envs[env]);
        for (int s = 0; s < ns; s++) {
            if (!strcmp(steps[s], "alone")) continue;
            int nb = sc_values(rv, env, "stress", "aggressor", steps[s], "host_cpus_busy", b, rb,
                               SC_MAX_ROUNDS);
            char cell[96];
            sc_median_text(b, nb, sc_failed(rv, env, "stress", "aggressor", steps[s]), cell,
                           sizeof(cell));
            fprintf(out, "  %s %s", steps[s], cell);
        }
        fputc('\n', out);
    }
    free(b);
    free(rb);
    return 0;
}

/* sizing: the cgroup-sized step against the host-sized one, and the
 * threads each used (the samples' facts). */
static int sizing_table(const struct run_view *rv, FILE *out, struct err *e)
{
    return sc_vs_table(rv, out, "tenant", "host", NULL,
                       "under a CPU quota: sized from the cgroup vs from the host (nproc), % "
                       "(+ worse): median over paired rounds [interval]; throttled_s is the "
                       "time the kernel held the tenant back",
                       e);
}

/* Prints the density scenario's table: per environment and tenant count
 * the median over rounds of start_s, host_mem_mib, pss_mib and
 * kernel_mib, then their definitions. -1 only when out of memory. */
static int density_table(const struct run_view *rv, FILE *out, struct err *e)
{
    static const char *const metrics[] = {"start_s", "host_mem_mib", "pss_mib", "kernel_mib", NULL};
    double *v = malloc(sizeof(double) * SC_MAX_ROUNDS);
    int *r = malloc(sizeof(int) * SC_MAX_ROUNDS);
    if (!v || !r) {
        free(v);
        free(r);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    fprintf(out, "per tenant, the n-th started one after another: median over rounds [interval]\n");
    fprintf(out, "%-12s %-4s", "env", "n");
    for (int m = 0; metrics[m]; m++)
        fprintf(out, " | %-28s", metrics[m]);
    fputc('\n', out);
    for (int env = 0; env < rv->nenv; env++)
        for (int n = 1; n <= LIM_TENANTS; n++) {
            char step[LIM_STEP_NAME], tenant[LIM_TENANT_NAME];
            snprintf(step, sizeof(step), "%d", n);
            snprintf(tenant, sizeof(tenant), "t%d", n);
            int any = 0;
            char cells[4][96];
            for (int m = 0; metrics[m]; m++) {
                int k = sc_values(rv, env, "null", tenant, step, metrics[m], v, r, SC_MAX_ROUNDS);
                any |= k > 0;
                sc_median_text(v, k, 0, cells[m], sizeof(cells[m]));
            }
            if (!any) continue;
            fprintf(out, "%-12s %-4d", rv->envs[env], n);
            for (int m = 0; metrics[m]; m++)
                fprintf(out, " | %-28s", cells[m]);
            fputc('\n', out);
        }
    fprintf(out, "\nstart_s: up() until the tenant's agent answered a null job; host_mem_mib: "
                 "MemTotal - MemAvailable added, after the settle; kernel_mib: its Slab + "
                 "KernelStack + PageTables part; pss_mib: PSS of the processes in the tenant's "
                 "cgroup (agent, container init, QEMU)\n");
    free(v);
    free(r);
    return 0;
}

/* The steps of memory-pressure (stressor counts) in ascending order. */
static int mp_steps(const struct run_view *rv, char steps[][LIM_STEP_NAME], int max)
{
    int n = sc_steps(rv, "client", steps, max);
    for (int i = 1; i < n; i++) /* numeric insertion sort */
        for (int j = i; j > 0 && atoi(steps[j - 1]) > atoi(steps[j]); j--) {
            char t[LIM_STEP_NAME];
            memcpy(t, steps[j], sizeof(t));
            memcpy(steps[j], steps[j - 1], sizeof(t));
            memcpy(steps[j - 1], t, sizeof(t));
        }
    return n;
}

/* The median of metric over the rounds of (env, step), NAN when none. */
static double mp_median(const struct run_view *rv, int env, const char *step, const char *metric,
                        double *v, int *r)
{
    int n = sc_values(rv, env, "filetask", "client", step, metric, v, r, SC_MAX_ROUNDS);
    return n ? stats_median(v, n) : NAN;
}

/* Model env's task time over native's at step, paired by round, as
 * "1.23x [lo,hi]" into ratio ("-" when no round pairs). v, r, b, rb, pa:
 * scratch of SC_MAX_ROUNDS each. */
static void mp_vs_native(const struct run_view *rv, int env, int native, const char *step,
                         double *v, int *r, double *b, int *rb, double *pa, char *ratio, size_t len)
{
    snprintf(ratio, len, "-");
    if (native < 0 || env == native) return;
    int na = sc_values(rv, env, "filetask", "client", step, "task_ms", v, r, SC_MAX_ROUNDS);
    int nb = sc_values(rv, native, "filetask", "client", step, "task_ms", b, rb, SC_MAX_ROUNDS);
    int np = 0;
    for (int i = 0; i < na; i++)
        for (int k = 0; k < nb; k++)
            if (r[i] == rb[k] && b[k] > 0) {
                pa[np++] = v[i] / b[k];
                break;
            }
    if (!np) return;
    struct summary sm;
    stats_summarize(pa, np, &sm);
    if (sm.ci.level > 0)
        snprintf(ratio, len, "%.2fx [%.2f,%.2f]", sm.median, sm.ci.lo, sm.ci.hi);
    else
        snprintf(ratio, len, "%.2fx", sm.median);
}

#define MP_COLS                                                                                    \
    "%-*s %-5s | %-10s %-10s %-20s %-7s %-7s %-10s %-10s %-10s | %-10s %-10s | %-10s %-10s\n"

/* One row of mp_table: model env at step with its task time t (median)
 * and the other columns' medians (v, r: scratch). */
static void mp_row(const struct run_view *rv, FILE *out, int wm, int env, const char *step,
                   double t, const char *ratio, double *v, int *r)
{
    static const char *const ms[] = {"task_p95_ms",          "spread",
                                     "servers_cov_pct",      "swap_in_pages",
                                     "swap_out_pages",       "major_faults",
                                     "tenants_major_faults", "tenants_swap_mib",
                                     "tenants_qemu_rss_mib", "tenants_balloon_mib"};
    char cells[11][24];
    snprintf(cells[0], sizeof(cells[0]), "%.1f", t);
    if (t != t)
        snprintf(cells[0], sizeof(cells[0]), "%s",
                 sc_failed(rv, env, "filetask", "client", step) ? "failed" : "-");
    for (int m = 0; m < 10; m++) {
        double x = mp_median(rv, env, step, ms[m], v, r);
        if (x != x)
            snprintf(cells[m + 1], sizeof(cells[m + 1]), "-");
        else
            snprintf(cells[m + 1], sizeof(cells[m + 1]), m < 3 || m >= 7 ? "%.2f" : "%.0f", x);
    }
    fprintf(out, MP_COLS, wm, rv->envs[env], step, cells[0], cells[1], ratio, cells[2], cells[3],
            cells[4], cells[5], cells[6], cells[7], cells[8], cells[9], cells[10]);
}

/* memory-pressure: per system model and step its task time, against
 * native, and what the host and the servers swapped. */
static int mp_table(const struct run_view *rv, FILE *out, struct err *e)
{
    char steps[SC_MAX_STEPS][LIM_STEP_NAME];
    int ns = mp_steps(rv, steps, SC_MAX_STEPS), native = -1;
    for (int i = 0; i < rv->nenv; i++)
        if (!strcmp(rv->envs[i], "native")) native = i;
    double *v = malloc(sizeof(double) * SC_MAX_ROUNDS * 3);
    int *r = malloc(sizeof(int) * SC_MAX_ROUNDS * 2);
    if (!v || !r) {
        free(v);
        free(r);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    double *b = v + SC_MAX_ROUNDS, *pa = b + SC_MAX_ROUNDS;
    int *rb = r + SC_MAX_ROUNDS;
    fprintf(out, "per system model and step (stress-ng --vm workers on the host): medians over "
                 "rounds\n");
    int wm = 5; /* the model column fits the longest spec */
    for (int i = 0; i < rv->nenv; i++)
        if ((int)strlen(rv->envs[i]) > wm) wm = (int)strlen(rv->envs[i]);
    fprintf(out, MP_COLS, wm, "model", "vm", "task ms", "p95 ms", "vs native", "spread", "CoV %",
            "swap-in", "swap-out", "majflt", "srv majflt", "srv swapMiB", "qemu MiB",
            "balloon MiB");
    for (int env = 0; env < rv->nenv; env++) {
        double first = NAN;
        const char *doubles = NULL;
        for (int s = 0; s < ns; s++) {
            double t = mp_median(rv, env, steps[s], "task_ms", v, r);
            char ratio[40];
            mp_vs_native(rv, env, native, steps[s], v, r, b, rb, pa, ratio, sizeof(ratio));
            if (s == 0) first = t;
            if (!doubles && s > 0 && t >= 2 * first) doubles = steps[s];
            mp_row(rv, out, wm, env, steps[s], t, ratio, v, r);
        }
        fprintf(out, "%-*s task time doubles (vs its first step): %s%s\n", wm, rv->envs[env],
                doubles ? doubles : "not within the steps", doubles ? " stressors" : "");
    }
    fprintf(out, "\ntask ms: the servers' own time to write the file, mean over servers and "
                 "rounds; vs native: this model's over native's, paired by round; spread: the "
                 "slowest server's mean over the fastest's (the study's imbalance); swap and "
                 "major faults: the host's, during the step (/proc/vmstat); srv majflt: the "
                 "servers' own major faults during the step, srv swapMiB: their memory in swap "
                 "at its end, summed over the servers (each tenant's memory cgroup; \"-\" where "
                 "a server has none, e.g. an engine's container); qemu MiB: the VM servers' QEMU "
                 "resident memory at the step's end, balloon MiB: how far their balloons are "
                 "inflated (vm:balloon=on; \"-\" without)\n");
    free(v);
    free(r);
    return 0;
}

/* A row of medians: label (NULL: the tenant), then per metric the median over rounds of
 * (env, wl, tenant, step) [interval]; nothing when no metric has a value. */
static void sc_row(const struct run_view *rv, FILE *out, int env, const char *wl,
                   const char *tenant, const char *step, const char *const *metrics, double *v,
                   int *r, const char *label)
{
    char cells[16][96];
    int any = 0, m;
    for (m = 0; metrics[m] && m < 16; m++) {
        int k = sc_values(rv, env, wl, tenant, step, metrics[m], v, r, SC_MAX_ROUNDS);
        any |= k > 0;
        sc_median_text(v, k, sc_failed(rv, env, wl, tenant, step), cells[m], sizeof(cells[m]));
    }
    if (!any && !sc_failed(rv, env, wl, tenant, step)) return;
    fprintf(out, "%-12s %-20s", rv->envs[env], label ? label : tenant);
    for (int k = 0; k < m; k++)
        fprintf(out, " | %-24s", cells[k]);
    fputc('\n', out);
}

static void sc_head(FILE *out, const char *first, const char *const *metrics)
{
    fprintf(out, "%-12s %-20s", "env", first);
    for (int m = 0; metrics[m]; m++)
        fprintf(out, " | %-24s", metrics[m]);
    fputc('\n', out);
}

/* The study's host footprint beside an environment of the same kind:
 * XenServer's dom0 for a VM, CoreOS for a container driver; native has
 * no isolation layer. */
static const char *tt_study_host(const char *env)
{
    size_t n = strcspn(env, ":");
    if (!strncmp(env, "native", n) && n == 6) return "- (no isolation layer)";
    if ((!strncmp(env, "vm", n) && n == 2) || (!strncmp(env, "xen", n) && n == 3))
        return "Xen dom0: 906 MB";
    return "CoreOS: 161 MB";
}

/* two-tier's footprint, two things apart: what each tier's tenant holds
 * itself (PSS, as measured) and what the host spends outside it to run
 * its isolation layer, with the study's host-OS numbers beside the latter
 * only and what the study measured. */
static void twotier_footprint(const struct run_view *rv, FILE *out, double *v, int *r)
{
    static const char *const idle[] = {"start_s", "host_mem_mib", "pss_mib", NULL};
    static const char *const layer[] = {"layer_pss_mib", "layer_shared_mib", NULL};
    static const char *const tiers[] = {"app", "db", "aggressor"};
    fprintf(out, "footprint, two different things:\n(1) per tenant: each tier idle, once up and "
                 "before its servers start - what the tenant itself holds (PSS of the processes "
                 "in its cgroup, as measured; host memory it added; its start time):\n");
    sc_head(out, "tier", idle);
    for (int env = 0; env < rv->nenv; env++)
        for (int t = 0; t < 3; t++)
            sc_row(rv, out, env, "null", tiers[t], "idle", idle, v, r, NULL);
    fprintf(out, "\n(2) host side: what the host spends outside each tenant to run its isolation "
                 "layer - the runtime's CLI or monitor, an engine's shim, QEMU beyond the guest's "
                 "RAM (layer_pss_mib); daemons every container shares, counted whole "
                 "(layer_shared_mib); PSS, MiB:\n");
    fprintf(out, "%-12s %-20s | %-24s | %-24s | %s\n", "env", "tier", layer[0], layer[1],
            "the study's host OS under it");
    for (int env = 0; env < rv->nenv; env++)
        for (int t = 0; t < 3; t++) {
            char cells[2][96];
            int any = 0;
            for (int m = 0; m < 2; m++) {
                int k = sc_values(rv, env, "null", tiers[t], "idle", layer[m], v, r, SC_MAX_ROUNDS);
                any |= k > 0;
                sc_median_text(v, k, 0, cells[m], sizeof(cells[m]));
            }
            if (any)
                fprintf(out, "%-12s %-20s | %-24s | %-24s | %s\n", rv->envs[env], tiers[t],
                        cells[0], cells[1], tt_study_host(rv->envs[env]));
        }
    for (int i = 0; i < rv->host.n; i++)
        if (!strncmp(rv->host.v[i].key, "two-tier.layer.", 15))
            fprintf(out, "  %s: %s\n", rv->host.v[i].key + 15, rv->host.v[i].val);
    fprintf(out,
            "the study (Scheepers, section 4.1) measured something else: the memory of the host OS "
            "each technology ran on, each on its own machine - XenServer 6.2's domain0, 906 MB, "
            "against a clean CoreOS 324.3.0, 161 MB. Every environment here shares this one host "
            "OS, which neither table counts: (2) is the part that differs by technology, (1) what "
            "a tenant holds; neither reproduces the study's numbers.\n");
}

/* two-tier's CPU setting as the run stored it: how the tiers shared the
 * CPUs, where a weight could not apply, each tier's spec. */
static void twotier_cpu(const struct run_view *rv, FILE *out)
{
    const char *c = kv_get(&rv->host, "two-tier.cpu");
    fprintf(out, "tiers' CPUs: %s\n",
            c ? c : "not stored (a run before cpu-share): each tier on a cpuset of its own");
    if ((c = kv_get(&rv->host, "two-tier.cpu.not_applied"))) fprintf(out, "  not applied: %s\n", c);
    for (int i = 0; i < rv->host.n; i++)
        if (!strncmp(rv->host.v[i].key, "two-tier.tier.", 14))
            fprintf(out, "  %s tier: %s\n", rv->host.v[i].key + 14, rv->host.v[i].val);
    fputc('\n', out);
}

/* two-tier: each tier idle, the client's numbers alone (the ramped load,
 * the inter-tier probe), the INSERTs beside the aggressor against alone
 * paired by round, and what each tier spent while it served. */
static int twotier_table(const struct run_view *rv, FILE *out, struct err *e)
{
    static const char *const load[] = {"requests",
                                       "rps",
                                       "mean",
                                       "p95",
                                       "fail_pct",
                                       "users_at_2x_latency",
                                       "users_at_first_failure",
                                       "swap_out_pages",
                                       NULL};
    static const char *const probe[] = {"select_p50", "select_p99", "insert_s", NULL};
    static const char *const busy[] = {"host_cpus_busy", "active_s", NULL};
    static const char *const tiers[][2] = {
        {"app", "wordpress"}, {"db", "mysql"}, {"aggressor", "stress"}};
    double *v = malloc(sizeof(double) * SC_MAX_ROUNDS * 4);
    int *r = malloc(sizeof(int) * SC_MAX_ROUNDS * 2);
    if (!v || !r) {
        free(v);
        free(r);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    twotier_cpu(rv, out);
    twotier_footprint(rv, out, v, r);
    fprintf(out, "\nalone: the front page under users ramped 1 -> U (client in the peer "
                 "namespace; latency in us), median over rounds [interval]:\n");
    sc_head(out, "", load);
    for (int env = 0; env < rv->nenv; env++)
        sc_row(rv, out, env, "wordpress", "client", "alone", load, v, r, NULL);
    fprintf(out, "\ninter-tier: PHP in the app tier against the DB tier (SELECT latency in us, "
                 "the INSERTs' time in s):\n");
    sc_head(out, "", probe);
    for (int env = 0; env < rv->nenv; env++)
        sc_row(rv, out, env, "wordpress", "client", "alone", probe, v, r, NULL);
    fprintf(out, "\nINSERTs beside the aggressor (stress-ng cpu+vm, the DB tier's environment "
                 "and slice) vs alone, paired by round:\n");
    fprintf(out, "%-12s | %-24s | %-24s | %-30s\n", "env", "alone insert_s", "aggressor insert_s",
            "slower by, % [interval]");
    double *a = v, *b = v + SC_MAX_ROUNDS, *pa = b + SC_MAX_ROUNDS, *pb = pa + SC_MAX_ROUNDS;
    int *ra = r, *rb = r + SC_MAX_ROUNDS;
    for (int env = 0; env < rv->nenv; env++) {
        int na =
            sc_values(rv, env, "wordpress", "client", "alone", "insert_s", a, ra, SC_MAX_ROUNDS);
        int nb = sc_values(rv, env, "wordpress", "client", "aggressor", "insert_s", b, rb,
                           SC_MAX_ROUNDS);
        int fa = sc_failed(rv, env, "wordpress", "client", "alone"),
            fb = sc_failed(rv, env, "wordpress", "client", "aggressor");
        if (!na && !nb && !fa && !fb) continue;
        char ca[96], cb[96], cr[96];
        sc_median_text(a, na, fa, ca, sizeof(ca));
        sc_median_text(b, nb, fb, cb, sizeof(cb));
        if (!sc_paired_cell(a, ra, na, b, rb, nb, BETTER_LOWER, pa, pb, cr, sizeof(cr)))
            snprintf(cr, sizeof(cr), "-");
        fprintf(out, "%-12s | %-24s | %-24s | %-30s\n", rv->envs[env], ca, cb, cr);
    }
    fprintf(out, "\neach tier's host CPU while it served (CPUs busy, everything its tenant made "
                 "the host spend):\n");
    sc_head(out, "tier@step", busy);
    for (int env = 0; env < rv->nenv; env++)
        for (int t = 0; t < 3; t++)
            for (int s = 0; s < 2; s++) {
                const char *step = s ? "aggressor" : "alone";
                char label[LIM_TENANT_NAME + 16];
                snprintf(label, sizeof(label), "%s@%s", tiers[t][0], step);
                sc_row(rv, out, env, tiers[t][1], tiers[t][0], step, busy, v, r, label);
            }
    fprintf(out,
            "\neach load's latency-vs-time series and the host's memory and swapping during it: "
            "isobench report %lld --format json (\"raw\")\n",
            (long long)rv->id);
    free(v);
    free(r);
    return 0;
}

int report_scenario_table(const struct run_view *rv, FILE *out, struct err *e)
{
    const char *sc = kv_get(&rv->host, "scenario");
    if (!sc) return err_set(e, ERR_USAGE, "run %lld is not a scenario run", (long long)rv->id);
    sc_header(rv, out);
    int rc = !strcmp(sc, "memory-pressure")   ? mp_table(rv, out, e)
             : !strcmp(sc, "noisy-neighbour") ? noisy_table(rv, out, e)
             : !strcmp(sc, "density")         ? density_table(rv, out, e)
             : !strcmp(sc, "two-tier")        ? twotier_table(rv, out, e)
             : !strcmp(sc, "sizing")          ? sizing_table(rv, out, e)
                                     : err_set(e, ERR_USAGE, "no table for scenario %s", sc);
    if (rc == 0) {
        fputc('\n', out);
        sc_failures(rv, out);
        fprintf(out, "intervals are distribution-free (the median's); with few rounds they reach "
                     "less than 95 %% (3 rounds: 75 %%) and \"[n/a]\" marks one value; ~ the "
                     "interval holds 0; ! CoV > 5%%\n");
    }
    return rc;
}
