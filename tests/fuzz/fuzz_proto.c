/* libFuzzer target: the runner <-> agent protocol decoders, every frame
 * type (job, reply, ready/fatal/cancel control frames). Properties: never
 * a crash; a decoded job or reply encodes again (or is refused cleanly)
 * and decodes back to the same fields - so nothing the runner and agent
 * exchange is cut or altered on the way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "core/proto.h"

static char buf[PROTO_MAX];

static void job_roundtrip(const char *s)
{
    static struct job j, back;
    struct err e = {0};
    if (proto_decode_job(s, &j, &e) < 0) return;
    if (proto_encode_job(&j, buf, sizeof(buf), &e) < 0) return;
    if (proto_decode_job(buf, &back, &e) < 0) abort();
    if (strcmp(j.workload, back.workload) || j.size != back.size || strcmp(j.role, back.role) ||
        strcmp(j.addr, back.addr) || j.port != back.port || strcmp(j.data, back.data) ||
        strcmp(j.secret, back.secret) || j.opts.n != back.opts.n)
        abort();
}

static void reply_roundtrip(const char *s)
{
    static struct reply r, back;
    struct err e = {0};
    if (proto_decode_reply(s, &r, &e) < 0) return;
    if (proto_encode_reply(&r, buf, sizeof(buf), &e) < 0) return;
    if (proto_decode_reply(buf, &back, &e) < 0) abort();
    if (r.ok != back.ok || (r.ok && r.res.n != back.res.n) || r.res.facts.n != back.res.facts.n)
        abort();
    for (int i = 0; r.ok && i < r.res.n; i++)
        if (strcmp(r.res.m[i].name, back.res.m[i].name) || r.res.m[i].value != back.res.m[i].value)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= PROTO_MAX) return 0; /* proto_recv refuses larger frames */
    char *s = fuzz_cstr(data, size);
    if (!s) return 0;
    job_roundtrip(s);
    reply_roundtrip(s);
    proto_is_cancel(s);
    free(s);
    return 0;
}
