/* The undo journal without root: objects are directories, files and a
 * child process under a temporary ISOBENCH_RUN_DIR. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/journal.h"

static char root[64];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/isobench-test-journal-XXXXXX");
    if (!mkdtemp(root)) return -1;
    return setenv("ISOBENCH_RUN_DIR", root, 1);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd);
}

static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static void unwind_in_reverse(void **state)
{
    (void)state;
    struct journal j;
    struct err e = {0};
    assert_int_equal(journal_open(&j, "run-a", &e), 0);
    char d[256], f[300], t[300], sub[400];
    snprintf(d, sizeof(d), "%s/obj", root);
    snprintf(f, sizeof(f), "%s/file", d);
    snprintf(t, sizeof(t), "%s/tree", root);
    snprintf(sub, sizeof(sub), "%s/a/b", t);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(journal_add(&j, "dir", d, &e), 0);
    FILE *fp = fopen(f, "w");
    fclose(fp);
    assert_int_equal(journal_add(&j, "file", f, &e), 0); /* must go before its dir */
    assert_int_equal(mkdir(t, 0700), 0);
    assert_int_equal(journal_add(&j, "rmtree", t, &e), 0);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && touch '%s/x'", sub, sub);
    assert_int_equal(system(cmd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    assert_int_equal(journal_add_pid(&j, pid, &e), 0);
    assert_int_equal(journal_add(&j, "bogus", "x", &e), 0); /* fails, unwind goes on */
    assert_int_equal(journal_unwind(&j), 1);
    assert_false(exists(d));
    assert_false(exists(t));
    /* The undo may have reaped our child itself (it waits with WNOHANG
     * for the kill to land); either way the child must be gone. */
    int st = 0;
    pid_t w = waitpid(pid, &st, 0);
    if (w == pid)
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    else
        assert_true(w < 0 && errno == ECHILD);
    assert_true(kill(pid, 0) < 0);
    char jdir[128];
    snprintf(jdir, sizeof(jdir), "%s/run-a", root);
    assert_true(exists(jdir)); /* kept: one step failed, cleanup can retry */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", jdir);
    assert_int_equal(system(cmd), 0);
}

static void cleanup_only_dead_owners(void **state)
{
    (void)state;
    /* A journal owned by a dead process, and one owned by us (live). */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t owner = fork();
    if (owner == 0) {
        struct journal j;
        struct err e = {0};
        char d[256];
        snprintf(d, sizeof(d), "%s/dead-obj", root);
        if (journal_open(&j, "run-dead", &e) < 0 || mkdir(d, 0700) < 0 ||
            journal_add(&j, "dir", d, &e) < 0)
            _exit(1);
        _exit(write(pfd[1], "k", 1) == 1 ? 0 : 1); /* dies without unwinding */
    }
    char c;
    assert_int_equal(read(pfd[0], &c, 1), 1);
    int st;
    waitpid(owner, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 0);
    struct journal live;
    struct err e = {0};
    assert_int_equal(journal_open(&live, "run-live", &e), 0);
    /* Run cleanup from another process: it must leave run-live alone. */
    pid_t cl = fork();
    if (cl == 0) {
        int cleaned, nlive;
        struct err ce = {0};
        int rc = journal_cleanup_dead(&cleaned, &nlive, &ce);
        if (rc != 0 || cleaned != 1 || nlive != 1)
            fprintf(stderr, "cleanup rc=%d cleaned=%d live=%d %s\n", rc, cleaned, nlive, ce.msg);
        _exit(rc == 0 && cleaned == 1 && nlive == 1 ? 0 : 1);
    }
    waitpid(cl, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 0);
    char p[256];
    snprintf(p, sizeof(p), "%s/dead-obj", root);
    assert_false(exists(p));
    snprintf(p, sizeof(p), "%s/run-dead", root);
    assert_false(exists(p));
    snprintf(p, sizeof(p), "%s/run-live/journal", root);
    assert_true(exists(p));
    assert_int_equal(journal_unwind(&live), 0);
    assert_false(exists(p));
}

static char undone[64];
static int undo_thing(const char *arg)
{
    snprintf(undone, sizeof(undone), "%s", arg);
    return 0;
}

/* Kinds beyond core's are undone through the table the program sets; a
 * kind with no handler is a failed step, never silently skipped. */
static void undo_table(void **state)
{
    (void)state;
    static const struct journal_undo table[] = {{"thing", undo_thing}, {NULL, NULL}};
    journal_set_undo(table);
    struct journal j;
    struct err e = {0};
    assert_int_equal(journal_open(&j, "run-table", &e), 0);
    assert_int_equal(journal_add(&j, "thing", "t1", &e), 0);
    assert_int_equal(journal_add(&j, "nohandler", "x", &e), 0);
    assert_int_equal(journal_unwind(&j), 1);
    assert_string_equal(undone, "t1");
    journal_set_undo(NULL);
}

/* An environment that needs the journal reports why it could not be made
 * (the runner keeps journal_open's error), not a guess. */
/* What cleanup reads from a dead run's journal: only well-formed steps are
 * acted on; the writer refuses what the reader would not read back. */
static void lines_parsed_strictly(void **state)
{
    (void)state;
    const char *type, *arg;
    char ok1[] = "rmtree /var/tmp/isobench-x", ok2[] = "docker-image isobench-abc:1",
         ok3[] = "pid 123 456";
    assert_int_equal(journal_parse_line(ok1, &type, &arg), 0);
    assert_string_equal(type, "rmtree");
    assert_string_equal(arg, "/var/tmp/isobench-x");
    assert_int_equal(journal_parse_line(ok2, &type, &arg), 0);
    assert_int_equal(journal_parse_line(ok3, &type, &arg), 0);
    assert_string_equal(arg, "123 456");
    char bad1[] = "rmtree relative/path", bad2[] = "rmtree", bad3[] = "rmtree ", bad4[] = " /x",
         bad5[] = "Dir /x", bad6[] = "file /a\tb", bad7[] = "mount x/../y";
    char *bads[] = {bad1, bad2, bad3, bad4, bad5, bad6, bad7};
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
        assert_int_equal(journal_parse_line(bads[i], &type, &arg), -1);
    /* the writer: a relative path for a path kind, a control character */
    struct journal j = {.fd = -1};
    struct err e = {0};
    assert_int_equal(journal_add(&j, "rmtree", "relative", &e), -1);
    assert_non_null(strstr(e.msg, "malformed"));
    assert_int_equal(journal_add(&j, "link", "a\nrmtree /", &e), -1);
}

static void require_keeps_the_reason(void **state)
{
    (void)state;
    char old[512];
    snprintf(old, sizeof(old), "%s", getenv("ISOBENCH_RUN_DIR"));
    setenv("ISOBENCH_RUN_DIR", "/proc/isobench-no-such-dir/x", 1);
    struct journal j = {.fd = -1};
    struct err e = {0}, je = {0};
    assert_int_equal(journal_open(&j, "run-x", &je), -1);
    snprintf(j.why, sizeof(j.why), "%s", je.msg);
    assert_int_equal(journal_require(&j, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_non_null(strstr(e.msg, "no undo journal: cannot create /proc/isobench-no-such-dir/x"));
    assert_int_equal(journal_require(NULL, &e), -1);
    setenv("ISOBENCH_RUN_DIR", old, 1);
    assert_int_equal(journal_open(&j, "run-y", &je), 0);
    assert_int_equal(journal_require(&j, &e), 0);
    assert_int_equal(journal_unwind(&j), 0);
}

/* journal_rmtree removes a tree by fd: a link inside it - to a directory
 * or a file outside - is removed as a link, its target survives; a link
 * given as the tree itself is removed, not followed. */
static void rmtree_never_follows_links(void **state)
{
    (void)state;
    char base[] = "/tmp/isobench-rmtree-XXXXXX", tree[128], out[128], p[300];
    assert_non_null(mkdtemp(base));
    snprintf(tree, sizeof(tree), "%s/tree", base);
    snprintf(out, sizeof(out), "%s/outside", base);
    assert_int_equal(mkdir(tree, 0755), 0);
    assert_int_equal(mkdir(out, 0755), 0);
    snprintf(p, sizeof(p), "%s/keep", out);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/sub", tree);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/sub/to-dir", tree);
    assert_int_equal(symlink(out, p), 0);
    snprintf(p, sizeof(p), "%s/to-file", tree);
    char keep[300];
    snprintf(keep, sizeof(keep), "%s/keep", out);
    assert_int_equal(symlink(keep, p), 0);
    assert_int_equal(journal_rmtree(tree), 0);
    assert_int_equal(access(tree, F_OK), -1);
    assert_int_equal(access(keep, F_OK), 0);
    /* the tree itself a link: the link goes, its target stays */
    assert_int_equal(symlink(out, tree), 0);
    assert_int_equal(journal_rmtree(tree), 0);
    assert_int_equal(access(keep, F_OK), 0);
    struct stat sb;
    assert_int_equal(lstat(tree, &sb), -1);
    unlink(keep);
    rmdir(out);
    rmdir(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unwind_in_reverse),
        cmocka_unit_test(cleanup_only_dead_owners),
        cmocka_unit_test(require_keeps_the_reason),
        cmocka_unit_test(lines_parsed_strictly),
        cmocka_unit_test(undo_table),
        cmocka_unit_test(rmtree_never_follows_links),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
