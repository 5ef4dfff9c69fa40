/* blockio - the paper's fio job file (thewmf/kvm-docker-comparison,
 * fio/test.fio) on a file in the environment's data storage (a volume,
 * the overlay's upper layer on disk, or a VM's virtio disk), O_DIRECT:
 * the sequential fill (1 MiB writes at QD 16), 1 MiB reads at QD 1 and 2,
 * 4 KiB random writes and reads at QD 16 in 1 and in 8 jobs, the 70/30
 * mix at QD 32 in 8 jobs (biojobs.h), each job's threads run as fio's
 * numjobs (biorun.h), through one engine for every environment of the run
 * - libaio by default, the paper's - chosen at plan time: an environment
 * whose sandbox refuses it is n/a, and the engine never changes behind
 * the caller's back. The file is created, preallocated and filled for
 * each measurement and removed after. Self-check: every 4 KiB block
 * carries its own block number in its first 8 bytes; every read checks it.
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
#include "workloads/lib/bioeng.h"
#include "workloads/lib/biojobs.h"
#include "workloads/lib/biorun.h"
#include "workloads/workload.h"

#define ENGINES BIOENG_WORDS

static const struct wl_opt blockio_opts[] = {
    {"jobs",
     "comma list of JOB, JOB@QD or JOB@QDxN (JOB: " BIOJOBS_NAMES
     "; QD its queue depth per thread, else qd; N its threads on the same file, fio's numjobs; "
     "metrics JOB_*, JOB_qdQD_*, JOB_qdQDxN_*); the default is the paper's fio job file",
     {BIOJOBS_PAPER, BIOJOBS_PAPER, BIOJOBS_PAPER},
     .type = WL_T_STR},
    {"file-size",
     "test file size: a sequential job moves it once, a random thread stops after as many bytes "
     "if its runtime has not ended first (full: the paper's 16G)",
     {"256M", "1G", "16G"},
     .type = WL_T_SIZE,
     .min = 16777216.0,
     .max = 0x1p44,
     .unit = "bytes"},
    {"runtime",
     "seconds per random job (fio's runtime; full: the paper's 60)",
     {"0.5", "5", "60"},
     .type = WL_T_SECS,
     .min = 0.0,
     .lower = WL_MIN_EXCL,
     .max = 3600.0,
     .unit = "s"},
    {"qd",
     "queue depth (I/Os in flight per thread) of a job given without @QD",
     {"128", "128", "128"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = BIOJOBS_MAX_QD},
    {"rwmixread",
     "percent of randrw's I/Os that are reads (fio's rwmixread; the paper's 70)",
     {"70", "70", "70"},
     .type = WL_T_UINT,
     .min = 0.0,
     .max = 100.0,
     .unit = "%"},
    {"engine",
     "the I/O engine of every environment of the run: libaio (Linux native AIO, the paper's), "
     "io_uring, or psync (pread/pwrite: every job's queue depth must be 1); an environment "
     "whose sandbox refuses it is n/a",
     {"libaio", "libaio", "libaio"},
     .type = WL_T_ENUM,
     .values = ENGINES},
    {"pages",
     "huge or normal: the I/O buffers on 2 MiB or base pages (contiguous buffers make fewer, "
     "larger device requests, as a guest's RAM on QEMU's huge pages does)",
     {"huge", "huge", "huge"},
     .type = WL_T_ENUM,
     .values = WL_PAGES_VALUES},
    {.name = NULL},
};

struct blockio_cfg {
    struct bio_job jobs[BIOJOBS_MAX];
    int njobs;
    uint64_t size;
    double runtime;
    enum bioeng_kind engine;
    int huge;  /* pages=huge */
    int paper; /* the list is the paper's job file */
};

/* The options into c, each checked on its own. */
static int blockio_opts_read(const struct wl_ctx *ctx, struct blockio_cfg *c, struct err *e)
{
    const struct workload *w = &workload_blockio;
    memset(c, 0, sizeof(*c));
    uint64_t dqd, mix;
    if (wl_opt_u64(ctx, w, "qd", 128, &dqd, e) < 0 ||
        wl_opt_u64(ctx, w, "rwmixread", 70, &mix, e) < 0 ||
        wl_opt_size(ctx, w, "file-size", 256 << 20, &c->size, e) < 0 ||
        wl_opt_secs(ctx, w, "runtime", 5, &c->runtime, e) < 0)
        return err_wrap(e, "blockio");
    const char *list = wl_opt_str(ctx, w, "jobs");
    c->njobs = biojobs_parse(list, (unsigned)dqd, (unsigned)mix, c->jobs, BIOJOBS_MAX, e);
    if (c->njobs < 0) return -1;
    c->paper = !strcmp(list, BIOJOBS_PAPER) && mix == 70;
    if (c->size % BIO_SEQ_BS) /* >= 16M: the table's */
        return err_set(e, ERR_USAGE, "blockio: file-size must be a multiple of 1M, >= 16M");
    int eng;
    if (wl_opt_huge(ctx, w, &c->huge, e) < 0 ||
        wl_opt_enum(ctx, w, "engine", BIOENG_LIBAIO, &eng, e) < 0)
        return -1;
    c->engine = (enum bioeng_kind)eng;
    return 0;
}

/* ERR_USAGE when c's jobs make more metrics than a sample holds, or ask
 * psync for a queue depth above 1 (refused, never run at depth 1). */
static int blockio_jobs_fit(const struct blockio_cfg *c, struct err *e)
{
    int metrics = 1; /* cpu_us_per_io */
    for (int i = 0; i < c->njobs; i++)
        metrics += c->jobs[i].rw == BIO_RANDREAD ? 10 : 5; /* as job_metrics adds them */
    if (metrics > RESULT_MAX_METRICS)
        return err_set(e, ERR_USAGE,
                       "blockio: %d jobs make %d metrics, more than a sample holds (%d): list "
                       "fewer",
                       c->njobs, metrics, RESULT_MAX_METRICS);
    for (int i = 0; i < c->njobs; i++)
        if (c->engine == BIOENG_PSYNC && c->jobs[i].qd != 1)
            return err_set(e, ERR_USAGE,
                           "blockio: engine=psync does one I/O at a time, but job %s asks for "
                           "queue depth %u: give its jobs @1 (e.g. randread@1x8) or another "
                           "engine",
                           c->jobs[i].name, c->jobs[i].qd);
    return 0;
}

/* The jobs, engine and sizes the options give; ERR_USAGE on any bad one. */
static int blockio_params(const struct wl_ctx *ctx, struct blockio_cfg *c, struct err *e)
{
    if (blockio_opts_read(ctx, c, e) < 0) return -1;
    return blockio_jobs_fit(c, e);
}

/* The bytes of I/O buffers job j holds: numjobs x qd x bs. */
static uint64_t job_buf_bytes(const struct bio_job *j)
{
    return (uint64_t)j->numjobs * j->qd * j->bs;
}

/* "16g", "256m": a size in fio's words. */
static void size_words(uint64_t b, char *buf, size_t len)
{
    if (b % (1ull << 30) == 0)
        snprintf(buf, len, "%llug", (unsigned long long)(b >> 30));
    else
        snprintf(buf, len, "%llum", (unsigned long long)(b >> 20));
}

/* What is run, as facts of the plan (stored with every sample):
 * blockio.engine, blockio.global (fio's [global] words), blockio.job_file
 * (the paper's, or how the list differs) and blockio.job.NAME for each
 * job: its shape in fio's words and how long it runs. */
static int blockio_plan_facts(const struct blockio_cfg *c, struct kvlist *f, struct err *e)
{
    char v[256], sz[32], key[64];
    size_words(c->size, sz, sizeof(sz));
    snprintf(v, sizeof(v), "ioengine=%s direct=1 size=%s thread", bioeng_kind_name(c->engine), sz);
    if (kv_set(f, "blockio.engine", bioeng_kind_name(c->engine), e) < 0 ||
        kv_set(f, "blockio.global", v, e) < 0 ||
        kv_set(f, "blockio.job_file",
               c->paper ? "the paper's (kvm-docker-comparison fio/test.fio)"
                        : "custom jobs= (not the paper's fio job file)",
               e) < 0)
        return -1;
    for (int i = 0; i < c->njobs; i++) {
        const struct bio_job *j = &c->jobs[i];
        char shape[160];
        biojob_shape(j, shape, sizeof(shape));
        if (biojob_is_seq(j))
            snprintf(v, sizeof(v), "%s, one pass over %s%s", shape, sz,
                     i == 0 && j->rw == BIO_SEQWRITE ? " (the fill)" : "");
        else
            snprintf(v, sizeof(v), "%s runtime=%g", shape, c->runtime);
        snprintf(key, sizeof(key), "blockio.job.%s", j->name);
        if (kv_set(f, key, v, e) < 0) return -1;
    }
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

/* At plan time: the options, the memory of the largest job's buffers, the
 * file's room, the engine as a need of the environments (io_uring: one
 * whose seccomp profile refuses it is n/a), resolved as an option (every
 * environment runs it, the report's header prints it) and the plan facts. */
static int blockio_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                         struct err *e)
{
    struct blockio_cfg c;
    if (blockio_params(ctx, &c, e) < 0) return -1;
    for (int i = 0; i < c.njobs; i++)
        if (job_buf_bytes(&c.jobs[i]) > need->mem_bytes)
            need->mem_bytes = job_buf_bytes(&c.jobs[i]);
    need->disk_bytes = c.size + BLOCKIO_SLACK; /* the planner checks the host's room */
    if (c.engine == BIOENG_URING) need->needs |= WL_NEEDS_IO_URING;
    if (kv_set(resolved, "engine", bioeng_kind_name(c.engine), e) < 0) return -1;
    return blockio_plan_facts(&c, &need->facts, e);
}

/* Writes the whole file once, 1 MiB at a time, stamped (unmeasured: for a
 * list whose first job is not a sequential write). */
static int fill(int fd, char *buf, uint64_t size, struct err *e)
{
    for (uint64_t off = 0; off < size; off += BIO_SEQ_BS) {
        biorun_stamp(buf, BIO_SEQ_BS, off);
        if (pwrite(fd, buf, BIO_SEQ_BS, (off_t)off) != (ssize_t)BIO_SEQ_BS)
            return err_sys(e, ERR_FAIL, errno, "blockio: filling the file");
    }
    return 0;
}

/* Job i's metrics: JOB_bw, JOB_iops, JOB_lat_mean and latency quantiles
 * (p50 and p99; a random-read job also those of the paper's Figure 7, the
 * CDF of their latency). */
static int job_metrics(const struct bio_job *j, const struct biorun_out *o, struct result *r,
                       struct err *e)
{
    char name[LIM_METRIC_NAME];
    snprintf(name, sizeof(name), "%s_bw", j->name);
    if (result_add(r, name, "MB/s", BETTER_HIGHER, (double)o->ios * j->bs / o->secs / 1e6, e) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s_iops", j->name);
    if (result_add(r, name, "IO/s", BETTER_HIGHER, (double)o->ios / o->secs, e) < 0) return -1;
    snprintf(name, sizeof(name), "%s_lat_mean", j->name);
    if (result_add(r, name, "us", BETTER_LOWER, hist_mean(&o->h) / 1e3, e) < 0) return -1;
    static const int qall[] = {50, 99, 0}, qcdf[] = {10, 25, 50, 75, 90, 95, 99, 0};
    for (const int *q = j->rw == BIO_RANDREAD ? qcdf : qall; *q; q++) {
        snprintf(name, sizeof(name), "%s_lat_p%d", j->name, *q);
        if (result_add(r, name, "us", BETTER_LOWER, hist_quantile(&o->h, *q / 100.0) / 1e3, e) < 0)
            return -1;
    }
    return 0;
}

/* Creates path, preallocates it (fio's fallocate, so that the fill's
 * writes do not extend the file), and when the first job is not a
 * sequential write fills it unmeasured. Fact blockio.prealloc. */
static int make_file(const struct blockio_cfg *c, const char *path, char *buf, struct result *r,
                     struct err *e)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, errno == EINVAL ? ERR_USAGE : ERR_FAIL, "blockio: open %s O_DIRECT: %s",
                       path, strerror(errno));
    char why[96] = "fallocate";
    if (fallocate(fd, 0, 0, (off_t)c->size) < 0) {
        if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL) {
            int er = errno;
            close(fd);
            return err_sys(e, ERR_FAIL, er, "blockio: fallocate %s", path);
        }
        snprintf(why, sizeof(why), "none (fallocate: %s)", strerror(errno));
    }
    kv_set(&r->facts, "blockio.prealloc", why, NULL);
    int rc = c->jobs[0].rw == BIO_SEQWRITE ? 0 : fill(fd, buf, c->size, e);
    if (rc == 0 && fsync(fd) < 0) rc = err_sys(e, ERR_FAIL, errno, "blockio: fsync %s", path);
    close(fd);
    return rc;
}

/* Makes the file, then runs every job in order (as fio's stonewall does);
 * the first one, when it is a sequential write, is the fill. */
static int blockio_body(const struct blockio_cfg *c, const char *path, char *bufs, struct result *r,
                        struct err *e)
{
    if (make_file(c, path, bufs, r, e) < 0) return -1;
    uint64_t ios = c->jobs[0].rw == BIO_SEQWRITE ? 0 : c->size / BIO_SEQ_BS;
    struct biorun_out *o cleanup_free = malloc(sizeof(*o));
    if (!o) return err_set(e, ERR_FAIL, "out of memory");
    for (int i = 0; i < c->njobs; i++) {
        struct biorun_in in = {.job = &c->jobs[i],
                               .path = path,
                               .size = c->size,
                               .runtime = c->runtime,
                               .engine = c->engine,
                               .bufs = bufs};
        if (biorun_job(&in, o, e) < 0 || job_metrics(&c->jobs[i], o, r, e) < 0) return -1;
        ios += o->ios;
    }
    /* the runner charges what the whole sample (fill and jobs) cost the
     * host - the environment's cgroup, QEMU's threads for a VM - per I/O */
    wl_work(r, (double)ios, "cpu_us_per_io", "cpu-us/IO", 1e6);
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
    uint64_t bytes = BIO_SEQ_BS; /* the unmeasured fill's buffer at least */
    for (int i = 0; i < c.njobs; i++)
        if (job_buf_bytes(&c.jobs[i]) > bytes) bytes = job_buf_bytes(&c.jobs[i]);
    char path[512];
    snprintf(path, sizeof(path), "%s/isobench-blockio-%d.dat", ctx->datadir, (int)getpid());
    struct bigmem bm cleanup_bigmem = {0};
    if (bigmem_alloc(&bm, (size_t)bytes, c.huge) < 0) return err_set(e, ERR_FAIL, "out of memory");
    memset(bm.p, 0, (size_t)bytes); /* first touch: the page size is decided now */
    bigmem_fact(&r->facts, "blockio.huge_share", bigmem_huge_share(&bm, 1));
    kv_set(&r->facts, "blockio.engine", bioeng_kind_name(c.engine), NULL);
    kv_set(&r->facts, "blockio.dir", ctx->datadir, NULL);
    blockio_queue_facts(ctx->datadir, r);
    int rc = blockio_body(&c, path, bm.p, r, e);
    unlink(path);
    return rc;
}

const struct workload workload_blockio = {
    .unit = "I/O",
    .name = "blockio",
    .summary = "the paper's fio job file: O_DIRECT block I/O through libaio (or io_uring, psync) "
               "in the environment's data storage",
    .opts = blockio_opts,
    .data = 1,
    .needs = WL_NEEDS_ODIRECT,
    .check = blockio_check,
    .run = blockio_run,
};
