/*
 * pcapgen.h - builds TCP conversations packet by packet, in any link type,
 * and writes them as pcap files (pcap_open_dead + pcap_dump), so tests can
 * say exactly which segments arrive, in which order, cut or missing.
 */
#ifndef LT_PCAPGEN_H
#define LT_PCAPGEN_H

#include <stddef.h>
#include <stdint.h>

#define PG_FIN 0x01
#define PG_SYN 0x02
#define PG_RST 0x04
#define PG_PSH 0x08
#define PG_ACK 0x10

enum pg_link {
    PG_ETH,
    PG_VLAN, /* Ethernet with one 802.1Q tag */
    PG_QINQ, /* Ethernet with two tags (802.1ad + 802.1Q) */
    PG_SLL,
    PG_SLL2,
    PG_NULL, /* BSD loopback, host byte order */
    PG_LOOP, /* OpenBSD loopback, network byte order */
    PG_RAW,
    PG_RAW6X, /* raw IPv6 with a destination-options extension header */
};

struct pg_pkt {
    int64_t ts_ns;
    uint8_t *data;
    size_t len;    /* bytes on the wire */
    size_t caplen; /* bytes kept */
};

struct pg {
    enum pg_link link;
    int v6;
    uint8_t cli[16], srv[16];
    uint16_t cport, sport;
    uint32_t seq[2]; /* next sequence number of client [0] and server [1] */
    int64_t ts_ns;   /* time of the next packet */
    int64_t step_ns; /* added after each packet */
    struct pg_pkt *pkts;
    size_t n, cap;
};

/* A conversation 10.0.0.1:40000 -> 10.0.0.2:80 (or fd00::1 -> fd00::2). */
void pg_init(struct pg *g, enum pg_link link, int v6);
void pg_release(struct pg *g);
int pg_dlt(const struct pg *g);

/* One raw segment from the client (dir 0) or the server (dir 1). cut > 0
 * keeps only that many payload bytes (as a snaplen would). */
void pg_seg(struct pg *g, int dir, uint8_t flags, uint32_t seq, const void *data, size_t len,
            size_t cut);
/* Three-way handshake (ISNs taken from g->seq). */
void pg_handshake(struct pg *g);
/* Data in order, one segment, advancing that side's sequence number. */
void pg_send(struct pg *g, int dir, const char *s);
void pg_sendn(struct pg *g, int dir, const void *p, size_t n);
/* FIN from both sides. */
void pg_close(struct pg *g);
/* Moves packet i to the end (to test out-of-order arrival). */
void pg_move_last(struct pg *g, size_t i);
/* Drops packet i. */
void pg_drop(struct pg *g, size_t i);
/* A non-TCP packet (UDP) and an IPv4 fragment. */
void pg_udp(struct pg *g);
void pg_fragment(struct pg *g);

/* Writes all packets to path; 0 or -1. */
int pg_write(const struct pg *g, const char *path);

#endif
