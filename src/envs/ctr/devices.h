/* devices.h - Docker's device policy, defined once: a container may make
 * any device node (mknod), but open only the few character devices a
 * program needs (runc's default allow-list: null, zero, full, random,
 * urandom, tty, ptmx and the pts). The own runtime applies it to its cgroup
 * (v1: devices.deny + devices.allow; v2: a BPF_CGROUP_DEVICE program),
 * the OCI bundle hands it to runc and runsc (linux.resources.devices), LXC's
 * config carries it (lxc.cgroup[2].devices.*); podman and docker apply
 * their own default, the same list. So root in a container that makes
 * `b 8:0` cannot read the host's disk through it. */
#ifndef ISOBENCH_DEVICES_H
#define ISOBENCH_DEVICES_H

#include <stddef.h>

#include "core/err.h"

struct dev_rule {
    char type;          /* 'c' char, 'b' block, 'a' all */
    int major;          /* -1: any */
    int minor;          /* -1: any */
    const char *access; /* "rwm", "m" */
};

/* The allow rules after a deny-all, {0}-terminated. */
extern const struct dev_rule dev_allowed[];

/* "c 1:3 rwm", "b *:* m" (v1's devices.allow and LXC's syntax). */
void dev_rule_text(const struct dev_rule *r, char *buf, size_t len);

/* Writes the policy into a v1 devices cgroup dir: "a" to devices.deny,
 * then each rule to devices.allow. */
int dev_apply_v1(const char *dir, struct err *e);

/* Loads the policy as a BPF_CGROUP_DEVICE program and attaches it to the
 * v2 cgroup open at cgfd (the attachment keeps the program; it goes with
 * the cgroup). */
int dev_apply_v2(int cgfd, struct err *e);

/* 1 when the policy lets a process open (rw) device type:major:minor;
 * the decision the BPF program and the v1 rules make, for tests. */
int dev_allows(char type, int major, int minor, char access);

#endif
