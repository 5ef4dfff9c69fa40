#include "envs/vm/qemu_argv.h"

#include <stdio.h>
#include <string.h>

#include "envs/vm/initramfs.h"

#define PUT(buf, ...)                                                                              \
    do {                                                                                           \
        int k_ = snprintf((buf), sizeof(buf), __VA_ARGS__);                                        \
        if (k_ < 0 || (size_t)k_ >= sizeof(buf))                                                   \
            return err_set(e, ERR_FAIL, "QEMU argument %s does not fit", #buf);                    \
    } while (0)

/* The RAM, CPU and machine: guest RAM on preallocated 2 MiB hugepages
 * (hugepages: a tuned guest's unless hugepages=off), QMP for pinning a
 * tuned guest's vCPU threads. */
static int build_machine(const struct qemu_in *in, struct qemu_argv *o, struct err *e)
{
    PUT(o->smp, "%s", in->cpus->smp);
    PUT(o->cpu, "%s", in->cpus->model);
    PUT(o->mem, "%llu", in->mem_mib);
    PUT(o->accel, "%s", in->kvm ? "kvm" : "tcg,thread=multi");
    PUT(o->machine, "%s", in->hugepages ? "q35,memory-backend=ram" : "q35");
    if (in->hugepages)
        PUT(o->backend,
            "memory-backend-memfd,id=ram,size=%lluM,hugetlb=on,hugetlbsize=2M,prealloc=on",
            in->mem_mib);
    if ((in->tuned || in->balloon) && !(in->qmp && in->qmp[0]))
        return err_set(e, ERR_FAIL, "QEMU: tuned and balloon need a QMP socket");
    if (in->qmp && in->qmp[0]) PUT(o->qmp, "unix:%s,server=on,wait=off", in->qmp);
    return 0;
}

/* The devices: the agent's port, the disks and the NIC. A block device
 * as the data disk goes as the paper passed it (aio=native); a file on
 * the host's filesystem through io_uring. */
static int build_devices(const struct qemu_in *in, struct qemu_argv *o, struct err *e)
{
    PUT(o->chardev, "socket,id=ch,path=%s,server=on,wait=on", in->sock);
    PUT(o->serial, "file:%s", in->console);
    if (in->disk && in->disk[0])
        PUT(o->drive, "file=%s,if=none,id=d0,format=raw,cache=none,aio=%s", in->disk,
            strncmp(in->disk, "/dev/", 5) ? "io_uring" : "native");
    if (in->root && in->root[0])
        PUT(o->rootdrive, "file=%s,if=none,id=r0,format=raw,cache=writeback", in->root);
    if (in->mac && in->mac[0]) {
        PUT(o->netdev, "tap,id=n0,fd=3,vhost=%s", in->vhost ? "on" : "off");
        PUT(o->nic, "virtio-net-pci,netdev=n0,mac=%s", in->mac);
    }
    return 0;
}

int qemu_argv_build(const struct qemu_in *in, struct qemu_argv *o, struct err *e)
{
    memset(o, 0, sizeof(*o));
    if (build_machine(in, o, e) < 0 || build_devices(in, o, e) < 0) return -1;
    int n = 0;
#define A(x) o->argv[n++] = (char *)(x)
    A("qemu-system-x86_64"), A("-nodefaults"), A("-no-user-config"), A("-no-reboot");
    A("-display"), A("none"), A("-machine"), A(o->machine), A("-accel"), A(o->accel);
    /* QEMU confined: its seccomp sandbox (no obsolete syscalls, no
     * fork/exec, no scheduler or resource changes of its own) and, past
     * its setup (disks, tap, /dev/kvm and sockets are open by then), the
     * unprivileged account - which holds no capability to rise again.
     * (QEMU installs the filter before -runas's setuid, so
     * elevateprivileges=deny would kill it there: SIGSYS.) */
    A("-sandbox"), A("on,obsolete=deny,spawn=deny,resourcecontrol=deny");
    if (in->runas_nobody) A("-runas"), A("nobody");
    A("-cpu"), A(o->cpu); /* always named: stock is qemu64, never this QEMU's default */
    if (in->hugepages) A("-object"), A(o->backend);
    if (o->qmp[0]) A("-qmp"), A(o->qmp);
    A("-smp"), A(o->smp), A("-m"), A(o->mem);
    A("-kernel"), A(in->kernel), A("-initrd"), A(in->initrd), A("-append"), A(in->append);
    A("-serial"), A(o->serial), A("-device"), A("virtio-serial-pci,id=vs");
    A("-chardev"), A(o->chardev), A("-device");
    A("virtserialport,bus=vs.0,chardev=ch,name=" VM_PORT_NAME);
    if (o->drive[0]) A("-drive"), A(o->drive), A("-device"), A("virtio-blk-pci,drive=d0");
    if (o->rootdrive[0]) A("-drive"), A(o->rootdrive), A("-device"), A("virtio-blk-pci,drive=r0");
    if (o->nic[0]) A("-netdev"), A(o->netdev), A("-device"), A(o->nic);
    /* free pages go back to the host as the guest frees them; the balloon
     * deflates when the guest runs out (nobody inflates it: no controller) */
    if (in->balloon)
        A("-device"), A("virtio-balloon-pci,id=balloon0,free-page-reporting=on,deflate-on-oom=on");
    A(NULL);
#undef A
    o->argc = n - 1;
    return 0;
}
