/* scenario_priv.h - what the scenario engine's files (scenario.c,
 * scen_tenant.c, scen_jobs.c) share and no scenario calls. */
#ifndef ISOBENCH_SCENARIO_PRIV_H
#define ISOBENCH_SCENARIO_PRIV_H

#include "run/scenario.h"

/* Tenant t's environment failed (a dead channel, a crashed agent): down
 * and up again with the same spec, at most SCEN_RESTARTS times, each
 * stored as a run fact with why. */
int scen_tenant_heal(struct scen_run *r, int t, const char *why, struct err *e);

#endif
