/*
 * synth_int.h - what the files of synth/ share with each other (not public).
 */
#ifndef SYNTH_INT_H
#define SYNTH_INT_H

#include "lt_synth.h"

#include <string.h>

/* ---- a bounded text writer for the hot path ---------------------------------- */

/*
 * Appends into a caller-provided region without allocating. Running past
 * `end` sets `overflow` and drops the rest; callers size the region so that
 * never happens and check the flag once per event.
 */
struct jw {
    char *p, *end;
    int overflow;
};

static inline void jw_mem(struct jw *w, const void *s, size_t n)
{
    if ((size_t)(w->end - w->p) < n) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p, s, n);
    w->p += n;
}
#define JW_LIT(w, lit) jw_mem((w), "" lit, sizeof(lit) - 1) /* literals only */
static inline void jw_str(struct jw *w, const char *s)
{
    jw_mem(w, s, strlen(s));
}
static inline void jw_ch(struct jw *w, char c)
{
    if (w->p >= w->end) {
        w->overflow = 1;
        return;
    }
    *w->p++ = c;
}
void jw_u64(struct jw *w, uint64_t v);
/* v/100 with two decimals: 8999 -> "89.99". */
void jw_cents(struct jw *w, uint64_t v);
/* n lowercase hex digits of v (n <= 16). */
void jw_hex(struct jw *w, uint64_t v, int n);
/* v in base 36, lowercase, no padding. */
void jw_b36(struct jw *w, uint64_t v);
/* A UUID-shaped id from two 64-bit halves. */
void jw_uuid(struct jw *w, uint64_t hi, uint64_t lo);

/* ---- stratified allocation (exact shares per window) --------------------------- */

/*
 * Hands out classes in proportion to weights, exactly per window of `win`
 * draws (largest remainder, with the rounding carried to the next window),
 * in a seeded random order inside each window. So a 10% share is 10 of
 * every 100, for every seed, not only on average.
 */
#define STRATA_WIN_MAX 1000
#define STRATA_NMAX 8

struct strata {
    int n;
    double p[STRATA_NMAX];     /* normalized weights */
    double carry[STRATA_NMAX]; /* rounding carried between windows, in (-1, 1) */
    uint8_t slot[STRATA_WIN_MAX];
    int win, pos;
    struct lt_rng rng;
};

void strata_init(struct strata *s, const double *w, int n, int win, uint64_t seed);
int strata_next(struct strata *s);
/*
 * Looks ahead in the current window for class c and swaps it with the class
 * just drawn (which must have been drawn by strata_next). Returns 1 when a
 * swap happened (the drawn class is now c). Counts stay exact.
 */
int strata_pull(struct strata *s, int c);

/* ---- arrivals ------------------------------------------------------------------- */

struct arrivals {
    const struct lt_synth_config *cfg;
    size_t phase;    /* index into cfg->phases, == nphases for the tail */
    int extend;      /* keep the last phase's final rate after the phases */
    int64_t start;   /* base ns where the current phase began */
    int64_t dur;     /* of the current phase; INT64_MAX when open-ended */
    double from, to; /* rates of the current phase */
    int poisson;
    uint64_t j; /* next index (constant spacing) */
    int64_t t;  /* last Poisson candidate, since start */
    int64_t rate_milli;
    struct lt_rng rng;
    int done;
};

void arrivals_init(struct arrivals *a, const struct lt_synth_config *cfg, int extend);
/* The next arrival in base time (before spikes): 1, or 0 when the phases end. */
int arrivals_next(struct arrivals *a, int64_t *base_ns);

/* ---- users and sessions ------------------------------------------------------- */

/*
 * Zipf-skewed ranks in [0, n): inversion of the continuous power law
 * x^-s on [1, n+1), floor(x)-1 being the rank. Close to the discrete law,
 * no table; the constants are computed once.
 */
struct zipf {
    uint64_t n;
    int one;       /* s == 1 */
    double a, inv; /* (n+1)^(1-s) - 1 and 1/(1-s); or log(n+1) when s == 1 */
};
void zipf_init(struct zipf *z, uint64_t n, double s);
uint64_t zipf_draw(const struct zipf *z, struct lt_rng *r);
#define NPRODUCTS 2000

enum platform { PLAT_WEB, PLAT_IOS, PLAT_ANDROID, PLAT_N };

struct session {
    uint64_t id;   /* the record's session */
    uint64_t user; /* rank in the population (0 = most active) */
    uint32_t remaining;
    uint32_t nevents; /* events so far */
    uint8_t platform;
    uint8_t identified;
    uint16_t stream;
    uint32_t product;                 /* current product in view */
    uint32_t page;                    /* index of the current page kind */
    uint32_t prev_page, prev_product; /* where the visitor came from */
    uint64_t device;                  /* hash behind anonymousId, ip, user agent */
};

struct population {
    struct session *slots;
    uint32_t nslots;
    struct zipf users, products;
    double session_events;
    size_t nstreams;
    int plat_stream[PLAT_N]; /* stream index per platform, -1 = by hash */
    uint64_t next_id;
    uint64_t seed;
    struct lt_rng rng;
};

/* Concurrent sessions: cfg->sessions, or the "auto" number for 0. */
uint64_t sessions_concurrent(const struct lt_synth_config *cfg);
int population_init(struct population *p, const struct lt_synth_config *cfg, struct lt_err *err);
void population_release(struct population *p);
/* The session that emits the next event (a new one when a slot's ran out). */
struct session *population_pick(struct population *p);
/* Stable per-user numbers derived from the seed. */
uint64_t user_hash(const struct population *p, uint64_t user);

/* ---- event bodies ---------------------------------------------------------------- */

struct evctx {
    const struct lt_synth_config *cfg;
    struct population *pop;
    struct lt_rng rng;
    uint64_t seed;
    uint64_t origin_ns;
    int64_t ts_sec;      /* second of the cached timestamp prefix */
    char ts_prefix[32];  /* "2026-01-01T00:00:00" */
    uint8_t evpick[100]; /* track event kinds by weight */
    int bad_context;     /* write context with the wrong type */
};

void evctx_init(struct evctx *e, const struct lt_synth_config *cfg, struct population *pop,
                uint64_t seed);

/*
 * Writes one event body of type t for session s at record time ts_ns, the
 * n-th record of the tape (for messageId). target > 0 asks for a body of
 * about that many bytes (within 5%); 0 leaves the natural size. invalid >= 0
 * breaks it in that way (enum lt_synth_invalid). Returns the type written.
 */
int event_write(struct evctx *e, struct jw *w, int t, struct session *s, uint64_t ts_ns, uint64_t n,
                size_t target, int invalid);

/* The User-Agent a session's SDK sends. */
const char *event_user_agent(const struct session *s, size_t *len);

#endif
