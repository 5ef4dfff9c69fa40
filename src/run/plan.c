/* plan.c - a run's plan: its workloads with their options checked and
 * sized once on the host, its environments, the n/a pairs, --peer, and
 * --resume's plan read back from the store (runner.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/host.h"
#include "core/json.h"
#include "core/pcount.h"
#include "run/converge.h"
#include "run/runner.h"
#include "run/runner_priv.h"

static int plan_workloads(struct run_plan *p, const char *list, struct err *e)
{
    char buf[1024];
    if (strlen(list) >= sizeof(buf)) return err_set(e, ERR_USAGE, "workload list too long");
    if (util_list_check(list, "workload", e) < 0) return -1;
    strcpy(buf, list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const struct workload *w = workload_find(t);
        if (!w) return err_set(e, ERR_USAGE, "unknown workload '%s' (see isobench list)", t);
        if (w->only_in)
            return err_set(e, ERR_USAGE,
                           "workload %s is a part of scenario %s (isobench scenario run %s)", t,
                           w->only_in, w->only_in);
        for (int i = 0; i < p->nwl; i++)
            if (p->wl[i] == w) return err_set(e, ERR_USAGE, "workload '%s' listed twice", t);
        const char *why = w->unavailable ? w->unavailable() : NULL;
        if (why) return err_set(e, ERR_USAGE, "workload %s is unavailable: %s", t, why);
        if (p->nwl >= LIM_WORKLOADS)
            return err_set(e, ERR_USAGE, "too many workloads (at most %d)", LIM_WORKLOADS);
        p->wl[p->nwl++] = w;
    }
    if (p->nwl == 0) return err_set(e, ERR_USAGE, "no workload given (-w)");
    return 0;
}

int runner_plan_peer(struct run_plan *p, const char *url, struct err *e)
{
    if (peer_url_parse(url, &p->peer_url, e) < 0) return -1;
    for (int w = 0; w < p->nwl; w++)
        if (p->wl[w]->net) return 0;
    return err_set(e, ERR_USAGE,
                   "--peer: no planned workload has a client half to run there (network and "
                   "application workloads do)");
}

static int wl_declares(const struct workload *w, const char *key)
{
    for (const struct wl_opt *o = w->opts; o && o->name; o++)
        if (strcmp(o->name, key) == 0) return 1;
    return 0;
}

/* Hands each user option to the workloads it names or that declare it. */
static int plan_options(struct run_plan *p, const struct kvlist *user, struct err *e)
{
    for (int i = 0; user && i < user->n; i++) {
        const char *key = user->v[i].key, *val = user->v[i].val;
        const char *dot = strchr(key, '.');
        int used = 0;
        for (int w = 0; w < p->nwl; w++) {
            const char *k = key;
            if (dot) {
                if (strncmp(key, p->wl[w]->name, (size_t)(dot - key)) != 0 ||
                    p->wl[w]->name[dot - key] != '\0')
                    continue;
                k = dot + 1;
                if (!wl_declares(p->wl[w], k))
                    return err_set(e, ERR_USAGE, "workload %s has no option '%s'", p->wl[w]->name,
                                   k);
            } else if (!wl_declares(p->wl[w], k)) {
                continue;
            }
            if (kv_set(&p->wlopts[w], k, val, e) < 0) return -1;
            used = 1;
        }
        if (!used) return err_set(e, ERR_USAGE, "option '%s' matches no selected workload", key);
    }
    return 0;
}

/* 1 when an environment keeps workload data under HOST_DATA_DIR: all do
 * but native with its own data= (whose room the workloads check where
 * they run). */
static int plan_uses_data_dir(const struct run_plan *p)
{
    for (int i = 0; i < p->nenv; i++)
        if (strcmp(p->env[i]->name, "native") || !kv_get(&p->spec[i].kv, "data")) return 1;
    return 0;
}

int runner_size_workload(const struct workload *w, struct kvlist *opts, int size,
                         const struct host_caps *host, int uses_data_dir, struct wl_needs *need,
                         struct err *e)
{
    struct wl_ctx ctx = {.size = size,
                         .opts = opts,
                         .ncpus = host->ncpus,
                         .llc_bytes = host->llc_bytes,
                         .role = "",
                         .addr = "",
                         .datadir = HOST_DATA_DIR};
    struct wl_vals vals; /* typed once for check(); the agents type the resolved list again */
    memset(need, 0, sizeof(*need));
    if (workload_load(w, &ctx, &vals, e) < 0) return -1;
    if (w->check(&ctx, opts, need, e) < 0) return -1;
    uint64_t avail = host->mem_avail;
    if (avail && need->mem_bytes > avail)
        return err_set(
            e, ERR_USAGE, "%s at this size needs %llu MiB but only %llu MiB are available", w->name,
            (unsigned long long)(need->mem_bytes >> 20), (unsigned long long)(avail >> 20));
    uint64_t room = host->data_free;
    if (room && need->disk_bytes > room && uses_data_dir)
        return err_set(e, ERR_USAGE, "%s at this size writes %llu MiB but %s has %llu MiB free",
                       w->name, (unsigned long long)(need->disk_bytes >> 20), HOST_DATA_DIR,
                       (unsigned long long)(room >> 20));
    return 0;
}

/* Checks workload w against the plan's host: resolves its sizes into
 * wlopts[w], keeps its plan facts and the largest needs. */
static int plan_workload(struct run_plan *p, int w, struct err *e)
{
    struct wl_needs *need cleanup_free = calloc(1, sizeof(*need));
    if (!need) return err_set(e, ERR_FAIL, "out of memory");
    int rc = runner_size_workload(p->wl[w], &p->wlopts[w], p->size, &p->host, plan_uses_data_dir(p),
                                  need, e);
    p->plan_facts[w] = need->facts;
    p->needs[w] = need->needs;
    if (need->mem_bytes > p->mem_needed) p->mem_needed = need->mem_bytes;
    if (need->disk_bytes > p->disk_needed) p->disk_needed = need->disk_bytes;
    return rc;
}

int runner_plan(struct run_plan *p, const char *wl_list, const char *envlist,
                const struct kvlist *user_opts, struct err *e)
{
    if (plan_workloads(p, wl_list, e) < 0) return -1;
    struct spec specs[LIM_ENVS];
    int n = spec_split_list(envlist, specs, LIM_ENVS - 1, e);
    if (n < 0) return -1;
    int has_native = 0;
    for (int i = 0; i < n; i++)
        has_native |= strcmp(specs[i].text, "native") == 0;
    p->nenv = 0;
    if (!has_native) spec_parse("native", &p->spec[p->nenv++], e);
    for (int i = 0; i < n; i++)
        p->spec[p->nenv++] = specs[i];
    if (p->host.ncpus == 0) host_caps_probe(&p->host);
    for (int i = 0; i < p->nenv; i++) {
        if (env_resolve(&p->spec[i], &p->env[i], e) < 0) return -1;
        const char *why = env_unavailable(p->env[i]);
        if (why)
            return err_set(e, ERR_USAGE, "environment %s is unavailable: %s", p->spec[i].text, why);
        if ((p->slice.cpus || p->slice.mem) &&
            slice_apply(&p->slice, p->env[i], 0, p->host.ncpus, 0, &p->spec[i], e) < 0)
            return -1;
        if (env_conf_parse(p->env[i], &p->spec[i], &p->conf[i], e) < 0) return -1;
    }
    if (plan_options(p, user_opts, e) < 0) return -1;
    p->mem_needed = p->disk_needed = 0;
    for (int w = 0; w < p->nwl; w++) {
        if (plan_workload(p, w, e) < 0) return -1;
    }
    for (int w = 0; w < p->nwl; w++) /* by design, not failures: n/a with the reason */
        for (int i = 0; i < p->nenv; i++) {
            unsigned need = p->wl[w]->needs | p->needs[w] | (p->wl[w]->net ? WL_NEEDS_NET : 0u);
            p->na[w][i] = env_lacks(p->env[i], &p->spec[i], need);
        }
    struct env_needs needs = {
        .mem_bytes = p->mem_needed, .disk_bytes = p->disk_needed, .host = &p->host};
    for (int i = 0; i < p->nenv; i++)
        if (p->env[i]->fit && p->env[i]->fit(&p->spec[i], &needs, e) < 0) return -1;
    if (p->reps < 1) return err_set(e, ERR_USAGE, "repetitions must be >= 1");
    return 0;
}

int runner_plan_resume(struct run_plan *p, struct store *st, const char *which, struct err *e)
{
    struct run_view *rv = calloc(1, sizeof(*rv));
    struct kvlist *opts = calloc(1, sizeof(*opts));
    char *wls = malloc(LIM_WORKLOADS * LIM_WORKLOAD_NAME), *envl = malloc(LIM_ENVS * 257);
    int rc = rv && opts && wls && envl ? store_load_run(st, which, rv, e)
                                       : err_set(e, ERR_FAIL, "out of memory");
    if (rc == 0 && !strcmp(rv->status, "complete"))
        rc = err_set(e, ERR_USAGE, "run %lld is complete: nothing to resume", (long long)rv->id);
    else if (rc == 0 && !strcmp(rv->status, "running"))
        rc = err_set(e, ERR_USAGE, "run %lld is still running (isobench cleanup marks dead runs)",
                     (long long)rv->id);
    if (rc == 0) {
        wls[0] = envl[0] = '\0';
        for (int w = 0; w < rv->nwl; w++) {
            snprintf(wls + strlen(wls), LIM_WORKLOADS * LIM_WORKLOAD_NAME - strlen(wls), "%s%s",
                     w ? "," : "", rv->workloads[w]);
            for (int k = 0; rc == 0 && k < rv->wl_opts[w].n; k++) {
                char key[160];
                snprintf(key, sizeof(key), "%s.%s", rv->workloads[w], rv->wl_opts[w].v[k].key);
                rc = kv_set(opts, key, rv->wl_opts[w].v[k].val, e);
            }
        }
        /* canonical specs joined by commas split back the same way (a
         * token with '=' continues its spec); native is among them */
        for (int i = 0; i < rv->nenv; i++)
            snprintf(envl + strlen(envl), LIM_ENVS * 257 - strlen(envl), "%s%s", i ? "," : "",
                     rv->envs[i]);
        const char *seed = kv_get(&rv->host, "order_seed");
        const char *sl = kv_get(&rv->host, "slice"); /* the specs are stored without it */
        if (sl) rc = slice_parse(sl, &p->slice, e);
        p->size = rv->size;
        p->reps = rv->reps;
        p->seed = seed ? strtoull(seed, NULL, 10) : 0;
        p->counters = kv_get(&rv->host, "counters") != NULL;
        p->resume_id = rv->id;
        snprintf(p->command, sizeof(p->command), "%s", rv->command);
        if (kv_get(&rv->host, "target_ci") && /* --target-ci goes on with its design */
            (rc = converge_from_facts(&rv->host, rv->reps, &p->seq, e)) == 0) {
            p->target_ci = p->seq.pct;
            p->max_reps = p->seq.max_reps;
        }
    }
    if (rc == 0) rc = runner_plan(p, wls, envl, opts, e);
    if (rc == 0) rc = runner_sized_restore(p, &rv->host, e);
    if (rc == 0 && kv_get(&rv->host, "peer.url")) /* the same peer host goes on serving */
        rc = runner_plan_peer(p, kv_get(&rv->host, "peer.url"), e);
    if (rv) store_free_run(rv);
    free(rv);
    free(opts);
    free(wls);
    free(envl);
    return rc;
}
