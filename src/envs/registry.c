#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int env_resolve(const struct spec *sp, const struct env **out, struct err *e)
{
    const struct env *env = env_find(sp->name);
    if (!env)
        return err_set(e, ERR_USAGE, "unknown environment '%s' (see isobench list)", sp->name);
    if (spec_check_keys(sp, env->keys, e) < 0) return -1;
    if (env->check && env->check(sp, e) < 0) return -1;
    *out = env;
    return 0;
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
    {NULL, NULL},
};
