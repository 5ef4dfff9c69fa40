/* sandbox.h - what a container must not see or change, as Docker's
 * defaults have it, and what a process can tell of its own confinement.
 * The path lists are defined once, here: the own runtime applies them
 * (envs/ctr/rootfs.c), the OCI bundle hands them to runc and runsc
 * (oci.c), and the agent checks them from inside every environment
 * (sandbox_probe) - so "as tight as Docker" is a measured fact of every
 * sample, compared across runtimes by tests/priv/sandbox.sh. */
#ifndef ISOBENCH_SANDBOX_H
#define ISOBENCH_SANDBOX_H

#include "core/result.h"

/* Files bound over by /dev/null, directories covered by an empty
 * read-only tmpfs, and trees made read-only; NULL-terminated. */
extern const char *const sandbox_masked_files[];
extern const char *const sandbox_masked_dirs[];
extern const char *const sandbox_readonly[];

/* Adds what this process can see of its own confinement to facts:
 *   sandbox.cap_eff, sandbox.cap_bnd  hex masks from /proc/self/status
 *   sandbox.no_new_privs              0 or 1
 *   sandbox.seccomp                   0 none, 1 strict, 2 filter
 *   sandbox.seccomp_filters           filters stacked on this process
 *   sandbox.masked                    "N/M" of the masked paths masked
 *                                     or absent, and sandbox.unmasked
 *                                     naming the others
 *   sandbox.readonly                  "N/M" of the read-only paths that
 *                                     are, and sandbox.writable the others
 *   sandbox.sys                       ro or rw (/sys)
 *   sandbox.cgroup                    ro, rw or none (/sys/fs/cgroup: rw
 *                                     when this process could write there,
 *                                     sandbox.cgroup_rw naming where)
 *   sandbox.env_extra_n, _extra       how many environment variables it
 *                                     has beyond what every agent gets
 *                                     (util_env_passed, HOME), and their
 *                                     names (never their values)
 * Nothing is changed; a value that cannot be read is left out. */
void sandbox_probe(struct kvlist *facts);

/* The hostile drill, run only by a process without CAP_SYS_ADMIN in its
 * bounding set (a container's; the host itself and a guest's root are
 * "hostile: skipped"): as root of an image that means harm, it tries
 *   hostile.blockdev   mknod of blockdev ("MAJ:MIN"; NULL: one of the
 *                      host's disks), then open
 *   hostile.tiocsti    TIOCSTI on every tty it holds or can open
 *   hostile.proc_sys   opening /proc/sys/kernel/hostname for writing
 *   hostile.sysfs      opening /sys/kernel/mm/transparent_hugepage/enabled
 *                      for writing
 *   hostile.reach      a TCP connect to reach ("IP:PORT"), when given
 * each fact "refused: why" or "DONE: what" (a hole). Nothing is written
 * but its own device node (removed) and one NUL byte where TIOCSTI works. */
int sandbox_hostile(const char *reach, const char *blockdev, struct kvlist *facts);

#endif
