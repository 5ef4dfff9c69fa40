/* cpus.h - what a guest's CPUs look like and where they run: the host's
 * CPU topology from sysfs, and from it the -smp and -cpu arguments and the
 * vCPU pinning of the two profiles the paper compared.
 *   stock: the paper's untuned KVM - "a uniform 32-socket system with one
 *     core per socket" and QEMU's generic CPU model: N sockets x 1 core x
 *     1 thread, -cpu qemu64 named (never left to this QEMU's default), no
 *     pinning;
 *   tuned: the paper's tuning ("large pages, CPU model, vCPU pinning, and
 *     cache topology"): the host's shape (sockets x cores x threads, SMT
 *     included) as far as the guest's vCPUs fill whole host cores, -cpu
 *     host (under TCG: max - the host's model cannot pass through, and
 *     the plan says so), vCPU i pinned to the host thread at the same
 *     (socket, core, thread) place; hugepages are vm/tuned.c's.
 * Pure but for cpus_read: tests plan for simulated hosts (cpus_synth). */
#ifndef ISOBENCH_VM_CPUS_H
#define ISOBENCH_VM_CPUS_H

#include <stddef.h>

#include "core/err.h"

#define CPUS_MAX 1024

struct cpu_shape {
    int sockets, cores, threads; /* cores per socket, threads per core */
};

/* The host's online CPUs ordered by (socket, core, thread): cpu[i] is the
 * Linux CPU number of the i-th; shape holds when uniform. */
struct host_cpus {
    int n;
    int cpu[CPUS_MAX];
    struct cpu_shape shape;
    int uniform; /* every socket has shape.cores cores of shape.threads threads */
};

/* Reads root (/sys/devices/system/cpu): online CPUs and their
 * physical_package_id and core_id. */
int cpus_read(const char *root, struct host_cpus *h, struct err *e);

/* A simulated host numbered as Linux numbers x86 hosts: the first thread
 * of every core first (socket by socket), then their siblings. */
void cpus_synth(int sockets, int cores, int threads, struct host_cpus *h);

struct vm_cpus {
    int n;                  /* vCPUs */
    struct cpu_shape shape; /* as the guest sees it */
    char smp[96];           /* -smp's argument */
    char model[16];         /* -cpu's argument */
    int pin[CPUS_MAX];      /* host CPU of vCPU index i (QEMU's order); -1: not pinned */
    char text[160];        /* "2 sockets x 8 cores x 2 threads, host CPU model, vCPUs pinned 1:1" */
    char brief[48];        /* "2x8x2 host, pinned": sockets x cores x threads, model */
    char not_applied[200]; /* what the profile asks for and could not get here, or "" */
};

/* The plan for n vCPUs of a stock or tuned guest on h, under KVM or not.
 * ERR_USAGE when n is 0 or above CPUS_MAX. */
int vm_cpus_plan(const struct host_cpus *h, int n, int tuned, int kvm, struct vm_cpus *p,
                 struct err *e);

#endif
