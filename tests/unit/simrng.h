/* simrng.h - the simulation tests' random numbers: a splitmix64 stream
 * from a seed the test sets (rng_state), uniform in (0, 1) and standard
 * normal (Box-Muller), so every simulated rate is the same on every run. */
#ifndef ISOBENCH_TEST_SIMRNG_H
#define ISOBENCH_TEST_SIMRNG_H
#include <math.h>
#include <stdint.h>

static uint64_t rng_state;

static inline double uniform(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static inline double normal(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}
#endif
