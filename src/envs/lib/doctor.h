/* doctor.h - `isobench doctor`: the host's isolation facts. */
#ifndef ISOBENCH_DOCTOR_H
#define ISOBENCH_DOCTOR_H

#include <stddef.h>

#include "core/util.h"

void doctor_facts(struct kvlist *l);

/* "kvm" or "tcg", with the reason in why (vm.c). */
const char *vm_accel_detect(char *why, size_t len);

#endif
