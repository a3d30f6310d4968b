/*
 * population.c - who sends the events: a population of users whose activity
 * follows a Zipf law (a few users send much of the traffic, as in real
 * analytics data), and sessions that group a user's events.
 *
 * A fixed number of sessions is open at a time; each event goes to one of
 * them at random, and a session that has sent its planned number of events
 * (exponentially distributed around the mean) is replaced by a new session
 * of a user drawn by activity. So heavy users have many sessions, sessions
 * interleave like concurrent visitors, and memory does not grow with the
 * number of users.
 */
#include "synth_int.h"

#include <math.h>
#include <stdlib.h>

void zipf_init(struct zipf *z, uint64_t n, double s)
{
    z->n = n ? n : 1;
    z->one = fabs(s - 1.0) < 1e-9;
    if (z->one) {
        z->a = log((double)z->n + 1.0);
        z->inv = 0;
    } else {
        z->a = pow((double)z->n + 1.0, 1.0 - s) - 1.0;
        z->inv = 1.0 / (1.0 - s);
    }
}

uint64_t zipf_draw(const struct zipf *z, struct lt_rng *r)
{
    double u = lt_rng_double(r), x;
    uint64_t k;

    if (z->n <= 1)
        return 0;
    x = z->one ? exp(u * z->a) : pow(u * z->a + 1.0, z->inv);
    k = x >= 1.0 ? (uint64_t)x - 1 : 0;
    return k < z->n ? k : z->n - 1;
}

uint64_t user_hash(const struct population *p, uint64_t user)
{
    return lt_splitmix64(p->seed ^ (user * 0x9e3779b97f4a7c15ULL));
}

uint64_t sessions_concurrent(const struct lt_synth_config *cfg)
{
    uint64_t n = cfg->sessions;

    if (!n) {
        /* "auto": an eighth of the users, within 1..1024 */
        n = cfg->users / 8;
        if (n < 1)
            n = 1;
        if (n > 1024)
            n = 1024;
    }
    return n;
}

int population_init(struct population *p, const struct lt_synth_config *cfg, struct lt_err *err)
{
    uint64_t n = sessions_concurrent(cfg);

    memset(p, 0, sizeof(*p));
    if (n > LT_SYNTH_SESSIONS_MAX)
        return lt_error(err, LT_E_USAGE, "'sessions': at most %u concurrent sessions",
                        LT_SYNTH_SESSIONS_MAX);
    p->slots = calloc(n, sizeof(*p->slots));
    if (!p->slots)
        return lt_error(err, LT_E_NOMEM, "out of memory for %llu sessions", (unsigned long long)n);
    p->nslots = (uint32_t)n;
    zipf_init(&p->users, cfg->users, cfg->zipf);
    zipf_init(&p->products, NPRODUCTS, 1.1);
    p->session_events = cfg->session_events >= 1 ? cfg->session_events : 1;
    p->nstreams = cfg->nstreams ? cfg->nstreams : 1;
    p->seed = lt_splitmix64(cfg->seed ^ 0x75736572ULL);
    /* Route a platform to the stream of the same name when there is one. */
    for (int k = 0; k < PLAT_N; k++) {
        static const char *const pname[PLAT_N] = {"web", "ios", "android"};
        p->plat_stream[k] = -1;
        for (size_t i = 0; i < cfg->nstreams; i++)
            if (strcmp(cfg->streams[i], pname[k]) == 0)
                p->plat_stream[k] = (int)i;
    }
    lt_rng_seed(&p->rng, lt_splitmix64(cfg->seed ^ 0x73657373ULL));
    return 0;
}

void population_release(struct population *p)
{
    if (!p)
        return;
    free(p->slots);
    p->slots = NULL;
}

static void new_session(struct population *p, struct session *s)
{
    uint64_t h, len;
    unsigned pct;

    s->id = ++p->next_id;
    s->user = zipf_draw(&p->users, &p->rng);
    h = user_hash(p, s->user);
    /* One session in four comes from the user's second device. */
    s->device = lt_splitmix64(h + (lt_rng_below(&p->rng, 4) == 0));
    pct = (unsigned)(s->device % 100);
    s->platform = pct < 60 ? PLAT_WEB : pct < 85 ? PLAT_IOS : PLAT_ANDROID;
    if (p->plat_stream[s->platform] >= 0)
        s->stream = (uint16_t)p->plat_stream[s->platform];
    else
        s->stream = (uint16_t)((s->device >> 20) % p->nstreams);
    len = 1 + (uint64_t)llround(lt_rng_exp(&p->rng, p->session_events - 1.0));
    s->remaining = (uint32_t)(len < 100000 ? len : 100000);
    s->nevents = 0;
    /* Half the sessions start logged in (a returning user's cookie). */
    s->identified = (uint8_t)lt_rng_below(&p->rng, 2);
    s->product = (uint32_t)zipf_draw(&p->products, &p->rng);
    s->page = 0;
}

struct session *population_pick(struct population *p)
{
    struct session *s = &p->slots[lt_rng_below(&p->rng, p->nslots)];

    if (s->remaining == 0)
        new_session(p, s);
    s->remaining--;
    return s;
}
