/* cmd_load.c - isobench load: the http workload's load generator
 * (workloads/lib/hload.c) on its own, against a server the user names, so
 * that it can be compared with wrk on the very same server
 * (bench/fidelity-http.sh) or pointed at any HTTP/1.1 service. Stores
 * nothing. The address is an IPv4 dotted quad: isobench resolves no
 * names. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"
#include "workloads/lib/hload.h"
#include "workloads/lib/netutil.h"

static const char load_help[] =
    "usage: isobench load http://IPV4:PORT/PATH [options]\n"
    "  -u, --users N      concurrent users, one keep-alive connection each (8)\n"
    "  -d, --duration S   seconds measured (5)\n"
    "      --ramp S       users grow from 1 to N over S seconds (0: all at once)\n"
    "      --warmup S     seconds of load before measuring (1)\n"
    "      --timeout S    a request slower than this fails (5)\n"
    "      --marker TEXT  a response passes only with TEXT in its body\n"
    "      --cpu CPU      pin the generator: a CPU number, low, high or all (high)\n"
    "      --series       also print the per-interval series (CSV)\n"
    "      --json         one JSON object on stdout\n";

/* http://A.B.C.D:PORT/PATH into its parts; -1 on anything else. */
static int load_url(const char *url, char *addr, size_t alen, int *port, const char **path)
{
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *h = url + 7, *colon = strchr(h, ':');
    if (!colon || (size_t)(colon - h) >= alen) return -1;
    memcpy(addr, h, (size_t)(colon - h));
    addr[colon - h] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || p < 1 || p > 65535 || (*end && *end != '/')) return -1;
    *port = (int)p;
    *path = *end ? end : "/";
    return 0;
}

static void load_print(const struct hload_cfg *c, const struct hload_out *o, int cpu, int json,
                       int series)
{
    uint64_t nf = 0;
    for (int i = 0; i < HLOAD_F_N; i++)
        nf += o->fail[i];
    double rps = (double)o->ok / o->secs, cpu_req = o->cpu_s / (double)(o->ok + nf) * 1e6;
    double q[4] = {hist_mean(&o->lat), hist_quantile(&o->lat, 0.5), hist_quantile(&o->lat, 0.95),
                   hist_quantile(&o->lat, 0.99)};
    if (json) {
        printf("{\"users\":%d,\"secs\":%.3f,\"ok\":%llu,\"rps\":%.2f,\"cpu\":%d,"
               "\"cpu_us_per_req\":%.3f,\"mean_us\":%.1f,\"p50_us\":%.1f,\"p95_us\":%.1f,"
               "\"p99_us\":%.1f,\"failures\":{",
               c->users, o->secs, (unsigned long long)o->ok, rps, cpu, cpu_req, q[0] / 1e3,
               q[1] / 1e3, q[2] / 1e3, q[3] / 1e3);
        for (int i = 0; i < HLOAD_F_N; i++)
            printf("%s\"%s\":%llu", i ? "," : "", hload_fail_names[i],
                   (unsigned long long)o->fail[i]);
        printf("}}\n");
    } else {
        printf("%d users, %.1f s: %llu ok, %.0f req/s, latency mean %.1f p50 %.1f p95 %.1f p99 "
               "%.1f us; generator CPU %.2f us/req on CPU %d\nfailures:",
               c->users, o->secs, (unsigned long long)o->ok, rps, q[0] / 1e3, q[1] / 1e3,
               q[2] / 1e3, q[3] / 1e3, cpu_req, cpu);
        for (int i = 0; i < HLOAD_F_N; i++)
            printf(" %s=%llu", hload_fail_names[i], (unsigned long long)o->fail[i]);
        printf("\n");
    }
    for (int i = 0; series && i < o->nb; i++) {
        const struct hload_bucket *b = &o->b[i];
        uint64_t f = 0;
        for (int k = 0; k < HLOAD_F_N; k++)
            f += b->fail[k];
        if (i == 0) printf("t_s,users,ok,failed,p50_us,p99_us\n");
        printf("%.2f,%d,%llu,%llu,%.1f,%.1f\n", b->t_s, b->users, (unsigned long long)b->ok,
               (unsigned long long)f, b->ok ? hist_quantile(&b->lat, 0.5) / 1e3 : 0,
               b->ok ? hist_quantile(&b->lat, 0.99) / 1e3 : 0);
    }
}

static int load_secs(const char *arg, const char *what, double lo, double *out)
{
    struct err e = {0};
    if (util_parse_double(arg, out, &e) < 0 || !(*out >= lo) || *out > 86400) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s takes seconds, at least %g", what, lo);
        return cli_usage("load", msg);
    }
    return 0;
}

int cmd_load(int argc, char **argv)
{
    static const struct option lo[] = {
        {"users", 1, 0, 'u'},   {"duration", 1, 0, 'd'}, {"ramp", 1, 0, 'R'}, {"warmup", 1, 0, 'W'},
        {"timeout", 1, 0, 'T'}, {"marker", 1, 0, 'm'},   {"cpu", 1, 0, 'c'},  {"series", 0, 0, 's'},
        {"json", 0, 0, 'j'},    {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    struct hload_cfg c = {.users = 8, .duration_s = 5, .warm_s = 1, .timeout_s = 5};
    const char *cpuspec = "high";
    int json = 0, series = 0, ch;
    struct err e = {0};
    optind = 1;
    while ((ch = getopt_long(argc, argv, "u:d:h", lo, NULL)) != -1) {
        uint64_t u;
        switch (ch) {
        case 'u':
            if (util_parse_u64(optarg, &u, &e) < 0 || u < 1 || u > HLOAD_MAX_USERS)
                return cli_usage("load", "--users takes 1..4096");
            c.users = (int)u;
            break;
        case 'd':
            if (load_secs(optarg, "--duration", 0.1, &c.duration_s)) return ERR_USAGE;
            break;
        case 'R':
            if (load_secs(optarg, "--ramp", 0, &c.ramp_s)) return ERR_USAGE;
            break;
        case 'W':
            if (load_secs(optarg, "--warmup", 0, &c.warm_s)) return ERR_USAGE;
            break;
        case 'T':
            if (load_secs(optarg, "--timeout", 0.001, &c.timeout_s)) return ERR_USAGE;
            break;
        case 'm':
            c.marker = optarg;
            break;
        case 'c':
            cpuspec = optarg;
            break;
        case 's':
            series = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(load_help, stdout);
            return 0;
        default:
            return cli_usage("load", "bad option");
        }
    }
    char addr[64];
    if (optind != argc - 1 || load_url(argv[optind], addr, sizeof(addr), &c.port, &c.path) < 0)
        return cli_usage("load", "give one URL http://IPV4:PORT/PATH");
    c.addr = addr;
    if (c.ramp_s > 0 && c.ramp_s >= c.warm_s + c.duration_s)
        return cli_usage("load", "the ramp must end before warmup + duration");
    int cpu;
    struct wl_cpu_val where;
    if (wl_cpu_parse("load: --cpu", cpuspec, &where, &e) < 0) return cli_die(&e);
    if (net_pin(where, 0, &cpu, &e) < 0) {
        e.code = ERR_USAGE;
        return cli_die(&e);
    }
    struct hload_out o;
    int rc = hload_run(&c, &o, &e);
    if (rc == 0) load_print(&c, &o, cpu, json, series);
    hload_out_free(&o);
    return rc < 0 ? cli_die(&e) : 0;
}
