/* engine.h - what the podman and docker drivers share: both drive an
 * engine's CLI (`podman run` / `docker run`) with the same flags for
 * network, published port, volume and cgroup limits, run the isobench
 * agent as the container's command speaking the protocol over the
 * container's stdin/stdout (`-i`), journal the container by name before
 * it exists (undo: `rm -f`, retried) and time create -> agent ready. */
#ifndef ISOBENCH_ENGINE_H
#define ISOBENCH_ENGINE_H

#include <sys/types.h>

#include "envs/ctr/config.h"
#include "envs/env.h"

#define ENGINE_ARGV_MAX 96

struct engine_run {
    const char *kind; /* "podman" or "docker": the journal type too */
    const char *bin;  /* the CLI */
    char host[300];   /* docker: -H unix://... ("" for podman) */
    struct ctr_config cfg;
    char name[128], volume[600], ovl_unused[600];
    /* argv being built: the CLI, its global flags, `run` and the shared
     * flags; the driver adds its own and the command */
    char *argv[ENGINE_ARGV_MAX];
    char buf[40][700];
    int argc, nbuf;
    int ctr_pid; /* the container's first process on the host */
    char cpusrc[400];
    /* host_cpu_read's sources: its cgroup + the engine's processes */ /* the container's first
                                                                          process on the host,
                                                                          once asked */
};

/* Copies the request's parsed spec, makes the data dir (volume) or points ctx->info.datadir at
 * /data (overlay: in the container's own writable layer), names the
 * container, and starts argv with `BIN [-H HOST] run --rm -i --name N` and
 * the flags both engines take alike. */
int engine_prepare(struct engine_run *r, struct env_ctx *ctx, struct err *e);

/* The flags for limits on a cgroup v1 (v2 = 0) or v2 host: --cpuset-cpus,
 * --cpus (the quota), cpu-weight as --cpu-shares=cgroup_weight_shares
 * (docker; podman on v1) or, podman on v2, --cgroup-conf=cpu.weight=N
 * (the weight as written; shares would pass through the runtime's own
 * conversion), --memory, --pids-limit. r->kind says which engine. */
void engine_limit_args(struct engine_run *r, const struct cg_limits *l, int v2);

/* Appends one argument (copied) to r->argv. */
void engine_arg(struct engine_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Journals the container, starts the CLI with the argv built so far as
 * the run's agent (ctx->agent_pid/agent_chan: env_exec and env_down drive
 * it; EOF ends `run --rm`, the journal's rm catches whatever is left) and
 * waits for its "ready"; info.startup_s from t0. */
int engine_start(struct engine_run *r, struct env_ctx *ctx, double t0, struct err *e);
/* host_cpu_src for podman and docker, settled by engine_start: the cgroup
 * of the container's first process (the engine's inspect) plus the
 * engine's processes outside it that work for this container - its
 * monitor (podman's conmon, docker's containerd-shim: the parent of the
 * container's first process; they relay the agent's stdio), and for docker
 * the daemons dockerd and containerd (the `run -i` attach stream passes
 * through them; their whole CPU time during a sample is charged, which
 * over-counts on a host where other containers keep them busy) and a
 * docker-proxy of the published port. Stated in the env fact cpu.charged. */
int engine_host_cpu(struct env_ctx *ctx, char *src, size_t len);

/* Settles r->cpusrc and the cpu.charged fact (engine_host_cpu's). */
void engine_cpu_sources(struct engine_run *r, struct env_ctx *ctx);

/* The journal's undo for a container: "NAME" (podman) or "HOST NAME"
 * (docker), `rm -f`, retried while the engine still holds it busy. */
int engine_undo_rm(const char *bin, const char *arg);

#endif
