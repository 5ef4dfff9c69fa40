/* qemu_argv.h - the QEMU command line of one guest, built from what the
 * vm driver decided (no I/O, no global state): the unit tests check it for
 * simulated hosts - KVM or TCG, stock or tuned, 2x8x2 or 1x2x1 - that this
 * machine is not. */
#ifndef ISOBENCH_VM_QEMU_ARGV_H
#define ISOBENCH_VM_QEMU_ARGV_H

#include "core/err.h"
#include "envs/vm/cpus.h"

struct qemu_in {
    int kvm;                     /* else TCG, multi-threaded */
    int tuned;                   /* QMP (for pinning) */
    int hugepages;               /* guest RAM on preallocated 2 MiB hugepages */
    int runas_nobody;            /* drop to nobody past setup */
    const struct vm_cpus *cpus;  /* -smp, -cpu */
    unsigned long long mem_mib;  /* -m */
    const char *kernel, *initrd; /* -kernel, -initrd */
    const char *append;          /* -append: the guest's command line, complete */
    const char *sock;            /* the agent's virtio-serial socket */
    const char *console;         /* the serial console's file */
    const char *qmp;             /* the QMP socket (tuned, balloon; "" / NULL: none) */
    const char *disk;            /* the data disk ("": none): a file or a block device */
    const char *root;            /* the image's root disk ("": initramfs) */
    const char *mac;             /* the NIC's MAC, tap on fd 3 ("" / NULL: no network) */
    int vhost;                   /* vhost-net for the NIC */
    int balloon;                 /* virtio-balloon with free-page reporting (needs qmp) */
};

struct qemu_argv {
    char *argv[80]; /* NULL-terminated; points into the buffers below */
    int argc;
    char smp[96], cpu[16], mem[24], accel[40], machine[64], backend[160], qmp[760];
    char chardev[800], serial[720], drive[800], rootdrive[800], netdev[80], nic[80];
};

/* Fills out from in (out must stay where it is while argv is used).
 * ERR_FAIL when a path does not fit its argument. */
int qemu_argv_build(const struct qemu_in *in, struct qemu_argv *out, struct err *e);

#endif
