/* libFuzzer target: the HTTP response parser (what a server under load
 * sends, which isobench does not control). Never a crash; the first byte
 * picks how the rest is split into reads, and a response parsed in pieces
 * must give what it gives whole: the same verdict, the same body, the
 * same end - and a body inside the bytes it came in. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/lib/hparse.h"

/* Parses data[0..size) in reads of step bytes (0: whole), eof after the
 * last; the decoded body is copied out to body (size bytes at most). */
static int parse(const uint8_t *data, size_t size, size_t step, char *body, size_t *blen,
                 size_t *used)
{
    char *buf = malloc(size ? size : 1);
    struct hresp h;
    hresp_init(&h);
    const char *why;
    int rc = 0;
    size_t have = 0;
    *used = 0;
    do {
        size_t n = step && size - have > step ? step : size - have;
        memcpy(buf + have, data + have, n);
        have += n;
        rc = hresp_feed(&h, buf, have, have == size, used, &why);
    } while (rc == 0 && have < size);
    *blen = 0;
    if (rc == 1) {
        if (h.body_at + h.body_len > have || *used > have || h.body_len > size) abort();
        memcpy(body, buf + h.body_at, h.body_len);
        *blen = h.body_len;
    }
    free(buf);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t step = 1 + data[0] % 64;
    data++, size--;
    char *a = malloc(size + 1), *b = malloc(size + 1);
    size_t alen, blen, aused, bused;
    int ra = parse(data, size, 0, a, &alen, &aused);
    int rb = parse(data, size, step, b, &blen, &bused);
    /* in pieces, a response may end before the last byte arrived: then
     * the whole-buffer parse ends at the same place */
    if (ra != rb || (ra == 1 && (alen != blen || aused != bused || memcmp(a, b, alen)))) abort();
    free(a);
    free(b);
    return 0;
}
