/* tuned.h - QMP, and the pieces of `vm:tuned` (the paper's tuned KVM): guest RAM
 * on preallocated 2 MiB hugepages (reserved through vm.nr_hugepages,
 * journaled so the old value comes back), and each vCPU thread pinned to
 * one host CPU, found through QMP's query-cpus-fast. */
#ifndef ISOBENCH_VM_TUNED_H
#define ISOBENCH_VM_TUNED_H

#include <stddef.h>
#include <stdint.h>

#include "core/journal.h"

/* Makes sure mb MiB of free 2 MiB hugepages exist, raising nr_hugepages
 * (journaled "sysctl") when needed. */
int vm_hugepages_reserve(uint64_t mb, struct journal *j, struct err *e);

/* Pins the thread of vCPU index i to host CPU pin[i] (i < n; the plan of
 * vm/cpus.h); desc gets "0->0,1->16". qmp: QEMU's QMP unix socket. */
int vm_pin_vcpus(const char *qmp, const int *pin, int n, char *desc, size_t len, struct err *e);

/* One QMP command on QEMU's QMP socket (a fresh connection: greeting,
 * capabilities, the command); its reply into buf. */
int vm_qmp(const char *qmp, const char *cmd, char *buf, size_t len, struct err *e);

/* vm:balloon=on: the guest's memory as the balloon leaves it (QMP
 * query-balloon's "actual"), bytes. */
int vm_balloon_actual(const char *qmp, uint64_t *bytes, struct err *e);

#endif
