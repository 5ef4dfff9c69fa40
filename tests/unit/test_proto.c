#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/proto.h"
#include "core/util.h"
#include "envs/vm/cmdline.h"

static void job_roundtrip(void **state)
{
    (void)state;
    struct job j = {.workload = "stream", .size = SIZE_TINY}, back;
    struct err e = {0};
    kv_set(&j.opts, "array-size", "134217728", &e);
    kv_set(&j.opts, "input", "/tmp/a b", &e);
    char buf[PROTO_MAX];
    assert_int_equal(proto_encode_job(&j, buf, sizeof(buf), &e), 0);
    assert_int_equal(proto_decode_job(buf, &back, &e), 0);
    assert_string_equal(back.workload, "stream");
    assert_int_equal(back.size, SIZE_TINY);
    assert_string_equal(kv_get(&back.opts, "input"), "/tmp/a b");
    assert_int_equal(proto_decode_job("workload x\nsize tiny\n", &back, &e), -1);
    assert_int_equal(proto_decode_job("isobench 1\nbogus 1\n", &back, &e), -1);
    assert_string_equal(back.secret, ""); /* none unless the runner set one */
    /* a field longer than its slot is refused, never cut */
    char big[600];
    snprintf(big, sizeof(big), "isobench 1\nworkload null\nsize tiny\ndata /%0300d\n", 0);
    assert_int_equal(proto_decode_job(big, &back, &e), -1);
    assert_non_null(strstr(e.msg, "data of 301 bytes"));
    struct reply rb;
    snprintf(big, sizeof(big), "isobench 1\nstatus ok\nmetric %060d u higher 1.5\n", 0);
    assert_int_equal(proto_decode_reply(big, &rb, &e), -1);
    assert_int_equal(
        proto_decode_reply("isobench 1\nstatus ok\nmetric a u higher 1.5 junk\n", &rb, &e), -1);
    assert_int_equal(proto_decode_reply("isobench 1\nstatus ok\nmetric a u higher 1.5\n", &rb, &e),
                     0);
    /* a network job's password: hex digits cross, anything else is refused
     * both ways (it lands in a server's configuration) */
    assert_int_equal(util_random_hex(j.secret, 33, &e), 0);
    assert_int_equal(proto_encode_job(&j, buf, sizeof(buf), &e), 0);
    assert_int_equal(proto_decode_job(buf, &back, &e), 0);
    assert_string_equal(back.secret, j.secret);
    snprintf(j.secret, sizeof(j.secret), "abc' OR 1=1 --x");
    assert_int_equal(proto_encode_job(&j, buf, sizeof(buf), &e), -1);
    assert_int_equal(
        proto_decode_job("isobench 1\nworkload redis\nsize tiny\nsecret 12ab\n", &back, &e), -1);
    assert_int_equal(
        proto_decode_job("isobench 1\nworkload redis\nsize tiny\nsecret 0123456789abcdeX\n", &back,
                         &e),
        -1);
}

static void reply_roundtrip_keeps_precision(void **state)
{
    (void)state;
    struct reply r = {.ok = 1}, back;
    struct err e = {0};
    assert_int_equal(result_add(&r.res, "triad", "GB/s", BETTER_HIGHER, 1.0 / 3.0, &e), 0);
    assert_int_equal(result_add(&r.res, "p99", "us", BETTER_LOWER, 12345.678, &e), 0);
    assert_int_equal(result_add(&r.res, "bad", "x", BETTER_LOWER, NAN, &e), -1);
    kv_set(&r.res.facts, "ns.pid", "pid:[4026531836]", &e);
    char buf[PROTO_MAX];
    assert_int_equal(proto_encode_reply(&r, buf, sizeof(buf), &e), 0);
    assert_int_equal(proto_decode_reply(buf, &back, &e), 0);
    assert_true(back.ok);
    assert_int_equal(back.res.n, 2);
    assert_true(back.res.m[0].value == 1.0 / 3.0);
    assert_int_equal(back.res.m[1].better, BETTER_LOWER);
    assert_string_equal(kv_get(&back.res.facts, "ns.pid"), "pid:[4026531836]");

    struct reply f = {.ok = 0};
    err_set(&f.err, ERR_FAIL, "broken\nacross lines");
    assert_int_equal(proto_encode_reply(&f, buf, sizeof(buf), &e), 0);
    assert_int_equal(proto_decode_reply(buf, &back, &e), 0);
    assert_false(back.ok);
    assert_int_equal(back.err.code, ERR_FAIL);
    assert_string_equal(back.err.msg, "broken across lines");
}

static void frames_over_socketpair(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct err e = {0};
    char buf[128];
    assert_int_equal(proto_send(sv[0], "hello\nworld", &e), 0);
    assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), 5, &e), 0);
    assert_string_equal(buf, "hello\nworld");
    /* Nothing sent: times out. */
    assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), 0.05, &e), -1);
    assert_non_null(strstr(e.msg, "timed out"));
    /* Too large for the buffer. */
    assert_int_equal(proto_send(sv[0], "0123456789", &e), 0);
    assert_int_equal(proto_recv(sv[1], buf, 5, 5, &e), -1);
    /* Garbage header. */
    assert_int_equal(write(sv[0], "x\n", 2), 2);
    close(sv[0]);
    char big[64];
    int sv2[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2), 0);
    assert_int_equal(write(sv2[0], "zz\n", 3), 3);
    assert_int_equal(proto_recv(sv2[1], big, sizeof(big), 5, &e), -1);
    /* Peer closed without a reply. */
    close(sv2[0]);
    assert_int_equal(proto_recv(sv2[1], big, sizeof(big), 5, &e), -1);
    close(sv2[1]);
    close(sv[1]);
}

static void agent_handles_null_and_unknown(void **state)
{
    (void)state;
    struct err e = {0};
    char out[PROTO_MAX];
    struct reply r;
    assert_int_equal(agent_handle("isobench 1\nworkload null\nsize tiny\n", out, sizeof(out), &e),
                     0);
    assert_int_equal(proto_decode_reply(out, &r, &e), 0);
    assert_true(r.ok);
    assert_string_equal(r.res.m[0].name, "elapsed");
    assert_non_null(kv_get(&r.res.facts, "ns.pid"));
    assert_int_equal(agent_handle("isobench 1\nworkload nope\nsize tiny\n", out, sizeof(out), &e),
                     0);
    assert_int_equal(proto_decode_reply(out, &r, &e), 0);
    assert_false(r.ok);
    assert_non_null(strstr(r.err.msg, "unknown workload"));
    assert_int_equal(
        agent_handle("isobench 1\nworkload null\nsize tiny\nopt fail=1\n", out, sizeof(out), &e),
        0);
    assert_int_equal(proto_decode_reply(out, &r, &e), 0);
    assert_false(r.ok);
    assert_int_equal(
        agent_handle("isobench 1\nworkload null\nsize tiny\nopt nokey=1\n", out, sizeof(out), &e),
        0);
    assert_int_equal(proto_decode_reply(out, &r, &e), 0);
    assert_false(r.ok);
    assert_int_equal(r.err.code, ERR_USAGE);
}

/* Every control frame round-trips; what the decoders could not read back
 * is refused when encoding; oversize, truncated, foreign and fatal frames
 * end in an error that says which. */
static void control_and_hostile_frames(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct err e = {0};
    char buf[2048];
    assert_int_equal(proto_send_ready(sv[0], &e), 0);
    assert_int_equal(proto_wait_ready(sv[1], 2, &e), 0);
    assert_int_equal(proto_send(sv[0], "ready 2", &e), 0);
    assert_int_equal(proto_wait_ready(sv[1], 2, &e), -1);
    assert_non_null(strstr(e.msg, "speaks version 2"));
    assert_int_equal(proto_send_fatal(sv[0], "mounting /data:\nno such device", &e), 0);
    assert_int_equal(proto_wait_ready(sv[1], 2, &e), -2);
    assert_string_equal(e.msg, "mounting /data: no such device");
    assert_int_equal(proto_send(sv[0], "status ok", &e), 0);
    assert_int_equal(proto_wait_ready(sv[1], 2, &e), -1);
    assert_non_null(strstr(e.msg, "where the agent's ready belongs"));
    assert_int_equal(proto_send_cancel(sv[0], &e), 0);
    assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), 2, &e), 0);
    assert_true(proto_is_cancel(buf));
    assert_false(proto_is_cancel("cancelled"));
    /* a fatal frame where a reply belongs: the agent's words, not "unknown reply line" */
    struct reply *r = calloc(1, sizeof(*r));
    assert_int_equal(proto_decode_reply("fatal the container in the guest: no cgroup", r, &e), -1);
    assert_string_equal(e.msg, "the container in the guest: no cgroup");
    assert_int_equal(proto_decode_reply("status ok\n", r, &e), -1); /* no version */
    assert_non_null(strstr(e.msg, "not an isobench v1 reply"));
    /* oversize: refused by its header, before reading it */
    assert_int_equal(write(sv[0], "999999\n", 7), 7);
    assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), 2, &e), -1);
    assert_non_null(strstr(e.msg, "frame of 999999 bytes"));
    close(sv[0]);
    close(sv[1]);
    /* truncated: the peer goes away mid-frame */
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(write(sv[0], "10\nabc", 6), 6);
    close(sv[0]);
    assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), 2, &e), -1);
    assert_non_null(strstr(e.msg, "closed the channel"));
    close(sv[1]);
    /* hostile tokens: refused when encoding */
    char *big = malloc(PROTO_MAX);
    struct job j = {.workload = "two words", .size = SIZE_TINY};
    assert_int_equal(proto_encode_job(&j, big, PROTO_MAX, &e), -1);
    snprintf(j.workload, sizeof(j.workload), "null");
    kv_set(&j.opts, "a key", "v", &e);
    assert_int_equal(proto_encode_job(&j, big, PROTO_MAX, &e), -1);
    memset(r, 0, sizeof(*r));
    r->ok = 1;
    assert_int_equal(result_add(&r->res, "p 99", "us", BETTER_LOWER, 1, &e), -1);
    r->res.n = 1; /* one put in behind result_add's back still does not get out */
    snprintf(r->res.m[0].name, sizeof(r->res.m[0].name), "p 99");
    snprintf(r->res.m[0].unit, sizeof(r->res.m[0].unit), "us");
    assert_int_equal(proto_encode_reply(r, big, PROTO_MAX, &e), -1);
    assert_non_null(strstr(e.msg, "single words"));
    memset(r, 0, sizeof(*r));
    r->ok = 1;
    kv_set(&r->res.facts, "k", "two\nlines", &e);
    assert_int_equal(proto_encode_reply(r, big, PROTO_MAX, &e), -1);
    assert_non_null(strstr(e.msg, "no newline"));
    memset(r, 0, sizeof(*r));
    assert_int_equal(proto_encode_reply(r, big, 8, &e), -1); /* does not fit */
    free(big);
    free(r);
}

/* The kernel command line keys between host and guest: whole words only. */
static void vm_cmdline_words(void **state)
{
    (void)state;
    char line[64] = "console=ttyS0", v[32];
    struct err e = {0};
    assert_int_equal(vm_cmdline_add(line, sizeof(line), VMK_IP, "10.0.0.2/24", &e), 0);
    assert_int_equal(vm_cmdline_add(line, sizeof(line), VMK_DISK, "1", &e), 0);
    assert_string_equal(line, "console=ttyS0 isobench.ip=10.0.0.2/24 isobench.disk=1");
    assert_int_equal(vm_cmdline_add(line, sizeof(line), VMK_ROOT, "vd a", &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_int_equal(vm_cmdline_add(line, sizeof(line), VMK_NESTED, "container", &e), -1);
    assert_string_equal(line, "console=ttyS0 isobench.ip=10.0.0.2/24 isobench.disk=1");
    assert_int_equal(vm_cmdline_get(line, VMK_IP, v, sizeof(v)), 1);
    assert_string_equal(v, "10.0.0.2/24");
    assert_int_equal(vm_cmdline_get("isobench.ipx=1 isobench.ip=5", VMK_IP, v, sizeof(v)), 1);
    assert_string_equal(v, "5");
    assert_int_equal(vm_cmdline_get("xisobench.disk=1", VMK_DISK, v, sizeof(v)), 0);
    assert_int_equal(vm_cmdline_get(line, VMK_ROOT, v, sizeof(v)), 0);
    assert_int_equal(vm_cmdline_get(line, VMK_IP, v, 4), 0); /* does not fit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(job_roundtrip),
        cmocka_unit_test(reply_roundtrip_keeps_precision),
        cmocka_unit_test(frames_over_socketpair),
        cmocka_unit_test(agent_handles_null_and_unknown),
        cmocka_unit_test(control_and_hostile_frames),
        cmocka_unit_test(vm_cmdline_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
