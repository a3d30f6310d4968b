/*
 * collector.c - the embedded event collector (DESIGN.md §4 "The sink") on
 * top of the listener: routes, validation (formats/events.c), counters,
 * injected delay and errors, and recording: each request answered goes, as
 * a record, into the record sink the caller gave (lt_sink_source).
 *
 * Counters live per worker, each behind its own mutex (uncontended but for
 * /stats, which merges them), so workers never share a hot cache line. The
 * record sink is shared behind one mutex; timestamps are taken from the
 * request's first byte and kept non-decreasing under that mutex.
 */
#include "lt_sink.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STREAMS 256
#define STREAM_NAME_MAX 64
#define OTHER_STREAM "(other)"

struct stream_ctr {
    char name[STREAM_NAME_MAX + 1];
    uint64_t requests, events, rejected;
};

/* Rejections made by the listener itself, by kind. */
enum { RJ_BAD_REQUEST, RJ_TOO_LARGE, RJ_TIMEOUT, RJ_UNSUPPORTED, RJ_COUNT };
static const char *const rj_names[RJ_COUNT] = {"bad_request", "too_large", "timeout",
                                               "unsupported"};

struct wstats {
    pthread_mutex_t mu;
    uint64_t requests, events;
    uint64_t status[600];
    uint64_t reasons[LT_EV_REASON_COUNT];
    uint64_t rj[RJ_COUNT];
    struct stream_ctr streams[MAX_STREAMS + 1]; /* the last one is OTHER_STREAM */
    size_t nstreams;
    struct lt_rng rng;
    struct lt_buf body; /* response body being built (copied by the listener) */
};

struct lt_sink {
    struct lt_sink_opts o;
    struct lt_listener *l;
    unsigned nworkers;
    struct wstats *ws;
    int64_t t0_mono, t0_wall;
    int64_t duration_ns; /* of the run as a source */
    pthread_mutex_t rec_mu;
    struct lt_record_sink *out; /* set while a recording run serves */
    int recording;              /* a recording run was started: /stats says "recorded" */
    uint64_t last_ts;
    uint64_t recorded; /* records put (after a failure: those the sink holds) */
    uint64_t lost;     /* answered, but lost with what the failed put took */
    int rec_rc;
    struct lt_err rec_err;
};

static struct stream_ctr *stream_slot(struct wstats *ws, const uint8_t *name, size_t len)
{
    /* Names go into /stats as JSON keys: long or non-UTF-8 ones are pooled. */
    if (len > STREAM_NAME_MAX || !lt_utf8_valid(name, len))
        return &ws->streams[MAX_STREAMS];
    for (size_t i = 0; i < ws->nstreams; i++)
        if (strlen(ws->streams[i].name) == len && memcmp(ws->streams[i].name, name, len) == 0)
            return &ws->streams[i];
    if (ws->nstreams == MAX_STREAMS)
        return &ws->streams[MAX_STREAMS];
    memcpy(ws->streams[ws->nstreams].name, name, len);
    ws->streams[ws->nstreams].name[len] = '\0';
    return &ws->streams[ws->nstreams++];
}

/*
 * Puts the request into the record sink; 0, or -1 when recording has failed
 * (now or earlier). On the first failure what the sink had taken but not
 * made durable (a tape's block that could not be written) moves from
 * `recorded` to `lost`, so the counters say what the sink holds, and the
 * caller's callback hears of it once.
 */
static int record(struct lt_sink *s, const struct lt_listener_req *rq, int status, int64_t delay)
{
    int ok = 0;
    struct lt_record r;
    uint64_t ts = rq->first_byte_ns > s->t0_mono ? (uint64_t)(rq->first_byte_ns - s->t0_mono) : 0;

    lt_record_from_http(&r, rq->msg);
    r.session = rq->conn_id;
    r.has_response = 1;
    r.status = (uint16_t)status;
    r.resp_latency_ns = (uint64_t)(rq->done_ns - rq->first_byte_ns + delay);
    pthread_mutex_lock(&s->rec_mu);
    if (s->rec_rc == 0) {
        r.ts_ns = ts > s->last_ts ? ts : s->last_ts;
        s->last_ts = r.ts_ns;
        s->rec_rc = s->out->put(s->out->ctx, &r, &s->rec_err);
        if (s->rec_rc == 0) {
            s->recorded++;
            ok = 1;
        } else {
            uint64_t held = lt_record_sink_durable(s->out, s->recorded);
            if (held > s->recorded)
                held = s->recorded;
            s->lost = s->recorded - held;
            s->recorded = held;
            if (s->o.on_record_error)
                s->o.on_record_error(s->o.ctx, s->rec_err.msg, s->recorded, s->lost);
        }
    }
    pthread_mutex_unlock(&s->rec_mu);
    return ok ? 0 : -1;
}

static int64_t pick_delay(struct lt_sink *s, struct wstats *ws)
{
    int64_t d = s->o.delay_ns;

    if (s->o.jitter_ns > 0) {
        uint64_t span = 2 * (uint64_t)s->o.jitter_ns + 1;
        d += (int64_t)lt_rng_below(&ws->rng, span) - s->o.jitter_ns;
    }
    return d > 0 ? d : 0;
}

static int is_method(const struct lt_http_msg *m, const char *name)
{
    return m->method.len == strlen(name) && memcmp(m->method.p, name, m->method.len) == 0;
}

/* The sink's routes. Runs on a worker thread. */
static void on_request(void *ctx, const struct lt_listener_req *rq, struct lt_listener_resp *rs)
{
    static const char collect[] = "/collect/";
    struct lt_sink *s = ctx;
    struct wstats *ws = &s->ws[rq->worker];
    const struct lt_http_msg *m = rq->msg;
    const uint8_t *q = memchr(m->url.p, '?', m->url.len);
    size_t plen = q ? (size_t)(q - m->url.p) : m->url.len;
    const uint8_t *path = m->url.p;
    struct stream_ctr *sc = NULL;
    struct lt_event_verdict v;
    int status, injected = 0;
    char *stats = NULL;

    v.reason = LT_EV_OK;
    v.accepted = 0;
    lt_buf_reset(&ws->body);
    rs->content_type = "application/json";
    if (plen > sizeof(collect) - 1 && memcmp(path, collect, sizeof(collect) - 1) == 0 &&
        !memchr(path + sizeof(collect) - 1, '/', plen - (sizeof(collect) - 1))) {
        const uint8_t *name = path + sizeof(collect) - 1;
        size_t nlen = plen - (sizeof(collect) - 1);
        if (!is_method(m, "POST")) {
            status = 405;
            lt_buf_puts(&ws->body, "{\"error\":\"use POST\"}");
        } else {
            pthread_mutex_lock(&ws->mu);
            injected = s->o.error_rate > 0 && lt_rng_double(&ws->rng) < s->o.error_rate;
            rs->delay_ns = pick_delay(s, ws);
            pthread_mutex_unlock(&ws->mu);
            if (injected) {
                status = 503;
                lt_buf_puts(&ws->body, "{\"error\":\"injected failure (--error-rate)\"}");
            } else if (lt_event_validate(m->body.p, m->body.len, &v) == LT_EV_OK) {
                status = 202;
                lt_buf_printf(&ws->body, "{\"accepted\":%zu}", v.accepted);
            } else {
                status = 400;
                lt_buf_puts(&ws->body, "{\"error\":");
                lt_buf_json_str(&ws->body, v.msg);
                lt_buf_puts(&ws->body, ",\"reason\":");
                lt_buf_json_str(&ws->body, lt_event_reason_name(v.reason));
                lt_buf_putc(&ws->body, '}');
            }
        }
        pthread_mutex_lock(&ws->mu);
        sc = stream_slot(ws, name, nlen);
        pthread_mutex_unlock(&ws->mu);
    } else if ((plen == 7 && memcmp(path, "/health", 7) == 0) ||
               (plen == 6 && memcmp(path, "/stats", 6) == 0)) {
        if (!is_method(m, "GET") && !is_method(m, "HEAD")) {
            status = 405;
            lt_buf_puts(&ws->body, "{\"error\":\"use GET\"}");
        } else if (plen == 7) {
            status = 200;
            lt_buf_puts(&ws->body, "{\"status\":\"ok\"}");
        } else {
            status = 200;
            stats = lt_sink_stats_json(s);
            if (stats)
                lt_buf_puts(&ws->body, stats);
            free(stats);
        }
    } else {
        status = 404;
        lt_buf_puts(&ws->body, "{\"error\":\"not found\"}");
    }
    /* What cannot be recorded is not accepted: 503 while recording is broken. */
    if (s->out && record(s, rq, status, rs->delay_ns) != 0 &&
        (sc || (plen == 7 && memcmp(path, "/health", 7) == 0))) {
        status = 503;
        v.accepted = 0;
        lt_buf_reset(&ws->body);
        lt_buf_puts(&ws->body, "{\"error\":\"cannot record: the tape could not be written\"}");
    }
    rs->status = (uint16_t)status;
    rs->body = ws->body.data;
    rs->body_len = ws->body.len;

    pthread_mutex_lock(&ws->mu);
    ws->requests++;
    ws->status[status]++;
    if (status == 202)
        ws->events += v.accepted;
    if (status == 400)
        ws->reasons[v.reason]++;
    if (sc) {
        sc->requests++;
        sc->events += status == 202 ? v.accepted : 0;
        sc->rejected += status == 400;
    }
    pthread_mutex_unlock(&ws->mu);
}

static void on_reject(void *ctx, unsigned worker, int status, const char *reason)
{
    struct lt_sink *s = ctx;
    struct wstats *ws = &s->ws[worker];
    int kind = status == 408                                       ? RJ_TIMEOUT
               : (status == 413 || status == 414 || status == 431) ? RJ_TOO_LARGE
               : (status == 501 || status == 505)                  ? RJ_UNSUPPORTED
                                                                   : RJ_BAD_REQUEST;

    (void)reason;
    pthread_mutex_lock(&ws->mu);
    ws->requests++;
    if (status >= 100 && status < 600)
        ws->status[status]++;
    ws->rj[kind]++;
    pthread_mutex_unlock(&ws->mu);
}

/* ---- /stats ------------------------------------------------------------------- */

static void add_num(cJSON *obj, const char *key, double n)
{
    cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it)
        cJSON_SetNumberValue(it, it->valuedouble + n);
    else
        cJSON_AddNumberToObject(obj, key, n);
}

char *lt_sink_stats_json(struct lt_sink *s)
{
    cJSON *root = cJSON_CreateObject(), *status, *streams, *rejected, *conns;
    uint64_t requests = 0, events = 0;
    struct lt_listener_stats ls;
    char key[16], *out;

    if (!root)
        return NULL;
    cJSON_AddNumberToObject(root, "uptime_s", (double)(lt_mono_ns() - s->t0_mono) / 1e9);
    status = cJSON_CreateObject();
    streams = cJSON_CreateObject();
    rejected = cJSON_CreateObject();
    for (int r = 1; r < LT_EV_REASON_COUNT; r++)
        cJSON_AddNumberToObject(rejected, lt_event_reason_name(r), 0);
    for (int k = 0; k < RJ_COUNT; k++)
        cJSON_AddNumberToObject(rejected, rj_names[k], 0);
    for (unsigned i = 0; i < s->nworkers; i++) {
        struct wstats *ws = &s->ws[i];
        pthread_mutex_lock(&ws->mu);
        requests += ws->requests;
        events += ws->events;
        for (int st = 0; st < 600; st++)
            if (ws->status[st]) {
                snprintf(key, sizeof(key), "%d", st);
                add_num(status, key, (double)ws->status[st]);
            }
        for (int r = 1; r < LT_EV_REASON_COUNT; r++)
            add_num(rejected, lt_event_reason_name(r), (double)ws->reasons[r]);
        for (int k = 0; k < RJ_COUNT; k++)
            add_num(rejected, rj_names[k], (double)ws->rj[k]);
        for (size_t k = 0; k <= MAX_STREAMS; k++) {
            const struct stream_ctr *sc = &ws->streams[k];
            cJSON *o;
            if (k >= ws->nstreams && k != MAX_STREAMS)
                continue;
            if (sc->requests == 0)
                continue;
            o = cJSON_GetObjectItemCaseSensitive(streams, sc->name);
            if (!o)
                o = cJSON_AddObjectToObject(streams, sc->name);
            if (o) {
                add_num(o, "requests", (double)sc->requests);
                add_num(o, "events", (double)sc->events);
                add_num(o, "rejected", (double)sc->rejected);
            }
        }
        pthread_mutex_unlock(&ws->mu);
    }
    cJSON_AddNumberToObject(root, "requests", (double)requests);
    cJSON_AddNumberToObject(root, "events_accepted", (double)events);
    cJSON_AddItemToObject(root, "status", status);
    cJSON_AddItemToObject(root, "streams", streams);
    cJSON_AddItemToObject(root, "rejected", rejected);
    lt_listener_stats(s->l, &ls);
    conns = cJSON_AddObjectToObject(root, "connections");
    if (conns) {
        cJSON_AddNumberToObject(conns, "accepted", (double)ls.accepted);
        cJSON_AddNumberToObject(conns, "open", (double)ls.open);
    }
    if (s->recording) {
        pthread_mutex_lock(&s->rec_mu);
        cJSON_AddNumberToObject(root, "recorded", (double)s->recorded);
        if (s->rec_rc) {
            cJSON_AddNumberToObject(root, "record_lost", (double)s->lost);
            cJSON_AddStringToObject(root, "record_error", s->rec_err.msg);
        }
        pthread_mutex_unlock(&s->rec_mu);
    }
    out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

/* ---- lifetime ------------------------------------------------------------------- */

struct lt_sink *lt_sink_new(const struct lt_sink_opts *o, struct lt_err *err)
{
    struct lt_sink *s = calloc(1, sizeof(*s));
    struct lt_listener_opts lo;

    if (!s) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    s->o = *o;
    pthread_mutex_init(&s->rec_mu, NULL);
    lo = o->net;
    lo.handler = on_request;
    lo.on_reject = on_reject;
    lo.ctx = s;
    s->l = lt_listener_new(&lo, err);
    if (!s->l)
        goto fail;
    s->nworkers = lo.workers ? lo.workers : 1;
    if (s->nworkers > 256)
        s->nworkers = 256;
    s->ws = calloc(s->nworkers, sizeof(*s->ws));
    if (!s->ws) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < s->nworkers; i++) {
        struct wstats *ws = &s->ws[i];
        pthread_mutex_init(&ws->mu, NULL);
        lt_rng_seed(&ws->rng, lt_splitmix64(o->seed + i));
        lt_buf_init(&ws->body, 0);
        snprintf(ws->streams[MAX_STREAMS].name, sizeof(ws->streams[MAX_STREAMS].name), "%s",
                 OTHER_STREAM);
    }
    s->t0_mono = lt_mono_ns();
    s->t0_wall = lt_wall_ns();
    return s;
fail:
    lt_sink_free(s);
    return NULL;
}

const char *lt_sink_url(const struct lt_sink *s)
{
    return lt_listener_url(s->l);
}

int64_t lt_sink_origin(const struct lt_sink *s)
{
    return s->t0_wall;
}

int lt_sink_run(struct lt_sink *s, int64_t duration_ns, struct lt_err *err)
{
    return lt_listener_run(s->l, duration_ns, err);
}

/* run() of the sink as a source: serves with out as the recorder. */
static int source_run(void *ctx, struct lt_record_sink *out, struct lt_err *err)
{
    struct lt_sink *s = ctx;
    int rc;

    s->out = out;
    s->recording = 1;
    rc = lt_listener_run(s->l, s->duration_ns, err);
    s->out = NULL; /* the workers have stopped */
    return rc;
}

void lt_sink_source(struct lt_record_source *src, struct lt_sink *s, int64_t duration_ns)
{
    memset(src, 0, sizeof(*src));
    s->duration_ns = duration_ns;
    src->ctx = s;
    src->run = source_run;
}

void lt_sink_stop(struct lt_sink *s)
{
    lt_listener_stop(s->l);
}

uint64_t lt_sink_recorded(const struct lt_sink *s)
{
    return s->recorded;
}

const char *lt_sink_record_error(const struct lt_sink *s, uint64_t *lost)
{
    if (!s->rec_rc)
        return NULL;
    if (lost)
        *lost = s->lost;
    return s->rec_err.msg;
}

void lt_sink_free(struct lt_sink *s)
{
    if (!s)
        return;
    lt_listener_free(s->l);
    for (unsigned i = 0; s->ws && i < s->nworkers; i++) {
        pthread_mutex_destroy(&s->ws[i].mu);
        lt_buf_release(&s->ws[i].body);
    }
    free(s->ws);
    pthread_mutex_destroy(&s->rec_mu);
    free(s);
}
