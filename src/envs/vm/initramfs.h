/* initramfs.h - the guest's whole userland, built by isobench from the
 * host: a newc cpio archive holding the isobench binary as /init, the
 * shared libraries it needs (ldd's closure, at the paths the dynamic
 * loader looks them up), and the virtio kernel modules of the guest kernel
 * in load order. Nothing is downloaded. The guest side (vm_guest_main)
 * mounts, loads the modules and serves the agent on the virtio-serial
 * port. */
#ifndef ISOBENCH_INITRAMFS_H
#define ISOBENCH_INITRAMFS_H

#include "core/err.h"

/* Modules the guest loads, in dependency order (modules.dep's order is
 * wrong for these: virtio must come before virtio_ring's users). */
#define VM_MODULES                                                                                 \
    "virtio", "virtio_ring", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci",       \
        "virtio_console", "virtio_blk", "failover", "net_failover", "virtio_net", "overlay",       \
        "virtio_balloon"

/* The guest's virtio-serial port name (QEMU's virtserialport name=). */
#define VM_PORT_NAME "isobench"

/* Writes the archive to out for kernel release kver; extra (NULL-terminated,
 * may be NULL) names host files and directories the planned workloads run
 * in the guest (redis-server, mariadbd and its share files), added at the
 * same paths with their libraries. */
int initramfs_build(const char *self, const char *kver, const char *const *extra, const char *out,
                    struct err *e);

/* pid 1 in the guest: never returns (powers the guest off). */
void vm_guest_main(void);

#endif
