/* The guest's CPUs and QEMU command line (envs/vm/cpus.c, qemu_argv.c)
 * for simulated hosts this machine is not: the paper's untuned shape (N
 * sockets x 1 core, qemu64 named) and the tuned one (the host's sockets x
 * cores x threads, host model under KVM, max under TCG with the reason,
 * vCPU i pinned to the host thread at the same place). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "envs/ctr/net.h"
#include "envs/env.h"
#include "envs/vm/blockdev.h"
#include "envs/vm/cpus.h"
#include "envs/vm/qemu_argv.h"

static struct host_cpus host;

/* The argument after flag in argv (the first such), or NULL. */
static const char *arg_of(const struct qemu_argv *q, const char *flag)
{
    for (int i = 0; i + 1 < q->argc; i++)
        if (!strcmp(q->argv[i], flag)) return q->argv[i + 1];
    return NULL;
}

static int count_of(const struct qemu_argv *q, const char *flag)
{
    int n = 0;
    for (int i = 0; i < q->argc; i++)
        n += !strcmp(q->argv[i], flag);
    return n;
}

static void build_hp(const struct vm_cpus *p, int kvm, int tuned, int hugepages, const char *disk,
                     struct qemu_argv *q)
{
    struct qemu_in in = {.kvm = kvm,
                         .tuned = tuned,
                         .hugepages = hugepages,
                         .runas_nobody = 1,
                         .cpus = p,
                         .mem_mib = 2048,
                         .kernel = "/boot/vmlinuz",
                         .initrd = "/tmp/i",
                         .append = "console=ttyS0",
                         .sock = "/tmp/s",
                         .console = "/tmp/c",
                         .qmp = tuned ? "/tmp/q" : "",
                         .disk = disk,
                         .root = "",
                         .mac = "52:54:0a:00:00:02",
                         .vhost = 1};
    struct err e = {0};
    assert_int_equal(qemu_argv_build(&in, q, &e), 0);
    assert_null(q->argv[q->argc]);
}

/* hugepages as tuned sets them */
static void build(const struct vm_cpus *p, int kvm, int tuned, const char *disk,
                  struct qemu_argv *q)
{
    build_hp(p, kvm, tuned, tuned, disk, q);
}

/* 2 sockets x 8 cores x 2 threads (32 CPUs), Linux numbering: CPU 0's
 * sibling is CPU 16, socket 1 starts at CPU 8. */
static void host_2x8x2(void **state)
{
    (void)state;
    cpus_synth(2, 8, 2, &host);
    assert_int_equal(host.n, 32);
    assert_true(host.uniform);
    assert_int_equal(host.shape.sockets, 2);
    assert_int_equal(host.shape.cores, 8);
    assert_int_equal(host.shape.threads, 2);
    struct vm_cpus p;
    struct err e = {0};
    struct qemu_argv q;
    assert_int_equal(vm_cpus_plan(&host, 32, 1, 1, &p, &e), 0); /* tuned, KVM */
    build(&p, 1, 1, "/var/tmp/d.img", &q);
    assert_string_equal(arg_of(&q, "-smp"), "32,sockets=2,cores=8,threads=2");
    assert_string_equal(arg_of(&q, "-cpu"), "host");
    assert_string_equal(arg_of(&q, "-accel"), "kvm");
    assert_non_null(strstr(arg_of(&q, "-object"), "hugetlb=on"));
    assert_non_null(arg_of(&q, "-qmp"));
    /* vCPU (socket, core, thread) -> the host thread at the same place */
    assert_int_equal(p.pin[0], 0);   /* s0 c0 t0 */
    assert_int_equal(p.pin[1], 16);  /* s0 c0 t1: CPU 0's sibling */
    assert_int_equal(p.pin[2], 1);   /* s0 c1 t0 */
    assert_int_equal(p.pin[16], 8);  /* s1 c0 t0 */
    assert_int_equal(p.pin[31], 31); /* s1 c7 t1 */
    assert_string_equal(p.not_applied, "");
    assert_non_null(strstr(arg_of(&q, "-drive"), "aio=io_uring")); /* a file */
    /* vm:tuned,hugepages=off: pinned host shape and model, 4 KiB pages */
    build_hp(&p, 1, 1, 0, "/var/tmp/d.img", &q);
    assert_int_equal(count_of(&q, "-object"), 0);
    assert_string_equal(arg_of(&q, "-machine"), "q35");
    assert_string_equal(arg_of(&q, "-cpu"), "host");
    assert_non_null(arg_of(&q, "-qmp"));
    /* stock on the same host: the paper's 32 sockets of one core, qemu64 */
    assert_int_equal(vm_cpus_plan(&host, 32, 0, 1, &p, &e), 0);
    build(&p, 1, 0, "/dev/loop7", &q);
    assert_string_equal(arg_of(&q, "-smp"), "32,sockets=32,cores=1,threads=1");
    assert_string_equal(arg_of(&q, "-cpu"), "qemu64");
    assert_int_equal(count_of(&q, "-qmp"), 0);
    assert_int_equal(count_of(&q, "-object"), 0);
    assert_int_equal(p.pin[0], -1);
    assert_non_null(strstr(arg_of(&q, "-drive"), "aio=native")); /* a block device */
    /* a tuned guest of 4 vCPUs: two whole cores of socket 0, with SMT */
    assert_int_equal(vm_cpus_plan(&host, 4, 1, 1, &p, &e), 0);
    assert_string_equal(p.smp, "4,sockets=1,cores=2,threads=2");
    assert_int_equal(p.pin[1], 16);
    assert_int_equal(p.pin[2], 1);
    /* 3 vCPUs cannot fill whole cores: said */
    assert_int_equal(vm_cpus_plan(&host, 3, 1, 1, &p, &e), 0);
    assert_string_equal(p.smp, "3,sockets=1,cores=3,threads=1");
    assert_non_null(strstr(p.not_applied, "do not fill whole host cores"));
}

/* 1 socket x 2 cores x 1 thread (this machine's kind), under TCG: the
 * host model cannot pass through - max, and the plan says so. */
static void host_1x2x1_tcg(void **state)
{
    (void)state;
    cpus_synth(1, 2, 1, &host);
    struct vm_cpus p;
    struct err e = {0};
    struct qemu_argv q;
    assert_int_equal(vm_cpus_plan(&host, 2, 1, 0, &p, &e), 0);
    build(&p, 0, 1, "", &q);
    assert_string_equal(arg_of(&q, "-smp"), "2,sockets=1,cores=2,threads=1");
    assert_string_equal(arg_of(&q, "-cpu"), "max");
    assert_string_equal(arg_of(&q, "-accel"), "tcg,thread=multi");
    assert_int_equal(count_of(&q, "-drive"), 0);
    assert_non_null(strstr(p.not_applied, "TCG: the host CPU model cannot pass through"));
    assert_int_equal(p.pin[0], 0);
    assert_int_equal(p.pin[1], 1);
    assert_int_equal(vm_cpus_plan(&host, 2, 0, 0, &p, &e), 0);
    build(&p, 0, 0, "", &q);
    assert_string_equal(arg_of(&q, "-smp"), "2,sockets=2,cores=1,threads=1");
    assert_string_equal(arg_of(&q, "-cpu"), "qemu64");
    assert_string_equal(p.not_applied, "");
    assert_int_equal(vm_cpus_plan(&host, 0, 0, 0, &p, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* 1 socket x 64 cores x 2 threads: all of it, and the paper's Redis
 * guest of one vCPU (one thread of core 0). */
static void host_1x64x2(void **state)
{
    (void)state;
    cpus_synth(1, 64, 2, &host);
    struct vm_cpus p;
    struct err e = {0};
    struct qemu_argv q;
    assert_int_equal(vm_cpus_plan(&host, 128, 1, 1, &p, &e), 0);
    build(&p, 1, 1, "", &q);
    assert_string_equal(arg_of(&q, "-smp"), "128,sockets=1,cores=64,threads=2");
    assert_int_equal(p.pin[1], 64);
    assert_int_equal(p.pin[127], 127);
    assert_int_equal(vm_cpus_plan(&host, 1, 1, 1, &p, &e), 0);
    assert_string_equal(p.smp, "1,sockets=1,cores=1,threads=1");
    assert_int_equal(p.pin[0], 0);
    assert_int_equal(vm_cpus_plan(&host, 128, 0, 1, &p, &e), 0);
    assert_string_equal(p.smp, "128,sockets=128,cores=1,threads=1");
}

/* cpus_read on a sysfs tree made here: 4 CPUs, 2 cores of 2 threads. */
static void reads_sysfs(void **state)
{
    (void)state;
    char root[] = "/tmp/isobench-cpus-XXXXXX";
    assert_non_null(mkdtemp(root));
    char path[256];
    snprintf(path, sizeof(path), "%s/online", root);
    FILE *f = fopen(path, "w");
    fputs("0-3\n", f);
    fclose(f);
    const int core[] = {0, 1, 0, 1};
    for (int c = 0; c < 4; c++) {
        snprintf(path, sizeof(path), "%s/cpu%d", root, c);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/cpu%d/topology", root, c);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/cpu%d/topology/physical_package_id", root, c);
        f = fopen(path, "w");
        fputs("0\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/cpu%d/topology/core_id", root, c);
        f = fopen(path, "w");
        fprintf(f, "%d\n", core[c]);
        fclose(f);
    }
    struct err e = {0};
    assert_int_equal(cpus_read(root, &host, &e), 0);
    assert_int_equal(host.n, 4);
    assert_true(host.uniform);
    assert_int_equal(host.shape.cores, 2);
    assert_int_equal(host.shape.threads, 2);
    assert_int_equal(host.cpu[1], 2); /* core 0's second thread */
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

/* vm:disk=DEVICE's refusals that need no root: mountinfo's device field,
 * a path that is no block device. */
static void blockdev_refusals(void **state)
{
    (void)state;
    const char *mi = "22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
                     "40 22 7:3 / /mnt rw - ext4 /dev/loop3 rw\n";
    assert_true(vm_blockdev_mounted(mi, 7, 3));
    assert_true(vm_blockdev_mounted(mi, 253, 1));
    assert_false(vm_blockdev_mounted(mi, 7, 30));
    assert_false(vm_blockdev_mounted(mi, 25, 3));
    uint64_t size = 0;
    struct err e = {0};
    assert_int_equal(vm_blockdev_check("/etc/hostname", "/proc/self/mountinfo", &size, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "is not a block device"));
    assert_int_equal(vm_blockdev_check("/nonexistent/dev", "/proc/self/mountinfo", &size, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

/* The VM's direct route from the peer: only the peer's address, only the
 * server's port, both fences (the run's and the peer guard's), and the
 * replies - nothing else is accepted ahead of their drops. */
static void direct_route_rules(void **state)
{
    (void)state;
    struct net_nat n;
    net_nat_plan(&n, "run-x", 1);
    char cmd[1400], tag[9];
    struct err e = {0};
    net_run_tag("run-x", tag);
    assert_int_equal(
        net_direct_rules(&n, "run-x", "isobXp", "10.214.9.2", 20001, cmd, sizeof(cmd), &e), 0);
    char want[300];
    for (int t = 0; t < 2; t++) {
        snprintf(want, sizeof(want),
                 "insert rule ip %s_%s forward iifname \"isobXp\" oifname \"%s\" ip saddr "
                 "10.214.9.2 ip daddr 10.213.",
                 t ? "isobp" : "isob", tag, n.bridge);
        assert_non_null(strstr(cmd, want));
    }
    int lines = 0, dports = 0;
    for (const char *p = cmd; (p = strchr(p, '\n')); p++)
        lines++;
    for (const char *p = cmd; (p = strstr(p, "th dport 20001 accept")); p++)
        dports++;
    assert_int_equal(lines, 4);  /* two a table: the server's port, the replies */
    assert_int_equal(dports, 2); /* never a port range, never any port */
    assert_null(strstr(cmd, "dnat"));
    assert_int_equal(net_direct_rules(&n, "run-x", "p", "nope", 1, cmd, sizeof(cmd), &e), -1);
    assert_int_equal(net_direct_rules(&n, "run-x", "p", "10.0.0.1", 1, cmd, 40, &e), -1);
}

/* vm:balloon=on: virtio-balloon with free-page reporting, and the QMP
 * socket the per-step probe reads it through; without QMP it is refused. */
/* hugepages=on|off is checked and parsed apart from tuned (default: tuned's). */
static void hugepages_key(void **state)
{
    (void)state;
    struct spec sp;
    struct env_conf conf;
    struct err e = {0};
    assert_int_equal(spec_parse("vm:hugepages=maybe", &sp, &e), 0);
    assert_int_equal(env_conf_parse(&env_vm, &sp, &conf, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "hugepages is on or off"));
    const char *ok[] = {"vm:tuned,hugepages=off", "vm:hugepages=on", "vm:tuned"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(spec_parse(ok[i], &sp, &e), 0);
        assert_int_equal(env_conf_parse(&env_vm, &sp, &conf, &e), 0);
    }
}

static void balloon_device(void **state)
{
    (void)state;
    cpus_synth(1, 2, 1, &host);
    struct vm_cpus p;
    struct err e = {0};
    assert_int_equal(vm_cpus_plan(&host, 1, 0, 0, &p, &e), 0);
    struct qemu_in in = {.cpus = &p,
                         .mem_mib = 1024,
                         .kernel = "k",
                         .initrd = "i",
                         .append = "a",
                         .sock = "s",
                         .console = "c",
                         .qmp = "/tmp/q",
                         .balloon = 1};
    struct qemu_argv q;
    assert_int_equal(qemu_argv_build(&in, &q, &e), 0);
    int found = 0;
    for (int i = 0; i < q.argc; i++)
        found |= !strcmp(q.argv[i], "virtio-balloon-pci,id=balloon0,free-page-reporting=on,"
                                    "deflate-on-oom=on");
    assert_true(found);
    assert_string_equal(arg_of(&q, "-qmp"), "unix:/tmp/q,server=on,wait=off");
    in.qmp = "";
    assert_int_equal(qemu_argv_build(&in, &q, &e), -1);
    in.balloon = 0; /* stock, no balloon: no QMP, no balloon device */
    assert_int_equal(qemu_argv_build(&in, &q, &e), 0);
    assert_null(arg_of(&q, "-qmp"));
    for (int i = 0; i < q.argc; i++)
        assert_null(strstr(q.argv[i], "balloon"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(host_2x8x2),        cmocka_unit_test(host_1x2x1_tcg),
        cmocka_unit_test(host_1x64x2),       cmocka_unit_test(reads_sysfs),
        cmocka_unit_test(blockdev_refusals), cmocka_unit_test(direct_route_rules),
        cmocka_unit_test(balloon_device),    cmocka_unit_test(hugepages_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
