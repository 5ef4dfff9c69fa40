/* confine.h - Docker's default confinement, defined once: the capabilities
 * a container keeps, the paths it sees masked or read-only, the syscalls
 * its seccomp filter refuses. The own runtime applies these lists itself
 * (security.c, rootfs.c) and the OCI bundle writer hands the same lists to
 * runc and runsc (oci.c), so the two cannot drift apart and measure
 * different sandboxes; tests/unit/test_spec.c checks a written bundle
 * against them. (runc gets no seccomp profile from us: runc has no default
 * one - the environment's label says so.) */
#ifndef ISOBENCH_CONFINE_H
#define ISOBENCH_CONFINE_H

#include "core/sandbox.h"

struct confine_cap {
    int cap;          /* CAP_* number */
    const char *name; /* "CAP_CHOWN", as OCI spells it */
};

/* Docker's default capability set; {0, NULL}-terminated. */
extern const struct confine_cap confine_caps[];

/* The masked and read-only paths: core/sandbox.h (the agent checks them
 * from inside every environment). */

/* Syscalls Docker's default seccomp profile refuses (without extra
 * capabilities); NULL-terminated. */
extern const char *const confine_denied_syscalls[];

#endif
