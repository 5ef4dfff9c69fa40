#include "core/proto.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

/* Appends a formatted line; fails when the buffer is full. */
__attribute__((format(printf, 4, 5))) static int put(char *buf, size_t len, size_t *off,
                                                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *off, len - *off, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len - *off) return -1;
    *off += (size_t)n;
    return 0;
}

static int has_newline(const char *s)
{
    return strchr(s, '\n') != NULL;
}

/* A token the decoders read with %s: non-empty, no white space. */
static int bad_token(const char *s)
{
    if (!*s) return 1;
    for (; *s; s++)
        if (isspace((unsigned char)*s)) return 1;
    return 0;
}

/* A key of "KEY=VALUE": a token without '='. */
static int bad_key(const char *s)
{
    return bad_token(s) || strchr(s, '=') != NULL;
}

int proto_encode_job(const struct job *j, char *buf, size_t len, struct err *e)
{
    size_t off = 0;
    if (bad_token(j->workload) || (j->role[0] && bad_token(j->role)) ||
        (j->addr[0] && bad_token(j->addr)))
        return err_set(e, ERR_USAGE, "job: workload, role and address must be single words");
    if (put(buf, len, &off, "isobench %d\nworkload %s\nsize %s\n", PROTO_VERSION, j->workload,
            size_str(j->size)))
        return err_set(e, ERR_FAIL, "request too large");
    if ((j->role[0] && put(buf, len, &off, "role %s\n", j->role)) ||
        (j->port && put(buf, len, &off, "peer %s %d\n", j->addr[0] ? j->addr : "-", j->port)) ||
        (j->data[0] && put(buf, len, &off, "data %s\n", j->data)) ||
        (j->hostcpu[0] && put(buf, len, &off, "hostcpu %s\n", j->hostcpu)) ||
        (j->secret[0] && put(buf, len, &off, "secret %s\n", j->secret)))
        return err_set(e, ERR_FAIL, "request too large");
    if (j->secret[0] && !util_is_secret(j->secret))
        return err_set(e, ERR_USAGE, "job: the secret is not 16..64 hex digits");
    if (has_newline(j->data) || has_newline(j->addr) || has_newline(j->role) ||
        (j->hostcpu[0] && bad_token(j->hostcpu)))
        return err_set(e, ERR_USAGE, "job field has a newline");
    for (int i = 0; i < j->opts.n; i++) {
        if (has_newline(j->opts.v[i].val) || bad_key(j->opts.v[i].key))
            return err_set(e, ERR_USAGE,
                           "option '%s': a key is one word without '=', a value "
                           "has no newline",
                           j->opts.v[i].key);
        if (put(buf, len, &off, "opt %s=%s\n", j->opts.v[i].key, j->opts.v[i].val))
            return err_set(e, ERR_FAIL, "request too large");
    }
    return 0;
}

/* Splits "key rest" in place; returns rest (or "" if none). */
static char *split_line(char *line)
{
    char *sp = strchr(line, ' ');
    if (!sp) return line + strlen(line);
    *sp = '\0';
    return sp + 1;
}

static int kv_line(struct kvlist *l, char *rest, struct err *e)
{
    char *eq = strchr(rest, '=');
    if (!eq) return err_set(e, ERR_FAIL, "protocol: malformed pair '%s'", rest);
    *eq = '\0';
    return kv_set(l, rest, eq + 1, e);
}

/* Copies a request field; one that does not fit is an error, never cut. */
static int field(char *dst, size_t cap, const char *src, const char *name, struct err *e)
{
    size_t n = strlen(src);
    if (n >= cap)
        return err_set(e, ERR_FAIL, "protocol: %s of %zu bytes (at most %zu)", name, n, cap - 1);
    memcpy(dst, src, n + 1);
    return 0;
}

int proto_decode_job(const char *buf, struct job *j, struct err *e)
{
    memset(j, 0, sizeof(*j));
    j->size = -1;
    char *tmp cleanup_free = strdup(buf);
    if (!tmp) return err_set(e, ERR_FAIL, "out of memory");
    int version = 0;
    char *save = NULL;
    for (char *line = strtok_r(tmp, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *rest = split_line(line);
        int rc = 0;
        if (strcmp(line, "isobench") == 0)
            version = atoi(rest);
        else if (strcmp(line, "workload") == 0)
            rc = field(j->workload, sizeof(j->workload), rest, "workload", e);
        else if (strcmp(line, "size") == 0)
            j->size = size_parse(rest);
        else if (strcmp(line, "role") == 0)
            rc = field(j->role, sizeof(j->role), rest, "role", e);
        else if (strcmp(line, "data") == 0)
            rc = field(j->data, sizeof(j->data), rest, "data", e);
        else if (strcmp(line, "hostcpu") == 0)
            rc = field(j->hostcpu, sizeof(j->hostcpu), rest, "hostcpu", e);
        else if (strcmp(line, "secret") == 0) {
            if (!util_is_secret(rest))
                return err_set(e, ERR_FAIL, "protocol: the secret is not 16..64 hex digits");
            rc = field(j->secret, sizeof(j->secret), rest, "secret", e);
        } else if (strcmp(line, "peer") == 0) {
            char a[64];
            if (sscanf(rest, "%63s %d", a, &j->port) != 2 || j->port <= 0 || j->port > 65535)
                return err_set(e, ERR_FAIL, "protocol: bad peer line '%s'", rest);
            snprintf(j->addr, sizeof(j->addr), "%s", strcmp(a, "-") ? a : "");
        } else if (strcmp(line, "opt") == 0) {
            rc = kv_line(&j->opts, rest, e);
        } else {
            return err_set(e, ERR_FAIL, "protocol: unknown request line '%.40s'", line);
        }
        if (rc < 0) return -1;
    }
    if (version != PROTO_VERSION)
        return err_set(e, ERR_FAIL, "protocol: not an isobench v%d request", PROTO_VERSION);
    if (!j->workload[0] || j->size < 0)
        return err_set(e, ERR_FAIL, "protocol: request lacks workload or size");
    return 0;
}

int proto_encode_reply(const struct reply *r, char *buf, size_t len, struct err *e)
{
    size_t off = 0;
    int bad = put(buf, len, &off, "isobench %d\n", PROTO_VERSION);
    for (int i = 0; r->ok && i < r->res.n; i++)
        if (bad_token(r->res.m[i].name) || bad_token(r->res.m[i].unit))
            return err_set(e, ERR_FAIL, "metric '%s' [%s]: name and unit must be single words",
                           r->res.m[i].name, r->res.m[i].unit);
    for (int i = 0; i < r->res.facts.n; i++)
        if (bad_key(r->res.facts.v[i].key) || has_newline(r->res.facts.v[i].val))
            return err_set(e, ERR_FAIL,
                           "fact '%s': a key is one word without '=', a value has "
                           "no newline",
                           r->res.facts.v[i].key);
    if (!r->ok) {
        char msg[sizeof(r->err.msg)];
        snprintf(msg, sizeof(msg), "%s", r->err.msg);
        for (char *p = msg; *p; p++)
            if (*p == '\n') *p = ' ';
        bad |= put(buf, len, &off, "status error\ncode %d\nerror %s\n", r->err.code, msg);
    } else {
        bad |= put(buf, len, &off, "status ok\n");
        for (int i = 0; i < r->res.n; i++) {
            const struct metric *m = &r->res.m[i];
            bad |= put(buf, len, &off, "metric %s %s %s %.17g\n", m->name, m->unit,
                       better_str(m->better), m->value);
        }
    }
    for (const char *p = r->ok ? r->res.raw : ""; *p;) {
        size_t n = strcspn(p, "\n");
        bad |= put(buf, len, &off, "raw %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    for (int i = 0; i < r->res.facts.n; i++)
        bad |= put(buf, len, &off, "fact %s=%s\n", r->res.facts.v[i].key, r->res.facts.v[i].val);
    if (bad) return err_set(e, ERR_FAIL, "reply too large");
    return 0;
}

int proto_decode_reply(const char *buf, struct reply *r, struct err *e)
{
    memset(r, 0, sizeof(*r));
    char *tmp cleanup_free = strdup(buf);
    if (!tmp) return err_set(e, ERR_FAIL, "out of memory");
    if (strncmp(buf, "fatal ", 6) == 0) /* the agent's own error, in place of a reply */
        return err_set(e, ERR_FAIL, "%s", buf + 6);
    int have_status = 0, version = 0;
    char *save = NULL;
    for (char *line = strtok_r(tmp, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *rest = split_line(line);
        if (strcmp(line, "isobench") == 0) {
            version = atoi(rest);
        } else if (strcmp(line, "status") == 0) {
            have_status = 1;
            r->ok = strcmp(rest, "ok") == 0;
        } else if (strcmp(line, "code") == 0) {
            r->err.code = atoi(rest);
        } else if (strcmp(line, "error") == 0) {
            snprintf(r->err.msg, sizeof(r->err.msg), "%s", rest);
        } else if (strcmp(line, "metric") == 0) {
            char name[48], unit[24], better[8];
            double v;
            int end = 0, nl = 0, ul = 0, bl = 0;
            /* each word whole (a longer one is refused, never cut), then
             * nothing but the value */
            if (sscanf(rest, "%47s%n %23s%n %7s%n %lf %n", name, &nl, unit, &ul, better, &bl, &v,
                       &end) != 4 ||
                rest[end] || (rest[nl] && rest[nl] != ' ') || (rest[ul] && rest[ul] != ' ') ||
                (rest[bl] && rest[bl] != ' '))
                return err_set(e, ERR_FAIL, "protocol: malformed metric '%.80s'", rest);
            if (result_add(&r->res, name, unit, better_parse(better), v, e) < 0) return -1;
        } else if (strcmp(line, "fact") == 0) {
            if (kv_line(&r->res.facts, rest, e) < 0) return -1;
        } else if (strcmp(line, "raw") == 0) {
            result_raw_append(&r->res, rest);
            result_raw_append(&r->res, "\n");
        } else {
            return err_set(e, ERR_FAIL, "protocol: unknown reply line '%.40s'", line);
        }
    }
    if (version != PROTO_VERSION)
        return err_set(e, ERR_FAIL, "protocol: not an isobench v%d reply", PROTO_VERSION);
    if (!have_status) return err_set(e, ERR_FAIL, "protocol: reply without status");
    if (!r->ok && r->err.code == 0) r->err.code = ERR_FAIL;
    return 0;
}

int proto_send_ready(int fd, struct err *e)
{
    char p[32];
    snprintf(p, sizeof(p), "ready %d", PROTO_VERSION);
    return proto_send(fd, p, e);
}

int proto_send_cancel(int fd, struct err *e)
{
    return proto_send(fd, "cancel", e);
}

int proto_send_fatal(int fd, const char *msg, struct err *e)
{
    char p[sizeof(e->msg) + 8];
    snprintf(p, sizeof(p), "fatal %s", msg && *msg ? msg : "(no message)");
    for (char *c = p; *c; c++)
        if (*c == '\n') *c = ' ';
    return proto_send(fd, p, e);
}

int proto_is_cancel(const char *payload)
{
    return strcmp(payload, "cancel") == 0;
}

int proto_wait_ready(int fd, double timeout_s, struct err *e)
{
    char p[sizeof(e->msg) + 8];
    if (proto_recv(fd, p, sizeof(p), timeout_s, e) < 0) return -1;
    if (strncmp(p, "fatal ", 6) == 0) {
        err_set(e, ERR_FAIL, "%s", p + 6);
        return -2;
    }
    int v;
    char extra;
    if (sscanf(p, "ready %d%c", &v, &extra) != 1)
        return err_set(e, ERR_FAIL, "protocol: '%.60s' where the agent's ready belongs", p);
    if (v != PROTO_VERSION)
        return err_set(e, ERR_FAIL, "protocol: the agent speaks version %d, this isobench %d", v,
                       PROTO_VERSION);
    return 0;
}

int proto_send(int fd, const char *payload, struct err *e)
{
    char hdr[32];
    size_t len = strlen(payload);
    int n = snprintf(hdr, sizeof(hdr), "%zu\n", len);
    if (util_write_all(fd, hdr, (size_t)n) < 0 || util_write_all(fd, payload, len) < 0)
        return err_sys(e, ERR_FAIL, errno, "protocol: write failed");
    return 0;
}

/* Reads exactly len bytes before the deadline (monotonic seconds, 0: none). */
static int eintr_retry;

void proto_eintr_retry(int on)
{
    eintr_retry = on;
}

static int read_full(int fd, char *buf, size_t len, double deadline, struct err *e)
{
    size_t got = 0;
    while (got < len) {
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - util_now();
            if (left <= 0) return err_set(e, ERR_FAIL, "timed out waiting for the agent");
            ms = (int)(left * 1000) + 1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, ms);
        if (pr < 0 && errno == EINTR && eintr_retry) continue;
        if (pr < 0 && errno == EINTR) return err_set(e, ERR_FAIL, "interrupted");
        if (pr < 0) return err_sys(e, ERR_FAIL, errno, "poll");
        if (pr == 0) continue;
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR && eintr_retry) continue;
        if (n < 0 && errno == EINTR) return err_set(e, ERR_FAIL, "interrupted");
        if (n < 0) return err_sys(e, ERR_FAIL, errno, "protocol: read failed");
        if (n == 0) return err_set(e, ERR_FAIL, "the agent closed the channel without a reply");
        got += (size_t)n;
    }
    return 0;
}

int proto_recv(int fd, char *buf, size_t cap, double timeout_s, struct err *e)
{
    double deadline = timeout_s > 0 ? util_now() + timeout_s : 0;
    char hdr[32];
    size_t i = 0;
    for (;;) {
        if (i >= sizeof(hdr) - 1) return err_set(e, ERR_FAIL, "protocol: bad frame header");
        if (read_full(fd, &hdr[i], 1, deadline, e) < 0) return -1;
        if (hdr[i] == '\n') break;
        if (hdr[i] < '0' || hdr[i] > '9') return err_set(e, ERR_FAIL, "protocol: bad frame header");
        i++;
    }
    hdr[i] = '\0';
    size_t len = strtoull(hdr, NULL, 10);
    if (i == 0 || len >= cap) return err_set(e, ERR_FAIL, "protocol: frame of %zu bytes", len);
    if (read_full(fd, buf, len, deadline, e) < 0) return -1;
    buf[len] = '\0';
    return 0;
}
