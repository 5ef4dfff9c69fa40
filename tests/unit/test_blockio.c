/* blockio is the paper's fio job file (issue #33, item 4): its default jobs
 * have the shapes of kvm-docker-comparison's fio/test.fio at every preset
 * (the 16 GiB file and 60 s only at full), each job's shape is a fact of
 * the plan; one engine - libaio by default - is resolved for every
 * environment of a plan, and an environment whose sandbox refuses it is
 * n/a with the reason, decided before anything starts. A short real run
 * checks that N threads per job are summed as fio's group_reporting does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env.h"
#include "run/runner.h"
#include "workloads/lib/bioeng.h"
#include "workloads/lib/biojobs.h"
#include "workloads/workload.h"

/* The paper's fio/test.fio, job by job: [sequential-fill] rw=write
 * iodepth=16 bs=1M; [seq-read-1] rw=read bs=1M (iodepth 1); [seq-read-2]
 * iodepth=2; [random-write-16] randwrite 4K iodepth=16; [random-write-16x8]
 * the same, numjobs=8; [random-read-16], [random-read-16x8]; and
 * [mixed-random-rw-32x8] randrw rwmixread=70 4K iodepth=32 numjobs=8. */
static const struct {
    const char *name;
    int rw;
    unsigned bs, qd, numjobs, rwmixread;
} paper[] = {
    {"seqwrite_qd16", BIO_SEQWRITE, 1u << 20, 16, 1, 0},
    {"seqread_qd1", BIO_SEQREAD, 1u << 20, 1, 1, 100},
    {"seqread_qd2", BIO_SEQREAD, 1u << 20, 2, 1, 100},
    {"randwrite_qd16", BIO_RANDWRITE, 4096, 16, 1, 0},
    {"randwrite_qd16x8", BIO_RANDWRITE, 4096, 16, 8, 0},
    {"randread_qd16", BIO_RANDREAD, 4096, 16, 1, 100},
    {"randread_qd16x8", BIO_RANDREAD, 4096, 16, 8, 100},
    {"randrw_qd32x8", BIO_RANDRW, 4096, 32, 8, 70},
};
#define NPAPER (int)(sizeof(paper) / sizeof(paper[0]))

/* blockio's check() at size with opts: its resolved options and needs. */
static int check_at(int size, struct kvlist *opts, struct wl_needs *need, struct err *e)
{
    struct wl_ctx ctx = {.size = size, .opts = opts, .ncpus = 2, .role = "", .addr = ""};
    struct wl_vals vals;
    memset(need, 0, sizeof(*need));
    if (workload_load(&workload_blockio, &ctx, &vals, e) < 0) return -1;
    return workload_blockio.check(&ctx, opts, need, e);
}

/* The default job list parses to the paper's jobs, in its order. */
static void default_jobs_are_the_papers(void **state)
{
    (void)state;
    struct bio_job j[BIOJOBS_MAX];
    struct err e = {0};
    for (int size = SIZE_TINY; size <= SIZE_FULL; size++) {
        const char *list = wl_opts_value(workload_blockio.opts, NULL, size, "jobs");
        assert_non_null(list);
        int n = biojobs_parse(list, 128, 70, j, BIOJOBS_MAX, &e);
        assert_int_equal(n, NPAPER);
        for (int i = 0; i < n; i++) {
            assert_string_equal(j[i].name, paper[i].name);
            assert_int_equal(j[i].rw, paper[i].rw);
            assert_int_equal(j[i].bs, paper[i].bs);
            assert_int_equal(j[i].qd, paper[i].qd);
            assert_int_equal(j[i].numjobs, paper[i].numjobs);
            assert_int_equal(j[i].rwmixread, paper[i].rwmixread);
        }
    }
}

/* Every job's shape is a plan fact, in fio's words; the file and the
 * random runtime are the paper's (16g, 60 s) only at full, and the jobs
 * keep their shapes at the small presets. */
static void job_shapes_are_plan_facts(void **state)
{
    (void)state;
    static const char *const shape[NPAPER] = {
        "rw=write bs=1M iodepth=16 numjobs=1, one pass over ",
        "rw=read bs=1M iodepth=1 numjobs=1, one pass over ",
        "rw=read bs=1M iodepth=2 numjobs=1, one pass over ",
        "rw=randwrite bs=4K iodepth=16 numjobs=1 runtime=",
        "rw=randwrite bs=4K iodepth=16 numjobs=8 runtime=",
        "rw=randread bs=4K iodepth=16 numjobs=1 runtime=",
        "rw=randread bs=4K iodepth=16 numjobs=8 runtime=",
        "rw=randrw rwmixread=70 bs=4K iodepth=32 numjobs=8 runtime=",
    };
    static const char *const sizes[] = {"256m", "1g", "16g"}, *const secs[] = {"0.5", "5", "60"};
    for (int size = SIZE_TINY; size <= SIZE_FULL; size++) {
        struct kvlist opts = {0};
        struct wl_needs *need = calloc(1, sizeof(*need));
        struct err e = {0};
        assert_int_equal(check_at(size, &opts, need, &e), 0);
        char want[160], key[64];
        snprintf(want, sizeof(want), "ioengine=libaio direct=1 size=%s thread", sizes[size]);
        assert_string_equal(kv_get(&need->facts, "blockio.global"), want);
        assert_string_equal(kv_get(&need->facts, "blockio.engine"), "libaio");
        assert_non_null(strstr(kv_get(&need->facts, "blockio.job_file"), "the paper's"));
        for (int i = 0; i < NPAPER; i++) {
            snprintf(key, sizeof(key), "blockio.job.%s", paper[i].name);
            const char *v = kv_get(&need->facts, key);
            assert_non_null(v);
            snprintf(want, sizeof(want), "%s%s%s", shape[i], i < 3 ? sizes[size] : secs[size],
                     i == 0 ? " (the fill)" : "");
            assert_string_equal(v, want);
        }
        /* the largest job's buffers: the fill's 16 x 1 MiB, not 128 MiB */
        assert_true(need->mem_bytes == 16ull << 20);
        free(need);
    }
    /* another list is said to be one */
    struct kvlist opts = {0};
    struct wl_needs *need = calloc(1, sizeof(*need));
    struct err e = {0};
    kv_set(&opts, "jobs", "randread", &e);
    assert_int_equal(check_at(SIZE_TINY, &opts, need, &e), 0);
    assert_non_null(strstr(kv_get(&need->facts, "blockio.job_file"), "not the paper's"));
    assert_string_equal(kv_get(&need->facts, "blockio.job.randread"),
                        "rw=randread bs=4K iodepth=128 numjobs=1 runtime=0.5");
    free(need);
}

/* The job syntax: names, ranges, repeats. */
static void job_list_syntax(void **state)
{
    (void)state;
    struct bio_job j[BIOJOBS_MAX];
    struct err e = {0};
    assert_int_equal(biojobs_parse("randread@16x1,randrw@4x2,seqread", 128, 30, j, 16, &e), 3);
    assert_string_equal(j[0].name, "randread_qd16");
    assert_string_equal(j[1].name, "randrw_qd4x2");
    assert_int_equal(j[1].rwmixread, 30);
    assert_string_equal(j[2].name, "seqread");
    assert_int_equal(j[2].qd, 128);
    char shape[128];
    biojob_shape(&j[1], shape, sizeof(shape));
    assert_string_equal(shape, "rw=randrw rwmixread=30 bs=4K iodepth=4 numjobs=2");
    static const char *const bad[] = {"bogus",
                                      "randread@0",
                                      "randread@16x0",
                                      "randread@16x65",
                                      "randread@4097",
                                      "randread@x8",
                                      "randread@16y8",
                                      "seqread,seqread",
                                      "seqread@1,seqread@1x1",
                                      "",
                                      "seqread,,randread"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        e = (struct err){0};
        if (biojobs_parse(bad[i], 128, 70, j, 16, &e) != -1) fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(e.code, ERR_USAGE);
    }
}

/* One engine for the plan: libaio unless told, resolved into the options
 * (every environment runs it, the report's header prints it) and a plan
 * fact; psync needs depth 1; the old "auto" (io_uring, else libaio) is
 * gone. */
static void engine_is_decided_at_plan_time(void **state)
{
    (void)state;
    struct run_plan *p = calloc(1, sizeof(*p));
    struct kvlist opts = {0};
    struct err e = {0};
    p->size = SIZE_TINY;
    p->reps = 1;
    p->host = (struct host_caps){.ncpus = 2,
                                 .llc_bytes = 32u << 20,
                                 .llc_instances = 1,
                                 .mem_total = 8ull << 30,
                                 .mem_avail = 6ull << 30};
    assert_int_equal(runner_plan(p, "blockio", "native,null", &opts, &e), 0);
    assert_string_equal(kv_get(&p->wlopts[0], "engine"), "libaio");
    assert_string_equal(kv_get(&p->plan_facts[0], "blockio.engine"), "libaio");
    assert_false(p->needs[0] & WL_NEEDS_IO_URING);
    for (int i = 0; i < p->nenv; i++)
        assert_null(p->na[0][i]);
    free(p);

    struct wl_needs *need = calloc(1, sizeof(*need));
    kv_set(&opts, "engine", "io_uring", &e);
    assert_int_equal(check_at(SIZE_TINY, &opts, need, &e), 0);
    assert_true(need->needs & WL_NEEDS_IO_URING);
    assert_string_equal(kv_get(&need->facts, "blockio.engine"), "io_uring");
    static const char *const refused[][2] = {
        {"engine", "auto"}, {"engine", "psync"}, /* the paper's jobs queue 2..32 I/Os */
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct kvlist o = {0};
        kv_set(&o, refused[i][0], refused[i][1], &e);
        e = (struct err){0};
        assert_int_equal(check_at(SIZE_TINY, &o, need, &e), -1);
        assert_int_equal(e.code, ERR_USAGE);
    }
    struct kvlist o = {0};
    kv_set(&o, "engine", "psync", &e);
    kv_set(&o, "jobs", "seqread@1,randread@1x8", &e);
    assert_int_equal(check_at(SIZE_TINY, &o, need, &e), 0);
    assert_string_equal(kv_get(&o, "engine"), "psync");
    free(need);
}

/* engine=io_uring in a container - whose seccomp profile, containers-
 * common's as podman's and (since 25.0) Docker's, refuses io_uring - is
 * n/a with that reason; native, null and a VM's own kernel run it; libaio
 * runs everywhere O_DIRECT does. */
static void io_uring_na_where_the_sandbox_refuses_it(void **state)
{
    (void)state;
    struct spec sp;
    struct err e = {0};
    const struct env *ctr[] = {&env_container, &env_runc, &env_podman, &env_docker, &env_lxc};
    assert_int_equal(spec_parse("container", &sp, &e), 0);
    for (size_t i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++) {
        const char *why = env_lacks(ctr[i], &sp, WL_NEEDS_ODIRECT | WL_NEEDS_IO_URING);
        if (!why) fail_msg("%s runs io_uring", ctr[i]->name);
        assert_non_null(strstr(why, "seccomp profile refuses io_uring"));
        assert_null(env_lacks(ctr[i], &sp, WL_NEEDS_ODIRECT));
    }
    assert_null(env_lacks(&env_native, &sp, WL_NEEDS_ODIRECT | WL_NEEDS_IO_URING));
    assert_null(env_lacks(&env_null, &sp, WL_NEEDS_ODIRECT | WL_NEEDS_IO_URING));
    assert_int_equal(spec_parse("vm", &sp, &e), 0);
    assert_null(env_lacks(&env_vm, &sp, WL_NEEDS_ODIRECT | WL_NEEDS_IO_URING));
    assert_int_equal(spec_parse("vm:nested=container,image=x", &sp, &e), 0);
    assert_non_null(env_lacks(&env_vm, &sp, WL_NEEDS_ODIRECT | WL_NEEDS_IO_URING));
    assert_null(env_lacks(&env_vm, &sp, WL_NEEDS_ODIRECT));
    /* the planner puts it per pair, from the option alone */
    if (env_unavailable(&env_container)) {
        fprintf(stderr, "container unavailable (%s): its plan not checked\n",
                env_unavailable(&env_container));
        return;
    }
    struct run_plan *p = calloc(1, sizeof(*p));
    struct kvlist opts = {0};
    p->size = SIZE_TINY;
    p->reps = 1;
    p->host = (struct host_caps){.ncpus = 2,
                                 .llc_bytes = 32u << 20,
                                 .llc_instances = 1,
                                 .mem_total = 8ull << 30,
                                 .mem_avail = 6ull << 30};
    kv_set(&opts, "blockio.engine", "io_uring", &e);
    if (runner_plan(p, "blockio", "native,container", &opts, &e) < 0) fail_msg("%s", e.msg);
    assert_null(p->na[0][0]);
    assert_non_null(p->na[0][1]);
    assert_non_null(strstr(p->na[0][1], "io_uring"));
    kv_set(&opts, "blockio.engine", "libaio", &e);
    struct host_caps h = p->host;
    memset(p, 0, sizeof(*p));
    p->size = SIZE_TINY;
    p->reps = 1;
    p->host = h;
    assert_int_equal(runner_plan(p, "blockio", "native,container", &opts, &e), 0);
    assert_null(p->na[0][1]);
    free(p);
}

/* A short real run of blockio through each engine on a disk-backed
 * directory: every job's metrics, the numjobs threads summed (the x2
 * job's latency histogram holds every I/O: its mean is finite, its IOPS
 * positive), the engine a fact of the sample. Skipped where /var/tmp
 * refuses O_DIRECT. */
static void short_run_through_each_engine(void **state)
{
    (void)state;
    static const char *const engines[] = {"libaio", "io_uring", "psync"};
    for (int k = 0; k < 3; k++) {
        struct kvlist opts = {0};
        struct err e = {0};
        kv_set(&opts, "file-size", "16M", &e);
        kv_set(&opts, "runtime", "0.05", &e);
        kv_set(&opts, "pages", "normal", &e);
        kv_set(&opts, "engine", engines[k], &e);
        kv_set(&opts, "jobs", k == 2 ? "seqwrite@1,randread@1x2" : "seqwrite@4,randrw@4x2", &e);
        struct wl_ctx ctx = {.size = SIZE_TINY, .opts = &opts, .ncpus = 2, .datadir = "/var/tmp"};
        struct wl_vals vals;
        assert_int_equal(workload_load(&workload_blockio, &ctx, &vals, &e), 0);
        struct result *r = calloc(1, sizeof(*r));
        int rc = workload_blockio.run(&ctx, r, &e);
        if (rc < 0 && (e.code == ERR_USAGE || (k == 1 && strstr(e.msg, "io_uring refused")))) {
            fprintf(stderr, "blockio %s not run here: %s\n", engines[k], e.msg);
            free(r);
            continue;
        }
        if (rc < 0) fail_msg("%s: %s", engines[k], e.msg);
        assert_string_equal(kv_get(&r->facts, "blockio.engine"), engines[k]);
        const char *job = k == 2 ? "randread_qd1x2" : "randrw_qd4x2";
        int seen = 0;
        for (int i = 0; i < r->n; i++) {
            if (strncmp(r->m[i].name, job, strlen(job))) continue;
            seen++;
            assert_true(r->m[i].value > 0 && r->m[i].value < 1e12);
        }
        assert_true(seen >= 5); /* bw, iops, lat_mean, p50, p99 */
        free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_jobs_are_the_papers),
        cmocka_unit_test(job_shapes_are_plan_facts),
        cmocka_unit_test(job_list_syntax),
        cmocka_unit_test(engine_is_decided_at_plan_time),
        cmocka_unit_test(io_uring_na_where_the_sandbox_refuses_it),
        cmocka_unit_test(short_run_through_each_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
