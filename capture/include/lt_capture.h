/*
 * lt_capture.h - getting records off the wire: packet sources (libpcap live
 * and offline) -> link/IP/TCP decode -> TCP reassembly -> HTTP/1.x messages
 * -> records; and the HTTP listener (the sink, which can also record).
 */
#ifndef LT_CAPTURE_H
#define LT_CAPTURE_H

#include "lt_formats.h"

/* ==== HTTP listener and sink (capture/listener*.c, sink*.c) =============== */

/*
 * The listener: an HTTP/1.x server on loadtape's own parser. One epoll loop
 * per worker thread (each with its own SO_REUSEPORT socket), non-blocking
 * sockets, keep-alive, pipelined requests answered in order, response delays
 * kept as timers in the loop (a timer heap behind a timerfd; no thread ever
 * sleeps for a request). Malformed, oversized and slow requests are answered
 * by the listener itself (400, 413, 414, 431, 501, 505, 408) and close only
 * their own connection. `loadtape sink` and `loadtape capture --listen`
 * both sit on it.
 */

struct lt_listener;

/* A complete request, handed to the handler. */
struct lt_listener_req {
    const struct lt_http_msg *msg; /* borrowed for the duration of the call */
    uint64_t conn_id;              /* connections are numbered from 1, across workers */
    int64_t first_byte_ns;         /* CLOCK_MONOTONIC when its first byte was read */
    int64_t done_ns;               /* CLOCK_MONOTONIC when it was complete */
    unsigned worker;               /* 0 .. workers-1: the calling thread */
};

/* The handler's answer. The listener copies everything before returning. */
struct lt_listener_resp {
    uint16_t status;          /* 0 means 500 */
    const char *content_type; /* NULL: no Content-Type header */
    const void *body;         /* may be NULL when body_len is 0 */
    size_t body_len;
    int64_t delay_ns; /* sent no earlier than done_ns + delay_ns (order is kept) */
    int close;        /* close the connection after this response */
};

/*
 * Called for every complete request, on the worker's thread: with several
 * workers, concurrently. Must not block.
 */
typedef void (*lt_listener_fn)(void *ctx, const struct lt_listener_req *req,
                               struct lt_listener_resp *resp);
/*
 * Called when the listener answers by itself: status 400/413/414/431/501/505
 * for a request it could not parse (reason is the parser's message), 408
 * when a request did not arrive in time.
 */
typedef void (*lt_listener_reject_fn)(void *ctx, unsigned worker, int status, const char *reason);

struct lt_listener_opts {
    const char *listen;      /* "127.0.0.1:8080", "[::1]:0", "localhost:9000"; NULL: default */
    unsigned workers;        /* threads; 0 means 1 */
    int64_t idle_timeout_ns; /* keep-alive connection with nothing to do; 0: 60 s */
    int64_t
        request_timeout_ns; /* a request must arrive whole within this of its first byte; 0: 10 s */
    size_t max_conns;       /* per worker; 0: 10000; more are accepted and closed */
    const struct lt_limits *limits; /* NULL: lt_limits_default() */
    lt_listener_fn handler;
    lt_listener_reject_fn on_reject; /* may be NULL */
    void *ctx;
};

#define LT_LISTEN_DEFAULT "127.0.0.1:8080"

/* Binds and listens (so the port is known at once); no thread runs yet. */
struct lt_listener *lt_listener_new(const struct lt_listener_opts *o, struct lt_err *err);
/* "http://127.0.0.1:8080" or "http://[::1]:8080", with the port actually bound. Borrowed. */
const char *lt_listener_url(const struct lt_listener *l);
/*
 * Serves until lt_listener_stop() or, when duration_ns > 0, that long.
 * Runs workers-1 extra threads and one loop on the calling thread. Open
 * connections are closed on return (delayed responses not yet sent are
 * dropped).
 */
int lt_listener_run(struct lt_listener *l, int64_t duration_ns, struct lt_err *err);
/* Asks lt_listener_run to return. Async-signal-safe; any thread. */
void lt_listener_stop(struct lt_listener *l);
void lt_listener_free(struct lt_listener *l);

struct lt_listener_stats {
    uint64_t accepted; /* connections accepted */
    uint64_t open;     /* connections open now */
    uint64_t requests; /* complete requests handed to the handler */
    uint64_t rejected; /* requests answered by the listener (4xx/5xx above) */
    uint64_t timeouts; /* 408s and idle connections closed */
};
void lt_listener_stats(const struct lt_listener *l, struct lt_listener_stats *st);

/*
 * The sink (DESIGN.md §4): POST /collect/{stream} with an event or a batch
 * -> 202 {"accepted":N} or 400 {"error":"..."}; GET /health; GET /stats;
 * optional delay, jitter, injected 503s and recording to a tape.
 */
struct lt_sink_opts {
    struct lt_listener_opts net; /* handler, on_reject and ctx are the sink's own */
    int64_t delay_ns;            /* added to /collect responses */
    int64_t jitter_ns;           /* delay varies uniformly in [delay-jitter, delay+jitter] */
    double error_rate;           /* share of /collect requests answered 503 */
    uint64_t seed;               /* for jitter and error injection */
    const char *record_path;     /* record every request to this tape; NULL: no */
    /*
     * Called once, on a worker thread, when the tape cannot be written (a
     * full disk): from then on /collect and /health answer 503. recorded is
     * what the tape holds, lost what was answered but went with the block
     * that failed. May be NULL.
     */
    void (*on_record_error)(void *ctx, const char *msg, uint64_t recorded, uint64_t lost);
    void *ctx;
};

struct lt_sink;

/* Binds, opens the tape when recording. */
struct lt_sink *lt_sink_new(const struct lt_sink_opts *o, struct lt_err *err);
const char *lt_sink_url(const struct lt_sink *s);
/* Serves until lt_sink_stop() or duration_ns (when > 0). */
int lt_sink_run(struct lt_sink *s, int64_t duration_ns, struct lt_err *err);
/* Async-signal-safe. */
void lt_sink_stop(struct lt_sink *s);
/* The /stats document (a new string; the caller frees it). */
char *lt_sink_stats_json(struct lt_sink *s);
/*
 * Closes the tape (complete blocks, index, final metadata with the
 * counters); returns its result, and the first recording error if any.
 * Safe to call more than once; lt_sink_free calls it when needed.
 */
int lt_sink_close(struct lt_sink *s, struct lt_err *err);
/* Records in the tape (after a write failure: those it holds). */
uint64_t lt_sink_recorded(const struct lt_sink *s);
void lt_sink_free(struct lt_sink *s);

/* ==== packet capture pipeline (capture/pkt*.c, tcp*.c, ...) =============== */
/*
 * Stages, one file each: pkt_source.c (libpcap live/offline) -> pkt_link.c
 * (link-type table) -> pkt_ip.c (IPv4/IPv6/TCP) -> tcp_flow.c (flow table,
 * sessions, idle expiry) -> tcp_reasm.c (per-direction byte streams) ->
 * http_pair.c (HTTP/1.x requests paired with responses) -> redact.c ->
 * rec_order.c (records in ts order after at most the reorder window).
 * cap_pipeline.c ties them together behind struct lt_capture.
 */

/* -- decoding one packet (pkt_link.c, pkt_ip.c) -- */

enum lt_pkt_kind {
    LT_PKT_TCP = 0,      /* a TCP segment: *out is filled */
    LT_PKT_NOT_TCP,      /* not IP, or IP carrying something other than TCP */
    LT_PKT_FRAGMENT,     /* an IP fragment (not reassembled; counted) */
    LT_PKT_MALFORMED,    /* headers inconsistent or cut short */
    LT_PKT_LINK_UNKNOWN, /* unsupported link type */
};

#define LT_TCP_FIN 0x01
#define LT_TCP_SYN 0x02
#define LT_TCP_RST 0x04
#define LT_TCP_PSH 0x08
#define LT_TCP_ACK 0x10

struct lt_pkt {
    int64_t ts_ns;   /* capture time, Unix ns (set by the caller) */
    uint8_t family;  /* 4 or 6 */
    uint8_t src[16]; /* IPv4 uses the first 4 bytes */
    uint8_t dst[16];
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;          /* LT_TCP_* */
    const uint8_t *payload; /* borrowed from the packet bytes */
    size_t caplen;          /* payload bytes captured */
    size_t len;             /* payload bytes on the wire (> caplen when cut by snaplen) */
};

/* True when dlt (a pcap DLT_ value) has a handler. */
int lt_pkt_link_supported(int dlt);
/* Classifies and decodes one packet of link type dlt; never reads past caplen. */
enum lt_pkt_kind lt_pkt_decode(int dlt, const uint8_t *p, size_t caplen, struct lt_pkt *out);

/* -- counters: what was seen and what could not be recorded whole -- */

struct lt_capture_stats {
    /* packets */
    uint64_t packets, tcp_packets, not_tcp, malformed, ip_fragments, link_unknown;
    uint64_t kernel_received, kernel_dropped, iface_dropped; /* pcap_stats (live) */
    int have_kernel;
    /* TCP */
    uint64_t flows, flows_expired, out_of_order, retransmitted, overlap_bytes;
    uint64_t gap_bytes, snaplen_bytes, memcap_bytes, resync_bytes;
    uint64_t flows_http, flows_tls, flows_http2, flows_other;
    /* HTTP */
    uint64_t requests, responses, interim_responses, records;
    uint64_t with_response, no_response, redacted;
    /* requests not recorded whole, by reason (kept flagged or dropped) */
    uint64_t req_gap;            /* kept, flagged "incomplete": a gap inside the body */
    uint64_t req_truncated;      /* kept, flagged "truncated": cut by snaplen or a limit */
    uint64_t req_memcap;         /* kept, flagged "incomplete": flow memory cap hit */
    uint64_t dropped_gap;        /* dropped: a gap inside the request head */
    uint64_t dropped_unparsable; /* dropped: the head could not be parsed */
    uint64_t dropped_limit;      /* dropped: the head exceeded a limit */
    uint64_t unpaired_responses; /* responses with no request waiting, or none provably theirs */
    uint64_t response_lost;      /* requests whose response fell in a capture gap (no_response) */
};

/*
 * The counters as the tape's "capture" metadata object (a new cJSON object;
 * the caller frees it with cJSON_Delete). Keys:
 * {"packets":{"seen","tcp","not_tcp","malformed","ip_fragments","link_unknown",
 *             "kernel_received","kernel_dropped","interface_dropped"},  (kernel_* live only)
 *  "tcp":{"flows","flows_expired","out_of_order","retransmitted","overlap_bytes",
 *         "gap_bytes","snaplen_bytes","memcap_bytes","resync_bytes"},
 *  "protocols":{"http":N,"tls":N,"http2":N,"other":N},            (flows)
 *  "requests":{"seen","recorded","with_response","no_response","redacted",
 *              "responses","interim_responses","unpaired_responses","response_lost"},
 *  "not_recorded_whole":{"gap","truncated","flow_memory_cap",         (kept, flagged)
 *                        "dropped_gap","dropped_unparsable","dropped_limit"}}
 */
struct cJSON *lt_capture_stats_json(const struct lt_capture_stats *s);

/* -- TCP reassembly of one direction (tcp_reasm.c) -- */

enum lt_gap_reason {
    LT_GAP_LOST = 1,    /* bytes never captured (gap before later data, or acked unseen) */
    LT_GAP_SNAPLEN = 2, /* bytes cut from a segment by the snaplen */
    LT_GAP_MEMCAP = 3,  /* bytes given up because a buffering cap was hit */
};

/* Where a direction's in-order bytes go. Every callback may be NULL. */
struct lt_tcp_sink {
    void *ctx;
    void (*data)(void *ctx, const uint8_t *p, size_t n, int64_t ts_ns);
    void (*gap)(void *ctx, uint64_t n, enum lt_gap_reason why, int64_t ts_ns);
    void (*fin)(void *ctx, int64_t ts_ns); /* the stream ended (FIN reached or RST) */
};

/* A shared budget for bytes held out of order, across all streams. */
struct lt_mem_budget {
    size_t used, max;
};

struct lt_tcp_seg; /* private */

struct lt_tcp_stream {
    struct lt_tcp_sink sink;
    struct lt_capture_stats *stats; /* borrowed, may be NULL */
    struct lt_mem_budget *mem;      /* borrowed, may be NULL */
    size_t max_buffered;            /* out-of-order bytes this stream may hold */
    int synced, fin_seen, ended;
    uint32_t next;          /* next expected sequence number */
    uint32_t fin_seq;       /* sequence number of the FIN */
    struct lt_tcp_seg *ooo; /* held segments, sorted by sequence */
    size_t buffered;
    int64_t last_ts_ns;
    /* The acknowledgement number carried by the segment whose bytes are being
     * delivered (valid during a sink callback when cur_has_ack): how far the
     * sender had received the other direction when it sent them. */
    uint32_t cur_ack;
    int cur_has_ack;
    uint32_t pkt_ack; /* the same for the segment being added */
    int pkt_has_ack;
};

/* Sets up a stream; sink, stats and mem are borrowed. */
void lt_tcp_stream_init(struct lt_tcp_stream *s, const struct lt_tcp_sink *sink,
                        size_t max_buffered, struct lt_mem_budget *mem,
                        struct lt_capture_stats *stats);
/* Frees held segments (without delivering them). */
void lt_tcp_stream_release(struct lt_tcp_stream *s);
/*
 * One segment of this direction: in-order bytes go to the sink at once,
 * later ones are held; retransmitted bytes are dropped and overlaps keep the
 * first copy seen. A capture starting mid-connection synchronises on the
 * first segment. Sequence numbers wrap.
 */
void lt_tcp_stream_segment(struct lt_tcp_stream *s, const struct lt_pkt *pkt);
/* The peer acknowledged up to ack: held data past a hole the peer has
 * already received means the capture lost the hole; it is skipped as a gap. */
void lt_tcp_stream_ack(struct lt_tcp_stream *s, uint32_t ack, int64_t ts_ns);
/* Delivers everything held (holes become gaps) and ends the stream. */
void lt_tcp_stream_flush(struct lt_tcp_stream *s, int64_t ts_ns);

/* -- the whole pipeline (cap_pipeline.c) -- */

struct lt_capture_opts {
    int64_t reorder_window_ns; /* 0: 10 s */
    int64_t idle_timeout_ns;   /* flows idle this long (packet time) expire; 0: 60 s */
    size_t flow_buffer_max;    /* out-of-order bytes per direction; 0: 4 MiB */
    size_t total_buffer_max;   /* all buffered bytes; 0: 1 GiB */
    size_t max_flows;          /* 0: 1,000,000 */
    int no_responses;          /* records carry no response; responses are not parsed */
    int keep_secrets;          /* no redaction */
    const char *const *redact; /* more header names to redact (borrowed), nredact of them */
    size_t nredact;
    struct lt_limits limits; /* all zero: the defaults */
};

/*
 * Receives each record in ts order: r is borrowed for the call (ts_ns
 * relative to the time origin, the first packet's time). Returning non-zero
 * stops the pipeline with that code.
 */
typedef int (*lt_capture_record_fn)(void *ctx, const struct lt_record *r, struct lt_err *err);

struct lt_capture;

struct lt_capture *lt_capture_new(const struct lt_capture_opts *o, lt_capture_record_fn fn,
                                  void *ctx, struct lt_err *err);
void lt_capture_free(struct lt_capture *c);
/* One captured packet of link type dlt (p borrowed for the call). */
int lt_capture_packet(struct lt_capture *c, int dlt, int64_t ts_ns, const uint8_t *p, size_t caplen,
                      struct lt_err *err);
/* Packet time moves on without a packet (live capture while idle). */
int lt_capture_advance(struct lt_capture *c, int64_t ts_ns, struct lt_err *err);
/* End of input: every flow is flushed and every record handed out. */
int lt_capture_finish(struct lt_capture *c, struct lt_err *err);
/* Unix ns of the first packet (the time origin); 0 before any packet. */
int64_t lt_capture_origin(const struct lt_capture *c);
/* Counters (kernel_* filled in by the caller from the packet source). */
struct lt_capture_stats *lt_capture_stats(struct lt_capture *c);

/* -- recording from a listener: capture --listen (cap_listen.c) -- */

/*
 * An HTTP listener (the sink's, lt_listener) whose every request is
 * answered 202 and recorded through the capture pipeline's last stage
 * (redaction, origin form, decoded bodies), ts = its first byte, session =
 * its connection. Records carry no response. limit > 0 stops after that
 * many records. o and ctx are borrowed.
 */
struct lt_capture_listen;

struct lt_capture_listen *lt_capture_listen_new(const char *addr, const struct lt_capture_opts *o,
                                                uint64_t limit, lt_capture_record_fn fn, void *ctx,
                                                struct lt_err *err);
/* "http://127.0.0.1:PORT" with the port bound. Borrowed. */
const char *lt_capture_listen_url(const struct lt_capture_listen *cl);
/* Serves until stopped, the limit, or duration_ns (when > 0). */
int lt_capture_listen_run(struct lt_capture_listen *cl, int64_t duration_ns, struct lt_err *err);
/* Async-signal-safe. */
void lt_capture_listen_stop(struct lt_capture_listen *cl);
/* Its pipeline (counters, origin = when it started). Borrowed. */
struct lt_capture *lt_capture_listen_capture(struct lt_capture_listen *cl);
void lt_capture_listen_free(struct lt_capture_listen *cl);

/* -- packet sources (pkt_source.c) -- */

#define LT_SNAPLEN_DEFAULT 262144
/* Kernel ring for live capture: 256 MiB, but at most 1/8 of physical memory
 * and at least 32 MiB (lt_pkt_source_buffer_default). */
#define LT_CAPTURE_BUFFER_DEFAULT (256 << 20)
#define LT_CAPTURE_BUFFER_MIN (32 << 20)

struct lt_pkt_source_opts {
    const char *iface;    /* live capture on this interface, or */
    const char *file;     /* a pcap or pcapng file ("-" is stdin) */
    const char *filter;   /* BPF expression, may be NULL */
    int snaplen;          /* 0: LT_SNAPLEN_DEFAULT */
    uint64_t buffer_size; /* kernel buffer bytes; 0: lt_pkt_source_buffer_default() */
    int timeout_ms;       /* live: how long next() may block; 0: 100 */
};

struct lt_pkt_source;

/* The live buffer used when none is asked for (see LT_CAPTURE_BUFFER_DEFAULT). */
uint64_t lt_pkt_source_buffer_default(void);
struct lt_pkt_source *lt_pkt_source_open(const struct lt_pkt_source_opts *o, struct lt_err *err);
void lt_pkt_source_free(struct lt_pkt_source *s);
int lt_pkt_source_datalink(const struct lt_pkt_source *s);
/* Bytes kept per packet: the file's snaplen offline, the one asked for live. */
int lt_pkt_source_snaplen(const struct lt_pkt_source *s);
/*
 * Next packet: 1 with *p (borrowed until the next call), *caplen and *ts_ns
 * filled; 0 when a live source timed out with nothing; LT_E_TRUNCATED at
 * the end of a file (no error message); another negative code on failure.
 */
int lt_pkt_source_next(struct lt_pkt_source *s, const uint8_t **p, size_t *caplen, int64_t *ts_ns,
                       struct lt_err *err);
/* Kernel counters of a live source into stats (have_kernel set); 0 or error. */
int lt_pkt_source_stats(struct lt_pkt_source *s, struct lt_capture_stats *stats,
                        struct lt_err *err);

#endif
