/*
 * cap_pipeline.c - struct lt_capture: packets in, records out. Decodes each
 * packet, feeds the flow table, expires idle flows and pumps the ordering
 * queue by packet time; keeps the counters that go into the tape.
 */
#include "cap_internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WINDOW_NS (10 * 1000000000LL)
#define DEFAULT_IDLE_NS (60 * 1000000000LL)
#define DEFAULT_FLOW_BUF ((size_t)4 << 20)
#define DEFAULT_TOTAL_BUF ((size_t)1 << 30)
#define DEFAULT_MAX_FLOWS ((size_t)1000000)

struct lt_capture *lt_capture_new(const struct lt_capture_opts *o, struct lt_record_sink *out,
                                  struct lt_err *err)
{
    struct lt_capture *c = calloc(1, sizeof(*c));

    if (!c) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    if (o)
        c->o = *o;
    if (c->o.reorder_window_ns <= 0)
        c->o.reorder_window_ns = DEFAULT_WINDOW_NS;
    if (c->o.idle_timeout_ns <= 0)
        c->o.idle_timeout_ns = DEFAULT_IDLE_NS;
    if (!c->o.flow_buffer_max)
        c->o.flow_buffer_max = DEFAULT_FLOW_BUF;
    if (!c->o.total_buffer_max)
        c->o.total_buffer_max = DEFAULT_TOTAL_BUF;
    if (!c->o.max_flows)
        c->o.max_flows = DEFAULT_MAX_FLOWS;
    c->limits = c->o.limits;
    if (!c->limits.url_max || !c->limits.headers_max || !c->limits.nheaders_max ||
        !c->limits.body_max)
        lt_limits_default(&c->limits);
    c->mem.max = c->o.total_buffer_max;
    c->out = out;
    if (cap_flows_init(&c->flows)) {
        lt_capture_free(c);
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    return c;
}

void lt_capture_free(struct lt_capture *c)
{
    if (!c)
        return;
    cap_flows_release(c);
    cap_order_release(&c->order);
    free(c);
}

static int failed(struct lt_capture *c, struct lt_err *err)
{
    if (err)
        *err = c->err;
    return c->failed < 0 ? c->failed : LT_E_INTERNAL;
}

static void tick(struct lt_capture *c, int64_t ts_ns)
{
    if (ts_ns > c->now_ns)
        c->now_ns = ts_ns;
    cap_flows_expire(c, c->now_ns);
    cap_order_pump(c, 0);
}

int lt_capture_packet(struct lt_capture *c, int dlt, int64_t ts_ns, const uint8_t *p, size_t caplen,
                      struct lt_err *err)
{
    struct lt_pkt pkt;
    enum lt_pkt_kind k;

    if (c->failed)
        return failed(c, err);
    if (!c->origin_ns)
        c->origin_ns = ts_ns;
    c->st.packets++;
    k = lt_pkt_decode(dlt, p, caplen, &pkt);
    switch (k) {
    case LT_PKT_TCP:
        c->st.tcp_packets++;
        pkt.ts_ns = ts_ns;
        cap_flows_packet(c, &pkt);
        break;
    case LT_PKT_NOT_TCP:
        c->st.not_tcp++;
        break;
    case LT_PKT_FRAGMENT:
        c->st.ip_fragments++;
        break;
    case LT_PKT_MALFORMED:
        c->st.malformed++;
        break;
    case LT_PKT_LINK_UNKNOWN:
        c->st.link_unknown++;
        break;
    }
    tick(c, ts_ns);
    return c->failed ? failed(c, err) : 0;
}

int lt_capture_advance(struct lt_capture *c, int64_t ts_ns, struct lt_err *err)
{
    if (c->failed)
        return failed(c, err);
    tick(c, ts_ns);
    return c->failed ? failed(c, err) : 0;
}

int lt_capture_finish(struct lt_capture *c, struct lt_err *err)
{
    if (c->failed)
        return failed(c, err);
    cap_flows_end_all(c, c->now_ns);
    cap_order_pump(c, 1);
    return c->failed ? failed(c, err) : 0;
}

int64_t lt_capture_origin(const struct lt_capture *c)
{
    return c->origin_ns;
}

struct lt_capture_stats *lt_capture_stats(struct lt_capture *c)
{
    return &c->st;
}

static void num(cJSON *o, const char *k, uint64_t v)
{
    cJSON_AddNumberToObject(o, k, (double)v);
}

struct cJSON *lt_capture_stats_json(const struct lt_capture_stats *s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *pk = cJSON_AddObjectToObject(root, "packets");
    cJSON *tcp = cJSON_AddObjectToObject(root, "tcp");
    cJSON *pr = cJSON_AddObjectToObject(root, "protocols");
    cJSON *rq = cJSON_AddObjectToObject(root, "requests");
    cJSON *nw = cJSON_AddObjectToObject(root, "not_recorded_whole");

    if (!root || !pk || !tcp || !pr || !rq || !nw) {
        cJSON_Delete(root);
        return NULL;
    }
    num(pk, "seen", s->packets);
    num(pk, "tcp", s->tcp_packets);
    num(pk, "not_tcp", s->not_tcp);
    num(pk, "malformed", s->malformed);
    num(pk, "ip_fragments", s->ip_fragments);
    num(pk, "link_unknown", s->link_unknown);
    if (s->have_kernel) {
        num(pk, "kernel_received", s->kernel_received);
        num(pk, "kernel_dropped", s->kernel_dropped);
        num(pk, "interface_dropped", s->iface_dropped);
    }
    num(tcp, "flows", s->flows);
    num(tcp, "flows_expired", s->flows_expired);
    num(tcp, "out_of_order", s->out_of_order);
    num(tcp, "retransmitted", s->retransmitted);
    num(tcp, "overlap_bytes", s->overlap_bytes);
    num(tcp, "gap_bytes", s->gap_bytes);
    num(tcp, "snaplen_bytes", s->snaplen_bytes);
    num(tcp, "memcap_bytes", s->memcap_bytes);
    num(tcp, "resync_bytes", s->resync_bytes);
    num(pr, "http", s->flows_http);
    num(pr, "tls", s->flows_tls);
    num(pr, "http2", s->flows_http2);
    num(pr, "other", s->flows_other);
    num(rq, "seen", s->requests);
    num(rq, "recorded", s->records);
    num(rq, "with_response", s->with_response);
    num(rq, "no_response", s->no_response);
    num(rq, "redacted", s->redacted);
    num(rq, "responses", s->responses);
    num(rq, "interim_responses", s->interim_responses);
    num(rq, "unpaired_responses", s->unpaired_responses);
    num(rq, "response_lost", s->response_lost);
    num(nw, "gap", s->req_gap);
    num(nw, "truncated", s->req_truncated);
    num(nw, "flow_memory_cap", s->req_memcap);
    num(nw, "dropped_gap", s->dropped_gap);
    num(nw, "dropped_unparsable", s->dropped_unparsable);
    num(nw, "dropped_limit", s->dropped_limit);
    return root;
}
