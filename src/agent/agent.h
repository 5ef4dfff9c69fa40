/* agent.h - the side that runs inside an environment. Every environment
 * starts the same isobench binary as `isobench agent --fd N` (or calls
 * agent_handle in-process, for the null environment); the agent runs the
 * workload where it stands and replies with metrics plus facts about where
 * it ran (namespaces, cgroup, CPUs), so a container can be proved real. */
#ifndef ISOBENCH_AGENT_H
#define ISOBENCH_AGENT_H

#include <stddef.h>

#include "core/proto.h"

/* Runs one decoded job; always fills rep (ok or error). */
void agent_run_job(const struct job *j, struct reply *rep);

/* Decodes request text, runs it and encodes the reply into out. */
int agent_handle(const char *request, char *out, size_t cap, struct err *e);

/* Serves one request on fd (read frame, run, write frame). */
int agent_serve_fd(int fd, struct err *e);

/* Serves jobs on fd until EOF, as pid 1 of a container or guest: sends a
 * "ready" frame, then runs each job in a child process (so pid 1 survives a
 * crashing workload), forwards SIGTERM/SIGINT to it and reaps every child. */
int agent_serve_loop(int fd, struct err *e);
/* The same over two fds (stdin/stdout of an engine's `run -i`). */
int agent_serve_io(int rfd, int wfd, struct err *e);

/* `isobench agent --stdio` at the far end of an SSH connection: leads
 * its own process group, exchanges hello frames (core/hello.h; a mismatch
 * is refused with a fatal frame naming both sides), then serves as
 * agent_serve_io. On EOF or SIGHUP every process of its group gets
 * SIGTERM: nothing is left on its host. */
int agent_serve_remote(int rfd, int wfd, struct err *e);

/* A control frame the serve loop answers itself: "clock" (this host's
 * CLOCK_MONOTONIC and CLOCK_REALTIME in ns: "clock MONO REAL") and
 * "facts" (a reply whose facts are this host's CPU, kernel and the NIC
 * facing the runner). 1 when req was one (answered), 0 when not, -1 with
 * e when the answer could not be sent. */
int agent_control(const char *req, int wfd, struct err *e);

/* Adds where-am-I facts (ns.*, cgroup, hostname, cpus, kernel) to l. */
void agent_where(struct kvlist *l);

#endif
