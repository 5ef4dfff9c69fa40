/* test_fleet.c - the fleet's pieces: host facts parsed from a fixture
 * /proc + /sys + /etc tree, the host id and its binding, merge (twice
 * changes nothing; another schema version refused, OUT unchanged), and
 * report --by host over two synthetic runs of two hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/facts.h"
#include "core/store.h"
#include "report/report.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/isobench-test-fleet-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

/* Writes root/rel (its directories made), text as given. */
static void put(const char *root, const char *rel, const char *text)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s%s", root, rel);
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

static const char cpuinfo[] =
    "processor\t: 0\nmodel name\t: Fixture CPU\nmicrocode\t: 0x2b000571\nphysical id\t: 0\n"
    "siblings\t: 4\ncpu cores\t: 2\nflags\t\t: fpu sse4_2 avx avx2 aes vmx constant_tsc\n\n"
    "processor\t: 1\nmodel name\t: Fixture CPU\nmicrocode\t: 0x2b000571\nphysical id\t: 1\n"
    "siblings\t: 4\ncpu cores\t: 2\nflags\t\t: fpu sse4_2 avx avx2 aes vmx constant_tsc\n\n";

/* A host with two sockets, SMT, two NUMA nodes, KVM, a default route
 * over a virtio NIC, a long kernel command line. */
static void fixture(const char *root, const char *machine_id)
{
    put(root, "/proc/cpuinfo", cpuinfo);
    put(root, "/proc/meminfo",
        "MemTotal: 1000 kB\nHugePages_Total:      16\nHugepagesize: 2048 kB\n");
    char cmdline[400];
    memset(cmdline, 'x', sizeof(cmdline) - 1);
    cmdline[sizeof(cmdline) - 1] = '\0';
    memcpy(cmdline, "quiet ", 6);
    put(root, "/proc/cmdline", cmdline);
    put(root, "/proc/net/route",
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
        "eth1\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
    put(root, "/sys/class/net/eth0/speed", "10000\n");
    put(root, "/sys/class/net/eth0/mtu", "9000\n");
    put(root, "/sys/devices/system/cpu/vulnerabilities/meltdown", "Not affected\n");
    put(root, "/sys/devices/system/cpu/vulnerabilities/spectre_v2", "Mitigation: Retpolines\n");
    put(root, "/sys/devices/system/cpu/vulnerabilities/mds", "Vulnerable: Clear CPU buffers\n");
    put(root, "/sys/devices/system/node/node0/x", "");
    put(root, "/sys/devices/system/node/node1/x", "");
    put(root, "/sys/module/kvm_intel/x", "");
    put(root, "/dev/kvm", "");
    put(root, "/sys/class/dmi/id/sys_vendor", "Fixture Inc.\n");
    put(root, "/sys/class/dmi/id/product_name", "FX-1000\n");
    put(root, "/sys/class/dmi/id/product_uuid", "4c4c4544-0000-1000-8000-000000000001\n");
    put(root, "/etc/machine-id", machine_id);
    char drv[1024], target[1024];
    snprintf(drv, sizeof(drv), "%s/sys/class/net/eth0/device", root);
    mkdir(drv, 0755);
    snprintf(target, sizeof(target), "%s/sys/bus/virtio/drivers/virtio_net", root);
    strcat(drv, "/driver");
    assert_int_equal(symlink(target, drv), 0);
}

static void facts_from_fixture(void **state)
{
    (void)state;
    char root[512];
    snprintf(root, sizeof(root), "%s/host-a", dir);
    mkdir(root, 0755);
    fixture(root, "0123456789abcdef0123456789abcdef\n");
    struct kvlist *l = calloc(1, sizeof(*l));
    assert_non_null(l);
    struct err e = {0};
    assert_int_equal(facts_probe(root, "/", l, &e), 0);
    assert_string_equal(kv_get(l, "cpu_microcode"), "0x2b000571");
    assert_string_equal(kv_get(l, "cpu_isa"), "sse4_2 avx avx2 aes vmx constant_tsc");
    assert_non_null(strstr(kv_get(l, "cpu_flags_hash"), "(7 flags)"));
    assert_string_equal(kv_get(l, "cpu_sockets"), "2");
    assert_string_equal(kv_get(l, "cpu_threads_per_core"), "2");
    assert_string_equal(kv_get(l, "numa_nodes"), "2");
    assert_string_equal(kv_get(l, "hugepages"), "16 x 2048 kB");
    assert_string_equal(kv_get(l, "mitigations"), "1 mitigated, 1 not affected, vulnerable: mds");
    assert_string_equal(kv_get(l, "virt"), "kvm (kvm_intel)");
    assert_string_equal(kv_get(l, "dmi_vendor"), "Fixture Inc.");
    assert_string_equal(kv_get(l, "dmi_product"), "FX-1000");
    assert_string_equal(kv_get(l, "nic_iface"), "eth0");
    assert_string_equal(kv_get(l, "nic_driver"), "virtio_net");
    assert_string_equal(kv_get(l, "nic_speed_mbps"), "10000");
    assert_string_equal(kv_get(l, "nic_mtu"), "9000");
    /* 399 bytes do not fit a fact: its head, its length and hash, never cut silently */
    const char *cmd = kv_get(l, "kernel_cmdline");
    assert_non_null(cmd);
    assert_int_equal(strncmp(cmd, "quiet xxx", 9), 0);
    assert_non_null(strstr(cmd, "(399 bytes, fnv "));
    assert_int_equal(l->dropped, 0);
    /* the mitigations' hash follows a file's text */
    char h1[64];
    snprintf(h1, sizeof(h1), "%s", kv_get(l, "mitigations_hash"));
    put(root, "/sys/devices/system/cpu/vulnerabilities/mds", "Mitigation: Clear CPU buffers\n");
    assert_int_equal(facts_probe(root, "/", l, &e), 0);
    assert_string_not_equal(kv_get(l, "mitigations_hash"), h1);
    assert_string_equal(kv_get(l, "mitigations"), "2 mitigated, 1 not affected, vulnerable: none");
    free(l);

    /* a bare tree: every fact says it is unknown, none is invented */
    snprintf(root, sizeof(root), "%s/bare", dir);
    mkdir(root, 0755);
    l = calloc(1, sizeof(*l));
    assert_non_null(l);
    assert_int_equal(facts_probe(root, "/", l, &e), 0);
    assert_string_equal(kv_get(l, "cpu_microcode"), "unknown");
    assert_string_equal(kv_get(l, "virt"), "tcg (no /dev/kvm)");
    assert_string_equal(kv_get(l, "nic_iface"), "none (no default route)");
    free(l);
}

/* The id is made once and kept; another machine-id (a cloned disk booted
 * elsewhere) gets a new one; the file holds no machine-id. */
static void host_id_binding(void **state)
{
    (void)state;
    char root[512], id1[40], id2[40], id3[40], text[256], p[600];
    snprintf(root, sizeof(root), "%s/host-b", dir);
    mkdir(root, 0755);
    fixture(root, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
    put(root, "/var/lib/.keep", "");
    int fresh;
    struct err e = {0};
    assert_int_equal(facts_host_id(root, id1, sizeof(id1), &fresh, &e), 0);
    assert_int_equal(fresh, 1);
    assert_int_equal(strlen(id1), 36);
    assert_true(id1[8] == '-' && id1[13] == '-' && id1[23] == '-');
    assert_int_equal(facts_host_id(root, id2, sizeof(id2), &fresh, &e), 0);
    assert_int_equal(fresh, 0);
    assert_string_equal(id1, id2);
    snprintf(p, sizeof(p), "%s%s", root, FACTS_HOSTID_FILE);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_null(strstr(text, "aaaaaaaa"));
    put(root, "/etc/machine-id", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n");
    assert_int_equal(facts_host_id(root, id3, sizeof(id3), &fresh, &e), 0);
    assert_int_equal(fresh, 1);
    assert_string_not_equal(id1, id3);
    /* the same machine-id on other hardware (DMI uuid): another id again */
    char b1[32], b2[32];
    facts_binding(root, b1, sizeof(b1));
    put(root, "/sys/class/dmi/id/product_uuid", "4c4c4544-0000-1000-8000-000000000002\n");
    facts_binding(root, b2, sizeof(b2));
    assert_string_not_equal(b1, b2);
}

/* A run of host `host` (host id hid) with native and container, two
 * rounds of one metric; container worse by pct %. */
static void add_run(const char *path, const char *uuid, const char *host, const char *hid,
                    const char *cmdline, double pct)
{
    struct store *st;
    struct err e = {0};
    assert_int_equal(store_open(path, STORE_CREATE, &st, &e), 0);
    struct kvlist *h = calloc(1, sizeof(*h));
    assert_non_null(h);
    kv_set(h, "hostname", host, &e);
    kv_set(h, "host_id", hid, &e);
    kv_set(h, "cpu_model", "Fixture CPU", &e);
    kv_set(h, "kernel_cmdline", cmdline, &e);
    int64_t id;
    assert_int_equal(store_run_begin(st, uuid, "isobench run", SIZE_TINY, 2, h, &id, &e), 0);
    assert_int_equal(store_run_env(st, id, 0, "native", NULL, &e), 0);
    assert_int_equal(store_run_env(st, id, 1, "container", NULL, &e), 0);
    assert_int_equal(store_run_workload(st, id, 0, "stream", h, &e), 0);
    for (int rep = 1; rep <= 2; rep++)
        for (int env = 0; env < 2; env++) {
            struct reply *r = calloc(1, sizeof(*r));
            assert_non_null(r);
            r->ok = 1;
            double v = 10.0 + rep * 0.01;
            result_add(&r->res, "triad", "GB/s", BETTER_HIGHER, env ? v / (1 + pct / 100) : v, &e);
            kv_set(&r->res.facts, "cpus", "2", &e);
            assert_int_equal(store_measurement(st, id, "stream", env ? "container" : "native", rep,
                                               0, 1.0, r, &e),
                             0);
            free(r);
        }
    assert_int_equal(store_run_end(st, id, "complete", &e), 0);
    store_close(st);
    free(h);
}

static int count(const char *path, const char *table)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

static const char *const tables[] = {
    "runs",         "run_facts", "run_envs",          "run_workloads",
    "measurements", "metrics",   "measurement_facts", NULL};

static void merge_twice_and_versions(void **state)
{
    (void)state;
    char a[512], b[512], out[512], old[512];
    snprintf(a, sizeof(a), "%s/a.db", dir);
    snprintf(b, sizeof(b), "%s/b.db", dir);
    snprintf(out, sizeof(out), "%s/out.db", dir);
    snprintf(old, sizeof(old), "%s/old.db", dir);
    add_run(a, "uuid-a1", "alpha", "11111111111111111111111111111111", "quiet", 5);
    add_run(a, "uuid-a2", "alpha", "11111111111111111111111111111111", "quiet", 5);
    add_run(b, "uuid-b1", "beta", "22222222222222222222222222222222", "mitigations=off", 20);
    const char *in[] = {a, b};
    struct store_merge_count n;
    struct err e = {0};
    assert_int_equal(store_merge(out, in, 2, &n, &e), 0);
    assert_int_equal(n.added, 3);
    assert_int_equal(n.present, 0);
    assert_int_equal(n.total, 3);
    int before[8];
    for (int i = 0; tables[i]; i++) {
        before[i] = count(out, tables[i]);
        assert_int_equal(before[i], count(a, tables[i]) + count(b, tables[i]));
    }
    assert_int_equal(store_merge(out, in, 2, &n, &e), 0); /* again: nothing changes */
    assert_int_equal(n.added, 0);
    assert_int_equal(n.present, 3);
    for (int i = 0; tables[i]; i++)
        assert_int_equal(count(out, tables[i]), before[i]);
    /* the host facts came along: the run of b reads back as beta's */
    struct store *st;
    struct run_view rv;
    assert_int_equal(store_open(out, STORE_RO, &st, &e), 0);
    assert_int_equal(store_load_run(st, "uuid-b1", &rv, &e), 0);
    assert_string_equal(kv_get(&rv.host, "host_id"), "22222222222222222222222222222222");
    assert_int_equal(rv.npoints, 4);
    store_free_run(&rv);
    store_close(st);

    /* another schema version: refused with both versions, OUT unchanged */
    add_run(old, "uuid-old", "gamma", "33333333333333333333333333333333", "quiet", 1);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=3", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    const char *in2[] = {old};
    e = (struct err){0};
    assert_int_equal(store_merge(out, in2, 1, &n, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "schema version 3"));
    for (int i = 0; tables[i]; i++)
        assert_int_equal(count(out, tables[i]), before[i]);
    /* an OUT of another version is refused too, before anything is read */
    const char *in3[] = {a};
    assert_int_equal(store_merge(old, in3, 1, &n, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_int_equal(count(old, "runs"), 1);
    /* a run both hold under one uuid with other samples: refused */
    char c[512];
    snprintf(c, sizeof(c), "%s/c.db", dir);
    add_run(c, "uuid-b1", "beta", "22222222222222222222222222222222", "quiet", 20);
    add_run(c, "uuid-b1-more", "beta", "22222222222222222222222222222222", "quiet", 20);
    assert_int_equal(sqlite3_open(c, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DELETE FROM metrics WHERE measurement_id = 1;"
                                  " DELETE FROM measurement_facts WHERE measurement_id = 1;"
                                  " DELETE FROM measurements WHERE id = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    const char *in4[] = {c};
    assert_int_equal(store_merge(out, in4, 1, &n, &e), -1);
    assert_non_null(strstr(e.msg, "uuid-b1 differs"));
    assert_int_equal(count(out, "runs"), 3);
}

/* Two hosts side by side: each overhead from its own native, the facts
 * that differ listed, the latest run of each host picked. */
static void report_by_host(void **state)
{
    (void)state;
    char out[512];
    snprintf(out, sizeof(out), "%s/out.db", dir); /* merge_twice_and_versions made it */
    struct store *st;
    struct err e = {0};
    assert_int_equal(store_open(out, STORE_RO, &st, &e), 0);
    int64_t ids[HOSTS_MAX];
    int n;
    assert_int_equal(store_runs_by_host(st, ids, HOSTS_MAX, &n, &e), 0);
    assert_int_equal(n, 2); /* alpha's latest (its second run) and beta's */
    struct run_view *rv = calloc(2, sizeof(*rv));
    assert_non_null(rv);
    const struct run_view *v[2] = {&rv[0], &rv[1]};
    for (int i = 0; i < 2; i++) {
        char id[32];
        snprintf(id, sizeof(id), "%lld", (long long)ids[i]);
        assert_int_equal(store_load_run(st, id, &rv[i], &e), 0);
    }
    assert_string_equal(rv[0].uuid, "uuid-a2");
    assert_string_equal(rv[1].uuid, "uuid-b1");
    struct host_report *hr = calloc(1, sizeof(*hr));
    assert_non_null(hr);
    assert_int_equal(report_hosts_build(v, 2, hr, &e), 0);
    assert_int_equal(hr->ndiffer, 1);
    assert_string_equal(hr->differ[0], "kernel_cmdline");
    assert_string_equal(hr->name[0], "alpha");
    assert_int_equal(hr->nrows, 2); /* triad in native and in container */
    const struct host_row *r = &hr->rows[1];
    assert_string_equal(r->env, "container");
    for (int h = 0; h < 2; h++) {
        const struct report_cell *c = &hr->rep[h].rows[r->row[h]].cell[r->env_idx[h]];
        assert_true(c->has_overhead);
        assert_float_equal(c->ov.pct, h ? 100.0 * (1 - 1 / 1.2) : 100.0 * (1 - 1 / 1.05), 0.01);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(report_hosts_json(hr, m, &e), 0);
    fclose(m);
    assert_non_null(strstr(buf, "\"schema\":\"isobench.hosts/1\""));
    assert_non_null(strstr(buf, "\"differing\":[{\"key\":\"kernel_cmdline\",\"values\":[\"quiet\","
                                "\"mitigations=off\"]}]"));
    free(buf);
    m = open_memstream(&buf, &len);
    assert_int_equal(report_hosts_table(hr, m, &e), 0);
    fclose(m);
    assert_non_null(strstr(buf, "kernel_cmdline: alpha = quiet; beta = mitigations=off"));
    assert_non_null(strstr(buf, "+16.7%"));
    assert_non_null(strstr(buf, "+4.8%"));
    free(buf);
    report_hosts_free(hr);
    free(hr);
    for (int i = 0; i < 2; i++)
        store_free_run(&rv[i]);
    free(rv);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(facts_from_fixture),
        cmocka_unit_test(host_id_binding),
        cmocka_unit_test(merge_twice_and_versions),
        cmocka_unit_test(report_by_host),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
