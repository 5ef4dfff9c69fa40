/* config.h - the spec keys shared by the container environments (own
 * runtime and the OCI/engine drivers): net, storage, image and the cgroup
 * limits. Parsing creates nothing; every error is ERR_USAGE. */
#ifndef ISOBENCH_CTR_CONFIG_H
#define ISOBENCH_CTR_CONFIG_H

#include <stddef.h>

#include "core/spec.h"
#include "envs/ctr/cgroup.h"

/* A container driver's spec, parsed once by its check() into the
 * request's env_conf (see ctr_conf): up() reads it from there. */
struct ctr_config {
    char net[8], storage[8], image[512];
    struct cg_limits limits;
    int userns;           /* the own runtime's userns=on */
    unsigned userns_base; /* its host ids: isobench's range in /etc/subuid, /etc/subgid */
    char platform[16];    /* runsc's platform= */
};

/* The parsed spec in a request (ctx->rq->conf), for a container driver. */
#define ctr_conf(ctx) ((const struct ctr_config *)(const void *)(ctx)->rq->conf.b)

/* lacks() of the container drivers: net=none (or a default of none) has
 * no network path; io_uring is refused when the seccomp profile
 * (confine.h) does not allow io_uring_setup. nets: the driver's network
 * modes, default first. */
const char *ctr_lacks(const struct spec *sp, const char *const *nets, unsigned needs);

/* Parses the keys every container driver shares into c; nets: the net=
 * values this environment supports, first is the default. */
int ctr_config_parse(const struct spec *sp, const char *const *nets, struct ctr_config *c,
                     struct err *e);

struct env_ctx;

/* Host-side data storage, journaled before it exists: storage=volume makes
 * /var/tmp/isobench-<run>-<idx>-vol (bound at /data, path into volume);
 * storage=overlay makes /var/tmp/isobench-<run>-<idx>-ovl for /data's
 * overlay layers (path into ovl). Sets ctx->info.datadir to "/data". */
int ctr_data_dir(const struct ctr_config *c, struct env_ctx *ctx, char *volume, char *ovl,
                 size_t len, struct err *e);

/* The root of a container a runtime (runc, runsc, lxc) mounts from the
 * host's mount namespace: makes state (journaled "rmtree", write-ahead),
 * state/fs with an overlay of the image on it (rootfs_overlay, its mounts
 * journaled), whose path goes into merged, and the data dir of
 * ctr_data_dir; with storage=overlay, /data's own on-disk overlay mounted
 * at merged/data. */
int ctr_root_make(const struct ctr_config *c, struct env_ctx *ctx, const char *state, char *merged,
                  size_t mlen, char *volume, char *ovl, size_t len, struct err *e);

/* Where the peer reaches a server in this container: the host address for
 * net=host and net=nat (published port), nothing for net=none. */
void ctr_reach(const struct ctr_config *c, struct env_ctx *ctx);

/* Records a spec's cpu-weight (nothing when it sets none) as the
 * environment's facts once the container runs: cpu_weight.asked, how the
 * driver passed it ("cpu-weight=N as " asked), and cpu_weight, the
 * cgroup file and value as the kernel holds them, read back from the
 * cgroup at rel (relative to the cpu hierarchy's root) or, rel NULL,
 * from the cgroup of process pid ("not read back: why" otherwise). */
void ctr_weight_facts(const struct ctr_config *c, struct env_ctx *ctx, const char *asked,
                      const char *rel, int pid);

#endif
