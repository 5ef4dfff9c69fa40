/* journal.h - the undo journal. Every system object a run creates on the
 * host (directory, cgroup, mount, link, ...) is appended to
 * /run/isobench/<run-id>/journal and fsync'd just BEFORE it is made
 * (write-ahead: a kill between the two cannot leak it, and undoing an
 * object that never came to exist is a no-op). A process, whose pid only
 * exists afterwards, is journaled right after its creation and dies with
 * its parent (PDEATHSIG, or EOF on its sync pipe) in between. Unwind
 * reads the journal backwards and undoes each line, going on past failures.
 * `isobench cleanup` unwinds the journals of runs whose owner is gone.
 * Objects made inside a private mount namespace die with it and are not
 * journaled. */
#ifndef ISOBENCH_JOURNAL_H
#define ISOBENCH_JOURNAL_H

#include <sys/types.h>

#include "core/err.h"

#define JOURNAL_ROOT_DEFAULT "/run/isobench"

struct journal {
    int fd;
    char dir[512];
    /* why journal_open failed, kept for the environments that refuse to
     * start without a journal ("" when it is open) */
    char why[sizeof(((struct err *)0)->msg)];
};

/* For environments that create host objects: 0 when j is open, else
 * ERR_USAGE with journal_open's own reason. */
int journal_require(const struct journal *j, struct err *e);

/* The root directory (ISOBENCH_RUN_DIR overrides, for tests). */
const char *journal_root(void);

/* Creates <root>/<run_id>/journal owned by this process. */
int journal_open(struct journal *j, const char *run_id, struct err *e);

/* Appends "type arg" and fsyncs. type: dir, rmtree, cgroup, pid, file, mount, swap. */
int journal_add(struct journal *j, const char *type, const char *arg, struct err *e);
/* Records a live process by pid and start time, so a recycled pid is never killed. */
int journal_add_pid(struct journal *j, pid_t pid, struct err *e);

/* Undoes every line in reverse, removes the journal and its directory,
 * closes j. Returns the number of undo steps that failed. */
int journal_unwind(struct journal *j);

/* Unwinds every journal under the root whose owner is dead. Sets *cleaned
 * to the number of runs cleaned, *live to the runs left alone. */
int journal_cleanup_dead(int *cleaned, int *live, struct err *e);

/* Undo handlers for the kinds of objects that layers above core create
 * (network links, runtime containers, ...): fn returns 0 when the object
 * is gone. The program sets one NULL-terminated table, once, before any
 * journal is unwound (main: env_undo_handlers); core's own kinds (pid,
 * cgroup, dir, rmtree, file, mount) need none. An entry whose type has no
 * handler counts as a failed undo step. */
struct journal_undo {
    const char *type;
    int (*fn)(const char *arg);
};
void journal_set_undo(const struct journal_undo *table);

/* Splits one journal line "type arg" in place (the newline already cut):
 * 0 with *type and *arg pointing into line when type is one word of
 * [a-z0-9_-] and arg is non-empty, without control characters, and - for the
 * kinds core undoes on a path (dir, rmtree, file, mount, cgroup, swap) -
 * an absolute path; -1 otherwise. `cleanup` reads journals left by dead
 * runs: a malformed line is a failed step (the journal is kept for a
 * human), never an action on a guessed argument. */
int journal_parse_line(char *line, const char **type, const char **arg);

/* Removes a directory tree (no symlinks followed); 0 when it is gone. */
int journal_rmtree(const char *path);

/* Start time of pid in clock ticks (field 22 of /proc/pid/stat), 0 if gone. */
unsigned long long journal_starttime(pid_t pid);

#endif
