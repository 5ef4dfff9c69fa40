/* proc_run: argv passed as is (no shell, no quoting), output captured and
 * cut with a flag, stderr only when asked, a log instead of a capture, the
 * exit status returned, a timeout that kills, a missing program said
 * plainly; proc_ldd lists a real binary's libraries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"

static void argv_is_not_a_shell(void **state)
{
    (void)state;
    char out[128];
    struct err e = {0};
    char *const argv[] = {"printf", "%s|", "a 'b\" c; $(false) *", NULL};
    assert_int_equal(proc_run(argv, NULL, out, sizeof(out), NULL, &e), 0);
    assert_string_equal(out, "a 'b\" c; $(false) *|");
    char *const cpus[] = {"grep", "Cpus_allowed_list", "/proc/self/status", NULL};
    const struct proc_opts pin = {.pin = 1, .cpu = 0};
    assert_int_equal(proc_run(cpus, &pin, out, sizeof(out), NULL, &e), 0);
    assert_string_equal(out, "Cpus_allowed_list:\t0\n");
    char *const f[] = {"false", NULL};
    assert_int_equal(proc_run(f, NULL, NULL, 0, NULL, &e), 1);
}

static void streams_and_truncation(void **state)
{
    (void)state;
    char out[64];
    int trunc = -1;
    struct err e = {0};
    char *const both[] = {"sh", "-c", "echo out; echo err >&2", NULL};
    assert_int_equal(proc_run(both, NULL, out, sizeof(out), &trunc, &e), 0);
    assert_string_equal(out, "out\n");
    assert_int_equal(trunc, 0);
    const struct proc_opts se = {.with_stderr = 1};
    assert_int_equal(proc_run(both, &se, out, sizeof(out), NULL, &e), 0);
    assert_non_null(strstr(out, "err"));
    char *const many[] = {"seq", "1", "100000", NULL};
    char small[16];
    assert_int_equal(proc_run(many, NULL, small, sizeof(small), &trunc, &e), 0);
    assert_int_equal(trunc, 1);
    assert_int_equal(strlen(small), 15);
    assert_string_equal(small, "1\n2\n3\n4\n5\n6\n7\n8");
}

static void log_timeout_missing(void **state)
{
    (void)state;
    struct err e = {0};
    char log[] = "/tmp/proc-test-XXXXXX";
    int fd = mkstemp(log);
    assert_true(fd >= 0);
    close(fd);
    char *const both[] = {"sh", "-c", "echo to-log; echo err-log >&2", NULL};
    const struct proc_opts lo = {.log = log};
    assert_int_equal(proc_run(both, &lo, NULL, 0, NULL, &e), 0);
    char buf[128];
    assert_int_equal(util_read_file(log, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "to-log\nerr-log");
    unlink(log);

    char *const slow[] = {"sleep", "5", NULL};
    const struct proc_opts to = {.timeout_s = 0.2};
    double t0 = util_now();
    assert_int_equal(proc_run(slow, &to, NULL, 0, NULL, &e), -1);
    assert_true(util_now() - t0 < 2.0);
    assert_non_null(strstr(e.msg, "did not finish"));
    /* a program that closes its output but keeps running is still timed */
    char *const quiet[] = {"sh", "-c", "exec >/dev/null 2>&1; sleep 5", NULL};
    t0 = util_now();
    assert_int_equal(proc_run(quiet, &to, NULL, 0, NULL, &e), -1);
    assert_true(util_now() - t0 < 2.0);

    char *const none[] = {"/nonexistent/isobench-tool", "x", NULL};
    assert_int_equal(proc_run(none, NULL, NULL, 0, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "not installed"));
}

static int count_lib(void *arg, const char *path)
{
    int *n = arg;
    assert_true(path[0] == '/');
    if (strstr(path, "libc.so")) (*n)++;
    return 0;
}

static void ldd_lists_libc(void **state)
{
    (void)state;
    struct err e = {0};
    int libc = 0;
    assert_int_equal(proc_ldd("/bin/true", count_lib, &libc, &e), 0);
    assert_int_equal(libc, 1);
    assert_int_equal(proc_ldd("/nonexistent/bin", count_lib, &libc, &e), -1);
}

/* A long-lived program on a socketpair: what we write comes back (cat),
 * its stderr lands in the log, EOF ends it; a program that is not there
 * exits 127. */
static void spawn_stdio(void **state)
{
    (void)state;
    char log[] = "/tmp/isobench-test-spawn-XXXXXX";
    int lfd = mkstemp(log);
    assert_true(lfd >= 0);
    close(lfd);
    char *cat[] = {"sh", "-c", "echo said >&2; exec cat", NULL};
    struct proc_opts o = {.log = log};
    struct err e = {0};
    pid_t pid;
    int fd;
    assert_int_equal(proc_spawn(cat, &o, &pid, &fd, &e), 0);
    assert_int_equal(util_write_all(fd, "ping\n", 5), 0);
    char buf[16] = "";
    size_t got = 0;
    while (got < 5) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_string_equal(buf, "ping\n");
    shutdown(fd, SHUT_WR); /* EOF: cat ends */
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(fd);
    char said[64];
    assert_int_equal(util_read_file(log, said, sizeof(said)), 0);
    assert_string_equal(said, "said");
    char *none[] = {"/nonexistent/isobench-no-such-program", NULL};
    assert_int_equal(proc_spawn(none, &o, &pid, &fd, &e), 0);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_int_equal(WEXITSTATUS(st), 127);
    close(fd);
    struct proc_opts nolog = {0};
    assert_int_equal(proc_spawn(cat, &nolog, &pid, &fd, &e), -1); /* a log is required */
    /* the channel on fd 3, stdin and stdout on /dev/null (a runtime's CLI
     * handing the agent its fd); a log that must be new is refused when it exists */
    char *fd3[] = {"sh", "-c", "read l <&3; echo \"got $l\" >&3; read x; echo out", NULL};
    struct proc_opts o3 = {.log = log, .chan_fd3 = 1};
    assert_int_equal(proc_spawn(fd3, &o3, &pid, &fd, &e), 0);
    assert_int_equal(util_write_all(fd, "x\n", 2), 0);
    memset(buf, 0, sizeof(buf));
    got = 0;
    while (got < 6) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_string_equal(buf, "got x\n");
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* stdin was /dev/null: read x ended */
    close(fd);
    struct proc_opts onew = {.log = log, .log_new = 1};
    assert_int_equal(proc_spawn(cat, &onew, &pid, &fd, &e), -1);
    unlink(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(argv_is_not_a_shell), cmocka_unit_test(streams_and_truncation),
        cmocka_unit_test(log_timeout_missing), cmocka_unit_test(ldd_lists_libc),
        cmocka_unit_test(spawn_stdio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
