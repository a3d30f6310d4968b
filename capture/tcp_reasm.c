/*
 * tcp_reasm.c - one direction of a TCP connection as an ordered byte stream.
 *
 * Bytes are placed by sequence number, not by arrival: in-order bytes go to
 * the sink at once, later bytes are held (sorted, never overlapping) until
 * the hole before them fills. Overlaps keep the first copy seen, as most
 * stacks do; bytes before the next expected one are retransmissions and are
 * dropped. A hole is given up (delivered as a gap) when the peer acknowledges
 * past it, when a buffering cap is hit, or when the stream is flushed.
 * Sequence numbers are compared modulo 2^32, so wrap-around is transparent.
 */
#include "cap_internal.h"

#include <stdlib.h>
#include <string.h>

struct lt_tcp_seg {
    struct lt_tcp_seg *next;
    uint32_t seq;
    uint32_t cap;  /* bytes held in data[] */
    uint32_t miss; /* bytes after them cut by the snaplen */
    uint32_t ack;  /* the segment's acknowledgement number, when has_ack */
    int has_ack;
    int64_t ts_ns;
    uint8_t data[];
};

void lt_tcp_stream_init(struct lt_tcp_stream *s, const struct lt_tcp_sink *sink,
                        size_t max_buffered, struct lt_mem_budget *mem,
                        struct lt_capture_stats *stats)
{
    memset(s, 0, sizeof(*s));
    if (sink)
        s->sink = *sink;
    s->max_buffered = max_buffered;
    s->mem = mem;
    s->stats = stats;
}

static void seg_free(struct lt_tcp_stream *s, struct lt_tcp_seg *g)
{
    s->buffered -= g->cap;
    if (s->mem)
        s->mem->used -= g->cap;
    free(g);
}

void lt_tcp_stream_release(struct lt_tcp_stream *s)
{
    if (!s)
        return;
    while (s->ooo) {
        struct lt_tcp_seg *g = s->ooo;
        s->ooo = g->next;
        seg_free(s, g);
    }
}

static void emit_data(struct lt_tcp_stream *s, const uint8_t *p, size_t n, int64_t ts)
{
    if (n && s->sink.data)
        s->sink.data(s->sink.ctx, p, n, ts);
    s->next += (uint32_t)n;
}

static void emit_gap(struct lt_tcp_stream *s, uint64_t n, enum lt_gap_reason why, int64_t ts)
{
    if (!n)
        return;
    if (s->stats) {
        if (why == LT_GAP_SNAPLEN)
            s->stats->snaplen_bytes += n;
        else if (why == LT_GAP_MEMCAP)
            s->stats->memcap_bytes += n;
        else
            s->stats->gap_bytes += n;
    }
    if (s->sink.gap)
        s->sink.gap(s->sink.ctx, n, why, ts);
    s->next += (uint32_t)n;
}

/*
 * Delivers bytes [seq, seq + cap + miss) where seq may lie before next (the
 * already delivered part is trimmed off).
 */
static void deliver(struct lt_tcp_stream *s, uint32_t seq, const uint8_t *p, uint32_t cap,
                    uint32_t miss, int64_t ts)
{
    int32_t d = seq_diff(s->next, seq); /* bytes already delivered */

    if (d > 0) {
        uint32_t cut = (uint32_t)d;
        if (cut >= cap + miss)
            return;
        if (cut <= cap) {
            p += cut;
            cap -= cut;
        } else {
            miss -= cut - cap;
            cap = 0;
        }
    }
    emit_data(s, p, cap, ts);
    emit_gap(s, miss, LT_GAP_SNAPLEN, ts);
}

/* The bytes delivered next come from the packet at hand (not a held segment). */
static void from_packet(struct lt_tcp_stream *s)
{
    s->cur_ack = s->pkt_ack;
    s->cur_has_ack = s->pkt_has_ack;
}

/* Hands out held segments that have become contiguous. */
static void drain(struct lt_tcp_stream *s)
{
    while (s->ooo && seq_diff(s->ooo->seq, s->next) <= 0) {
        struct lt_tcp_seg *g = s->ooo;
        s->ooo = g->next;
        s->cur_ack = g->ack;
        s->cur_has_ack = g->has_ack;
        deliver(s, g->seq, g->data, g->cap, g->miss, g->ts_ns);
        seg_free(s, g);
    }
}

static void check_fin(struct lt_tcp_stream *s, int64_t ts)
{
    if (s->fin_seen && !s->ended && seq_diff(s->next, s->fin_seq) >= 0) {
        s->ended = 1;
        if (s->sink.fin)
            s->sink.fin(s->sink.ctx, ts);
    }
}

/* Gives up the hole before the first held segment. */
static void skip_hole(struct lt_tcp_stream *s, enum lt_gap_reason why, int64_t ts)
{
    int32_t hole;

    if (!s->ooo)
        return;
    hole = seq_diff(s->ooo->seq, s->next);
    if (hole > 0)
        emit_gap(s, (uint64_t)hole, why, ts);
    drain(s);
}

static int over_cap(const struct lt_tcp_stream *s, size_t add)
{
    if (s->buffered + add > s->max_buffered)
        return 1;
    return s->mem && s->mem->max && s->mem->used + add > s->mem->max;
}

/* Holds [seq, seq+cap+miss) minus what is held already (the first copy wins). */
static void hold(struct lt_tcp_stream *s, uint32_t seq, const uint8_t *p, uint32_t cap,
                 uint32_t miss, int64_t ts)
{
    struct lt_tcp_seg **link = &s->ooo;
    uint32_t total = cap + miss;
    uint32_t a = 0; /* offset into the new segment still to place */

    while (a < total) {
        struct lt_tcp_seg *e = *link;
        uint32_t end_new = total, c, m;
        struct lt_tcp_seg *g;

        if (e) {
            int32_t es = seq_diff(e->seq, seq);
            int32_t ee = es + (int32_t)(e->cap + e->miss);
            if (ee <= (int32_t)a) { /* e lies wholly before what is left */
                link = &e->next;
                continue;
            }
            if (es <= (int32_t)a) { /* e covers our start: first copy wins */
                uint32_t skip = (uint32_t)ee - a;
                if (skip > total - a)
                    skip = total - a;
                if (s->stats)
                    s->stats->overlap_bytes += skip;
                a += skip;
                link = &e->next;
                continue;
            }
            if ((uint32_t)es < end_new)
                end_new = (uint32_t)es;
        }
        c = a < cap ? (end_new < cap ? end_new : cap) - a : 0;
        m = end_new - a - c;
        g = malloc(sizeof(*g) + c);
        if (!g) { /* out of memory: the bytes are lost, say so */
            if (s->stats)
                s->stats->memcap_bytes += end_new - a;
            return;
        }
        g->seq = seq + a;
        g->cap = c;
        g->miss = m;
        g->ack = s->pkt_ack;
        g->has_ack = s->pkt_has_ack;
        g->ts_ns = ts;
        if (c)
            memcpy(g->data, p + a, c);
        g->next = e;
        *link = g;
        link = &g->next;
        s->buffered += c;
        if (s->mem)
            s->mem->used += c;
        a = end_new;
    }
}

static void add_bytes(struct lt_tcp_stream *s, uint32_t seq, const uint8_t *p, uint32_t cap,
                      uint32_t miss, int64_t ts)
{
    int32_t d = seq_diff(seq, s->next);

    if (d <= 0) {
        uint32_t cut = 0u - (uint32_t)d; /* d may be INT32_MIN: negate unsigned */
        if ((int64_t)cut >= (int64_t)cap + miss) {
            if (s->stats)
                s->stats->retransmitted++;
            return;
        }
        if (cut && s->stats)
            s->stats->overlap_bytes += cut;
        if (s->ooo && seq_diff(s->ooo->seq, seq + cap + miss) < 0) {
            /* It overlaps held bytes, which came first: place it around them. */
            if (cut <= cap) {
                p += cut;
                cap -= cut;
            } else {
                miss -= cut - cap;
                cap = 0;
            }
            hold(s, s->next, p, cap, miss, ts);
            drain(s);
            return;
        }
        from_packet(s);
        deliver(s, seq, p, cap, miss, ts);
        drain(s);
        return;
    }
    if (s->stats)
        s->stats->out_of_order++;
    /* Make room: give up holes, oldest first, until the segment fits. */
    for (int guard = 0; over_cap(s, cap) && guard < 1 << 20; guard++) {
        if (!s->ooo || seq_diff(s->ooo->seq, seq) >= 0) {
            /* Nothing held before it: give up the hole before this segment. */
            emit_gap(s, (uint64_t)seq_diff(seq, s->next), LT_GAP_MEMCAP, ts);
            drain(s);
            if (seq_diff(seq, s->next) <= 0) {
                from_packet(s);
                deliver(s, seq, p, cap, miss, ts);
                drain(s);
                return;
            }
            continue;
        }
        skip_hole(s, LT_GAP_MEMCAP, ts);
        if (seq_diff(seq, s->next) <= 0) {
            add_bytes(s, seq, p, cap, miss, ts);
            return;
        }
    }
    if (over_cap(s, cap)) { /* cannot happen: no hole is left before seq */
        emit_gap(s, (uint64_t)cap + miss, LT_GAP_MEMCAP, ts);
        return;
    }
    hold(s, seq, p, cap, miss, ts);
}

void lt_tcp_stream_segment(struct lt_tcp_stream *s, const struct lt_pkt *pkt)
{
    uint32_t seq = pkt->seq;
    size_t len = pkt->len, cap = pkt->caplen;

    s->last_ts_ns = pkt->ts_ns;
    if (s->ended)
        return;
    if (pkt->flags & LT_TCP_SYN) {
        if (!s->synced) {
            s->next = seq + 1;
            s->synced = 1;
        }
        seq++; /* data on a SYN (TCP Fast Open) follows the SYN's number */
    }
    if (!s->synced) { /* the capture started mid-connection */
        s->next = seq;
        s->synced = 1;
    }
    if (len > 0x40000000u || cap > len) /* no segment is that long: a bogus header */
        return;
    s->pkt_ack = pkt->ack;
    s->pkt_has_ack = (pkt->flags & LT_TCP_ACK) != 0;
    if (pkt->flags & LT_TCP_FIN) {
        if (!s->fin_seen) {
            s->fin_seen = 1;
            s->fin_seq = seq + (uint32_t)len;
        }
    }
    if (len)
        add_bytes(s, seq, pkt->payload, (uint32_t)cap, (uint32_t)(len - cap), pkt->ts_ns);
    if (pkt->flags & LT_TCP_RST) {
        lt_tcp_stream_flush(s, pkt->ts_ns);
        return;
    }
    check_fin(s, pkt->ts_ns);
}

void lt_tcp_stream_ack(struct lt_tcp_stream *s, uint32_t ack, int64_t ts_ns)
{
    if (!s->synced || s->ended)
        return;
    for (int guard = 0; s->ooo && guard < 1 << 20; guard++) {
        if (seq_diff(ack, s->ooo->seq) <= 0)
            break;
        skip_hole(s, LT_GAP_LOST, ts_ns);
    }
    check_fin(s, ts_ns);
}

void lt_tcp_stream_flush(struct lt_tcp_stream *s, int64_t ts_ns)
{
    for (int guard = 0; s->ooo && guard < 1 << 20; guard++)
        skip_hole(s, LT_GAP_LOST, ts_ns);
    if (!s->ended) {
        s->ended = 1;
        if (s->sink.fin)
            s->sink.fin(s->sink.ctx, ts_ns);
    }
}
