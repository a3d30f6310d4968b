/* pcapgen.c - see pcapgen.h. */
#include "pcapgen.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

void pg_init(struct pg *g, enum pg_link link, int v6)
{
    memset(g, 0, sizeof(*g));
    g->link = link;
    g->v6 = v6 || link == PG_RAW6X;
    if (g->v6) {
        g->cli[0] = g->srv[0] = 0xfd;
        g->cli[15] = 1;
        g->srv[15] = 2;
    } else {
        g->cli[0] = g->srv[0] = 10;
        g->cli[3] = 1;
        g->srv[3] = 2;
    }
    g->cport = 40000;
    g->sport = 80;
    g->seq[0] = 1000;
    g->seq[1] = 5000;
    g->ts_ns = 1700000000LL * 1000000000LL;
    g->step_ns = 1000000; /* 1 ms */
}

void pg_release(struct pg *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->pkts[i].data);
    free(g->pkts);
    memset(g, 0, sizeof(*g));
}

int pg_dlt(const struct pg *g)
{
    switch (g->link) {
    case PG_SLL:
        return DLT_LINUX_SLL;
    case PG_SLL2:
        return 276;
    case PG_NULL:
        return DLT_NULL;
    case PG_LOOP:
        return DLT_LOOP;
    case PG_RAW:
    case PG_RAW6X:
        return DLT_RAW;
    default:
        return DLT_EN10MB;
    }
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* Link header for an IP packet; returns its length. */
static size_t link_header(const struct pg *g, uint8_t *p)
{
    unsigned et = g->v6 ? 0x86dd : 0x0800;
    uint32_t af = g->v6 ? 10 : 2;

    switch (g->link) {
    case PG_ETH:
    case PG_VLAN:
    case PG_QINQ: {
        size_t o = 12;
        memset(p, 0x02, 12);
        if (g->link == PG_QINQ) {
            put16(p + o, 0x88a8);
            put16(p + o + 2, 100);
            o += 4;
        }
        if (g->link != PG_ETH) {
            put16(p + o, 0x8100);
            put16(p + o + 2, 42);
            o += 4;
        }
        put16(p + o, et);
        return o + 2;
    }
    case PG_SLL:
        memset(p, 0, 16);
        put16(p + 2, 772);
        put16(p + 4, 6);
        put16(p + 14, et);
        return 16;
    case PG_SLL2:
        memset(p, 0, 20);
        put16(p, et);
        put32(p + 4, 1);
        put16(p + 8, 772);
        p[11] = 6;
        return 20;
    case PG_NULL:
        memcpy(p, &af, 4); /* host byte order, as the writer's machine */
        if (g->v6) {
            uint32_t bsd = 30;
            memcpy(p, &bsd, 4);
        }
        return 4;
    case PG_LOOP:
        put32(p, g->v6 ? 24 : 2);
        return 4;
    default:
        return 0;
    }
}

static void add(struct pg *g, uint8_t *data, size_t len, size_t caplen)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->pkts = realloc(g->pkts, g->cap * sizeof(*g->pkts));
    }
    g->pkts[g->n].ts_ns = g->ts_ns;
    g->pkts[g->n].data = data;
    g->pkts[g->n].len = len;
    g->pkts[g->n].caplen = caplen;
    g->n++;
    g->ts_ns += g->step_ns;
}

/* IP header for proto with l4len bytes after it; returns its length. */
static size_t ip_header(const struct pg *g, uint8_t *p, int dir, unsigned proto, size_t l4len,
                        unsigned frag)
{
    const uint8_t *src = dir ? g->srv : g->cli, *dst = dir ? g->cli : g->srv;

    if (g->v6) {
        size_t ext = g->link == PG_RAW6X ? 8 : 0;
        memset(p, 0, 40 + ext);
        p[0] = 0x60;
        put16(p + 4, (unsigned)(l4len + ext));
        p[6] = ext ? 60 : (uint8_t)proto;
        p[7] = 64;
        memcpy(p + 8, src, 16);
        memcpy(p + 24, dst, 16);
        if (ext) {
            p[40] = (uint8_t)proto;
            p[41] = 0; /* 8 bytes */
        }
        return 40 + ext;
    }
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (unsigned)(20 + l4len));
    put16(p + 6, frag);
    p[8] = 64;
    p[9] = (uint8_t)proto;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    return 20;
}

void pg_seg(struct pg *g, int dir, uint8_t flags, uint32_t seq, const void *data, size_t len,
            size_t cut)
{
    uint8_t *p = calloc(1, 128 + len);
    size_t o = link_header(g, p);
    size_t total;

    o += ip_header(g, p + o, dir, 6, 20 + len, 0);
    put16(p + o, dir ? g->sport : g->cport);
    put16(p + o + 2, dir ? g->cport : g->sport);
    put32(p + o + 4, seq);
    put32(p + o + 8, (flags & PG_ACK) ? g->seq[1 - dir] : 0);
    p[o + 12] = 5 << 4;
    p[o + 13] = flags;
    put16(p + o + 14, 65535);
    o += 20;
    if (len)
        memcpy(p + o, data, len);
    total = o + len;
    add(g, p, total, cut ? o + cut : total);
}

void pg_handshake(struct pg *g)
{
    pg_seg(g, 0, PG_SYN, g->seq[0]++, NULL, 0, 0);
    pg_seg(g, 1, PG_SYN | PG_ACK, g->seq[1]++, NULL, 0, 0);
    pg_seg(g, 0, PG_ACK, g->seq[0], NULL, 0, 0);
}

void pg_sendn(struct pg *g, int dir, const void *p, size_t n)
{
    uint32_t s = g->seq[dir];
    g->seq[dir] += (uint32_t)n;
    pg_seg(g, dir, PG_ACK | PG_PSH, s, p, n, 0);
}

void pg_send(struct pg *g, int dir, const char *s)
{
    pg_sendn(g, dir, s, strlen(s));
}

void pg_close(struct pg *g)
{
    pg_seg(g, 0, PG_FIN | PG_ACK, g->seq[0]++, NULL, 0, 0);
    pg_seg(g, 1, PG_FIN | PG_ACK, g->seq[1]++, NULL, 0, 0);
    pg_seg(g, 0, PG_ACK, g->seq[0], NULL, 0, 0);
}

void pg_move_last(struct pg *g, size_t i)
{
    struct pg_pkt k = g->pkts[i];
    int64_t *ts = malloc((g->n - i) * sizeof(*ts));

    /* The packets keep the times of the positions they take: arrival order. */
    for (size_t j = i; j < g->n; j++)
        ts[j - i] = g->pkts[j].ts_ns;
    memmove(&g->pkts[i], &g->pkts[i + 1], (g->n - i - 1) * sizeof(k));
    g->pkts[g->n - 1] = k;
    for (size_t j = i; j < g->n; j++)
        g->pkts[j].ts_ns = ts[j - i];
    free(ts);
}

void pg_drop(struct pg *g, size_t i)
{
    free(g->pkts[i].data);
    memmove(&g->pkts[i], &g->pkts[i + 1], (g->n - i - 1) * sizeof(g->pkts[0]));
    g->n--;
}

void pg_udp(struct pg *g)
{
    uint8_t *p = calloc(1, 128);
    size_t o = link_header(g, p);

    o += ip_header(g, p + o, 0, 17, 8 + 4, 0);
    put16(p + o, 53);
    put16(p + o + 2, 53);
    put16(p + o + 4, 12);
    o += 12;
    add(g, p, o, o);
}

void pg_fragment(struct pg *g)
{
    uint8_t *p = calloc(1, 128);
    size_t o = link_header(g, p);

    o += ip_header(g, p + o, 0, 6, 24, 0x2000); /* more fragments */
    o += 24;
    add(g, p, o, o);
}

int pg_write(const struct pg *g, const char *path)
{
    pcap_t *pd =
        pcap_open_dead_with_tstamp_precision(pg_dlt(g), 262144, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *d;

    if (!pd)
        return -1;
    d = pcap_dump_open(pd, path);
    if (!d) {
        pcap_close(pd);
        return -1;
    }
    for (size_t i = 0; i < g->n; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.ts.tv_sec = g->pkts[i].ts_ns / 1000000000LL;
        h.ts.tv_usec = g->pkts[i].ts_ns % 1000000000LL;
        h.caplen = (bpf_u_int32)g->pkts[i].caplen;
        h.len = (bpf_u_int32)g->pkts[i].len;
        pcap_dump((u_char *)d, &h, g->pkts[i].data);
    }
    pcap_dump_close(d);
    pcap_close(pd);
    return 0;
}
