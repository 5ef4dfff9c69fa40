/* limits.h - the fixed sizes that more than one module shares, in one
 * place: a run's environments and workloads, metric names and units. Each
 * module that copies one of these into a buffer of its own checks the fit
 * (truncation is an error, never silent); the asserts keep related sizes
 * in step. */
#ifndef ISOBENCH_LIMITS_H
#define ISOBENCH_LIMITS_H

#define LIM_ENVS 16          /* environments in one run, native included */
#define LIM_WORKLOADS 16     /* workloads in one run */
#define LIM_METRIC_NAME 48   /* bytes of a metric's name, NUL included */
#define LIM_METRIC_UNIT 24   /* bytes of a metric's unit, NUL included */
#define LIM_WORKLOAD_NAME 32 /* bytes of a workload's name, NUL included */
#define LIM_TENANT_NAME 24   /* bytes of a scenario tenant's name ("victim", "t12") */
#define LIM_STEP_NAME 32     /* bytes of a scenario step's name ("membw", "4") */
#define LIM_TENANTS 32       /* environment instances live at once in a scenario */

_Static_assert(LIM_ENVS >= 2, "a run needs native and one more environment");
_Static_assert(LIM_WORKLOADS >= 1, "a run needs a workload");
_Static_assert(LIM_METRIC_NAME > 8 + 16,
               "a pair's server metrics are stored as server.NAME: room for the prefix");

#endif
