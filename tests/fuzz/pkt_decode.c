/*
 * pkt_decode.c - fuzz target for the packet decoder and everything behind
 * it. The first byte picks a link type; the whole input is decoded as one
 * packet (the decoder must stay inside it), then split into packets
 * ([u16 length][bytes]...) fed through a capture pipeline with small caps,
 * whose records go through the redaction transform, as capture's do.
 */
#include "lt_capture.h"

#include <stdlib.h>
#include <string.h>

static int count(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    (void)err;
    (void)r;
    (*(size_t *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int dlts[] = {1, 113, 276, 0, 108, 12, 14, 101, 228, 229, 147};
    struct lt_capture_opts o;
    struct lt_capture *c;
    struct lt_redact *rd;
    struct lt_record_sink counter = {NULL, count, NULL, NULL, NULL}, out;
    struct lt_err err;
    struct lt_pkt pkt;
    size_t pos = 1, records = 0;
    int64_t ts = 1700000000000000000LL;
    int dlt;

    if (size < 1)
        return 0;
    dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
    if (lt_pkt_decode(dlt, data + 1, size - 1, &pkt) == LT_PKT_TCP) {
        if (pkt.payload < data + 1 || pkt.payload + pkt.caplen > data + size ||
            pkt.caplen > pkt.len)
            abort();
    }

    memset(&o, 0, sizeof(o));
    o.flow_buffer_max = 4096;
    o.total_buffer_max = 16384;
    o.max_flows = 8;
    o.reorder_window_ns = 5000000;
    o.idle_timeout_ns = 50000000;
    counter.ctx = &records;
    rd = lt_redact_new(NULL, &err);
    if (!rd)
        return 0;
    if (lt_redact_sink(&out, rd, &counter, &err)) {
        lt_redact_free(rd);
        return 0;
    }
    c = lt_capture_new(&o, &out, &err);
    if (!c) {
        lt_record_sink_release(&out);
        lt_redact_free(rd);
        return 0;
    }
    while (pos + 2 <= size) {
        size_t n = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
        pos += 2;
        if (n > size - pos)
            n = size - pos;
        /* every packet gets its own copy so reads past it are caught */
        uint8_t *p = malloc(n ? n : 1);
        if (!p)
            break;
        memcpy(p, data + pos, n);
        lt_capture_packet(c, dlt, ts, p, n, &err);
        free(p);
        pos += n;
        ts += 1000000;
    }
    lt_capture_finish(c, &err);
    lt_capture_free(c);
    lt_record_sink_release(&out);
    lt_redact_free(rd);
    return 0;
}
