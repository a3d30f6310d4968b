/*
 * pkt_ip.c - the network and transport stage: IPv4 and IPv6 (extension
 * headers skipped, fragments counted, not reassembled) down to a TCP
 * segment. TCP checksums are not verified: offloading makes them wrong in
 * captures taken on the sending host.
 */
#include "cap_internal.h"

#include <string.h>

#define MAX_EXT_HEADERS 8

/* TCP header at p (avail bytes captured, seglen bytes on the wire). */
static enum lt_pkt_kind decode_tcp(const uint8_t *p, size_t avail, size_t seglen,
                                   struct lt_pkt *out)
{
    size_t hl;

    if (avail < 20 || seglen < 20)
        return LT_PKT_MALFORMED;
    hl = (size_t)(p[12] >> 4) * 4;
    if (hl < 20 || hl > avail || hl > seglen)
        return LT_PKT_MALFORMED;
    out->sport = cap_be16(p);
    out->dport = cap_be16(p + 2);
    out->seq = cap_be32(p + 4);
    out->ack = cap_be32(p + 8);
    out->flags = p[13] & 0x1f;
    out->payload = p + hl;
    out->len = seglen - hl;
    out->caplen = avail - hl < out->len ? avail - hl : out->len;
    return LT_PKT_TCP;
}

static enum lt_pkt_kind decode_ipv4(const uint8_t *p, size_t avail, struct lt_pkt *out)
{
    size_t ihl, total;
    unsigned frag;

    if (avail < 20 || (p[0] >> 4) != 4)
        return LT_PKT_MALFORMED;
    ihl = (size_t)(p[0] & 0x0f) * 4;
    total = cap_be16(p + 2);
    if (total == 0) /* segmentation offload: the length is not filled in */
        total = avail;
    if (ihl < 20 || ihl > avail || total < ihl)
        return LT_PKT_MALFORMED;
    frag = cap_be16(p + 6);
    if (frag & 0x3fff) /* more fragments, or a non-zero offset */
        return LT_PKT_FRAGMENT;
    if (p[9] != 6)
        return LT_PKT_NOT_TCP;
    out->family = 4;
    memset(out->src, 0, sizeof(out->src));
    memset(out->dst, 0, sizeof(out->dst));
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
    /* Ethernet pads short frames: trust the IP length over the frame. */
    return decode_tcp(p + ihl, (avail < total ? avail : total) - ihl, total - ihl, out);
}

static enum lt_pkt_kind decode_ipv6(const uint8_t *p, size_t avail, struct lt_pkt *out)
{
    size_t plen, off = 40;
    unsigned nh;

    if (avail < 40 || (p[0] >> 4) != 6)
        return LT_PKT_MALFORMED;
    plen = cap_be16(p + 4);
    if (plen == 0) /* jumbogram or offload: take what was captured */
        plen = avail - 40;
    nh = p[6];
    for (int i = 0; i <= MAX_EXT_HEADERS; i++) {
        size_t hl;

        switch (nh) {
        case 6:
            out->family = 6;
            memcpy(out->src, p + 8, 16);
            memcpy(out->dst, p + 24, 16);
            if (off - 40 > plen)
                return LT_PKT_MALFORMED;
            {
                size_t end = 40 + plen;
                size_t have = (avail < end ? avail : end);
                if (have < off)
                    return LT_PKT_MALFORMED;
                return decode_tcp(p + off, have - off, end - off, out);
            }
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
            if (avail < off + 2)
                return LT_PKT_MALFORMED;
            hl = ((size_t)p[off + 1] + 1) * 8;
            break;
        case 51: /* authentication header */
            if (avail < off + 2)
                return LT_PKT_MALFORMED;
            hl = ((size_t)p[off + 1] + 2) * 4;
            break;
        case 44: /* fragment */
            if (avail < off + 8)
                return LT_PKT_MALFORMED;
            if (cap_be16(p + off + 2) & 0xfff9) /* offset or more-fragments set */
                return LT_PKT_FRAGMENT;
            hl = 8;
            break;
        default: /* 59 no next header, 50 ESP, UDP, ICMPv6, ... */
            return LT_PKT_NOT_TCP;
        }
        nh = p[off];
        off += hl;
        if (off > avail)
            return LT_PKT_MALFORMED;
    }
    return LT_PKT_MALFORMED;
}

enum lt_pkt_kind lt_pkt_decode(int dlt, const uint8_t *p, size_t caplen, struct lt_pkt *out)
{
    size_t off = 0;
    unsigned proto = 0;
    enum lt_pkt_kind k = lt_link_locate(dlt, p, caplen, &off, &proto);

    if (k != LT_PKT_TCP)
        return k;
    if (off > caplen)
        return LT_PKT_MALFORMED;
    if (proto == LT_ETH_IPV4)
        return decode_ipv4(p + off, caplen - off, out);
    if (proto == LT_ETH_IPV6)
        return decode_ipv6(p + off, caplen - off, out);
    return LT_PKT_NOT_TCP;
}
