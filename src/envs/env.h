/* env.h - the environment plug-in interface. An environment brings up a
 * place to run (up), runs one job there through the isobench agent (exec)
 * and takes everything down again (down, idempotent). It never interprets
 * metrics: it only carries the agent's reply back. */
#ifndef ISOBENCH_ENV_H
#define ISOBENCH_ENV_H

#include "core/journal.h"
#include "core/proto.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/host.h"
#include "core/spec.h"
#include "envs/lib/peer.h"
#include "workloads/workload.h"

struct env;
struct env_watch;

#define ENV_MAX_GUEST_FILES 48

/* The spec parsed into the environment's own typed values by its check()
 * at plan time (a struct of the environment's, at most ENV_CONF_MAX bytes,
 * checked by a _Static_assert beside it): up() reads these and never the
 * spec's text again. */
#define ENV_CONF_MAX 2048
struct env_conf {
    _Alignas(max_align_t) unsigned char b[ENV_CONF_MAX];
};

/* What the runner (or the scenario engine) asks of one environment
 * instance. Filled before up() and owned by the caller; the environment
 * only reads it (struct env_ctx holds it as a pointer to const). */
struct env_req {
    const struct env *env;
    struct spec spec;     /* as the user wrote it (with a slice applied) */
    struct env_conf conf; /* spec parsed once, by env->check */
    char run_id[64];
    int idx;                 /* position in the run, for names */
    struct journal *journal; /* the run's undo journal (fd < 0 when unavailable) */
    double timeout_s;        /* per exec */
    /* Network path, when a network workload is planned (peer NULL
     * otherwise): the server listens on `port` inside the environment. */
    const struct peer *peer;
    int port;
    int need_data;        /* a planned workload writes: up() makes info.datadir */
    uint64_t mem_needed;  /* the largest planned workload's memory need (bytes) */
    uint64_t disk_needed; /* the largest planned workload's data-dir need (bytes) */
    /* Host programs and data the planned workloads run inside the
     * environment (NULL-terminated): what an environment whose root is not
     * the host's (the VM) must bring along. */
    const char *guest_files[ENV_MAX_GUEST_FILES + 1];
};

/* What up() reports about the instance it made. */
struct env_info {
    struct kvlist facts; /* stored with the run */
    /* Where the peer reaches the server (reach_addr:reach_port), or empty
     * reach_addr and why in no_reach. */
    char reach_addr[64];
    int reach_port;
    char no_reach[128];
    /* The address a server binds inside the environment: set for
     * environments that share the host's netns (the peer-facing host
     * address, so no server ever listens on the host's other interfaces);
     * empty = any address of the environment's own, private netns. */
    char serve_addr[64];
    /* Its own address on the run's bridge (NAT containers, lxc, VMs):
     * where another tenant of the run reaches its servers, on rq->port,
     * without the peer's published path (the two-tier scenario's DB
     * tier); empty when it has none. */
    char local_addr[64];
    char datadir[256]; /* where workloads write inside it (need_data) */
    /* its memory cgroup (memory.stat: its own faults and swap), "" none */
    char mem_dir[1024];       /* as long as struct cgroup's: copied whole */
    double startup_s;         /* create -> agent ready (0: not measured) */
    uint64_t footprint_bytes; /* memory charged to it once ready (0: unknown) */
};

/* One environment instance: the request it was made for, what it reported,
 * and the agent that serves the whole run on one channel (pid 1 of a
 * container, a runtime's CLI, QEMU) - env_exec and env_down drive that
 * agent for every environment that leaves exec/down NULL. */
struct env_ctx {
    const struct env_req *rq;
    struct env_info info;
    pid_t agent_pid; /* 0: none */
    int agent_chan;  /* -1: none */
    void *priv;      /* owned by the environment, freed by down() (or free()) */
    int restarts;    /* times the runner brought it up again after it failed */
    int instance;    /* 0 for the first env_up of this column, then 1, 2, ...: a
                        restart or a --sizing instance names its objects apart
                        (env_instance_name): the old ones live until the
                        journal unwinds the run */
    int cold;        /* the runner's: brought up again, its next job is an unmeasured warm-up */
};

/* While an environment runs a job, its caller may watch one more fd: the
 * first time it becomes readable (or hangs up), fired(arg) runs; if it
 * returns 1 the job is cancelled — the agent kills it and answers with an
 * error at once (a host-process agent is killed) — and `cancelled` is set.
 * The runner watches the client half of a pair, so a client that cannot
 * reach its server ends the server half in seconds instead of leaving it
 * to wait out its budget; the nested relay watches the host's channel for
 * a cancel to pass on. */
struct env_watch {
    int fd;
    int (*fired)(void *arg);
    void *arg;
    int cancelled;
};

/* How long a cancelled job may take to answer before the wait fails. */
#define ENV_CANCEL_S 15

/* What the planned workloads need of an environment, for fit(). */
struct env_needs {
    uint64_t mem_bytes;  /* the largest workload's memory */
    uint64_t disk_bytes; /* the largest workload's data-dir bytes */
    const struct host_caps *host;
};

/* How an environment takes a slice (--slice cpus=N,mem=SIZE): which of
 * its spec keys carry it and what cpus= means there. */
enum env_slice {
    ENV_SLICE_NONE = 0, /* it cannot be sized (null) */
    ENV_SLICE_CPUSET,   /* cpus= a host CPU list (a cgroup's cpuset), mem= a limit */
    ENV_SLICE_VCPUS,    /* cpus= a count of virtual CPUs, mem= the guest's RAM */
};

/* Static capabilities (as fio's engine flags), checked at plan time by
 * the runner and the scenario engine, listed by `isobench list -v` and
 * stored with every environment as its `caps` fact. */
#define ENV_CAP_ROOT 1u       /* needs root: refused (exit 2) before anything starts */
#define ENV_CAP_HOST_NETNS 2u /* shares the host's network namespace (always, not by a key) */
#define ENV_CAP_OWN_KERNEL 4u /* its workloads' system calls are served by a kernel of its own */
#define ENV_CAP_ODIRECT 8u    /* O_DIRECT reaches the disk; without it blockio is n/a */
#define ENV_CAP_NEST 16u      /* can run a container inside it (nested=container) */
/* up() may run in a thread beside other instances' up() once one instance
 * of the run is up (it made the run's shared objects: the bridge, the
 * nft table): it keeps no static state and forks only to exec */
#define ENV_CAP_PARALLEL_UP 32u

struct env {
    const char *name;
    const char *summary;
    enum env_slice slice;
    unsigned caps;                    /* ENV_CAP_* */
    double stop_grace_s;              /* env_down: the agent's time to exit on EOF (0: 1 s) */
    const char *(*unavailable)(void); /* NULL if it can run here, else why not (root aside) */
    const char *const *keys;          /* spec keys it accepts, NULL-terminated */
    /* The spec `-e available` runs it with: its name and the keys the
     * suite's network workloads need where its default has no path from
     * the peer (runc:net=host); NULL: never picked (null isolates nothing). */
    const char *pick;
    /* Checks the spec's values before anything is created and parses them
     * into conf (ENV_CONF_MAX bytes, the environment's own struct), which
     * up() then reads as ctx->rq->conf (NULL hook: keys only). */
    int (*check)(const struct spec *sp, void *conf, struct err *e);
    /* At plan time, once the workloads' needs are known: ERR_USAGE when
     * the spec's sizes cannot hold them or exceed the host (NULL: none). */
    int (*fit)(const struct spec *sp, const struct env_needs *n, struct err *e);
    /* At plan time: NULL when the environment this spec makes offers every
     * capability in needs (WL_NEEDS_*), else why not - the pair is then
     * "n/a: why", by design, not a failure (NULL hook: offers all). */
    const char *(*lacks)(const struct spec *sp, unsigned needs);
    /* Brings up an instance of ctx->rq: journals every object it makes,
     * fills ctx->info, sets ctx->priv and, for an agent serving the whole
     * run, ctx->agent_pid/agent_chan. Called through env_up only. */
    int (*up)(struct env_ctx *ctx, struct err *e);
    /* Runs j, watching w while it waits (NULL: nothing; see struct
     * env_watch). Returns 0 when the agent answered (rep says whether the
     * workload succeeded), -1 when the environment itself failed. NULL:
     * the job goes to the run's agent on ctx->agent_chan. */
    int (*exec)(struct env_ctx *ctx, const struct job *j, struct env_watch *w, struct reply *rep,
                struct err *e);
    /* Frees what up() kept in ctx->priv, after env_down has stopped the
     * agent (NULL: free(ctx->priv)). Must cope with a half-made up(). */
    void (*down)(struct env_ctx *ctx);
    /* Where the host CPU time of everything the environment runs is read
     * (host_cpu_read's "v1:FILE", "v2:FILE", "pid:PID", joined by '+': the
     * container's cgroup and an engine's processes outside it, QEMU's with
     * its vhost threads, native's agents'), so a sample is charged
     * what it made the host spend - never the client half in the peer
     * namespace, never steal time. NULL or -1: not known here. */
    int (*host_cpu_src)(struct env_ctx *ctx, char *src, size_t len);
    /* Optional: what the environment looks like from the host right now,
     * as facts (a VM's balloon and QEMU's resident memory), for scenarios
     * that follow it step by step; NULL: nothing to read. */
    int (*probe)(struct env_ctx *ctx, struct kvlist *out, struct err *e);
};

#define ENV_LIST(X)                                                                                \
    X(native) X(container) X(runc) X(podman) X(docker) X(runsc) X(lxc) X(vm) X(xen) X(null)

#define X(n) extern const struct env env_##n;
ENV_LIST(X)
#undef X

extern const struct env *const envs[];

const struct env *env_find(const char *name);

/* Resolves a parsed spec to its environment and checks its keys and
 * values (nothing is kept). */
int env_resolve(const struct spec *sp, const struct env **out, struct err *e);

/* Checks sp's keys for env and parses it into conf (env->check). */
int env_conf_parse(const struct env *env, const struct spec *sp, struct env_conf *conf,
                   struct err *e);

/* Adds a workload's guest files (NULL-terminated, NULL: none) to rq's
 * list, each once; ERR_FAIL when they do not fit (never dropped). */
int env_req_add_guest_files(struct env_req *rq, const char *const *files, struct err *e);

/* Why env cannot run here (its own reason, or "needs root" for an
 * ENV_CAP_ROOT environment run by another user), NULL when it can. */
const char *env_unavailable(const struct env *env);

/* At plan time: why the environment spec sp makes cannot offer what a
 * workload needs (WL_NEEDS_*): the static capabilities first (no O_DIRECT),
 * then its lacks() hook; NULL when it offers all. */
const char *env_lacks(const struct env *env, const struct spec *sp, unsigned needs);

/* Replaces each item "available" of the comma list in by the pick spec of
 * every environment that can run here (env_unavailable), in list order,
 * into out; names the ones left out, "NAME: why; ...", into left ("" none).
 * Other items are copied as written. ERR_USAGE when the result does not fit. */
int env_expand_available(const char *in, char *out, size_t outlen, char *left, size_t leftlen,
                         struct err *e);

/* "root,odirect,..." for env's capabilities, into buf. */
void env_caps_text(unsigned caps, char *buf, size_t len);

/* The lifecycle every caller uses (runner, scenarios, the nested guest):
 * env_up points ctx at rq (which must outlive it), clears what an earlier
 * instance reported and calls rq->env->up; the startup_s, footprint_bytes
 * and caps facts are written from ctx->info here, once for every
 * environment. env_exec runs one job (the default: the run's agent on
 * ctx->agent_chan). env_down stops the agent (EOF, then SIGKILL after the
 * environment's grace), frees priv and clears the network info;
 * idempotent. */
int env_up(struct env_ctx *ctx, const struct env_req *rq, struct err *e);
int env_exec(struct env_ctx *ctx, const struct job *j, struct env_watch *w, struct reply *rep,
             struct err *e);
void env_down(struct env_ctx *ctx);

/* Path of the running isobench binary (for spawning agents); the
 * ISOBENCH_SELF environment variable overrides it (unit tests). */
const char *env_self_exe(void);

/* Spawns `isobench agent --fd 3` with the channel on fd 3 after running
 * setup(arg) in the child (NULL: none), sends j, waits for the reply at most
 * timeout_s, reaps the child. Shared by every environment that runs the
 * agent as a host process. */
int env_spawn_agent(const struct job *j, double timeout_s, int (*setup)(void *), void *arg,
                    struct env_watch *w, struct reply *rep, struct err *e);

/* The two halves of env_spawn_agent, for running a client while the
 * server's job is in flight: start forks the agent (after setup) and sends
 * j; finish waits at most timeout_s for the reply, watching w (NULL: none;
 * a cancel kills the agent), and reaps the agent (on any failure too). */
int env_agent_start(const struct job *j, int (*setup)(void *), void *arg, pid_t *pid, int *fd,
                    struct err *e);
int env_agent_finish(pid_t *pid, int *fd, double timeout_s, struct env_watch *w, struct reply *rep,
                     struct err *e);

/* For host-netns environments (native, net=host; shares_netns = 1) and
 * published ports (shares_netns = 0): the peer reaches the
 * server at the peer link's host address, on the same port. */
void env_reach_host(struct env_ctx *ctx, int shares_netns);

/* "<run>-<idx>" for a column's first instance, "<run>-<idx>-<k>" for its
 * k-th bring-up after (ctx->instance): the part of every object name
 * (cgroup, container id, disk file) that makes it this instance's. */
void env_instance_name(const struct env_ctx *ctx, char *buf, size_t len);
/* The same as a string in buf; env_inst(ctx) gives one in a buffer that
 * lives as long as the enclosing block (a compound literal). */
const char *env_instance_str(const struct env_ctx *ctx, char *buf, size_t len);
#define env_inst(ctx) env_instance_str((ctx), (char[96]){0}, 96)
/* "<idx>" or "<idx>-<k>": the instance within the run, for names under the
 * run's own directory (state dirs, logs). */
const char *env_instance_idx(const struct env_ctx *ctx, char *buf, size_t len);
#define env_idx(ctx) env_instance_idx((ctx), (char[24]){0}, 24)

/* For environments whose agent serves a whole run on one channel (pid 1
 * of a container or guest): sends j on *chan and waits for the reply,
 * watching w (a cancel is a "cancel" frame to the agent). On a
 * channel failure *chan is closed and set to -1 (it is out of step now). */
int env_chan_exec(int *chan, double timeout_s, struct env_watch *w, const struct job *j,
                  struct reply *rep, struct err *e);

/* Starts a runtime's CLI (argv[0] an absolute path: `runc run`, `podman
 * run`, ...) whose container runs the agent, the channel being the CLI's
 * stdin+stdout (stdio) or its fd 3 (runc --preserve-fds; stdio then on
 * /dev/null); pdeath: the CLI dies with isobench. Journals the CLI's pid
 * into ctx->agent_pid, its channel into ctx->agent_chan (both env_down's
 * even on failure), waits up to 60 s for the agent's "ready" and sets
 * info.startup_s from t0. */
int env_start_cli(char *const argv[], int stdio, int pdeath, struct env_ctx *ctx, double t0,
                  struct err *e);

/* The second half of env_chan_exec, for a job already sent on *chan
 * (a remote peer's client half, sent before its server half starts). */
int env_chan_await(int *chan, double timeout_s, struct env_watch *w, struct reply *rep,
                   struct err *e);

/* Stops such an agent: closes *chan (the agent exits on EOF), gives *pid
 * grace_s to exit, then SIGKILLs and reaps it. Idempotent. */
void env_chan_stop(int *chan, pid_t *pid, double grace_s);

/* fit() of the container drivers: a mem= limit below the largest
 * workload's memory need is refused (the workload would be OOM-killed
 * mid-run), and so is one above the host's RAM. */
int env_fit_mem_limit(const struct spec *sp, const struct env_needs *n, struct err *e);

/* Set by the signal handler: stop as soon as possible. */
extern volatile int env_interrupted;

#endif
