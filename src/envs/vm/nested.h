/* nested.h - container-in-VM (vm:nested=container), see nested.c. */
#ifndef ISOBENCH_NESTED_H
#define ISOBENCH_NESTED_H

#include "core/err.h"

/* In the guest, as pid 1: makes the container (self: this binary's path in
 * the guest's root) and relays the host's jobs on fd to it until the host
 * closes fd. */
int vm_guest_nested(int fd, const char *self, struct err *e);

#endif
