/* bigmem.c - see bigmem.h. */
#include "core/bigmem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* Over-maps by one alignment unit and trims both ends, so the start lands on
 * a 2 MiB boundary whatever address the kernel picks. */
int bigmem_alloc(struct bigmem *m, size_t bytes, int huge)
{
    m->p = NULL;
    m->len = 0;
    if (bytes == 0 || bytes > SIZE_MAX - 2 * BIGMEM_ALIGN) return -1;
    size_t len = (bytes + BIGMEM_ALIGN - 1) & ~(BIGMEM_ALIGN - 1);
    size_t span = len + BIGMEM_ALIGN;
    char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return -1;
    uintptr_t at = ((uintptr_t)raw + BIGMEM_ALIGN - 1) & ~(uintptr_t)(BIGMEM_ALIGN - 1);
    char *p = (char *)at;
    if (p > raw) munmap(raw, (size_t)(p - raw));
    if (raw + span > p + len) munmap(p + len, (size_t)(raw + span - (p + len)));
    /* EINVAL: a kernel without THP; base pages are what it has anyway */
    (void)madvise(p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    m->p = p;
    m->len = len;
    return 0;
}

void bigmem_free(struct bigmem *m)
{
    if (m->p) munmap(m->p, m->len);
    m->p = NULL;
    m->len = 0;
}

/* smaps lists each mapping as a "start-end perms ..." line followed by
 * "Field: value kB" lines. Mappings that overlap one of ours count whole:
 * the kernel may merge two of ours with equal flags into one. */
double bigmem_huge_share(const struct bigmem *m, size_t n)
{
    FILE *f cleanup_fclose = fopen("/proc/self/smaps", "re");
    if (!f) return -1;
    char line[512];
    int in = 0;
    unsigned long long size = 0, huge = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long lo, hi, kb;
        if (((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f')) &&
            sscanf(line, "%llx-%llx", &lo, &hi) == 2) {
            in = 0;
            for (size_t i = 0; i < n && !in; i++) {
                uintptr_t a = (uintptr_t)m[i].p;
                in = m[i].p && lo < a + m[i].len && hi > a;
            }
            if (in) size += hi - lo;
        } else if (in && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) {
            huge += kb << 10;
        }
    }
    return size ? (double)huge / (double)size : 0;
}

void bigmem_fact(struct kvlist *facts, const char *key, double share)
{
    char buf[16] = "unknown";
    if (share >= 0) snprintf(buf, sizeof(buf), "%.2f", share);
    kv_set(facts, key, buf, NULL);
}

void bigmem_thp_mode(char *buf, size_t len)
{
    char raw[128];
    snprintf(buf, len, "absent");
    if (util_read_file("/sys/kernel/mm/transparent_hugepage/enabled", raw, sizeof(raw)) < 0) return;
    char *lb = strchr(raw, '['), *rb = lb ? strchr(lb, ']') : NULL;
    if (!lb || !rb) return;
    *rb = '\0';
    snprintf(buf, len, "%s", lb + 1);
}
