/*
 * rec_emit.c - the last stage of the capture: a request that is ready
 * becomes the record as captured, with what only the capture knows (its ts
 * since the time origin, kept non-decreasing; its session; the response's
 * status and latency, or the no_response flag; the flags of what was
 * missing) and goes into the record sink. Target, headers and body are left
 * as parsed: the transform after the capture (formats' lt_redact_apply)
 * puts the target in origin form, makes Content-Length match a decoded or
 * cut body, and redacts.
 */
#include "cap_internal.h"

int cap_emit(struct lt_capture *c, struct cap_req *r)
{
    struct lt_record out = r->rb.rec;
    struct lt_err err;
    int rc;

    if (c->o.max_records && c->st.records >= c->o.max_records)
        return 0; /* past --count: not recorded */
    out.session = r->session;
    out.flags |= r->flags;
    /* ts order is kept by the heap; a packet stamped earlier than one already
     * written (clock steps in live capture) is held at the last ts. */
    out.ts_ns = r->ts_ns > c->origin_ns ? (uint64_t)(r->ts_ns - c->origin_ns) : 0;
    if (out.ts_ns < c->last_ts_out)
        out.ts_ns = c->last_ts_out;
    c->last_ts_out = out.ts_ns;
    out.has_response = r->has_response && !c->o.no_responses;
    if (out.has_response) {
        out.status = r->status;
        out.resp_latency_ns = r->resp_ts_ns > r->ts_ns ? (uint64_t)(r->resp_ts_ns - r->ts_ns) : 0;
    } else if (!c->o.no_responses) {
        out.flags |= LT_RF_NO_RESPONSE;
    }
    lt_err_clear(&err);
    rc = c->out ? c->out->put(c->out->ctx, &out, &err) : 0;
    if (rc) {
        if (!c->failed) {
            c->failed = rc;
            c->err = err;
        }
        return rc;
    }
    if (out.has_response)
        c->st.with_response++;
    else if (!c->o.no_responses)
        c->st.no_response++;
    c->st.records++;
    return 0;
}
