/* hparse.h - an incremental parser of one HTTP/1.1 response, for the HTTP
 * load generator (hload.c). The caller keeps the bytes received so far in
 * one buffer and feeds the whole buffer again after every read; the parser
 * remembers how far it got, so each byte is looked at about once. A
 * chunked body is decoded in place: the decoded body always sits
 * contiguous at buf + body_at, ahead of the bytes still to be parsed. */
#ifndef ISOBENCH_HPARSE_H
#define ISOBENCH_HPARSE_H

#include <stddef.h>
#include <stdint.h>

#define HPARSE_MAX_HEAD (16 * 1024) /* a longer response head is refused */

struct hresp {
    int head_done;
    int status;         /* the status line's code, once the head is in */
    int chunked;        /* Transfer-Encoding: chunked */
    int close;          /* the server closes after it (Connection: close, HTTP/1.0) */
    int64_t clen;       /* Content-Length; -1: none */
    size_t body_at;     /* where the decoded body starts in the buffer */
    size_t body_len;    /* decoded body bytes so far */
    size_t raw;         /* the first byte not parsed yet */
    int64_t chunk_left; /* chunked: data bytes left in this chunk, or an HP_* step */
    char server[64];    /* the Server header ("" if none; cut at 63 bytes) */
};

void hresp_init(struct hresp *h);

/* Parses buf[0..len) - everything received for this response so far; eof:
 * the peer has closed the connection. Returns 1 when the response is
 * complete (its body is buf[body_at .. body_at + body_len), *used the
 * bytes of buf it took: what follows belongs to no request), 0 when more
 * bytes are needed, -1 when the bytes are no HTTP/1.x response or it was
 * cut short by eof (*why says what; a static string). */
int hresp_feed(struct hresp *h, char *buf, size_t len, int eof, size_t *used, const char **why);

#endif
