/* test_request.c - what goes on the wire: target, headers, Content-Length, fresh ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_replay.h"

#define B(s)                                                                                       \
    {                                                                                              \
        (const uint8_t *)(s), sizeof(s) - 1                                                        \
    }

/* Header i as "Name: value" ("Name:" when empty), as the serializer writes it. */
static const char *line_of(const struct lt_request *rq, size_t i)
{
    static char buf[256];
    const struct lt_header *h = &rq->hdrs[i];

    snprintf(buf, sizeof(buf), "%.*s:%s%.*s", (int)h->name.len, (const char *)h->name.p,
             h->value.len ? " " : "", (int)h->value.len, (const char *)h->value.p);
    return buf;
}

static int has_line(const struct lt_request *rq, const char *line)
{
    for (size_t i = 0; i < rq->nhdrs; i++)
        if (strcmp(line_of(rq, i), line) == 0)
            return 1;
    return 0;
}

static void test_target(void **state)
{
    struct lt_target t;
    struct lt_err err;
    (void)state;
    assert_int_equal(lt_target_parse(&t, "http://127.0.0.1:8080", &err), 0);
    assert_string_equal(t.base, "http://127.0.0.1:8080");
    assert_string_equal(t.host, "127.0.0.1:8080");
    assert_int_equal(lt_target_parse(&t, "HTTPS://[::1]:8443/staging/", &err), 0);
    assert_string_equal(t.base, "https://[::1]:8443/staging");
    assert_string_equal(t.host, "[::1]:8443");
    assert_int_equal(lt_target_parse(&t, "ftp://x", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://h/p?q=1", &err), LT_E_USAGE);
    /* scheme, host, port 1-65535, no fragment, no user information */
    assert_int_equal(lt_target_parse(&t, "http://127.0.0.1:99999", &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "port"));
    assert_int_equal(lt_target_parse(&t, "http://127.0.0.1:0", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://127.0.0.1:", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://127.0.0.1:80x", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://h/p#frag", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://u:p@h/", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://:80/", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://[::1/", &err), LT_E_USAGE);
    assert_int_equal(lt_target_parse(&t, "http://[::1]:8080/p/", &err), 0);
    assert_string_equal(t.hostname, "::1");
    assert_int_equal(t.port, 8080);
    assert_string_equal(t.origin, "http://[::1]:8080");
    assert_string_equal(t.prefix, "/p");
    assert_int_equal(lt_target_parse(&t, "https://example.test", &err), 0);
    assert_int_equal(t.port, 443);
    assert_true(t.https);
    assert_string_equal(t.prefix, "");
}

static void test_headers(void **state)
{
    struct lt_target t;
    struct lt_err err;
    struct lt_header hs[] = {
        {B("Host"), B("prod.example.com")},
        {B("Connection"), B("keep-alive, X-Hop")},
        {B("X-Hop"), B("1")},
        {B("Keep-Alive"), B("timeout=5")},
        {B("Transfer-Encoding"), B("chunked")},
        {B("Content-Type"), B("application/json")},
        {B("Content-Length"), B("999")},
        {B("X-Trace"), B("abc")},
        {B("X-Drop"), B("gone")},
        {B("X-Empty"), B("")},
        {B("X-Evil"), B("a\r\nInjected: 1")},
        {B("User-Agent"), B("recorded/1.0")},
        {B("Bad Name"), B("x")},
        {B("Bad:Name"), B("y")},
    };
    struct lt_record rec = {.method = B("POST"),
                            .url = B("/collect/web/../x?a=1"),
                            .headers = hs,
                            .nheaders = sizeof(hs) / sizeof(hs[0]),
                            .body = B("{\"a\":1}")};
    const char *add[] = {"User-Agent: replayed/2.0", "X-Added: yes"};
    const char *drop[] = {"x-drop"};
    struct lt_request_opts o = {
        .target = &t, .add_headers = add, .nadd = 2, .drop_headers = drop, .ndrop = 1};
    struct lt_request rq;
    uint64_t ctr = 0;
    (void)state;

    lt_request_init(&rq);
    lt_target_parse(&t, "http://127.0.0.1:9/pre", &err);
    assert_int_equal(lt_request_build(&rq, &rec, &o, 1, &ctr, &err), 0);
    assert_string_equal((const char *)rq.method.p, "POST");
    assert_string_equal((const char *)rq.target.p, "/pre/collect/web/../x?a=1"); /* as recorded */
    assert_int_equal(rq.body.len, 7);
    assert_memory_equal(rq.body.p, "{\"a\":1}", 7);
    /* the target's Host first, where an HTTP client puts it; the recorded one dropped */
    assert_true(rq.has_host);
    assert_string_equal(line_of(&rq, 0), "Host: 127.0.0.1:9");
    assert_false(has_line(&rq, "Host: prod.example.com"));
    assert_true(has_line(&rq, "Content-Type: application/json"));
    assert_true(has_line(&rq, "Content-Length: 7")); /* corrected to the body */
    assert_true(has_line(&rq, "X-Trace: abc"));
    assert_true(has_line(&rq, "X-Empty:"));
    assert_true(has_line(&rq, "User-Agent: replayed/2.0"));
    assert_true(has_line(&rq, "X-Added: yes"));
    assert_false(has_line(&rq, "User-Agent: recorded/1.0"));
    assert_int_equal(rq.nhdrs, 7);
    assert_true(rq.has_ctype && rq.has_clen && !rq.has_accept && !rq.has_expect);
    /* order kept: the recorded headers next, in their order */
    assert_string_equal(line_of(&rq, 1), "Content-Type: application/json");
    assert_string_equal(line_of(&rq, 2), "Content-Length: 7");
    assert_int_equal(rq.wire.len, 0); /* not asked for */

    o.keep_host = 1;
    o.nadd = o.ndrop = 0;
    o.want_wire = 1;
    assert_int_equal(lt_request_build(&rq, &rec, &o, 1, &ctr, &err), 0);
    assert_true(rq.has_host);
    assert_true(has_line(&rq, "Host: prod.example.com"));
    assert_false(has_line(&rq, "Host: 127.0.0.1:9"));
    assert_true(has_line(&rq, "X-Drop: gone"));
    {
        /* the wire form is the same request, byte for byte */
        const char *want = "POST /pre/collect/web/../x?a=1 HTTP/1.1\r\n"
                           "Host: prod.example.com\r\n"
                           "Content-Type: application/json\r\n"
                           "Content-Length: 7\r\n"
                           "X-Trace: abc\r\n"
                           "X-Drop: gone\r\n"
                           "X-Empty:\r\n"
                           "User-Agent: recorded/1.0\r\n"
                           "\r\n"
                           "{\"a\":1}";
        assert_int_equal(rq.wire.len, strlen(want));
        assert_memory_equal(rq.wire.p, want, strlen(want));
    }

    /* a method that is not a token is refused, never sent */
    rec.method = (struct lt_bytes)B("GET /x HTTP/1.1\r\nX");
    assert_int_equal(lt_request_build(&rq, &rec, &o, 1, &ctr, &err), LT_E_FORMAT);
    assert_non_null(strstr(err.msg, "invalid method"));
    rec.method = (struct lt_bytes)B("POST");

    /* raw spaces and high bytes in a recorded URL are percent-encoded */
    rec.url = (struct lt_bytes)B("/a b/\xc3\xa9");
    assert_int_equal(lt_request_build(&rq, &rec, &o, 1, &ctr, &err), 0);
    assert_string_equal((const char *)rq.target.p, "/pre/a%20b/%C3%A9");

    /* asterisk-form goes out as recorded, without the prefix */
    rec.method = (struct lt_bytes)B("OPTIONS");
    rec.url = (struct lt_bytes)B("*");
    rec.body = (struct lt_bytes){NULL, 0};
    rec.nheaders = 0;
    assert_int_equal(lt_request_build(&rq, &rec, &o, 1, &ctr, &err), 0);
    assert_string_equal((const char *)rq.target.p, "*");
    assert_int_equal(rq.wire.len, strlen("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n"));
    assert_memory_equal(rq.wire.p, "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n", rq.wire.len);

    /* a POST without a body still says so; HEAD is marked for the response parser */
    rec.method = (struct lt_bytes)B("POST");
    rec.url = (struct lt_bytes)B("/c");
    assert_int_equal(lt_request_build(&rq, &rec, &o, 1, &ctr, &err), 0);
    assert_true(has_line(&rq, "Content-Length: 0"));
    rec.method = (struct lt_bytes)B("HEAD");
    assert_int_equal(lt_request_build(&rq, &rec, &o, 1, &ctr, &err), 0);
    assert_false(has_line(&rq, "Content-Length: 0"));
    assert_int_equal(rq.req_bits, LT_HTTP_REQ_HEAD);
    lt_request_release(&rq);
}

static void test_fresh_ids(void **state)
{
    const char *body = "{\"batch\":[{\"type\":\"track\",\"messageId\":\"m-1\",\"properties\":"
                       "{\"note\":\"\\\"messageId\\\":\\\"keep\\\"\"}},"
                       "{\"messageId\" : \"m-2\",\"x\":\"messageId\"}]}";
    struct lt_buf out, out2;
    uint64_t ctr = 0, ctr2 = 0;
    int n;
    (void)state;
    lt_buf_init(&out, 0);
    lt_buf_init(&out2, 0);
    n = lt_fresh_ids(&out, (const uint8_t *)body, strlen(body), 99, &ctr);
    assert_int_equal(n, 2);
    assert_int_equal(ctr, 2);
    lt_buf_cstr(&out);
    assert_null(strstr((char *)out.data, "\"m-1\""));
    assert_null(strstr((char *)out.data, "\"m-2\""));
    /* a messageId inside a string value is left alone */
    assert_non_null(strstr((char *)out.data, "\\\"messageId\\\":\\\"keep\\\""));
    assert_non_null(strstr((char *)out.data, "\"x\":\"messageId\""));
    assert_int_equal(out.len, strlen(body) - 6 + 72);
    /* the next pass gets other ids */
    lt_fresh_ids(&out2, (const uint8_t *)body, strlen(body), 99, &ctr);
    lt_buf_cstr(&out2);
    assert_string_not_equal((char *)out.data, (char *)out2.data);
    /* deterministic for the same seed and counter */
    lt_buf_reset(&out2);
    lt_fresh_ids(&out2, (const uint8_t *)body, strlen(body), 99, &ctr2);
    lt_buf_cstr(&out2);
    assert_string_equal((char *)out.data, (char *)out2.data);
    /* not JSON: unchanged */
    lt_buf_reset(&out2);
    assert_int_equal(lt_fresh_ids(&out2, (const uint8_t *)"abc\"", 4, 1, &ctr2), 0);
    assert_int_equal(out2.len, 4);
    lt_buf_release(&out);
    lt_buf_release(&out2);
}

static void test_count_events(void **state)
{
#define EV(s) lt_count_events((const uint8_t *)(s), sizeof(s) - 1)
    (void)state;
    assert_int_equal(EV(""), 0);
    assert_int_equal(EV("a=1&b=2"), 0);
    assert_int_equal(EV("[1,2]"), 0);
    assert_int_equal(EV("{\"type\":\"track\"}"), 1);
    assert_int_equal(EV(" {\"batch\": [ ]}"), 0);
    assert_int_equal(EV("{\"batch\":[{\"a\":[1,2,{\"b\":\",]\"}]},{\"c\":\"x,y\"},{}]}"), 3);
    assert_int_equal(EV("{\"sentAt\":\"t\",\"batch\" : [{},{}]}"), 2);
    /* a "batch" key deeper down is a property, not a batch */
    assert_int_equal(EV("{\"properties\":{\"batch\":[1,2,3]}}"), 1);
    assert_int_equal(EV("{\"note\":\"\\\"batch\\\":[1,2]\"}"), 1);
    /* cut short: what was seen, never past the end */
    assert_int_equal(EV("{\"batch\":[{},{},"), 2);
    assert_int_equal(EV("{\"batch\":7}"), 1);
#undef EV
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_fresh_ids),
        cmocka_unit_test(test_count_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
