/* blockio - fio-like O_DIRECT block I/O on a file in the environment's data
 * storage (a volume, the overlay's upper layer on disk, or a VM's virtio
 * disk): jobs seqread/seqwrite (1 MiB), randread/randwrite/randrw (4 KiB,
 * 70 % reads), queue depth 128, through io_uring (native AIO when io_uring
 * is refused, said in the facts). The file is created and filled for each
 * measurement and removed after. Self-check: every 4 KiB block carries its
 * own block number in its first 8 bytes; every read checks it.
 *
 * The I/O buffers sit on 2 MiB pages (pages=huge): O_DIRECT hands the
 * device one segment per physically contiguous piece, so 1 MiB on 4 KiB
 * pages is 256 segments - above this host's virtual disk's 254, so every
 * read went out as two requests - while a VM's guest RAM sits on QEMU's
 * huge pages and its 1 MiB read reaches the host disk whole. That made the
 * TCG guest read sequentially 30-45 % faster than native (measured here,
 * and gone with native's buffers on huge pages); pages=normal brings the
 * base-page behaviour back. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/bigmem.h"
#include "core/hist.h"
#include "workloads/bioeng.h"
#include "workloads/workload.h"

#define BLK 4096u
#define SEQ_BS (1u << 20)
#define ALL_JOBS "seqread,seqwrite,randread,randwrite,randrw"
/* the paper's sequential queue depths (1 MiB reads at 1 and 2, writes at
 * 16) beside the deep-queue ones */
#define DEF_JOBS "seqread@1,seqread@2,seqread,seqwrite@16,seqwrite,randread,randwrite,randrw"
#define MAX_JOBS 16

static const struct wl_opt blockio_opts[] = {
    {"jobs",
     "comma list of " ALL_JOBS ", each JOB or JOB@QD (its own queue depth, metrics JOB_qdQD_*)",
     {DEF_JOBS, DEF_JOBS, DEF_JOBS},
     .type = WL_T_STR},
    {"file-size",
     "test file size (full: the paper's 16G)",
     {"256M", "1G", "16G"},
     .type = WL_T_SIZE,
     .min = 16777216.0,
     .max = 0x1p44,
     .unit = "bytes"},
    {"runtime",
     "seconds per job",
     {"0.5", "5", "20"},
     .type = WL_T_SECS,
     .min = 0.0,
     .max = 3600.0,
     .unit = "s"},
    {"qd",
     "queue depth (I/Os in flight) of a job without @QD",
     {"128", "128", "128"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 4096.0},
    {"engine",
     "auto (io_uring, else native AIO), io_uring or libaio",
     {"auto", "auto", "auto"},
     .type = WL_T_ENUM,
     .values = "auto|io_uring|libaio"},
    {"pages",
     "huge or normal: the I/O buffers on 2 MiB or base pages (contiguous buffers make fewer, "
     "larger device requests, as a guest's RAM on QEMU's huge pages does)",
     {"huge", "huge", "huge"},
     .type = WL_T_ENUM,
     .values = "huge|normal"},
    {.name = NULL},
};

enum { J_SEQREAD, J_SEQWRITE, J_RANDREAD, J_RANDWRITE, J_RANDRW, J_N };
static const char *const job_names[J_N] = {"seqread", "seqwrite", "randread", "randwrite",
                                           "randrw"};

struct blockio_cfg {
    int jobs[MAX_JOBS], njobs;
    unsigned jqd[MAX_JOBS];   /* each job's queue depth */
    char jname[MAX_JOBS][24]; /* metric prefix: seqread, seqread_qd1, ... */
    uint64_t size, qd;        /* qd: the largest of them */
    double runtime;
    const char *engine;
    int huge; /* pages=huge */
};

static int blockio_params(const struct wl_ctx *ctx, struct blockio_cfg *c, struct err *e)
{
    const struct workload *w = &workload_blockio;
    memset(c, 0, sizeof(*c));
    char list[256];
    if (snprintf(list, sizeof(list), "%s", wl_opt_str(ctx, w, "jobs")) >= (int)sizeof(list))
        return err_set(e, ERR_USAGE, "blockio: the job list is longer than %zu bytes",
                       sizeof(list) - 1);
    uint64_t dqd;
    if (wl_opt_u64(ctx, w, "qd", 128, &dqd, e) < 0) return err_wrap(e, "blockio");
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *at = strchr(t, '@');
        uint64_t q = dqd;
        if (at) {
            *at = '\0';
            if (util_parse_u64(at + 1, &q, NULL) < 0 || q < 1 || q > 4096)
                return err_set(e, ERR_USAGE, "blockio: job %s@%s: the queue depth is 1..4096", t,
                               at + 1);
        }
        int k = -1;
        for (int i = 0; i < J_N; i++)
            if (!strcmp(t, job_names[i])) k = i;
        if (k < 0) return err_set(e, ERR_USAGE, "blockio: unknown job '%s' (%s)", t, ALL_JOBS);
        if (c->njobs >= MAX_JOBS)
            return err_set(e, ERR_USAGE, "blockio: at most %d jobs", MAX_JOBS);
        c->jqd[c->njobs] = (unsigned)q;
        if (at)
            snprintf(c->jname[c->njobs], sizeof(c->jname[0]), "%s_qd%u", t, (unsigned)q);
        else
            snprintf(c->jname[c->njobs], sizeof(c->jname[0]), "%s", t);
        for (int i = 0; i < c->njobs; i++)
            if (!strcmp(c->jname[i], c->jname[c->njobs]))
                return err_set(e, ERR_USAGE, "blockio: job %s is listed twice", c->jname[c->njobs]);
        c->jobs[c->njobs++] = k;
    }
    if (!c->njobs) return err_set(e, ERR_USAGE, "blockio: no job given");
    if (wl_opt_size(ctx, w, "file-size", 256 << 20, &c->size, e) < 0 ||
        wl_opt_u64(ctx, w, "qd", 128, &c->qd, e) < 0 ||
        util_parse_double(wl_opt_str(ctx, w, "runtime"), &c->runtime, e) < 0)
        return err_wrap(e, "blockio");
    if (c->qd < 1 || c->qd > 4096) return err_set(e, ERR_USAGE, "blockio: qd must be 1..4096");
    for (int i = 0; i < c->njobs; i++) /* buffers and the ring for the deepest job */
        if (c->jqd[i] > c->qd) c->qd = c->jqd[i];
    if (!(c->runtime > 0 && c->runtime <= 3600))
        return err_set(e, ERR_USAGE, "blockio: runtime must be in (0, 3600] seconds");
    if (c->size < 16 * (uint64_t)SEQ_BS || c->size % SEQ_BS)
        return err_set(e, ERR_USAGE, "blockio: file-size must be a multiple of 1M, >= 16M");
    const char *pg = wl_opt_str(ctx, w, "pages");
    if (!pg || (strcmp(pg, "normal") && strcmp(pg, "huge")))
        return err_set(e, ERR_USAGE, "blockio: pages must be normal or huge");
    c->huge = !strcmp(pg, "huge");
    c->engine = wl_opt_str(ctx, w, "engine");
    if (strcmp(c->engine, "auto") && strcmp(c->engine, "io_uring") && strcmp(c->engine, "libaio"))
        return err_set(e, ERR_USAGE, "blockio: engine must be auto, io_uring or libaio");
    return 0;
}

/* 1 inside gVisor: its Sentry reports this fixed uname (4.4.0, built "Sun
 * Jan 10 15:06:54 PST 2016"). */
static int in_gvisor(void)
{
    struct utsname u;
    return uname(&u) == 0 && !strcmp(u.release, "4.4.0") &&
           strstr(u.version, "Sun Jan 10 15:06:54 PST 2016") != NULL;
}

/* Free space kept beside the test file. */
#define BLOCKIO_SLACK (64ull << 20)

/* In the environment, before the file is made: refuses gVisor and a tmpfs
 * (O_DIRECT is refused there; page-cache numbers would pass for disk
 * numbers) and a file larger than the free space. */
static int blockio_storage(const char *dir, uint64_t size, struct err *e)
{
    /* gVisor opens files with O_DIRECT but serves them through its own page
     * cache: runsc measured 2.6x the host disk's random-read IOPS here */
    if (in_gvisor())
        return err_set(e, ERR_USAGE,
                       "blockio: gVisor (runsc) does not honour O_DIRECT - its file I/O goes "
                       "through the sandbox's page cache, whose numbers are not disk numbers");
    struct statfs sf;
    struct statvfs sv;
    if (statfs(dir, &sf) < 0 || statvfs(dir, &sv) < 0)
        return err_sys(e, ERR_USAGE, errno, "blockio: data storage %s", dir);
    if (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)
        return err_set(e, ERR_USAGE,
                       "blockio: data storage %s is in RAM (tmpfs): O_DIRECT is refused there "
                       "and page-cache numbers are not disk numbers",
                       dir);
    uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
    if (size + BLOCKIO_SLACK > avail)
        return err_set(e, ERR_USAGE, "blockio: file-size %llu MiB exceeds the %llu MiB free in %s",
                       (unsigned long long)(size >> 20), (unsigned long long)(avail >> 20), dir);
    return 0;
}

static int blockio_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                         struct err *e)
{
    (void)resolved;
    struct blockio_cfg c;
    if (blockio_params(ctx, &c, e) < 0) return -1;
    need->mem_bytes = c.qd * SEQ_BS;
    need->disk_bytes = c.size + BLOCKIO_SLACK; /* the planner checks the host's room */
    return 0;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Stamps each 4 KiB block of buf with its block number. */
static void stamp(char *buf, size_t len, uint64_t off)
{
    for (size_t b = 0; b < len; b += BLK) {
        uint64_t n = (off + b) / BLK;
        memcpy(buf + b, &n, sizeof(n));
    }
}

static int verify(const char *buf, size_t len, uint64_t off, struct err *e)
{
    for (size_t b = 0; b < len; b += BLK) {
        uint64_t n;
        memcpy(&n, buf + b, sizeof(n));
        if (n != (off + b) / BLK)
            return err_set(e, ERR_FAIL, "blockio: block %llu read back as %llu (data corrupt)",
                           (unsigned long long)((off + b) / BLK), (unsigned long long)n);
    }
    return 0;
}

struct bio_run {
    const struct blockio_cfg *c;
    struct bioeng *eng;
    int fd;
    char *bufs;
    double *t_issue;
    uint64_t *off;
    unsigned char *is_write;
    uint64_t seq_next, rng;
    uint64_t ios; /* every I/O of the sample, the fill pass included */
};

/* Queues the next I/O of job `job` on slot s. */
static int issue(struct bio_run *b, int job, unsigned s, struct err *e)
{
    size_t bs = job == J_SEQREAD || job == J_SEQWRITE ? SEQ_BS : BLK;
    uint64_t off;
    if (bs == SEQ_BS) {
        off = b->seq_next;
        b->seq_next = (b->seq_next + SEQ_BS) % b->c->size;
    } else {
        off = xorshift(&b->rng) % (b->c->size / BLK) * BLK;
    }
    int w = job == J_SEQWRITE || job == J_RANDWRITE ||
            (job == J_RANDRW && xorshift(&b->rng) % 100 >= 70);
    char *buf = b->bufs + (size_t)s * SEQ_BS;
    if (w) stamp(buf, bs, off);
    b->off[s] = off;
    b->is_write[s] = (unsigned char)w;
    b->t_issue[s] = util_now();
    return bioeng_queue(b->eng, b->fd, s, w, buf, bs, off, e);
}

static int run_job(struct bio_run *b, int ji, struct hist *h, struct result *r, struct err *e)
{
    const int job = b->c->jobs[ji];
    unsigned qd = b->c->jqd[ji], inflight = 0, slots[256];
    long res[256];
    size_t bs = job == J_SEQREAD || job == J_SEQWRITE ? SEQ_BS : BLK;
    hist_init(h);
    b->seq_next = 0;
    double t0 = util_now(), end = t0 + b->c->runtime;
    uint64_t ios = 0;
    for (unsigned s = 0; s < qd; s++, inflight++)
        if (issue(b, job, s, e) < 0) return -1;
    while (inflight) {
        int n = bioeng_reap(b->eng, 1, 256, slots, res, e);
        if (n < 0) return -1;
        double now = util_now();
        for (int i = 0; i < n; i++) {
            unsigned s = slots[i];
            if (res[i] < 0)
                return err_set(e, ERR_FAIL, "blockio %s: I/O error: %s", job_names[job],
                               strerror((int)-res[i]));
            if ((size_t)res[i] != bs)
                return err_set(e, ERR_FAIL, "blockio %s: short I/O (%ld of %zu bytes)",
                               job_names[job], res[i], bs);
            if (!b->is_write[s] && verify(b->bufs + (size_t)s * SEQ_BS, bs, b->off[s], e) < 0)
                return -1;
            hist_add(h, (uint64_t)((now - b->t_issue[s]) * 1e9));
            ios++;
            if (now < end) {
                if (issue(b, job, s, e) < 0) return -1;
            } else {
                inflight--;
            }
        }
    }
    double secs = util_now() - t0;
    b->ios += ios;
    char name[48];
    const char *jn = b->c->jname[ji];
    snprintf(name, sizeof(name), "%s_bw", jn);
    if (result_add(r, name, "MB/s", BETTER_HIGHER, (double)ios * (double)bs / secs / 1e6, e) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s_iops", jn);
    if (result_add(r, name, "IO/s", BETTER_HIGHER, (double)ios / secs, e) < 0) return -1;
    /* p50 and p99 for every job; random reads also the quantiles of the
     * paper's Figure 7, the CDF of their latency */
    static const int qall[] = {50, 99, 0}, qcdf[] = {10, 25, 50, 75, 90, 95, 99, 0};
    for (const int *q = job == J_RANDREAD ? qcdf : qall; *q; q++) {
        snprintf(name, sizeof(name), "%s_lat_p%d", jn, *q);
        if (result_add(r, name, "us", BETTER_LOWER, hist_quantile(h, *q / 100.0) / 1e3, e) < 0)
            return -1;
    }
    return 0;
}

/* Writes the whole file once, 1 MiB at a time, stamped, then fsyncs. */
static int fill(struct bio_run *b, struct err *e)
{
    for (uint64_t off = 0; off < b->c->size; off += SEQ_BS) {
        stamp(b->bufs, SEQ_BS, off);
        if (pwrite(b->fd, b->bufs, SEQ_BS, (off_t)off) != (ssize_t)SEQ_BS)
            return err_sys(e, ERR_FAIL, errno, "blockio: filling the file");
    }
    return fsync(b->fd) < 0 ? err_set(e, ERR_FAIL, "fsync: %s", strerror(errno)) : 0;
}

static int blockio_body(struct bio_run *b, const char *path, char *why, size_t whylen,
                        struct result *r, struct err *e)
{
    b->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0600);
    if (b->fd < 0)
        return err_set(e, errno == EINVAL ? ERR_USAGE : ERR_FAIL, "blockio: open %s O_DIRECT: %s",
                       path, strerror(errno));
    if (!why[0] && bioeng_probe(b->eng, b->fd, b->bufs, BLK, why, whylen, e) < 0)
        return err_wrap(e, "blockio");
    if (fill(b, e) < 0) return -1;
    b->ios = b->c->size / SEQ_BS;
    struct hist *h cleanup_free = malloc(sizeof(*h));
    if (!h) return err_set(e, ERR_FAIL, "out of memory");
    for (int i = 0; i < b->c->njobs; i++)
        if (run_job(b, i, h, r, e) < 0) return -1;
    /* the runner charges what the whole sample (fill and jobs) cost the
     * host - the environment's cgroup, QEMU's threads for a VM - per I/O */
    wl_work(r, (double)b->ios, "cpu_us_per_io", "cpu-us/IO", 1e6);
    return 0;
}

/* The request limits of the block device under dir, as this environment
 * sees them: a 1 MiB read becomes ceil(1 MiB / largest request) device
 * requests in flight at once, so a guest whose virtual disk takes smaller
 * requests than the host's puts a deeper queue on the host disk than its
 * own QD says (why a VM can beat native at QD 1-2). Facts
 * blockio.dev_max_kb (largest request: max_sectors_kb, and max_segments
 * pages) and blockio.dev_split_1m. */
static void blockio_queue_facts(const char *dir, struct result *r)
{
    struct stat st;
    if (stat(dir, &st) < 0) return;
    char q[128], buf[64];
    unsigned long kb = 0, segs = 0;
    for (int up = 0; up < 2 && !kb; up++) { /* a partition's queue is its disk's */
        snprintf(q, sizeof(q), "/sys/dev/block/%u:%u/%squeue/max_sectors_kb", major(st.st_dev),
                 minor(st.st_dev), up ? "../" : "");
        if (util_read_file(q, buf, sizeof(buf)) == 0) kb = strtoul(buf, NULL, 10);
        snprintf(q, sizeof(q), "/sys/dev/block/%u:%u/%squeue/max_segments", major(st.st_dev),
                 minor(st.st_dev), up ? "../" : "");
        if (util_read_file(q, buf, sizeof(buf)) == 0) segs = strtoul(buf, NULL, 10);
    }
    if (!kb) return; /* overlay, tmpfs, gVisor: no block device of its own */
    unsigned long eff = segs && segs * 4 < kb ? segs * 4 : kb;
    snprintf(buf, sizeof(buf), "%lu", eff);
    kv_set(&r->facts, "blockio.dev_max_kb", buf, NULL);
    snprintf(buf, sizeof(buf), "%lu", (1024 + eff - 1) / eff);
    kv_set(&r->facts, "blockio.dev_split_1m", buf, NULL);
}

static int blockio_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    struct blockio_cfg c;
    if (blockio_params(ctx, &c, e) < 0) return -1;
    if (!ctx->datadir || !*ctx->datadir)
        return err_set(e, ERR_USAGE, "blockio: this environment has no data directory");
    if (blockio_storage(ctx->datadir, c.size, e) < 0) return -1;
    char why[160];
    struct bio_run b = {.c = &c, .fd = -1, .rng = 0x9E3779B97F4A7C15ull};
    b.eng = bioeng_open(c.engine, (unsigned)c.qd, why, sizeof(why), e);
    if (!b.eng) return err_wrap(e, "blockio");
    b.t_issue = calloc(c.qd, sizeof(*b.t_issue));
    b.off = calloc(c.qd, sizeof(*b.off));
    b.is_write = calloc(c.qd, 1);
    int rc = -1;
    char path[512];
    snprintf(path, sizeof(path), "%s/isobench-blockio-%d.dat", ctx->datadir, (int)getpid());
    struct bigmem bm cleanup_bigmem = {0};
    if (!b.t_issue || !b.off || !b.is_write ||
        bigmem_alloc(&bm, (size_t)c.qd * SEQ_BS, c.huge) < 0) {
        err_set(e, ERR_FAIL, "out of memory");
    } else {
        b.bufs = bm.p;
        memset(b.bufs, 0, (size_t)c.qd * SEQ_BS); /* first touch: the page size is decided now */
        bigmem_fact(&r->facts, "blockio.huge_share", bigmem_huge_share(&bm, 1));
        rc = blockio_body(&b, path, why, sizeof(why), r, e);
    }
    if (b.fd >= 0) {
        close(b.fd);
        unlink(path);
    }
    kv_set(&r->facts, "blockio.engine", bioeng_name(b.eng), NULL);
    blockio_queue_facts(ctx->datadir, r);
    if (why[0]) kv_set(&r->facts, "blockio.engine_note", why, NULL);
    kv_set(&r->facts, "blockio.dir", ctx->datadir, NULL);
    bioeng_close(b.eng);
    free(b.t_issue);
    free(b.off);
    free(b.is_write);
    return rc;
}

const struct workload workload_blockio = {
    .name = "blockio",
    .summary = "O_DIRECT block I/O with io_uring (fio-like) in the environment's data storage",
    .opts = blockio_opts,
    .data = 1,
    .needs = WL_NEEDS_ODIRECT,
    .check = blockio_check,
    .run = blockio_run,
};
