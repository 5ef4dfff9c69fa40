#include "envs/vm/cmdline.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int has_space(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s)) return 1;
    return 0;
}

int vm_cmdline_add(char *buf, size_t len, const char *key, const char *val, struct err *e)
{
    if (!*key || has_space(key) || strchr(key, '=') || has_space(val))
        return err_set(e, ERR_USAGE, "kernel command line: '%s=%s' is not one word", key, val);
    size_t used = strlen(buf);
    int n = snprintf(buf + used, len - used, " %s=%s", key, val);
    if (n < 0 || (size_t)n >= len - used) {
        buf[used] = '\0';
        return err_set(e, ERR_FAIL, "kernel command line: no room for %s (%zu bytes)", key, len);
    }
    return 0;
}

int vm_cmdline_get(const char *cmdline, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key);
    for (const char *p = cmdline; (p = strstr(p, key)); p += kl) {
        if ((p != cmdline && !isspace((unsigned char)p[-1])) || p[kl] != '=') continue;
        const char *v = p + kl + 1;
        size_t vl = strcspn(v, " \t\n");
        if (vl >= len) return 0;
        memcpy(out, v, vl);
        out[vl] = '\0';
        return 1;
    }
    return 0;
}
