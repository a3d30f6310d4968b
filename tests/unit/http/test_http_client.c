/*
 * test_http_client.c - the HTTP/1.x parser in response mode, as a client
 * reading its own connection sees it: a table of responses, each fed whole,
 * split in two at every byte and fed one byte at a time, with bodies kept
 * and with discard_body, always followed by one more response on the same
 * connection (unless the stream ends the body). Then bodies past the body
 * limit, and the promise that a warmed-up parser allocates nothing per
 * message (malloc, calloc and realloc are wrapped by the linker, see
 * CMakeLists.txt).
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

/* ---- counting allocations ------------------------------------------------------ */

static int counting;
static unsigned long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    allocs += counting;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    allocs += counting;
    return __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    allocs += counting;
    return __real_realloc(p, n);
}

/* ---- the table ------------------------------------------------------------------ */

#define KA LT_HTTP_F_KEEPALIVE
#define CHUNKED LT_HTTP_F_CHUNKED
#define INTERIM LT_HTTP_F_INTERIM
#define CLOSE_DELIM LT_HTTP_F_CLOSE_DELIMITED
#define HEAD LT_HTTP_REQ_HEAD

struct want {
    uint16_t status; /* 0 ends the list */
    uint32_t flags;
    const char *body; /* decoded; body_len is its length */
    size_t ntrailers;
};

struct client_case {
    const char *name;
    const char *in;
    unsigned reqs[4]; /* pushed before feeding, in order: what each request was */
    size_t nreqs;
    int eof; /* the stream ends after `in`; lt_http_parser_finish ends the last body */
    struct want want[5];
};

/* Appended to every case whose stream does not end: the connection still works. */
static const char next_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext";
static const struct want next_want = {200, KA, "next", 0};

static const struct client_case cases[] = {
    {"content-length",
     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
     .want = {{200, KA, "hello", 0}}},
    {"content-length 0", "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
     .want = {{202, KA, "", 0}}},
    {"chunked, extensions, trailers",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "5;a=b\r\nhello\r\n6 ; name=\"v;x\"\r\n world\r\n0;last\r\nX-Sum: 11\r\nX-B: 2\r\n\r\n",
     .want = {{200, KA | CHUNKED, "hello world", 2}}},
    {"chunked, no trailers, bare LF",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\nabc\n0\n\n",
     .want = {{200, KA | CHUNKED, "abc", 0}}},
    {"chunked in HTTP/1.0 is never kept alive",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
     "2\r\nok\r\n0\r\n\r\n",
     .want = {{200, CHUNKED, "ok", 0}}},
    {"close-delimited", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end\r\n",
     .eof = 1, .want = {{200, CLOSE_DELIM, "until the end\r\n", 0}}},
    {"close-delimited, HTTP/1.0, empty", "HTTP/1.0 500 Internal Server Error\r\n\r\n", .eof = 1,
     .want = {{500, CLOSE_DELIM, "", 0}}},
    {"100 continue",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
     .want = {{100, KA | INTERIM, "", 0}, {201, KA, "ok", 0}}},
    {"103 early hints",
     "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
     .want = {{103, KA | INTERIM, "", 0}, {200, KA, "abc", 0}}},
    {"100 then 103 then a close-delimited final",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </b.js>\r\n\r\n"
     "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbye",
     .eof = 1,
     .want = {{100, KA | INTERIM, "", 0},
              {103, KA | INTERIM, "", 0},
              {200, CLOSE_DELIM, "bye", 0}}},
    {"HEAD: content-length, no body", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
     .reqs = {HEAD}, .nreqs = 1, .want = {{200, KA, "", 0}}},
    {"HEAD: chunked, no body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
     .reqs = {HEAD}, .nreqs = 1, .want = {{200, KA, "", 0}}}, /* no body came, chunked or not */
    {"HEAD after an interim response",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", .reqs = {HEAD},
     .nreqs = 1, .want = {{100, KA | INTERIM, "", 0}, {200, KA, "", 0}}},
    {"204", "HTTP/1.1 204 No Content\r\n\r\n", .want = {{204, KA, "", 0}}},
    {"304 with content-length",
     "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: \"x\"\r\n\r\n",
     .want = {{304, KA, "", 0}}},
    {"connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
     .want = {{200, 0, "ok", 0}}},
    {"connection: keep-alive, close",
     "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n",
     .want = {{200, 0, "", 0}}},
    {"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", .want = {{200, 0, "ok", 0}}},
    {"HTTP/1.0 keep-alive",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
     .want = {{200, KA, "ok", 0}}},
    {"three back to back",
     "HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"accepted\":1}\n"
     "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
     "4\r\nbusy\r\n0\r\nRetry-After: 1\r\n\r\n"
     "HTTP/1.1 204 No Content\r\n\r\n",
     .want = {{202, KA, "{\"accepted\":1}\n", 0},
              {503, KA | CHUNKED, "busy", 1},
              {204, KA, "", 0}}},
    {"three back to back, the second to HEAD",
     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc",
     .reqs = {0, HEAD, 0}, .nreqs = 3,
     .want = {{200, KA, "a", 0}, {200, KA, "", 0}, {200, KA, "c", 0}}},
};

/* ---- running a case --------------------------------------------------------------- */

static void put_msg(struct lt_buf *o, const struct lt_http_msg *m, int discard)
{
    /* The two ways of saying the length must agree; nothing is kept when discarding. */
    if (discard)
        assert_int_equal(m->body.len, 0);
    else
        assert_int_equal(m->body_len, m->body.len);
    lt_buf_printf(o, "%u flags=%#x len=%llu trailers=%zu body=", m->status, m->flags,
                  (unsigned long long)m->body_len, m->ntrailers);
    lt_buf_append(o, m->body.p, m->body.len);
    lt_buf_putc(o, '\n');
}

static void put_want(struct lt_buf *o, const struct want *w, int discard)
{
    lt_buf_printf(o, "%u flags=%#x len=%zu trailers=%zu body=%s\n", w->status, w->flags,
                  strlen(w->body), w->ntrailers, discard ? "" : w->body);
}

/*
 * Feeds in[0, n) to a fresh response parser: whole (step 0, cut 0), cut in
 * two at `cut`, or in pieces of `step` bytes; then ends the stream when
 * `eof`. Each piece is a private copy, freed after use, so a view that
 * outlived it would show. Returns the transcript (caller frees).
 */
static char *run(const struct client_case *c, const char *in, size_t n, int discard, size_t step,
                 size_t cut)
{
    struct lt_http_parser_opts po = {.discard_body = discard};
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    struct lt_buf o;
    size_t off = 0;
    int rc;

    lt_buf_init(&o, 0);
    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_RESPONSE, &po), 0);
    for (size_t i = 0; i < c->nreqs; i++)
        assert_int_equal(lt_http_parser_push_request(&p, c->reqs[i]), 0);
    while (off < n) {
        size_t len = step ? step : (cut && off < cut ? cut : n - off), pos = 0;
        uint8_t *piece;
        if (len > n - off)
            len = n - off;
        piece = malloc(len);
        assert_non_null(piece);
        memcpy(piece, in + off, len);
        while (pos < len) {
            size_t used;
            rc = lt_http_parser_feed(&p, piece + pos, len - pos, &used, &m, &err);
            if (rc < 0)
                fail_msg("%s: error at offset %zu: %s", c->name, off + pos, err.msg);
            pos += used;
            if (rc == LT_HTTP_MESSAGE)
                put_msg(&o, &m, discard);
            else
                assert_int_equal(rc == LT_HTTP_NEED_MORE && pos == len, 1);
        }
        free(piece);
        /* An empty feed changes nothing, wherever the parser is. */
        {
            size_t used = 1;
            assert_int_equal(lt_http_parser_feed(&p, NULL, 0, &used, &m, &err), 0);
            assert_int_equal(used, 0);
        }
        off += len;
    }
    rc = lt_http_parser_finish(&p, &m, &err);
    if (c->eof) {
        assert_int_equal(rc, LT_HTTP_MESSAGE);
        put_msg(&o, &m, discard);
    } else {
        /* Every response ended on its own: nothing was pending. */
        assert_int_equal(rc, 0);
        assert_true(lt_http_parser_idle(&p));
    }
    lt_buf_printf(&o, "messages=%llu errors=%llu\n", (unsigned long long)p.messages,
                  (unsigned long long)p.errors);
    lt_http_parser_release(&p);
    lt_buf_cstr(&o);
    return (char *)o.data;
}

static void check(const struct client_case *c, const char *in, size_t n, int discard, size_t step,
                  size_t cut, const char *want)
{
    char *got = run(c, in, n, discard, step, cut);
    if (strcmp(got, want) != 0) {
        print_error("case '%s', discard_body=%d, step=%zu, cut=%zu\nwant:\n%sgot:\n%s", c->name,
                    discard, step, cut, want, got);
        fail();
    }
    free(got);
}

static void test_response_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct client_case *c = &cases[i];
        struct lt_buf in, want;
        size_t nmsg = 0;

        lt_buf_init(&in, 0);
        lt_buf_puts(&in, c->in);
        if (!c->eof)
            lt_buf_puts(&in, next_resp);
        for (int discard = 0; discard <= 1; discard++) {
            lt_buf_init(&want, 0);
            for (nmsg = 0; c->want[nmsg].status; nmsg++)
                put_want(&want, &c->want[nmsg], discard);
            if (!c->eof) {
                put_want(&want, &next_want, discard);
                nmsg++;
            }
            lt_buf_printf(&want, "messages=%zu errors=0\n", nmsg);
            lt_buf_cstr(&want);
            check(c, (const char *)in.data, in.len, discard, 0, 0, (const char *)want.data);
            check(c, (const char *)in.data, in.len, discard, 1, 0, (const char *)want.data);
            for (size_t cut = 1; cut < in.len; cut++)
                check(c, (const char *)in.data, in.len, discard, 0, cut, (const char *)want.data);
            lt_buf_release(&want);
        }
        lt_buf_release(&in);
    }
}

/* ---- bodies past the body limit ----------------------------------------------------- */

#define MIB ((uint64_t)1 << 20)

/*
 * Feeds head, then `body` bytes of 'x' in 64 KiB pieces, then tail (may be
 * NULL). Returns the first error (negative) or the number of messages, with
 * the last one's status and body_len; with eof, finish() ends the stream.
 */
static int feed_big(struct lt_http_parser *p, const char *head, uint64_t body, const char *tail,
                    int eof, uint16_t *status, uint64_t *body_len, uint32_t *flags)
{
    static uint8_t xs[64 * 1024];
    struct lt_http_msg m;
    struct lt_err err;
    int nmsg = 0;

    memset(xs, 'x', sizeof(xs));
    for (int part = 0; part < 3; part++) {
        const uint8_t *d = part == 0 ? (const uint8_t *)head : (const uint8_t *)tail;
        uint64_t left = part == 0 ? strlen(head) : part == 1 ? body : tail ? strlen(tail) : 0;
        while (left) {
            size_t len = left < sizeof(xs) ? (size_t)left : sizeof(xs), used;
            int rc = lt_http_parser_feed(p, part == 1 ? xs : d, len, &used, &m, &err);
            if (rc < 0)
                return rc;
            if (rc == LT_HTTP_MESSAGE) {
                nmsg++;
                *status = m.status;
                *body_len = m.body_len;
                *flags = m.flags;
                assert_int_equal(m.body.len, 0);
            }
            if (part != 1)
                d += used;
            left -= used;
        }
    }
    if (eof) {
        int rc = lt_http_parser_finish(p, &m, &err);
        if (rc < 0)
            return rc;
        if (rc == LT_HTTP_MESSAGE) {
            nmsg++;
            *status = m.status;
            *body_len = m.body_len;
            *flags = m.flags;
        }
    }
    return nmsg;
}

/* One response of each framing with a 100 MiB body (the limit is 64 MiB). */
static void test_discard_big_bodies(void **state)
{
    static const struct {
        const char *head, *tail;
        int eof;
        uint32_t flags;
    } big[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n", NULL, 0, KA},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6400000;big\r\n",
         "\r\n0\r\nX-T: 1\r\n\r\n", 0, KA | CHUNKED},
        {"HTTP/1.1 200 OK\r\n\r\n", NULL, 1, CLOSE_DELIM},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        for (int discard = 0; discard <= 1; discard++) {
            struct lt_http_parser_opts po = {.discard_body = discard};
            struct lt_http_parser p;
            uint16_t status = 0;
            uint64_t len = 0;
            uint32_t flags = 0;
            int rc;

            assert_int_equal(lt_http_parser_init(&p, LT_HTTP_RESPONSE, &po), 0);
            rc = feed_big(&p, big[i].head, 100 * MIB, big[i].tail, big[i].eof, &status, &len,
                          &flags);
            if (!discard) {
                assert_int_equal(rc, LT_E_LIMIT); /* kept bodies stay bounded */
            } else {
                assert_int_equal(rc, 1);
                assert_int_equal(status, 200);
                assert_int_equal(len, 100 * MIB);
                assert_int_equal(flags, big[i].flags);
                if (!big[i].eof) {
                    /* The connection goes on. */
                    rc = feed_big(&p, next_resp, 0, NULL, 0, &status, &len, &flags);
                    assert_int_equal(rc, 1);
                    assert_int_equal(len, 4);
                }
            }
            lt_http_parser_release(&p);
        }
    }
}

/* Content-Length takes the whole uint64_t range with discard_body, and no more. */
static void test_discard_content_length_range(void **state)
{
    struct lt_http_parser_opts po = {.discard_body = 1};
    struct lt_http_parser p;
    uint16_t status = 0;
    uint64_t len = 0;
    uint32_t flags = 0;

    (void)state;
    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_RESPONSE, &po), 0);
    /* The stream ends after 3 MiB: the response comes out truncated, counted. */
    assert_int_equal(feed_big(&p, "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
                              3 * MIB, NULL, 1, &status, &len, &flags),
                     1);
    assert_int_equal(len, 3 * MIB);
    assert_int_equal(flags, KA | LT_HTTP_F_TRUNCATED);
    lt_http_parser_release(&p);

    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_RESPONSE, &po), 0);
    assert_int_equal(feed_big(&p, "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
                              0, NULL, 0, &status, &len, &flags),
                     LT_E_FORMAT);
    lt_http_parser_release(&p);

    /* Leading zeros do not overflow. */
    assert_int_equal(lt_http_parser_init(&p, LT_HTTP_RESPONSE, &po), 0);
    assert_int_equal(feed_big(&p,
                              "HTTP/1.1 200 OK\r\nContent-Length: 000000000000000000000002\r\n\r\n",
                              2, NULL, 0, &status, &len, &flags),
                     1);
    assert_int_equal(len, 2);
    lt_http_parser_release(&p);
}

/* ---- no allocation per message ------------------------------------------------------ */

/*
 * After a warm-up, a long run of small responses of every framing, fed whole
 * and one byte at a time, allocates nothing, bodies kept or not.
 */
static void test_no_alloc_per_message(void **state)
{
    static const char mix[] =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
        "{\"accepted\":1}\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 321\r\n\r\n" /* to HEAD */
        "HTTP/1.1 204 No Content\r\nDate: Tue, 01 Dec 2026 08:00:00 GMT\r\n\r\n";
    const size_t n = sizeof(mix) - 1, per_round = 5;

    (void)state;
    for (int discard = 0; discard <= 1; discard++) {
        struct lt_http_parser_opts po = {.discard_body = discard};
        struct lt_http_parser p;
        struct lt_http_msg m;
        struct lt_err err;
        uint64_t want = 0, sum = 0;

        assert_int_equal(lt_http_parser_init(&p, LT_HTTP_RESPONSE, &po), 0);
        for (int round = 0; round < 1000; round++) {
            /* Rounds 0 and 1 warm up: whole, then byte by byte. */
            size_t step = (round & 1) ? 1 : n, off = 0;
            if (round == 2) {
                allocs = 0;
                counting = 1;
            }
            lt_http_parser_push_request(&p, 0);
            lt_http_parser_push_request(&p, 0);
            lt_http_parser_push_request(&p, LT_HTTP_REQ_HEAD);
            lt_http_parser_push_request(&p, 0);
            while (off < n) {
                size_t used;
                int rc = lt_http_parser_feed(&p, (const uint8_t *)mix + off,
                                             n - off < step ? n - off : step, &used, &m, &err);
                assert_true(rc >= 0);
                if (rc == LT_HTTP_MESSAGE)
                    sum += m.body_len;
                off += used;
            }
            want += 15 + 11;
        }
        counting = 0;
        assert_int_equal(p.messages, 1000 * per_round);
        assert_int_equal(sum, want);
        if (allocs) {
            print_error("discard_body=%d: %lu allocations in 998 rounds\n", discard, allocs);
            fail();
        }
        lt_http_parser_release(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_table),
        cmocka_unit_test(test_discard_big_bodies),
        cmocka_unit_test(test_discard_content_length_range),
        cmocka_unit_test(test_no_alloc_per_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
