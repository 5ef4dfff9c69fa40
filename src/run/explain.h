/* explain.h - the ladder of `isobench explain ENV`: the environments from
 * native to ENV, one knob at a time, each an ordinary spec a user can run
 * by hand (`isobench run -e SPEC`). A knob that cannot be turned here (the
 * host lacks what it needs, or no driver has a key for it yet) is a rung
 * marked n/a with the reason, never left out. All rungs then run in one
 * ordinary run (shuffled, paired rounds); the run carries the ladder as
 * facts (explain.*) so the report rebuilds the increments from the store. */
#ifndef ISOBENCH_EXPLAIN_H
#define ISOBENCH_EXPLAIN_H

#include "core/err.h"
#include "core/util.h"

#define EXPLAIN_RUNGS 14

struct explain_rung {
    char knob[64];  /* "native", "+namespaces", "+NAT", ... */
    char spec[256]; /* the rung's spec, canonical; "" for an n/a rung */
    char na[256];   /* "" when the rung runs, else why it cannot */
    char note[256]; /* what else the rung carries ("" none) */
};

struct explain_ladder {
    char env[256];     /* ENV as the user wrote it, canonical */
    char blocked[256]; /* why ENV itself cannot run on this host ("": it can) */
    int n;
    struct explain_rung r[EXPLAIN_RUNGS];
};

/* What of the host the ladder depends on (probed, or set by tests). */
struct explain_host {
    int kvm;       /* hardware KVM (vm_accel_detect says "kvm") */
    int hugepages; /* 2 MiB hugepages can back a tuned guest's RAM */
    int vhost;     /* /dev/vhost-net exists */
};

void explain_host_probe(struct explain_host *h);

/* The ladder from native to env (a spec), for host h, into l. Pure: reads
 * only the drivers' key tables. ERR_USAGE, one line, for an environment
 * with no knobs to take off (native, null, xen), an unknown driver or key;
 * ERR_FAIL when the ladder would not end at env (a bug). The last rung
 * that runs is env itself (with its keys as written). */
int explain_ladder(const char *env, const struct explain_host *h, struct explain_ladder *l,
                   struct err *e);

/* The rungs that run, as a comma list for runner_plan ("native,SPEC,..."). */
int explain_env_list(const struct explain_ladder *l, char *buf, size_t len, struct err *e);

/* The ladder as run facts: explain.env, explain.rungs (N), and per rung k
 * (0..N-1) explain.<k>.knob, explain.<k>.spec (absent when n/a),
 * explain.<k>.na (absent when it runs); the notes stay out (a run's
 * facts are loaded into one kvlist of KV_MAX). */
int explain_facts(const struct explain_ladder *l, struct kvlist *facts, struct err *e);

#endif
