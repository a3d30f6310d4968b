/* strata.c - exact shares per window (mix, error share) and the text writer helpers. */
#include "synth_int.h"

#include <math.h>

void strata_init(struct strata *s, const double *w, int n, int win, uint64_t seed)
{
    double sum = 0;

    memset(s, 0, sizeof(*s));
    if (n > STRATA_NMAX)
        n = STRATA_NMAX;
    if (win > STRATA_WIN_MAX)
        win = STRATA_WIN_MAX;
    if (win < 1)
        win = 1;
    for (int i = 0; i < n; i++)
        sum += w[i] > 0 ? w[i] : 0;
    for (int i = 0; i < n; i++)
        s->p[i] = sum > 0 && w[i] > 0 ? w[i] / sum : 0;
    if (sum <= 0)
        s->p[0] = 1;
    s->n = n;
    s->win = win;
    s->pos = win; /* refill on the first draw */
    lt_rng_seed(&s->rng, seed);
}

/*
 * Largest remainder per window: each class gets floor(p*W + carry), the
 * seats left go to the largest fractions, and what was rounded away is
 * carried, so after k windows every class is within one of its exact share.
 */
static void refill(struct strata *s)
{
    double ideal[STRATA_NMAX];
    int cnt[STRATA_NMAX], total = 0, k = 0;

    for (int i = 0; i < s->n; i++) {
        ideal[i] = s->p[i] * s->win + s->carry[i];
        cnt[i] = s->p[i] > 0 && ideal[i] > 0 ? (int)floor(ideal[i]) : 0;
        total += cnt[i];
    }
    for (int left = s->win - total; left > 0; left--) {
        int best = -1;
        double bf = -2;
        for (int i = 0; i < s->n; i++) {
            double f = ideal[i] - cnt[i];
            if (s->p[i] > 0 && f > bf) {
                bf = f;
                best = i;
            }
        }
        if (best < 0)
            best = 0;
        cnt[best]++;
    }
    for (int i = 0; i < s->n; i++) {
        s->carry[i] = s->p[i] > 0 ? ideal[i] - cnt[i] : 0;
        for (int c = 0; c < cnt[i] && k < s->win; c++)
            s->slot[k++] = (uint8_t)i;
    }
    for (int i = s->win - 1; i > 0; i--) {
        int j = (int)lt_rng_below(&s->rng, (uint64_t)i + 1);
        uint8_t t = s->slot[i];
        s->slot[i] = s->slot[j];
        s->slot[j] = t;
    }
    s->pos = 0;
}

int strata_next(struct strata *s)
{
    if (s->pos >= s->win)
        refill(s);
    return s->slot[s->pos++];
}

int strata_pull(struct strata *s, int c)
{
    int cur = s->pos - 1;

    if (cur < 0)
        return 0;
    for (int j = s->pos; j < s->win; j++) {
        if (s->slot[j] == c) {
            s->slot[j] = s->slot[cur];
            s->slot[cur] = (uint8_t)c;
            return 1;
        }
    }
    return 0;
}

/* ---- text writer helpers ---------------------------------------------------- */

static const char digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Two digits at a time, from the end. */
void jw_u64(struct jw *w, uint64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);

    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digits2[d + 1];
        *--p = digits2[d];
    }
    if (v >= 10) {
        *--p = digits2[v * 2 + 1];
        *--p = digits2[v * 2];
    } else {
        *--p = (char)('0' + v);
    }
    jw_mem(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jw_cents(struct jw *w, uint64_t v)
{
    char frac[3];

    jw_u64(w, v / 100);
    frac[0] = '.';
    frac[1] = (char)('0' + v / 10 % 10);
    frac[2] = (char)('0' + v % 10);
    jw_mem(w, frac, 3);
}

static const char hexd[] = "0123456789abcdef";

void jw_hex(struct jw *w, uint64_t v, int n)
{
    char tmp[16];

    if (n > 16)
        n = 16;
    for (int i = n - 1; i >= 0; i--) {
        tmp[i] = hexd[v & 15];
        v >>= 4;
    }
    jw_mem(w, tmp, (size_t)n);
}

void jw_b36(struct jw *w, uint64_t v)
{
    static const char d36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char tmp[16];
    int n = 0;

    do {
        tmp[sizeof(tmp) - 1 - n++] = d36[v % 36];
        v /= 36;
    } while (v);
    jw_mem(w, tmp + sizeof(tmp) - n, (size_t)n);
}

void jw_uuid(struct jw *w, uint64_t hi, uint64_t lo)
{
    /* 8-4-4-4-12: hi fills the first three groups, lo the last two. */
    static const uint8_t dash_after[] = {4, 6, 8, 10}; /* in bytes of hi||lo */
    char t[36];
    int k = 0, d = 0;

    if ((size_t)(w->end - w->p) < sizeof(t)) {
        w->overflow = 1;
        return;
    }
    for (int i = 0; i < 16; i++) {
        unsigned b = (unsigned)((i < 8 ? hi >> (56 - 8 * i) : lo >> (56 - 8 * (i - 8))) & 0xff);
        if (d < 4 && i == dash_after[d]) {
            t[k++] = '-';
            d++;
        }
        t[k++] = hexd[b >> 4];
        t[k++] = hexd[b & 15];
    }
    memcpy(w->p, t, sizeof(t));
    w->p += sizeof(t);
}
