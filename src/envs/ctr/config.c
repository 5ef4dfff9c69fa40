#include "envs/ctr/config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "envs/ctr/confine.h"
#include "envs/ctr/rootfs.h"
#include "envs/env.h"
#include "envs/lib/image.h"

_Static_assert(sizeof(struct ctr_config) <= ENV_CONF_MAX, "ctr_config fits env_conf");

/* confine_profile_each's callback: 1 when r allows the syscall arg
 * names, whatever its arguments. */
static int allows(const struct confine_sc_rule *r, void *arg)
{
    return !strcmp(r->name, arg) && r->errno_ret < 0 && r->nargs == 0;
}

const char *ctr_lacks(const struct spec *sp, const char *const *nets, unsigned needs)
{
    const char *v = kv_get(&sp->kv, "net");
    if ((needs & WL_NEEDS_NET) && !strcmp(v ? v : nets[0], "none"))
        return "net=none: no network path from the peer namespace";
    if ((needs & WL_NEEDS_IO_URING) && !confine_profile_each(allows, (void *)"io_uring_setup"))
        return "the container's seccomp profile refuses io_uring (containers-common's, which "
               "isobench's containers load and podman ships; Docker's default since 25.0): "
               "engine=io_uring cannot run here";
    return NULL;
}

/* cpu-weight=N: a whole number in 1..10000 (cgroup v2's range). */
static int ctr_weight_parse(const char *v, unsigned *out, struct err *e)
{
    uint64_t n;
    if (util_parse_u64(v, &n, NULL) < 0 || n < CG_WEIGHT_MIN || n > CG_WEIGHT_MAX)
        return err_set(e, ERR_USAGE,
                       "cpu-weight must be a whole number %u..%u, not '%s' (cgroup v2's "
                       "cpu.weight, 100 the default; on v1 cpu.shares = weight x 1024 / 100)",
                       CG_WEIGHT_MIN, CG_WEIGHT_MAX, v);
    *out = (unsigned)n;
    return 0;
}

int ctr_config_parse(const struct spec *sp, const char *const *nets, struct ctr_config *c,
                     struct err *e)
{
    memset(c, 0, sizeof(*c));
    const char *v;
    snprintf(c->net, sizeof(c->net), "%s", (v = kv_get(&sp->kv, "net")) ? v : nets[0]);
    snprintf(c->storage, sizeof(c->storage), "%s",
             (v = kv_get(&sp->kv, "storage")) ? v : "overlay");
    snprintf(c->image, sizeof(c->image), "%s", (v = kv_get(&sp->kv, "image")) ? v : "/");
    int net_ok = 0;
    char list[64] = "";
    for (const char *const *n = nets; *n; n++) {
        net_ok |= !strcmp(c->net, *n);
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", list[0] ? ", " : "", *n);
    }
    if (!net_ok) return err_set(e, ERR_USAGE, "%s: net must be one of %s", sp->text, list);
    if (strcmp(c->storage, "overlay") && strcmp(c->storage, "volume"))
        return err_set(e, ERR_USAGE, "%s: storage must be overlay or volume", sp->text);
    if (!strchr(c->image, '/')) { /* image=NAME: built by `isobench image build` */
        char name[64];
        snprintf(name, sizeof(name), "%.63s", c->image);
        if (image_path(name, c->image, sizeof(c->image), e) < 0) return err_wrap(e, "%s", sp->text);
    }
    if (strcmp(c->image, "/") && rootfs_check_image(c->image, e) < 0) return -1;
    if ((v = kv_get(&sp->kv, "cpus"))) snprintf(c->limits.cpus, sizeof(c->limits.cpus), "%s", v);
    if ((v = kv_get(&sp->kv, "cpu-quota")) && util_parse_double(v, &c->limits.cpu_quota, e) < 0)
        return err_wrap(e, "%s: cpu-quota", sp->text);
    if ((v = kv_get(&sp->kv, "cpu-weight")) && ctr_weight_parse(v, &c->limits.cpu_weight, e) < 0)
        return err_wrap(e, "%s", sp->text);
    if ((v = kv_get(&sp->kv, "mem")) && util_parse_size(v, &c->limits.mem, e) < 0)
        return err_wrap(e, "%s: mem", sp->text);
    if ((v = kv_get(&sp->kv, "pids")) && util_parse_u64(v, &c->limits.pids, e) < 0)
        return err_wrap(e, "%s: pids", sp->text);
    if (cgroup_check(&c->limits, e) < 0) return err_wrap(e, "%s", sp->text);
    return 0;
}

int ctr_data_dir(const struct ctr_config *c, struct env_ctx *ctx, char *volume, char *ovl,
                 size_t len, struct err *e)
{
    int vol = !strcmp(c->storage, "volume");
    char *dir = vol ? volume : ovl;
    snprintf(dir, len, "/var/tmp/isobench-%s-%s", env_inst(ctx), vol ? "vol" : "ovl");
    if (journal_add(ctx->rq->journal, "rmtree", dir, e) < 0) return -1;
    if (mkdir(dir, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", dir);
    snprintf(ctx->info.datadir, sizeof(ctx->info.datadir), "/data");
    kv_set(&ctx->info.facts, "datadir", vol ? volume : ovl, NULL);
    return 0;
}

int ctr_root_make(const struct ctr_config *c, struct env_ctx *ctx, const char *state, char *merged,
                  size_t mlen, char *volume, char *ovl, size_t len, struct err *e)
{
    volume[0] = ovl[0] = '\0';
    if (journal_add(ctx->rq->journal, "rmtree", state, e) < 0) return -1; /* write-ahead */
    if (mkdir(state, 0700) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", state);
    char fs[1024];
    if (snprintf(fs, sizeof(fs), "%s/fs", state) >= (int)sizeof(fs))
        return err_set(e, ERR_FAIL, "state path too long: %s", state);
    if (mkdir(fs, 0700) < 0) return err_sys(e, ERR_FAIL, errno, "mkdir %s", fs);
    if (rootfs_overlay(fs, c->image, NULL, merged, mlen, ctx->rq->journal, e) < 0) return -1;
    if (ctr_data_dir(c, ctx, volume, ovl, len, e) < 0) return -1;
    if (!ovl[0]) return 0;
    /* /data's own overlay, on disk, inside the root overlay */
    return rootfs_data_overlay(ovl, merged, "/data", NULL, ctx->rq->journal, e);
}

void ctr_reach(const struct ctr_config *c, struct env_ctx *ctx)
{
    if (!ctx->rq->peer) return;
    if (!strcmp(c->net, "none")) {
        snprintf(ctx->info.no_reach, sizeof(ctx->info.no_reach),
                 "net=none: no network path from the peer namespace");
        return;
    }
    env_reach_host(ctx, !strcmp(c->net, "host"));
}

void ctr_weight_facts(const struct ctr_config *c, struct env_ctx *ctx, const char *asked,
                      const char *rel, int pid)
{
    if (!c->limits.cpu_weight) return;
    char v[1400];
    snprintf(v, sizeof(v), "cpu-weight=%u as %s", c->limits.cpu_weight, asked);
    kv_set(&ctx->info.facts, "cpu_weight.asked", v, NULL);
    if (rel)
        cgroup_weight_read_at(rel, v, sizeof(v));
    else
        cgroup_weight_read_pid(pid, v, sizeof(v));
    kv_set(&ctx->info.facts, "cpu_weight", v, NULL);
}
