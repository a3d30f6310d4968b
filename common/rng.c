/* rng.c - xoshiro256** seeded through splitmix64. */
#include "lt_common.h"

#include <math.h>

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void lt_rng_seed(struct lt_rng *r, uint64_t seed)
{
    uint64_t x = seed;

    for (int i = 0; i < 4; i++) {
        r->s[i] = lt_splitmix64(x);
        x += 0x9e3779b97f4a7c15ULL;
    }
}

uint64_t lt_rng_next(struct lt_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t lt_rng_below(struct lt_rng *r, uint64_t n)
{
    /* Rejection sampling on the top of the range removes modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;

    do {
        x = lt_rng_next(r);
    } while (x >= limit);
    return x % n;
}

double lt_rng_double(struct lt_rng *r)
{
    return (double)(lt_rng_next(r) >> 11) * 0x1.0p-53;
}

double lt_rng_exp(struct lt_rng *r, double mean)
{
    /* 1 - u is in (0, 1], so log() is finite. */
    return -log(1.0 - lt_rng_double(r)) * mean;
}
