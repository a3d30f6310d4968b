/*
 * synth.c - the generator: arrivals give each record its time, the mix and
 * error strata its type and validity, the population its session, and the
 * event writers its body; headers are those an SDK sends.
 */
#include "synth_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define HOST "collect.example.com"

enum { H_HOST, H_UA, H_CTYPE, H_CLEN, H_INVALID, H_N };

struct lt_synth {
    struct lt_synth_config cfg;
    struct arrivals arr;
    struct population pop;
    struct evctx ev;
    struct strata mix, err, kinds;
    struct lt_rng size_rng;
    uint64_t n;
    uint64_t by_type[LT_SYNTH_NTYPES], by_invalid[LT_SYNTH_NINVALID];
    int done;
    char *body;
    size_t body_cap;
    char urls[LT_SYNTH_MAX_STREAMS][LT_SYNTH_STREAM_MAX + 16];
    size_t url_len[LT_SYNTH_MAX_STREAMS];
    struct lt_header hdrs[H_N];
    char clen[24];
};

struct lt_synth *lt_synth_new(const struct lt_synth_config *cfg, struct lt_err *err)
{
    struct lt_synth *s;
    double valid[2];
    int rc;

    if (lt_synth_config_check(cfg, err))
        return NULL;
    s = calloc(1, sizeof(*s));
    if (!s) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    cfg = &s->cfg;
    /* Room for the largest body: the size target, or a realistic event
     * (a few KB) with slack; writes past it are caught, not made. */
    s->body_cap = (cfg->sizes != LT_SYNTH_SIZE_NATURAL ? cfg->size_max : 0) + 16384;
    s->body = malloc(s->body_cap);
    if (!s->body) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        goto fail;
    }
    rc = population_init(&s->pop, cfg, err);
    if (rc)
        goto fail;
    arrivals_init(&s->arr, cfg, cfg->count || cfg->duration_ns);
    evctx_init(&s->ev, cfg, &s->pop, lt_splitmix64(cfg->seed ^ 0x626f6479ULL));
    strata_init(&s->mix, cfg->mix, LT_SYNTH_NTYPES, 100, lt_splitmix64(cfg->seed ^ 0x6d6978ULL));
    valid[0] = 1.0 - cfg->error_share;
    valid[1] = cfg->error_share;
    strata_init(&s->err, valid, 2, 100, lt_splitmix64(cfg->seed ^ 0x657272ULL));
    strata_init(&s->kinds, cfg->error_kinds, LT_SYNTH_NINVALID, 20,
                lt_splitmix64(cfg->seed ^ 0x6b696e64ULL));
    lt_rng_seed(&s->size_rng, lt_splitmix64(cfg->seed ^ 0x73697a65ULL));
    for (size_t i = 0; i < cfg->nstreams; i++)
        s->url_len[i] =
            (size_t)snprintf(s->urls[i], sizeof(s->urls[i]), "/collect/%s", cfg->streams[i]);
    s->hdrs[H_HOST].name = (struct lt_bytes){(const uint8_t *)"Host", 4};
    s->hdrs[H_HOST].value = (struct lt_bytes){(const uint8_t *)HOST, sizeof(HOST) - 1};
    s->hdrs[H_UA].name = (struct lt_bytes){(const uint8_t *)"User-Agent", 10};
    s->hdrs[H_CTYPE].name = (struct lt_bytes){(const uint8_t *)"Content-Type", 12};
    s->hdrs[H_CTYPE].value = (struct lt_bytes){(const uint8_t *)"application/json", 16};
    s->hdrs[H_CLEN].name = (struct lt_bytes){(const uint8_t *)"Content-Length", 14};
    s->hdrs[H_INVALID].name = (struct lt_bytes){(const uint8_t *)"X-Loadtape-Invalid", 18};
    return s;
fail:
    lt_synth_free(s);
    return NULL;
}

void lt_synth_free(struct lt_synth *s)
{
    if (!s)
        return;
    population_release(&s->pop);
    free(s->body);
    free(s);
}

uint64_t lt_synth_count(const struct lt_synth *s)
{
    return s->n;
}

void lt_synth_counts(const struct lt_synth *s, uint64_t types[LT_SYNTH_NTYPES],
                     uint64_t invalid[LT_SYNTH_NINVALID])
{
    if (types)
        memcpy(types, s->by_type, sizeof(s->by_type));
    if (invalid)
        memcpy(invalid, s->by_invalid, sizeof(s->by_invalid));
}

static size_t draw_size(struct lt_synth *s)
{
    const struct lt_synth_config *c = &s->cfg;
    double lo = (double)c->size_min, hi = (double)c->size_max;

    switch (c->sizes) {
    case LT_SYNTH_SIZE_LOG_UNIFORM:
        return (size_t)llround(exp(log(lo) + lt_rng_double(&s->size_rng) * (log(hi) - log(lo))));
    case LT_SYNTH_SIZE_UNIFORM:
        return (size_t)(c->size_min + lt_rng_below(&s->size_rng, c->size_max - c->size_min + 1));
    case LT_SYNTH_SIZE_FIXED:
        return (size_t)c->size_min;
    default:
        return 0;
    }
}

int lt_synth_next(struct lt_synth *s, struct lt_record *rec, struct lt_err *err)
{
    const struct lt_synth_config *c = &s->cfg;
    int64_t base, ts;
    int t, invalid = -1;
    struct session *ses;
    struct jw w;
    size_t target = 0, ualen;

    if (s->done || (c->count && s->n >= c->count))
        return 0;
    if (!arrivals_next(&s->arr, &base)) {
        s->done = 1;
        return 0;
    }
    ts = c->has_spike ? lt_spike_warp(&c->spike, base) : base;
    if (c->duration_ns && ts >= c->duration_ns) {
        s->done = 1;
        return 0;
    }
    t = strata_next(&s->mix);
    if (c->error_share > 0 && strata_next(&s->err) == 1)
        invalid = strata_next(&s->kinds);
    ses = population_pick(&s->pop);
    /* Identify before track: a visitor who is not known yet signs in before
     * the first thing they do, when this window still has an identify. */
    if (t == LT_SYNTH_TRACK && !ses->identified && invalid < 0 &&
        c->style == LT_SYNTH_STYLE_REALISTIC && strata_pull(&s->mix, LT_SYNTH_IDENTIFY))
        t = LT_SYNTH_IDENTIFY;
    if (c->sizes != LT_SYNTH_SIZE_NATURAL)
        target = draw_size(s);

    w.p = s->body;
    w.end = s->body + s->body_cap;
    w.overflow = 0;
    t = event_write(&s->ev, &w, t, ses, (uint64_t)ts, s->n, target, invalid);
    if (w.overflow)
        return lt_error(err, LT_E_INTERNAL, "record %llu: event body overflowed its buffer",
                        (unsigned long long)s->n);
    ses->nevents++;

    memset(rec, 0, sizeof(*rec));
    rec->ts_ns = (uint64_t)ts;
    rec->session = ses->id;
    rec->method = (struct lt_bytes){(const uint8_t *)"POST", 4};
    rec->url = (struct lt_bytes){(const uint8_t *)s->urls[ses->stream], s->url_len[ses->stream]};
    rec->body = (struct lt_bytes){(const uint8_t *)s->body, (size_t)(w.p - s->body)};
    s->hdrs[H_UA].value.p = (const uint8_t *)event_user_agent(ses, &ualen);
    s->hdrs[H_UA].value.len = ualen;
    s->hdrs[H_CLEN].value =
        (struct lt_bytes){(const uint8_t *)s->clen, lt_u64_text(rec->body.len, s->clen)};
    rec->headers = s->hdrs;
    rec->nheaders = H_INVALID;
    s->by_type[t]++;
    if (invalid >= 0) {
        const char *name = lt_synth_invalid_name((enum lt_synth_invalid)invalid);
        s->hdrs[H_INVALID].value = (struct lt_bytes){(const uint8_t *)name, strlen(name)};
        rec->nheaders = H_N;
        rec->flags = LT_RF_INVALID;
        s->by_invalid[invalid]++;
    }
    s->n++;
    return 1;
}

/* ---- the generator as a record source ----------------------------------------- */

struct synth_src {
    struct lt_synth_config cfg;
    struct lt_synth *s;
    int started;
    char *meta;
};

static int src_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct synth_src *ss = ctx;

    ss->started = 1;
    return lt_synth_next(ss->s, rec, err);
}

/* The same records again: a new generator from the same config. */
static int src_rewind(void *ctx, struct lt_err *err)
{
    struct synth_src *ss = ctx;
    struct lt_synth *s = lt_synth_new(&ss->cfg, err);

    if (!s)
        return err && err->code ? err->code : LT_E_NOMEM;
    lt_synth_free(ss->s);
    ss->s = s;
    ss->started = 0;
    return 0;
}

static const char *src_meta(void *ctx)
{
    struct synth_src *ss = ctx;

    free(ss->meta);
    ss->meta = lt_synth_meta_json(&ss->cfg, ss->started ? ss->s : NULL);
    return ss->meta;
}

static void src_release(void *ctx)
{
    struct synth_src *ss = ctx;

    if (!ss)
        return;
    lt_synth_free(ss->s);
    free(ss->meta);
    free(ss);
}

int lt_synth_source(struct lt_record_source *src, const struct lt_synth_config *cfg,
                    struct lt_err *err)
{
    struct synth_src *ss = calloc(1, sizeof(*ss));

    memset(src, 0, sizeof(*src));
    if (!ss)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    ss->cfg = *cfg;
    if (!(ss->s = lt_synth_new(&ss->cfg, err))) {
        int rc = err && err->code ? err->code : LT_E_NOMEM;
        free(ss);
        return rc;
    }
    src->ctx = ss;
    src->next = src_next;
    src->rewind = src_rewind;
    src->meta = src_meta;
    src->release = src_release;
    return 0;
}
