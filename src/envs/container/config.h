/* config.h - the spec keys shared by the container environments (own
 * runtime and the OCI/engine drivers): net, storage, image and the cgroup
 * limits. Parsing creates nothing; every error is ERR_USAGE. */
#ifndef ISOBENCH_CTR_CONFIG_H
#define ISOBENCH_CTR_CONFIG_H

#include "core/spec.h"
#include "envs/container/cgroup.h"

struct ctr_config {
    char net[8], storage[8], image[512];
    struct cg_limits limits;
};

/* nets: the net= values this environment supports, first is the default. */
int ctr_config_parse(const struct spec *sp, const char *const *nets, struct ctr_config *c,
                     struct err *e);

#endif
