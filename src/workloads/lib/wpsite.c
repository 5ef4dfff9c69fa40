/* wpsite.c - the files of a WordPress site isobench serves (wpsite.h):
 * Apache's and PHP's configuration, the WordPress configuration and the
 * inter-tier probe, all in the server's own directory. Debian's WordPress
 * tree stays as it is: PHP's auto_prepend_file defines ABSPATH as
 * DIR/wproot/, whose wp-config.php is isobench's and whose other entries
 * are links to the tree, so Debian's host-based /etc/wordpress lookup is
 * never used and nothing outside DIR is written. */
#include "workloads/lib/wpsite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "workloads/lib/srvproc.h"

/* Writes text to path, mode 0400 (0444 when public), owned by the
 * server's account when owner is set (its workers read it). */
static int wp_write(const char *path, const char *text, int owner, int public, struct err *e)
{
    int fd cleanup_close = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return err_sys(e, ERR_FAIL, errno, "wordpress: %s", path);
    if (util_write_all(fd, text, strlen(text)) < 0)
        return err_sys(e, ERR_FAIL, errno, "wordpress: %s", path);
    if (owner && fchown(fd, SRV_UNPRIV, SRV_UNPRIV) < 0)
        return err_sys(e, ERR_FAIL, errno, "wordpress: chown %s", path);
    if (fchmod(fd, public ? 0444 : 0400) < 0)
        return err_sys(e, ERR_FAIL, errno, "wordpress: chmod %s", path);
    return 0;
}

/* snprintf into a heap buffer of cap bytes; NULL (e set) when it does not fit. */
static char *wp_format(struct err *e, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *wp_format(struct err *e, size_t cap, const char *fmt, ...)
{
    char *buf = malloc(cap);
    if (!buf) {
        err_set(e, ERR_FAIL, "out of memory");
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        free(buf);
        err_set(e, ERR_FAIL, "wordpress: a configuration file does not fit");
        return NULL;
    }
    return buf;
}

/* DIR/wproot: every entry of the WordPress tree as a link, but
 * wp-config.php (isobench's own, written after). */
static int wp_links(const char *root, struct err *e)
{
    DIR *d = opendir(WP_TREE);
    if (!d) return err_sys(e, ERR_FAIL, errno, "wordpress: %s", WP_TREE);
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d));) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "wp-config.php")) continue;
        char from[600], to[900];
        snprintf(from, sizeof(from), "%s/%s", WP_TREE, de->d_name);
        if (snprintf(to, sizeof(to), "%s/%s", root, de->d_name) >= (int)sizeof(to))
            rc = err_set(e, ERR_FAIL, "wordpress: path too long: %s", root);
        else if (symlink(from, to) < 0)
            rc = err_sys(e, ERR_FAIL, errno, "wordpress: link %s", to);
    }
    closedir(d);
    return rc;
}

/* Apache: prefork (mod_php is not thread-safe) with the Debian package's
 * sizes, mod_php with PHPIniDir DIR, the tree as DocumentRoot, the probe
 * behind a path only the run knows; 404s logged (core:info) for the stop
 * request, no access log. */
static int wp_apache_conf(const struct wp_site *s, struct err *e)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/httpd.conf", s->dir);
    char *c cleanup_free =
        wp_format(e, 8192,
                  "ServerRoot %s\nListen %s:%d\nServerName isobench\nPidFile %s/apache.pid\n"
                  "DefaultRuntimeDir %s\nMutex file:%s default\n"
                  "LoadModule mpm_prefork_module " APACHE_MODS "/mod_mpm_prefork.so\n"
                  "LoadModule authz_core_module " APACHE_MODS "/mod_authz_core.so\n"
                  "LoadModule dir_module " APACHE_MODS "/mod_dir.so\n"
                  "LoadModule alias_module " APACHE_MODS "/mod_alias.so\n"
                  "LoadModule php_module " WP_PHP_MOD "\n"
                  "PHPIniDir %s\n"
                  "User #%d\nGroup #%d\nErrorLog %s/apache.log\nLogLevel warn core:info\n"
                  "StartServers 5\nMinSpareServers 5\nMaxSpareServers 10\nMaxRequestWorkers 150\n"
                  "MaxConnectionsPerChild 0\n"
                  "KeepAlive On\nMaxKeepAliveRequests 0\nKeepAliveTimeout 30\nTimeout 3600\n"
                  "DocumentRoot " WP_TREE "\nDirectoryIndex index.php\n"
                  "<Directory />\n  Require all denied\n</Directory>\n"
                  "<Directory " WP_TREE ">\n  Require all granted\n</Directory>\n"
                  "<Directory %s/probe>\n  Require all granted\n</Directory>\n"
                  "Alias %s %s/probe/probe.php\n"
                  "<FilesMatch \"\\.php$\">\n  SetHandler application/x-httpd-php\n</FilesMatch>\n",
                  s->dir, s->bind, s->port, s->dir, s->dir, s->dir, s->dir, SRV_UNPRIV, SRV_UNPRIV,
                  s->dir, s->dir, s->probe_path, s->dir);
    return c ? wp_write(path, c, 0, 0, e) : -1;
}

/* PHP: only what WordPress needs (mysqli), opcache as Debian enables it,
 * no time limit (10,000 INSERTs in a slow tier take minutes), errors to
 * DIR/php.log, ABSPATH from DIR/prepend.php. */
static int wp_php_conf(const struct wp_site *s, struct err *e)
{
    char path[600], pre[600];
    snprintf(path, sizeof(path), "%s/php.ini", s->dir);
    snprintf(pre, sizeof(pre), "%s/prepend.php", s->dir);
    char *ini cleanup_free = wp_format(
        e, 4096,
        "extension_dir = " WP_PHP_EXT "\nextension = mysqlnd.so\nextension = mysqli.so\n"
        "zend_extension = opcache.so\nopcache.enable = 1\nopcache.memory_consumption = 64\n"
        "memory_limit = 256M\nmax_execution_time = 0\ndisplay_errors = Off\nlog_errors = On\n"
        "error_log = %s/php.log\ndate.timezone = UTC\nallow_url_fopen = Off\n"
        "auto_prepend_file = %s\n",
        s->dir, pre);
    char *p cleanup_free = wp_format(
        e, 1024, "<?php\nif (!defined('ABSPATH')) define('ABSPATH', '%s/wproot/');\n", s->dir);
    if (!ini || !p) return -1;
    return wp_write(path, ini, 0, 1, e) < 0 ? -1 : wp_write(pre, p, 1, 0, e);
}

/* WordPress's configuration: the DB tier, fresh keys, the tree's own
 * content directory, the home URL as the client asked for it (the peer
 * reaches the tier at another address than it binds), no cron, updates
 * or requests to the outside (this network reaches only the run). */
static int wp_config(const struct wp_site *s, struct err *e)
{
    char path[600], keys[8][65];
    snprintf(path, sizeof(path), "%s/wproot/wp-config.php", s->dir);
    for (int i = 0; i < 8; i++)
        if (util_random_hex(keys[i], sizeof(keys[i]), e) < 0) return -1;
    char *c cleanup_free =
        wp_format(e, 8192,
                  "<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', '%s');\n"
                  "define('DB_PASSWORD', '%s');\ndefine('DB_HOST', '%s:%d');\n"
                  "define('DB_CHARSET', 'utf8mb4');\ndefine('DB_COLLATE', '');\n"
                  "define('AUTH_KEY', '%s');\ndefine('SECURE_AUTH_KEY', '%s');\n"
                  "define('LOGGED_IN_KEY', '%s');\ndefine('NONCE_KEY', '%s');\n"
                  "define('AUTH_SALT', '%s');\ndefine('SECURE_AUTH_SALT', '%s');\n"
                  "define('LOGGED_IN_SALT', '%s');\ndefine('NONCE_SALT', '%s');\n"
                  "$table_prefix = 'wp_';\n"
                  "define('WP_CONTENT_DIR', '" WP_TREE "/wp-content');\n"
                  "define('WP_HOME', 'http://' . ($_SERVER['HTTP_HOST'] ?? 'localhost'));\n"
                  "define('WP_SITEURL', WP_HOME);\n"
                  "define('DISABLE_WP_CRON', true);\ndefine('AUTOMATIC_UPDATER_DISABLED', true);\n"
                  "define('WP_AUTO_UPDATE_CORE', false);\ndefine('WP_HTTP_BLOCK_EXTERNAL', true);\n"
                  "define('WP_DEBUG', false);\ndefine('WPMU_PLUGIN_DIR', '%s/mu');\n"
                  "require_once ABSPATH . 'wp-settings.php';\n",
                  WP_DB_USER, s->secret, s->db_addr, s->db_port, keys[0], keys[1], keys[2], keys[3],
                  keys[4], keys[5], keys[6], keys[7], s->dir);
    explicit_bzero(keys, sizeof(keys));
    return c ? wp_write(path, c, 1, 0, e) : -1;
}

/* The inter-tier probe (the study's Figure 7 and its INSERT test), run by
 * PHP in the app tier against the DB tier: op=select times n single-row
 * SELECTs of random wp_options rows and prints each latency in ns;
 * op=insert times n INSERTs of random rows into isobench_rows. */
static int wp_probe(const struct wp_site *s, struct err *e)
{
    char dir[600], path[700];
    snprintf(dir, sizeof(dir), "%s/probe", s->dir);
    snprintf(path, sizeof(path), "%s/probe.php", dir);
    if (mkdir(dir, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "wordpress: %s", dir);
    char *p cleanup_free = wp_format(
        e, 8192,
        "<?php\nset_time_limit(0);\nmysqli_report(MYSQLI_REPORT_OFF);\n"
        "function fail($what) { http_response_code(500); exit($what . \"\\n\"); }\n"
        "$op = $_GET['op'] ?? ''; $n = (int)($_GET['n'] ?? 0);\n"
        "if ($n < 1 || $n > %d) { http_response_code(400); exit(\"bad n\\n\"); }\n"
        "$m = mysqli_init();\n"
        "if (!$m->real_connect('%s', '%s', '%s', 'wordpress', %d)) fail('connect: ' . "
        "mysqli_connect_error());\n"
        "if ($op === 'select') {\n"
        "  $r = $m->query('SELECT MIN(option_id), MAX(option_id) FROM wp_options');\n"
        "  if (!$r) fail('select: ' . $m->error);\n"
        "  [$lo, $hi] = $r->fetch_row();\n"
        "  $out = '';\n"
        "  for ($i = 0; $i < $n; $i++) {\n"
        "    $id = mt_rand((int)$lo, (int)$hi);\n"
        "    $t0 = hrtime(true);\n"
        "    $q = $m->query('SELECT option_value FROM wp_options WHERE option_id = ' . $id);\n"
        "    if (!$q) fail('select: ' . $m->error);\n"
        "    $q->fetch_row(); $q->free();\n"
        "    $out .= (hrtime(true) - $t0) . ' ';\n"
        "  }\n"
        "  echo \"" WP_PROBE_MARK " select n=$n ns: $out\\n\";\n"
        "} elseif ($op === 'insert') {\n"
        "  if (!$m->query('CREATE TABLE IF NOT EXISTS isobench_rows (id INT AUTO_INCREMENT "
        "PRIMARY KEY, a INT NOT NULL, b CHAR(32) NOT NULL, c DOUBLE NOT NULL) ENGINE=InnoDB'))\n"
        "    fail('create: ' . $m->error);\n"
        "  $t0 = hrtime(true);\n"
        "  for ($i = 0; $i < $n; $i++)\n"
        "    if (!$m->query(sprintf(\"INSERT INTO isobench_rows (a, b, c) VALUES (%%d, '%%s', "
        "%%.17g)\", mt_rand(), bin2hex(random_bytes(16)), mt_rand() / mt_getrandmax())))\n"
        "      fail('insert: ' . $m->error);\n"
        "  $t = hrtime(true) - $t0;\n"
        "  echo \"" WP_PROBE_MARK " insert n=$n ns=$t\\n\";\n"
        "} else { http_response_code(400); exit(\"bad op\\n\"); }\n",
        WP_PROBE_MAX, s->db_addr, WP_DB_USER, s->secret, s->db_port);
    return p ? wp_write(path, p, 1, 0, e) : -1;
}

/* A must-use plugin: WordPress mails nobody (the installer's "new site"
 * notice included). The run reaches no mail server, and PHPMailer fails
 * differently per environment (no sendmail; no time zone data in a guest),
 * which would make the install, not the environment, the measurement. */
static int wp_nomail(const struct wp_site *s, struct err *e)
{
    char dir[600], path[700];
    snprintf(dir, sizeof(dir), "%s/mu", s->dir);
    snprintf(path, sizeof(path), "%s/isobench-nomail.php", dir);
    if (mkdir(dir, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "wordpress: %s", dir);
    return wp_write(path,
                    "<?php\n/* isobench: no mail leaves the run */\n"
                    "function wp_mail($to, $subject, $message, $headers = '', $attachments = []) "
                    "{ return true; }\n",
                    1, 0, e);
}

int wp_site_write(const struct wp_site *s, struct err *e)
{
    char root[600];
    snprintf(root, sizeof(root), "%s/wproot", s->dir);
    if (mkdir(root, 0755) < 0) return err_sys(e, ERR_FAIL, errno, "wordpress: %s", root);
    int rfd cleanup_close = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rfd < 0 || fchown(rfd, SRV_UNPRIV, SRV_UNPRIV) < 0) /* through its fd: no link followed */
        return err_sys(e, ERR_FAIL, errno, "wordpress: chown %s", root);
    if (wp_links(root, e) < 0 || wp_config(s, e) < 0 || wp_nomail(s, e) < 0 || wp_probe(s, e) < 0 ||
        wp_php_conf(s, e) < 0 || wp_apache_conf(s, e) < 0)
        return -1;
    return 0;
}

int wp_probe_parse_select(const char *body, double *ns, int max, int *n)
{
    const char *p = strstr(body, WP_PROBE_MARK " select n=");
    if (!p) return -1;
    long want = strtol(p + strlen(WP_PROBE_MARK " select n="), NULL, 10);
    p = strstr(p, "ns:");
    if (!p || want < 1 || want > max) return -1;
    p += 3;
    int k = 0;
    for (;;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p) break;
        if (k >= max || !(v >= 0)) return -1;
        ns[k++] = v;
        p = end;
    }
    if (k != want) return -1; /* a cut or short answer is no answer */
    *n = k;
    return 0;
}

int wp_probe_parse_insert(const char *body, long *n, double *ns)
{
    const char *p = strstr(body, WP_PROBE_MARK " insert n=");
    if (!p) return -1;
    return sscanf(p + strlen(WP_PROBE_MARK " insert n="), "%ld ns=%lf", n, ns) == 2 && *n > 0 &&
                   *ns > 0
               ? 0
               : -1;
}
