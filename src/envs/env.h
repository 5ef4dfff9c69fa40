/* env.h - the environment plug-in interface. An environment brings up a
 * place to run (up), runs one job there through the isobench agent (exec)
 * and takes everything down again (down, idempotent). It never interprets
 * metrics: it only carries the agent's reply back. */
#ifndef ISOBENCH_ENV_H
#define ISOBENCH_ENV_H

#include "core/journal.h"
#include "core/proto.h"
#include <stdint.h>
#include <sys/types.h>

#include "core/host.h"
#include "core/spec.h"
#include "envs/peer.h"
#include "workloads/workload.h"

struct env;
struct env_watch;

#define ENV_MAX_GUEST_FILES 16

struct env_ctx {
    const struct env *env;
    struct spec spec;
    char run_id[64];
    int idx;                 /* position in the run, for names */
    struct journal *journal; /* the run's undo journal (fd < 0 when unavailable) */
    double timeout_s;        /* per exec */
    struct kvlist facts;     /* what up() learned: stored with the run */
    /* Network path, set by the runner before up() when a network workload
     * is planned (peer NULL otherwise): the server listens on `port` inside
     * the environment; up() says where the peer reaches it (reach_addr,
     * reach_port), or leaves reach_addr empty and says why in no_reach. */
    const struct peer *peer;
    int port;
    char reach_addr[64];
    int reach_port;
    char no_reach[128];
    /* The address a server binds inside the environment: set by up() for
     * environments that share the host's netns (the peer-facing host
     * address, so no server ever listens on the host's other interfaces);
     * empty = any address of the environment's own, private netns. */
    char serve_addr[64];
    /* Where workloads may write inside the environment; set by up() when
     * the runner sets need_data (a planned workload writes). */
    int need_data;
    char datadir[256];
    uint64_t mem_needed;  /* the largest planned workload's memory need (bytes) */
    uint64_t disk_needed; /* the largest planned workload's data-dir need (bytes) */
    /* Host programs and data the planned workloads run inside the
     * environment (NULL-terminated): what an environment whose root is not
     * the host's (the VM) must bring along. */
    const char *guest_files[ENV_MAX_GUEST_FILES + 1];
    void *priv;   /* owned by the environment, freed by down() */
    int restarts; /* times the runner brought it up again after it failed */
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

struct env {
    const char *name;
    const char *summary;
    enum env_slice slice;
    const char *(*unavailable)(void); /* NULL if it can run here, else why not */
    const char *const *keys;          /* spec keys it accepts, NULL-terminated */
    /* Checks the spec's values before anything is created (NULL: keys only). */
    int (*check)(const struct spec *sp, struct err *e);
    /* At plan time, once the workloads' needs are known: ERR_USAGE when
     * the spec's sizes cannot hold them or exceed the host (NULL: none). */
    int (*fit)(const struct spec *sp, const struct env_needs *n, struct err *e);
    /* At plan time: NULL when the environment this spec makes offers every
     * capability in needs (WL_NEEDS_*), else why not - the pair is then
     * "n/a: why", by design, not a failure (NULL hook: offers all). */
    const char *(*lacks)(const struct spec *sp, unsigned needs);
    int (*up)(struct env_ctx *ctx, struct err *e);
    /* Runs j, watching w while it waits (NULL: nothing; see struct
     * env_watch). Returns 0 when the agent answered (rep says whether the
     * workload succeeded), -1 when the environment itself failed. */
    int (*exec)(struct env_ctx *ctx, const struct job *j, struct env_watch *w, struct reply *rep,
                struct err *e);
    void (*down)(struct env_ctx *ctx);
    /* Where the host CPU time of everything the environment runs is read
     * (host_cpu_read's "v1:FILE"/"v2:FILE": the container's cgroup, QEMU's
     * with its vhost threads, native's agents'), so a sample is charged
     * what it made the host spend - never the client half in the peer
     * namespace, never steal time. NULL or -1: not known here. */
    int (*host_cpu_src)(struct env_ctx *ctx, char *src, size_t len);
};

#define ENV_LIST(X)                                                                                \
    X(native) X(container) X(runc) X(podman) X(docker) X(runsc) X(lxc) X(vm) X(xen) X(null)

#define X(n) extern const struct env env_##n;
ENV_LIST(X)
#undef X

extern const struct env *const envs[];

const struct env *env_find(const char *name);

/* Resolves a parsed spec to its environment and checks its keys. */
int env_resolve(const struct spec *sp, const struct env **out, struct err *e);

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

/* For environments that write on the host's disk (native): makes
 * <data>/isobench-<run>-<idx>-data (journaled; data= from the spec,
 * default /var/tmp) and sets ctx->datadir. */
int env_make_datadir(struct env_ctx *ctx, struct err *e);

/* For environments whose agent serves a whole run on one channel (pid 1
 * of a container or guest): sends j on *chan and waits for the reply,
 * watching w (a cancel is a "cancel" frame to the agent). On a
 * channel failure *chan is closed and set to -1 (it is out of step now). */
int env_chan_exec(int *chan, double timeout_s, struct env_watch *w, const struct job *j,
                  struct reply *rep, struct err *e);

/* Starts a runtime's CLI (argv[0] an absolute path: `runc run`, `podman
 * run`, ...) whose container runs the agent, the channel being the CLI's
 * stdin+stdout (stdio) or its fd 3 (runc --preserve-fds; stdio then on
 * /dev/null); pdeath: the CLI dies with isobench. Journals the CLI's pid,
 * waits up to 60 s for the agent's "ready" and sets the startup_s fact
 * from t0. *pid and *chan belong to the caller even on failure. */
int env_start_cli(char *const argv[], int stdio, int pdeath, struct env_ctx *ctx, double t0,
                  pid_t *pid, int *chan, struct err *e);

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
