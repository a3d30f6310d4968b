/*
 * lt_capture.h - getting records off the wire: packet sources (libpcap live
 * and offline) -> link/IP/TCP decode -> TCP reassembly -> HTTP/1.x messages
 * -> records, handed to a record sink; run over a packet source, the whole is
 * a record source (lt_capture_source). Redaction and framing are the next
 * stage's (formats' transform), not capture's.
 */
#ifndef LT_CAPTURE_H
#define LT_CAPTURE_H

#include "lt_formats.h"

/* ==== packet capture pipeline (capture/pkt*.c, tcp*.c, ...) =============== */
/*
 * Stages, one file each: pkt_source.c (libpcap live/offline) -> pkt_link.c
 * (link-type table) -> pkt_ip.c (IPv4/IPv6/TCP) -> tcp_flow.c (flow table,
 * sessions, idle expiry) -> tcp_reasm.c (per-direction byte streams) ->
 * http_pair.c (HTTP/1.x requests paired with responses) -> rec_order.c
 * (records in ts order after at most the reorder window) -> rec_emit.c (the
 * record as captured, into the sink). cap_pipeline.c ties them together
 * behind struct lt_capture; cap_source.c runs it over a packet source.
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
    uint64_t with_response, no_response;
    uint64_t redacted; /* not capture's own: the caller sets it from the redaction stage */
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
    uint64_t max_records;      /* > 0: hand out the first this many records (by ts), no more */
    struct lt_limits limits;   /* all zero: the defaults */
};

struct lt_capture;

/*
 * Each record goes to out in ts order, as captured: ts_ns relative to the
 * time origin (the first packet's time) and non-decreasing, session, the
 * request as parsed (lt_record_from_http: target and headers as sent, body
 * decoded), the response's status and latency, flags. A put that fails
 * stops the pipeline with its error. out (borrowed) may be NULL when the
 * pipeline is run by lt_capture_source, which sets it.
 */
struct lt_capture *lt_capture_new(const struct lt_capture_opts *o, struct lt_record_sink *out,
                                  struct lt_err *err);
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
/* True for a live capture on an interface, false for a file. */
int lt_pkt_source_live(const struct lt_pkt_source *s);
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

/* -- the capture as a record source (cap_source.c) -- */

struct lt_capture_run_opts {
    int64_t duration_ns;      /* > 0: stop after this long (wall time live, packet time from
                                 a file's first packet) */
    uint64_t max_requests;    /* > 0: stop reading once this many requests are complete */
    const volatile int *stop; /* stop reading when it becomes non-zero (a signal); may be NULL */
    /* Called after each packet read, or each wait a live source timed out in
     * (so at least every 100 ms live); may be NULL. */
    void (*progress)(void *ctx, const struct lt_capture_stats *st);
    void *progress_ctx;
};

/*
 * *src becomes a push source whose run() reads packets from ps into c until
 * the end of the file, an error, or a condition of o, then flushes every
 * flow (lt_capture_finish), so every record is handed out even when reading
 * stopped on an error (the first error is returned). c, ps and o are
 * borrowed (o is copied); releasing *src frees nothing.
 */
void lt_capture_source(struct lt_record_source *src, struct lt_capture *c, struct lt_pkt_source *ps,
                       const struct lt_capture_run_opts *o);

#endif
