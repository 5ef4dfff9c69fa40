/* scen_preset - a study's setup as one name (scenario.h: struct
 * scen_preset, scenario_preset). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/scenario.h"

static const struct scen_preset *preset_find(const struct scenario *sc, const char *name,
                                             struct err *e)
{
    char have[256] = "";
    for (const struct scen_preset *p = sc->presets; p && p->name; p++) {
        if (!strcmp(p->name, name)) return p;
        snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s", have[0] ? ", " : "",
                 p->name);
    }
    err_set(e, ERR_USAGE, "%s has no preset '%s' (%s%s)", sc->name, name,
            have[0] ? "it has: " : "it has none", have);
    return NULL;
}

/* The preset's KEY=VALUE;... into opts where opts lacks the key. */
static int preset_opts(const char *list, struct kvlist *opts, struct err *e)
{
    char buf[512];
    if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
        return err_set(e, ERR_FAIL, "preset options too long");
    for (char *save = NULL, *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) return err_set(e, ERR_FAIL, "preset option '%s' has no value", t);
        *eq = '\0';
        if (!kv_get(opts, t) && kv_set(opts, t, eq + 1, e) < 0) return -1;
    }
    return 0;
}

/* env_list with vm_keys added to every vm spec that sets neither cpus=
 * nor mem=, into out. */
static int preset_envs(const char *env_list, const char *vm_keys, char *out, size_t len,
                       struct err *e)
{
    struct spec specs[LIM_ENVS];
    int n = spec_split_list(env_list, specs, LIM_ENVS, e);
    if (n < 0) return -1;
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        int sized = vm_keys && !strcmp(specs[i].name, "vm") && !kv_get(&specs[i].kv, "cpus") &&
                    !kv_get(&specs[i].kv, "mem");
        int k = snprintf(out + off, len - off, "%s%s%s%s", i ? "," : "", specs[i].text,
                         !sized                       ? ""
                         : strchr(specs[i].text, ':') ? ","
                                                      : ":",
                         sized ? vm_keys : "");
        if (k < 0 || (size_t)k >= len - off)
            return err_set(e, ERR_USAGE, "the environment list is too long with the preset");
        off += (size_t)k;
    }
    return 0;
}

int scenario_preset(const struct scenario *sc, const char *name, int size, const char *env_list,
                    char *out, size_t len, struct kvlist *opts, uint64_t *host_mem, uint64_t *swap,
                    const struct scen_preset **found, struct err *e)
{
    const struct scen_preset *p = preset_find(sc, name, e);
    if (!p) return -1;
    struct meminfo mi;
    if (scen_meminfo_read(&mi, e) < 0) return -1;
    if (p->needs_ram && mi.total * 1024.0 < (double)p->needs_ram)
        return err_set(e, ERR_USAGE,
                       "--preset %s emulates a host of %s (--host-mem): this one has %.1f GiB, "
                       "too little to emulate it",
                       p->name, p->host_mem, mi.total / 1048576.0);
    if (preset_opts(p->opts[size], opts, e) < 0) return -1;
    if (!*host_mem && p->host_mem && util_parse_size(p->host_mem, host_mem, e) < 0) return -1;
    if (!*swap && p->swap && util_parse_size(p->swap, swap, e) < 0) return -1;
    if (preset_envs(env_list, p->vm_keys, out, len, e) < 0) return -1;
    *found = p;
    return 0;
}
