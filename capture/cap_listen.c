/*
 * cap_listen.c - `capture --listen`: records what an HTTP listener receives
 * (traffic mirrored to it by a proxy), on the same listener as the sink.
 * Every request is answered 202 with an empty body and goes through the same
 * last stage as packet capture (redaction, origin-form target, Content-Length
 * of a decoded chunked body), with ts the time of its first byte. The
 * response is the listener's own, so records carry none.
 */
#include "cap_internal.h"

#include <stdlib.h>
#include <string.h>

struct lt_capture_listen {
    struct lt_listener *l;
    struct lt_capture *cap;
    uint64_t limit;
    int64_t t0_mono, t0_wall;
};

static void on_request(void *ctx, const struct lt_listener_req *rq, struct lt_listener_resp *rs)
{
    struct lt_capture_listen *cl = ctx;
    struct lt_capture *c = cl->cap;
    const struct lt_http_msg *m = rq->msg;
    struct cap_req r;
    struct lt_record v;

    rs->status = 202;
    if (c->failed || (cl->limit && c->st.records >= cl->limit))
        return;
    memset(&r, 0, sizeof(r));
    memset(&v, 0, sizeof(v));
    v.method = m->method;
    v.url = m->url;
    v.headers = m->headers;
    v.nheaders = m->nheaders;
    v.body = m->body;
    lt_recbuf_init(&r.rb);
    if (lt_recbuf_set(&r.rb, &v)) {
        cap_fail(c, LT_E_NOMEM, "request copy");
        goto out;
    }
    c->st.requests++;
    r.ts_ns = cl->t0_wall + (rq->first_byte_ns - cl->t0_mono);
    r.session = rq->conn_id;
    r.rewrite_length = (m->flags & LT_HTTP_F_CHUNKED) != 0;
    r.has_msg = 1;
    r.state = REQ_DONE;
    cap_emit(c, &r);
    if (cl->limit && c->st.records >= cl->limit)
        lt_listener_stop(cl->l);
out:
    lt_recbuf_release(&r.rb);
}

static void on_reject(void *ctx, unsigned worker, int status, const char *reason)
{
    struct lt_capture_listen *cl = ctx;

    (void)worker;
    (void)reason;
    if (status == 408)
        cl->cap->st.dropped_gap++; /* did not arrive whole in time */
    else if (status == 413 || status == 414 || status == 431)
        cl->cap->st.dropped_limit++;
    else
        cl->cap->st.dropped_unparsable++;
}

struct lt_capture_listen *lt_capture_listen_new(const char *addr, const struct lt_capture_opts *o,
                                                uint64_t limit, lt_capture_record_fn fn, void *ctx,
                                                struct lt_err *err)
{
    struct lt_capture_listen *cl = calloc(1, sizeof(*cl));
    struct lt_capture_opts co;
    struct lt_listener_opts lo;

    if (!cl) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    co = *o;
    co.no_responses = 1; /* the answers are ours, not the service's */
    cl->cap = lt_capture_new(&co, fn, ctx, err);
    if (!cl->cap)
        goto fail;
    memset(&lo, 0, sizeof(lo));
    lo.listen = addr;
    lo.workers = 1; /* one loop: records leave in the order they complete */
    lo.limits = &cl->cap->limits;
    lo.handler = on_request;
    lo.on_reject = on_reject;
    lo.ctx = cl;
    cl->l = lt_listener_new(&lo, err);
    if (!cl->l)
        goto fail;
    cl->limit = limit;
    cl->t0_mono = lt_mono_ns();
    cl->t0_wall = lt_wall_ns();
    cl->cap->origin_ns = cl->t0_wall;
    return cl;
fail:
    lt_capture_listen_free(cl);
    return NULL;
}

const char *lt_capture_listen_url(const struct lt_capture_listen *cl)
{
    return lt_listener_url(cl->l);
}

int lt_capture_listen_run(struct lt_capture_listen *cl, int64_t duration_ns, struct lt_err *err)
{
    int rc = lt_listener_run(cl->l, duration_ns, err);

    if (!rc && cl->cap->failed) {
        if (err)
            *err = cl->cap->err;
        rc = cl->cap->failed;
    }
    return rc;
}

void lt_capture_listen_stop(struct lt_capture_listen *cl)
{
    lt_listener_stop(cl->l);
}

struct lt_capture *lt_capture_listen_capture(struct lt_capture_listen *cl)
{
    return cl->cap;
}

void lt_capture_listen_free(struct lt_capture_listen *cl)
{
    if (!cl)
        return;
    lt_listener_free(cl->l);
    lt_capture_free(cl->cap);
    free(cl);
}
