#include "core/spec.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int name_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.') return 0;
    return 1;
}

int spec_parse(const char *s, struct spec *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    char buf[256];
    if (strlen(s) >= sizeof(buf)) return err_set(e, ERR_USAGE, "spec '%.40s...' is too long", s);
    strcpy(buf, s);
    char *colon = strchr(buf, ':');
    if (colon) *colon = '\0';
    if (!name_ok(buf) || strlen(buf) >= sizeof(out->name))
        return err_set(e, ERR_USAGE, "'%s' is not a valid name", s);
    strcpy(out->name, buf);
    if (colon) {
        char *save = NULL;
        for (char *tok = strtok_r(colon + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(tok, '=');
            if (eq) *eq = '\0';
            const char *val = eq ? eq + 1 : "on";
            if (!name_ok(tok) || !*val)
                return err_set(e, ERR_USAGE, "malformed option '%s' in '%s' (want key=value)", tok,
                               s);
            if (kv_get(&out->kv, tok))
                return err_set(e, ERR_USAGE, "option '%s' given twice in '%s'", tok, s);
            if (kv_set(&out->kv, tok, val, e) < 0) return -1;
        }
        if (out->kv.n == 0) return err_set(e, ERR_USAGE, "nothing after ':' in '%s'", s);
    }
    /* the canonical text ("vm:tuned" is "vm:tuned=on") is what is stored
     * and parsed again: one that does not fit is refused, never cut */
    size_t off = (size_t)snprintf(out->text, sizeof(out->text), "%s", out->name);
    for (int i = 0; i < out->kv.n && off < sizeof(out->text); i++)
        off += (size_t)snprintf(out->text + off, sizeof(out->text) - off, "%c%s=%s", i ? ',' : ':',
                                out->kv.v[i].key, out->kv.v[i].val);
    if (off >= sizeof(out->text))
        return err_set(e, ERR_USAGE, "spec '%.40s...' is too long once written out (%zu bytes)", s,
                       sizeof(out->text) - 1);
    return 0;
}

int spec_check_keys(const struct spec *sp, const char *const *allowed, struct err *e)
{
    for (int i = 0; i < sp->kv.n; i++) {
        int ok = 0;
        for (const char *const *a = allowed; a && *a; a++)
            if (strcmp(*a, sp->kv.v[i].key) == 0) ok = 1;
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; a && *a; a++) {
                strncat(list, list[0] ? ", " : "", sizeof(list) - strlen(list) - 1);
                strncat(list, *a, sizeof(list) - strlen(list) - 1);
            }
            return err_set(e, ERR_USAGE, "unknown key '%s' for %s (known: %s)", sp->kv.v[i].key,
                           sp->name, list[0] ? list : "none");
        }
    }
    return 0;
}

int spec_split_list(const char *list, struct spec *out, int max, struct err *e)
{
    char buf[1024], cur[256] = "";
    if (strlen(list) >= sizeof(buf)) return err_set(e, ERR_USAGE, "list is too long");
    if (util_list_check(list, "environment", e) < 0) return -1;
    strcpy(buf, list);
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save);; tok = strtok_r(NULL, ",", &save)) {
        int continues =
            tok && strchr(tok, '=') && (!strchr(tok, ':') || strchr(tok, ':') > strchr(tok, '='));
        if (tok && continues) {
            if (!cur[0]) return err_set(e, ERR_USAGE, "'%s' does not follow a name", tok);
            if (strlen(cur) + strlen(tok) + 2 >= sizeof(cur))
                return err_set(e, ERR_USAGE, "spec '%s' is too long", cur);
            strcat(cur, strchr(cur, ':') ? "," : ":");
            strcat(cur, tok);
            continue;
        }
        if (cur[0]) {
            if (n >= max) return err_set(e, ERR_USAGE, "too many entries (max %d)", max);
            if (spec_parse(cur, &out[n], e) < 0) return -1;
            for (int i = 0; i < n; i++)
                if (strcmp(out[i].text, out[n].text) == 0)
                    return err_set(e, ERR_USAGE, "'%s' is listed twice", out[n].text);
            n++;
        }
        if (!tok) break;
        if (strlen(tok) >= sizeof(cur)) return err_set(e, ERR_USAGE, "'%s' is too long", tok);
        strcpy(cur, tok);
    }
    if (n == 0) return err_set(e, ERR_USAGE, "empty list");
    return n;
}

int spec_add(struct spec *sp, const char *key, const char *value, struct err *e)
{
    if (kv_get(&sp->kv, key)) return err_set(e, ERR_USAGE, "%s sets %s itself", sp->text, key);
    size_t l = strlen(sp->text);
    int n = snprintf(sp->text + l, sizeof(sp->text) - l, "%s%s=%s",
                     strchr(sp->text, ':') ? "," : ":", key, value);
    if (n < 0 || (size_t)n >= sizeof(sp->text) - l) {
        sp->text[l] = '\0';
        return err_set(e, ERR_USAGE, "%s with %s=%s is too long", sp->text, key, value);
    }
    return kv_set(&sp->kv, key, value, e);
}
