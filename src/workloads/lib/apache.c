/* apache.c - what the workloads that run Debian's Apache share (http,
 * wordpress): watching its error log for the stop request and turning
 * what it said at warn or above into a fact. */
#include "workloads/lib/apache.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

/* 1 once the log at path holds needle; *off: how far it was read. */
int apache_log_has(const char *path, const char *needle, off_t *off)
{
    int fd cleanup_close = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[16384];
    size_t nl = strlen(needle);
    off_t at = *off > (off_t)nl ? *off - (off_t)nl : 0; /* a line cut at the last read */
    ssize_t n;
    while ((n = pread(fd, buf, sizeof(buf), at)) > 0) {
        if (memmem(buf, (size_t)n, needle, nl)) return 1;
        at += n;
        *off = at;
        if ((size_t)n > nl) at -= (off_t)nl;
    }
    return 0;
}

/* What Apache said above notice level (a child that crashed, workers
 * running out) - the server's own account of a slow or failed run: a
 * fact with the count and the last such line, none when it said nothing. */
void apache_log_facts(const char *path, const char *prefix, struct result *r)
{
    FILE *f cleanup_fclose = fopen(path, "re");
    char line[1024], last[200] = "";
    int n = 0;
    while (f && fgets(line, sizeof(line), f)) {
        if (!strstr(line, ":warn]") && !strstr(line, ":error]") && !strstr(line, ":crit]") &&
            !strstr(line, ":alert]") && !strstr(line, ":emerg]"))
            continue;
        n++;
        line[strcspn(line, "\n")] = '\0';
        snprintf(last, sizeof(last), "%.180s", line);
    }
    if (n == 0) return;
    char v[256], k[64];
    snprintf(v, sizeof(v), "%d line(s) at warn or above; the last: %s", n, last);
    snprintf(k, sizeof(k), "%s.server_log", prefix);
    kv_set(&r->facts, k, v, NULL);
}
