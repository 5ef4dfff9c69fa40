/* apache.h - Debian's Apache 2 as the http and wordpress workloads run it. */
#ifndef ISOBENCH_APACHE_H
#define ISOBENCH_APACHE_H

#include <sys/types.h>

#include "core/result.h"

#define APACHE_BIN "/usr/sbin/apache2"
#define APACHE_MODS "/usr/lib/apache2/modules"

/* 1 once the log at path holds needle (the stop request's 404 line);
 * *off: how far it was read (start at 0). */
int apache_log_has(const char *path, const char *needle, off_t *off);

/* What Apache said above notice level (a child that crashed, workers
 * running out) - the server's own account of a slow or failed run: fact
 * PREFIX.server_log with the count and the last such line, none when it
 * said nothing. */
void apache_log_facts(const char *path, const char *prefix, struct result *r);

#endif
