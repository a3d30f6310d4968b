/*
 * test_http_parse.c - the HTTP/1.x parser, rule by rule (RFC 9112), and the
 * property every rule must keep: any split of the input gives the same
 * messages as the input fed whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lt_formats.h"

/* ---- a transcript of what the parser reports ---------------------------------- */

struct run_opts {
    enum lt_http_mode mode;
    int resync, seek_start, finish, show_continue;
    const struct lt_limits *limits;
    const unsigned *reqs; /* responses: LT_HTTP_REQ_* per request, ends with ~0u */
};

static void put_bytes(struct lt_buf *o, const char *tag, struct lt_bytes b)
{
    lt_buf_printf(o, "%s%zu:", tag, b.len);
    lt_buf_append(o, b.p, b.len);
    lt_buf_putc(o, '\n');
}

static void put_msg(struct lt_buf *o, const struct lt_http_msg *m)
{
    if (m->mode == LT_HTTP_REQUEST)
        lt_buf_printf(o, "REQ %.*s %.*s 1.%u", (int)m->method.len, m->method.p, (int)m->url.len,
                      m->url.p, m->version_minor);
    else
        lt_buf_printf(o, "RESP %u %.*s 1.%u", m->status, (int)m->reason.len, m->reason.p,
                      m->version_minor);
    lt_buf_printf(o, " flags=%#x at=%llu,%llu,%llu\n", m->flags,
                  (unsigned long long)m->start_offset, (unsigned long long)m->head_end_offset,
                  (unsigned long long)m->end_offset);
    for (size_t i = 0; i < m->nheaders; i++)
        lt_buf_printf(o, "H %.*s=%.*s\n", (int)m->headers[i].name.len, m->headers[i].name.p,
                      (int)m->headers[i].value.len, m->headers[i].value.p);
    for (size_t i = 0; i < m->ntrailers; i++)
        lt_buf_printf(o, "T %.*s=%.*s\n", (int)m->trailers[i].name.len, m->trailers[i].name.p,
                      (int)m->trailers[i].value.len, m->trailers[i].value.p);
    put_bytes(o, "B", m->body);
}

/*
 * Feeds in[0, n) in pieces of `step` bytes (0: whole) and writes a
 * transcript; returns it as a C string (caller frees).
 */
static char *run_split(const struct run_opts *ro, const char *in, size_t n, size_t step)
{
    struct lt_http_parser p;
    struct lt_http_parser_opts po = {
        .limits = ro->limits, .resync = ro->resync, .seek_start = ro->seek_start};
    struct lt_buf o;
    struct lt_http_msg m;
    struct lt_err err;
    size_t off = 0;
    int stop = 0;

    lt_buf_init(&o, 0);
    assert_int_equal(lt_http_parser_init(&p, ro->mode, &po), 0);
    for (size_t i = 0; ro->reqs && ro->reqs[i] != ~0u; i++)
        lt_http_parser_push_request(&p, ro->reqs[i]);
    while (off < n && !stop) {
        size_t len = step ? (n - off < step ? n - off : step) : n - off;
        const uint8_t *d = (const uint8_t *)in + off;
        /* Feed from a private copy so zero-copy views cannot outlive it unnoticed. */
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, d, len);
        size_t pos = 0;
        while (pos < len) {
            size_t used;
            int rc = lt_http_parser_feed(&p, copy + pos, len - pos, &used, &m, &err);
            pos += used;
            if (rc == LT_HTTP_MESSAGE) {
                put_msg(&o, &m);
            } else if (rc == LT_HTTP_CONTINUE) {
                if (ro->show_continue)
                    lt_buf_printf(&o, "CONTINUE %.*s\n", (int)m.url.len, m.url.p);
            } else if (rc < 0) {
                lt_buf_printf(&o, "ERR %d %d %s\n", rc, lt_http_parser_error_status(&p), err.msg);
                if (!ro->resync) {
                    stop = 1;
                    break;
                }
            } else {
                assert_int_equal(used, len - (pos - used));
            }
        }
        free(copy);
        off += len;
    }
    if (ro->finish && !stop) {
        int rc = lt_http_parser_finish(&p, &m, &err);
        if (rc == LT_HTTP_MESSAGE)
            put_msg(&o, &m);
        else if (rc < 0)
            lt_buf_printf(&o, "END-ERR %d %s\n", rc, err.msg);
    }
    lt_buf_printf(&o, "skipped=%llu tunnel=%llu\n", (unsigned long long)p.skipped_bytes,
                  (unsigned long long)p.tunnel_bytes);
    lt_http_parser_release(&p);
    lt_buf_cstr(&o);
    return (char *)o.data;
}

/* Runs whole and in every step size from 1 to 64 (and n); all must agree. */
static char *run_all(const struct run_opts *ro, const char *in, size_t n)
{
    char *whole = run_split(ro, in, n, 0);
    size_t steps[] = {1, 2, 3, 5, 7, 13, 64, 1000};

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char *t = run_split(ro, in, n, steps[i]);
        if (strcmp(t, whole) != 0) {
            fprintf(stderr, "step %zu differs:\n--- whole\n%s--- split\n%s", steps[i], whole, t);
            fail();
        }
        free(t);
    }
    return whole;
}

static char *req(const char *in)
{
    struct run_opts ro = {LT_HTTP_REQUEST, 0, 0, 1, 0, NULL, NULL};
    return run_all(&ro, in, strlen(in));
}

static void expect_req(const char *in, const char *want)
{
    char *got = req(in);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "input:\n%s\nwant:\n%sgot:\n%s", in, want, got);
        fail();
    }
    free(got);
}

/* The transcript holds an error line mentioning `what` with this status. */
static void expect_req_error(const char *in, int status, const char *what)
{
    char *got = req(in);
    char st[32];
    snprintf(st, sizeof(st), " %d ", status);
    if (!strstr(got, "ERR ") || !strstr(strstr(got, "ERR "), st) || !strstr(got, what)) {
        fprintf(stderr, "input:\n%s\nwant error %d '%s', got:\n%s", in, status, what, got);
        fail();
    }
    free(got);
}

/* ---- requests ------------------------------------------------------------------------ */

static void test_simple_get(void **state)
{
    (void)state;
    expect_req("GET /health?x=1 HTTP/1.1\r\nHost: a\r\nAccept:  */* \r\n\r\n",
               "REQ GET /health?x=1 1.1 flags=0x1 at=0,52,52\n"
               "H Host=a\nH Accept=*/*\nB0:\nskipped=0 tunnel=0\n");
}

static void test_zero_copy(void **state)
{
    static const char in[] = "POST /collect/web HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    size_t used;

    (void)state;
    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_REQUEST, NULL), 0);
    assert_int_equal(lt_http_parser_feed(&p, (const uint8_t *)in, sizeof(in) - 1, &used, &m, &err),
                     LT_HTTP_MESSAGE);
    assert_int_equal(used, sizeof(in) - 1);
    /* Whole message in one buffer: every view points into it. */
    assert_ptr_equal(m.method.p, (const uint8_t *)in);
    assert_ptr_equal(m.body.p, (const uint8_t *)in + sizeof(in) - 6);
    assert_ptr_equal(m.headers[0].value.p, (const uint8_t *)strstr(in, "5\r"));
    assert_true(lt_http_parser_idle(&p));
    lt_http_parser_release(&p);
}

static void test_pipelined(void **state)
{
    (void)state;
    expect_req("POST /collect/a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
               "GET /health HTTP/1.1\r\n\r\n"
               "POST /collect/b HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
               "REQ POST /collect/a 1.1 flags=0x1 at=0,47,50\nH Content-Length=3\nB3:abc\n"
               "REQ GET /health 1.1 flags=0x1 at=50,74,74\nB0:\n"
               "REQ POST /collect/b 1.1 flags=0 at=74,140,140\nH Content-Length=0\n"
               "H Connection=close\nB0:\nskipped=0 tunnel=0\n");
}

static void test_chunked(void **state)
{
    (void)state;
    expect_req("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5;name=val\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n"
               "X-Sum: 31\r\nX-B: 2\r\n\r\n"
               "GET / HTTP/1.1\r\n\r\n",
               "REQ POST /c 1.1 flags=0x3 at=0,48,123\nH Transfer-Encoding=chunked\n"
               "T X-Sum=31\nT X-B=2\nB31:helloabcdefghijklmnopqrstuvwxyz\n"
               "REQ GET / 1.1 flags=0x1 at=123,141,141\nB0:\nskipped=0 tunnel=0\n");
    /* No trailers, bare LF line ends in the chunk framing. */
    expect_req("POST /c HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\nabc\n0\n\n",
               "REQ POST /c 1.1 flags=0x3 at=0,54,63\nH Transfer-Encoding=gzip, chunked\n"
               "B3:abc\nskipped=0 tunnel=0\n");
}

static void test_bare_lf_and_leading_crlf(void **state)
{
    (void)state;
    expect_req("\r\n\r\nGET /a HTTP/1.0\nConnection: keep-alive\n\n",
               "REQ GET /a 1.0 flags=0x1 at=4,44,44\nH Connection=keep-alive\nB0:\n"
               "skipped=0 tunnel=0\n");
    expect_req("GET /a HTTP/1.0\r\n\r\n", "REQ GET /a 1.0 flags=0 at=0,19,19\nB0:\n"
                                          "skipped=0 tunnel=0\n");
}

/* Keep-alive: HTTP/1.1 unless "close" is among the Connection tokens; HTTP/1.0 only with
 * "keep-alive"; tokens are case-insensitive and may come in lists. */
static void test_keepalive(void **state)
{
    static const struct {
        const char *in;
        int keep;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1},
        {"GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", 0},
        {"GET / HTTP/1.0\r\n\r\n", 0},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", 0},
        {"POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\n",
         0},
    };
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    size_t used;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(lt_http_parser_init(&p, LT_HTTP_REQUEST, NULL), 0);
        assert_int_equal(lt_http_parser_feed(&p, (const uint8_t *)cases[i].in, strlen(cases[i].in),
                                             &used, &m, &err),
                         LT_HTTP_MESSAGE);
        if (((m.flags & LT_HTTP_F_KEEPALIVE) != 0) != cases[i].keep) {
            print_error("case %zu: keep-alive %d, want %d\n", i,
                        (m.flags & LT_HTTP_F_KEEPALIVE) != 0, cases[i].keep);
            fail();
        }
        lt_http_parser_release(&p);
    }
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_req_error("GET / HTTP/1.1\r\nX: a\r\n  folded\r\n\r\n", 400, "obsolete line folding");
    expect_req_error("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "whitespace before colon");
    expect_req_error("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400, "bare CR");
    expect_req_error("GET / HTTP/1.1\r\nX: a\001\r\n\r\n", 400, "control character");
    expect_req_error("GET  / HTTP/1.1\r\n\r\n", 400, "bad request target");
    expect_req_error("G(T / HTTP/1.1\r\n\r\n", 400, "bad request method");
    expect_req_error("GET / HTTP/1.1 \r\n\r\n", 400, "bad http version");
    expect_req_error("GET / HTTP/2.0\r\n\r\n", 505, "unsupported http version");
    expect_req_error("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "bad header line");
}

static void test_smuggling(void **state)
{
    (void)state;
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                     400, "both content-length and transfer-encoding");
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400,
                     "differing content-length");
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", 400,
                     "differing content-length");
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad content-length");
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400, "bad content-length");
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400, "bad content-length");
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
                     "bad content-length");
    expect_req_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
                     "chunked is not the final");
    expect_req_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n",
                     400, "chunked applied more than once");
    expect_req_error("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
                     "unsupported transfer-encoding");
    /* The same Content-Length twice is one value (RFC 9112 §6.3). */
    expect_req("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok",
               "REQ POST / 1.1 flags=0x1 at=0,60,62\nH Content-Length=2\n"
               "H Content-Length=2, 2\nB2:ok\nskipped=0 tunnel=0\n");
}

static void test_bad_chunks(void **state)
{
    static const char head[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    static const struct {
        const char *body, *what;
    } cases[] = {
        {"zz\r\n", "bad chunk size"},
        {"\r\n", "missing chunk size"},
        {";ext\r\n", "bad chunk size"},
        {"5 x\r\nhello\r\n0\r\n\r\n", "bad chunk extension"},
        {"10000000000000000\r\n", "chunk size too large"},
        {"3\r\nabcX\r\n", "missing CRLF after chunk data"},
        {"3\rabc", "bare CR"},
        {"-3\r\n", "bad chunk size"},
    };
    char in[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(in, sizeof(in), "%s%s", head, cases[i].body);
        expect_req_error(in, 400, cases[i].what);
    }
    /* Whitespace before an extension is tolerated (BWS). */
    expect_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2 ;a=\"b\"\r\nok\r\n0\r\n\r\n",
               "REQ POST / 1.1 flags=0x3 at=0,47,66\nH Transfer-Encoding=chunked\nB2:ok\n"
               "skipped=0 tunnel=0\n");
}

static void test_limits(void **state)
{
    struct lt_buf in;
    struct lt_limits small = {64, 128, 4, 10};
    struct run_opts ro = {LT_HTTP_REQUEST, 0, 0, 0, 0, &small, NULL};
    char *got;

    (void)state;
    lt_buf_init(&in, 0);
    /* Request line of 8 KiB + 1. */
    lt_buf_puts(&in, "GET /");
    for (size_t i = 0; i < LT_LIMIT_URL; i++)
        lt_buf_putc(&in, 'a');
    lt_buf_puts(&in, " HTTP/1.1\r\n\r\n");
    lt_buf_cstr(&in);
    expect_req_error((char *)in.data, 414, "8192-byte url limit");
    /* A request line of exactly the limit passes. */
    lt_buf_reset(&in);
    lt_buf_puts(&in, "GET /");
    for (size_t i = 0; i < LT_LIMIT_URL - 5 - 9; i++)
        lt_buf_putc(&in, 'a');
    lt_buf_puts(&in, " HTTP/1.1\r\n\r\n");
    lt_buf_cstr(&in);
    got = req((char *)in.data);
    assert_non_null(strstr(got, "REQ GET /aaa"));
    free(got);
    /* Headers over 64 KiB. */
    lt_buf_reset(&in);
    lt_buf_puts(&in, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 70; i++) {
        lt_buf_printf(&in, "X-%d: ", i);
        for (int j = 0; j < 1000; j++)
            lt_buf_putc(&in, 'v');
        lt_buf_puts(&in, "\r\n");
    }
    lt_buf_puts(&in, "\r\n");
    lt_buf_cstr(&in);
    expect_req_error((char *)in.data, 431, "65536-byte limit");
    /* 257 headers. */
    lt_buf_reset(&in);
    lt_buf_puts(&in, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 257; i++)
        lt_buf_printf(&in, "X-%d: v\r\n", i);
    lt_buf_puts(&in, "\r\n");
    lt_buf_cstr(&in);
    expect_req_error((char *)in.data, 431, "more than 256 headers");
    lt_buf_release(&in);
    /* A declared body over 64 MiB is refused at the head, before any body byte. */
    expect_req_error("POST / HTTP/1.1\r\nContent-Length: 67108865\r\n\r\n", 413,
                     "67108864-byte limit");

    /* Small limits: a chunked body growing past body_max. */
    {
        static const char in2[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n";
        got = run_all(&ro, in2, sizeof(in2) - 1);
    }
    assert_non_null(strstr(got, "ERR -3 413 body exceeds the 10-byte limit"));
    free(got);
    /* Small limits: five headers. */
    {
        static const char in3[] = "GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\ne: 5\r\n\r\n";
        got = run_all(&ro, in3, sizeof(in3) - 1);
    }
    assert_non_null(strstr(got, "ERR -3 431 more than 4 headers"));
    free(got);
}

static void test_expect_continue(void **state)
{
    struct run_opts ro = {LT_HTTP_REQUEST, 0, 0, 0, 1, NULL, NULL};
    static const char head[] =
        "POST /c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
    struct lt_buf in;
    char *got;

    (void)state;
    /* Head alone first: CONTINUE, then the message once the body comes. */
    got = run_split(&ro, head, strlen(head), 0);
    assert_string_equal(got, "CONTINUE /c\nskipped=0 tunnel=0\n");
    free(got);
    lt_buf_init(&in, 0);
    lt_buf_puts(&in, head);
    lt_buf_puts(&in, "body");
    got = run_split(&ro, (const char *)in.data, in.len, strlen(head));
    assert_non_null(strstr(got, "CONTINUE /c\nREQ POST /c 1.1 flags=0x9"));
    assert_non_null(strstr(got, "B4:body\n"));
    free(got);
    /* Body sent along with the head: no CONTINUE. */
    got = run_split(&ro, (const char *)in.data, in.len, 0);
    assert_null(strstr(got, "CONTINUE"));
    free(got);
    lt_buf_release(&in);
}

static void test_truncated_and_gap(void **state)
{
    struct run_opts ro = {LT_HTTP_REQUEST, 0, 0, 1, 0, NULL, NULL};
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    size_t used;
    char *got;
    static const char a[] = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123";
    static const char b[] = "789GET /n HTTP/1.1\r\n\r\n";

    (void)state;
    got = run_all(&ro, a, strlen(a));
    assert_non_null(strstr(got, "flags=0x41 at=0,39,43\nH Content-Length=10\nB4:0123\n"));
    free(got);
    got = run_all(&ro, "GET / HTTP/1.1\r\nHost", 20);
    assert_non_null(strstr(got, "END-ERR -7 stream ended inside a message head"));
    free(got);

    /* Three body bytes lost: the message survives, flagged. */
    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_REQUEST, NULL), 0);
    assert_int_equal(lt_http_parser_feed(&p, (const uint8_t *)a, strlen(a), &used, &m, &err), 0);
    assert_int_equal(lt_http_parser_gap(&p, 3), 1);
    assert_int_equal(lt_http_parser_feed(&p, (const uint8_t *)b, strlen(b), &used, &m, &err),
                     LT_HTTP_MESSAGE);
    assert_int_equal(m.flags & LT_HTTP_F_GAP, LT_HTTP_F_GAP);
    assert_int_equal(m.body.len, 7);
    assert_int_equal(m.end_offset, 49);
    assert_memory_equal(m.body.p, "0123789", 7);
    assert_int_equal(
        lt_http_parser_feed(&p, (const uint8_t *)b + used, strlen(b) - used, &used, &m, &err),
        LT_HTTP_MESSAGE);
    assert_int_equal(m.start_offset, 49);
    assert_memory_equal(m.url.p, "/n", 2);
    /* A gap in a head drops the message and seeks the next start line. */
    assert_int_equal(lt_http_parser_feed(&p, (const uint8_t *)"GET /x HT", 9, &used, &m, &err), 0);
    assert_int_equal(lt_http_parser_gap(&p, 100), 0);
    assert_int_equal(lt_http_parser_feed(&p, (const uint8_t *)"xx\r\n\r\nGET /y HTTP/1.1\r\n\r\n",
                                         25, &used, &m, &err),
                     LT_HTTP_MESSAGE);
    assert_memory_equal(m.url.p, "/y", 2);
    assert_true(m.flags & LT_HTTP_F_RESYNCED);
    lt_http_parser_release(&p);
}

static void test_sticky_error(void **state)
{
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    size_t used;

    (void)state;
    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_REQUEST, NULL), 0);
    assert_int_equal(lt_http_parser_feed(&p, (const uint8_t *)"BAD\r\n\r\n", 7, &used, &m, &err),
                     LT_E_FORMAT);
    assert_int_equal(
        lt_http_parser_feed(&p, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, &used, &m, &err),
        LT_E_FORMAT);
    assert_int_equal(used, 0);
    assert_int_equal(p.errors, 1);
    lt_http_parser_release(&p);
}

static void test_resync(void **state)
{
    struct run_opts ro = {LT_HTTP_REQUEST, 1, 1, 0, 0, NULL, NULL};
    static const char in[] = "ody\":1}\r\n\x16\x03\x01garbageGET / HTTP/1.1\r\nHost: a\r\n\r\n"
                             "POST HTTP/1.1\r\n\r\nPOSTGET /b HTTP/1.1\r\n\r\n";
    char *got;

    (void)state;
    /* A capture that starts mid-body, with a broken request in between: the
     * broken request line is an error (it starts like one); mid-line only a
     * common method is sought ("garbageGET" is not a method), at a line start
     * any token is one ("POSTGET"). */
    got = run_all(&ro, in, sizeof(in) - 1);
    assert_string_equal(got, "REQ GET / 1.1 flags=0x101 at=19,46,46\nH Host=a\nB0:\n"
                             "ERR -2 400 bad request target at stream offset 46\n"
                             "REQ POSTGET /b 1.1 flags=0x101 at=63,86,86\nB0:\n"
                             "skipped=21 tunnel=0\n");
    free(got);
    /* Errors are reported and parsing goes on. */
    ro.seek_start = 0;
    got = run_all(&ro, "GET / HTTP/1.1\r\nX : y\r\n\r\nGET /ok HTTP/1.1\r\n\r\n", 45);
    assert_string_equal(got, "ERR -2 400 whitespace before colon at stream offset 0\n"
                             "REQ GET /ok 1.1 flags=0x1 at=25,45,45\nB0:\nskipped=0 tunnel=0\n");
    free(got);
}

/* ---- responses ---------------------------------------------------------------------- */

static char *resp(const char *in, const unsigned *reqs)
{
    struct run_opts ro = {LT_HTTP_RESPONSE, 0, 0, 1, 0, NULL, reqs};
    return run_all(&ro, in, strlen(in));
}

static void test_responses(void **state)
{
    static const unsigned head_first[] = {LT_HTTP_REQ_HEAD, 0, ~0u};
    static const unsigned plain[] = {0, 0, 0, ~0u};
    static const unsigned connect[] = {LT_HTTP_REQ_CONNECT, ~0u};
    char *got;

    (void)state;
    /* HEAD: Content-Length but no body; then a normal one. */
    got = resp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
               "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok",
               head_first);
    assert_string_equal(got, "RESP 200 OK 1.1 flags=0x1 at=0,38,38\nH Content-Length=5\nB0:\n"
                             "RESP 202 Accepted 1.1 flags=0x1 at=38,82,84\nH Content-Length=2\n"
                             "B2:ok\nskipped=0 tunnel=0\n");
    free(got);
    /* 100 Continue is interim; 204 and 304 have no body; then close-delimited. */
    got = resp("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
               "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"
               "HTTP/1.0 200\r\n\r\nuntil the end",
               plain);
    assert_string_equal(got, "RESP 100 Continue 1.1 flags=0x5 at=0,25,25\nB0:\n"
                             "RESP 204 No Content 1.1 flags=0x1 at=25,52,52\nB0:\n"
                             "RESP 304 Not Modified 1.1 flags=0x1 at=52,100,100\n"
                             "H Content-Length=9\nB0:\n"
                             "RESP 200  1.0 flags=0x20 at=100,116,129\nB13:until the end\n"
                             "skipped=0 tunnel=0\n");
    free(got);
    /* Chunked response. */
    got = resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", plain);
    assert_non_null(strstr(got, "flags=0x3 at=0,47,59\nH Transfer-Encoding=chunked\nB2:hi\n"));
    free(got);
    /* 101 and CONNECT 2xx turn the stream into a tunnel. */
    got =
        resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello", plain);
    assert_non_null(strstr(got, "flags=0x11"));
    assert_non_null(strstr(got, "tunnel=7\n"));
    free(got);
    got = resp("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01", connect);
    assert_non_null(strstr(got, "flags=0x11"));
    assert_non_null(strstr(got, "tunnel=3\n"));
    free(got);
    /* Smuggling ambiguity in a response is refused as well. */
    got = resp("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", plain);
    assert_non_null(strstr(got, "ERR -2 502 both content-length and transfer-encoding"));
    free(got);
    got = resp("HTTP/1.1 2000 OK\r\n\r\n", plain);
    assert_non_null(strstr(got, "bad status line"));
    free(got);
    assert_int_equal(lt_http_request_bits((const uint8_t *)"HEAD", 4), LT_HTTP_REQ_HEAD);
    assert_int_equal(lt_http_request_bits((const uint8_t *)"CONNECT", 7), LT_HTTP_REQ_CONNECT);
    assert_int_equal(lt_http_request_bits((const uint8_t *)"GET", 3), 0);
}

static void test_response_resync(void **state)
{
    struct run_opts ro = {LT_HTTP_RESPONSE, 1, 1, 0, 0, NULL, NULL};
    static const char in[] = "tail of a body HTTP/1.1 202 Accepted\r\nContent-Length: 1\r\n\r\nx";
    char *got;

    (void)state;
    got = run_all(&ro, in, sizeof(in) - 1);
    assert_string_equal(got, "RESP 202 Accepted 1.1 flags=0x101 at=15,59,60\n"
                             "H Content-Length=1\nB1:x\nskipped=15 tunnel=0\n");
    free(got);
}

/*
 * Issue 16: garbage, then a response without header fields, the first
 * message of the parser, once computed its (empty) trailer list as NULL plus
 * zero, undefined behaviour that UBSan reports.
 */
static void test_response_no_fields_after_garbage(void **state)
{
    struct run_opts ro = {LT_HTTP_RESPONSE, 1, 0, 1, 0, NULL, NULL};
    static const char in[] = ";\x00.1\r\r\nHTTP/1.0 214 OK\r\n\r\nhi";
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    size_t used;
    char *got;

    (void)state;
    got = run_all(&ro, in, sizeof(in) - 1);
    assert_string_equal(got, "RESP 214 OK 1.0 flags=0x120 at=7,26,28\nB2:hi\nskipped=7 tunnel=0\n");
    free(got);
    /* Field lists are never NULL, even empty. */
    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_RESPONSE, NULL), 0);
    assert_int_equal(
        lt_http_parser_feed(&p, (const uint8_t *)"HTTP/1.1 204 \r\n\r\n", 17, &used, &m, &err),
        LT_HTTP_MESSAGE);
    assert_int_equal(m.nheaders + m.ntrailers, 0);
    assert_non_null(m.headers);
    assert_non_null(m.trailers);
    lt_http_parser_release(&p);
}

/* Random inputs built from valid pieces: splits never change the transcript. */
static void test_random_splits(void **state)
{
    static const char *const pieces[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /collect/web HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
        "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n",
        "\r\n",
        "garbage\r\n\r\n",
        "PUT /x HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi",
    };
    struct lt_rng rng;
    struct run_opts ro = {LT_HTTP_REQUEST, 1, 0, 1, 0, NULL, NULL};

    (void)state;
    lt_rng_seed(&rng, 42);
    for (int round = 0; round < 200; round++) {
        struct lt_buf in;
        char *whole, *t;
        lt_buf_init(&in, 0);
        for (int k = (int)lt_rng_below(&rng, 8); k >= 0; k--)
            lt_buf_puts(&in, pieces[lt_rng_below(&rng, 6)]);
        ro.resync = (int)lt_rng_below(&rng, 2);
        whole = run_split(&ro, (const char *)in.data, in.len, 0);
        t = run_split(&ro, (const char *)in.data, in.len, 1 + lt_rng_below(&rng, 20));
        assert_string_equal(whole, t);
        free(whole);
        free(t);
        lt_buf_release(&in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_zero_copy),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_bare_lf_and_leading_crlf),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_smuggling),
        cmocka_unit_test(test_bad_chunks),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_truncated_and_gap),
        cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_resync),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_response_resync),
        cmocka_unit_test(test_response_no_fields_after_garbage),
        cmocka_unit_test(test_random_splits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
