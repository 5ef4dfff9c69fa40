/* vm - a QEMU guest built by isobench: the host's Debian kernel, an
 * initramfs made from the isobench binary and its library closure
 * (vm/initramfs.c), a virtio-serial port as the agent's channel and an
 * ext4 data disk on virtio-blk (cache=none: O_DIRECT reaches the host
 * disk). KVM when the host really has it (vmx/svm and kvm_intel/kvm_amd);
 * otherwise QEMU's TCG, and every sample says "emulated". The guest
 * kernel, initramfs, disk and QEMU process are journaled; QEMU dies with
 * isobench (PDEATHSIG) and its journal entry. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "envs/ctr/cgroup.h"
#include "envs/ctr/config.h"
#include "envs/ctr/net.h"
#include "envs/env.h"
#include "envs/lib/doctor.h"
#include "envs/vm/cmdline.h"
#include "envs/vm/initramfs.h"
#include "envs/vm/rootdisk.h"
#include "envs/ctr/rootfs.h"
#include "envs/lib/image.h"
#include "envs/vm/blockdev.h"
#include "envs/vm/cpus.h"
#include "envs/vm/qemu_argv.h"
#include "envs/vm/tuned.h"

static const char *const vm_keys[] = {"accel", "cpus",   "mem", "kernel",  "disk",      "tuned",
                                      "image", "nested", "net", "balloon", "hugepages", NULL};

struct vm {
    struct net_nat nat;
    int tapfd;
    char tap[16];
    char state[600], kernel[300], kver[128], initrd[700], disk[700], sock[700], console[700];
    char root[700], image[512]; /* vm:image=: the root disk and the image's tree */
    int nested;                 /* vm:nested=container */
    char accel[8], qmp[700];
    int tuned;
    int hugepages;       /* guest RAM on 2 MiB hugepages (tuned's, unless hugepages=) */
    struct vm_cpus cpus; /* the guest's CPUs as planned (vm/cpus.h) */
    int balloon;         /* vm:balloon=on */
    uint64_t guest_bytes;
    struct cgroup acct; /* QEMU and its threads, vhost's included: what the VM costs */
};

static const char *qemu_bin(void)
{
    static const char *const c[] = {"/usr/bin/qemu-system-x86_64",
                                    "/usr/local/bin/qemu-system-x86_64"};
    for (size_t i = 0; i < 2; i++)
        if (access(c[i], X_OK) == 0) return c[i];
    return NULL;
}

/* Newest /boot/vmlinuz-<ver> whose modules are installed. */
static int vm_find_kernel(char *path, size_t plen, char *ver, size_t vlen)
{
    DIR *d = opendir("/boot");
    if (!d) return -1;
    struct dirent *de;
    int found = 0;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "vmlinuz-", 8)) continue;
        char mods[400];
        snprintf(mods, sizeof(mods), "/lib/modules/%s/modules.dep", de->d_name + 8);
        if (access(mods, R_OK) != 0) continue;
        if (found && strcmp(de->d_name + 8, ver) <= 0) continue;
        snprintf(ver, vlen, "%s", de->d_name + 8);
        snprintf(path, plen, "/boot/%s", de->d_name);
        found = 1;
    }
    closedir(d);
    return found ? 0 : -1;
}

static const char *vm_unavailable(void)
{
    if (!qemu_bin()) return "no QEMU (apt-get install qemu-system-x86)";
    char k[300], v[128];
    if (vm_find_kernel(k, sizeof(k), v, sizeof(v)) < 0)
        return "no kernel with modules in /boot (apt-get install linux-image-cloud-amd64)";
    if (access("/usr/sbin/mke2fs", X_OK) != 0) return "no mke2fs (apt-get install e2fsprogs)";
    return NULL;
}

/* "kvm" only on real hardware virtualization: /dev/kvm alone can be a
 * software KVM (kvm_pvm) that Debian's kernels do not boot under. */
const char *vm_accel_detect(char *why, size_t len)
{
    char buf[8192] = "";
    util_read_file("/proc/cpuinfo", buf, sizeof(buf));
    int hw = strstr(buf, " vmx") || strstr(buf, " svm");
    int mod =
        access("/sys/module/kvm_intel", F_OK) == 0 || access("/sys/module/kvm_amd", F_OK) == 0;
    int dev = access("/dev/kvm", R_OK | W_OK) == 0;
    if (hw && mod && dev) {
        snprintf(why, len, "hardware virtualization (%s)",
                 access("/sys/module/kvm_intel", F_OK) == 0 ? "kvm_intel" : "kvm_amd");
        return "kvm";
    }
    snprintf(why, len, "%s%s%s", !dev ? "no usable /dev/kvm; " : "",
             !hw ? "CPU has no vmx/svm flag; " : "",
             !mod ? "neither kvm_intel nor kvm_amd is loaded" : "");
    if (dev && access("/sys/module/kvm_pvm", F_OK) == 0)
        snprintf(why + strlen(why), len - strlen(why), " (/dev/kvm is kvm_pvm, software)");
    return "tcg";
}

/* The VM's spec, parsed: 0 / "" where the key is absent (derived). */
struct vm_conf {
    char accel[8]; /* auto, kvm, tcg */
    uint64_t cpus, mem, disk;
    int tuned, nested;
    int hugepages;      /* hugepages=on|off; default: tuned's */
    int nat;            /* vm:net=nat: reached through a published port (DNAT) */
    int balloon;        /* vm:balloon=on: virtio-balloon, free-page reporting */
    char disk_dev[128]; /* vm:disk=/dev/X: a whole block device as the data disk */
    char kernel[300], image[512];
};
_Static_assert(sizeof(struct vm_conf) <= ENV_CONF_MAX, "vm_conf fits env_conf");

/* Checks a vm spec's keys (accel, cpus, mem, disk, balloon, net, tuned,
 * hugepages, kernel, image, nested) into *conf, a struct vm_conf, before
 * anything starts. ERR_USAGE naming the spec on the first bad one; reads
 * files (kernel, image, block device) but changes nothing. */
static int vm_check(const struct spec *sp, void *conf, struct err *e)
{
    struct vm_conf *c = conf;
    const char *v;
    snprintf(c->accel, sizeof(c->accel), "%.7s", (v = kv_get(&sp->kv, "accel")) ? v : "auto");
    if (v && strcmp(v, "auto") && strcmp(v, "kvm") && strcmp(v, "tcg"))
        return err_set(e, ERR_USAGE, "%s: accel must be auto, kvm or tcg", sp->text);
    if ((v = kv_get(&sp->kv, "cpus")) && (util_parse_u64(v, &c->cpus, e) < 0 || c->cpus < 1))
        return err_set(e, ERR_USAGE, "%s: cpus must be a number >= 1", sp->text);
    if ((v = kv_get(&sp->kv, "mem")) &&
        (util_parse_size(v, &c->mem, e) < 0 || c->mem < (128u << 20)))
        return err_set(e, ERR_USAGE, "%s: mem must be a size >= 128M", sp->text);
    if ((v = kv_get(&sp->kv, "disk")) && v[0] == '/') { /* a block device (vm/blockdev.h) */
        if (vm_blockdev_check(v, "/proc/self/mountinfo", &c->disk, e) < 0)
            return err_wrap(e, "%s", sp->text);
        if (snprintf(c->disk_dev, sizeof(c->disk_dev), "%s", v) >= (int)sizeof(c->disk_dev))
            return err_set(e, ERR_USAGE, "%s: disk path too long", sp->text);
    } else if (v && (util_parse_size(v, &c->disk, e) < 0 || c->disk < (64u << 20))) {
        return err_set(e, ERR_USAGE, "%s: disk must be a size >= 64M or a block device", sp->text);
    }
    if ((v = kv_get(&sp->kv, "balloon")) && strcmp(v, "on") && strcmp(v, "off"))
        return err_set(e, ERR_USAGE, "%s: balloon is on or off", sp->text);
    c->balloon = v && !strcmp(v, "on");
    if ((v = kv_get(&sp->kv, "net")) && strcmp(v, "bridge") && strcmp(v, "nat"))
        return err_set(e, ERR_USAGE, "%s: net must be bridge or nat", sp->text);
    c->nat = v && !strcmp(v, "nat");
    c->tuned = (v = kv_get(&sp->kv, "tuned")) &&
               (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes"));
    if (v && !c->tuned && strcmp(v, "off") && strcmp(v, "0") && strcmp(v, "no"))
        return err_set(e, ERR_USAGE, "%s: tuned is on or off", sp->text);
    c->hugepages = c->tuned; /* hugepages=: one of tuned's four knobs alone */
    if ((v = kv_get(&sp->kv, "hugepages")) && strcmp(v, "on") && strcmp(v, "off"))
        return err_set(e, ERR_USAGE, "%s: hugepages is on or off", sp->text);
    if (v) c->hugepages = !strcmp(v, "on");
    if ((v = kv_get(&sp->kv, "kernel")) && access(v, R_OK) != 0)
        return err_set(e, ERR_USAGE, "%s: cannot read kernel %s", sp->text, v);
    if (v && snprintf(c->kernel, sizeof(c->kernel), "%s", v) >= (int)sizeof(c->kernel))
        return err_set(e, ERR_USAGE, "%s: kernel path too long", sp->text);
    if ((v = kv_get(&sp->kv, "image"))) {
        if (snprintf(c->image, sizeof(c->image), "%s", v) >= (int)sizeof(c->image))
            return err_set(e, ERR_USAGE, "%s: image path too long", sp->text);
        char root[600];
        if (!strchr(v, '/') && image_path(v, root, sizeof(root), e) < 0)
            return err_wrap(e, "%s", sp->text);
        if (strchr(v, '/') && rootfs_check_image(v, e) < 0) return err_wrap(e, "%s", sp->text);
    }
    if ((v = kv_get(&sp->kv, "nested"))) {
        c->nested = 1;
        if (strcmp(v, "container"))
            return err_set(e, ERR_USAGE, "%s: nested must be container", sp->text);
        if (!kv_get(&sp->kv, "image")) /* pivot_root needs a real root, not the initramfs */
            return err_set(e, ERR_USAGE, "%s: nested=container needs image=NAME", sp->text);
    }
    return 0;
}

/* RAM the guest kernel and its initramfs take beside the workloads. */
#define VM_GUEST_RESERVE_MIB 512

/* Guest RAM when mem= is not given: the largest workload's need plus
 * VM_GUEST_RESERVE_MIB for the guest kernel and the initramfs (which lives
 * in RAM), at least 1 GiB. */
static uint64_t vm_guest_mib(uint64_t mem_needed)
{
    uint64_t need = (mem_needed >> 20) + VM_GUEST_RESERVE_MIB;
    return need > 1024 ? need : 1024;
}

/* The smallest data disk that holds the largest workload's data: an
 * eighth more for ext4 (inode tables, journal) and 64 MiB. */
static uint64_t vm_disk_min(uint64_t disk_needed)
{
    return disk_needed + disk_needed / 8 + (64ull << 20);
}

/* The data disk when disk= is not given: that plus 192 MiB, at least
 * 1 GiB, rounded up to a MiB. The file is sparse: only what is written is
 * used. */
static uint64_t vm_disk_bytes(uint64_t disk_needed)
{
    uint64_t b = vm_disk_min(disk_needed) + (192ull << 20);
    b = (b + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
    return b > (1ull << 30) ? b : 1ull << 30;
}

/* The sizes against the plan and the host, before anything starts. */
static int vm_fit(const struct spec *sp, const struct env_needs *n, struct err *e)
{
    const char *v;
    uint64_t x;
    if ((v = kv_get(&sp->kv, "cpus")) && util_parse_u64(v, &x, e) == 0 && n->host->ncpus &&
        x > (uint64_t)n->host->ncpus)
        return err_set(e, ERR_USAGE, "%s: cpus must be 1..%d", sp->text, n->host->ncpus);
    uint64_t need_mib = (n->mem_bytes >> 20) + VM_GUEST_RESERVE_MIB;
    uint64_t mib = vm_guest_mib(n->mem_bytes);
    if ((v = kv_get(&sp->kv, "mem")) && util_parse_size(v, &x, e) == 0) {
        mib = x >> 20;
        if (mib < need_mib)
            return err_set(e, ERR_USAGE,
                           "%s: mem=%s is too small: the workloads need %llu MiB in the guest",
                           sp->text, v, (unsigned long long)need_mib);
    }
    uint64_t avail = n->host->mem_avail;
    if (avail && (mib << 20) > avail)
        return err_set(e, ERR_USAGE, "%s: the guest's %llu MiB exceed the %llu MiB available",
                       sp->text, (unsigned long long)mib, (unsigned long long)(avail >> 20));
    if ((v = kv_get(&sp->kv, "disk")) &&
        (v[0] == '/' ? vm_blockdev_check(v, "/proc/self/mountinfo", &x, e)
                     : util_parse_size(v, &x, e)) == 0 &&
        n->disk_bytes && x < vm_disk_min(n->disk_bytes))
        return err_set(e, ERR_USAGE,
                       "%s: disk=%s is too small: the workloads write %llu MiB (give at least "
                       "%llu MiB)",
                       sp->text, v, (unsigned long long)(n->disk_bytes >> 20),
                       (unsigned long long)((vm_disk_min(n->disk_bytes) + (1u << 20) - 1) >> 20));
    return 0;
}

/* Runs argv to completion, output to log; 0 when it exits 0. */
static int run_tool(char *const argv[], const char *log, struct err *e)
{
    const struct proc_opts o = {.log = log, .timeout_s = 600};
    int st = proc_run(argv, &o, NULL, 0, NULL, e);
    if (st < 0) return err_wrap(e, "see %s", log);
    if (st) return err_set(e, ERR_FAIL, "%s failed (exit %d, see %s)", argv[0], st, log);
    return 0;
}

/* The console's last lines, for errors. */
static void console_tail(const char *path, char *out, size_t len)
{
    char buf[8192];
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    off_t end = lseek(fd, 0, SEEK_END);
    lseek(fd, end > 600 ? end - 600 : 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    snprintf(out, len, "%.*s", (int)(len - 1), buf);
}

#define vm_conf_of(ctx) ((const struct vm_conf *)(const void *)(ctx)->rq->conf.b)

static int vm_disk_file(struct vm *v, struct env_ctx *ctx, struct err *e);

/* The guest's pieces on the host: its kernel, initramfs, state directory,
 * root disk (an image) and data disk (vm_disk_file, or the user's device). */
static int vm_prepare(struct vm *v, struct env_ctx *ctx, struct err *e)
{
    const struct vm_conf *c = vm_conf_of(ctx);
    if (vm_find_kernel(v->kernel, sizeof(v->kernel), v->kver, sizeof(v->kver)) < 0)
        return err_set(e, ERR_FAIL, "no kernel with modules in /boot");
    if (c->kernel[0]) snprintf(v->kernel, sizeof(v->kernel), "%s", c->kernel);
    snprintf(v->state, sizeof(v->state), "%s/vm%s", ctx->rq->journal->dir, env_idx(ctx));
    if (journal_add(ctx->rq->journal, "rmtree", v->state, e) < 0) return -1;
    if (mkdir(v->state, 0700) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", v->state);
    snprintf(v->initrd, sizeof(v->initrd), "%s/initrd.cpio", v->state);
    snprintf(v->sock, sizeof(v->sock), "%s/agent.sock", v->state);
    snprintf(v->console, sizeof(v->console), "%s/console.log", v->state);
    const char *img = c->image[0] ? c->image : NULL;
    /* with an image the workloads' programs come from it, not the initramfs */
    if (initramfs_build(env_self_exe(), v->kver, img ? NULL : ctx->rq->guest_files, v->initrd, e) <
        0)
        return -1;
    if (img && vm_root_disk(img, ctx, v->root, sizeof(v->root), v->image, sizeof(v->image), e) < 0)
        return -1;
    v->nested = c->nested;
    if (!ctx->rq->need_data && !v->nested)
        return 0;       /* nested: the container's volume lives there */
    if (c->disk_dev[0]) /* the user's device, formatted as it is (not journaled: not ours) */
        snprintf(v->disk, sizeof(v->disk), "%s", c->disk_dev);
    else if (vm_disk_file(v, ctx, e) < 0)
        return -1;
    char log[720];
    snprintf(log, sizeof(log), "%s/mke2fs.log", v->state);
    char *argv[] = {"/usr/sbin/mke2fs",   "-q",    "-F", "-t", "ext4", "-E",
                    "lazy_itable_init=0", v->disk, NULL};
    if (run_tool(argv, log, e) < 0) return -1;
    snprintf(ctx->info.datadir, sizeof(ctx->info.datadir), "/data");
    kv_set(&ctx->info.facts, "datadir", v->disk, NULL);
    kv_set(&ctx->info.facts, "disk",
           c->disk_dev[0] ? "a block device, virtio-blk cache=none aio=native"
                          : "a raw file on the host's filesystem, virtio-blk cache=none "
                            "aio=io_uring",
           NULL);
    return 0;
}

/* The data disk as a raw file on the host's disk (not in /run: a tmpfs),
 * journaled before it exists. */
static int vm_disk_file(struct vm *v, struct env_ctx *ctx, struct err *e)
{
    const struct vm_conf *c = vm_conf_of(ctx);
    uint64_t size = c->disk ? c->disk : vm_disk_bytes(ctx->rq->disk_needed);
    snprintf(v->disk, sizeof(v->disk), "/var/tmp/isobench-%s-disk.raw", env_inst(ctx));
    if (journal_add(ctx->rq->journal, "file", v->disk, e) < 0) return -1;
    int fd = open(v->disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        if (fd >= 0) close(fd);
        return err_sys(e, ERR_FAIL, errno, "creating %s", v->disk);
    }
    close(fd);
    return 0;
}

static unsigned host_khz(void)
{
    char buf[8192] = "";
    util_read_file("/proc/cpuinfo", buf, sizeof(buf));
    const char *p = strstr(buf, "cpu MHz");
    double mhz = 0;
    if (p && (p = strchr(p, ':'))) mhz = atof(p + 1);
    return (unsigned)(mhz * 1000);
}

/* Connects to QEMU's chardev socket (QEMU waits for us before it boots). */
static int vm_connect(const char *path, pid_t qemu, double timeout_s, struct err *e)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path))
        return err_set(e, ERR_FAIL, "socket path too long: %s", path);
    memcpy(a.sun_path, path, strlen(path) + 1);
    double deadline = util_now() + timeout_s;
    while (util_now() < deadline) {
        if (waitpid(qemu, NULL, WNOHANG) == qemu) return err_set(e, ERR_FAIL, "QEMU exited");
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return err_sys(e, ERR_FAIL, errno, "socket");
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) return fd;
        close(fd);
        usleep(10000);
    }
    return err_set(e, ERR_FAIL, "QEMU's agent socket did not appear");
}

/* The guest's kernel command line: the tuning variables (OPENBLAS_*,
 * OMP_*, ...) as parameters (unknown KEY=VALUE ones become init's
 * environment, so every environment runs with the same ones), the test
 * failpoint, and where its disks are. */
static int vm_append(const struct vm *v, struct env_ctx *ctx, char *append, size_t len,
                     struct err *e)
{
    snprintf(append, len, "console=ttyS0 panic=-1 quiet rdinit=/init tsc_early_khz=%u", host_khz());
    struct kvlist tune = {0};
    util_tuning_env(&tune);
    for (int i = 0; i < tune.n; i++) {
        const char *k = tune.v[i].key + 4, *val = tune.v[i].val; /* skip "env." */
        struct err ce = {0};
        if (strchr(val, '"') || strchr(k, '.') || !*val ||
            vm_cmdline_add(append, len, k, val, &ce) < 0)
            kv_set(&ctx->info.facts, "env_not_passed", k, NULL);
    }
    const char *fp = getenv("ISOBENCH_FAILPOINT"); /* test hook: init fails before ready */
    if (fp && !strcmp(fp, "guest-init") &&
        vm_cmdline_add(append, len, VMK_FAILPOINT, "init", e) < 0)
        return -1;
    if (v->disk[0] && vm_cmdline_add(append, len, VMK_DISK, "1", e) < 0) return -1;
    if (v->root[0] && /* after the data disk: vdb, or vda without one */
        (vm_cmdline_add(append, len, VMK_ROOT, v->disk[0] ? "vdb" : "vda", e) < 0 ||
         (v->nested && vm_cmdline_add(append, len, VMK_NESTED, "container", e) < 0)))
        return -1;
    return 0;
}

/* A network workload's NIC: a tap on the run's bridge, the guest reached
 * directly from the peer (routed: the paper's guests sat on a Linux bridge)
 * or, vm:net=nat, through a published port (DNAT); the guest's address and gateway on its command
 * line, and a MAC of its own from its address (QEMU's one default MAC for every guest on the run's
 * bridge would send replies to the wrong VM). */
static int vm_net(struct vm *v, struct env_ctx *ctx, char *append, size_t len, char *mac,
                  size_t mlen, int *vhost, struct err *e)
{
    const struct vm_conf *c = vm_conf_of(ctx);
    const struct peer *pr = ctx->rq->peer;
    net_nat_plan(&v->nat, ctx->rq->run_id, ctx->rq->idx);
    if (net_nat_tap(&v->nat, ctx->rq->run_id, ctx->rq->idx, ctx->rq->journal, &v->tapfd, v->tap,
                    sizeof(v->tap), e) < 0 ||
        (c->nat ? net_nat_publish(&v->nat, ctx->rq->run_id, pr->host_if, ctx->rq->port, e)
                : net_direct_route(&v->nat, ctx->rq->run_id, pr->host_if, pr->peer_addr,
                                   ctx->rq->port, e)) < 0)
        return err_wrap(e, "vm network");
    kv_set(&ctx->info.facts, "net",
           c->nat ? "nat: a published port (DNAT) on the host's peer-facing address"
                  : "bridge: the guest's own address on the run's bridge, routed from the peer "
                    "directly (no NAT)",
           NULL);
    char a[16], g[16], ip[24];
    inet_ntop(AF_INET, &v->nat.addr, a, sizeof(a));
    inet_ntop(AF_INET, &v->nat.gw, g, sizeof(g));
    snprintf(ip, sizeof(ip), "%s/%d", a, v->nat.prefix);
    if (vm_cmdline_add(append, len, VMK_IP, ip, e) < 0 ||
        vm_cmdline_add(append, len, VMK_GW, g, e) < 0)
        return -1;
    *vhost = access("/dev/vhost-net", R_OK | W_OK) == 0;
    kv_set(&ctx->info.facts, "vhost", *vhost ? "on" : "off (no /dev/vhost-net)", NULL);
    uint32_t ga = ntohl(v->nat.addr);
    snprintf(mac, mlen, "52:54:%02x:%02x:%02x:%02x", ga >> 24, (ga >> 16) & 255, (ga >> 8) & 255,
             ga & 255);
    return 0;
}

/* The guest's vCPUs (vm/cpus.h): its shape, CPU model and pinning from
 * this host's topology, stated as facts with what could not apply. */
static int vm_cpus(struct vm *v, struct env_ctx *ctx, int kvm, struct err *e)
{
    const struct vm_conf *c = vm_conf_of(ctx);
    struct host_cpus *h = malloc(sizeof(*h));
    if (!h) return err_set(e, ERR_FAIL, "out of memory");
    int n = c->cpus ? (int)c->cpus : util_ncpus();
    int rc = cpus_read("/sys/devices/system/cpu", h, e);
    if (rc == 0) rc = vm_cpus_plan(h, n, v->tuned, kvm, &v->cpus, e);
    free(h);
    if (rc < 0) return err_wrap(e, "vm: the guest's CPUs");
    kv_set(&ctx->info.facts, "cpus", v->cpus.text, NULL);
    kv_set(&ctx->info.facts, "cpus.smp", v->cpus.smp, NULL);
    if (v->cpus.not_applied[0]) kv_set(&ctx->info.facts, "not_applied", v->cpus.not_applied, NULL);
    return 0;
}

/* Starts QEMU with argv in the VM's accounting cgroup (its CPU time,
 * its vhost threads' included, is the VM's cost), the tap as its fd 3,
 * dying with isobench; journaled. */
static int vm_spawn(struct vm *v, struct env_ctx *ctx, char **argv, struct err *e)
{
    const char *bin = qemu_bin();
    fflush(NULL);
    char cgname[128];
    snprintf(cgname, sizeof(cgname), "isobench-%s", env_inst(ctx));
    if (cgroup_create_acct(&v->acct, cgname, ctx->rq->journal, e) < 0)
        return err_wrap(e, "vm: accounting cgroup");
    memcpy(ctx->info.mem_dir, v->acct.mem_dir, sizeof(ctx->info.mem_dir)); /* QEMU's */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return err_sys(e, ERR_FAIL, errno, "fork");
    if (pid == 0) {
        util_die_with_parent(parent);
        int fd = open(v->console, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        /* QEMU's fd 3: dup2 clears CLOEXEC, but not when the tap is fd 3
         * already (another tenant's thread closed its own) - then fcntl */
        if (v->tapfd == 3 && fcntl(3, F_SETFD, 0) < 0) _exit(126);
        if (v->tapfd >= 0 && v->tapfd != 3 && dup2(v->tapfd, 3) < 0) _exit(126);
        struct err ae = {0};
        if (v->acct.ndirs && cgroup_attach(&v->acct, getpid(), &ae) < 0) _exit(125);
        execv(bin, argv);
        _exit(127);
    }
    if (v->tapfd >= 0) close(v->tapfd); /* QEMU holds the tap now */
    v->tapfd = -1;
    ctx->agent_pid = pid; /* QEMU: env_down closes the channel, the guest powers off */
    return journal_add_pid(ctx->rq->journal, pid, e);
}

/* QEMU as it runs: its resident memory, and its confinement. */
static void vm_status_facts(struct env_ctx *ctx)
{
    char status[64], path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)ctx->agent_pid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmRSS: %63s", status) == 1)
            ctx->info.footprint_bytes = strtoull(status, NULL, 10) * 1024ull;
        if (sscanf(line, "Uid: %*s %63s", status) == 1)
            kv_set(&ctx->info.facts, "qemu.euid", status, NULL);
        if (sscanf(line, "Seccomp: %63s", status) == 1)
            kv_set(&ctx->info.facts, "qemu.seccomp", status, NULL);
    }
    if (f) fclose(f);
}

/* Plans and starts the guest, waits for its agent, pins a tuned guest's
 * vCPUs. */
static int vm_start(struct vm *v, struct env_ctx *ctx, double t0, struct err *e)
{
    const struct vm_conf *c = vm_conf_of(ctx);
    int kvm = !strcmp(v->accel, "kvm");
    /* guest RAM: given, or derived from the plan (vm_fit checked both) */
    uint64_t mb = c->mem ? c->mem >> 20 : vm_guest_mib(ctx->rq->mem_needed);
    char mem[24], append[1024], mac[24] = "";
    snprintf(mem, sizeof(mem), "%llu", (unsigned long long)mb);
    kv_set(&ctx->info.facts, "guest_mem_mib", mem, NULL);
    int vhost = 0;
    if (vm_cpus(v, ctx, kvm, e) < 0 || vm_append(v, ctx, append, sizeof(append), e) < 0 ||
        (ctx->rq->peer && vm_net(v, ctx, append, sizeof(append), mac, sizeof(mac), &vhost, e) < 0))
        return -1;
    if (v->hugepages && vm_hugepages_reserve(mb, ctx->rq->journal, e) < 0) return -1;
    if (v->tuned || c->balloon) snprintf(v->qmp, sizeof(v->qmp), "%s/qmp.sock", v->state);
    v->balloon = c->balloon;
    v->guest_bytes = mb << 20;
    struct qemu_in in = {.kvm = kvm,
                         .tuned = v->tuned,
                         .hugepages = v->hugepages,
                         .runas_nobody = getpwnam("nobody") != NULL,
                         .cpus = &v->cpus,
                         .mem_mib = (unsigned long long)mb,
                         .kernel = v->kernel,
                         .initrd = v->initrd,
                         .append = append,
                         .sock = v->sock,
                         .console = v->console,
                         .qmp = v->qmp,
                         .disk = v->disk,
                         .root = v->root,
                         .mac = mac,
                         .vhost = vhost,
                         .balloon = c->balloon};
    struct qemu_argv *qa cleanup_free = malloc(sizeof(*qa));
    if (!qa) return err_set(e, ERR_FAIL, "out of memory");
    if (qemu_argv_build(&in, qa, e) < 0 || vm_spawn(v, ctx, qa->argv, e) < 0) return -1;
    ctx->agent_chan = vm_connect(v->sock, ctx->agent_pid, 30, e);
    int ready = ctx->agent_chan < 0 ? -1 : proto_wait_ready(ctx->agent_chan, 180, e);
    if (ready == -2) return err_wrap(e, "the guest failed before it was ready");
    if (ready < 0) {
        char tail[700];
        console_tail(v->console, tail, sizeof(tail));
        return err_wrap(e, "guest did not reach agent ready (console: ...%s)", tail);
    }
    ctx->info.startup_s = util_now() - t0;
    if (v->tuned) {
        char pins[512];
        if (vm_pin_vcpus(v->qmp, v->cpus.pin, v->cpus.n, pins, sizeof(pins), e) < 0)
            return err_wrap(e, "vm tuned");
        kv_set(&ctx->info.facts, "vcpu_pinning", pins, NULL);
    }
    kv_set(&ctx->info.facts, "memory",
           v->hugepages ? "2 MiB hugepages, preallocated" : "4 KiB pages", NULL);
    vm_status_facts(ctx);
    return 0;
}

/* Boots the VM: decides the accelerator (kvm refused when not usable),
 * prepares and starts QEMU (vm_prepare, vm_start: every object journaled)
 * and fills ctx->info - facts, the one-line label (ERR_FAIL if it does
 * not fit a fact) and the address the peer reaches it at. ctx->priv owns
 * the struct vm; -1 on error (down() unwinds). */
static int vm_up(struct env_ctx *ctx, struct err *e)
{
    struct vm *v = calloc(1, sizeof(*v));
    if (!v) return err_set(e, ERR_FAIL, "out of memory");
    v->tapfd = -1;
    ctx->priv = v;
    if (journal_require(ctx->rq->journal, e) < 0) return -1;
    const struct vm_conf *c = vm_conf_of(ctx);
    char why[200];
    const char *det = vm_accel_detect(why, sizeof(why));
    if (!strcmp(c->accel, "kvm") && strcmp(det, "kvm"))
        return err_set(e, ERR_USAGE, "%s: KVM is not usable here: %s", ctx->rq->spec.text, why);
    snprintf(v->accel, sizeof(v->accel), "%s", strcmp(c->accel, "auto") ? c->accel : det);
    v->tuned = c->tuned;
    v->hugepages = c->hugepages;
    kv_set(&ctx->info.facts, "profile", v->tuned ? "tuned" : "stock", NULL);
    double t0 = util_now();
    if (vm_prepare(v, ctx, e) < 0 || vm_start(v, ctx, t0, e) < 0) return -1;
    kv_set(&ctx->info.facts, "accel", v->accel, NULL);
    kv_set(&ctx->info.facts, "accel_reason", why, NULL);
    kv_set(&ctx->info.facts, "kernel", v->kernel, NULL);
    /* the environment line (a fact's 255 bytes: details are facts of their own) */
    char label[256];
    int k = snprintf(label, sizeof(label), "%s QEMU q35 %s %s: %s, %s; kernel %.32s; %s%s%s%s",
                     strcmp(v->accel, "kvm") ? "EMULATED VM (TCG) - not comparable to KVM:"
                                             : "KVM guest:",
                     v->accel, v->tuned ? "tuned" : "stock", v->cpus.brief,
                     v->hugepages ? "2 MiB pages" : "4 KiB pages", v->kver,
                     v->root[0] ? "image root disk" : "initramfs",
                     !v->disk[0]      ? ""
                     : c->disk_dev[0] ? "; data disk: a block device"
                                      : "; data disk: a file on the host's filesystem",
                     !ctx->rq->peer ? ""
                     : c->nat       ? "; net: NAT (published port)"
                                    : "; net: bridge, direct",
                     v->nested ? "; container-in-VM (own runtime, net=host)" : "");
    if (k < 0 || (size_t)k >= sizeof(label))
        return err_set(e, ERR_FAIL, "vm: the environment line does not fit a fact");
    if (v->root[0]) kv_set(&ctx->info.facts, "image", v->image, NULL);
    if (v->nested) kv_set(&ctx->info.facts, "nested", "container", NULL);
    kv_set(&ctx->info.facts, "label", label, NULL);
    if (ctx->rq->peer) { /* its NIC is on the run's bridge */
        net_nat_addr_text(&v->nat, ctx->info.local_addr, sizeof(ctx->info.local_addr));
        if (c->nat) {
            env_reach_host(ctx, 0); /* through the published port */
        } else {                    /* the guest's own address, routed */
            snprintf(ctx->info.reach_addr, sizeof(ctx->info.reach_addr), "%s",
                     ctx->info.local_addr);
            ctx->info.reach_port = ctx->rq->port;
        }
    }
    return 0;
}

static int vm_exec(struct env_ctx *ctx, const struct job *j, struct env_watch *w, struct reply *rep,
                   struct err *e)
{
    struct vm *v = ctx->priv;
    int rc = env_chan_exec(&ctx->agent_chan, ctx->rq->timeout_s, w, j, rep, e);
    if (rc == 0 && rep->ok) {
        kv_set(&rep->res.facts, "accel", v->accel, NULL);
        if (strcmp(v->accel, "kvm")) kv_set(&rep->res.facts, "emulated", "1", NULL);
    }
    return rc;
}

/* QEMU's resident memory now (bytes; 0 when unreadable). */
static uint64_t qemu_rss(pid_t pid)
{
    char path[64], line[256];
    uint64_t kib = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %" SCNu64, &kib) == 1) break;
    if (f) fclose(f);
    return kib * 1024;
}

/* The guest as the host sees it now: QEMU's resident memory and, with
 * vm:balloon=on, how far the balloon is inflated (guest RAM - QMP
 * query-balloon's actual): whether ballooning took guest memory back. */
static int vm_probe(struct env_ctx *ctx, struct kvlist *out, struct err *e)
{
    const struct vm *v = ctx->priv;
    if (!v || ctx->agent_pid <= 0) return err_set(e, ERR_FAIL, "vm: not running");
    char val[32];
    snprintf(val, sizeof(val), "%" PRIu64, qemu_rss(ctx->agent_pid));
    if (kv_set(out, "qemu_rss_bytes", val, e) < 0) return -1;
    if (!v->balloon) return 0;
    uint64_t actual = 0;
    if (vm_balloon_actual(v->qmp, &actual, e) < 0) return err_wrap(e, "vm balloon");
    snprintf(val, sizeof(val), "%" PRIu64, v->guest_bytes > actual ? v->guest_bytes - actual : 0);
    return kv_set(out, "balloon_inflated_bytes", val, e);
}

static int vm_host_cpu(struct env_ctx *ctx, char *src, size_t len)
{
    const struct vm *v = ctx->priv;
    return v && v->acct.ndirs ? cgroup_cpu_src(&v->acct, src, len) : -1;
}

/* After env_down's EOF on the channel (the guest powers off; QEMU is
 * killed if it lingers): a tap not yet handed to QEMU. The journal
 * removes the state dir and the disk. */
static void vm_down(struct env_ctx *ctx)
{
    struct vm *v = ctx->priv;
    if (v && v->tapfd >= 0) close(v->tapfd);
    free(v);
}

/* At plan time: a guest's workloads run on its own kernel with no seccomp
 * filter, except under nested=container, whose container loads the
 * containers' profile (io_uring refused as in the host's containers). */
static const char *vm_lacks(const struct spec *sp, unsigned needs)
{
    static const char *const nested_nets[] = {"host", NULL};
    return kv_get(&sp->kv, "nested") ? ctr_lacks(sp, nested_nets, needs & WL_NEEDS_IO_URING) : NULL;
}

const struct env env_vm = {
    .name = "vm",
    .pick = "vm",
    .slice = ENV_SLICE_VCPUS,
    .summary = "QEMU guest built by isobench (KVM, or TCG labelled emulated)",
    .caps =
        ENV_CAP_ROOT | ENV_CAP_OWN_KERNEL | ENV_CAP_ODIRECT | ENV_CAP_NEST | ENV_CAP_PARALLEL_UP,
    .stop_grace_s = 5.0,
    .unavailable = vm_unavailable,
    .keys = vm_keys,
    .check = vm_check,
    .fit = vm_fit,
    .lacks = vm_lacks,
    .up = vm_up,
    .exec = vm_exec,
    .down = vm_down,
    .host_cpu_src = vm_host_cpu,
    .probe = vm_probe,
};
