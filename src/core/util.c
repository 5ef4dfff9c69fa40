#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void util_freep(void *p)
{
    free(*(void **)p);
}

void util_closep(const int *fd)
{
    if (*fd >= 0) close(*fd);
}

void util_fclosep(FILE **f)
{
    if (*f) fclose(*f);
}

int kv_set(struct kvlist *l, const char *key, const char *val, struct err *e)
{
    if (strlen(key) >= sizeof(l->v[0].key) || strlen(val) >= sizeof(l->v[0].val)) {
        l->dropped++;
        return err_set(e, ERR_USAGE, "'%.60s' is too long (keys < %zu, values < %zu bytes)", key,
                       sizeof(l->v[0].key), sizeof(l->v[0].val));
    }
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].key, key) == 0) {
            strcpy(l->v[i].val, val);
            return 0;
        }
    }
    if (l->n >= KV_MAX) {
        l->dropped++;
        return err_set(e, ERR_USAGE, "too many entries for '%.60s' (max %d)", key, KV_MAX);
    }
    strcpy(l->v[l->n].key, key);
    strcpy(l->v[l->n].val, val);
    l->n++;
    return 0;
}

int kv_require_all(const struct kvlist *l, const char *what, struct err *e)
{
    if (!l->dropped) return 0;
    return err_set(e, ERR_FAIL, "%s: %d fact%s did not fit (max %d of < %zu bytes each)", what,
                   l->dropped, l->dropped == 1 ? "" : "s", KV_MAX, sizeof(l->v[0].val));
}

const char *kv_get(const struct kvlist *l, const char *key)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0) return l->v[i].val;
    return NULL;
}

void util_die_with_parent(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);
}

double util_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void util_iso_time(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int util_read_file(const char *path, char *buf, size_t len)
{
    FILE *f cleanup_fclose = fopen(path, "re");
    if (!f) return -1;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return 0;
}

int util_parse_u64(const char *s, uint64_t *out, struct err *e)
{
    char *end;
    if (!s || !*s || !isdigit((unsigned char)*s))
        return err_set(e, ERR_USAGE, "'%s' is not a non-negative integer", s ? s : "");
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return err_set(e, ERR_USAGE, "'%s' is not a non-negative integer", s);
    *out = v;
    return 0;
}

int util_parse_double(const char *s, double *out, struct err *e)
{
    char *end;
    if (!s || !*s) return err_set(e, ERR_USAGE, "empty number");
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return err_set(e, ERR_USAGE, "'%s' is not a number", s);
    *out = v;
    return 0;
}

int util_parse_size(const char *s, uint64_t *out, struct err *e)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return err_set(e, ERR_USAGE, "'%s' is not a size (e.g. 64M, 2G)", s ? s : "");
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return err_set(e, ERR_USAGE, "'%s' is not a size", s);
    unsigned shift = 0;
    switch (toupper((unsigned char)*end)) {
    case '\0':
        break;
    case 'K':
        shift = 10;
        break;
    case 'M':
        shift = 20;
        break;
    case 'G':
        shift = 30;
        break;
    case 'T':
        shift = 40;
        break;
    default:
        return err_set(e, ERR_USAGE, "'%s' is not a size (suffix K, M, G or T)", s);
    }
    if (*end) {
        end++;
        if (*end == 'i' || *end == 'I') end++;
        if (*end == 'B' || *end == 'b') end++;
        if (*end) return err_set(e, ERR_USAGE, "'%s' is not a size", s);
    }
    if (shift && v > (UINT64_MAX >> shift)) return err_set(e, ERR_USAGE, "'%s' is too large", s);
    *out = (uint64_t)v << shift;
    return 0;
}

uint64_t util_mem_available(void)
{
    FILE *f cleanup_fclose = fopen("/proc/meminfo", "re");
    if (!f) return 0;
    char line[256];
    unsigned long long kb;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) return (uint64_t)kb * 1024;
    return 0;
}

int util_ncpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int util_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

extern char **environ;

static const char *const tuning[] = {"OPENBLAS_", "OMP_",           "GOMP_", "MKL_",
                                     "GOTO_",     "GLIBC_TUNABLES", NULL};

int util_env_passed(const char *var)
{
    static const char *const names[] = {"PATH=", "LANG=", "TZ=", NULL};
    static const char *const prefixes[] = {"LC_", "ISOBENCH_FAILPOINT=", "ISOBENCH_TEST_", NULL};
    if (!strchr(var, '=')) return 0;
    for (const char *const *n = names; *n; n++)
        if (!strncmp(var, *n, strlen(*n))) return 1;
    for (const char *const *p = prefixes; *p; p++)
        if (!strncmp(var, *p, strlen(*p))) return 1;
    for (const char *const *t = tuning; *t; t++)
        if (!strncmp(var, *t, strlen(*t))) return 1;
    return 0;
}

void util_tuning_env(struct kvlist *l)
{
    for (char **v = environ; *v; v++) {
        const char *eq = strchr(*v, '=');
        if (!eq) continue;
        for (const char *const *t = tuning; *t; t++) {
            if (strncmp(*v, *t, strlen(*t)) != 0) continue;
            char key[64];
            snprintf(key, sizeof(key), "env.%.*s", (int)(eq - *v), *v);
            kv_set(l, key, eq + 1, NULL);
        }
    }
}

int util_port_free(int port)
{
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
    for (int i = 0; i < 2; i++) {
        int fd = socket(AF_INET, types[i] | SOCK_CLOEXEC, 0);
        if (fd < 0) return 0;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (!ok) return 0;
    }
    return 1;
}

int util_random_hex(char *out, size_t len, struct err *e)
{
    unsigned char raw[64];
    size_t n = (len - 1) / 2;
    if (len < 17 || len > 2 * sizeof(raw) + 1 || (len - 1) % 2)
        return err_set(e, ERR_FAIL, "secret: %zu bytes is not a valid length", len);
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(raw + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return err_sys(e, ERR_FAIL, errno, "getrandom");
        got += (size_t)r;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * n] = '\0';
    explicit_bzero(raw, sizeof(raw));
    return 0;
}

int util_is_secret(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");
    return s[n] == '\0' && n >= 16 && n <= 64;
}

int util_list_check(const char *list, const char *what, struct err *e)
{
    size_t n = strlen(list);
    if (n == 0) return err_set(e, ERR_USAGE, "empty %s list", what);
    if (list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,"))
        return err_set(e, ERR_USAGE, "empty item in the %s list '%.200s'", what, list);
    return 0;
}
