/* host.h - facts about the host recorded with every run: CPU, cores,
 * memory, kernel, governor, SMT, virtualisation, isobench version and build
 * flags, library versions. */
#ifndef ISOBENCH_HOST_H
#define ISOBENCH_HOST_H

#include "core/util.h"

void host_facts(struct kvlist *l);

#endif
