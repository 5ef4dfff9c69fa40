/* sizing - one column, instances of other sizes per workload: the paper
 * gave its netperf guest 1 vCPU and 1 GiB and its Redis guest 1 vCPU and
 * 1.5 GiB, the rest the whole host (runner.h: runner_plan_sized). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/runner.h"

/* 1 when spec sets one of the keys in list ("cpus=1,mem=1G"). */
static int sets_any(const struct spec *sp, const char *list)
{
    char buf[160];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (eq) *eq = '\0';
        if (kv_get(&sp->kv, t)) return 1;
    }
    return 0;
}

/* Parses text into a spec and its environment's conf, checked and fitted
 * against the plan's needs. */
static int sized_conf(const struct run_plan *p, int i, const char *text, struct env_conf *conf,
                      struct err *e)
{
    struct spec sp;
    if (spec_parse(text, &sp, e) < 0 || env_conf_parse(p->env[i], &sp, conf, e) < 0)
        return err_wrap(e, "sizing %s", p->spec[i].text);
    struct env_needs needs = {
        .mem_bytes = p->mem_needed, .disk_bytes = p->disk_needed, .host = &p->host};
    if (p->env[i]->fit && p->env[i]->fit(&sp, &needs, e) < 0)
        return err_wrap(e, "sizing %s as %s", p->spec[i].text, text);
    return 0;
}

int runner_plan_sized(struct run_plan *p, const char *workload, const char *driver,
                      const char *keys, struct err *e)
{
    int w = -1, n = 0;
    for (int k = 0; k < p->nwl; k++)
        if (!strcmp(p->wl[k]->name, workload)) w = k;
    if (w < 0) return 0; /* not in this run */
    struct env_conf *conf = malloc(sizeof(*conf));
    if (!conf) return err_set(e, ERR_FAIL, "out of memory");
    for (int i = 0; i < p->nenv; i++) {
        if (strcmp(p->env[i]->name, driver) || sets_any(&p->spec[i], keys)) continue;
        char *t = p->sized[w][i];
        int k = snprintf(t, sizeof(p->sized[w][i]), "%s%s%s", p->spec[i].text,
                         strchr(p->spec[i].text, ':') ? "," : ":", keys);
        if (k < 0 || (size_t)k >= sizeof(p->sized[w][i])) {
            free(conf);
            return err_set(e, ERR_USAGE, "sizing %s: the spec is too long", p->spec[i].text);
        }
        if (sized_conf(p, i, t, conf, e) < 0) {
            free(conf);
            return -1;
        }
        n++;
    }
    free(conf);
    return n;
}

void runner_sized_facts(const struct run_plan *p, struct kvlist *facts)
{
    for (int w = 0; w < p->nwl; w++)
        for (int i = 0; i < p->nenv; i++) {
            if (!p->sized[w][i][0]) continue;
            char k[64];
            snprintf(k, sizeof(k), "sized.%s.%d", p->wl[w]->name, i);
            kv_set(facts, k, p->sized[w][i], NULL); /* kv_require_all sees a drop */
        }
}

int runner_sized_restore(struct run_plan *p, const struct kvlist *facts, struct err *e)
{
    for (int w = 0; w < p->nwl; w++)
        for (int i = 0; i < p->nenv; i++) {
            char k[64];
            snprintf(k, sizeof(k), "sized.%s.%d", p->wl[w]->name, i);
            const char *v = kv_get(facts, k);
            if (!v) continue;
            if (snprintf(p->sized[w][i], sizeof(p->sized[w][i]), "%s", v) >=
                (int)sizeof(p->sized[w][i]))
                return err_set(e, ERR_USAGE, "the run's fact %s is too long", k);
        }
    return 0;
}

int runner_resize(struct run_plan *p, struct env_ctx *ctx, struct env_req *rq, int w,
                  char cur[][160], struct store *st, int64_t run_id, struct err *e)
{
    for (int i = 0; i < p->nenv; i++) {
        const char *want = p->sized[w][i];
        if (p->na[w][i]) continue;
        if (strcmp(want, cur[i])) { /* another instance for this workload */
            if (want[0] ? sized_conf(p, i, want, &rq[i].conf, e) < 0 : 0) return -1;
            if (!want[0]) rq[i].conf = p->conf[i];
            env_down(&ctx[i]);
            if (env_up(&ctx[i], &rq[i], e) < 0)
                return err_wrap(e, "bringing up %s as %s", p->spec[i].text,
                                want[0] ? want : "planned");
            snprintf(cur[i], 160, "%s", want);
        }
        char k[64]; /* every workload a sized instance ran, said once */
        snprintf(k, sizeof(k), "sized.%s", p->wl[w]->name);
        if (want[0] && store_env_fact(st, run_id, i, k, want, e) < 0) return -1;
    }
    return 0;
}
