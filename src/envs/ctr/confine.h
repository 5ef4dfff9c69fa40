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

/* The seccomp profile: the one Debian ships for podman and the Docker-
 * compatible runtimes (containers-common's seccomp.json: deny by default,
 * an allowlist, argument filters), turned into a table at build time by
 * scripts/seccomp-gen.py - never a hand list. */
struct confine_sc_arg {
    unsigned idx;            /* argument number */
    int op;                  /* enum scmp_compare */
    unsigned long long a, b; /* value, and valueTwo (the mask of MASKED_EQ) */
};
struct confine_sc_rule {
    const char *name; /* the syscall */
    int errno_ret;    /* -1: allowed, else refused with this errno */
    int nargs;        /* conditions, all of which must hold */
    struct confine_sc_arg args[6];
    const char *inc_caps[4]; /* applies only when the container keeps all of these */
    const char *exc_caps[4]; /* applies only when it keeps none of these */
    const char *min_kernel;  /* applies only from this kernel on ("" always) */
};

/* Where the profile came from and what it refuses a syscall it does not
 * name with (podman's: ENOSYS, so a program falls back from a new
 * syscall as on an old kernel). */
extern const char confine_profile_source[];
extern const int confine_profile_default_errno;
/* The profile's architectures for this build (SCMP_ARCH_X86_64 and its
 * 32-bit ABIs), NULL-terminated, for an OCI bundle's filter. */
extern const char *const confine_profile_arches[];

/* Calls fn for each rule of the profile that applies to a container that
 * keeps confine_caps on the running kernel, in the profile's order; stops
 * at and returns the first non-zero fn result. */
int confine_profile_each(int (*fn)(const struct confine_sc_rule *r, void *arg), void *arg);
/* libseccomp's name of a comparison ("SCMP_CMP_EQ"), as OCI bundles and
 * LXC policies spell it; "?" for a value that is none. */
const char *confine_sc_op_name(int op);
/* "seccomp <source>: N rules (A allowed), others errno E" for a label. */
void confine_profile_summary(char *buf, size_t len);

#endif
