/* Docker's device policy (envs/ctr/devices.c): the rule table, and
 * both of its enforcements on this kernel - a v1 devices cgroup and the v2
 * BPF_CGROUP_DEVICE program - each checked by a child moved into a cgroup
 * that carries it: /dev/null's node opens, a block device's node can be
 * made but not opened. Root only (skipped otherwise); a hierarchy this
 * host lacks is skipped with the reason, a failure under CI=true. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "envs/ctr/devices.h"

static void rules_are_dockers(void **state)
{
    (void)state;
    assert_true(dev_allows('c', 1, 3, 'r'));     /* null */
    assert_true(dev_allows('c', 1, 9, 'w'));     /* urandom */
    assert_true(dev_allows('c', 136, 4, 'r'));   /* a pts */
    assert_true(dev_allows('b', 8, 0, 'm'));     /* mknod of anything */
    assert_false(dev_allows('b', 8, 0, 'r'));    /* the host's disk */
    assert_false(dev_allows('b', 7, 0, 'w'));    /* a loop device */
    assert_false(dev_allows('c', 10, 200, 'r')); /* tun: not in the list */
    assert_false(dev_allows('c', 1, 1, 'r'));    /* /dev/mem */
    char buf[32];
    dev_rule_text(&dev_allowed[0], buf, sizeof(buf));
    assert_string_equal(buf, "c *:* m");
    dev_rule_text(&dev_allowed[2], buf, sizeof(buf));
    assert_string_equal(buf, "c 1:3 rwm");
}

/* In a child moved into the cgroup at procs: 0 when /dev/null's node
 * opens and a node of b 7:0 can be made but not opened (EPERM); else a
 * code naming the step that went wrong. */
static int child_checks(const char *procs, const char *node)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = fopen(procs, "w");
        if (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0) _exit(10);
        int fd = open("/dev/null", O_RDWR);
        if (fd < 0) _exit(11);
        close(fd);
        unlink(node);
        if (mknod(node, S_IFBLK | 0600, makedev(7, 0)) < 0) _exit(12);
        fd = open(node, O_RDONLY);
        int er = errno;
        unlink(node);
        _exit(fd >= 0 ? 13 : er == EPERM ? 0 : 14);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

/* 1 when this host's root may open a node of b 7:0 (the control). */
static int control_opens(const char *node)
{
    unlink(node);
    if (mknod(node, S_IFBLK | 0600, makedev(7, 0)) < 0) return 0;
    int fd = open(node, O_RDONLY);
    unlink(node);
    if (fd >= 0) close(fd);
    return fd >= 0;
}

/* The mount point of cgroup2 (the v2 root, or hybrid's unified), "". */
static void cgroup2_mount(char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/self/mounts", "r");
    char dev[256], dir[256], type[64];
    while (f && fscanf(f, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3)
        if (!strcmp(type, "cgroup2")) {
            snprintf(out, len, "%s", dir);
            break;
        }
    if (f) fclose(f);
}

static void skip_or_fail(const char *why)
{
    const char *ci = getenv("CI");
    if (ci && !strcmp(ci, "true")) fail_msg("%s (under CI this host kind has it)", why);
    printf("SKIP: %s\n", why);
    skip();
}

static void v1_devices_cgroup(void **state)
{
    (void)state;
    char node[] = "/tmp/isobench-devtest-v1", dir[256], procs[300];
    if (access("/sys/fs/cgroup/devices/devices.allow", F_OK) != 0)
        skip_or_fail("no v1 devices hierarchy at /sys/fs/cgroup/devices");
    if (!control_opens(node)) skip_or_fail("this host's root cannot open b 7:0 (the control)");
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/devices/isobench-devtest-%d", (int)getpid());
    assert_int_equal(mkdir(dir, 0755), 0);
    struct err e = {0};
    int rc = dev_apply_v1(dir, &e);
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    int code = rc == 0 ? child_checks(procs, node) : -1;
    rmdir(dir);
    assert_int_equal(rc, 0);
    assert_int_equal(code, 0);
}

static void v2_bpf_program(void **state)
{
    (void)state;
    char node[] = "/tmp/isobench-devtest-v2", root[256], dir[300], procs[340];
    cgroup2_mount(root, sizeof(root));
    if (!root[0]) skip_or_fail("no cgroup2 mount");
    if (!control_opens(node)) skip_or_fail("this host's root cannot open b 7:0 (the control)");
    snprintf(dir, sizeof(dir), "%s/isobench-devtest-%d", root, (int)getpid());
    assert_int_equal(mkdir(dir, 0755), 0);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    struct err e = {0};
    int rc = fd >= 0 ? dev_apply_v2(fd, &e) : -1;
    if (fd >= 0) close(fd);
    if (rc < 0) printf("dev_apply_v2: %s\n", e.msg);
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    int code = rc == 0 ? child_checks(procs, node) : -1;
    rmdir(dir);
    assert_int_equal(rc, 0);
    assert_int_equal(code, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rules_are_dockers),
        cmocka_unit_test(v1_devices_cgroup),
        cmocka_unit_test(v2_bpf_program),
    };
    if (geteuid() != 0) { /* the table only: the cgroups need root */
        printf("note: not root: the v1 and v2 enforcements are not tried\n");
        const struct CMUnitTest table[] = {cmocka_unit_test(rules_are_dockers)};
        return cmocka_run_group_tests(table, NULL, NULL);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
