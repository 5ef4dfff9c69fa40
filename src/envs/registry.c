#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>

#include "envs/env.h"
#include "envs/undo.h"

volatile int env_interrupted;

const struct env *const envs[] = {
#define X(n) &env_##n,
    ENV_LIST(X)
#undef X
        NULL,
};

const struct env *env_find(const char *name)
{
    for (int i = 0; envs[i]; i++)
        if (strcmp(envs[i]->name, name) == 0) return envs[i];
    return NULL;
}

int env_conf_parse(const struct env *env, const struct spec *sp, struct env_conf *conf,
                   struct err *e)
{
    memset(conf, 0, sizeof(*conf));
    if (spec_check_keys(sp, env->keys, e) < 0) return -1;
    return env->check ? env->check(sp, conf->b, e) : 0;
}

int env_resolve(const struct spec *sp, const struct env **out, struct err *e)
{
    const struct env *env = env_find(sp->name);
    if (!env)
        return err_set(e, ERR_USAGE, "unknown environment '%s' (see isobench list)", sp->name);
    struct env_conf *scratch cleanup_free = malloc(sizeof(*scratch));
    if (!scratch) return err_set(e, ERR_FAIL, "out of memory");
    if (env_conf_parse(env, sp, scratch, e) < 0) return -1;
    *out = env;
    return 0;
}

int env_req_add_guest_files(struct env_req *rq, const char *const *files, struct err *e)
{
    int n = 0;
    while (rq->guest_files[n])
        n++;
    for (int k = 0; files && files[k]; k++) {
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= !strcmp(rq->guest_files[i], files[k]);
        if (seen) continue;
        if (n >= ENV_MAX_GUEST_FILES)
            return err_set(e, ERR_FAIL, "more than %d guest files for %s (ENV_MAX_GUEST_FILES)",
                           ENV_MAX_GUEST_FILES, rq->spec.text);
        rq->guest_files[n++] = files[k];
        rq->guest_files[n] = NULL;
    }
    return 0;
}

const char *env_unavailable(const struct env *env)
{
    const char *why = env->unavailable ? env->unavailable() : NULL;
    if (!why && (env->caps & ENV_CAP_ROOT) && geteuid() != 0) return "needs root";
    return why;
}

const char *env_lacks(const struct env *env, const struct spec *sp, unsigned needs)
{
    if ((needs & WL_NEEDS_ODIRECT) && !(env->caps & ENV_CAP_ODIRECT))
        return "does not honour O_DIRECT: its file I/O goes through a page cache of its own "
               "(its numbers would not be disk numbers)";
    return env->lacks ? env->lacks(sp, needs) : NULL;
}

/* Appends "SEP TEXT" to buf (SEP only when buf is not empty); -1 when it
 * does not fit. */
static int append(char *buf, size_t len, const char *sep, const char *text)
{
    size_t off = strlen(buf);
    int n = snprintf(buf + off, len - off, "%s%s", off ? sep : "", text);
    return n < 0 || (size_t)n >= len - off ? -1 : 0;
}

/* 1 when item is one of the comma list's items. */
static int has_item(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, item, n)) return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

int env_expand_available(const char *in, char *out, size_t outlen, char *left, size_t leftlen,
                         struct err *e)
{
    char buf[1024];
    if (strlen(in) >= sizeof(buf)) return err_set(e, ERR_USAGE, "environment list too long");
    if (util_list_check(in, "environment", e) < 0) return -1;
    strcpy(buf, in);
    out[0] = left[0] = '\0';
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "available") != 0) {
            if (append(out, outlen, ",", t) < 0) goto too_long;
            continue;
        }
        for (int i = 0; envs[i]; i++) {
            if (!envs[i]->pick || has_item(out, envs[i]->pick)) continue;
            const char *why = env_unavailable(envs[i]);
            char item[400];
            snprintf(item, sizeof(item), "%s: %s", envs[i]->name, why ? why : "");
            if (why ? append(left, leftlen, "; ", item) : append(out, outlen, ",", envs[i]->pick))
                goto too_long;
        }
    }
    return 0;
too_long:
    return err_set(e, ERR_USAGE, "the expanded environment list is too long");
}

void env_caps_text(unsigned caps, char *buf, size_t len)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{ENV_CAP_ROOT, "root"},
                 {ENV_CAP_HOST_NETNS, "host-netns"},
                 {ENV_CAP_OWN_KERNEL, "own-kernel"},
                 {ENV_CAP_ODIRECT, "odirect"},
                 {ENV_CAP_NEST, "nest"},
                 {ENV_CAP_PARALLEL_UP, "parallel-up"}};
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (caps & names[i].bit)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
                     names[i].name);
    if (!buf[0]) snprintf(buf, len, "none");
}

int env_up(struct env_ctx *ctx, const struct env_req *rq, struct err *e)
{
    int restarts = ctx->restarts, instance = ctx->rq ? ctx->instance + 1 : 0;
    memset(ctx, 0, sizeof(*ctx));
    ctx->rq = rq;
    ctx->restarts = restarts;
    ctx->instance = instance;
    ctx->agent_chan = -1;
    if (rq->env->up(ctx, e) < 0) return -1;
    char v[64];
    if (ctx->info.startup_s > 0) {
        snprintf(v, sizeof(v), "%.6f", ctx->info.startup_s);
        if (kv_set(&ctx->info.facts, "startup_s", v, e) < 0) return -1;
    }
    if (ctx->info.footprint_bytes) {
        snprintf(v, sizeof(v), "%llu", (unsigned long long)ctx->info.footprint_bytes);
        if (kv_set(&ctx->info.facts, "footprint_bytes", v, e) < 0) return -1;
    }
    env_caps_text(rq->env->caps, v, sizeof(v));
    return kv_set(&ctx->info.facts, "caps", v, e);
}

int env_exec(struct env_ctx *ctx, const struct job *j, struct env_watch *w, struct reply *rep,
             struct err *e)
{
    if (ctx->rq->env->exec) return ctx->rq->env->exec(ctx, j, w, rep, e);
    return env_chan_exec(&ctx->agent_chan, ctx->rq->timeout_s, w, j, rep, e);
}

void env_instance_name(const struct env_ctx *ctx, char *buf, size_t len)
{
    if (ctx->instance)
        snprintf(buf, len, "%s-%d-%d", ctx->rq->run_id, ctx->rq->idx, ctx->instance);
    else
        snprintf(buf, len, "%s-%d", ctx->rq->run_id, ctx->rq->idx);
}

const char *env_instance_str(const struct env_ctx *ctx, char *buf, size_t len)
{
    env_instance_name(ctx, buf, len);
    return buf;
}

const char *env_instance_idx(const struct env_ctx *ctx, char *buf, size_t len)
{
    if (ctx->instance)
        snprintf(buf, len, "%d-%d", ctx->rq->idx, ctx->instance);
    else
        snprintf(buf, len, "%d", ctx->rq->idx);
    return buf;
}

void env_down(struct env_ctx *ctx)
{
    if (!ctx->rq) return;
    const struct env *env = ctx->rq->env;
    env_chan_stop(&ctx->agent_chan, &ctx->agent_pid, env->stop_grace_s > 0 ? env->stop_grace_s : 1);
    if (env->down)
        env->down(ctx);
    else
        free(ctx->priv);
    ctx->priv = NULL;
    ctx->info.reach_addr[0] = ctx->info.no_reach[0] = ctx->info.serve_addr[0] = '\0';
    ctx->info.local_addr[0] = '\0';
    ctx->info.datadir[0] = '\0';
    ctx->info.mem_dir[0] = '\0';
}

const char *env_self_exe(void)
{
    static char path[4096];
    if (!path[0]) {
        const char *over = getenv("ISOBENCH_SELF"); /* tests run agents from the real binary */
        if (over && *over) {
            snprintf(path, sizeof(path), "%s", over);
            return path;
        }
        ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
        if (n > 0)
            path[n] = '\0';
        else
            strcpy(path, "/proc/self/exe");
    }
    return path;
}

const struct journal_undo env_undo_handlers[] = {
    {"runc", runc_undo},
    {"runsc", runsc_undo},
    {"lxc", lxc_undo},
    {"docker", docker_undo},
    {"docker-image", docker_undo_image},
    {"podman", podman_undo},
    {"podman-port", podman_undo_port},
    {"podman-netns", podman_undo_netns},
    {"link", net_undo_link},
    {"nft", net_undo_nft},
    {"sysctl", net_undo_sysctl},
    {"mode", env_undo_mode},
    {NULL, NULL},
};

int env_undo_mode(const char *arg)
{
    char path[512];
    unsigned mode;
    struct stat st;
    if (sscanf(arg, "%511s %o", path, &mode) != 2 || mode > 07777) return -1;
    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return -1; /* a directory isobench opened, never a link */
    return chmod(path, mode);
}
