#include "core/hello.h"

#include <ctype.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "core/facts.h"
#include "core/proto.h"
#include "core/util.h"

/* dl_iterate_phdr's callback: the main program's NT_GNU_BUILD_ID note
 * (the first object listed) as hex into arg (48 bytes). */
static int build_id_of(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    char *out = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)p;
            const char *name = p + sizeof(*n);
            const unsigned char *desc = (const unsigned char *)name + ((n->n_namesz + 3) & ~3u);
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
                size_t k = 0;
                for (unsigned b = 0; b < n->n_descsz && k + 3 <= 48; b++, k += 2)
                    snprintf(out + k, 3, "%02x", desc[b]);
                return 1;
            }
            p = (const char *)desc + ((n->n_descsz + 3) & ~3u);
        }
    }
    return 1; /* only the main program */
}

void hello_local(struct hello *h)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->version, sizeof(h->version), "%s", ISOBENCH_VERSION);
    h->proto = PROTO_VERSION;
    dl_iterate_phdr(build_id_of, h->build);
    if (!h->build[0]) snprintf(h->build, sizeof(h->build), "none");
    char mid[64] = "", name[64] = "";
    struct err e = {0};
    int fresh = 0;
    /* the host id every run stores (core/facts.h); without one (not root,
     * none made yet) the machine-id's head stands in, as "mid:<hex>" */
    if (facts_host_id("", mid, sizeof(mid), &fresh, &e) < 0) {
        char raw[64] = "";
        if (util_read_file("/etc/machine-id", raw, sizeof(raw)) < 0 || !raw[0])
            snprintf(raw, sizeof(raw), "unknown");
        raw[strcspn(raw, "\n")] = '\0';
        snprintf(mid, sizeof(mid), "mid:%.12s", raw);
    }
    if (gethostname(name, sizeof(name) - 1) < 0 || !name[0]) snprintf(name, sizeof(name), "?");
    for (char *c = name; *c; c++)
        if (isspace((unsigned char)*c)) *c = '_';
    snprintf(h->host, sizeof(h->host), "%.40s/%s", mid, name);
}

static int has_space(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s)) return 1;
    return 0;
}

int hello_encode(const struct hello *h, char *buf, size_t len, struct err *e)
{
    if (!h->version[0] || !h->build[0] || !h->host[0] || has_space(h->version) ||
        has_space(h->build) || has_space(h->host))
        return err_set(e, ERR_FAIL, "hello: a value is empty or holds white space");
    int n = snprintf(buf, len, "hello isobench=%s proto=%d build=%s host=%s", h->version, h->proto,
                     h->build, h->host);
    if (n < 0 || (size_t)n >= len) return err_set(e, ERR_FAIL, "hello: does not fit");
    return 0;
}

/* Copies the value of " KEY=" in buf (up to white space) into out. */
static int hello_field(const char *buf, const char *key, char *out, size_t len, struct err *e)
{
    char pat[24];
    snprintf(pat, sizeof(pat), " %s=", key);
    const char *p = strstr(buf, pat);
    if (!p) return err_set(e, ERR_FAIL, "hello: no %s= in '%.80s'", key, buf);
    p += strlen(pat);
    size_t n = strcspn(p, " \t\r\n");
    if (n == 0 || n >= len) return err_set(e, ERR_FAIL, "hello: bad %s= in '%.80s'", key, buf);
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

int hello_decode(const char *buf, struct hello *h, struct err *e)
{
    memset(h, 0, sizeof(*h));
    if (strncmp(buf, "hello ", 6))
        return err_set(e, ERR_FAIL, "handshake: '%.80s' where the hello belongs", buf);
    char proto[16];
    uint64_t v;
    if (hello_field(buf, "isobench", h->version, sizeof(h->version), e) < 0 ||
        hello_field(buf, "proto", proto, sizeof(proto), e) < 0 ||
        hello_field(buf, "build", h->build, sizeof(h->build), e) < 0 ||
        hello_field(buf, "host", h->host, sizeof(h->host), e) < 0)
        return -1;
    if (util_parse_u64(proto, &v, NULL) < 0 || v > 1000000)
        return err_set(e, ERR_FAIL, "hello: bad proto=%s", proto);
    h->proto = (int)v;
    return 0;
}

int hello_check(const struct hello *mine, const char *me, const struct hello *theirs,
                const char *them, struct err *e)
{
    const char *what = strcmp(mine->version, theirs->version) ? "isobench version"
                       : mine->proto != theirs->proto         ? "protocol version"
                       : strcmp(mine->build, theirs->build)   ? "build"
                                                              : NULL;
    if (!what) return 0;
    return err_set(e, ERR_FAIL,
                   "%s mismatch: %s %s is isobench %s proto %d build %.12s, %s %s is isobench %s "
                   "proto %d build %.12s (install the same isobench on both)",
                   what, me, mine->host, mine->version, mine->proto, mine->build, them,
                   theirs->host, theirs->version, theirs->proto, theirs->build);
}
