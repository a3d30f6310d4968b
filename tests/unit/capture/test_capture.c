/*
 * test_capture.c - the packet capture pipeline on hand-built pcaps: every
 * link type, out-of-order, retransmitted, overlapping and missing segments,
 * sequence wrap-around, snaplen cuts, pipelining, 100-continue, chunked
 * bodies, mid-connection starts, TLS/HTTP2 detection, ordering by ts within
 * the reorder window, redaction and the memory caps. Each pcap is written
 * with pcap_dump and read back through the offline packet source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture_harness.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS 1000000LL

static const char *const GET_X = "GET /x?y=1 HTTP/1.1\r\nHost: example\r\n\r\n";
static const char *const OK_2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

static void simple_conversation(struct pg *g)
{
    pg_handshake(g);
    pg_send(g, 0, GET_X);
    pg_send(g, 1, OK_2);
    pg_close(g);
}

static void test_simple_get(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    const struct lt_record *r;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    simple_conversation(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    r = &got.rb[0].rec;
    assert_bytes(r->method, "GET");
    assert_bytes(r->url, "/x?y=1");
    assert_int_equal(r->nheaders, 1);
    assert_header(r, 0, "Host", "example");
    assert_int_equal(r->body.len, 0);
    assert_int_equal(r->ts_ns, 3 * MS); /* SYN is the origin; request is packet 4 */
    assert_int_equal(r->session, 1);
    assert_true(r->has_response);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->resp_latency_ns, 1 * MS);
    assert_int_equal(r->flags, 0);
    assert_int_equal(st.flows, 1);
    assert_int_equal(st.flows_http, 1);
    assert_int_equal(st.requests, 1);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.responses, 1);
    assert_int_equal(st.packets, 8);
    got_release(&got);
    pg_release(&g);
}

static void test_link_types(void **state)
{
    static const struct {
        enum pg_link link;
        int v6;
    } cases[] = {
        {PG_ETH, 0},  {PG_ETH, 1},  {PG_VLAN, 0}, {PG_QINQ, 1}, {PG_SLL, 0},
        {PG_SLL, 1},  {PG_SLL2, 0}, {PG_SLL2, 1}, {PG_NULL, 0}, {PG_NULL, 1},
        {PG_LOOP, 0}, {PG_LOOP, 1}, {PG_RAW, 0},  {PG_RAW, 1},  {PG_RAW6X, 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pg g;
        struct got got;
        struct lt_capture_stats st;

        memset(&got, 0, sizeof(got));
        pg_init(&g, cases[i].link, cases[i].v6);
        simple_conversation(&g);
        st = run(&g, &got);
        if (got.n != 1)
            print_error("link case %zu: %zu records\n", i, got.n);
        assert_int_equal(got.n, 1);
        assert_bytes(got.rb[0].rec.url, "/x?y=1");
        assert_int_equal(got.rb[0].rec.status, 200);
        assert_int_equal(st.tcp_packets, 8);
        assert_int_equal(st.malformed + st.not_tcp + st.link_unknown, 0);
        got_release(&got);
        pg_release(&g);
    }
}

#define POST30 "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n"
#define BODY30 "0123456789abcdefghijKLMNOPQRST"

/* Handshake, then the head; returns the client sequence number of the body. */
static uint32_t post_head(struct pg *g)
{
    uint32_t base;

    pg_handshake(g);
    pg_send(g, 0, POST30);
    base = g->seq[0];
    g->seq[0] += 30; /* the body's segments are sent by hand */
    return base;
}

static void respond_and_close(struct pg *g, const char *resp)
{
    pg_send(g, 1, resp);
    pg_close(g);
}

static void test_out_of_order(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    b = post_head(&g);
    pg_seg(&g, 0, PG_ACK, b + 20, &BODY30[20], 10, 0);
    pg_seg(&g, 0, PG_ACK, b + 10, &BODY30[10], 10, 0);
    pg_seg(&g, 0, PG_ACK, b, BODY30, 10, 0);
    respond_and_close(&g, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.body, BODY30);
    assert_int_equal(got.rb[0].rec.flags, 0);
    assert_int_equal(got.rb[0].rec.status, 202);
    assert_int_equal(st.out_of_order, 2);
    assert_int_equal(st.gap_bytes, 0);
    got_release(&got);
    pg_release(&g);
}

static void test_retransmission(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_SLL, 0);
    b = post_head(&g);
    pg_seg(&g, 0, PG_ACK, b, BODY30, 15, 0);
    pg_seg(&g, 0, PG_ACK, b, BODY30, 15, 0); /* retransmitted whole */
    pg_seg(&g, 0, PG_ACK, b + 15, &BODY30[15], 15, 0);
    pg_seg(&g, 0, PG_ACK, b + 15, &BODY30[15], 15, 0);
    respond_and_close(&g, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.body, BODY30);
    assert_int_equal(st.retransmitted, 2);
    got_release(&got);
    pg_release(&g);
}

static void test_overlap_first_copy_wins(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    b = post_head(&g);
    /* held first: X over [20,30), then Y over [15,30): only [15,20) of Y is new */
    pg_seg(&g, 0, PG_ACK, b + 20, "XXXXXXXXXX", 10, 0);
    pg_seg(&g, 0, PG_ACK, b + 15, "YYYYYYYYYYYYYYY", 15, 0);
    /* in order: [0,18), overlapping what is held by 3 bytes */
    pg_seg(&g, 0, PG_ACK, b, "ZZZZZZZZZZZZZZZZZZ", 18, 0);
    respond_and_close(&g, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.body, "ZZZZZZZZZZZZZZZYYYYYXXXXXXXXXX");
    assert_int_equal(st.overlap_bytes, 10 + 3);
    got_release(&got);
    pg_release(&g);
}

static void test_gap_in_body_kept_flagged(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    const struct lt_record *r;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    b = post_head(&g);
    pg_seg(&g, 0, PG_ACK, b, BODY30, 10, 0);
    /* [10,20) never captured */
    pg_seg(&g, 0, PG_ACK, b + 20, &BODY30[20], 10, 0);
    pg_send(&g, 1, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"); /* acks past it */
    pg_send(&g, 0, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    pg_send(&g, 1, "HTTP/1.1 204 No Content\r\n\r\n");
    pg_close(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, 2);
    r = &got.rb[0].rec;
    assert_int_equal(r->flags, LT_RF_INCOMPLETE);
    assert_bytes(r->body, "0123456789KLMNOPQRST");
    assert_header(r, 1, "Content-Length", "20");
    assert_int_equal(r->status, 202);
    assert_bytes(got.rb[1].rec.url, "/after");
    assert_int_equal(got.rb[1].rec.status, 204);
    assert_int_equal(st.req_gap, 1);
    assert_int_equal(st.gap_bytes, 10);
    got_release(&got);
    pg_release(&g);
}

static void test_gap_in_head_dropped(void **state)
{
    static const char head1[] = "POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    b = g.seq[0];
    g.seq[0] += sizeof(head1) - 1;
    pg_seg(&g, 0, PG_ACK, b, head1, 20, 0); /* the rest of the head is lost */
    pg_send(&g, 0, "GET /two HTTP/1.1\r\nHost: h\r\n\r\n");
    pg_send(&g, 1,
            "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
            "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    pg_close(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.url, "/two");
    /* the first response went to the lost request: pairs stay right */
    assert_int_equal(got.rb[0].rec.status, 202);
    assert_int_equal(st.dropped_gap, 1);
    assert_int_equal(st.gap_bytes, sizeof(head1) - 1 - 20);
    got_release(&got);
    pg_release(&g);
}

static void test_sequence_wraparound(void **state)
{
    struct pg g;
    struct got got;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_VLAN, 0);
    g.seq[0] = 0xffffffffu - (uint32_t)strlen(POST30) - 12; /* the body crosses 2^32 */
    g.seq[1] = 0xfffffff0u;
    b = post_head(&g);
    pg_seg(&g, 0, PG_ACK, b + 20, &BODY30[20], 10, 0);
    pg_seg(&g, 0, PG_ACK, b, BODY30, 20, 0);
    respond_and_close(&g, "HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\n0123456789");
    run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.body, BODY30);
    assert_int_equal(got.rb[0].rec.status, 202);
    got_release(&got);
    pg_release(&g);
}

static void test_pipelining_with_head(void **state)
{
    struct pg g;
    struct got got;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 1);
    pg_handshake(&g);
    pg_send(&g, 0,
            "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\n"
            "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
    pg_send(&g, 1,
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            "HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n"
            "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!");
    pg_close(&g);
    run(&g, &got);
    assert_int_equal(got.n, 3);
    assert_bytes(got.rb[0].rec.url, "/1");
    assert_bytes(got.rb[1].rec.url, "/2");
    assert_bytes(got.rb[2].rec.url, "/3");
    assert_int_equal(got.rb[0].rec.status, 200);
    assert_int_equal(got.rb[1].rec.status, 201);
    assert_int_equal(got.rb[2].rec.status, 404);
    for (int i = 0; i < 3; i++)
        assert_int_equal(got.rb[i].rec.ts_ns, 3 * MS);
    got_release(&got);
    pg_release(&g);
}

static void test_expect_continue(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    pg_send(&g, 0,
            "PUT /e HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    pg_send(&g, 1, "HTTP/1.1 100 Continue\r\n\r\n");
    pg_send(&g, 0, "hello");
    pg_send(&g, 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    pg_close(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.body, "hello");
    assert_int_equal(got.rb[0].rec.status, 201);
    assert_int_equal(got.rb[0].rec.resp_latency_ns, 3 * MS);
    assert_int_equal(st.interim_responses, 1);
    assert_int_equal(st.responses, 1);
    got_release(&got);
    pg_release(&g);
}

static void test_chunked_request(void **state)
{
    struct pg g;
    struct got got;
    const struct lt_record *r;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_SLL2, 1);
    pg_handshake(&g);
    pg_send(&g, 0,
            "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: text/plain\r\n\r\n5\r\nhel");
    pg_send(&g, 0, "lo\r\n6\r\n world\r\n0\r\n\r\n");
    respond_and_close(&g,
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    run(&g, &got);
    assert_int_equal(got.n, 1);
    r = &got.rb[0].rec;
    assert_bytes(r->body, "hello world");
    assert_int_equal(r->nheaders, 3);
    assert_header(r, 0, "Host", "h");
    assert_header(r, 1, "Content-Length", "11");
    assert_header(r, 2, "Content-Type", "text/plain");
    assert_int_equal(r->status, 200);
    got_release(&got);
    pg_release(&g);
}

static void test_mid_connection_start(void **state)
{
    /* with the server on a low port, and on one above the client's (the
     * ports then suggest the wrong roles until a payload says otherwise) */
    static const uint16_t server_ports[] = {80, 50000};

    (void)state;
    for (int i = 0; i < 2; i++) {
        struct pg g;
        struct got got;

        memset(&got, 0, sizeof(got));
        pg_init(&g, PG_ETH, 0);
        g.sport = server_ports[i];
        /* no handshake: the capture starts inside a body and a response */
        pg_send(&g, 0, "ld\",\"x\":1}]}");
        pg_send(&g, 1, "ccepted\":1}");
        pg_send(&g, 0, "POST /collect/web HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
        pg_send(&g, 1, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        pg_send(&g, 0, "GET /two HTTP/1.1\r\nHost: h\r\n\r\n");
        pg_send(&g, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        run(&g, &got);
        assert_int_equal(got.n, 2);
        assert_bytes(got.rb[0].rec.url, "/collect/web");
        assert_bytes(got.rb[0].rec.body, "{}");
        assert_int_equal(got.rb[0].rec.status, 202);
        assert_bytes(got.rb[1].rec.url, "/two");
        assert_int_equal(got.rb[1].rec.status, 200);
        got_release(&got);
        pg_release(&g);
    }
}

static void test_tls_and_http2_counted(void **state)
{
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0};
    struct pg g;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    pg_sendn(&g, 0, hello, sizeof(hello));
    pg_close(&g);
    g.cport++;
    pg_handshake(&g);
    pg_send(&g, 0, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    pg_close(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, 0);
    assert_int_equal(st.flows_tls, 1);
    assert_int_equal(st.flows_http2, 1);
    assert_int_equal(st.dropped_unparsable, 0);
    got_release(&got);
    pg_release(&g);
}

static void test_snaplen_truncated(void **state)
{
    static const char req[] = "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 40\r\n\r\n" BODY30;
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    const struct lt_record *r;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    b = g.seq[0];
    g.seq[0] += sizeof(req) - 1;
    /* the first segment loses its last 12 bytes to the snaplen */
    pg_seg(&g, 0, PG_ACK, b, req, sizeof(req) - 1, sizeof(req) - 1 - 12);
    pg_send(&g, 0, "uvwxyz0123");
    respond_and_close(&g, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    r = &got.rb[0].rec;
    assert_int_equal(r->flags, LT_RF_TRUNCATED);
    assert_bytes(r->body, "0123456789abcdefghuvwxyz0123");
    assert_header(r, 1, "Content-Length", "28");
    assert_int_equal(r->status, 202);
    assert_int_equal(st.req_truncated, 1);
    assert_int_equal(st.snaplen_bytes, 12);
    got_release(&got);
    pg_release(&g);
}

static void test_no_response_after_window(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    size_t first_req_pkt;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    first_req_pkt = g.n;
    pg_send(&g, 0, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
    g.ts_ns += 9 * 1000 * MS;
    pg_send(&g, 0, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"); /* 9 s later */
    g.ts_ns += 2 * 1000 * MS;
    pg_seg(&g, 0, PG_ACK, g.seq[0], NULL, 0, 0); /* 11 s after the first */
    st = run(&g, &got);
    /* the first waited 10 s of packet time for its response, then went out */
    assert_int_equal(got.n_after[first_req_pkt + 1], 0);
    assert_int_equal(got.n_after[first_req_pkt + 2], 1);
    assert_int_equal(got.n, 2);
    assert_bytes(got.rb[0].rec.url, "/slow");
    assert_int_equal(got.rb[0].rec.flags, LT_RF_NO_RESPONSE);
    assert_false(got.rb[0].rec.has_response);
    assert_int_equal(st.no_response, 2);
    got_release(&got);
    pg_release(&g);
}

/* Packets of two conversations merged by time (a stable merge). */
static void merge(struct pg *dst, struct pg *a, struct pg *b)
{
    size_t i = 0, j = 0;

    while (i < a->n || j < b->n) {
        struct pg_pkt *p;
        if (j >= b->n || (i < a->n && a->pkts[i].ts_ns <= b->pkts[j].ts_ns))
            p = &a->pkts[i++];
        else
            p = &b->pkts[j++];
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 64;
            dst->pkts = realloc(dst->pkts, dst->cap * sizeof(*dst->pkts));
        }
        dst->pkts[dst->n++] = *p;
        p->data = NULL;
    }
}

static void test_order_by_first_packet(void **state)
{
    struct pg a, b, m;
    struct got got;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&a, PG_ETH, 0);
    pg_init(&b, PG_ETH, 0);
    pg_init(&m, PG_ETH, 0);
    b.cport = 40001;
    /* A's request starts first but completes after B's whole exchange */
    pg_handshake(&a);                                                            /* 0, 1, 2 ms */
    pg_send(&a, 0, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nx"); /* 3 ms */
    a.ts_ns += 10 * MS;
    pg_send(&a, 0, "yz"); /* 14 ms */
    pg_send(&a, 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    b.ts_ns += 4 * MS + 500000;
    pg_handshake(&b);
    pg_send(&b, 0, GET_X); /* 7.5 ms */
    pg_send(&b, 1, OK_2);
    merge(&m, &a, &b);
    run(&m, &got);
    assert_int_equal(got.n, 2);
    assert_bytes(got.rb[0].rec.url, "/a");
    assert_bytes(got.rb[0].rec.body, "xyz");
    assert_int_equal(got.rb[0].rec.ts_ns, 3 * MS);
    assert_int_equal(got.rb[0].rec.session, 1);
    assert_int_equal(got.rb[0].rec.status, 201);
    assert_bytes(got.rb[1].rec.url, "/x?y=1");
    assert_int_equal(got.rb[1].rec.ts_ns, 7 * MS + 500000);
    assert_int_equal(got.rb[1].rec.session, 2);
    got_release(&got);
    pg_release(&a);
    pg_release(&b);
    pg_release(&m);
}

/* The capture's records go through the redaction transform (as `capture`
 * wires it): secret headers redacted, names added, --keep-secrets. */
static void test_redaction(void **state)
{
    static const char req[] = "GET /r HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer s3cret\r\n"
                              "Cookie: sid=1\r\nX-Api-Key: k\r\nX-Tenant: acme\r\n\r\n";
    const char *extra[] = {"x-tenant"};
    struct pg g;
    struct got got;
    const struct lt_record *r;

    (void)state;
    memset(&got, 0, sizeof(got));
    got.redact.headers = extra;
    got.redact.nheaders = 1;
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    pg_send(&g, 0, req);
    respond_and_close(&g, OK_2);
    run(&g, &got);
    assert_int_equal(got.n, 1);
    r = &got.rb[0].rec;
    assert_int_equal(r->flags, LT_RF_REDACTED);
    assert_header(r, 0, "Host", "h");
    assert_header(r, 1, "Authorization", "[redacted]");
    assert_header(r, 2, "Cookie", "[redacted]");
    assert_header(r, 3, "X-Api-Key", "[redacted]");
    assert_header(r, 4, "X-Tenant", "[redacted]");
    assert_int_equal(got.rstats.redacted, 1);
    assert_int_equal(got.rstats.headers, 4);
    got_release(&got);

    got.redact.keep_secrets = 1;
    run(&g, &got);
    r = &got.rb[0].rec;
    assert_int_equal(r->flags, 0);
    assert_header(r, 1, "Authorization", "Bearer s3cret");
    assert_header(r, 4, "X-Tenant", "acme");
    assert_int_equal(got.rstats.redacted, 0);
    got_release(&got);
    pg_release(&g);
}

/*
 * The capture itself hands out what it parsed: the target as sent, framing
 * headers as sent beside the decoded body, secrets kept. Origin form,
 * Content-Length and redaction are the transform's (test_redaction and the
 * chunked tests run through it).
 */
static void test_records_as_captured(void **state)
{
    static const char req[] = "POST http://h:8080/c?token=t HTTP/1.1\r\nHost: h\r\n"
                              "Authorization: Bearer s3cret\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n0\r\n\r\n";
    struct pg g;
    struct got got;
    const struct lt_record *r;

    (void)state;
    memset(&got, 0, sizeof(got));
    got.raw = 1;
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    pg_send(&g, 0, req);
    respond_and_close(&g, OK_2);
    run(&g, &got);
    assert_int_equal(got.n, 1);
    r = &got.rb[0].rec;
    assert_bytes(r->url, "http://h:8080/c?token=t");
    assert_int_equal(r->nheaders, 3);
    assert_header(r, 1, "Authorization", "Bearer s3cret");
    assert_header(r, 2, "Transfer-Encoding", "chunked");
    assert_bytes(r->body, "hello");
    assert_int_equal(r->flags, 0);
    assert_true(r->has_response);
    got_release(&got);

    run(&g, &got); /* the same through the transform */
    r = &got.rb[0].rec;
    assert_bytes(r->url, "/c?token=%5Bredacted%5D");
    assert_int_equal(r->nheaders, 3);
    assert_header(r, 1, "Authorization", "[redacted]");
    assert_header(r, 2, "Content-Length", "5");
    assert_bytes(r->body, "hello");
    assert_int_equal(r->flags, LT_RF_REDACTED);
    got_release(&got);
    pg_release(&g);
}

static void test_close_delimited_response(void **state)
{
    struct pg g;
    struct got got;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    pg_send(&g, 0, "GET /old HTTP/1.0\r\n\r\n");
    pg_send(&g, 1, "HTTP/1.0 200 OK\r\n\r\nbody until close");
    pg_seg(&g, 1, PG_FIN | PG_ACK, g.seq[1]++, NULL, 0, 0);
    pg_seg(&g, 0, PG_FIN | PG_ACK, g.seq[0]++, NULL, 0, 0);
    run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.rb[0].rec.status, 200);
    assert_int_equal(got.rb[0].rec.resp_latency_ns, 2 * MS); /* at the server's FIN */
    got_release(&got);
    pg_release(&g);
}

static void test_tuple_reuse_new_session(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    simple_conversation(&g);
    g.seq[0] += 100000;
    g.seq[1] += 77777;
    simple_conversation(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.rb[0].rec.session, 1);
    assert_int_equal(got.rb[1].rec.session, 2);
    assert_int_equal(st.flows, 2);
    got_release(&got);
    pg_release(&g);
}

static void test_flow_memory_cap(void **state)
{
    struct lt_capture_opts o;
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    const struct lt_record *r;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    memset(&o, 0, sizeof(o));
    o.flow_buffer_max = 8;
    pg_init(&g, PG_ETH, 0);
    b = post_head(&g);
    pg_seg(&g, 0, PG_ACK, b + 10, &BODY30[10], 20, 0); /* held? over the cap */
    pg_seg(&g, 0, PG_ACK, b, BODY30, 10, 0);           /* arrives too late */
    respond_and_close(&g, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    st = run_opts(&g, &o, &got);
    assert_int_equal(got.n, 1);
    r = &got.rb[0].rec;
    assert_int_equal(r->flags, LT_RF_INCOMPLETE);
    assert_bytes(r->body, &BODY30[10]);
    assert_int_equal(st.memcap_bytes, 10);
    assert_int_equal(st.req_memcap, 1);
    assert_int_equal(st.retransmitted, 1);
    got_release(&got);
    pg_release(&g);
}

static void test_not_tcp_counted(void **state)
{
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    cJSON *j;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_udp(&g);
    pg_fragment(&g);
    simple_conversation(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(st.not_tcp, 1);
    assert_int_equal(st.ip_fragments, 1);
    j = lt_capture_stats_json(&st);
    assert_non_null(j);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "packets"), "ip_fragments")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"), "recorded")->valueint,
                     1);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "not_recorded_whole"), "gap"));
    cJSON_Delete(j);
    got_release(&got);
    pg_release(&g);
}

static void test_idle_expiry_by_packet_time(void **state)
{
    struct pg a, b, m;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&a, PG_ETH, 0);
    pg_init(&b, PG_ETH, 0);
    pg_init(&m, PG_ETH, 0);
    b.cport = 40001;
    pg_handshake(&a);
    pg_send(&a, 0, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
    /* the rest of the body never comes; 61 s later another connection */
    b.ts_ns += 61 * 1000 * MS;
    simple_conversation(&b);
    merge(&m, &a, &b);
    st = run(&m, &got);
    assert_int_equal(st.flows_expired, 1);
    /* the idle flow ended before b's first packet was handled: its record first */
    assert_int_equal(got.n_after[a.n], 1);
    assert_int_equal(got.n, 2);
    assert_bytes(got.rb[0].rec.url, "/a");
    assert_bytes(got.rb[0].rec.body, "abc");
    assert_int_equal(got.rb[0].rec.flags, LT_RF_INCOMPLETE | LT_RF_NO_RESPONSE);
    assert_bytes(got.rb[1].rec.url, "/x?y=1");
    pg_release(&a);
    pg_release(&b);
    pg_release(&m);
    got_release(&got);
}

static void test_flow_count_cap(void **state)
{
    struct lt_capture_opts o;
    struct pg g[3], m1, m2;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    memset(&got, 0, sizeof(got));
    memset(&o, 0, sizeof(o));
    o.max_flows = 2;
    pg_init(&m1, PG_ETH, 0);
    pg_init(&m2, PG_ETH, 0);
    for (int i = 0; i < 3; i++) {
        pg_init(&g[i], PG_ETH, 0);
        g[i].cport = (uint16_t)(40000 + i);
        g[i].ts_ns += i * 100000; /* interleaved: all three open at once */
        simple_conversation(&g[i]);
    }
    merge(&m1, &g[0], &g[1]);
    merge(&m2, &m1, &g[2]);
    st = run_opts(&m2, &o, &got);
    /* the third connection pushed out the least recently active one, whose
     * later packets start flows of their own (mid-connection) in turn: every
     * flow beyond two at a time was ended by the cap, and counted */
    assert_true(st.flows >= 3);
    assert_true(st.flows_expired >= st.flows - 2 - 3);
    assert_true(st.flows_expired >= 1);
    for (int i = 0; i < 3; i++)
        pg_release(&g[i]);
    pg_release(&m1);
    pg_release(&m2);
    got_release(&got);
}

static void test_total_memory_cap(void **state)
{
    static const char head[] = "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 300\r\n\r\n";
    struct lt_capture_opts o;
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    char body[300];

    (void)state;
    memset(&got, 0, sizeof(got));
    memset(&o, 0, sizeof(o));
    memset(body, 'b', sizeof(body));
    o.total_buffer_max = 200;
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    pg_send(&g, 0, head);
    pg_sendn(&g, 0, body, 100);       /* head + 100 held: under the cap */
    pg_sendn(&g, 0, body + 100, 100); /* over it: the flow is ended */
    pg_sendn(&g, 0, body + 200, 100);
    pg_send(&g, 1, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    st = run_opts(&g, &o, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.url, "/big");
    assert_int_equal(got.rb[0].rec.flags & LT_RF_INCOMPLETE, LT_RF_INCOMPLETE);
    assert_int_equal(got.rb[0].rec.body.len, 200);
    assert_int_equal(st.req_memcap, 1);
    assert_true(st.memcap_bytes >= 200);
    got_release(&got);
    pg_release(&g);
}

static void test_cut_at_body_end_never_silent(void **state)
{
    static const char req[] = "POST /cut HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n" BODY30;
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    uint32_t b;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    b = g.seq[0];
    g.seq[0] += sizeof(req) - 1;
    /* the snaplen cuts the last 12 bytes, the end of the body */
    pg_seg(&g, 0, PG_ACK, b, req, sizeof(req) - 1, sizeof(req) - 1 - 12);
    pg_send(&g, 0, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    respond_and_close(&g, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
                          "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    st = run(&g, &got);
    assert_int_equal(st.snaplen_bytes, 12);
    /* kept, flagged truncated and counted: never passed off as whole */
    assert_int_equal(got.n, 2);
    assert_int_equal(got.rb[0].rec.flags, LT_RF_TRUNCATED);
    assert_int_equal(st.req_truncated, 1);
    assert_int_equal(st.dropped_gap, 0);
    /* the next request keeps its own response */
    assert_bytes(got.rb[got.n - 1].rec.url, "/next");
    assert_int_equal(got.rb[got.n - 1].rec.status, 202);
    got_release(&got);
    pg_release(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_retransmission),
        cmocka_unit_test(test_overlap_first_copy_wins),
        cmocka_unit_test(test_gap_in_body_kept_flagged),
        cmocka_unit_test(test_gap_in_head_dropped),
        cmocka_unit_test(test_sequence_wraparound),
        cmocka_unit_test(test_pipelining_with_head),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_chunked_request),
        cmocka_unit_test(test_mid_connection_start),
        cmocka_unit_test(test_tls_and_http2_counted),
        cmocka_unit_test(test_snaplen_truncated),
        cmocka_unit_test(test_no_response_after_window),
        cmocka_unit_test(test_order_by_first_packet),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_records_as_captured),
        cmocka_unit_test(test_close_delimited_response),
        cmocka_unit_test(test_tuple_reuse_new_session),
        cmocka_unit_test(test_flow_memory_cap),
        cmocka_unit_test(test_not_tcp_counted),
        cmocka_unit_test(test_idle_expiry_by_packet_time),
        cmocka_unit_test(test_flow_count_cap),
        cmocka_unit_test(test_total_memory_cap),
        cmocka_unit_test(test_cut_at_body_end_never_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
