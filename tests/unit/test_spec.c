#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "core/spec.h"
#include "envs/ctr/cgroup.h"
#include "envs/ctr/config.h"
#include "envs/ctr/confine.h"
#include "envs/ctr/engine.h"
#include "envs/ctr/lxcconf.h"
#include "envs/ctr/net.h"
#include "envs/ctr/oci.h"
#include "envs/ctr/rootfs.h"

static void parse_plain_and_pairs(void **state)
{
    (void)state;
    struct spec sp;
    struct err e = {0};
    assert_int_equal(spec_parse("native", &sp, &e), 0);
    assert_string_equal(sp.name, "native");
    assert_int_equal(sp.kv.n, 0);
    assert_int_equal(spec_parse("container:net=host,storage=volume", &sp, &e), 0);
    assert_string_equal(sp.name, "container");
    assert_string_equal(kv_get(&sp.kv, "net"), "host");
    assert_string_equal(kv_get(&sp.kv, "storage"), "volume");
    assert_string_equal(sp.text, "container:net=host,storage=volume");
    assert_int_equal(spec_parse("vm:tuned", &sp, &e), 0);
    assert_string_equal(kv_get(&sp.kv, "tuned"), "on");
}

static void parse_rejects_malformed(void **state)
{
    (void)state;
    struct spec sp;
    struct err e = {0};
    assert_int_equal(spec_parse("", &sp, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_int_equal(spec_parse("container:", &sp, &e), -1);
    assert_int_equal(spec_parse("container:net=", &sp, &e), -1);
    assert_int_equal(spec_parse("container:net=host,net=nat", &sp, &e), -1);
    assert_non_null(strstr(e.msg, "twice"));
    assert_int_equal(spec_parse("bad name", &sp, &e), -1);
    /* fits as written, not once its flags read "=on" (found by fuzz_spec):
     * refused, never stored cut */
    char many[256] = "a:k0";
    for (int i = 1; strlen(many) < 240; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), ",k%d", i);
    assert_int_equal(spec_parse(many, &sp, &e), -1);
    assert_non_null(strstr(e.msg, "once written out"));
}

static void split_list_continues_pairs(void **state)
{
    (void)state;
    struct spec sp[8];
    struct err e = {0};
    int n = spec_split_list("native,container,container:net=host,storage=volume,runc", sp, 8, &e);
    assert_int_equal(n, 4);
    assert_string_equal(sp[0].text, "native");
    assert_string_equal(sp[1].text, "container");
    assert_string_equal(sp[2].text, "container:net=host,storage=volume");
    assert_string_equal(sp[3].text, "runc");
    n = spec_split_list("vm:tuned,hugepages=on,vm", sp, 8, &e);
    assert_int_equal(n, 2);
    assert_string_equal(sp[0].text, "vm:tuned=on,hugepages=on");
    assert_int_equal(spec_split_list("net=host,native", sp, 8, &e), -1);
    assert_int_equal(spec_split_list("native,native", sp, 8, &e), -1);
    assert_int_equal(spec_split_list("", sp, 8, &e), -1);
    assert_int_equal(spec_split_list("a,b,c", sp, 2, &e), -1);
}

static void check_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {"net", "storage", NULL};
    struct spec sp;
    struct err e = {0};
    assert_int_equal(spec_parse("container:net=host", &sp, &e), 0);
    assert_int_equal(spec_check_keys(&sp, keys, &e), 0);
    assert_int_equal(spec_parse("container:nett=host", &sp, &e), 0);
    assert_int_equal(spec_check_keys(&sp, keys, &e), -1);
    assert_non_null(strstr(e.msg, "nett"));
    assert_non_null(strstr(e.msg, "net, storage"));
}

static void sizes_parse(void **state)
{
    (void)state;
    uint64_t v;
    struct err e = {0};
    assert_int_equal(util_parse_size("64M", &v, &e), 0);
    assert_int_equal(v, 64u << 20);
    assert_int_equal(util_parse_size("2GiB", &v, &e), 0);
    assert_int_equal(v, 2ull << 30);
    assert_int_equal(util_parse_size("1000", &v, &e), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(util_parse_size("12X", &v, &e), -1);
    assert_int_equal(util_parse_size("-1", &v, &e), -1);
    assert_int_equal(util_parse_size("99999999999T", &v, &e), -1);
}

static void cpu_lists(void **state)
{
    (void)state;
    unsigned char m[128];
    int n;
    assert_int_equal(cgroup_parse_cpus("0-2,5", m, &n), 0);
    assert_int_equal(n, 4);
    assert_true(m[0] == 0x27);
    assert_int_equal(cgroup_parse_cpus("3,3", m, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cgroup_parse_cpus("2-1", m, &n), -1);
    assert_int_equal(cgroup_parse_cpus("a", m, &n), -1);
    assert_int_equal(cgroup_parse_cpus("0-", m, &n), -1);
    assert_int_equal(cgroup_parse_cpus("5000", m, &n), -1);
    assert_int_equal(cgroup_parse_cpus("", m, &n), -1);
}

static void container_config_rejects_before_creating(void **state)
{
    (void)state;
    static const char *const nets[] = {"nat", "host", "none", NULL};
    struct ctr_config c;
    struct spec sp;
    struct err e = {0};
    const char *const bad[] = {"container:net=bogus",   "container:storage=aufs",
                               "container:cpus=4000",   "container:mem=1K",
                               "container:pids=2",      "container:image=/nonexistent",
                               "container:cpu-quota=x", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(spec_parse(bad[i], &sp, &e), 0);
        e.code = 0;
        assert_int_equal(ctr_config_parse(&sp, nets, &c, &e), -1);
        assert_int_equal(e.code, ERR_USAGE);
    }
    assert_int_equal(spec_parse("container", &sp, &e), 0);
    /* parsing is not privileged (ENV_CAP_ROOT is checked by the planner) */
    assert_int_equal(ctr_config_parse(&sp, nets, &c, &e), 0);
    assert_string_equal(c.net, "nat");
    assert_string_equal(c.storage, "overlay");
    assert_string_equal(c.image, "/");
    /* once, into the request's typed values: what up() reads; userns=on
     * takes isobench's own range of /etc/subuid and /etc/subgid */
    struct env_conf *conf = calloc(1, sizeof(*conf));
    char sub[] = "/tmp/isobench-subid-XXXXXX";
    assert_non_null(mkdtemp(sub));
    setenv("ISOBENCH_SUBID_DIR", sub, 1);
    assert_int_equal(spec_parse("container:net=host,userns=on,mem=64M", &sp, &e), 0);
    static const char *const files[][2] = {
        {"alice:100000:65536\n", "no isobench entry"},
        {"alice:100000:65536\nisobench:160000:65536\n", "overlaps alice's"},
        {"isobench:2147483648:1000\n", "too few ids"},
        {"alice:100000:65536\nisobench:2147483648:65536\n", NULL}};
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 2; k++) {
            char path[64];
            snprintf(path, sizeof(path), "%s/sub%cid", sub, k ? 'g' : 'u');
            FILE *f = fopen(path, "w");
            assert_non_null(f);
            fputs(files[i][0], f);
            fclose(f);
        }
        e.code = 0;
        int rc = env_conf_parse(&env_container, &sp, conf, &e);
        assert_int_equal(rc, files[i][1] ? -1 : 0);
        if (files[i][1]) assert_int_equal(e.code, ERR_USAGE);
    }
    const struct ctr_config *cc = (const void *)conf->b;
    assert_int_equal(cc->userns_base, 2147483648u);
    assert_string_equal(cc->net, "host");
    assert_int_equal(cc->userns, 1);
    for (int k = 0; k < 2; k++) {
        char path[64];
        snprintf(path, sizeof(path), "%s/sub%cid", sub, k ? 'g' : 'u');
        unlink(path);
    }
    rmdir(sub);
    unsetenv("ISOBENCH_SUBID_DIR");
    assert_int_equal(cc->limits.mem, 64u << 20);
    assert_int_equal(spec_parse("runsc:platform=systrap", &sp, &e), 0);
    assert_int_equal(env_conf_parse(&env_runsc, &sp, conf, &e), 0);
    assert_string_equal(cc->platform, "systrap");
    assert_string_equal(cc->net, "none");
    assert_int_equal(spec_parse("runsc:platform=bogus", &sp, &e), 0);
    assert_int_equal(env_conf_parse(&env_runsc, &sp, conf, &e), -1);
    free(conf);
}

/* A fact that does not fit is counted, and the count fails whoever
 * requires them all (the agent and the runner do, per sample). */
static void kv_overflow_is_counted(void **state)
{
    (void)state;
    struct kvlist *l = calloc(1, sizeof(*l));
    struct err e = {0};
    char key[32], big[400];
    for (int i = 0; i < KV_MAX; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(kv_set(l, key, "v", NULL), 0);
    }
    assert_int_equal(kv_require_all(l, "sample", &e), 0);
    assert_int_equal(kv_set(l, "k0", "replaced", NULL), 0); /* replacing still fits */
    assert_int_equal(kv_set(l, "one-more", "v", NULL), -1);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(kv_set(l, "k1", big, &e), -1);
    assert_non_null(strstr(e.msg, "too long"));
    assert_int_equal(l->dropped, 2);
    assert_int_equal(kv_require_all(l, "sample", &e), -1);
    assert_string_equal(e.msg, "sample: 2 facts did not fit (max 96 of < 256 bytes each)");
    free(l);
}

/* errno is kept as data; a message that does not fit says it was cut. */
static void errors_keep_errno_and_mark_cuts(void **state)
{
    (void)state;
    struct err e = {0};
    assert_int_equal(err_sys(&e, ERR_FAIL, ENOENT, "open %s", "/x"), -1);
    assert_int_equal(e.errnum, ENOENT);
    assert_string_equal(e.msg, "open /x: No such file or directory");
    err_wrap(&e, "loading");
    assert_int_equal(e.errnum, ENOENT); /* context added, cause kept */
    char big[2000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    err_set(&e, ERR_FAIL, "%s", big);
    assert_int_equal(e.errnum, 0);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_string_equal(e.msg + sizeof(e.msg) - 4, "...");
    err_set(&e, ERR_FAIL, "short");
    err_wrap(&e, "%s", big); /* a cut prefix is marked too */
    assert_non_null(strstr(e.msg, "xxx...: short"));
}

/* The strings of the JSON array after "key": in text, in order. */
static int json_array(const char *text, const char *key, char out[][64], int max)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":[", key);
    const char *p = strstr(text, pat);
    if (!p) return -1;
    p += strlen(pat);
    int n = 0;
    while (*p && *p != ']' && n < max) {
        const char *q = strchr(p + 1, '"');
        if (*p != '"' || !q) return -1;
        snprintf(out[n++], 64, "%.*s", (int)(q - p - 1), p + 1);
        p = q + 1;
        if (*p == ',') p++;
    }
    return n;
}

static int count_rules(const struct confine_sc_rule *r, void *arg)
{
    int *n = arg;
    n[0]++;
    n[1] += r->errno_ret < 0;
    return 0;
}

/* The filter the own runtime loads, in a child that drops what a container
 * drops: what the profile allows works, what it refuses by name fails with
 * its errno (EPERM), what it does not name with the default (ENOSYS). */
static void seccomp_profile_enforced(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        fprintf(stderr, "SKIP: dropping capabilities needs root\n");
        skip();
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct err e = {0};
        if (security_apply(&e) < 0) _exit(10);
        if (getppid() <= 0) _exit(11); /* allowed */
        errno = 0;
        if (syscall(SYS_kexec_load, 0, 0, NULL, 0) == 0 || errno != EPERM) _exit(12); /* named */
        errno = 0;
        if (syscall(SYS_add_key, NULL, NULL, NULL, 0, 0) == 0 || errno != ENOSYS) _exit(13);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st)) fprintf(stderr, "the filtered child failed check %d\n", WEXITSTATUS(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* Confinement is defined once: the OCI bundle isobench writes for runc and
 * runsc carries exactly the capabilities, masked and read-only paths the
 * own runtime applies (confine.h) - a list edited in one place only. */
static void oci_bundle_confinement_matches_own_runtime(void **state)
{
    (void)state;
    char dir[] = "/tmp/oci-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct ctr_config cfg = {0};
    snprintf(cfg.net, sizeof(cfg.net), "none");
    struct env_ctx *ctx = calloc(1, sizeof(*ctx));
    struct env_req *rq = calloc(1, sizeof(*rq));
    snprintf(rq->run_id, sizeof(rq->run_id), "r");
    ctx->rq = rq;
    struct err e = {0};
    assert_int_equal(oci_write_config(dir, &cfg, "", ctx, "/", 0, &e), 0);
    char path[128], *text = calloc(1, 1 << 20);
    snprintf(path, sizeof(path), "%s/config.json", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t len = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[len] = '\0';
    char got[64][64];
    static const char *const sets[] = {"bounding", "effective", "permitted"};
    for (int k = 0; k < 3; k++) {
        int n = json_array(text, sets[k], got, 64), i = 0;
        for (const struct confine_cap *c = confine_caps; c->name; c++, i++)
            assert_string_equal(got[i], c->name);
        assert_int_equal(n, i);
    }
    int n = json_array(text, "maskedPaths", got, 64), i = 0;
    for (const char *const *p = sandbox_masked_files; *p; p++)
        assert_string_equal(got[i++], *p);
    for (const char *const *p = sandbox_masked_dirs; *p; p++)
        assert_string_equal(got[i++], *p);
    assert_int_equal(n, i);
    n = json_array(text, "readonlyPaths", got, 64);
    i = 0;
    for (const char *const *p = sandbox_readonly; *p; p++)
        assert_string_equal(got[i++], *p);
    assert_int_equal(n, i);
    /* Docker's own lists, spot-checked: a capability it drops, a path it masks */
    assert_null(strstr(text, "CAP_SYS_ADMIN"));
    assert_non_null(strstr(text, "\"/proc/kcore\""));
    /* the seccomp filter: the profile's, deny by default, one entry per
     * rule that applies to Docker's capabilities */
    assert_non_null(strstr(text, "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\""));
    int rules = 0;
    for (const char *p = text; (p = strstr(p, "{\"names\":[")); p++)
        rules++;
    int counted[2] = {0, 0};
    confine_profile_each(count_rules, counted);
    assert_int_equal(rules, counted[0]);
    assert_true(counted[1] > 300); /* the allowlist */
    assert_non_null(strstr(text, "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}"));
    /* named and refused (EPERM); not named at all: the default's errno */
    assert_non_null(strstr(text, "{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_ERRNO\""));
    assert_null(strstr(text, "\"io_uring_setup\""));
    /* what needs a capability the container lacks is refused (bpf) */
    assert_null(strstr(text, "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\""));
    /* personality: allowed for listed values only (an argument filter) */
    assert_non_null(strstr(text, "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\","
                                 "\"args\":[{\"index\":0,"));
    free(text);
    free(ctx);
    free(rq);
    unlink(path);
    rmdir(dir);
}

/* Reads a whole small file into a malloc'd string. */
static char *slurp(const char *path)
{
    char *text = calloc(1, 1 << 20);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t len = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[len] = '\0';
    return text;
}

/* The lxc driver's config and seccomp policy carry the same confinement:
 * Docker's capabilities (LXC's lower-case names, nothing else kept), every
 * masked and read-only path, no_new_privs, the policy file, devices
 * denied but Docker's list, the veth on the run's bridge; the policy is
 * an allowlist with the profile's errno and one line per applicable rule,
 * argument conditions included. */
static void lxc_config_confinement_matches_own_runtime(void **state)
{
    (void)state;
    char dir[] = "/tmp/lxc-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char conf[128], pol[128];
    snprintf(conf, sizeof(conf), "%s/config", dir);
    snprintf(pol, sizeof(pol), "%s/seccomp", dir);
    struct ctr_config cfg = {0};
    snprintf(cfg.net, sizeof(cfg.net), "nat");
    cfg.limits.mem = 256 << 20;
    snprintf(cfg.limits.cpus, sizeof(cfg.limits.cpus), "0");
    struct net_nat nat;
    net_nat_plan(&nat, "r", 3);
    struct lxc_conf_in in = {.cfg = &cfg,
                             .rootfs = "/var/tmp/root",
                             .volume = "",
                             .cgdir = "isobench-r-3",
                             .seccomp = pol,
                             .nat = &nat,
                             .idx = 3};
    struct err e = {0};
    assert_int_equal(lxc_write_seccomp(pol, &e), 0);
    assert_int_equal(lxc_write_config(conf, &in, &e), 0);
    char *text = slurp(conf);
    char want[256] = "lxc.cap.keep =";
    for (const struct confine_cap *c = confine_caps; c->name; c++) {
        size_t n = strlen(want);
        want[n++] = ' ';
        for (const char *p = c->name + 4; *p; p++)
            want[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        want[n] = '\0';
    }
    strcat(want, "\n");
    assert_non_null(strstr(text, want));
    assert_null(strstr(text, "sys_admin"));
    char line[256];
    for (const char *const *p = sandbox_masked_files; *p; p++) {
        snprintf(line, sizeof(line), "lxc.mount.entry = /dev/null %s none bind,optional", *p + 1);
        assert_non_null(strstr(text, line));
    }
    for (const char *const *p = sandbox_masked_dirs; *p; p++) {
        snprintf(line, sizeof(line), "lxc.mount.entry = tmpfs %s tmpfs ro,", *p + 1);
        assert_non_null(strstr(text, line));
    }
    for (const char *const *p = sandbox_readonly; *p; p++) {
        snprintf(line, sizeof(line), "lxc.mount.entry = %s %s none bind,ro,", *p, *p + 1);
        assert_non_null(strstr(text, line));
    }
    assert_non_null(strstr(text, "lxc.no_new_privs = 1\n"));
    snprintf(line, sizeof(line), "lxc.seccomp.profile = %s\n", pol);
    assert_non_null(strstr(text, line));
    assert_non_null(strstr(text, "lxc.init.cmd = " ROOTFS_AGENT " agent --serve --stdio\n"));
    assert_non_null(strstr(text, "lxc.console.path = none\n"));
    assert_non_null(strstr(text, "devices.deny = a\n"));
    assert_non_null(strstr(text, "devices.allow = c 1:3 rwm\n"));
    assert_non_null(strstr(text, "cpuset.cpus = 0\n"));
    assert_non_null(strstr(text, cgroup_is_v2() ? "memory.max = 268435456\n"
                                                : "memory.limit_in_bytes = 268435456\n"));
    snprintf(line, sizeof(line), "lxc.net.0.link = %s\nlxc.net.0.veth.pair = %s\n", nat.bridge,
             nat.veth);
    assert_non_null(strstr(text, line));
    assert_non_null(strstr(text, "lxc.net.0.ipv4.address = 10.213."));
    free(text);
    text = slurp(pol);
    snprintf(line, sizeof(line), "2\nallowlist errno %d\n[all]\n", confine_profile_default_errno);
    assert_int_equal(strncmp(text, line, strlen(line)), 0);
    int rules = -3; /* the head's three lines */
    for (const char *p = text; (p = strchr(p, '\n')); p++)
        rules++;
    int counted[2] = {0, 0};
    confine_profile_each(count_rules, counted);
    assert_int_equal(rules, counted[0]);
    assert_non_null(strstr(text, "\nread allow\n"));
    assert_non_null(strstr(text, "\nkexec_load errno 1\n"));
    assert_null(strstr(text, "\nio_uring_setup "));
    assert_null(strstr(text, "\nbpf allow"));
    assert_non_null(strstr(text, "\npersonality allow [0,"));
    free(text);
    /* a path LXC would read as two values is refused, not cut */
    in.rootfs = "/var/tmp/a root";
    assert_int_equal(lxc_write_config(conf, &in, &e), -1);
    assert_non_null(strstr(e.msg, "a root"));
    unlink(conf);
    unlink(pol);
    rmdir(dir);
}

/* The cgroup an engine's container sits in, from /proc/PID/cgroup text:
 * v1's cpuacct line in a hybrid host, v2's unified line; the root is no
 * answer (it would charge the whole host). */
static void cgroup_rel_from_proc(void **state)
{
    (void)state;
    char rel[256];
    char v1[] = "12:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/system.slice/x.scope\n";
    assert_int_equal(cgroup_cpu_rel(v1, 0, rel, sizeof(rel)), 0);
    assert_string_equal(rel, "/docker/abc");
    char v2[] = "4:cpu,cpuacct:/docker/abc\n0::/machine.slice/libpod-1.scope\n";
    assert_int_equal(cgroup_cpu_rel(v2, 1, rel, sizeof(rel)), 0);
    assert_string_equal(rel, "/machine.slice/libpod-1.scope");
    char root[] = "0::/\n";
    assert_int_equal(cgroup_cpu_rel(root, 1, rel, sizeof(rel)), -1);
    char none[] = "3:memory:/x\n";
    assert_int_equal(cgroup_cpu_rel(none, 0, rel, sizeof(rel)), -1);
    char apart[] = "5:cpuacct:/isobench-x\n";
    assert_int_equal(cgroup_cpu_rel(apart, 0, rel, sizeof(rel)), 0);
    char small[8];
    char longer[] = "0::/a-much-longer-path\n";
    assert_int_equal(cgroup_cpu_rel(longer, 1, small, sizeof(small)), -1); /* never cut */
}

/* A tenant's faults and swap from its memory.stat: v1's hierarchical
 * totals (not the cgroup's own lines), v2's keys with and without the
 * swap-in/out counters of 6.12+. */
static void memstat_counts(void **state)
{
    (void)state;
    struct cg_memcount c;
    const char *v1 = "cache 1\nswap 4096\npgmajfault 3\ntotal_swap 1048576\n"
                     "total_pgmajfault 42\n";
    assert_int_equal(cgroup_memstat_parse(v1, 0, &c), 0);
    assert_int_equal(c.major_faults, 42);
    assert_int_equal(c.swap_bytes, 1048576);
    assert_int_equal(c.has_swap_io, 0);
    assert_int_equal(cgroup_memstat_parse("total_pgmajfault 5\n", 0, &c), -1); /* no swap */
    const char *v2 = "anon 10\npgmajfault 7\npswpin 11\npswpout 13\n";
    assert_int_equal(cgroup_memstat_parse(v2, 1, &c), 0);
    assert_int_equal(c.major_faults, 7);
    assert_int_equal(c.swap_in, 11);
    assert_int_equal(c.swap_out, 13);
    assert_int_equal(c.has_swap_io, 1);
    assert_int_equal(cgroup_memstat_parse("anon 10\npgmajfault 7\n", 1, &c), 0);
    assert_int_equal(c.has_swap_io, 0);
    assert_int_equal(cgroup_memstat_parse("anon 10\n", 1, &c), -1);
}

/* cpu-weight=N: every container driver takes it, parsed once into its
 * limits; anything but a whole number in 1..10000 is ERR_USAGE, and an
 * environment without cgroup weights (native, vm) does not know the key. */
static void cpu_weight_parsed_by_every_driver(void **state)
{
    (void)state;
    static const struct env *const drivers[] = {&env_container, &env_runc,   &env_runsc,
                                                &env_lxc,       &env_podman, &env_docker};
    struct env_conf *conf = calloc(1, sizeof(*conf));
    const struct ctr_config *cc = (const void *)conf->b;
    struct spec sp;
    struct err e = {0};
    char text[96];
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        snprintf(text, sizeof(text), "%s:cpu-weight=250", drivers[i]->name);
        assert_int_equal(spec_parse(text, &sp, &e), 0);
        if (env_conf_parse(drivers[i], &sp, conf, &e) < 0) fail_msg("%s: %s", text, e.msg);
        assert_int_equal(cc->limits.cpu_weight, 250);
        static const char *const bad[] = {"0", "10001", "x", "-5", "1.5", "", NULL};
        for (int k = 0; bad[k]; k++) {
            snprintf(text, sizeof(text), "%s:cpu-weight=%s", drivers[i]->name, bad[k]);
            if (spec_parse(text, &sp, &e) < 0) continue; /* "" is refused by the parser */
            e.code = 0;
            if (env_conf_parse(drivers[i], &sp, conf, &e) != -1 || e.code != ERR_USAGE ||
                !strstr(e.msg, "cpu-weight"))
                fail_msg("%s accepted (code %d: %s)", text, e.code, e.msg);
        }
    }
    assert_int_equal(spec_parse("container:cpu-weight=1", &sp, &e), 0); /* the bounds */
    assert_int_equal(env_conf_parse(&env_container, &sp, conf, &e), 0);
    assert_int_equal(spec_parse("container:cpu-weight=10000", &sp, &e), 0);
    assert_int_equal(env_conf_parse(&env_container, &sp, conf, &e), 0);
    assert_int_equal(cc->limits.cpu_weight, 10000);
    assert_int_equal(spec_parse("container", &sp, &e), 0); /* not set: the kernel's default */
    assert_int_equal(env_conf_parse(&env_container, &sp, conf, &e), 0);
    assert_int_equal(cc->limits.cpu_weight, 0);
    assert_int_equal(spec_parse("native:cpu-weight=100", &sp, &e), 0);
    assert_int_equal(env_conf_parse(&env_native, &sp, conf, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    free(conf);
}

/* v1's shares are the kernel's mapping of a v2 weight (x 1024 / 100,
 * rounded); each kind of host names its own file. */
static void cpu_weight_v1_v2_values(void **state)
{
    (void)state;
    static const struct {
        unsigned w;
        unsigned long long shares;
    } conv[] = {{1, 10}, {3, 31}, {50, 512}, {100, 1024}, {200, 2048}, {10000, 102400}};
    for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++)
        if (cgroup_weight_shares(conv[i].w) != conv[i].shares)
            fail_msg("weight %u: %llu shares, want %llu", conv[i].w,
                     (unsigned long long)cgroup_weight_shares(conv[i].w), conv[i].shares);
    char val[32];
    assert_string_equal(cgroup_weight_setting(100, 0, val, sizeof(val)), "cpu.shares");
    assert_string_equal(val, "1024");
    assert_string_equal(cgroup_weight_setting(100, 1, val, sizeof(val)), "cpu.weight");
    assert_string_equal(val, "100");
    assert_string_equal(cgroup_weight_setting(7, 1, val, sizeof(val)), "cpu.weight");
    assert_string_equal(val, "7");
    /* the cpu controller's cgroup of a process, read back from */
    char rel[256];
    char v1[] = "12:pids:/p\n11:cpu,cpuacct:/docker/abc\n0::/\n";
    assert_int_equal(cgroup_cpuctl_rel(v1, 0, rel, sizeof(rel)), 0);
    assert_string_equal(rel, "/docker/abc");
    char apart[] = "2:cpuacct:/a\n1:cpu:/isobench-r-1\n";
    assert_int_equal(cgroup_cpuctl_rel(apart, 0, rel, sizeof(rel)), 0);
    assert_string_equal(rel, "/isobench-r-1");
    char swapped[] = "5:cpuacct,cpu:/c\n";
    assert_int_equal(cgroup_cpuctl_rel(swapped, 0, rel, sizeof(rel)), 0);
    assert_string_equal(rel, "/c");
    char none[] = "3:cpuset:/x\n2:cpuacct:/y\n0::/z\n";
    assert_int_equal(cgroup_cpuctl_rel(none, 0, rel, sizeof(rel)), -1);
    char v2[] = "0::/system.slice/docker-1.scope\n";
    assert_int_equal(cgroup_cpuctl_rel(v2, 1, rel, sizeof(rel)), 0);
    assert_string_equal(rel, "/system.slice/docker-1.scope");
}

/* What each driver hands its runtime for cpu-weight=200, on a v1 and a v2
 * host: the OCI bundle's resources (runc, runsc), LXC's config lines, the
 * engines' flags - and nothing of it when no weight is set. */
static void cpu_weight_reaches_each_runtime(void **state)
{
    (void)state;
    struct cg_limits l = {.cpus = "0", .cpu_weight = 200};
    struct cg_limits plain = {.cpus = "0"};
    char *buf = NULL;
    size_t len = 0;
    for (int v2 = 0; v2 < 2; v2++) {
        FILE *f = open_memstream(&buf, &len);
        oci_resources_json(f, &l, v2);
        fclose(f);
        if (v2) {
            assert_non_null(strstr(buf, ",\"cpu\":{\"cpus\":\"0\"}"));
            assert_non_null(strstr(buf, ",\"unified\":{\"cpu.weight\":\"200\"}}"));
            assert_null(strstr(buf, "shares"));
        } else {
            assert_non_null(strstr(buf, ",\"cpu\":{\"cpus\":\"0\",\"shares\":2048}"));
            assert_null(strstr(buf, "unified"));
        }
        free(buf);
        f = open_memstream(&buf, &len);
        oci_resources_json(f, &plain, v2);
        fclose(f);
        assert_null(strstr(buf, "shares"));
        assert_null(strstr(buf, "unified"));
        free(buf);
        f = open_memstream(&buf, &len);
        lxc_write_limits(f, &l, v2);
        fclose(f);
        assert_non_null(strstr(buf, v2 ? "\nlxc.cgroup2.cpu.weight = 200\n"
                                       : "\nlxc.cgroup.cpu.shares = 2048\n"));
        assert_non_null(
            strstr(buf, v2 ? "lxc.cgroup2.cpuset.cpus = 0\n" : "lxc.cgroup.cpuset.cpus = 0\n"));
        free(buf);
        f = open_memstream(&buf, &len);
        lxc_write_limits(f, &plain, v2);
        fclose(f);
        assert_null(strstr(buf, "cpu.shares"));
        assert_null(strstr(buf, "cpu.weight"));
        free(buf);
        static const char *const kinds[] = {"podman", "docker"};
        for (int k = 0; k < 2; k++) {
            struct engine_run *r = calloc(1, sizeof(*r));
            r->kind = kinds[k];
            engine_limit_args(r, &l, v2);
            const char *want = v2 && k == 0 ? "--cgroup-conf=cpu.weight=200" : "--cpu-shares=2048";
            int found = 0;
            for (int a = 0; a < r->argc; a++)
                found += !strcmp(r->argv[a], want);
            if (found != 1 || r->argc != 2 || strcmp(r->argv[0], "--cpuset-cpus=0"))
                fail_msg("%s on v%d: %d args, '%s' %s", kinds[k], v2 + 1, r->argc,
                         r->argc ? r->argv[r->argc - 1] : "", found ? "" : "missing");
            memset(r, 0, sizeof(*r));
            r->kind = kinds[k];
            engine_limit_args(r, &plain, v2);
            assert_int_equal(r->argc, 1); /* --cpuset-cpus only */
            free(r);
        }
    }
}

/* The own runtime writes the weight itself: on this host's kind of
 * cgroups (root only), a cgroup made with cpu-weight=300 holds it in its
 * cpu directory's cpu.shares (v1: 3072) or cpu.weight (v2: 300). */
static void cpu_weight_own_runtime_cgroup(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        printf("SKIP: not root: no cgroup is made\n");
        skip();
    }
    char jpath[] = "/tmp/cpuw-journal-XXXXXX", name[64];
    struct journal j = {.fd = mkstemp(jpath)};
    assert_true(j.fd >= 0);
    snprintf(name, sizeof(name), "cpuw-test-%d", (int)getpid());
    struct cg_limits l = {.cpu_weight = 300};
    struct cgroup *cg = calloc(1, sizeof(*cg));
    struct err e = {0};
    int rc = cgroup_create(cg, name, &l, &j, &e);
    char path[1200], val[64] = "", back[1400] = "";
    int v2 = cg->v2;
    for (int i = 0; rc == 0 && i < cg->ndirs && !val[0]; i++) {
        snprintf(path, sizeof(path), "%s/%s", cg->dirs[i], v2 ? "cpu.weight" : "cpu.shares");
        util_read_file(path, val, sizeof(val));
    }
    /* read back as the drivers do, from the cgroup a process is in */
    pid_t child = rc == 0 ? fork() : -1;
    if (child == 0) {
        pause();
        _exit(0);
    }
    if (child > 0 && cgroup_attach(cg, child, &e) == 0)
        cgroup_weight_read_pid(child, back, sizeof(back));
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    for (int i = cg->ndirs - 1; i >= 0; i--)
        rmdir(cg->dirs[i]);
    close(j.fd);
    unlink(jpath);
    free(cg);
    if (rc < 0) fail_msg("cgroup_create: %s", e.msg);
    assert_string_equal(val, v2 ? "300" : "3072");
    char want[200];
    snprintf(want, sizeof(want), "/%s/%s = %s", name, v2 ? "cpu.weight" : "cpu.shares", val);
    if (!strstr(back, want)) fail_msg("read back '%s', want '...%s'", back, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_plain_and_pairs),
        cmocka_unit_test(cgroup_rel_from_proc),
        cmocka_unit_test(parse_rejects_malformed),
        cmocka_unit_test(split_list_continues_pairs),
        cmocka_unit_test(check_keys),
        cmocka_unit_test(sizes_parse),
        cmocka_unit_test(cpu_lists),
        cmocka_unit_test(container_config_rejects_before_creating),
        cmocka_unit_test(kv_overflow_is_counted),
        cmocka_unit_test(errors_keep_errno_and_mark_cuts),
        cmocka_unit_test(oci_bundle_confinement_matches_own_runtime),
        cmocka_unit_test(lxc_config_confinement_matches_own_runtime),
        cmocka_unit_test(seccomp_profile_enforced),
        cmocka_unit_test(memstat_counts),
        cmocka_unit_test(cpu_weight_parsed_by_every_driver),
        cmocka_unit_test(cpu_weight_v1_v2_values),
        cmocka_unit_test(cpu_weight_reaches_each_runtime),
        cmocka_unit_test(cpu_weight_own_runtime_cgroup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
