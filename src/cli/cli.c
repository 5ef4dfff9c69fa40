/* cli.c - what every command shares: error printing and signals. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/result.h"
#include "core/store.h"
#include "envs/env.h"
#include "run/runner.h"

int cli_die(const struct err *e)
{
    fprintf(stderr, "isobench: %s\n", e->msg);
    return e->code ? e->code : ERR_FAIL;
}

int cli_usage(const char *cmd, const char *msg)
{
    fprintf(stderr, "isobench %s: %s (try 'isobench %s --help')\n", cmd, msg, cmd);
    return ERR_USAGE;
}

int cli_copy_arg(char *dst, size_t size, const char *arg)
{
    size_t n = strlen(arg);
    if (n >= size) return -1;
    memcpy(dst, arg, n + 1);
    return 0;
}

void cli_command_line(char *buf, size_t len, int argc, char **argv)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc; i++) {
        int n = snprintf(buf + off, len - off, "%s%s", i ? " " : "isobench ", argv[i]);
        if (n < 0 || (size_t)n >= len - off) { /* cut: say so */
            if (len > 4) memcpy(buf + len - 4, "...", 4);
            return;
        }
        off += (size_t)n;
    }
}

static void on_signal(int sig)
{
    (void)sig;
    env_interrupted = 1;
}

void cli_install_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking reads return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A reader that goes away (`isobench run --json | head`) must not kill
     * the run before it unwinds what it made: writes just fail instead. */
    signal(SIGPIPE, SIG_IGN);
}

int cli_run_outcome(const char *db, int64_t id, int rc, int failed, const struct err *e)
{
    fflush(stdout);
    if (id > 0) fprintf(stderr, "isobench: results stored in %s (run %lld)\n", db, (long long)id);
    if (rc < 0 && env_interrupted) {
        fprintf(stderr, "isobench: interrupted; finished samples are stored\n");
        return 130;
    }
    if (rc < 0) return cli_die(e);
    if (failed) {
        fprintf(stderr, "isobench: %d measurement(s) failed (see the table)\n", failed);
        return ERR_FAIL;
    }
    return 0;
}

void cli_print_entry(const char *name, const char *why, const char *summary)
{
    printf("  %-16s %-11s %s%s%s\n", name, why ? "unavailable" : "available", summary,
           why ? " -- " : "", why ? why : "");
}

int cli_opt_pair(const char *arg, struct kvlist *opts, struct err *e)
{
    const char *eq = strchr(arg, '=');
    char key[sizeof(((struct kv *)0)->key)];
    if (!eq || (size_t)(eq - arg) >= sizeof(key))
        return err_set(e, ERR_USAGE, "--opt: '%.60s' is no KEY=VALUE with a short key", arg);
    snprintf(key, sizeof(key), "%.*s", (int)(eq - arg), arg);
    return kv_set(opts, key, eq + 1, e);
}

int cli_check_output(const char *path, struct err *e)
{
    char dir[4096];
    if (cli_copy_arg(dir, sizeof(dir), path) < 0 || !path[0])
        return err_set(e, ERR_USAGE, "output path empty or too long");
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return err_set(e, ERR_USAGE, "%s is a directory", path);
    if (access(dir, W_OK) < 0) return err_sys(e, ERR_USAGE, errno, "cannot write into %s", dir);
    return 0;
}

void cli_common_init(struct cli_common *o, int reps, struct kvlist *opts)
{
    memset(o, 0, sizeof(*o));
    o->size = SIZE_SMALL;
    o->reps = reps;
    o->timeout_s = 600;
    o->opts = opts;
    store_default_path(o->db, sizeof(o->db));
}

int cli_common_opt(const char *cmd, int c, const char *arg, struct cli_common *o)
{
    struct err e = {0};
    uint64_t u;
    double d;
    o->given += c != 'T' && c != 'D' && strchr("esorLS", c) != NULL;
    switch (c) {
    case 'e':
        o->envs = arg;
        return 0;
    case 'L':
        o->slice = arg;
        return 0;
    case 's':
        if ((o->size = size_parse(arg)) < 0)
            return cli_usage(cmd, "--size takes tiny, small or full");
        return 0;
    case 'o':
        if (!strchr(arg, '=') || arg[0] == '=') return cli_usage(cmd, "--opt takes KEY=VALUE");
        return cli_opt_pair(arg, o->opts, &e) < 0 ? cli_die(&e) : 0;
    case 'r':
        if (util_parse_u64(arg, &u, &e) < 0 || u < 1 || u > 1000)
            return cli_usage(cmd, "--repetitions takes 1..1000");
        o->reps = (int)u;
        return 0;
    case 'S':
        if (util_parse_u64(arg, &u, &e) < 0 || u == 0)
            return cli_usage(cmd, "--seed takes a number >= 1");
        o->seed = u;
        return 0;
    case 'T':
        if (util_parse_double(arg, &d, &e) < 0 || !(d > 0))
            return cli_usage(cmd, "--timeout takes seconds > 0");
        o->timeout_s = d;
        return 0;
    case 'D':
        return cli_copy_arg(o->db, sizeof(o->db), arg) < 0 ? cli_usage(cmd, "--db path too long")
                                                           : 0;
    }
    return -1;
}

int cli_common_plan(const struct cli_common *o, struct run_plan *p, struct err *e)
{
    p->size = o->size;
    p->reps = o->reps;
    p->seed = o->seed;
    p->timeout_s = o->timeout_s;
    return o->slice ? slice_parse(o->slice, &p->slice, e) : 0;
}
