/*
 * cap_internal.h - what the packet capture stages share inside capture/
 * (not part of the public interface).
 */
#ifndef LT_CAP_INTERNAL_H
#define LT_CAP_INTERNAL_H

#include "lt_capture.h"

/* ---- pkt_link.c: link-layer handlers ---- */

#define LT_ETH_IPV4 0x0800
#define LT_ETH_IPV6 0x86dd

/*
 * Finds the network layer in a frame of link type dlt: *off is where it
 * starts, *proto its ethertype (LT_ETH_IPV4/IPV6, or another value).
 * Returns LT_PKT_TCP to go on (meaning "network layer found"), or the kind
 * that ends the decoding (LT_PKT_LINK_UNKNOWN, LT_PKT_MALFORMED,
 * LT_PKT_NOT_TCP).
 */
enum lt_pkt_kind lt_link_locate(int dlt, const uint8_t *p, size_t caplen, size_t *off,
                                unsigned *proto);

/* Big-endian loads. */
static inline uint16_t cap_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t cap_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Sequence arithmetic modulo 2^32 (RFC 1982 style). */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

/* ---- requests in flight (http_pair.c, rec_order.c, rec_emit.c) ---- */

enum cap_req_state {
    REQ_RECEIVING, /* its first bytes arrived; the message is not complete */
    REQ_WAITING,   /* complete, waiting for its response */
    REQ_DONE,      /* ready to be written */
    REQ_DROPPED,   /* not recordable (counted); kept only to absorb its response */
};

struct cap_req {
    int64_t ts_ns;  /* Unix ns of the request's first packet */
    uint64_t order; /* creation order: ties in ts keep it */
    uint64_t session;
    enum cap_req_state state;
    int in_heap, in_fifo, has_msg;
    size_t heap_idx;
    struct cap_req *fprev, *fnext; /* the flow's requests awaiting a response */
    uint32_t flags;                /* LT_RF_* */
    int has_response;
    /* Where it lies in TCP terms (sequence numbers, compared modulo 2^32):
     * the client's acknowledgement when it sent its first byte (how much of
     * the server's stream it had received), and its first and last bytes. */
    uint32_t cli_ack, start_seq, end_seq;
    int has_cli_ack, has_end;
    uint16_t status;
    int64_t resp_ts_ns;
    struct lt_recbuf rb;
};

/* Min-heap of requests by (ts, order): rec_order.c */
struct cap_order {
    struct cap_req **v;
    size_t n, cap;
};

enum cap_proto { PROTO_UNKNOWN, PROTO_HTTP, PROTO_TLS, PROTO_HTTP2, PROTO_OTHER };

struct cap_http {
    struct lt_http_parser req, resp;
    int req_ready, resp_ready;
    int tunnel; /* upgraded (101, CONNECT): no longer HTTP */
    enum cap_proto proto;
    uint64_t messages;
    uint64_t bad_requests; /* request heads that did not parse or broke a limit */
    struct cap_req *fifo_head, *fifo_tail;
    struct cap_req *cur; /* the request being received */
    unsigned gap_why;    /* 1 << lt_gap_reason seen inside the current request */
    int resp_lost_framing;
    /* Stream offsets (bytes fed plus gaps) to sequence numbers, per direction. */
    uint32_t base_seq[2];
    int base_set[2];
    uint64_t fed[2];
    /* The server's acknowledgement on the segment where the response being
     * parsed began. */
    uint32_t resp_ack;
    int resp_has_ack;
    /* Response bytes were lost (or unparsable) since the last paired response,
     * from sequence number lost_seq on: order alone no longer says which
     * request the next response answers. */
    int uncertain;
    uint32_t lost_seq;
    uint32_t resp_end; /* just past the last response parsed, when has_resp_end */
    int has_resp_end;
    /* Request bytes were lost up to req_lost_end (a gap between messages):
     * a response may answer a request the capture never saw. Settled once a
     * response that no seen request could take acknowledged them all. */
    int req_lost;
    uint32_t req_lost_end;
    uint32_t unpaired_ack; /* the acknowledgement of the last unpaired response */
    int has_unpaired_ack;
    size_t inflight[2]; /* bytes fed to the request/response parser for the message in progress */
    int memcapped;      /* ended to keep the total memory cap */
};

struct cap_flow {
    struct cap_flow *hnext, *lprev, *lnext;
    uint64_t hash;
    uint8_t family;
    uint8_t addr[2][16]; /* [0] client, [1] server */
    uint16_t port[2];
    uint64_t session;
    int64_t last_ts_ns;
    int saw_syn[2];
    int guessed; /* roles guessed from the ports: the first clear payload decides */
    struct lt_capture *cap;
    struct lt_tcp_stream dir[2]; /* [0] client to server, [1] server to client */
    struct cap_http http;
};

struct cap_flows {
    struct cap_flow **buckets;
    size_t nbuckets, n;
    struct cap_flow *lru_head, *lru_tail; /* least recently active first */
};

struct lt_capture {
    struct lt_capture_opts o;
    struct lt_limits limits;
    struct lt_capture_stats st;
    struct lt_mem_budget mem;
    size_t http_inflight; /* sum of every flow's inflight: bounded by total_buffer_max */
    struct cap_flows flows;
    struct cap_order order;
    struct lt_record_sink *out; /* borrowed */
    struct lt_pkt_source *ps;   /* as a source (cap_source.c): borrowed */
    struct lt_capture_run_opts run;
    int64_t origin_ns, now_ns;
    uint64_t last_ts_out, next_session, next_order;
    int failed; /* a put into out or an allocation failed: err holds why */
    struct lt_err err;
};

/* tcp_flow.c */
int cap_flows_init(struct cap_flows *t);
void cap_flows_release(struct lt_capture *c);
void cap_flows_packet(struct lt_capture *c, const struct lt_pkt *pkt);
void cap_flows_expire(struct lt_capture *c, int64_t now_ns);
void cap_flows_end_all(struct lt_capture *c, int64_t now_ns);

/* http_pair.c */
void cap_http_init(struct cap_flow *f);
void cap_http_end(struct cap_flow *f, int64_t ts_ns);
/* Forgets all HTTP state of a flow that has produced no message yet. */
void cap_http_reset(struct cap_flow *f);
extern const struct lt_tcp_sink cap_http_req_sink, cap_http_resp_sink;

/* rec_order.c */
int cap_order_push(struct cap_order *o, struct cap_req *r);
void cap_order_remove(struct cap_order *o, struct cap_req *r);
void cap_order_release(struct cap_order *o);
/* Hands out every record that is ready (all of them with force). */
void cap_order_pump(struct lt_capture *c, int force);
/* Frees r once neither the heap nor a flow holds it. */
void cap_req_put(struct cap_req *r);
void cap_fail(struct lt_capture *c, int code, const char *what);

/* rec_emit.c: builds the record for r and puts it into c->out. */
int cap_emit(struct lt_capture *c, struct cap_req *r);

#endif
