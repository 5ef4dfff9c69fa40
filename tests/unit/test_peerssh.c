/* test_peerssh - run --peer ssh://: the URL's checks, the ssh command
 * line (host keys always checked), the hello handshake's refusals and an
 * agent --stdio's handshake over a socketpair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/hello.h"
#include "core/proto.h"
#include "envs/lib/peerssh.h"
#include "report/report.h"

static void url_good(void **state)
{
    (void)state;
    struct peer_url u;
    struct err e = {0};
    assert_int_equal(peer_url_parse("ssh://bench-2.lab.example", &u, &e), 0);
    assert_string_equal(u.host, "bench-2.lab.example");
    assert_string_equal(u.user, "");
    assert_int_equal(u.port, 0);
    assert_int_equal(peer_url_parse("ssh://ops_1@10.0.0.7:2222", &u, &e), 0);
    assert_string_equal(u.user, "ops_1");
    assert_string_equal(u.host, "10.0.0.7");
    assert_int_equal(u.port, 2222);
    assert_string_equal(u.text, "ssh://ops_1@10.0.0.7:2222");
}

static void url_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",          "host",          "http://h",    "ssh://",     "ssh://h:",
        "ssh://h:0", "ssh://h:65536", "ssh://h:22x", "ssh://h/",   "ssh://h?x",
        "ssh://@h",  "ssh://a@b@c",   "ssh://-oX=y", "ssh://u@-h", "ssh://-u@h",
        "ssh://h h", "ssh://[::1]",   "ssh://h;rm",  "ssh://.h",   "ssh://u@",
        "ssh://h\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct peer_url u;
        struct err e = {0};
        if (peer_url_parse(bad[i], &u, &e) != -1) fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(e.code, ERR_USAGE);
        assert_null(strchr(e.msg, '\n')); /* one line */
    }
    char longer[400];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    memcpy(longer, "ssh://", 6);
    struct peer_url u;
    struct err e = {0};
    assert_int_equal(peer_url_parse(longer, &u, &e), -1);
}

/* Joins argv with single spaces into buf. */
static void joined(char *const *argv, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; argv[i]; i++) {
        strncat(buf, argv[i], len - strlen(buf) - 1);
        if (argv[i + 1]) strncat(buf, " ", len - strlen(buf) - 1);
    }
}

static void ssh_argv(void **state)
{
    (void)state;
    struct peer_url u;
    struct peer_ssh_argv a;
    struct err e = {0};
    char line[1024];
    assert_int_equal(peer_url_parse("ssh://bench@peer.example:2200", &u, &e), 0);
    assert_int_equal(peer_ssh_argv(&u, NULL, 0, &a, &e), 0);
    joined(a.argv, line, sizeof(line));
    assert_string_equal(line, "ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o "
                              "ServerAliveInterval=5 -o ServerAliveCountMax=3 -o "
                              "ConnectTimeout=20 -p 2200 -- bench@peer.example isobench agent "
                              "--stdio");
    assert_null(strstr(line, "StrictHostKeyChecking=no"));
    assert_null(strstr(line, "UserKnownHostsFile=/dev/null"));
    /* a config file (ISOBENCH_SSH_CONFIG) and the -G query */
    assert_int_equal(peer_url_parse("ssh://10.1.2.3", &u, &e), 0);
    assert_int_equal(peer_ssh_argv(&u, "/tmp/cfg", 1, &a, &e), 0);
    joined(a.argv, line, sizeof(line));
    assert_string_equal(line, "ssh -F /tmp/cfg -G -T -o BatchMode=yes -o StrictHostKeyChecking=yes "
                              "-o ServerAliveInterval=5 -o ServerAliveCountMax=3 -o "
                              "ConnectTimeout=20 -- 10.1.2.3");
    /* every argument a word of its own: the destination is never an option */
    int dd = -1;
    for (int i = 0; a.argv[i]; i++)
        if (!strcmp(a.argv[i], "--")) dd = i;
    assert_true(dd > 0);
    assert_string_equal(a.argv[dd + 1], "10.1.2.3");
}

static void hello_roundtrip_and_mismatch(void **state)
{
    (void)state;
    struct hello me, back, other;
    struct err e = {0};
    char buf[512];
    hello_local(&me);
    assert_true(strlen(me.build) > 0);
    assert_non_null(strchr(me.host, '/'));
    assert_int_equal(me.proto, PROTO_VERSION);
    assert_int_equal(hello_encode(&me, buf, sizeof(buf), &e), 0);
    assert_int_equal(hello_decode(buf, &back, &e), 0);
    assert_string_equal(back.version, me.version);
    assert_string_equal(back.build, me.build);
    assert_string_equal(back.host, me.host);
    assert_int_equal(hello_check(&me, "runner", &back, "peer agent", &e), 0);
    /* another host: the same binary is welcome */
    other = me;
    snprintf(other.host, sizeof(other.host), "0123456789ab/bench-2");
    assert_int_equal(hello_check(&me, "runner", &other, "peer agent", &e), 0);
    /* another version, protocol or build: refused, one line naming both */
    struct {
        const char *field, *what;
    } cases[] = {{"version", "isobench version mismatch"},
                 {"proto", "protocol version mismatch"},
                 {"build", "build mismatch"}};
    for (size_t i = 0; i < 3; i++) {
        other = me;
        snprintf(other.host, sizeof(other.host), "0123456789ab/bench-2");
        if (i == 0) snprintf(other.version, sizeof(other.version), "9.9.9");
        if (i == 1) other.proto = PROTO_VERSION + 1;
        if (i == 2) snprintf(other.build, sizeof(other.build), "deadbeefdeadbeef");
        memset(&e, 0, sizeof(e));
        assert_int_equal(hello_check(&me, "runner", &other, "peer agent", &e), -1);
        assert_non_null(strstr(e.msg, cases[i].what));
        assert_non_null(strstr(e.msg, "runner"));
        assert_non_null(strstr(e.msg, "peer agent 0123456789ab/bench-2"));
        assert_non_null(strstr(e.msg, me.host));
        assert_null(strchr(e.msg, '\n'));
    }
    assert_int_equal(hello_decode("ready 1", &back, &e), -1);
    assert_int_equal(hello_decode("hello isobench=1 proto=x build=a host=b", &back, &e), -1);
    assert_int_equal(hello_decode("hello isobench=1 proto=1 host=b", &back, &e), -1);
    snprintf(other.version, sizeof(other.version), "1 2");
    assert_int_equal(hello_encode(&other, buf, sizeof(buf), &e), -1);
}

/* `isobench agent --stdio` (ISOBENCH_BIN) on a socketpair: it says hello
 * first; a runner's hello of another build gets a fatal frame naming both
 * sides, and the agent exits non-zero. */
static void agent_refuses_mismatch(void **state)
{
    (void)state;
    const char *bin = getenv("ISOBENCH_BIN");
    if (!bin) skip();
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        close(sv[0]);
        execl(bin, "isobench", "agent", "--stdio", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    char buf[600];
    struct err e = {0};
    struct hello theirs, mine;
    assert_int_equal(proto_recv(sv[0], buf, sizeof(buf), 20, &e), 0);
    assert_int_equal(hello_decode(buf, &theirs, &e), 0);
    hello_local(&mine);
    snprintf(mine.build, sizeof(mine.build), "0000000000000000");
    assert_int_equal(hello_encode(&mine, buf, sizeof(buf), &e), 0);
    assert_int_equal(proto_send(sv[0], buf, &e), 0);
    assert_int_equal(proto_wait_ready(sv[0], 20, &e), -2);
    assert_non_null(strstr(e.msg, "build mismatch"));
    assert_non_null(strstr(e.msg, "runner"));
    close(sv[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
}

/* The report's host section: the peer host's facts, or nothing. */
static void report_peer_line(void **state)
{
    (void)state;
    struct run_view *rv = calloc(1, sizeof(*rv));
    char buf[1024];
    assert_int_equal(report_peer_text(rv, buf, sizeof(buf)), -1);
    kv_set(&rv->host, "peer.url", "ssh://b@10.0.0.7", NULL);
    kv_set(&rv->host, "peer.nic_driver", "ixgbe", NULL);
    kv_set(&rv->host, "peer.nic_mtu", "9000", NULL);
    kv_set(&rv->host, "peer.base_rtt_ms", "0.041", NULL);
    assert_int_equal(report_peer_text(rv, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "ssh://b@10.0.0.7 ("));
    assert_non_null(strstr(buf, "ixgbe"));
    assert_non_null(strstr(buf, "MTU 9000"));
    assert_non_null(strstr(buf, "base RTT 0.041 ms"));
    assert_non_null(strstr(buf, "kernel ?")); /* a fact not stored is shown unknown */
    free(rv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_good),
        cmocka_unit_test(url_bad),
        cmocka_unit_test(ssh_argv),
        cmocka_unit_test(hello_roundtrip_and_mismatch),
        cmocka_unit_test(agent_refuses_mismatch),
        cmocka_unit_test(report_peer_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
