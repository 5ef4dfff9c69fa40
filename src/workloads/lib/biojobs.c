#include "workloads/lib/biojobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const char *const rw_names[BIO_RW_N] = {"seqread", "seqwrite", "randread", "randwrite",
                                               "randrw"};
static const char *const fio_rw[BIO_RW_N] = {"read", "write", "randread", "randwrite", "randrw"};

int biojob_is_seq(const struct bio_job *j)
{
    return j->rw == BIO_SEQREAD || j->rw == BIO_SEQWRITE;
}

/* "QD" or "QDxN" after a job's '@' into *qd and *n; -1 when malformed or
 * out of range. */
static int parse_depth(const char *s, unsigned *qd, unsigned *n)
{
    char buf[32], *x;
    uint64_t q, k = 1;
    if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf)) return -1;
    if ((x = strchr(buf, 'x'))) {
        *x++ = '\0';
        if (util_parse_u64(x, &k, NULL) < 0 || k < 1 || k > BIOJOBS_MAX_N) return -1;
    }
    if (util_parse_u64(buf, &q, NULL) < 0 || q < 1 || q > BIOJOBS_MAX_QD) return -1;
    *qd = (unsigned)q;
    *n = (unsigned)k;
    return 0;
}

/* One item "JOB[@QD[xN]]" into j. */
static int parse_item(char *t, unsigned dqd, unsigned rwmixread, struct bio_job *j, struct err *e)
{
    memset(j, 0, sizeof(*j));
    char *at = strchr(t, '@');
    j->qd = dqd;
    j->numjobs = 1;
    if (at) {
        *at = '\0';
        if (parse_depth(at + 1, &j->qd, &j->numjobs) < 0)
            return err_set(e, ERR_USAGE,
                           "blockio: job %s@%s: give JOB@QD or JOB@QDxN, QD 1..%u, N 1..%d", t,
                           at + 1, BIOJOBS_MAX_QD, BIOJOBS_MAX_N);
    }
    j->rw = -1;
    for (int i = 0; i < BIO_RW_N; i++)
        if (!strcmp(t, rw_names[i])) j->rw = i;
    if (j->rw < 0) return err_set(e, ERR_USAGE, "blockio: unknown job '%s' (%s)", t, BIOJOBS_NAMES);
    j->bs = biojob_is_seq(j) ? BIO_SEQ_BS : BIO_RAND_BS;
    j->rwmixread = j->rw == BIO_RANDRW                             ? rwmixread
                   : j->rw == BIO_SEQREAD || j->rw == BIO_RANDREAD ? 100
                                                                   : 0;
    if (!at)
        snprintf(j->name, sizeof(j->name), "%s", t);
    else if (j->numjobs == 1)
        snprintf(j->name, sizeof(j->name), "%s_qd%u", t, j->qd);
    else
        snprintf(j->name, sizeof(j->name), "%s_qd%ux%u", t, j->qd, j->numjobs);
    return 0;
}

int biojobs_parse(const char *list, unsigned dqd, unsigned rwmixread, struct bio_job *out, int max,
                  struct err *e)
{
    char buf[256];
    if (!list || snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
        return err_set(e, ERR_USAGE, "blockio: the job list is longer than %zu bytes",
                       sizeof(buf) - 1);
    if (util_list_check(buf, "blockio job", e) < 0) return -1;
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n >= max) return err_set(e, ERR_USAGE, "blockio: at most %d jobs", max);
        if (parse_item(t, dqd, rwmixread, &out[n], e) < 0) return -1;
        for (int i = 0; i < n; i++)
            if (!strcmp(out[i].name, out[n].name))
                return err_set(e, ERR_USAGE, "blockio: job %s is listed twice", out[n].name);
        n++;
    }
    if (!n) return err_set(e, ERR_USAGE, "blockio: no job given");
    return n;
}

void biojob_shape(const struct bio_job *j, char *buf, size_t len)
{
    char mix[32] = "";
    if (j->rw == BIO_RANDRW) snprintf(mix, sizeof(mix), " rwmixread=%u", j->rwmixread);
    if (j->bs % (1u << 20) == 0)
        snprintf(buf, len, "rw=%s%s bs=%uM iodepth=%u numjobs=%u", fio_rw[j->rw], mix, j->bs >> 20,
                 j->qd, j->numjobs);
    else
        snprintf(buf, len, "rw=%s%s bs=%uK iodepth=%u numjobs=%u", fio_rw[j->rw], mix, j->bs >> 10,
                 j->qd, j->numjobs);
}
