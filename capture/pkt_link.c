/*
 * pkt_link.c - the link-layer stage: a table of handlers, one per pcap link
 * type, each finding where the IP header starts and what it is.
 */
#include "cap_internal.h"

#include <pcap/pcap.h>
#include <stddef.h>

#define MAX_VLAN_TAGS 4

struct link_handler {
    int dlt;
    const char *name;
    enum lt_pkt_kind (*locate)(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto);
};

/* Ethernet II with any number (up to MAX_VLAN_TAGS) of 802.1Q / 802.1ad tags. */
static enum lt_pkt_kind eth_locate(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto)
{
    size_t o = 12;
    unsigned type;

    if (caplen < 14)
        return LT_PKT_MALFORMED;
    type = cap_be16(p + o);
    for (int i = 0; i < MAX_VLAN_TAGS && (type == 0x8100 || type == 0x88a8 || type == 0x9100);
         i++) {
        o += 4;
        if (caplen < o + 2)
            return LT_PKT_MALFORMED;
        type = cap_be16(p + o);
    }
    if (type < 0x0600) /* 802.3 length field: LLC frames carry no IP here */
        return LT_PKT_NOT_TCP;
    *off = o + 2;
    *proto = type;
    return LT_PKT_TCP;
}

/* Linux cooked capture v1: 16-byte header, protocol at offset 14. */
static enum lt_pkt_kind sll_locate(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto)
{
    if (caplen < 16)
        return LT_PKT_MALFORMED;
    *proto = cap_be16(p + 14);
    *off = 16;
    return LT_PKT_TCP;
}

/* Linux cooked capture v2: 20-byte header, protocol at offset 0. */
static enum lt_pkt_kind sll2_locate(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto)
{
    if (caplen < 20)
        return LT_PKT_MALFORMED;
    *proto = cap_be16(p);
    *off = 20;
    return LT_PKT_TCP;
}

/*
 * BSD loopback: a 4-byte address family in the byte order of the machine
 * that wrote the capture (DLT_NULL) or in network order (DLT_LOOP). AF_INET
 * is 2 everywhere; AF_INET6 is 10 on Linux, 24, 28 or 30 on the BSDs and
 * macOS. Both byte orders are tried: the values cannot collide.
 */
static unsigned af_to_proto(uint32_t af)
{
    if (af == 2)
        return LT_ETH_IPV4;
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return LT_ETH_IPV6;
    return 0;
}

static enum lt_pkt_kind null_locate(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto)
{
    unsigned pr;

    if (caplen < 4)
        return LT_PKT_MALFORMED;
    pr = af_to_proto(lt_get_le32(p));
    if (!pr)
        pr = af_to_proto(cap_be32(p));
    if (!pr)
        return LT_PKT_NOT_TCP;
    *proto = pr;
    *off = 4;
    return LT_PKT_TCP;
}

/* Raw IP: the version nibble says which. */
static enum lt_pkt_kind raw_locate(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto)
{
    if (caplen < 1)
        return LT_PKT_MALFORMED;
    *off = 0;
    switch (p[0] >> 4) {
    case 4:
        *proto = LT_ETH_IPV4;
        return LT_PKT_TCP;
    case 6:
        *proto = LT_ETH_IPV6;
        return LT_PKT_TCP;
    default:
        return LT_PKT_MALFORMED;
    }
}

static enum lt_pkt_kind ipv4_locate(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto)
{
    (void)p;
    (void)caplen;
    *off = 0;
    *proto = LT_ETH_IPV4;
    return LT_PKT_TCP;
}

static enum lt_pkt_kind ipv6_locate(const uint8_t *p, size_t caplen, size_t *off, unsigned *proto)
{
    (void)p;
    (void)caplen;
    *off = 0;
    *proto = LT_ETH_IPV6;
    return LT_PKT_TCP;
}

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static const struct link_handler handlers[] = {
    {DLT_EN10MB, "ethernet", eth_locate},
    {DLT_LINUX_SLL, "linux-sll", sll_locate},
    {DLT_LINUX_SLL2, "linux-sll2", sll2_locate},
    {DLT_NULL, "null", null_locate},
    {DLT_LOOP, "loop", null_locate},
    {12, "raw", raw_locate},  /* DLT_RAW as numbered on most systems */
    {14, "raw", raw_locate},  /* DLT_RAW as numbered on OpenBSD */
    {101, "raw", raw_locate}, /* LINKTYPE_RAW, should a reader not map it */
    {DLT_IPV4, "ipv4", ipv4_locate},
    {DLT_IPV6, "ipv6", ipv6_locate},
};

static const struct link_handler *find_handler(int dlt)
{
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
        if (handlers[i].dlt == dlt)
            return &handlers[i];
    return NULL;
}

int lt_pkt_link_supported(int dlt)
{
    return find_handler(dlt) != NULL;
}

enum lt_pkt_kind lt_link_locate(int dlt, const uint8_t *p, size_t caplen, size_t *off,
                                unsigned *proto)
{
    const struct link_handler *h = find_handler(dlt);

    if (!h)
        return LT_PKT_LINK_UNKNOWN;
    return h->locate(p, caplen, off, proto);
}
