/* slice.h - fair sizing (the critique of Felter et al.: containers sized
 * like the VMs they are compared with). --slice cpus=N,mem=SIZE gives
 * every environment of a run, or every tenant of a scenario, the same
 * budget: a cgroup cpuset of N host CPUs and a memory limit for native and
 * the containers, N vCPUs and SIZE of RAM for a VM (enum env_slice). */
#ifndef ISOBENCH_SLICE_H
#define ISOBENCH_SLICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/spec.h"
#include "envs/env.h"

struct slice {
    int cpus;     /* 0: not sliced */
    uint64_t mem; /* bytes; 0: not limited */
};

/* Parses "cpus=N,mem=SIZE" (either may be absent). ERR_USAGE on bad input. */
int slice_parse(const char *text, struct slice *s, struct err *e);

/* Gives sp the slice of instance k: an ENV_SLICE_CPUSET environment the N
 * host CPUs from k*N on (wrapping), a VCPUS one N virtual CPUs; mem= as
 * given. relabel: the spec's text names the slice too (a scenario's
 * tenants); else only its keys change (a plain run states the slice once,
 * as a run fact, and native keeps its name as the baseline). ERR_USAGE
 * when the spec sets cpus= or mem= itself, the environment cannot be
 * sized or N exceeds the host's CPUs. */
int slice_apply(const struct slice *s, const struct env *env, int k, int host_cpus, int relabel,
                struct spec *sp, struct err *e);

/* "cpus=N,mem=SIZEM" (what is set of it), as slice_parse reads it back. */
void slice_text(const struct slice *s, char *buf, size_t len);

#endif
