/* corpus.h - a deterministic, text-like corpus for the compress workload
 * when no --input file is given: words of a fixed pseudo-random vocabulary
 * with a Zipf-like frequency, in sentences and lines, so LZMA sees text. The
 * same (size, seed) always gives the same bytes. */
#ifndef ISOBENCH_CORPUS_H
#define ISOBENCH_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#define CORPUS_SEED 42 /* the seed of the compress workload and `isobench corpus` */

void corpus_fill(char *buf, size_t len, uint64_t seed);

#endif
