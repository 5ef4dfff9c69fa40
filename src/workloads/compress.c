/* compress - parallel LZMA as PXZ does it: liblzma's multi-threaded .xz
 * encoder at preset 2 with one thread per CPU, input held in RAM, output
 * discarded. The input is --input FILE (e.g. enwik9) or a generated text
 * corpus of the preset's size. The output goes to RAM too (touched before
 * the clock starts); after timing all of it is decoded and compared with
 * the whole input, so a broken encoder or a wrong block anywhere fails the
 * sample instead of reporting. MB/s = 10^6 input bytes/s.
 *
 * The encoder compresses independent blocks in parallel. xz's blocks are 3x
 * the preset's dictionary (6 MiB at preset 2), so an input that is not a
 * multiple of threads x 6 MiB ends with threads idle while the last blocks
 * finish: 64 MiB on 2 threads is 11 blocks, one alone at the end (6 % of
 * the time here), 16 MiB is 3 (25 %). block-size=auto (the default) cuts the
 * input into whole rounds of equal blocks, one per thread, none larger than
 * xz's: the same encoder and preset with its threads busy to the end.
 * block-size=xz is liblzma's own choice, as `xz -T0` makes it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dynlib.h"
#include "core/util.h"
#include "workloads/lib/corpus.h"
#include "workloads/workload.h"
#include "workloads/workloads_internal.h"

/* Room for the whole output: xz stores an incompressible chunk as is, so
 * the output exceeds the input by headers only (well under 1/16). */
static uint64_t compress_out_bound(uint64_t size)
{
    return size + size / 16 + (1u << 20);
}

static const struct wl_opt compress_opts[] = {
    {"input",
     "file to compress (read into RAM first); default: generated text",
     {NULL, NULL, NULL},
     .type = WL_T_STR,
     .unit = "path"},
    {"input-size",
     "bytes of generated text (ignored with input; full: the paper's enwik9 size, 1 GB)",
     {"8M", "64M", "1G"},
     .type = WL_T_SIZE,
     .min = 1.0,
     .max = 0x1p40,
     .unit = "bytes"},
    {"threads",
     "encoder threads; auto = CPUs of the environment",
     {"auto", "auto", "auto"},
     .type = WL_T_UINT,
     .min = 1.0,
     .max = 16384.0,
     .values = "auto"},
    WL_OPT_SIZING,
    {"preset", "xz preset level 0-9", {"2", "2", "2"}, .type = WL_T_UINT, .min = 0.0, .max = 9.0},
    {"block-size",
     "auto: equal blocks, a whole number per thread, <= xz's; xz: liblzma's (3 x dictionary); "
     "or bytes",
     {"auto", "auto", "auto"},
     .type = WL_T_SIZE,
     .min = 4096.0,
     .max = 0x1p40,
     .values = "auto|xz",
     .unit = "bytes"},
    {.name = NULL},
};

static const char *compress_unavailable(void)
{
    return dynlib_lzma(NULL);
}

struct compress_cfg {
    uint64_t size, threads, preset;
    uint64_t block;    /* bytes per block */
    uint64_t xz_block; /* liblzma's default for the preset: 3 x dictionary */
};

/* Equal blocks in whole rounds of one per thread, each <= xz's block
 * (xzb) and >= 1 MiB (xz's floor) unless the input is smaller. */
uint64_t compress_balanced_block(uint64_t size, uint64_t threads, uint64_t xzb)
{
    uint64_t rounds = (size + threads * xzb - 1) / (threads * xzb);
    uint64_t nblocks = rounds * threads;
    uint64_t b = (size + nblocks - 1) / nblocks;
    if (b < (1u << 20)) b = size < (1u << 20) ? size : 1u << 20;
    return b;
}

/* Resolves the options. The block size needs liblzma (the preset's
 * dictionary): with lz NULL only a numeric block-size is resolved, auto
 * and xz are validated and left 0. */
static int compress_params(const struct wl_ctx *ctx, const struct lzma_api *lz,
                           struct compress_cfg *c, struct err *e)
{
    const char *input = wl_opt_str(ctx, &workload_compress, "input");
    if (wl_opt_u64(ctx, &workload_compress, "threads", wl_auto_threads(ctx, &workload_compress),
                   &c->threads, e) < 0 ||
        wl_opt_u64(ctx, &workload_compress, "preset", 2, &c->preset, e) < 0)
        return -1;
    if (input) {
        struct stat st;
        if (stat(input, &st) < 0 || !S_ISREG(st.st_mode))
            return err_set(e, ERR_USAGE, "compress: input '%s' is not a readable file", input);
        c->size = (uint64_t)st.st_size;
    } else if (wl_opt_size(ctx, &workload_compress, "input-size", 16u << 20, &c->size, e) < 0) {
        return -1;
    }
    if (c->size == 0) return err_set(e, ERR_USAGE, "compress: input is empty");
    int word; /* block-size's "auto|xz": 1 or 2, 0 for bytes */
    c->xz_block = 0;
    if (wl_opt_size(ctx, &workload_compress, "block-size", 0, &c->block, e) < 0 ||
        wl_opt_word(ctx, &workload_compress, "block-size", &word, e) < 0)
        return -1;
    int xz = word == 2;
    if (!lz) return 0; /* checked before liblzma is loaded: resolved at run time */
    lzma_options_lzma o;
    if (lz->lzma_preset(&o, (uint32_t)c->preset))
        return err_set(e, ERR_FAIL, "compress: liblzma rejects preset %llu",
                       (unsigned long long)c->preset);
    c->xz_block = 3ull * o.dict_size < (1u << 20) ? 1u << 20 : 3ull * o.dict_size;
    if (!c->block)
        c->block = xz ? c->xz_block : compress_balanced_block(c->size, c->threads, c->xz_block);
    return 0;
}

/* Encoder threads that can be busy at once: one per block, so never more
 * than the input has blocks (a 16 MiB input on a 256-CPU host has 16). */
static uint32_t compress_busy_threads(const struct compress_cfg *c)
{
    uint64_t nblocks = (c->size + c->block - 1) / c->block;
    return (uint32_t)(c->threads < nblocks ? c->threads : nblocks);
}

/* The memory need is liblzma's own figure for the encoder as it will run
 * (threads, block size, preset) plus the input and the output. */
static int compress_check(const struct wl_ctx *ctx, struct kvlist *resolved, struct wl_needs *need,
                          struct err *e)
{
    struct compress_cfg c;
    const struct lzma_api *lz;
    (void)resolved;
    const char *why = dynlib_lzma(&lz);
    if (why) return err_set(e, ERR_USAGE, "compress: %s", why);
    if (compress_params(ctx, lz, &c, e) < 0) return -1;
    lzma_mt mt = {.threads = compress_busy_threads(&c),
                  .preset = (uint32_t)c.preset,
                  .block_size = c.block,
                  .check = LZMA_CHECK_CRC64};
    uint64_t enc = lz->stream_encoder_mt_memusage(&mt);
    if (enc == UINT64_MAX)
        return err_set(e, ERR_USAGE, "compress: liblzma rejects these options (threads %u)",
                       mt.threads);
    need->mem_bytes = c.size + compress_out_bound(c.size) + enc;
    return 0;
}

static int compress_load(const char *path, char *buf, uint64_t size, struct err *e)
{
    int fd cleanup_close = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_set(e, ERR_FAIL, "compress: cannot open %s", path);
    uint64_t off = 0;
    while (off < size) {
        ssize_t n = read(fd, buf + off, size - off);
        if (n <= 0) return err_set(e, ERR_FAIL, "compress: short read on %s", path);
        off += (uint64_t)n;
    }
    return 0;
}

/* Decodes the whole output and compares it with the whole input, a MiB at
 * a time: every byte must come back, and nothing more. */
static int compress_roundtrip(const struct lzma_api *lz, const uint8_t *out, size_t nout,
                              const char *in, uint64_t size, struct err *e)
{
    enum { CHUNK = 1 << 20 };
    uint8_t *dec cleanup_free = malloc(CHUNK);
    if (!dec) return err_set(e, ERR_FAIL, "compress: out of memory");
    lzma_stream s = LZMA_STREAM_INIT;
    if (lz->stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
        return err_set(e, ERR_FAIL, "compress: cannot start the decoder");
    s.next_in = out;
    s.avail_in = nout;
    uint64_t got = 0;
    lzma_ret rc = LZMA_OK;
    while (rc == LZMA_OK) {
        s.next_out = dec;
        s.avail_out = CHUNK;
        rc = lz->code(&s, LZMA_FINISH);
        size_t n = CHUNK - s.avail_out;
        if (got + n > size || memcmp(dec, in + got, n) != 0) {
            lz->end(&s);
            return err_set(e, ERR_FAIL, "compress: round trip mismatch near byte %llu of %llu",
                           (unsigned long long)got, (unsigned long long)size);
        }
        got += n;
    }
    lz->end(&s);
    if (rc != LZMA_STREAM_END)
        return err_set(e, ERR_FAIL, "compress: round trip: decoder error %d after %llu bytes",
                       (int)rc, (unsigned long long)got);
    if (got != size)
        return err_set(e, ERR_FAIL, "compress: round trip gave %llu of %llu bytes",
                       (unsigned long long)got, (unsigned long long)size);
    return 0;
}

/* Test hook (ISOBENCH_FAILPOINT=compress-output): one bit of the output
 * is flipped after timing; the round trip must catch it wherever it is. */
static int compress_fault;

/* Loads liblzma (ERR_USAGE when missing), compresses the input (a file
 * or the deterministic corpus) once with the multi-threaded encoder -
 * the timed part - then decompresses and compares it (ERR_FAIL on any
 * difference); adds throughput (MB/s) and the ratio, threads, block and
 * sizing facts to r. Buffers are its own, freed on return. */
static int compress_run(const struct wl_ctx *ctx, struct result *r, struct err *e)
{
    const char *fp = getenv("ISOBENCH_FAILPOINT");
    compress_fault = fp && !strcmp(fp, "compress-output");
    const struct lzma_api *lz;
    const char *why = dynlib_lzma(&lz);
    if (why) return err_set(e, ERR_USAGE, "compress: %s", why);
    struct compress_cfg c;
    if (compress_params(ctx, lz, &c, e) < 0) return -1;
    const uint64_t size = c.size;
    const uint64_t cap = compress_out_bound(size);
    char *in cleanup_free = malloc(size);
    uint8_t *out cleanup_free = malloc(cap);
    if (!in || !out) return err_set(e, ERR_FAIL, "compress: out of memory");
    memset(out, 0, cap); /* its page faults before the clock, not in it */
    const char *input = wl_opt_str(ctx, &workload_compress, "input");
    if (input) {
        if (compress_load(input, in, size, e) < 0) return -1;
    } else {
        corpus_fill(in, size, CORPUS_SEED);
    }

    lzma_mt mt = {.threads = compress_busy_threads(&c),
                  .preset = (uint32_t)c.preset,
                  .block_size = c.block,
                  .check = LZMA_CHECK_CRC64};
    lzma_stream s = LZMA_STREAM_INIT;
    double t0 = util_now();
    if (lz->stream_encoder_mt(&s, &mt) != LZMA_OK)
        return err_set(e, ERR_FAIL, "compress: cannot start the multi-threaded encoder");
    s.next_in = (const uint8_t *)in;
    s.avail_in = size;
    s.next_out = out;
    s.avail_out = cap;
    lzma_ret rc;
    do
        rc = lz->code(&s, LZMA_FINISH);
    while (rc == LZMA_OK && s.avail_out > 0);
    const uint64_t total_out = cap - s.avail_out;
    lz->end(&s);
    double t = util_now() - t0;
    if (rc == LZMA_OK) /* out of room: the bound above is wrong */
        return err_set(e, ERR_FAIL, "compress: the output outgrew %llu bytes",
                       (unsigned long long)cap);
    if (rc != LZMA_STREAM_END) return err_set(e, ERR_FAIL, "compress: encoder error %d", (int)rc);
    if (compress_fault) out[total_out / 2] ^= 0x40; /* test hook: one bit, mid-stream */
    if (compress_roundtrip(lz, out, total_out, in, size, e) < 0) return -1;
    if (result_add(r, "throughput", "MB/s", BETTER_HIGHER, (double)size / t / 1e6, e) < 0)
        return -1;
    wl_units(r, (double)size / 1e6); /* MB compressed (and checked by decompressing) */
    char buf[64];
    snprintf(buf, sizeof(buf), "%.4f", (double)total_out / (double)size);
    kv_set(&r->facts, "compress.ratio", buf, NULL);
    snprintf(buf, sizeof(buf), "%u", mt.threads);
    kv_set(&r->facts, "compress.threads", buf, NULL);
    if (wl_sizing_facts(ctx, &workload_compress, r, e) < 0) return -1;
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c.block);
    kv_set(&r->facts, "compress.block_bytes", buf, NULL);
    kv_set(&r->facts, "compress.liblzma", lz->version_string(), NULL);
    return 0;
}

/* dlopen'd, so ldd of isobench does not name it: the VM's initramfs
 * carries it (and its own libraries) because it is listed here. */
static const char *const compress_files[] = {ISOBENCH_LIBDIR "/liblzma.so.5", NULL};

const struct workload workload_compress = {
    .unit = "MB",
    .name = "compress",
    .summary = "parallel LZMA (PXZ-like) via liblzma's MT encoder, preset 2",
    .unavailable = compress_unavailable,
    .opts = compress_opts,
    .check = compress_check,
    .run = compress_run,
    .guest_files = compress_files,
};
