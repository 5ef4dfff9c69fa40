/* wpsite.h - the files of a WordPress site the wordpress workload serves
 * (the two-tier study's app tier), all under the server's own directory:
 * httpd.conf (Apache, prefork + mod_php), php.ini and prepend.php,
 * wproot/ (wp-config.php and links to Debian's WordPress tree) and
 * probe/probe.php (the inter-tier SELECT and INSERT probe). Files that
 * hold the DB password are mode 0400, owned by the server's account. */
#ifndef ISOBENCH_WPSITE_H
#define ISOBENCH_WPSITE_H

#include <stddef.h>

#include "core/err.h"
#include "workloads/lib/apache.h"

#define WP_TREE "/usr/share/wordpress"
#define WP_PHP_MOD APACHE_MODS "/libphp8.2.so"
#define WP_PHP_EXT "/usr/lib/php/20220829"
#define WP_DB_USER "sbtest" /* the mysql workload's account (schema=wordpress) */
#define WP_PROBE_MARK "isobench-probe"
#define WP_PROBE_MAX 20000 /* selects or inserts per probe request */

struct wp_site {
    const char *dir;    /* the server's directory (exists, owned by its account) */
    const char *bind;   /* Apache's address */
    int port;           /* and port */
    const char *secret; /* the DB account's password (the job's secret) */
    const char *db_addr;
    int db_port;
    const char *probe_path; /* the probe's URL path, derived from the secret */
};

/* Writes every file of the site into s->dir. */
int wp_site_write(const struct wp_site *s, struct err *e);

/* The probe's answers: "isobench-probe select n=N ns: L1 L2 ..." into
 * ns (at most max; exactly N or -1), "isobench-probe insert n=N ns=T". */
int wp_probe_parse_select(const char *body, double *ns, int max, int *n);
int wp_probe_parse_insert(const char *body, long *n, double *ns);

#endif
