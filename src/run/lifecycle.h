/* lifecycle.h - one run's lifecycle, the same for a plain run (runner),
 * a scenario and an explain: begin (a fresh uuid and the facts every run
 * stores), the journal, the caller's store row and body, then end (the
 * journal unwound, the status and its reason stored). The parts between
 * begin and end are the caller's: a plain run may resume a stored row,
 * a scenario brings up tenants instead of one instance per spec. */
#ifndef ISOBENCH_LIFECYCLE_H
#define ISOBENCH_LIFECYCLE_H

#include <stdint.h>

#include "core/journal.h"
#include "core/store.h"
#include "run/slice.h"

struct run_life {
    char uuid[64];
    struct journal j;   /* fd -1 when it could not be opened (j.why says why) */
    struct kvlist host; /* the run's facts, stored by the caller's store_run_begin */
};

/* A fresh uuid; into l->host the host's facts (host_facts), the order of
 * the rounds (*seed, drawn when 0: order_seed), the slice when it has one,
 * and who runs it (runner_pid, runner_start: a SIGKILLed run is found
 * dead later, store_mark_dead). The caller adds its own facts after. */
void run_life_begin(struct run_life *l, uint64_t *seed, const struct slice *sl);

/* Opens the run's journal, best effort: environments that create nothing
 * (native, null) run without one; those that do refuse to start
 * (journal_require reports l->j.why). */
void run_life_journal(struct run_life *l);

/* Ends run run_id after its body returned rc (everything it brought up
 * already taken down): the journal unwound (objects it could not remove
 * turn a success into an error naming `isobench cleanup`), the progress
 * line cleared, and the status stored - interrupted, aborted (bad input
 * only an environment could see), error, failed (some samples) or
 * complete - with abort_reason, the error, whenever rc < 0. Returns rc
 * (or -1 from the unwind), e filled. */
int run_life_end(struct run_life *l, struct store *st, int64_t run_id, int rc, int failed,
                 int progress, struct err *e);

#endif
