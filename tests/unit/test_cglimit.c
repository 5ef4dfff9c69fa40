/* cg_cpu_limit: the quota a process sees of its own cgroup, v1 (hybrid,
 * cpu,cpuacct) and v2, the smallest one up the path, no limit, no view,
 * a malformed file refused; cg_cpus_for rounds up and caps. Fixture
 * hierarchies are plain directories made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cglimit.h"

static char root[64];

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/isobench-cglimit-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *const argv[] = {"rm", "-rf", root, NULL};
    pid_t pid = fork();
    if (pid == 0) execvp("rm", argv), _exit(127);
    int st;
    waitpid(pid, &st, 0);
    return 0;
}

static void v1_hybrid_smallest_up_the_path(void **state)
{
    (void)state;
    put("cpu,cpuacct/a/cpu.cfs_quota_us", "150000\n");
    put("cpu,cpuacct/a/cpu.cfs_period_us", "100000\n");
    put("cpu,cpuacct/a/b/cpu.cfs_quota_us", "-1\n");
    put("cpu,cpuacct/a/b/cpu.cfs_period_us", "100000\n");
    put("unified/cgroup.controllers", "\n");
    const char *pc = "12:memory:/a/b\n4:cpu,cpuacct:/a/b\n0::/a/b\n";
    double cpus = -1;
    char where[300];
    struct err e = {0};
    assert_int_equal(cg_cpu_limit(pc, root, &cpus, where, sizeof(where), &e), CG_LIMIT);
    assert_true(cpus > 1.49 && cpus < 1.51);
    assert_non_null(strstr(where, "cpu,cpuacct/a/cpu.cfs_quota_us"));
    assert_int_equal(cg_cpus_for(4, cpus), 2);
    /* a tighter child wins */
    put("cpu,cpuacct/a/b/cpu.cfs_quota_us", "50000\n");
    assert_int_equal(cg_cpu_limit(pc, root, &cpus, where, sizeof(where), &e), CG_LIMIT);
    assert_true(cpus > 0.49 && cpus < 0.51);
    assert_int_equal(cg_cpus_for(4, cpus), 1);
    /* garbage in a quota file is an error, not "no limit" */
    put("cpu,cpuacct/a/b/cpu.cfs_quota_us", "lots\n");
    assert_int_equal(cg_cpu_limit(pc, root, &cpus, where, sizeof(where), &e), -1);
    assert_non_null(strstr(e.msg, "unexpected"));
}

static void v2_namespace_root_and_none(void **state)
{
    (void)state;
    /* inside a cgroup namespace: the process is at "/", the view's root */
    put("cgroup.controllers", "cpu memory\n");
    put("cpu.max", "200000 100000\n");
    double cpus = -1;
    char where[300];
    struct err e = {0};
    assert_int_equal(cg_cpu_limit("0::/\n", root, &cpus, where, sizeof(where), &e), CG_LIMIT);
    assert_true(cpus > 1.99 && cpus < 2.01);
    assert_int_equal(cg_cpus_for(8, cpus), 2);
    assert_int_equal(cg_cpus_for(1, cpus), 1); /* never above the CPUs it may use */
    put("cpu.max", "max 100000\n");
    assert_int_equal(cg_cpu_limit("0::/\n", root, &cpus, where, sizeof(where), &e), CG_NOLIMIT);
    assert_int_equal(cg_cpus_for(8, 0), 8);
}

static void no_view(void **state)
{
    (void)state;
    double cpus = -1;
    char where[300];
    struct err e = {0};
    /* an empty directory: what a container without a cgroup mount sees */
    assert_int_equal(cg_cpu_limit("4:cpu,cpuacct:/\n0::/\n", root, &cpus, where, sizeof(where), &e),
                     CG_NOVIEW);
    assert_non_null(strstr(where, "no cgroup view"));
    char tiny[8];
    assert_int_equal(cg_cpu_limit("0::/\n", root, &cpus, tiny, sizeof(tiny), &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(v1_hybrid_smallest_up_the_path, setup, teardown),
        cmocka_unit_test_setup_teardown(v2_namespace_root_and_none, setup, teardown),
        cmocka_unit_test_setup_teardown(no_view, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
