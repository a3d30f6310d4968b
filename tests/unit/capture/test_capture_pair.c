/*
 * test_capture_pair.c - which response answers which request when the
 * capture lost packets (pairing by sequence and acknowledgement numbers),
 * request methods as any token, bodies whose length is known never searched
 * for requests, long Content-Length values, bodies over the limit and the
 * counts of malformed request lines. Pcaps are built with pcapgen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS 1000000LL

static const char *const R202 = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok";
static const char *const R404 = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

/*
 * A keep-alive connection of n requests, one at a time, answered 202 and
 * 404 in turn; resp_pkt[i] receives the index of response i's packet.
 */
static void keepalive(struct pg *g, size_t n, size_t *resp_pkt)
{
    char req[64];

    pg_handshake(g);
    for (size_t i = 0; i < n; i++) {
        snprintf(req, sizeof(req), "GET /r%zu HTTP/1.1\r\nHost: h\r\n\r\n", i);
        pg_send(g, 0, req);
        resp_pkt[i] = g->n;
        pg_send(g, 1, i % 2 ? R404 : R202);
    }
    pg_close(g);
}

/* Removes the response packets of the requests listed in lost[] (ascending). */
static void drop_responses(struct pg *g, const size_t *resp_pkt, const size_t *lost, size_t nl)
{
    for (size_t k = nl; k-- > 0;)
        pg_drop(g, resp_pkt[lost[k]]);
}

static int in(const size_t *v, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* Every request keeps its own response; those whose response was lost are flagged. */
static void check_keepalive(struct got *got, size_t n, const size_t *lost, size_t nl)
{
    assert_int_equal(got->n, n);
    for (size_t i = 0; i < n; i++) {
        const struct lt_record *r = &got->rb[i].rec;
        char url[32];
        snprintf(url, sizeof(url), "/r%zu", i);
        assert_bytes(r->url, url);
        if (in(lost, nl, i)) {
            assert_false(r->has_response);
            assert_int_equal(r->flags, LT_RF_NO_RESPONSE);
            continue;
        }
        if (!r->has_response || r->status != (i % 2 ? 404 : 202))
            print_error("request %zu: status %u\n", i, (unsigned)r->status);
        assert_true(r->has_response);
        assert_int_equal(r->status, i % 2 ? 404 : 202);
        assert_int_equal(r->resp_latency_ns, 1 * MS); /* its own response, one packet later */
        assert_int_equal(r->flags, 0);
    }
}

static void test_lost_responses_keep_pairs(void **state)
{
    static const size_t lost[] = {3, 10, 11, 26};
    size_t resp_pkt[40];
    struct pg g;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    keepalive(&g, 40, resp_pkt);
    drop_responses(&g, resp_pkt, lost, 4);
    st = run(&g, &got);
    check_keepalive(&got, 40, lost, 4);
    assert_int_equal(st.requests, 40);
    assert_int_equal(st.with_response, 36);
    assert_int_equal(st.no_response, 4);
    assert_int_equal(st.response_lost, 4);
    assert_int_equal(st.unpaired_responses, 0);
    got_release(&got);
    pg_release(&g);
}

static void test_lost_first_and_last_response(void **state)
{
    static const size_t lost[] = {0, 1, 9};
    size_t resp_pkt[10];
    struct pg g;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    keepalive(&g, 10, resp_pkt);
    drop_responses(&g, resp_pkt, lost, 3);
    st = run(&g, &got);
    check_keepalive(&got, 10, lost, 3);
    assert_int_equal(st.no_response, 3);
    assert_int_equal(st.unpaired_responses, 0);
    got_release(&got);
    pg_release(&g);
}

/* A response lost in the middle of its head (its first packet kept). */
static void test_response_cut_in_head(void **state)
{
    static const size_t lost[] = {2};
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    size_t cut_pkt = 0;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    for (size_t i = 0; i < 6; i++) {
        char req[64];
        const char *resp = i % 2 ? R404 : R202;
        snprintf(req, sizeof(req), "GET /r%zu HTTP/1.1\r\nHost: h\r\n\r\n", i);
        pg_send(&g, 0, req);
        if (i == 2) {
            pg_sendn(&g, 1, resp, 10);
            cut_pkt = g.n;
            pg_sendn(&g, 1, resp + 10, strlen(resp) - 10);
        } else {
            pg_send(&g, 1, resp);
        }
    }
    pg_close(&g);
    pg_drop(&g, cut_pkt);
    st = run(&g, &got);
    check_keepalive(&got, 6, lost, 1);
    assert_int_equal(st.response_lost, 1);
    got_release(&got);
    pg_release(&g);
}

/*
 * A request the capture never saw: its response is not given to the next
 * request. One at a time, the response that no seen request could take
 * accounts for it; pipelined behind it, the next request cannot be told
 * from it and is flagged instead.
 */
static void test_lost_request_response_unpaired(void **state)
{
    (void)state;
    for (int piped = 0; piped < 2; piped++) {
        struct pg g;
        struct got got;
        struct lt_capture_stats st;
        size_t req_pkt = 0;

        memset(&got, 0, sizeof(got));
        pg_init(&g, PG_ETH, 0);
        pg_handshake(&g);
        pg_send(&g, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        pg_send(&g, 1, R202);
        req_pkt = g.n;
        pg_send(&g, 0, "GET /lost HTTP/1.1\r\nHost: h\r\n\r\n");
        if (piped) {
            pg_send(&g, 0, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
            pg_send(&g, 1, R404);
        } else {
            pg_send(&g, 1, R404);
            pg_send(&g, 0, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
        }
        pg_send(&g, 1, R202);
        pg_close(&g);
        pg_drop(&g, req_pkt);
        st = run(&g, &got);
        assert_int_equal(got.n, 2);
        assert_bytes(got.rb[0].rec.url, "/a");
        assert_int_equal(got.rb[0].rec.status, 202);
        assert_bytes(got.rb[1].rec.url, "/c");
        if (piped) {
            assert_int_equal(got.rb[1].rec.flags, LT_RF_NO_RESPONSE);
            assert_int_equal(st.unpaired_responses, 2);
        } else {
            assert_int_equal(got.rb[1].rec.status, 202);
            assert_int_equal(got.rb[1].rec.flags, 0);
            assert_int_equal(st.unpaired_responses, 1);
        }
        got_release(&got);
        pg_release(&g);
    }
}

/*
 * Pipelined requests and a lost response: sequence numbers cannot say which
 * response was lost, so no pair is guessed: the requests that may have lost
 * theirs are flagged. Without a loss, pipelined pairs are exact.
 */
static void test_pipelined_loss_never_guessed(void **state)
{
    static const char *const reqs = "GET /p0 HTTP/1.1\r\nHost: h\r\n\r\n"
                                    "GET /p1 HTTP/1.1\r\nHost: h\r\n\r\n"
                                    "GET /p2 HTTP/1.1\r\nHost: h\r\n\r\n";
    for (int drop = 0; drop < 2; drop++) {
        struct pg g;
        struct got got;
        struct lt_capture_stats st;
        size_t r0;

        memset(&got, 0, sizeof(got));
        pg_init(&g, PG_ETH, 0);
        pg_handshake(&g);
        pg_send(&g, 0, reqs);
        r0 = g.n;
        pg_send(&g, 1, R202);
        pg_send(&g, 1, R404);
        pg_send(&g, 1, R202);
        pg_close(&g);
        if (drop)
            pg_drop(&g, r0);
        st = run(&g, &got);
        assert_int_equal(got.n, 3);
        if (!drop) {
            assert_int_equal(got.rb[0].rec.status, 202);
            assert_int_equal(got.rb[1].rec.status, 404);
            assert_int_equal(got.rb[2].rec.status, 202);
            assert_int_equal(st.with_response, 3);
        } else {
            /* none carries a status that may be another's */
            for (size_t i = 0; i < 3; i++)
                assert_int_equal(got.rb[i].rec.flags, LT_RF_NO_RESPONSE);
            assert_int_equal(st.with_response, 0);
            assert_int_equal(st.unpaired_responses, 2);
        }
        got_release(&got);
        pg_release(&g);
    }
}

/* One connection: the client's bytes, then the server's, then both FINs. */
static void exchange(struct pg *g, const void *req, size_t reqlen, const char *resp)
{
    pg_handshake(g);
    pg_sendn(g, 0, req, reqlen);
    if (resp)
        pg_send(g, 1, resp);
    pg_close(g);
}

/* Any RFC 9110 token is a method, recorded as sent; none is renamed. */
static void test_methods_any_token(void **state)
{
    static const char *const methods[] = {"CCM_POST", "XPOST",  "PROPFIND", "PURGE",   "QUERY",
                                          "MKCOL",    "REPORT", "get",      "M-SEARCH"};
    const size_t nm = sizeof(methods) / sizeof(methods[0]);
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    char req[2048];
    size_t n = 0;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    for (size_t i = 0; i < nm; i++)
        n += (size_t)snprintf(req + n, sizeof(req) - n, "%s /m%zu HTTP/1.1\r\nHost: h\r\n\r\n",
                              methods[i], i);
    pg_sendn(&g, 0, req, n);
    for (size_t i = 0; i < nm; i++)
        pg_send(&g, 1, i % 2 ? R404 : R202);
    pg_close(&g);
    st = run(&g, &got);
    assert_int_equal(got.n, nm);
    for (size_t i = 0; i < nm; i++) {
        char url[16];
        snprintf(url, sizeof(url), "/m%zu", i);
        assert_bytes(got.rb[i].rec.method, methods[i]);
        assert_bytes(got.rb[i].rec.url, url);
        assert_int_equal(got.rb[i].rec.status, i % 2 ? 404 : 202);
    }
    assert_int_equal(st.flows_http, 1);
    assert_int_equal(st.flows_other, 0);
    assert_int_equal(st.dropped_unparsable, 0);
    got_release(&got);
    pg_release(&g);
}

/*
 * A body whose length is known is never searched for requests: a keep-alive
 * PROPFIND whose body holds a request line gives no phantom record, and its
 * response stays its own.
 */
static void test_body_never_searched(void **state)
{
    static const char body[] = "<x>\r\nGET /phantom HTTP/1.1\r\nHost: h\r\n\r\n</x>";
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    char req[512];
    int n;

    (void)state;
    memset(&got, 0, sizeof(got));
    n = snprintf(req, sizeof(req),
                 "PROPFIND /dav HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n%s"
                 "GET /after HTTP/1.1\r\nHost: h\r\n\r\n",
                 sizeof(body) - 1, body);
    pg_init(&g, PG_ETH, 0);
    exchange(&g, req, (size_t)n,
             "HTTP/1.1 207 Multi-Status\r\nContent-Length: 0\r\n\r\n"
             "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    st = run(&g, &got);
    assert_int_equal(got.n, 2);
    assert_bytes(got.rb[0].rec.method, "PROPFIND");
    assert_bytes(got.rb[0].rec.body, body);
    assert_int_equal(got.rb[0].rec.status, 207);
    assert_bytes(got.rb[1].rec.url, "/after");
    assert_int_equal(got.rb[1].rec.status, 404);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.resync_bytes, 0);
    got_release(&got);
    pg_release(&g);
}

/* Content-Length with leading zeros: 32 digits whose value is 50. */
static void test_long_content_length(void **state)
{
    static const char b50[] = "0123456789012345678901234567890123456789012345678\n";
    struct pg g;
    struct got got;
    char req[512], resp[512];
    int n;

    (void)state;
    memset(&got, 0, sizeof(got));
    n = snprintf(req, sizeof(req),
                 "POST /cl HTTP/1.1\r\nHost: h\r\nContent-Length: "
                 "00000000000000000000000000000050\r\n\r\n%s",
                 b50);
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 201 Created\r\nContent-Length: 00000000000000000000000000000050\r\n\r\n%s",
             b50);
    pg_init(&g, PG_ETH, 0);
    exchange(&g, req, (size_t)n, resp);
    run(&g, &got);
    assert_int_equal(got.n, 1);
    assert_bytes(got.rb[0].rec.body, b50);
    assert_int_equal(got.rb[0].rec.status, 201);
    assert_int_equal(got.rb[0].rec.flags, 0);
    got_release(&got);
    pg_release(&g);
}

/*
 * Bodies over the body limit (1 KiB here, 64 MiB by default; the same code):
 * a response's is skipped and its status and latency recorded; a request's
 * is kept up to the limit, flagged truncated, its Content-Length set to the
 * bytes kept, and the next request is still found.
 */
static void test_bodies_over_the_limit(void **state)
{
    struct lt_capture_opts o;
    struct pg g;
    struct got got;
    struct lt_capture_stats st;
    char *req = malloc(8192), *resp = malloc(8192);
    size_t n;
    int k;

    (void)state;
    memset(&got, 0, sizeof(got));
    memset(&o, 0, sizeof(o));
    lt_limits_default(&o.limits);
    o.limits.body_max = 1024;
    k = snprintf(req, 8192, "PUT /big HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n");
    memset(req + k, 'a', 3000);
    n = (size_t)k + 3000;
    n += (size_t)snprintf(req + n, 8192 - n, "GET /small HTTP/1.1\r\nHost: h\r\n\r\n");
    k = snprintf(resp, 8192, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
    memset(resp + k, 'b', 5000);
    resp[k + 5000] = 0;
    pg_init(&g, PG_ETH, 0);
    pg_handshake(&g);
    pg_sendn(&g, 0, req, n);
    pg_send(&g, 1, "HTTP/1.1 204 No Content\r\n\r\n");
    pg_send(&g, 1, resp);
    pg_close(&g);
    st = run_opts(&g, &o, &got);
    assert_int_equal(got.n, 2);
    assert_bytes(got.rb[0].rec.url, "/big");
    assert_int_equal(got.rb[0].rec.body.len, 1024);
    assert_int_equal(got.rb[0].rec.flags, LT_RF_TRUNCATED);
    assert_bytes(got.rb[0].rec.headers[1].value, "1024");
    assert_int_equal(got.rb[0].rec.status, 204);
    assert_bytes(got.rb[1].rec.url, "/small");
    assert_int_equal(got.rb[1].rec.status, 200);
    /* both requests came in one packet; the 200 is two packets later */
    assert_int_equal(got.rb[1].rec.resp_latency_ns, 2 * MS);
    assert_int_equal(st.req_truncated, 1);
    assert_int_equal(st.dropped_limit, 0);
    got_release(&got);
    pg_release(&g);
    free(req);
    free(resp);
}

/*
 * Request lines that start like one but are malformed are counted as
 * dropped_unparsable (the flow is HTTP), not as another protocol; the next
 * request on the connection is recorded. Bytes of another protocol are not.
 */
static void test_malformed_request_lines_counted(void **state)
{
    static const char *const bad[] = {"GET HTTP/1.1\r\n\r\n", "GET / HTTP/1.\r\n\r\n",
                                      "OPTIONS\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n"};
    const size_t nb = sizeof(bad) / sizeof(bad[0]);
    struct pg g;
    struct got got;
    struct lt_capture_stats st;

    (void)state;
    for (size_t i = 0; i < nb; i++) {
        char req[256];
        int n = snprintf(req, sizeof(req), "%sGET /ok HTTP/1.1\r\nHost: h\r\n\r\n", bad[i]);
        memset(&got, 0, sizeof(got));
        pg_init(&g, PG_ETH, 0);
        exchange(&g, req, (size_t)n,
                 "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        st = run(&g, &got);
        if (st.dropped_unparsable != 1)
            print_error("case %zu\n", i);
        assert_int_equal(st.dropped_unparsable, 1);
        assert_int_equal(got.n, 1);
        assert_bytes(got.rb[0].rec.url, "/ok");
        assert_int_equal(got.rb[0].rec.status, 200);
        assert_int_equal(st.flows_http, 1);
        assert_int_equal(st.flows_other, 0);
        got_release(&got);
        pg_release(&g);
    }
    /* alone on its connection, still counted, and not an "other" flow */
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    exchange(&g, "OPTIONS\r\n\r\n", 11, NULL);
    st = run(&g, &got);
    assert_int_equal(got.n, 0);
    assert_int_equal(st.dropped_unparsable, 1);
    assert_int_equal(st.flows_http, 1);
    assert_int_equal(st.flows_other, 0);
    pg_release(&g);
    /* another protocol: not a request, counted as other */
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    exchange(&g, "*1\r\n$4\r\nPING\r\n", 14, "+PONG\r\n");
    st = run(&g, &got);
    assert_int_equal(got.n, 0);
    assert_int_equal(st.dropped_unparsable, 0);
    assert_int_equal(st.flows_other, 1);
    pg_release(&g);
}

/* Asterisk-form is recorded as "*"; absolute-form in origin form. */
static void test_request_targets(void **state)
{
    static const char req[] = "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"
                              "GET http://h:8080/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n";
    struct pg g;
    struct got got;

    (void)state;
    memset(&got, 0, sizeof(got));
    pg_init(&g, PG_ETH, 0);
    exchange(&g, req, sizeof(req) - 1,
             "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    run(&g, &got);
    assert_int_equal(got.n, 2);
    assert_bytes(got.rb[0].rec.method, "OPTIONS");
    assert_bytes(got.rb[0].rec.url, "*");
    assert_int_equal(got.rb[0].rec.status, 204);
    assert_bytes(got.rb[1].rec.url, "/p?q=1");
    assert_int_equal(got.rb[1].rec.status, 200);
    got_release(&got);
    pg_release(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_responses_keep_pairs),
        cmocka_unit_test(test_lost_first_and_last_response),
        cmocka_unit_test(test_response_cut_in_head),
        cmocka_unit_test(test_lost_request_response_unpaired),
        cmocka_unit_test(test_pipelined_loss_never_guessed),
        cmocka_unit_test(test_methods_any_token),
        cmocka_unit_test(test_body_never_searched),
        cmocka_unit_test(test_long_content_length),
        cmocka_unit_test(test_bodies_over_the_limit),
        cmocka_unit_test(test_malformed_request_lines_counted),
        cmocka_unit_test(test_request_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
