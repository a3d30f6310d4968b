/* test_request.c - what goes on the wire: target, headers, Content-Length, fresh ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lt_replay.h"

#define B(s)                                                                                       \
    {                                                                                              \
        (const uint8_t *)(s), sizeof(s) - 1                                                        \
    }

static int has_line(const struct lt_request *rq, const char *line)
{
    for (size_t i = 0; i < rq->nhdrs; i++)
        if (strcmp(rq->hdrs[i], line) == 0)
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
    struct lt_request *rq;
    uint64_t ctr = 0;
    (void)state;

    lt_target_parse(&t, "http://127.0.0.1:9/pre", &err);
    rq = lt_request_build(&rec, &o, 1, &ctr, &err);
    assert_non_null(rq);
    assert_string_equal(rq->method, "POST");
    assert_string_equal(rq->url,
                        "http://127.0.0.1:9/pre/collect/web/../x?a=1"); /* path as recorded */
    assert_int_equal(rq->body_len, 7);
    assert_memory_equal(rq->body, "{\"a\":1}", 7);
    assert_false(rq->has_host); /* replaced by the target's */
    assert_true(has_line(rq, "Content-Type: application/json"));
    assert_true(has_line(rq, "Content-Length: 7")); /* corrected to the body */
    assert_true(has_line(rq, "X-Trace: abc"));
    assert_true(has_line(rq, "X-Empty;"));
    assert_true(has_line(rq, "User-Agent: replayed/2.0"));
    assert_true(has_line(rq, "X-Added: yes"));
    assert_false(has_line(rq, "User-Agent: recorded/1.0"));
    assert_int_equal(rq->nhdrs, 6);
    assert_true(rq->has_ctype && rq->has_clen && !rq->has_accept && !rq->has_expect);
    /* order kept: the recorded headers first, in their order */
    assert_string_equal(rq->hdrs[0], "Content-Type: application/json");
    assert_string_equal(rq->hdrs[1], "Content-Length: 7");
    free(rq);

    o.keep_host = 1;
    o.nadd = o.ndrop = 0;
    rq = lt_request_build(&rec, &o, 1, &ctr, &err);
    assert_true(rq->has_host);
    assert_true(has_line(rq, "Host: prod.example.com"));
    assert_true(has_line(rq, "X-Drop: gone"));
    free(rq);

    /* a method that is not a token is refused, never sent */
    rec.method = (struct lt_bytes)B("GET /x HTTP/1.1\r\nX");
    assert_null(lt_request_build(&rec, &o, 1, &ctr, &err));
    assert_non_null(strstr(err.msg, "invalid method"));
    rec.method = (struct lt_bytes)B("POST");

    /* raw spaces and high bytes in a recorded URL are percent-encoded */
    rec.url = (struct lt_bytes)B("/a b/\xc3\xa9");
    rq = lt_request_build(&rec, &o, 1, &ctr, &err);
    assert_string_equal(rq->url, "http://127.0.0.1:9/pre/a%20b/%C3%A9");
    free(rq);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_fresh_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
