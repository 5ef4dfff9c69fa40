/* paper.c - the paper beside this host: each number of felter2015.def
 * matched to the run's environment of the same role and the row of the
 * same metric, with a verdict and, where one applies, the known reason the
 * two hosts differ. Reporters render the result; nothing here prints. */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static const struct paper_number numbers[] = {
#define PAPER(w, m, role, pct, text, src) {w, m, role, pct, text, src},
#include "report/felter2015.def"
#undef PAPER
};

_Static_assert(sizeof(numbers) / sizeof(numbers[0]) <= PAPER_MAX, "raise PAPER_MAX");

const struct paper_number *paper_numbers(int *n)
{
    *n = (int)(sizeof(numbers) / sizeof(numbers[0]));
    return numbers;
}

/* Does env spec play role? A container engine without net=host or
 * storage=volume is Docker's defaults (NAT, layered root: "container");
 * net=host plus storage=volume is the paper's tuned container
 * ("container-host"); storage=volume without net=host is Table III's NAT
 * volume and the fio test's `docker run -v` ("container-volume"); vm
 * without options (or only image=) is stock KVM, vm:tuned the tuned one;
 * container-in-VM plays no role. */
int paper_role_match(const char *spec, const char *role)
{
    size_t nl = strcspn(spec, ":");
    const char *opts = spec[nl] ? spec + nl + 1 : "";
    static const char *const engines[] = {"container", "docker", "podman", "runc", "runsc", "lxc"};
    int engine = 0;
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
        if (strlen(engines[i]) == nl && !strncmp(spec, engines[i], nl)) engine = 1;
    int host = strstr(opts, "net=host") != NULL, vol = strstr(opts, "storage=volume") != NULL;
    int vm = nl == 2 && !strncmp(spec, "vm", 2), nested = strstr(opts, "nested=") != NULL;
    int tuned = strstr(opts, "tuned") != NULL && strstr(opts, "tuned=off") == NULL;
    if (!strcmp(role, "container")) return engine && !host && !vol;
    if (!strcmp(role, "container-host")) return engine && host && vol;
    if (!strcmp(role, "container-volume")) return engine && !host && vol;
    if (!strcmp(role, "vm")) return vm && !tuned && !nested;
    if (!strcmp(role, "vm-tuned")) return vm && tuned && !nested;
    return 0;
}

/* The size of a difference "same" has to tell apart: the paper's own
 * overhead from none, at least PAPER_SAME_MIN points (a paper that saw
 * none: same means "none here either, within this much"). */
#define PAPER_SAME_MIN 5.0

/* The verdict of host overhead o against the paper's p (both in %, + is
 * worse). Within the interval: "same" only when the interval is narrower
 * than the difference being judged (the paper's effect against none),
 * else "can't tell (±X)" - an interval that wide would hold "the paper's"
 * and "none" alike. Outside it, the side of the paper the whole interval
 * lies on: "opposite" when it is across zero from a paper number that is
 * not zero (or below zero when the paper saw none). buf holds the text
 * of "can't tell". */
static const char *paper_verdict(double p, const struct overhead *o, char *buf, size_t len)
{
    double lo = o->ci.level > 0 ? o->ci.lo : o->pct, hi = o->ci.level > 0 ? o->ci.hi : o->pct;
    if (lo <= p && p <= hi) {
        double judged = fabs(p) > PAPER_SAME_MIN ? fabs(p) : PAPER_SAME_MIN;
        if (o->ci.level > 0 && hi - lo < judged) return "same";
        snprintf(buf, len, "can't tell (±%.0f)", o->ci.level > 0 ? (hi - lo) / 2 : INFINITY);
        return buf;
    }
    if (p > 0) return hi < 0 ? "opposite" : hi < p ? "smaller" : "larger";
    if (p < 0) return lo > 0 ? "opposite" : lo > p ? "smaller" : "larger";
    return lo > 0 ? "larger" : "opposite";
}

/* The known reason this host's number and the paper's differ, "" when
 * none applies: an emulated VM; MySQL run disk-bound (-o mysql.bound=io;
 * the paper's was in memory), in a layered root (isobench's engines
 * overlay it with overlayfs, Docker 1.0 used AUFS), then the network;
 * loopback for the network workloads; the disk; fewer CPUs. wl is the
 * number's workload in the run. */
static void paper_reason(const struct report *rep, const struct paper_number *pn, int wl, int env,
                         char *buf, size_t len)
{
    const struct run_view *rv = rep->rv;
    const char *label = kv_get(&rv->env_facts[env], "label");
    const char *cpus = kv_get(&rv->host, "cpus_online");
    const char *bound = kv_get(&rv->wl_opts[wl], "bound");
    int mysql = !strcmp(pn->workload, "mysql");
    char pre[80]; /* the two MySQL prefixes, 76 bytes */
    snprintf(pre, sizeof(pre), "%s%s",
             mysql && bound && !strcmp(bound, "io") ? "disk-bound here, in memory in the paper; "
                                                    : "",
             mysql && !strcmp(pn->role, "container") ? "overlayfs here, AUFS in the paper; " : "");
    buf[0] = '\0';
    if (label && strstr(label, "EMULATED"))
        snprintf(buf, len, "this VM is emulated (QEMU TCG), the paper's ran on KVM");
    else if (!strcmp(pn->workload, "netbw") || !strcmp(pn->workload, "netlat") ||
             !strcmp(pn->workload, "redis") || !strcmp(pn->workload, "mysql"))
        snprintf(buf, len, "%sloopback on one host here, a 10 GbE link between two in the paper",
                 pre);
    else if (!strcmp(pn->workload, "blockio"))
        snprintf(buf, len, "this host's disk here, a FlashSystem 840 over Fibre Channel there");
    else if (cpus && atoi(cpus) < 32)
        snprintf(buf, len, "%s CPUs here, 32 in the paper", cpus);
}

/* Fills out[] (as many as paper_numbers has) for the numbers whose
 * workload the run measured; returns how many. A number with no
 * environment of its role, or no row of its metric, is kept with env or
 * row -1 and why. */
int paper_compare(const struct report *rep, struct paper_cmp *out, int max)
{
    const struct run_view *rv = rep->rv;
    int nnum, k = 0;
    const struct paper_number *nums = paper_numbers(&nnum);
    for (int i = 0; i < nnum && k < max; i++) {
        const struct paper_number *pn = &nums[i];
        int wl = -1;
        for (int w = 0; w < rv->nwl; w++)
            if (!strcmp(rv->workloads[w], pn->workload)) wl = w;
        if (wl < 0) continue;
        struct paper_cmp *c = &out[k++];
        memset(c, 0, sizeof(*c));
        c->num = pn;
        c->env = c->row = -1;
        for (int j = 0; j < rv->nenv && c->env < 0; j++)
            if (paper_role_match(rv->envs[j], pn->role)) c->env = j;
        if (c->env < 0) {
            snprintf(c->why, sizeof(c->why), "no %s environment in this run", pn->role);
            continue;
        }
        for (int r = 0; r < rep->nrows && c->row < 0; r++)
            if (rep->rows[r].wl == wl && !fnmatch(pn->metric, rep->rows[r].metric, 0)) c->row = r;
        if (c->row < 0) {
            snprintf(c->why, sizeof(c->why), "%s not measured (another preset or option)",
                     pn->metric);
            continue;
        }
        const struct report_cell *cell = &rep->rows[c->row].cell[c->env];
        if (!cell->has_overhead) {
            snprintf(c->why, sizeof(c->why), "no overhead: %s",
                     rep->native < 0 ? "no native environment" : "a side failed or is n/a");
            c->row = -1;
            continue;
        }
        c->verdict = paper_verdict(pn->pct, &cell->ov, c->verdict_buf, sizeof(c->verdict_buf));
        paper_reason(rep, pn, wl, c->env, c->reason, sizeof(c->reason));
    }
    return k;
}

/* "+12.3 [+10.1, +14.0] (95.0 %)" for c's host overhead, "+12.3 (one
 * round)" without an interval, or why there is none. */
void paper_host_text(const struct report *rep, const struct paper_cmp *c, char *buf, size_t len)
{
    if (c->row < 0 || c->env < 0) {
        snprintf(buf, len, "not measured: %s", c->why);
        return;
    }
    const struct overhead *o = &rep->rows[c->row].cell[c->env].ov;
    if (o->ci.level > 0)
        snprintf(buf, len, "%+.1f [%+.1f, %+.1f] (%.1f %%)", o->pct, o->ci.lo, o->ci.hi,
                 o->ci.level * 100);
    else
        snprintf(buf, len, "%+.1f (one round: no interval)", o->pct);
}
