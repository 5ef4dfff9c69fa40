#include "workloads/lib/corpus.h"

#include <string.h>

#define CORPUS_WORDS 4096

static uint64_t corpus_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

void corpus_fill(char *buf, size_t len, uint64_t seed)
{
    static const char *const syl[] = {"th", "er", "on", "an", "re", "he", "in", "ed", "nd",
                                      "ha", "at", "en", "es", "of", "or", "nt", "ea", "ti",
                                      "to", "it", "st", "io", "le", "is", "ou", "ar", "as",
                                      "de", "rt", "ve", "a",  "e",  "i",  "o",  "u",  "y"};
    const size_t nsyl = sizeof(syl) / sizeof(syl[0]);
    char words[CORPUS_WORDS][16];
    uint64_t s = seed ? seed : 1;
    for (int w = 0; w < CORPUS_WORDS; w++) {
        int k = 1 + (int)(corpus_rand(&s) % 4);
        words[w][0] = '\0';
        for (int j = 0; j < k; j++)
            strcat(words[w], syl[corpus_rand(&s) % nsyl]);
    }
    size_t pos = 0, col = 0;
    int start = 1;
    while (pos < len) {
        /* u^3 skews toward low indices: a few words are very common. */
        double u = (double)(corpus_rand(&s) & 0xFFFFFF) / 16777216.0;
        const char *w = words[(int)(u * u * u * CORPUS_WORDS)];
        for (size_t j = 0; w[j] && pos < len; j++, col++)
            buf[pos++] = (start && j == 0) ? (char)(w[j] - 'a' + 'A') : w[j];
        start = 0;
        if (pos >= len) break;
        uint64_t p = corpus_rand(&s) % 16;
        if (p == 0) {
            buf[pos++] = '.';
            start = 1;
        } else if (p == 1) {
            buf[pos++] = ',';
        }
        if (pos >= len) break;
        if (col > 72) {
            buf[pos++] = '\n';
            col = 0;
        } else {
            buf[pos++] = ' ';
            col++;
        }
    }
}
