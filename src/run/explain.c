/* explain.c - the ladder of `isobench explain` (explain.h). */
#include "run/explain.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/spec.h"
#include "envs/lib/doctor.h"
#include "envs/env.h"

/* Where the ladder stands: a driver and its keys, defaults left out. */
struct lstate {
    char driver[32];
    struct kvlist kv;
};

/* The ladder being built and where it stands. */
struct lbuild {
    struct explain_ladder *l;
    struct lstate s;
    const struct spec *env;
    char blocked[256]; /* set: every rung from here on cannot run, for this reason */
};

void explain_host_probe(struct explain_host *h)
{
    char why[256];
    h->kvm = !strcmp(vm_accel_detect(why, sizeof(why)), "kvm");
    h->hugepages = access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0;
    h->vhost = access("/dev/vhost-net", F_OK) == 0;
}

/* A key's default for a driver (what leaving it out means), or NULL. */
static const char *key_default(const char *driver, const char *key)
{
    int oci = !strcmp(driver, "runc") || !strcmp(driver, "runsc");
    if (!strcmp(key, "net")) return !strcmp(driver, "vm") ? "bridge" : oci ? "none" : "nat";
    if (!strcmp(key, "storage")) return "overlay";
    if (!strcmp(key, "userns") || !strcmp(key, "tuned")) return "off";
    if (!strcmp(key, "platform")) return "ptrace";
    return NULL;
}

static void kv_drop(struct kvlist *l, const char *key)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].key, key)) {
            memmove(&l->v[i], &l->v[i + 1], sizeof(l->v[0]) * (size_t)(l->n - i - 1));
            l->n--;
            return;
        }
}

/* Sets key to val in s, or drops it when val is the driver's default
 * (NULL: drop), so that equal environments have equal states. */
static void st_set(struct lstate *s, const char *key, const char *val)
{
    const char *d = key_default(s->driver, key);
    if (!strcmp(key, "hugepages")) d = kv_get(&s->kv, "tuned") ? "on" : "off"; /* tuned's */
    if (!strcmp(key, "tuned") && val && strcmp(val, "off") && strcmp(val, "0") && strcmp(val, "no"))
        val = "on"; /* the vm driver's spellings of on */
    if (!val || (d && !strcmp(val, d)))
        kv_drop(&s->kv, key);
    else
        kv_set(&s->kv, key, val, NULL);
}

/* 1 when a and b are the same environment (same driver, same keys). */
static int st_same(const struct lstate *a, const struct lstate *b)
{
    if (strcmp(a->driver, b->driver) || a->kv.n != b->kv.n) return 0;
    for (int i = 0; i < a->kv.n; i++) {
        const char *v = kv_get(&b->kv, a->kv.v[i].key);
        if (!v || strcmp(v, a->kv.v[i].val)) return 0;
    }
    return 1;
}

/* s as a canonical spec into buf (ERR_USAGE when it does not fit). */
static int st_text(const struct lstate *s, char *buf, size_t len, struct err *e)
{
    char raw[256];
    size_t off = (size_t)snprintf(raw, sizeof(raw), "%s", s->driver);
    for (int i = 0; i < s->kv.n && off < sizeof(raw); i++)
        off += (size_t)snprintf(raw + off, sizeof(raw) - off, "%c%s=%s", i ? ',' : ':',
                                s->kv.v[i].key, s->kv.v[i].val);
    struct spec sp;
    if (off >= sizeof(raw) || spec_parse(raw, &sp, e) < 0)
        return err_set(e, ERR_USAGE, "a rung's spec is too long: %.60s...", raw);
    if (snprintf(buf, len, "%s", sp.text) >= (int)len)
        return err_set(e, ERR_USAGE, "a rung's spec is too long: %.60s...", raw);
    return 0;
}

/* Appends a rung: one that runs b->s (na NULL), or an n/a one (na set).
 * A rung after a blocking n/a (b->blocked) cannot run either. */
static int add(struct lbuild *b, const char *knob, const char *na, const char *note, struct err *e)
{
    struct explain_ladder *l = b->l;
    if (l->n >= EXPLAIN_RUNGS) return err_set(e, ERR_FAIL, "explain: too many rungs");
    struct explain_rung *r = &l->r[l->n++];
    memset(r, 0, sizeof(*r));
    snprintf(r->knob, sizeof(r->knob), "%s", knob);
    snprintf(r->note, sizeof(r->note), "%s", note ? note : "");
    if (!na && b->blocked[0]) na = b->blocked;
    if (na) {
        snprintf(r->na, sizeof(r->na), "%s", na);
        return 0;
    }
    return st_text(&b->s, r->spec, sizeof(r->spec), e);
}

static const char *const limit_keys[] = {"cpus", "cpu-quota", "cpu-weight", "mem", "pids", NULL};

static int is_limit(const char *k)
{
    for (int i = 0; limit_keys[i]; i++)
        if (!strcmp(k, limit_keys[i])) return 1;
    return 0;
}

/* The knobs a container ladder takes one at a time: not kept on every rung. */
static int ctr_knob(const char *k)
{
    return is_limit(k) || !strcmp(k, "net") || !strcmp(k, "storage") || !strcmp(k, "userns") ||
           !strcmp(k, "platform");
}

/* +namespaces (on runc for runsc: the same OCI bundle), +cgroup limits,
 * +seccomp and capabilities (no key: n/a). */
static int ctr_first(struct lbuild *b, int gv, struct err *e)
{
    const struct spec *env = b->env;
    const char *d = env->name;
    char note[256];
    st_set(&b->s, "net", "host");
    st_set(&b->s, "storage", "volume");
    snprintf(note, sizeof(note), "%s namespaces with net=host, /data a volume, no cgroup limit%s",
             gv ? "runc's" : d,
             gv ? " (the OCI bundle runsc runs, on the host's kernel)"
                : "; seccomp and the capabilities come with it");
    if (add(b, "+namespaces", NULL, note, e) < 0) return -1;
    char lim[200] = "";
    for (int i = 0; i < env->kv.n; i++)
        if (is_limit(env->kv.v[i].key)) {
            st_set(&b->s, env->kv.v[i].key, env->kv.v[i].val);
            snprintf(lim + strlen(lim), sizeof(lim) - strlen(lim), "%s%s=%s", lim[0] ? ", " : "",
                     env->kv.v[i].key, env->kv.v[i].val);
        }
    if (add(b, "+cgroup limits",
            lim[0] ? NULL : "ENV sets no cgroup limit (cpus, cpu-quota, cpu-weight, mem, pids)",
            lim[0] ? lim : NULL, e) < 0)
        return -1;
    snprintf(note, sizeof(note),
             "no key of the %s driver turns seccomp or the capabilities off yet: every rung "
             "from +namespaces on has them",
             gv ? "runc" : d);
    return add(b, "+seccomp + capabilities", note, NULL, e);
}

/* runsc: +gVisor on its default platform, then the platform ENV chose. */
static int gvisor_rungs(struct lbuild *b, const struct explain_host *h, struct err *e)
{
    snprintf(b->s.driver, sizeof(b->s.driver), "runsc");
    if (add(b, "+gVisor (platform=ptrace)", NULL,
            "gVisor's own kernel serves the system calls, trapped by ptrace (the default)", e) < 0)
        return -1;
    const char *p = kv_get(&b->env->kv, "platform");
    if (!p || !strcmp(p, "ptrace"))
        return add(b, "+platform choice", "ENV uses the default platform (ptrace)", NULL, e);
    st_set(&b->s, "platform", p);
    char knob[64];
    snprintf(knob, sizeof(knob), "+platform=%.40s", p);
    if (!strcmp(p, "kvm") && !h->kvm) {
        snprintf(b->blocked, sizeof(b->blocked),
                 "platform=kvm needs hardware KVM: this host has none");
        return add(b, knob, b->blocked, NULL, e);
    }
    return add(b, knob, NULL, NULL, e);
}

/* The network increment towards ENV's net= (from net=host). */
static int ctr_net(struct lbuild *b, int oci, int gv, struct err *e)
{
    const char *net = kv_get(&b->env->kv, "net");
    if (!net) net = key_default(b->env->name, "net");
    if (oci && !strcmp(net, "nat"))
        return err_set(e, ERR_USAGE, "%s: net must be none or host", b->env->text);
    if (oci)
        if (add(b, "+NAT", "the runc and runsc drivers have no NAT network yet (net=none|host)",
                NULL, e) < 0)
            return -1;
    if (!strcmp(net, "nat")) {
        st_set(&b->s, "net", "nat");
        return add(b, "+NAT", NULL, "a bridge, a veth and DNAT of the server's port", e);
    }
    if (!strcmp(net, "none")) {
        st_set(&b->s, "net", "none");
        return add(b, gv ? "+netstack (net=none)" : "+own netns (net=none)", NULL,
                   gv ? "gVisor's own network stack, loopback only: network workloads are n/a"
                      : "loopback only: network workloads are n/a",
                   e);
    }
    if (!strcmp(net, "host"))
        return oci ? 0 : add(b, "+NAT", "ENV shares the host's network (net=host)", NULL, e);
    return err_set(e, ERR_USAGE, "%s: net=%s is not one the ladder knows", b->env->text, net);
}

/* own container, runc, podman, docker, lxc, runsc. */
static int ladder_ctr(struct lbuild *b, const struct explain_host *h, struct err *e)
{
    const char *d = b->env->name;
    int gv = !strcmp(d, "runsc"), oci = gv || !strcmp(d, "runc");
    snprintf(b->s.driver, sizeof(b->s.driver), "%s", gv ? "runc" : d);
    for (int i = 0; i < b->env->kv.n; i++) /* image=: the same on every rung */
        if (!ctr_knob(b->env->kv.v[i].key)) st_set(&b->s, b->env->kv.v[i].key, b->env->kv.v[i].val);
    if (ctr_first(b, gv, e) < 0) return -1;
    if (gv && gvisor_rungs(b, h, e) < 0) return -1;
    if (ctr_net(b, oci, gv, e) < 0) return -1;
    const char *stor = kv_get(&b->env->kv, "storage");
    if (stor && strcmp(stor, "overlay") && strcmp(stor, "volume"))
        return err_set(e, ERR_USAGE, "%s: storage must be overlay or volume", b->env->text);
    int ovl = !stor || !strcmp(stor, "overlay");
    if (ovl) st_set(&b->s, "storage", "overlay");
    if (add(b, "+overlay storage", ovl ? NULL : "ENV keeps /data on a volume (storage=volume)",
            ovl ? "/data on an overlay (the paper's AUFS case)" : NULL, e) < 0)
        return -1;
    const char *u = kv_get(&b->env->kv, "userns");
    int userns = u && strcmp(u, "off");
    if (userns) st_set(&b->s, "userns", u);
    char why[96];
    snprintf(why, sizeof(why), "the %s driver has no userns key", d);
    return add(b, "+userns",
               strcmp(d, "container") ? why
               : userns               ? NULL
                                      : "ENV has no user namespace (userns=on)",
               NULL, e);
}

/* vm after the tuning: +NAT, disk: file -> device, -vhost, +container inside. */
static int vm_rest(struct lbuild *b, const struct explain_host *h, struct err *e)
{
    const struct spec *env = b->env;
    const char *disk = kv_get(&env->kv, "disk");
    int dev = disk && disk[0] == '/';
    const char *net = kv_get(&env->kv, "net");
    if (net && !strcmp(net, "nat")) st_set(&b->s, "net", "nat");
    if (add(b, "+NAT", net && !strcmp(net, "nat") ? NULL : "ENV does not ask for NAT (net=nat)",
            NULL, e) < 0)
        return -1;
    if (dev) st_set(&b->s, "disk", disk);
    if (add(b, "disk: file -> device",
            dev ? NULL
                : "ENV's data disk is a file: vm:disk=/dev/X (a spare block device) makes this "
                  "increment",
            NULL, e) < 0)
        return -1;
    if (add(b, "-vhost",
            h->vhost ? "no vm key turns vhost off yet: vhost=on in every rung (/dev/vhost-net)"
                     : "no /dev/vhost-net here: vhost is off in every rung",
            NULL, e) < 0)
        return -1;
    if (!kv_get(&env->kv, "nested")) return 0;
    st_set(&b->s, "nested", kv_get(&env->kv, "nested"));
    return add(b, "+container inside", NULL, "nested=container: isobench's runtime in the guest",
               e);
}

/* vm's tuning knobs off one at a time: -huge pages (hugepages=off), then
 * the three only tuned= turns (n/a), then tuned off (= stock). */
static int vm_untune(struct lbuild *b, const struct explain_host *h, struct err *e)
{
    st_set(&b->s, "hugepages", "off");
    if (add(b, "-huge pages", NULL, "tuned with 4 KiB pages (hugepages=off)", e) < 0) return -1;
    const char *nokey = "the vm driver has no key for it yet (tuned= sets pinning, topology and "
                        "CPU model together): the -host CPU model increment carries it";
    if (add(b, "-pinning",
            h->kvm ? nokey
                   : "TCG: pinning emulated vCPUs says nothing of KVM's; and no vm key for it "
                     "yet (the -host CPU model increment carries it)",
            NULL, e) < 0 ||
        add(b, "-host topology", nokey, NULL, e) < 0)
        return -1;
    st_set(&b->s, "tuned", NULL);
    kv_drop(&b->s.kv, "hugepages"); /* stock's default */
    return add(b, "-host CPU model (= stock)", NULL,
               "tuned off: takes off pinning, the host's topology and CPU model together", e);
}

/* vm: tuned, then each tuning knob off, then NAT, disk, vhost, nesting. */
static int ladder_vm(struct lbuild *b, const struct explain_host *h, struct err *e)
{
    const struct spec *env = b->env;
    const char *disk = kv_get(&env->kv, "disk"), *t = kv_get(&env->kv, "tuned");
    const char *hp = kv_get(&env->kv, "hugepages");
    int dev = disk && disk[0] == '/',
        tuned = t && strcmp(t, "off") && strcmp(t, "0") && strcmp(t, "no");
    snprintf(b->s.driver, sizeof(b->s.driver), "vm");
    for (int i = 0; i < env->kv.n; i++) {
        const char *k = env->kv.v[i].key;
        if (strcmp(k, "tuned") && strcmp(k, "net") && strcmp(k, "nested") &&
            strcmp(k, "hugepages") && !(dev && !strcmp(k, "disk")))
            st_set(&b->s, k, env->kv.v[i].val);
    }
    st_set(&b->s, "tuned", "on");
    const char *nohp =
        "no 2 MiB hugepages on this host (/sys/kernel/mm/hugepages/hugepages-2048kB)";
    char note[256];
    snprintf(note, sizeof(note), "huge pages, vCPU pinning, the host's topology and CPU model%s",
             h->kvm ? ""
                    : "; TCG here: -cpu max, not the host's model, and pinning pins TCG's "
                      "threads, which says nothing of KVM's");
    int hp_env = hp ? !strcmp(hp, "on") : tuned; /* ENV's guest RAM on hugepages */
    if (!h->hugepages && hp_env) snprintf(b->blocked, sizeof(b->blocked), "%s", nohp);
    if (add(b, "vm tuned", h->hugepages ? NULL : nohp, note, e) < 0) return -1;
    if (!tuned && vm_untune(b, h, e) < 0) return -1;
    if (tuned && !hp_env) {
        st_set(&b->s, "hugepages", "off");
        if (add(b, "-huge pages", NULL, "tuned with 4 KiB pages (hugepages=off)", e) < 0) return -1;
    }
    if (!tuned && hp_env) {
        st_set(&b->s, "hugepages", "on");
        if (add(b, "+huge pages", NULL, "a stock guest on 2 MiB hugepages (hugepages=on)", e) < 0)
            return -1;
    }
    return vm_rest(b, h, e);
}

/* ENV's own state: its driver and keys, defaults left out. */
static void env_state(const struct spec *env, struct lstate *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->driver, sizeof(s->driver), "%s", env->name);
    for (int i = 0; i < env->kv.n; i++)
        st_set(s, env->kv.v[i].key, env->kv.v[i].val);
}

int explain_ladder(const char *env, const struct explain_host *h, struct explain_ladder *l,
                   struct err *e)
{
    memset(l, 0, sizeof(*l));
    struct spec sp;
    if (spec_parse(env, &sp, e) < 0) return -1;
    const struct env *d = env_find(sp.name);
    if (!d) return err_set(e, ERR_USAGE, "explain: no environment '%s' (isobench list)", sp.name);
    if (spec_check_keys(&sp, d->keys, e) < 0) return -1;
    static const char *const ctr[] = {"container", "runc", "podman", "docker", "lxc", "runsc"};
    int is_ctr = 0;
    for (size_t i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++)
        is_ctr |= !strcmp(sp.name, ctr[i]);
    if (!is_ctr && strcmp(sp.name, "vm"))
        return err_set(e, ERR_USAGE,
                       "explain: %s has no knobs to take off one at a time (explain ladders: "
                       "container, runc, podman, docker, lxc, runsc, vm)",
                       sp.name);
    snprintf(l->env, sizeof(l->env), "%s", sp.text);
    struct lbuild b = {.l = l, .env = &sp};
    snprintf(b.s.driver, sizeof(b.s.driver), "native");
    if (add(&b, "native", NULL, "the baseline", e) < 0) return -1;
    if ((is_ctr ? ladder_ctr(&b, h, e) : ladder_vm(&b, h, e)) < 0) return -1;
    struct lstate want;
    env_state(&sp, &want);
    if (!st_same(&b.s, &want))
        return err_set(e, ERR_FAIL, "explain: the ladder of %s ends elsewhere (a bug)", sp.text);
    snprintf(l->blocked, sizeof(l->blocked), "%s", b.blocked);
    for (int k = l->n - 1; k > 0 && !b.blocked[0]; k--) /* the last that runs: ENV as written */
        if (l->r[k].spec[0]) {
            snprintf(l->r[k].spec, sizeof(l->r[k].spec), "%s", sp.text);
            break;
        }
    return 0;
}

int explain_env_list(const struct explain_ladder *l, char *buf, size_t len, struct err *e)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int k = 0; k < l->n; k++) {
        if (!l->r[k].spec[0]) continue;
        int n = snprintf(buf + off, len - off, "%s%s", off ? "," : "", l->r[k].spec);
        if (n < 0 || (size_t)n >= len - off)
            return err_set(e, ERR_USAGE, "explain: the rungs' specs do not fit in one list");
        off += (size_t)n;
    }
    return 0;
}

int explain_facts(const struct explain_ladder *l, struct kvlist *facts, struct err *e)
{
    char k[64], v[16];
    if (kv_set(facts, "explain.env", l->env, e) < 0) return -1;
    snprintf(v, sizeof(v), "%d", l->n);
    if (kv_set(facts, "explain.rungs", v, e) < 0) return -1;
    for (int i = 0; i < l->n; i++) {
        const struct explain_rung *r = &l->r[i];
        const char *key[] = {"knob", "spec", "na"}, *val[] = {r->knob, r->spec, r->na};
        for (int j = 0; j < 3; j++) {
            if (!val[j][0]) continue;
            snprintf(k, sizeof(k), "explain.%d.%s", i, key[j]);
            if (kv_set(facts, k, val[j], e) < 0) return -1;
        }
    }
    return 0;
}
