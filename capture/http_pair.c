/*
 * http_pair.c - the HTTP stage: each direction of a flow goes through the
 * HTTP/1.x parser of formats/; requests become records (with the time of
 * their first packet) and are paired with the final responses (interim 1xx
 * responses are not final). HTTP/1.1 answers requests in the order they
 * came, pipelined or not, so order pairs them while the capture lost nothing
 * of the responses; sequence and acknowledgement numbers check every pair
 * and decide after a loss (see resp_final). TLS and HTTP/2 flows are
 * recognised by their first bytes and counted, not parsed.
 */
#include "cap_internal.h"

#include <stdlib.h>
#include <string.h>

static struct lt_capture *cap_of(struct cap_flow *f)
{
    return f->cap;
}

void cap_http_init(struct cap_flow *f)
{
    memset(&f->http, 0, sizeof(f->http));
}

/* ---- the flow's queue of requests awaiting a response ---- */

static void fifo_append(struct cap_http *h, struct cap_req *r)
{
    r->fprev = h->fifo_tail;
    r->fnext = NULL;
    if (h->fifo_tail)
        h->fifo_tail->fnext = r;
    else
        h->fifo_head = r;
    h->fifo_tail = r;
    r->in_fifo = 1;
}

static void fifo_remove(struct cap_http *h, struct cap_req *r)
{
    if (!r->in_fifo)
        return;
    if (r->fprev)
        r->fprev->fnext = r->fnext;
    else
        h->fifo_head = r->fnext;
    if (r->fnext)
        r->fnext->fprev = r->fprev;
    else
        h->fifo_tail = r->fprev;
    r->fprev = r->fnext = NULL;
    r->in_fifo = 0;
}

/* A request whose first byte has just arrived: in the ordering heap at once,
 * so nothing later is written before it. */
static struct cap_req *req_start(struct cap_flow *f, int64_t ts)
{
    struct lt_capture *c = cap_of(f);
    struct cap_req *r = calloc(1, sizeof(*r));

    if (!r) {
        cap_fail(c, LT_E_NOMEM, "request");
        return NULL;
    }
    r->ts_ns = ts;
    r->order = c->next_order++;
    r->session = f->session;
    r->state = REQ_RECEIVING;
    r->cli_ack = f->dir[0].cur_ack;
    r->has_cli_ack = f->dir[0].cur_has_ack;
    lt_recbuf_init(&r->rb);
    if (cap_order_push(&c->order, r)) {
        lt_recbuf_release(&r->rb);
        free(r);
        cap_fail(c, LT_E_NOMEM, "record queue");
        return NULL;
    }
    fifo_append(&f->http, r);
    f->http.gap_why = 0;
    return r;
}

/* The current request turned out not to be one (stray bytes): forget it. */
static void req_forget(struct cap_flow *f, struct cap_req *r)
{
    struct lt_capture *c = cap_of(f);

    fifo_remove(&f->http, r);
    if (r->in_heap)
        cap_order_remove(&c->order, r);
    cap_req_put(r);
}

/* The current request could not be recorded (counted by the caller); it
 * stays in the queue to take its response, so later pairs stay right. */
static void req_drop(struct cap_flow *f, struct cap_req *r)
{
    struct lt_capture *c = cap_of(f);

    r->state = REQ_DROPPED;
    if (r->in_heap)
        cap_order_remove(&c->order, r);
    if (f->http.resp_ready)
        lt_http_parser_push_request(&f->http.resp, 0);
    cap_req_put(r);
}

/*
 * Bytes a parser holds for a message in progress, per direction, summed over
 * all flows into c->http_inflight; the flow table ends the flow holding the
 * most when the sum passes the total cap.
 */
static void inflight_add(struct cap_flow *f, int d, size_t n)
{
    const struct lt_limits *l = &f->cap->limits;
    /* what a parser can hold: a head and a body up to the limit */
    size_t most = l->body_max + l->url_max + l->headers_max + 4 * l->nheaders_max;

    if (d == 1)
        return; /* response bodies are not kept (discard_body) */
    if (n > most - (f->http.inflight[d] < most ? f->http.inflight[d] : most))
        n = most - (f->http.inflight[d] < most ? f->http.inflight[d] : most);
    f->http.inflight[d] += n;
    f->cap->http_inflight += n;
}

static void inflight_release(struct cap_flow *f, int d)
{
    f->cap->http_inflight -= f->http.inflight[d];
    f->http.inflight[d] = 0;
}

/* Sequence number of stream offset off in direction d (set on the first feed). */
static uint32_t seq_at(const struct cap_http *h, int d, uint64_t off)
{
    return h->base_seq[d] + (uint32_t)off;
}

static void base_note(struct cap_flow *f, int d)
{
    if (!f->http.base_set[d]) {
        f->http.base_seq[d] = f->dir[d].next;
        f->http.base_set[d] = 1;
    }
}

/* From sequence number at on, response bytes were lost or unparsable. */
static void resp_lost_from(struct cap_http *h, uint32_t at)
{
    if (!h->uncertain) {
        h->uncertain = 1;
        h->lost_seq = at;
    }
}

static int skip_crlf(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n && (p[i] == '\r' || p[i] == '\n'))
        i++;
    return i < n;
}

static int parser_ready(struct cap_flow *f, int resp)
{
    struct cap_http *h = &f->http;
    struct lt_http_parser_opts po;
    int *ready = resp ? &h->resp_ready : &h->req_ready;

    if (*ready)
        return 1;
    memset(&po, 0, sizeof(po));
    po.limits = &cap_of(f)->limits;
    po.resync = 1;
    po.seek_start = !f->saw_syn[resp ? 1 : 0];
    /* Response bodies are not recorded: framed and skipped, whatever their
     * size. A request body over the limit is kept up to it, flagged. */
    po.discard_body = resp;
    po.cut_body = !resp;
    if (lt_http_parser_init(resp ? &h->resp : &h->req, resp ? LT_HTTP_RESPONSE : LT_HTTP_REQUEST,
                            &po)) {
        cap_fail(cap_of(f), LT_E_NOMEM, "http parser");
        return 0;
    }
    *ready = 1;
    return 1;
}

/*
 * Recognises what a connection speaks from the first bytes its client
 * sends (only when the capture saw the connection start): a TLS handshake
 * record, the HTTP/2 preface, or anything else (left to the HTTP parser,
 * and counted as "other" when it never yields a message).
 */
static void detect(struct cap_flow *f, const uint8_t *p, size_t n)
{
    static const char h2[] = "PRI * HTTP/2.0";
    struct cap_http *h = &f->http;
    size_t m = n < sizeof(h2) - 1 ? n : sizeof(h2) - 1;

    if (h->proto != PROTO_UNKNOWN || !n)
        return;
    h->proto = PROTO_HTTP;
    if (!f->saw_syn[0] && !f->saw_syn[1])
        return;
    if (p[0] == 0x16 && (n < 2 || p[1] == 0x03))
        h->proto = PROTO_TLS;
    else if (m >= 3 && memcmp(p, h2, m) == 0)
        h->proto = PROTO_HTTP2;
}

/* Copies a complete request message into r; flags say what was missing. */
static void req_complete(struct cap_flow *f, struct cap_req *r, const struct lt_http_msg *m)
{
    struct lt_capture *c = cap_of(f);
    struct lt_record v;
    int rc;

    lt_record_from_http(&v, m);
    if (m->flags & LT_HTTP_F_GAP) {
        unsigned why = f->http.gap_why;
        if (why & (1u << LT_GAP_SNAPLEN)) {
            r->flags |= LT_RF_TRUNCATED;
            c->st.req_truncated++;
        } else if (why & (1u << LT_GAP_MEMCAP)) {
            r->flags |= LT_RF_INCOMPLETE;
            c->st.req_memcap++;
        } else {
            r->flags |= LT_RF_INCOMPLETE;
            c->st.req_gap++;
        }
    } else if (m->flags & LT_HTTP_F_TRUNCATED) {
        r->flags |= LT_RF_INCOMPLETE;
        if (f->http.memcapped)
            c->st.req_memcap++;
        else
            c->st.req_gap++;
    } else if (m->flags & LT_HTTP_F_CUT) {
        r->flags |= LT_RF_TRUNCATED; /* the body limit: kept up to it */
        c->st.req_truncated++;
    }
    r->start_seq = seq_at(&f->http, 0, m->start_offset);
    r->end_seq = seq_at(&f->http, 0, m->end_offset);
    r->has_end = 1;
    rc = lt_recbuf_set(&r->rb, &v);
    if (rc) {
        cap_fail(c, rc, "request copy");
        return;
    }
    r->has_msg = 1;
    c->st.requests++;
    f->http.messages++;
    if (r->state == REQ_RECEIVING)
        r->state = (c->o.no_responses || r->has_response) ? REQ_DONE : REQ_WAITING;
    if (c->o.no_responses)
        fifo_remove(&f->http, r);
    else if (f->http.resp_ready)
        lt_http_parser_push_request(&f->http.resp,
                                    lt_http_request_bits(m->method.p, m->method.len));
    else if (parser_ready(f, 1))
        lt_http_parser_push_request(&f->http.resp,
                                    lt_http_request_bits(m->method.p, m->method.len));
}

static void count_req_error(struct lt_capture *c, int rc)
{
    if (rc == LT_E_LIMIT)
        c->st.dropped_limit++;
    else
        c->st.dropped_unparsable++;
}

static void req_data(void *ctx, const uint8_t *p, size_t n, int64_t ts)
{
    struct cap_flow *f = ctx;
    struct cap_http *h = &f->http;
    struct lt_capture *c = cap_of(f);

    detect(f, p, n);
    if (h->proto != PROTO_HTTP || h->tunnel || c->failed || !parser_ready(f, 0))
        return;
    base_note(f, 0);
    for (size_t guard = 0; n && guard < 1000000; guard++) {
        struct lt_http_msg m;
        struct lt_err err;
        size_t used = 0;
        int rc;

        if (!h->cur && lt_http_parser_idle(&h->req) && skip_crlf(p, n))
            h->cur = req_start(f, ts);
        rc = lt_http_parser_feed(&h->req, p, n, &used, &m, &err);
        if (used > n)
            used = n;
        p += used;
        n -= used;
        h->fed[0] += used;
        if (rc == LT_HTTP_MESSAGE || rc < 0 || lt_http_parser_idle(&h->req))
            inflight_release(f, 0);
        else
            inflight_add(f, 0, used);
        if (rc == LT_HTTP_MESSAGE) {
            struct cap_req *r = h->cur ? h->cur : req_start(f, ts);
            h->cur = NULL;
            if (r)
                req_complete(f, r, &m);
        } else if (rc < 0) {
            count_req_error(c, rc);
            h->bad_requests++; /* a malformed request still makes the flow HTTP */
            if (h->cur) {
                req_drop(f, h->cur);
                h->cur = NULL;
            }
            if (!used && rc < 0 && h->req.errors > 1000000)
                break;
        } else if (rc == LT_HTTP_NEED_MORE) {
            break;
        }
    }
}

static void req_gap(void *ctx, uint64_t n, enum lt_gap_reason why, int64_t ts)
{
    struct cap_flow *f = ctx;
    struct cap_http *h = &f->http;
    struct lt_capture *c = cap_of(f);
    int idle, kept;

    (void)ts;
    if (h->proto == PROTO_UNKNOWN)
        h->proto = PROTO_HTTP;
    if (h->proto != PROTO_HTTP || h->tunnel || c->failed || !parser_ready(f, 0))
        return;
    h->gap_why |= 1u << why;
    base_note(f, 0);
    h->fed[0] += n;
    idle = lt_http_parser_idle(&h->req);
    kept = lt_http_parser_gap(&h->req, n);
    if (!kept)
        inflight_release(f, 0);
    if (!kept && idle) {
        /* whole requests may have been lost: see resp_final */
        h->req_lost = 1;
        h->req_lost_end = f->dir[0].next + (uint32_t)n;
    }
    if (!kept && h->cur) {
        if (idle) {
            req_forget(f, h->cur);
        } else {
            c->st.dropped_gap++;
            req_drop(f, h->cur);
        }
        h->cur = NULL;
    }
}

static void req_fin(void *ctx, int64_t ts)
{
    struct cap_flow *f = ctx;
    struct cap_http *h = &f->http;
    struct lt_capture *c = cap_of(f);
    struct lt_http_msg m;
    struct lt_err err;
    int rc;

    if (!h->req_ready || h->tunnel || c->failed)
        goto out;
    rc = lt_http_parser_finish(&h->req, &m, &err);
    inflight_release(f, 0);
    if (rc == LT_HTTP_MESSAGE) {
        struct cap_req *r = h->cur ? h->cur : req_start(f, ts);
        h->cur = NULL;
        if (r)
            req_complete(f, r, &m);
    } else if (rc < 0 && h->cur) {
        c->st.dropped_gap++;
        req_drop(f, h->cur);
        h->cur = NULL;
    }
out:
    if (h->cur) {
        req_forget(f, h->cur);
        h->cur = NULL;
    }
}

/* The request r gets no response: its response was lost (counted). */
static void req_lost(struct cap_flow *f, struct cap_req *r)
{
    fifo_remove(&f->http, r);
    if (r->state != REQ_DROPPED)
        f->cap->st.response_lost++;
    if (r->state == REQ_WAITING)
        r->state = REQ_DONE;
    cap_req_put(r);
}

/*
 * Could the response starting at sequence number s, sent with
 * acknowledgement a, answer r? Only if the client had not yet received s
 * when it sent r (a response to r is sent after r), and the server had
 * received r: its last byte when r is complete, else at least its first.
 */
static int may_answer(const struct cap_req *r, uint32_t s, uint32_t a, int has_a)
{
    if (r->has_cli_ack && seq_diff(r->cli_ack, s) > 0)
        return 0;
    if (!has_a || !r->has_end)
        return 1;
    return seq_diff(a, r->end_seq) >= 0;
}

/*
 * After response bytes were lost from lost_seq on, the oldest waiting
 * request's response is known to be among them when the client, before
 * sending a later request, had acknowledged lost bytes past where it stood
 * when it sent the oldest one: the server sends a response only after the
 * request, and answers in order. Such requests are flagged (no response).
 */
static void drop_proven_lost(struct cap_flow *f, uint32_t s)
{
    struct cap_http *h = &f->http;

    for (size_t guard = 0; h->fifo_head && guard < 1000000; guard++) {
        struct cap_req *r = h->fifo_head, *w;
        uint32_t lo = h->lost_seq;
        int proven = 0;

        if (r->has_cli_ack && seq_diff(r->cli_ack, lo) > 0)
            lo = r->cli_ack;
        if (h->has_resp_end && seq_diff(h->resp_end, lo) > 0)
            lo = h->resp_end; /* everything before it was parsed */
        if (seq_diff(s, lo) <= 0)
            return; /* nothing lost before s that r's response could be */
        for (w = r->fnext; w && !proven; w = w->fnext) {
            uint32_t hi;
            if (!w->has_cli_ack)
                continue;
            hi = seq_diff(w->cli_ack, s) < 0 ? w->cli_ack : s;
            proven = seq_diff(hi, lo) > 0;
        }
        if (!proven)
            return;
        req_lost(f, r);
    }
}

/*
 * A final response, its first byte at sequence number s, sent with
 * acknowledgement a. With nothing lost it answers the oldest request still
 * waiting, unless TCP says it cannot (the client had received it before
 * sending that request, or the server had not received the request): then
 * it answers a request the capture did not see, and stays unpaired. After a
 * loss, requests whose responses were provably lost are flagged first; if
 * a later request could then still be the one answered, the pair is
 * ambiguous and nothing is paired by guess: the oldest request is flagged,
 * the response counted unpaired.
 */
static void resp_final(struct cap_flow *f, const struct lt_http_msg *m, int64_t ts)
{
    struct cap_http *h = &f->http;
    struct lt_capture *c = cap_of(f);
    uint32_t s = seq_at(h, 1, m->start_offset), a = h->resp_ack;
    int has_a = h->resp_has_ack;
    struct cap_req *r;

    c->st.responses++;
    if (m->flags & LT_HTTP_F_UPGRADE)
        h->tunnel = 1;
    if (h->uncertain)
        drop_proven_lost(f, s);
    r = h->fifo_head;
    if (!r || !may_answer(r, s, a, has_a)) {
        if (r && r->has_end && has_a && seq_diff(a, r->start_seq) > 0 &&
            !(r->has_cli_ack && seq_diff(r->cli_ack, s) > 0))
            goto pair; /* an early response (before the whole body): still r's */
        c->st.unpaired_responses++;
        h->unpaired_ack = a;
        h->has_unpaired_ack = has_a;
        return;
    }
    if (h->req_lost) {
        if (h->has_unpaired_ack && seq_diff(h->unpaired_ack, h->req_lost_end) >= 0) {
            h->req_lost = 0; /* the lost requests were answered already */
        } else {
            /* r's response, or one to a request lost before it: not known */
            req_lost(f, r);
            c->st.unpaired_responses++;
            h->unpaired_ack = a;
            h->has_unpaired_ack = has_a;
            return;
        }
    }
    if (h->uncertain) {
        for (struct cap_req *o = r->fnext; o; o = o->fnext)
            if (may_answer(o, s, a, has_a) && o->has_end) {
                req_lost(f, r);
                c->st.unpaired_responses++;
                return;
            }
        h->uncertain = 0;
    }
pair:
    fifo_remove(h, r);
    if (r->state != REQ_DROPPED && !r->has_response) {
        r->has_response = 1;
        r->status = m->status;
        r->resp_ts_ns = ts;
        if (r->state == REQ_WAITING)
            r->state = REQ_DONE;
    }
    cap_req_put(r);
}

static void resp_data(void *ctx, const uint8_t *p, size_t n, int64_t ts)
{
    struct cap_flow *f = ctx;
    struct cap_http *h = &f->http;
    struct lt_capture *c = cap_of(f);

    if (h->proto == PROTO_UNKNOWN && n && (f->saw_syn[0] || f->saw_syn[1]) && p[0] == 0x16)
        h->proto = PROTO_TLS;
    if (h->proto == PROTO_TLS || h->proto == PROTO_HTTP2 || h->tunnel || c->failed ||
        c->o.no_responses || !parser_ready(f, 1))
        return;
    base_note(f, 1);
    for (size_t guard = 0; n && guard < 1000000; guard++) {
        struct lt_http_msg m;
        struct lt_err err;
        size_t used = 0;
        int was_idle = lt_http_parser_idle(&h->resp);
        int rc = lt_http_parser_feed(&h->resp, p, n, &used, &m, &err);

        if (used > n)
            used = n;
        if (was_idle && (rc == LT_HTTP_MESSAGE || !lt_http_parser_idle(&h->resp))) {
            /* the next response began in this segment */
            h->resp_ack = f->dir[1].cur_ack;
            h->resp_has_ack = f->dir[1].cur_has_ack;
        }
        if (rc < 0)
            resp_lost_from(h, seq_at(h, 1, h->fed[1]));
        p += used;
        n -= used;
        h->fed[1] += used;
        if (rc == LT_HTTP_MESSAGE || rc < 0 || lt_http_parser_idle(&h->resp))
            inflight_release(f, 1);
        else
            inflight_add(f, 1, used);
        if (rc == LT_HTTP_MESSAGE) {
            if (m.flags & LT_HTTP_F_INTERIM)
                c->st.interim_responses++;
            else
                resp_final(f, &m, ts);
            h->resp_end = seq_at(h, 1, m.end_offset);
            h->has_resp_end = 1;
            if (h->tunnel)
                break;
        } else if (rc == LT_HTTP_NEED_MORE) {
            break;
        }
    }
}

static void resp_gap(void *ctx, uint64_t n, enum lt_gap_reason why, int64_t ts)
{
    struct cap_flow *f = ctx;
    struct cap_http *h = &f->http;
    uint32_t at;
    int idle;

    (void)why;
    (void)ts;
    if (!h->resp_ready || h->tunnel)
        return;
    base_note(f, 1);
    at = seq_at(h, 1, h->fed[1]);
    h->fed[1] += n;
    idle = lt_http_parser_idle(&h->resp);
    /* Inside a body of known length the response survives the gap. */
    if (lt_http_parser_gap(&h->resp, n))
        return;
    inflight_release(f, 1);
    resp_lost_from(h, at);
    /* A response lost after it began: its request gets none. */
    if (!idle && h->fifo_head)
        req_lost(f, h->fifo_head);
}

static void resp_fin(void *ctx, int64_t ts)
{
    struct cap_flow *f = ctx;
    struct cap_http *h = &f->http;
    struct lt_http_msg m;
    struct lt_err err;

    if (!h->resp_ready || h->tunnel || f->cap->failed)
        return;
    inflight_release(f, 1);
    if (lt_http_parser_finish(&h->resp, &m, &err) == LT_HTTP_MESSAGE &&
        !(m.flags & LT_HTTP_F_INTERIM))
        resp_final(f, &m, ts);
}

void cap_http_reset(struct cap_flow *f)
{
    struct cap_http *h = &f->http;
    struct lt_capture *c = cap_of(f);

    if (h->cur) {
        req_forget(f, h->cur);
        h->cur = NULL;
    }
    while (h->fifo_head)
        req_forget(f, h->fifo_head);
    inflight_release(f, 0);
    inflight_release(f, 1);
    if (h->req_ready) {
        c->st.resync_bytes += h->req.skipped_bytes;
        lt_http_parser_release(&h->req);
    }
    if (h->resp_ready) {
        c->st.resync_bytes += h->resp.skipped_bytes;
        lt_http_parser_release(&h->resp);
    }
    memset(h, 0, sizeof(*h));
}

const struct lt_tcp_sink cap_http_req_sink = {NULL, req_data, req_gap, req_fin};
const struct lt_tcp_sink cap_http_resp_sink = {NULL, resp_data, resp_gap, resp_fin};

/*
 * The flow is over: requests still waiting will get no response (they are
 * written flagged when their turn comes), and the flow's protocol is
 * counted.
 */
void cap_http_end(struct cap_flow *f, int64_t ts)
{
    struct cap_http *h = &f->http;
    struct lt_capture *c = cap_of(f);

    (void)ts;
    if (h->cur) {
        req_forget(f, h->cur);
        h->cur = NULL;
    }
    while (h->fifo_head) {
        struct cap_req *r = h->fifo_head;
        fifo_remove(h, r);
        if (r->state == REQ_WAITING || r->state == REQ_RECEIVING)
            r->state = REQ_DONE;
        cap_req_put(r);
    }
    switch (h->proto) {
    case PROTO_TLS:
        c->st.flows_tls++;
        break;
    case PROTO_HTTP2:
        c->st.flows_http2++;
        break;
    case PROTO_HTTP:
        if (h->messages || h->bad_requests)
            c->st.flows_http++;
        else
            c->st.flows_other++;
        break;
    default:
        break; /* no payload at all */
    }
    inflight_release(f, 0);
    inflight_release(f, 1);
    if (h->req_ready) {
        c->st.resync_bytes += h->req.skipped_bytes;
        lt_http_parser_release(&h->req);
    }
    if (h->resp_ready) {
        c->st.resync_bytes += h->resp.skipped_bytes;
        lt_http_parser_release(&h->resp);
    }
    h->req_ready = h->resp_ready = 0;
}
