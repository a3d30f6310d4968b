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

#include "lt_capture.h"
#include "pcapgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXREC 128
#define MS 1000000LL

struct got {
    struct lt_recbuf rb[MAXREC];
    size_t n;
};

static int collect(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct got *g = ctx;

    (void)err;
    assert_true(g->n < MAXREC);
    lt_recbuf_init(&g->rb[g->n]);
    assert_int_equal(lt_recbuf_set(&g->rb[g->n], r), 0);
    g->n++;
    return 0;
}

static void got_release(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        lt_recbuf_release(&g->rb[i]);
    g->n = 0;
}

static struct lt_capture_stats run_opts(struct pg *g, const struct lt_capture_opts *o,
                                        struct got *out)
{
    char path[] = "/tmp/lt-capture-pair-XXXXXX";
    int fd = mkstemp(path);
    struct lt_pkt_source_opts so;
    struct lt_pkt_source *src;
    struct lt_capture *c;
    struct lt_capture_stats st;
    struct lt_err err;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pg_write(g, path), 0);
    memset(&so, 0, sizeof(so));
    so.file = path;
    src = lt_pkt_source_open(&so, &err);
    assert_non_null(src);
    c = lt_capture_new(o, collect, out, &err);
    assert_non_null(c);
    for (;;) {
        const uint8_t *p;
        size_t caplen;
        int64_t ts;
        int rc = lt_pkt_source_next(src, &p, &caplen, &ts, &err);
        if (rc == LT_E_TRUNCATED)
            break;
        assert_int_equal(rc, 1);
        assert_int_equal(lt_capture_packet(c, lt_pkt_source_datalink(src), ts, p, caplen, &err), 0);
    }
    assert_int_equal(lt_capture_finish(c, &err), 0);
    st = *lt_capture_stats(c);
    lt_capture_free(c);
    lt_pkt_source_free(src);
    unlink(path);
    return st;
}

static struct lt_capture_stats run(struct pg *g, struct got *out)
{
    struct lt_capture_opts o;

    memset(&o, 0, sizeof(o));
    return run_opts(g, &o, out);
}

static void assert_bytes(struct lt_bytes b, const char *s)
{
    if (b.len != strlen(s) || memcmp(b.p, s, b.len) != 0) {
        print_error("expected [%s], got [%.*s]\n", s, (int)b.len, (const char *)b.p);
        fail();
    }
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_responses_keep_pairs),
        cmocka_unit_test(test_lost_first_and_last_response),
        cmocka_unit_test(test_response_cut_in_head),
        cmocka_unit_test(test_lost_request_response_unpaired),
        cmocka_unit_test(test_pipelined_loss_never_guessed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
