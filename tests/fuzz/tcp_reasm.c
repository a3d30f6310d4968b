/*
 * tcp_reasm.c - fuzz target for one direction's reassembly. Every byte a
 * segment carries is a function of its sequence number, so whatever order,
 * overlap, loss or cut the input describes, each byte delivered must be the
 * byte of the sequence number it is delivered at; gaps advance that number.
 * Input: [u32 ISN] then 6-byte operations [kind][off lo][off hi][len][cut][flags].
 */
#include "lt_capture.h"

#include <stdlib.h>
#include <string.h>

struct check {
    struct lt_tcp_stream *s;
    uint64_t delivered, gaps;
};

static uint8_t byte_at(uint32_t seq)
{
    return (uint8_t)(seq ^ (seq >> 8) ^ (seq >> 19));
}

static void on_data(void *ctx, const uint8_t *p, size_t n, int64_t ts)
{
    struct check *k = ctx;
    uint32_t seq = k->s->next; /* the stream advances after the call */

    (void)ts;
    for (size_t i = 0; i < n; i++)
        if (p[i] != byte_at(seq + (uint32_t)i))
            abort();
    k->delivered += n;
}

static void on_gap(void *ctx, uint64_t n, enum lt_gap_reason why, int64_t ts)
{
    struct check *k = ctx;

    (void)why;
    (void)ts;
    if (n == 0)
        abort();
    k->gaps += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_tcp_stream s;
    struct lt_mem_budget mem = {0, 2048};
    struct lt_capture_stats st;
    struct check k = {&s, 0, 0};
    struct lt_tcp_sink sink = {&k, on_data, on_gap, NULL};
    uint8_t buf[256];
    uint32_t isn;
    int64_t ts = 0;

    if (size < 4)
        return 0;
    memset(&st, 0, sizeof(st));
    isn = lt_get_le32(data);
    lt_tcp_stream_init(&s, &sink, 1024, &mem, &st);
    for (size_t pos = 4; pos + 6 <= size; pos += 6) {
        const uint8_t *op = data + pos;
        int16_t off = (int16_t)(op[1] | op[2] << 8);
        uint32_t seq = isn + (uint32_t)(int32_t)off * ((op[0] & 0x80) ? 97u : 1u);
        struct lt_pkt pkt;

        memset(&pkt, 0, sizeof(pkt));
        pkt.ts_ns = ts++;
        switch (op[0] & 3) {
        case 0:
        case 1:
            pkt.seq = seq;
            pkt.len = op[3];
            pkt.caplen = op[4] < op[3] ? op[4] : op[3];
            pkt.flags = op[5] & (LT_TCP_SYN | LT_TCP_FIN | LT_TCP_RST | LT_TCP_ACK);
            if ((pkt.flags & LT_TCP_RST) && (op[5] & 0x80) == 0)
                pkt.flags &= (uint8_t)~LT_TCP_RST; /* keep resets rare */
            {
                uint32_t first = (pkt.flags & LT_TCP_SYN) ? seq + 1 : seq;
                for (size_t i = 0; i < pkt.caplen; i++)
                    buf[i] = byte_at(first + (uint32_t)i);
            }
            pkt.payload = buf;
            lt_tcp_stream_segment(&s, &pkt);
            break;
        case 2:
            lt_tcp_stream_ack(&s, seq, ts);
            break;
        case 3:
            if (op[5] == 0xff)
                lt_tcp_stream_flush(&s, ts);
            break;
        }
        if (s.buffered > 1024 + 255 || mem.used != s.buffered)
            abort();
    }
    lt_tcp_stream_flush(&s, ts);
    if (s.buffered != 0 || mem.used != 0)
        abort();
    lt_tcp_stream_release(&s);
    return 0;
}
