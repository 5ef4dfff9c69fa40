#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/proto.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(job_roundtrip),
        cmocka_unit_test(reply_roundtrip_keeps_precision),
        cmocka_unit_test(frames_over_socketpair),
        cmocka_unit_test(agent_handles_null_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
