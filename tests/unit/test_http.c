/* The HTTP load generator's pieces: the response parser on whole, split,
 * chunked, close-delimited and broken responses, and the generator
 * (hload_run) against a small server in this process on loopback that
 * answers right, with 500s, without the marker, never, or by closing -
 * each failure must land in its own count, so a generator that counted a
 * broken answer as a success fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/journal.h"
#include "workloads/lib/hload.h"
#include "workloads/lib/hparse.h"
#include "workloads/lib/netutil.h"
#include "workloads/lib/wpsite.h"

/* Feeds resp in pieces of step bytes (0: all at once); returns what the
 * last feed returned, the decoded body in body. */
static int feed(const char *resp, size_t len, size_t step, int eof_at_end, char *body, size_t *used,
                struct hresp *h)
{
    char *buf = malloc(len + 1);
    hresp_init(h);
    const char *why;
    int rc = 0;
    size_t have = 0;
    while (have < len) {
        size_t n = step && len - have > step ? step : len - have;
        memcpy(buf + have, resp + have, n); /* the parser may have moved bytes before have */
        have += n;
        rc = hresp_feed(h, buf, have, eof_at_end && have == len, used, &why);
        if (rc != 0) break;
    }
    if (rc == 1) {
        memcpy(body, buf + h->body_at, h->body_len);
        body[h->body_len] = '\0';
    }
    free(buf);
    return rc;
}

static void test_parse_length(void **state)
{
    (void)state;
    static const char r[] = "HTTP/1.1 200 OK\r\nServer: t/1\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
    char body[64];
    size_t used;
    struct hresp h;
    for (size_t step = 0; step < 8; step++) {
        assert_int_equal(feed(r, sizeof(r) - 1, step, 0, body, &used, &h), 1);
        assert_string_equal(body, "hello");
        assert_int_equal(used, sizeof(r) - 1 - 5); /* EXTRA is not this response's */
        assert_int_equal(h.status, 200);
        assert_int_equal(h.close, 0);
        assert_string_equal(h.server, "t/1");
    }
}

static void test_parse_chunked(void **state)
{
    (void)state;
    static const char r[] = "HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n"
                            "Connection: close\r\n\r\n"
                            "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
                            "0\r\nX-Trailer: 1\r\n\r\n";
    char body[64];
    size_t used;
    struct hresp h;
    for (size_t step = 0; step < 12; step++) {
        assert_int_equal(feed(r, sizeof(r) - 1, step, 0, body, &used, &h), 1);
        assert_string_equal(body, "Wikipedia in\r\n\r\nchunks.");
        assert_int_equal(used, sizeof(r) - 1);
        assert_int_equal(h.status, 503);
        assert_int_equal(h.close, 1);
    }
}

static void test_parse_close_delimited(void **state)
{
    (void)state;
    static const char r[] = "HTTP/1.0 200 OK\r\n\r\nuntil the end";
    char body[64];
    size_t used;
    struct hresp h;
    assert_int_equal(feed(r, sizeof(r) - 1, 3, 0, body, &used, &h), 0); /* no eof: not yet */
    assert_int_equal(feed(r, sizeof(r) - 1, 3, 1, body, &used, &h), 1);
    assert_string_equal(body, "until the end");
    assert_int_equal(h.close, 1);
    static const char nc[] = "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n";
    assert_int_equal(feed(nc, sizeof(nc) - 1, 0, 0, body, &used, &h), 1);
    assert_int_equal(h.body_len, 0);
}

static void test_parse_broken(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    };
    char body[64];
    size_t used;
    struct hresp h;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(feed(bad[i], strlen(bad[i]), 0, 0, body, &used, &h), -1);
    /* cut short by the server closing */
    static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    assert_int_equal(feed(cut, sizeof(cut) - 1, 0, 1, body, &used, &h), -1);
    char empty[1]; /* closed with nothing sent */
    const char *why;
    hresp_init(&h);
    assert_int_equal(hresp_feed(&h, empty, 0, 1, &used, &why), -1);
    /* a head that never ends */
    char *big = malloc(HPARSE_MAX_HEAD + 100);
    memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
    memset(big + 17, 'x', HPARSE_MAX_HEAD + 83);
    assert_int_equal(feed(big, HPARSE_MAX_HEAD + 100, 0, 0, body, &used, &h), -1);
    free(big);
}

/* ---- a server on loopback ---- */
enum mode { M_OK, M_500, M_NOMARK, M_HANG, M_CLOSE };
struct srv {
    int lfd, port;
    enum mode mode;
    atomic_int stop;
    atomic_long served, errors; /* responses sent; of them 500s */
    pthread_t th;
};
struct conn_arg {
    struct srv *s;
    int fd;
};

static void *conn_main(void *p)
{
    struct conn_arg *a = p;
    struct srv *s = a->s;
    int fd = a->fd;
    free(a);
    char buf[4096];
    size_t have = 0;
    long n = 0;
    while (!atomic_load(&s->stop)) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 50) <= 0) continue;
        ssize_t r = recv(fd, buf + have, sizeof(buf) - have, 0);
        if (r <= 0) break;
        have += (size_t)r;
        char *end = memmem(buf, have, "\r\n\r\n", 4);
        if (!end) continue;
        have = 0;
        if (s->mode == M_CLOSE) break;
        if (s->mode == M_HANG) continue;
        char out[512];
        int len;
        int err = s->mode == M_500 && n % 3 == 2;
        const char *body = s->mode == M_NOMARK ? "just a page" : "a page <!--end-->";
        if (n % 2) /* every other response chunked */
            len =
                snprintf(out, sizeof(out),
                         "HTTP/1.1 %s\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
                         err ? "500 Oops" : "200 OK", strlen(body), body);
        else
            len = snprintf(out, sizeof(out), "HTTP/1.1 %s\r\nContent-Length: %zu\r\n\r\n%s",
                           err ? "500 Oops" : "200 OK", strlen(body), body);
        if (send(fd, out, (size_t)len, MSG_NOSIGNAL) != len) break;
        atomic_fetch_add(&s->served, 1);
        if (err) atomic_fetch_add(&s->errors, 1);
        n++;
    }
    close(fd);
    return NULL;
}

static void *srv_main(void *p)
{
    struct srv *s = p;
    while (!atomic_load(&s->stop)) {
        struct pollfd pf = {.fd = s->lfd, .events = POLLIN};
        if (poll(&pf, 1, 50) <= 0) continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) continue;
        struct conn_arg *a = malloc(sizeof(*a));
        a->s = s;
        a->fd = fd;
        pthread_t t;
        pthread_create(&t, NULL, conn_main, a);
        pthread_detach(t);
    }
    return NULL;
}

static void srv_up(struct srv *s, enum mode m)
{
    memset(s, 0, sizeof(*s));
    s->mode = m;
    struct err e = {0};
    for (s->port = 47311; s->port < 47400; s->port++)
        if ((s->lfd = net_listen(SOCK_STREAM, "127.0.0.1", s->port, &e)) >= 0) break;
    assert_true(s->lfd >= 0);
    pthread_create(&s->th, NULL, srv_main, s);
}

static void srv_down(struct srv *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    close(s->lfd);
    usleep(120000); /* the connection threads see stop */
}

static uint64_t run_load(struct srv *s, int users, double timeout, struct hload_out *o)
{
    struct hload_cfg c = {.addr = "127.0.0.1",
                          .port = s ? s->port : 47299,
                          .path = "/p",
                          .marker = "<!--end-->",
                          .users = users,
                          .duration_s = 0.6,
                          .timeout_s = timeout};
    struct err e = {0};
    assert_int_equal(hload_run(&c, o, &e), 0);
    uint64_t nf = 0;
    for (int i = 0; i < HLOAD_F_N; i++)
        nf += o->fail[i];
    return nf;
}

static void test_load_ok(void **state)
{
    (void)state;
    struct srv s;
    srv_up(&s, M_OK);
    struct hload_out o;
    uint64_t nf = run_load(&s, 3, 5, &o);
    srv_down(&s);
    assert_int_equal(nf, 0);
    assert_true(o.ok > 50);
    assert_true(o.ok <= (uint64_t)atomic_load(&s.served));
    assert_true(o.ok + 3 >= (uint64_t)atomic_load(&s.served)); /* at most one in flight per user */
    uint64_t sum = 0;
    for (int i = 0; i < o.nb; i++)
        sum += o.b[i].ok;
    assert_int_equal(sum, o.ok); /* the series adds up */
    assert_true(hist_quantile(&o.lat, 0.5) > 0);
    hload_out_free(&o);
}

static void test_load_failures(void **state)
{
    (void)state;
    struct srv s;
    struct hload_out o;
    srv_up(&s, M_500); /* every third response a 500 */
    run_load(&s, 2, 5, &o);
    srv_down(&s);
    assert_true(o.fail[HLOAD_F_5XX] > 10);
    assert_true(o.fail[HLOAD_F_5XX] + 2 >= (uint64_t)atomic_load(&s.errors));
    assert_true(o.ok > o.fail[HLOAD_F_5XX]);
    assert_int_equal(o.fail[HLOAD_F_CONTENT] + o.fail[HLOAD_F_RESET], 0);
    hload_out_free(&o);

    srv_up(&s, M_NOMARK); /* 200s without the marker are no successes */
    run_load(&s, 2, 5, &o);
    srv_down(&s);
    assert_int_equal(o.ok, 0);
    assert_true(o.fail[HLOAD_F_CONTENT] > 10);
    hload_out_free(&o);

    srv_up(&s, M_HANG); /* never answers: timeouts, each user about once per timeout */
    run_load(&s, 2, 0.1, &o);
    srv_down(&s);
    assert_int_equal(o.ok, 0);
    assert_true(o.fail[HLOAD_F_TIMEOUT] >= 6 && o.fail[HLOAD_F_TIMEOUT] <= 16);
    hload_out_free(&o);

    srv_up(&s, M_CLOSE); /* closes on every request: resets */
    run_load(&s, 2, 5, &o);
    srv_down(&s);
    assert_int_equal(o.ok, 0);
    assert_true(o.fail[HLOAD_F_RESET] > 10);
    hload_out_free(&o);

    run_load(NULL, 2, 5, &o); /* nobody listens: refused connects, retried with a pause */
    assert_int_equal(o.ok, 0);
    assert_true(o.fail[HLOAD_F_CONNECT] >= 2 && o.fail[HLOAD_F_CONNECT] < 100);
    hload_out_free(&o);
}

static void test_ramp(void **state)
{
    (void)state;
    struct hload_cfg c = {.users = 100, .ramp_s = 720};
    assert_int_equal(hload_users_at(&c, 0), 1);
    assert_int_equal(hload_users_at(&c, 360), 50);
    assert_int_equal(hload_users_at(&c, 719.99), 99);
    assert_int_equal(hload_users_at(&c, 720), 100);
    assert_int_equal(hload_users_at(&c, 800), 100);
    c.ramp_s = 0;
    assert_int_equal(hload_users_at(&c, 0), 100);
    struct hload_out o;
    struct err e = {0};
    struct hload_cfg bad = {
        .addr = "localhost", .port = 80, .path = "/", .users = 1, .duration_s = 1, .timeout_s = 1};
    assert_int_equal(hload_run(&bad, &o, &e), -1); /* names are not resolved */
    assert_int_equal(e.code, ERR_USAGE);
    hload_out_free(&o);
}

/* The probe's answers: exactly the count it promised, or no answer. */
static void test_probe_parse(void **state)
{
    (void)state;
    double ns[8];
    int n = 0;
    assert_int_equal(
        wp_probe_parse_select("x isobench-probe select n=3 ns: 100 250 90 \n", ns, 8, &n), 0);
    assert_int_equal(n, 3);
    assert_true(ns[1] == 250);
    /* a cut answer (fewer latencies than n), too many, garbage */
    assert_int_equal(wp_probe_parse_select("isobench-probe select n=4 ns: 1 2 3 ", ns, 8, &n), -1);
    assert_int_equal(wp_probe_parse_select("isobench-probe select n=2 ns: 1 2 3 ", ns, 8, &n), -1);
    assert_int_equal(wp_probe_parse_select("isobench-probe select n=9 ns: 1", ns, 8, &n), -1);
    assert_int_equal(wp_probe_parse_select("<html>Error establishing a database", ns, 8, &n), -1);
    long rows;
    double t;
    assert_int_equal(
        wp_probe_parse_insert("isobench-probe insert n=10000 ns=16000000000\n", &rows, &t), 0);
    assert_int_equal(rows, 10000);
    assert_true(t == 16e9);
    assert_int_equal(wp_probe_parse_insert("isobench-probe insert n=10 ns=0", &rows, &t), -1);
    assert_int_equal(wp_probe_parse_insert("insert: Access denied", &rows, &t), -1);
}

/* The site's files: the DB tier and secret in WordPress's configuration
 * and the probe only (0400, the server's account), the tree linked, the
 * probe behind its secret path, nothing but mysqli loaded. */
static void test_site_files(void **state)
{
    (void)state;
    if (access(WP_TREE "/wp-settings.php", R_OK) != 0 || geteuid() != 0) {
        fprintf(stderr, "skip: needs Debian's wordpress and root (the files' owner)\n");
        skip();
    }
    char dir[] = "/tmp/isobench-wp-XXXXXX", path[256], *text = calloc(1, 1 << 16);
    assert_non_null(mkdtemp(dir));
    struct wp_site s = {.dir = dir,
                        .bind = "10.0.0.2",
                        .port = 8080,
                        .secret = "0123456789abcdef0123456789abcdef",
                        .db_addr = "10.213.1.3",
                        .db_port = 3306,
                        .probe_path = "/isobench-probe-1234.php"};
    struct err e = {0};
    assert_int_equal(wp_site_write(&s, &e), 0);
    struct stat st;
    snprintf(path, sizeof(path), "%s/wproot/wp-config.php", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0400);
    assert_int_equal(st.st_uid, 65534);
    FILE *f = fopen(path, "r");
    text[fread(text, 1, (1 << 16) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "define('DB_HOST', '10.213.1.3:3306')"));
    assert_non_null(strstr(text, "0123456789abcdef0123456789abcdef"));
    assert_non_null(strstr(text, "WP_HTTP_BLOCK_EXTERNAL', true")); /* no request leaves */
    snprintf(path, sizeof(path), "%s/wproot/wp-settings.php", dir);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    snprintf(path, sizeof(path), "%s/httpd.conf", dir);
    f = fopen(path, "r");
    text[fread(text, 1, (1 << 16) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "Listen 10.0.0.2:8080"));
    assert_non_null(strstr(text, "Alias /isobench-probe-1234.php"));
    assert_null(strstr(text, "0123456789abcdef")); /* the password is in no other file */
    snprintf(path, sizeof(path), "%s/php.ini", dir);
    f = fopen(path, "r");
    text[fread(text, 1, (1 << 16) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "extension = mysqli.so"));
    assert_null(strstr(text, "0123456789abcdef"));
    char rm[300];
    snprintf(rm, sizeof(rm), "%s", dir);
    journal_rmtree(rm);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_length),
        cmocka_unit_test(test_parse_chunked),
        cmocka_unit_test(test_parse_close_delimited),
        cmocka_unit_test(test_parse_broken),
        cmocka_unit_test(test_load_ok),
        cmocka_unit_test(test_load_failures),
        cmocka_unit_test(test_ramp),
        cmocka_unit_test(test_probe_parse),
        cmocka_unit_test(test_site_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
