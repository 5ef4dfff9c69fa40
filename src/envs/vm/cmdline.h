/* cmdline.h - the third channel between host and guest: the kernel
 * command line QEMU hands the guest (-append), read back by the guest's
 * pid 1 from /proc/cmdline. Every key isobench sets is named here, and
 * written and read only through vm_cmdline_add and vm_cmdline_get. Keys
 * the kernel does not know (these, and the tuning variables such as
 * OPENBLAS_CORETYPE=...) reach init as its environment or arguments. */
#ifndef ISOBENCH_VM_CMDLINE_H
#define ISOBENCH_VM_CMDLINE_H

#include <stddef.h>

#include "core/err.h"

#define VMK_IP "isobench.ip"               /* A.B.C.D/P: eth0's address (a network workload) */
#define VMK_GW "isobench.gw"               /* A.B.C.D: eth0's gateway */
#define VMK_DISK "isobench.disk"           /* 1: /dev/vda is the data disk, mounted on /data */
#define VMK_ROOT "isobench.root"           /* vdX: the image's root disk (vm:image=) */
#define VMK_NESTED "isobench.nested"       /* container: serve through a nested container */
#define VMK_FAILPOINT "isobench.failpoint" /* init: fail before ready (tests only) */

/* Appends " KEY=VALUE" to the NUL-terminated buf of len bytes. ERR_USAGE
 * when key or value has white space (the kernel splits words), ERR_FAIL
 * when it does not fit (buf is left as it was). */
int vm_cmdline_add(char *buf, size_t len, const char *key, const char *val, struct err *e);

/* The value of the word KEY=VALUE in cmdline into out (len bytes): 1 when
 * found and it fits, 0 otherwise. */
int vm_cmdline_get(const char *cmdline, const char *key, char *out, size_t len);

#endif
