/* test_explain - the ladder of `isobench explain` for every ENV it takes,
 * on simulated hosts, and the report's attribution arithmetic on a
 * synthetic run whose increments are known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/explain.h"
#include "report/report.h"
#include "run/explain.h"

static const struct explain_host tcg_hp = {.kvm = 0, .hugepages = 1, .vhost = 0};
static const struct explain_host kvm_hp = {.kvm = 1, .hugepages = 1, .vhost = 1};
static const struct explain_host tcg_nohp = {.kvm = 0, .hugepages = 0, .vhost = 1};

/* The ladder's rungs as "knob=spec" or "knob=n/a" lines, one string. */
static char *ladder(const char *env, const struct explain_host *h)
{
    static struct explain_ladder l;
    struct err e = {0};
    int rc = explain_ladder(env, h, &l, &e);
    if (rc < 0) fprintf(stderr, "%s: %s\n", env, e.msg);
    assert_int_equal(rc, 0);
    static char buf[4096];
    size_t off = 0;
    for (int k = 0; k < l.n; k++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s=%s\n", l.r[k].knob,
                                l.r[k].spec[0] ? l.r[k].spec : "n/a");
    return buf;
}

static void container_ladders(void **state)
{
    (void)state;
    assert_string_equal(ladder("container", &tcg_hp),
                        "native=native\n+namespaces=container:net=host,storage=volume\n"
                        "+cgroup limits=n/a\n+seccomp + capabilities=n/a\n"
                        "+NAT=container:storage=volume\n+overlay storage=container\n+userns=n/a\n");
    /* limits, userns and an image kept on every rung; ENV as written last */
    assert_string_equal(
        ladder("container:userns=on,mem=2G,cpus=0-1,image=/srv/img", &tcg_hp),
        "native=native\n+namespaces=container:image=/srv/img,net=host,storage=volume\n"
        "+cgroup limits=container:image=/srv/img,net=host,storage=volume,mem=2G,cpus=0-1\n"
        "+seccomp + capabilities=n/a\n+NAT=container:image=/srv/img,storage=volume,mem=2G,"
        "cpus=0-1\n+overlay storage=container:image=/srv/img,mem=2G,cpus=0-1\n"
        "+userns=container:userns=on,mem=2G,cpus=0-1,image=/srv/img\n");
    assert_string_equal(ladder("docker:net=host", &tcg_hp),
                        "native=native\n+namespaces=docker:net=host,storage=volume\n"
                        "+cgroup limits=n/a\n+seccomp + capabilities=n/a\n+NAT=n/a\n"
                        "+overlay storage=docker:net=host\n+userns=n/a\n");
    assert_string_equal(ladder("podman:storage=volume,net=none", &tcg_hp),
                        "native=native\n+namespaces=podman:net=host,storage=volume\n"
                        "+cgroup limits=n/a\n+seccomp + capabilities=n/a\n"
                        "+own netns (net=none)=podman:storage=volume,net=none\n"
                        "+overlay storage=n/a\n+userns=n/a\n");
    assert_string_equal(ladder("runc", &tcg_hp),
                        "native=native\n+namespaces=runc:net=host,storage=volume\n"
                        "+cgroup limits=n/a\n+seccomp + capabilities=n/a\n+NAT=n/a\n"
                        "+own netns (net=none)=runc:storage=volume\n+overlay storage=runc\n"
                        "+userns=n/a\n");
    /* ENV already the first rung: one increment */
    assert_string_equal(ladder("runc:net=host,storage=volume", &tcg_hp),
                        "native=native\n+namespaces=runc:net=host,storage=volume\n"
                        "+cgroup limits=n/a\n+seccomp + capabilities=n/a\n+NAT=n/a\n"
                        "+overlay storage=n/a\n+userns=n/a\n");
}

static void gvisor_ladders(void **state)
{
    (void)state;
    assert_string_equal(
        ladder("runsc", &tcg_hp),
        "native=native\n+namespaces=runc:net=host,storage=volume\n"
        "+cgroup limits=n/a\n+seccomp + capabilities=n/a\n"
        "+gVisor (platform=ptrace)=runsc:net=host,storage=volume\n"
        "+platform choice=n/a\n+NAT=n/a\n+netstack (net=none)=runsc:storage=volume\n"
        "+overlay storage=runsc\n+userns=n/a\n");
    assert_string_equal(
        ladder("runsc:platform=systrap,net=host", &tcg_hp),
        "native=native\n+namespaces=runc:net=host,storage=volume\n"
        "+cgroup limits=n/a\n+seccomp + capabilities=n/a\n"
        "+gVisor (platform=ptrace)=runsc:net=host,storage=volume\n"
        "+platform=systrap=runsc:net=host,storage=volume,platform=systrap\n"
        "+NAT=n/a\n+overlay storage=runsc:platform=systrap,net=host\n+userns=n/a\n");
    /* platform=kvm: runs on a KVM host; blocked (ENV and after) on TCG */
    struct explain_ladder l;
    struct err e = {0};
    assert_int_equal(explain_ladder("runsc:platform=kvm", &kvm_hp, &l, &e), 0);
    assert_string_equal(l.blocked, "");
    assert_string_equal(l.r[l.n - 2].spec, "runsc:platform=kvm");
    assert_int_equal(explain_ladder("runsc:platform=kvm", &tcg_hp, &l, &e), 0);
    assert_non_null(strstr(l.blocked, "needs hardware KVM"));
    for (int k = 5; k < l.n; k++)
        assert_string_equal(l.r[k].spec, "");
    assert_string_equal(l.r[4].spec, "runsc:net=host,storage=volume"); /* before the knob: runs */
}

static void vm_ladders(void **state)
{
    (void)state;
    const char *stock = "native=native\nvm tuned=vm:tuned=on\n"
                        "-huge pages=vm:tuned=on,hugepages=off\n-pinning=n/a\n"
                        "-host topology=n/a\n-host CPU model (= stock)=vm\n+NAT=n/a\n"
                        "disk: file -> device=n/a\n-vhost=n/a\n";
    assert_string_equal(ladder("vm", &tcg_hp), stock);
    assert_string_equal(ladder("vm", &kvm_hp), stock);
    struct explain_ladder l;
    struct err e = {0};
    /* TCG says so in the pinning rung; KVM does not */
    assert_int_equal(explain_ladder("vm", &tcg_hp, &l, &e), 0);
    assert_non_null(strstr(l.r[3].na, "TCG"));
    assert_non_null(strstr(l.r[1].note, "TCG"));
    assert_int_equal(explain_ladder("vm", &kvm_hp, &l, &e), 0);
    assert_null(strstr(l.r[3].na, "TCG"));
    assert_non_null(strstr(l.r[8].na, "no vm key turns vhost off"));
    /* no hugepages: the tuned rung is n/a with the reason; tuned on 4 KiB
     * pages and stock still run */
    assert_int_equal(explain_ladder("vm:cpus=2", &tcg_nohp, &l, &e), 0);
    assert_string_equal(l.r[1].spec, "");
    assert_non_null(strstr(l.r[1].na, "no 2 MiB hugepages"));
    assert_string_equal(l.r[2].spec, "vm:cpus=2,tuned=on,hugepages=off");
    assert_string_equal(l.r[5].spec, "vm:cpus=2");
    assert_string_equal(l.blocked, "");
    assert_int_equal(explain_ladder("vm:tuned,hugepages=off", &tcg_nohp, &l, &e), 0);
    assert_string_equal(l.blocked, "");
    assert_string_equal(l.r[2].spec, "vm:tuned=on,hugepages=off");
    /* a stock guest on hugepages: the knob comes back last */
    assert_string_equal(ladder("vm:hugepages=on", &kvm_hp),
                        "native=native\nvm tuned=vm:tuned=on\n"
                        "-huge pages=vm:tuned=on,hugepages=off\n-pinning=n/a\n"
                        "-host topology=n/a\n-host CPU model (= stock)=vm\n"
                        "+huge pages=vm:hugepages=on\n+NAT=n/a\ndisk: file -> device=n/a\n"
                        "-vhost=n/a\n");
    /* a tuned ENV without hugepages cannot run at all */
    assert_int_equal(explain_ladder("vm:tuned", &tcg_nohp, &l, &e), 0);
    assert_non_null(strstr(l.blocked, "hugepages"));
    /* tuned ENV with NAT and a device: tuned, +NAT, then the device */
    assert_string_equal(ladder("vm:tuned,net=nat,disk=/dev/vdz,mem=2G", &kvm_hp),
                        "native=native\nvm tuned=vm:mem=2G,tuned=on\n"
                        "+NAT=vm:mem=2G,tuned=on,net=nat\n"
                        "disk: file -> device=vm:tuned=on,net=nat,disk=/dev/vdz,mem=2G\n"
                        "-vhost=n/a\n");
    assert_string_equal(ladder("vm:image=deb,nested=container", &kvm_hp),
                        "native=native\nvm tuned=vm:image=deb,tuned=on\n"
                        "-huge pages=vm:image=deb,tuned=on,hugepages=off\n"
                        "-pinning=n/a\n-host topology=n/a\n-host CPU model (= stock)=vm:image=deb\n"
                        "+NAT=n/a\ndisk: file -> device=n/a\n-vhost=n/a\n"
                        "+container inside=vm:image=deb,nested=container\n");
}

static void bad_envs(void **state)
{
    (void)state;
    struct explain_ladder l;
    const char *bad[] = {"native", "null",        "xen", "nosuch", "container:bogus=1",
                         "vm:",    "runc:net=nat"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err e = {0};
        assert_int_equal(explain_ladder(bad[i], &tcg_hp, &l, &e), -1);
        assert_int_equal(e.code, ERR_USAGE);
    }
    struct err e = {0};
    assert_int_equal(explain_ladder("container", &tcg_hp, &l, &e), 0);
    char list[1024];
    assert_int_equal(explain_env_list(&l, list, sizeof(list), &e), 0);
    assert_string_equal(
        list, "native,container:net=host,storage=volume,container:storage=volume,container");
    struct kvlist f = {0};
    assert_int_equal(explain_facts(&l, &f, &e), 0);
    assert_string_equal(kv_get(&f, "explain.rungs"), "7");
    assert_string_equal(kv_get(&f, "explain.4.knob"), "+NAT");
    assert_null(kv_get(&f, "explain.2.spec"));
    assert_non_null(kv_get(&f, "explain.2.na"));
}

/* ---- attribution ---- */

static void add_point(struct run_view *rv, int env, const char *metric, int better, double v,
                      int rep)
{
    rv->points = realloc(rv->points, sizeof(*rv->points) * (size_t)(rv->npoints + 1));
    struct rv_point *p = &rv->points[rv->npoints++];
    memset(p, 0, sizeof(*p));
    p->env = env;
    snprintf(p->metric, sizeof(p->metric), "%s", metric);
    snprintf(p->unit, sizeof(p->unit), "us");
    p->better = better;
    p->value = v;
    p->rep = rep;
}

/* A run of the container ladder's 4 rungs (rung 2, 3 and 6 n/a), 8
 * rounds: "lat" (lower better) whose rungs are exactly x1.10, x1.20,
 * x1.05 of the one before in every round, "rate" (higher better) with
 * round-to-round noise, perop.ctxsw on native and ENV only, "extra" not a
 * headline metric. */
static struct run_view *ladder_run(void)
{
    struct run_view *rv = calloc(1, sizeof(*rv));
    rv->id = 3;
    strcpy(rv->uuid, "u-3");
    rv->reps = 8;
    rv->nwl = 1;
    strcpy(rv->workloads[0], "netlat");
    const char *envs[] = {"native", "container:net=host,storage=volume", "container:storage=volume",
                          "container"};
    rv->nenv = 4;
    for (int j = 0; j < 4; j++)
        strcpy(rv->envs[j], envs[j]);
    struct explain_ladder l;
    struct err e = {0};
    assert_int_equal(explain_ladder("container", &tcg_hp, &l, &e), 0);
    assert_int_equal(explain_facts(&l, &rv->host, &e), 0);
    kv_set(&rv->host, "explain.headline.netlat", "lat,rate", NULL);
    const double f[] = {1, 1.10, 1.20, 1.05};
    for (int r = 1; r <= 8; r++) {
        double base = 100 + 7 * (r % 3), v = base, rate = 1000 - 13 * (r % 4);
        for (int j = 0; j < 4; j++) {
            v *= f[j];
            add_point(rv, j, "lat", BETTER_LOWER, v, r);
            add_point(rv, j, "extra", BETTER_LOWER, v, r);
            /* rate: each rung 2 %, 3 %, 4 % worse, with a wobble of its own */
            rate *= j ? 1 - (0.01 + 0.01 * j) * (1 + 0.3 * ((r + j) % 3 - 1)) : 1;
            add_point(rv, j, "rate", BETTER_HIGHER, rate, r);
            if (j == 0 || j == 3) add_point(rv, j, "perop.ctxsw", BETTER_LOWER, 2.0 + j, r);
        }
    }
    return rv;
}

static const struct xv_metric *find(const struct report *rep, const struct explain_view *xv,
                                    const char *metric)
{
    for (int i = 0; i < xv->nm; i++)
        if (!strcmp(rep->rows[xv->m[i].row].metric, metric)) return &xv->m[i];
    return NULL;
}

static void attribution_known_increments(void **state)
{
    (void)state;
    struct run_view *rv = ladder_run();
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    struct explain_view xv;
    assert_int_equal(explain_view_build(&rep, &xv, &e), 0);
    assert_int_equal(xv.nrung, 7);
    assert_int_equal(xv.env_idx, 3);
    assert_int_equal(xv.nm, 2); /* lat and rate; not extra, not perop.* */
    assert_null(find(&rep, &xv, "extra"));
    const struct xv_metric *m = find(&rep, &xv, "lat");
    assert_non_null(m);
    assert_int_equal(m->nincr, 3);
    const double want[] = {10, 20, 5};
    const int rung[] = {1, 4, 5};
    for (int s = 0; s < 3; s++) {
        assert_int_equal(m->increment[s].rung, rung[s]);
        assert_true(m->increment[s].has);
        assert_true(fabs(m->increment[s].ov.pct - want[s]) < 1e-9);
        assert_int_equal(m->increment[s].ov.rounds, 8);
        assert_false(m->increment[s].ov.within_noise); /* every round the same: [x, x] */
    }
    assert_true(m->has_total);
    assert_true(fabs(rep.rows[m->row].cell[3].ov.pct - 38.6) < 1e-9);
    assert_true(m->has_residual);
    assert_true(fabs(m->residual_log) < 1e-12); /* exact ratios telescope */
    /* rate: the residual is the total's log-ratio less the increments' medians' */
    m = find(&rep, &xv, "rate");
    assert_non_null(m);
    double sum = 0;
    for (int s = 0; s < m->nincr; s++) {
        assert_true(m->increment[s].ov.pct > 0); /* every rung worse */
        sum += log(1 - m->increment[s].ov.pct / 100);
    }
    double tot = rep.rows[m->row].cell[3].ov.pct;
    assert_true(fabs(m->residual_log - (log(1 - tot / 100) - sum)) < 1e-12);
    assert_true(fabs(m->residual_pct - (1 - exp(m->residual_log)) * 100) < 1e-9);
    explain_view_free(&xv);
    report_free(&rep);
    free(rv->points);
    free(rv);
}

/* The reporters: JSON has every rung and an increment per running rung, the
 * per-operation column where samples had it and nowhere else. */
static void attribution_rendered(void **state)
{
    (void)state;
    struct run_view *rv = ladder_run();
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    const struct reporter *rs[] = {&reporter_json, &reporter_table, &reporter_csv, &reporter_html,
                                   &reporter_markdown};
    char *out[5];
    for (int i = 0; i < 5; i++) {
        size_t len = 0;
        out[i] = NULL;
        FILE *f = open_memstream(&out[i], &len);
        assert_int_equal(rs[i]->emit(&rep, f, &e), 0);
        fclose(f);
    }
    assert_non_null(strstr(out[0], "\"explain\":{\"env\":\"container\",\"rungs\":[{\"rung\":0"));
    assert_non_null(strstr(out[0], "\"knob\":\"+cgroup limits\",\"spec\":null,\"na\":\"ENV sets"));
    assert_non_null(strstr(out[0], "\"perop\":{\"netlat\":{\"native\":{\"perop.ctxsw\":2}"));
    assert_non_null(strstr(out[0], "\"container:storage=volume\":{}")); /* absent, not 0 */
    assert_non_null(strstr(out[1], "+NAT"));
    assert_non_null(strstr(out[1], "+20.0% [+20.0, +20.0]"));
    assert_non_null(strstr(out[1], "absent"));
    assert_non_null(strstr(out[2], "\"explain:4:+NAT\",,,,,,,,,,20,20,20,"));
    assert_non_null(strstr(out[2], "\"explain:residual\""));
    assert_non_null(strstr(out[3], "<section id=\"explain\">"));
    assert_non_null(strstr(out[3], "overhead by knob, native -&gt; container"));
    assert_non_null(strstr(out[4], "| +NAT |"));
    for (int i = 0; i < 5; i++)
        free(out[i]);
    report_free(&rep);
    /* no perop.* anywhere: no per-operation table at all */
    int n = 0;
    for (int i = 0; i < rv->npoints; i++)
        if (strncmp(rv->points[i].metric, "perop.", 6)) rv->points[n++] = rv->points[i];
    rv->npoints = n;
    assert_int_equal(report_build(rv, &rep, &e), 0);
    char *t = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&t, &len);
    assert_int_equal(reporter_table.emit(&rep, f, &e), 0);
    fclose(f);
    assert_null(strstr(t, "per operation"));
    assert_null(strstr(t, "absent"));
    free(t);
    report_free(&rep);
    free(rv->points);
    free(rv);
}

/* A workload n/a on a rung by design: the increments into and out of that
 * rung say so (n/a and the reason), never a number; no residual. */
static void attribution_na_rung(void **state)
{
    (void)state;
    struct run_view *rv = ladder_run();
    rv->nwl = 2;
    strcpy(rv->workloads[1], "netbw");
    kv_set(&rv->host, "explain.headline.netbw", "goodput", NULL);
    for (int r = 1; r <= 8; r++)
        for (int j = 0; j < 4; j++)
            if (j != 2) {
                add_point(rv, j, "goodput", BETTER_HIGHER, 900 + r + j, r);
                rv->points[rv->npoints - 1].wl = 1;
            }
    rv->na = calloc(1, sizeof(*rv->na));
    rv->nna = 1;
    rv->na[0] = (struct rv_na){.wl = 1, .env = 2};
    strcpy(rv->na[0].reason, "net=none: no network path from the peer namespace");
    struct report rep;
    struct err e = {0};
    assert_int_equal(report_build(rv, &rep, &e), 0);
    struct explain_view xv;
    assert_int_equal(explain_view_build(&rep, &xv, &e), 0);
    const struct xv_metric *m = find(&rep, &xv, "goodput");
    assert_non_null(m);
    assert_int_equal(m->nincr, 3);
    assert_true(m->increment[0].has);
    assert_false(m->increment[1].has);
    assert_false(m->increment[2].has);
    assert_string_equal(m->increment[1].na, rv->na[0].reason);
    assert_string_equal(m->increment[2].na, rv->na[0].reason);
    assert_true(m->has_total);
    assert_false(m->has_residual);
    char *t = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&t, &len);
    explain_text(&rep, &xv, f, 0);
    fclose(f);
    assert_non_null(strstr(t, "n/a: net=none: no network path"));
    free(t);
    explain_view_free(&xv);
    report_free(&rep);
    free(rv->na);
    free(rv->points);
    free(rv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(container_ladders),
        cmocka_unit_test(gvisor_ladders),
        cmocka_unit_test(vm_ladders),
        cmocka_unit_test(bad_envs),
        cmocka_unit_test(attribution_known_increments),
        cmocka_unit_test(attribution_rendered),
        cmocka_unit_test(attribution_na_rung),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
