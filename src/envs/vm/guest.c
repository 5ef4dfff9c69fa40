/* guest.c - pid 1 of an isobench guest: mounts /dev, /proc, /sys, /tmp,
 * loads the virtio modules shipped in the initramfs (in name order, which
 * is dependency order), mounts the data disk (/dev/vda, ext4) on /data when
 * there is one, brings up eth0 from the kernel command line and serves the
 * agent on the virtio-serial port. Powers off when the host closes it.
 * With vm:image=, it first moves into the image's root disk. */
#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent.h"
#include "envs/ctr/net.h"
#include "core/proto.h"
#include "envs/vm/cmdline.h"
#include "envs/vm/initramfs.h"
#include "envs/vm/nested.h"

static void guest_log(const char *msg)
{
    int fd = open("/dev/console", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    dprintf(fd, "isobench-init: %s\n", msg);
    close(fd);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Loads every shipped module; one that needs another's symbols (ENOENT)
 * is retried after the others, so no dependency order has to be right. */
static void guest_modules(void)
{
    struct dirent **list;
    int n = scandir("/lib/isobench-modules", &list, NULL, by_name);
    char done[64] = {0};
    for (int pass = 0; pass < 6; pass++) {
        int progress = 0, left = 0;
        for (int i = 0; i < n && i < 64; i++) {
            if (done[i] || list[i]->d_name[0] == '.') continue;
            char path[300];
            snprintf(path, sizeof(path), "/lib/isobench-modules/%s", list[i]->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            int rc = (int)syscall(SYS_finit_module, fd, "", 0);
            int err = errno;
            close(fd);
            if (rc == 0 || err == EEXIST) {
                done[i] = 1;
                progress = 1;
            } else if (err != ENOENT || pass == 5) {
                char msg[400];
                snprintf(msg, sizeof(msg), "loading %s: %s", list[i]->d_name, strerror(err));
                guest_log(msg);
                done[i] = 1;
            } else {
                left = 1;
            }
        }
        if (!left || !progress) break;
    }
    for (int i = 0; i < n; i++)
        free(list[i]);
    if (n > 0) free(list);
}

/* eth0 from the kernel command line (VMK_IP=A/P VMK_GW=G), set by the
 * host when a network workload is planned. */
static void guest_net(const char *cmd)
{
    char ipw[40], gww[40], ip[32] = "", gw[32] = "";
    int prefix = 24;
    if (!vm_cmdline_get(cmd, VMK_IP, ipw, sizeof(ipw)) ||
        !vm_cmdline_get(cmd, VMK_GW, gww, sizeof(gww)) ||
        sscanf(ipw, "%31[0-9.]/%d", ip, &prefix) != 2 || sscanf(gww, "%31[0-9.]", gw) != 1)
        return;
    struct net_nat n = {.prefix = prefix};
    inet_pton(AF_INET, ip, &n.addr);
    inet_pton(AF_INET, gw, &n.gw);
    for (int i = 0; i < 200 && !if_nametoindex("eth0"); i++)
        usleep(10000);
    struct err e = {0};
    if (net_nat_guest(&n, &e) < 0) guest_log(e.msg);
}

/* The virtio-serial port named VM_PORT_NAME, from sysfs (no udev here). */
static int guest_port(void)
{
    for (int tries = 0; tries < 500; tries++) {
        DIR *d = opendir("/sys/class/virtio-ports");
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char p[300], name[64] = "";
            snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", de->d_name);
            if (util_read_file(p, name, sizeof(name)) == 0 && !strcmp(name, VM_PORT_NAME)) {
                snprintf(p, sizeof(p), "/dev/%s", de->d_name);
                closedir(d);
                return open(p, O_RDWR | O_CLOEXEC);
            }
        }
        if (d) closedir(d);
        usleep(20000);
    }
    return -1;
}

/* vm:image=: mounts the root disk named by isobench.root=vdX and moves
 * into it (switch_root without exec: this process goes on as pid 1, its
 * /dev, /proc and /sys moved along), so every program and library the
 * workloads load from now on is the image's. */
static char guest_self[64]; /* this binary's path once in the image's root */

/* Copies the running binary (/init of the initramfs) to dst. */
static void guest_copy_self(const char *dst)
{
    int in = open("/init", O_RDONLY | O_CLOEXEC);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    char buf[65536];
    ssize_t n = in < 0 || out < 0 ? -1 : 0;
    while (n == 0 && (n = read(in, buf, sizeof(buf))) > 0)
        n = write(out, buf, (size_t)n) == n ? 0 : -1;
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (n == 0) snprintf(guest_self, sizeof(guest_self), "%s", dst + strlen("/newroot"));
}

/* Returns 0 (moved, or no image asked for) or -1 with why: the run asked
 * for the image's userland, so running on the initramfs instead would
 * measure something else. */
static int guest_switch_root(const char *cmdline, char *why, size_t len)
{
    char dev[32], path[48];
    if (!vm_cmdline_get(cmdline, VMK_ROOT, dev, sizeof(dev))) return 0;
    if (strspn(dev, "abcdefghijklmnopqrstuvwxyz") != strlen(dev)) {
        snprintf(why, len, "bad %s=%s", VMK_ROOT, dev);
        return -1;
    }
    snprintf(path, sizeof(path), "/dev/%s", dev);
    for (int i = 0; i < 500 && access(path, F_OK) != 0; i++)
        usleep(10000);
    mkdir("/newroot", 0755);
    if (mount(path, "/newroot", "ext4", 0, NULL) < 0) {
        snprintf(why, len, "mounting the image's root disk %s: %s", path, strerror(errno));
        return -1;
    }
    mkdir("/newroot/.isobench", 0755);
    guest_copy_self("/newroot/.isobench/init");
    static const char *const keep[] = {"dev", "proc", "sys", NULL};
    for (int i = 0; keep[i]; i++) {
        char from[16], to[48];
        snprintf(from, sizeof(from), "/%s", keep[i]);
        snprintf(to, sizeof(to), "/newroot/%s", keep[i]);
        mkdir(to, 0755);
        if (mount(from, to, NULL, MS_MOVE, NULL) < 0) guest_log("moving a mount into the image");
    }
    if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
        chdir("/") < 0) {
        snprintf(why, len, "switching to the image's root: %s", strerror(errno));
        return -1;
    }
    mkdir("/tmp", 01777);
    mkdir("/data", 0755);
    mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
    guest_log("running on the image's root");
    return 0;
}

void vm_guest_main(void)
{
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
    guest_modules();
    char cmdline[1024] = "";
    util_read_file("/proc/cmdline", cmdline, sizeof(cmdline));
    /* a failure before ready is sent to the host in place of ready */
    char fatal[400] = "", v[32];
    guest_switch_root(cmdline, fatal, sizeof(fatal));
    int disk = vm_cmdline_get(cmdline, VMK_DISK, v, sizeof(v)) && !strcmp(v, "1");
    for (int i = 0; disk && i < 500 && access("/dev/vda", F_OK) != 0; i++)
        usleep(10000);
    if (!fatal[0] && disk && mount("/dev/vda", "/data", "ext4", 0, NULL) < 0)
        snprintf(fatal, sizeof(fatal), "mounting the data disk /dev/vda on /data: %s",
                 strerror(errno));
    if (!fatal[0] && vm_cmdline_get(cmdline, VMK_FAILPOINT, v, sizeof(v)) && !strcmp(v, "init"))
        snprintf(fatal, sizeof(fatal), "init failed on request (%s=init)", VMK_FAILPOINT);
    if (!fatal[0]) guest_net(cmdline);
    int fd = guest_port();
    int nested = vm_cmdline_get(cmdline, VMK_NESTED, v, sizeof(v)) && !strcmp(v, "container");
    if (!fatal[0] && nested && !guest_self[0]) /* never serve the job outside the container */
        snprintf(fatal, sizeof(fatal),
                 "nested=container: isobench could not be copied into the "
                 "image's root");
    if (fd < 0) {
        guest_log("no virtio-serial port named " VM_PORT_NAME);
    } else if (fatal[0]) {
        guest_log(fatal);
        struct err se = {0};
        proto_send_fatal(fd, fatal, &se);
    } else {
        guest_log("agent ready");
        struct err e = {0};
        if (nested) {
            if (vm_guest_nested(fd, guest_self, &e) < 0) guest_log(e.msg);
        } else if (agent_serve_loop(fd, &e) < 0) {
            guest_log(e.msg);
        }
    }
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}
