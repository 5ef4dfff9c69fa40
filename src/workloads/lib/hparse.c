#include "workloads/lib/hparse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Steps of a chunked body besides "n data bytes left" (>= 0). */
#define HP_SIZE -1     /* a chunk-size line is next */
#define HP_DATA_END -2 /* the CRLF after a chunk's data is next */
#define HP_TRAILER -3  /* trailer lines, up to an empty one */

void hresp_init(struct hresp *h)
{
    memset(h, 0, sizeof(*h));
    h->clen = -1;
    h->chunk_left = HP_SIZE;
}

/* 1 when line[0..n) is header `name` (case-insensitive); its value, with
 * the spaces around it trimmed, in (*v, *vn). */
static int header_is(const char *line, size_t n, const char *name, const char **v, size_t *vn)
{
    size_t k = strlen(name);
    if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0) return 0;
    const char *s = line + k + 1, *end = line + n;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *v = s;
    *vn = (size_t)(end - s);
    return 1;
}

/* 1 if the comma list (v, vn) holds token tok (case-insensitive). */
static int has_token(const char *v, size_t vn, const char *tok)
{
    size_t k = strlen(tok);
    for (size_t i = 0; i + k <= vn; i++)
        if (strncasecmp(v + i, tok, k) == 0 && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
            (i + k == vn || v[i + k] == ',' || v[i + k] == ' ' || v[i + k] == ';'))
            return 1;
    return 0;
}

/* The status line and the headers that frame the body. */
static int parse_head(struct hresp *h, const char *buf, size_t end, const char **why)
{
    if (end < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || (buf[7] != '0' && buf[7] != '1') ||
        buf[8] != ' ')
        return *why = "not an HTTP/1.x status line", -1;
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (buf[i] < '0' || buf[i] > '9') return *why = "bad status code", -1;
        code = code * 10 + (buf[i] - '0');
    }
    if (code < 200 || code > 599) return *why = "status code out of range", -1;
    h->status = code;
    h->close = buf[7] == '0'; /* HTTP/1.0: closes unless it says keep-alive */
    const char *p = memchr(buf, '\n', end);
    while (p && (size_t)(p + 1 - buf) < end) {
        const char *line = p + 1;
        const char *nl = memchr(line, '\n', end - (size_t)(line - buf));
        if (!nl) break;
        size_t n = (size_t)(nl - line);
        if (n && line[n - 1] == '\r') n--;
        const char *v;
        size_t vn;
        if (header_is(line, n, "Content-Length", &v, &vn)) {
            int64_t x = 0;
            if (vn == 0 || vn > 15) return *why = "bad Content-Length", -1;
            for (size_t i = 0; i < vn; i++) {
                if (v[i] < '0' || v[i] > '9') return *why = "bad Content-Length", -1;
                x = x * 10 + (v[i] - '0');
            }
            if (h->clen >= 0 && h->clen != x) return *why = "two Content-Lengths", -1;
            h->clen = x;
        } else if (header_is(line, n, "Transfer-Encoding", &v, &vn)) {
            if (!has_token(v, vn, "chunked")) return *why = "unknown Transfer-Encoding", -1;
            h->chunked = 1;
        } else if (header_is(line, n, "Connection", &v, &vn)) {
            if (has_token(v, vn, "close")) h->close = 1;
            if (has_token(v, vn, "keep-alive")) h->close = 0;
        } else if (header_is(line, n, "Server", &v, &vn)) {
            snprintf(h->server, sizeof(h->server), "%.*s", (int)vn, v);
        }
        p = nl;
    }
    if (h->chunked) h->clen = -1; /* RFC 9112 6.3: chunked wins */
    if (code == 204 || code == 304) h->clen = 0, h->chunked = 0;
    return 0;
}

/* Decodes what it can of a chunked body, in place. 1: the last chunk and
 * its trailers are in; 0: more needed; -1: malformed. */
static int parse_chunks(struct hresp *h, char *buf, size_t len, const char **why)
{
    for (;;) {
        if (h->chunk_left > 0) {
            size_t n = len - h->raw;
            if ((int64_t)n > h->chunk_left) n = (size_t)h->chunk_left;
            if (n == 0) return 0;
            memmove(buf + h->body_at + h->body_len, buf + h->raw, n);
            h->body_len += n;
            h->raw += n;
            h->chunk_left -= (int64_t)n;
            if (h->chunk_left == 0) h->chunk_left = HP_DATA_END;
            continue;
        }
        const char *nl = memchr(buf + h->raw, '\n', len - h->raw);
        if (!nl) return len - h->raw > 1024 ? (*why = "chunk line too long", -1) : 0;
        size_t n = (size_t)(nl - (buf + h->raw)), next = h->raw + n + 1;
        /* the same limit when the line came whole: a response's verdict
         * must not depend on how its bytes were split into reads */
        if (n > 1024) return *why = "chunk line too long", -1;
        if (n && buf[h->raw + n - 1] == '\r') n--;
        if (h->chunk_left == HP_DATA_END) {
            if (n != 0) return *why = "no CRLF after chunk data", -1;
            h->chunk_left = HP_SIZE;
        } else if (h->chunk_left == HP_TRAILER) {
            h->raw = next;
            if (n == 0) return 1;
            continue;
        } else { /* HP_SIZE: hex digits, maybe ";extensions" */
            int64_t sz = 0;
            size_t i = 0;
            for (; i < n; i++) {
                char c = buf[h->raw + i];
                int d = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
                if (d < 0) break;
                if (i >= 15) return *why = "chunk size too large", -1;
                sz = sz * 16 + d;
            }
            if (i == 0 || (i < n && buf[h->raw + i] != ';' && buf[h->raw + i] != ' '))
                return *why = "bad chunk size", -1;
            h->chunk_left = sz == 0 ? HP_TRAILER : sz;
        }
        h->raw = next;
    }
}

int hresp_feed(struct hresp *h, char *buf, size_t len, int eof, size_t *used, const char **why)
{
    *why = "";
    if (!h->head_done) {
        const char *end = NULL;
        size_t scan = h->raw > 3 ? h->raw - 3 : 0;
        if (len > scan) end = memmem(buf + scan, len - scan, "\r\n\r\n", 4);
        if (!end) {
            h->raw = len;
            if (len > HPARSE_MAX_HEAD) return *why = "response head too long", -1;
            return eof ? (*why = len ? "closed inside the head" : "closed with no response", -1)
                       : 0;
        }
        size_t hend = (size_t)(end - buf) + 4;
        if (hend > HPARSE_MAX_HEAD) return *why = "response head too long", -1;
        if (parse_head(h, buf, hend, why) < 0) return -1;
        h->head_done = 1;
        h->body_at = h->raw = hend;
    }
    if (h->chunked) {
        int rc = parse_chunks(h, buf, len, why);
        if (rc == 0 && eof) return *why = "closed inside a chunked body", -1;
        if (rc == 1) *used = h->raw;
        return rc;
    }
    if (h->clen >= 0) {
        if ((int64_t)(len - h->body_at) >= h->clen) {
            h->body_len = (size_t)h->clen;
            *used = h->raw = h->body_at + (size_t)h->clen;
            return 1;
        }
        h->body_len = len - h->body_at;
        h->raw = len;
        return eof ? (*why = "closed before Content-Length bytes", -1) : 0;
    }
    /* no length: the body runs until the server closes */
    h->body_len = len - h->body_at;
    h->raw = len;
    h->close = 1;
    if (!eof) return 0;
    *used = len;
    return 1;
}
