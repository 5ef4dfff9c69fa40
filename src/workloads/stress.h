/* stress.h - what the stress workload exposes for tests. */
#ifndef ISOBENCH_STRESS_H
#define ISOBENCH_STRESS_H

/* Reads stress-ng's --metrics-brief line of stressor from out: bogo ops,
 * real seconds and CPU (usr + sys) seconds. -1 when there is none. */
int stress_parse_metrics(const char *out, const char *stressor, double *ops, double *real_s,
                         double *cpu_s);

#endif
