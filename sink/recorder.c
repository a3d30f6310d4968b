/*
 * recorder.c - `capture --listen`: records what an HTTP listener receives
 * (traffic mirrored to it by a proxy), on the same listener as the sink.
 * Every request is answered 202 with an empty body and handed to the
 * caller's record sink as received (lt_record_from_http), with ts the time
 * of its first byte; redaction and framing are the sink's business. The
 * response is the listener's own, so records carry none.
 */
#include "lt_sink.h"

#include <stdlib.h>
#include <string.h>

struct lt_recorder {
    struct lt_listener *l;
    struct lt_recorder_stats st;
    uint64_t limit;
    int64_t t0_mono, t0_wall;
    int64_t duration_ns;
    uint64_t last_ts;
    struct lt_record_sink *out; /* set while running */
    int rc;                     /* the first put that failed, or 0 */
    struct lt_err err;
};

/* One worker: called on one thread, one request at a time. */
static void on_request(void *ctx, const struct lt_listener_req *rq, struct lt_listener_resp *rs)
{
    struct lt_recorder *r = ctx;
    struct lt_record rec;
    uint64_t ts = rq->first_byte_ns > r->t0_mono ? (uint64_t)(rq->first_byte_ns - r->t0_mono) : 0;

    rs->status = 202;
    r->st.requests++;
    if (!r->out || r->rc || (r->limit && r->st.records >= r->limit))
        return;
    lt_record_from_http(&rec, rq->msg);
    rec.session = rq->conn_id;
    rec.ts_ns = ts > r->last_ts ? ts : r->last_ts;
    r->last_ts = rec.ts_ns;
    r->rc = r->out->put(r->out->ctx, &rec, &r->err);
    if (r->rc) {
        lt_listener_stop(r->l); /* what comes now could not be recorded */
        return;
    }
    r->st.records++;
    if (r->limit && r->st.records >= r->limit)
        lt_listener_stop(r->l);
}

static void on_reject(void *ctx, unsigned worker, int status, const char *reason)
{
    struct lt_recorder *r = ctx;

    (void)worker;
    (void)reason;
    if (status == 408)
        r->st.dropped_timeout++; /* did not arrive whole in time */
    else if (status == 413 || status == 414 || status == 431)
        r->st.dropped_limit++;
    else
        r->st.dropped_unparsable++;
}

struct lt_recorder *lt_recorder_new(const struct lt_recorder_opts *o, struct lt_err *err)
{
    struct lt_recorder *r = calloc(1, sizeof(*r));
    struct lt_listener_opts lo;

    if (!r) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    memset(&lo, 0, sizeof(lo));
    lo.listen = o->listen;
    lo.workers = 1; /* one loop: records leave in the order they complete */
    lo.limits = o->limits;
    lo.handler = on_request;
    lo.on_reject = on_reject;
    lo.ctx = r;
    r->l = lt_listener_new(&lo, err);
    if (!r->l) {
        free(r);
        return NULL;
    }
    r->limit = o->limit;
    r->t0_mono = lt_mono_ns();
    r->t0_wall = lt_wall_ns();
    return r;
}

const char *lt_recorder_url(const struct lt_recorder *r)
{
    return lt_listener_url(r->l);
}

int64_t lt_recorder_origin(const struct lt_recorder *r)
{
    return r->t0_wall;
}

static int source_run(void *ctx, struct lt_record_sink *out, struct lt_err *err)
{
    struct lt_recorder *r = ctx;
    int rc;

    r->out = out;
    rc = lt_listener_run(r->l, r->duration_ns, err);
    r->out = NULL;
    if (!rc && r->rc) {
        if (err)
            *err = r->err;
        rc = r->rc;
    }
    return rc;
}

void lt_recorder_source(struct lt_record_source *src, struct lt_recorder *r, int64_t duration_ns)
{
    memset(src, 0, sizeof(*src));
    r->duration_ns = duration_ns;
    src->ctx = r;
    src->run = source_run;
}

void lt_recorder_stop(struct lt_recorder *r)
{
    lt_listener_stop(r->l);
}

const struct lt_recorder_stats *lt_recorder_stats(const struct lt_recorder *r)
{
    return &r->st;
}

void lt_recorder_free(struct lt_recorder *r)
{
    if (!r)
        return;
    lt_listener_free(r->l);
    free(r);
}
