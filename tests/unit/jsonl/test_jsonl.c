/* test_jsonl.c - JSONL records: exact output, lossless round trips, strict errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lt_formats.h"

#include <cjson/cJSON.h>

static struct lt_limits lim;

static void setup_limits(void)
{
    lt_limits_default(&lim);
}

#define B(s) ((struct lt_bytes){(const uint8_t *)(s), sizeof(s) - 1})

static void assert_bytes_equal(struct lt_bytes a, struct lt_bytes b)
{
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.p, b.p, a.len);
}

static void assert_records_equal(const struct lt_record *a, const struct lt_record *b)
{
    assert_true(a->ts_ns == b->ts_ns);
    assert_true(a->session == b->session);
    assert_bytes_equal(a->method, b->method);
    assert_bytes_equal(a->url, b->url);
    assert_int_equal(a->nheaders, b->nheaders);
    for (size_t i = 0; i < a->nheaders; i++) {
        assert_bytes_equal(a->headers[i].name, b->headers[i].name);
        assert_bytes_equal(a->headers[i].value, b->headers[i].value);
    }
    assert_bytes_equal(a->body, b->body);
    assert_int_equal(a->has_response, b->has_response);
    if (a->has_response) {
        assert_int_equal(a->status, b->status);
        assert_true(a->resp_latency_ns == b->resp_latency_ns);
    }
    assert_int_equal(a->flags, b->flags);
}

static char *write_line(const struct lt_record *r)
{
    struct lt_buf b;

    lt_buf_init(&b, 0);
    assert_int_equal(lt_jsonl_write(&b, r), 0);
    assert_int_equal(lt_buf_cstr(&b), 0);
    return (char *)b.data;
}

/* write -> parse -> compare every field -> write again: the same bytes. */
static void round_trip(const struct lt_record *r)
{
    struct lt_recbuf rb;
    struct lt_err err;
    char *line = write_line(r), *again;
    size_t n = strlen(line);

    lt_recbuf_init(&rb);
    assert_true(n > 0 && line[n - 1] == '\n');
    assert_null(memchr(line, '\n', n - 1)); /* one record, one line */
    lt_err_clear(&err);
    if (lt_jsonl_parse(&rb, line, n - 1, &lim, &err) != 0)
        fail_msg("parse failed: %s", err.msg);
    assert_records_equal(r, &rb.rec);
    again = write_line(&rb.rec);
    assert_string_equal(line, again);
    free(again);
    free(line);
    lt_recbuf_release(&rb);
}

static void test_exact_output(void **state)
{
    struct lt_header h[] = {{B("Content-Type"), B("application/json")}};
    struct lt_record r = {1500000, 7,   B("POST"), B("/collect/web"), h, 1, B("{\"a\":1}"),
                          1,       202, 830000,    LT_RF_REDACTED};
    char *line = write_line(&r);

    (void)state;
    assert_string_equal(line, "{\"ts_ns\":1500000,\"session\":7,\"method\":\"POST\","
                              "\"url\":\"/collect/web\",\"headers\":[[\"Content-Type\","
                              "\"application/json\"]],\"body\":\"{\\\"a\\\":1}\","
                              "\"response\":{\"status\":202,\"latency_ns\":830000},"
                              "\"flags\":[\"redacted\"]}\n");
    free(line);
}

static void test_minimal_output(void **state)
{
    struct lt_record r = {0, 0, B("GET"), B("/"), NULL, 0, {NULL, 0}, 0, 0, 0, 0};
    char *line = write_line(&r);

    (void)state;
    /* response and flags are omitted when empty; headers and body are not */
    assert_string_equal(line, "{\"ts_ns\":0,\"session\":0,\"method\":\"GET\",\"url\":\"/\","
                              "\"headers\":[],\"body\":\"\"}\n");
    free(line);
}

static void test_big_numbers_as_strings(void **state)
{
    struct lt_record r = {
        (uint64_t)1 << 53,       UINT64_MAX, B("GET"), B("/"), NULL, 0, {NULL, 0}, 1, 200,
        ((uint64_t)1 << 53) - 1, 0};
    char *line = write_line(&r);

    (void)state;
    assert_non_null(strstr(line, "\"ts_ns\":\"9007199254740992\""));
    assert_non_null(strstr(line, "\"session\":\"18446744073709551615\""));
    assert_non_null(strstr(line, "\"latency_ns\":9007199254740991}"));
    free(line);
    round_trip(&r);
}

static void test_binary_and_nul_bodies(void **state)
{
    static const uint8_t bin[] = {0xff, 0xfe, 0x00, 0x01, 'a'};
    static const uint8_t nul[] = {'a', 0, 'b'};
    struct lt_record r = {1, 1, B("POST"), B("/x"), NULL, 0, {bin, sizeof(bin)}, 0, 0, 0, 0};
    char *line = write_line(&r);

    (void)state;
    assert_non_null(strstr(line, "\"body_b64\":\"//4AAWE=\""));
    assert_null(strstr(line, "\"body\":"));
    free(line);
    round_trip(&r);
    r.body = (struct lt_bytes){nul, sizeof(nul)};
    line = write_line(&r);
    assert_non_null(strstr(line, "\"body_b64\":\"YQBi\""));
    free(line);
    round_trip(&r);
}

static void test_header_values(void **state)
{
    static const uint8_t latin1[] = {'c', 'a', 'f', 0xe9};
    static const uint8_t withnul[] = {'x', 0, 'y'};
    struct lt_header h[] = {
        {B("X-Latin1"), {latin1, sizeof(latin1)}},
        {B("X-Nul"), {withnul, sizeof(withnul)}},
        {B("x-dup"), B("one")},
        {B("X-DUP"), B("two")},
        {B("x-dup"), B("")},
        {B("X-Utf8"), B("caf\xc3\xa9 \xe2\x9c\x93")},
        {B("X-Ctl"), B("tab\there \"q\" back\\slash \x01")},
    };
    struct lt_record r = {5, 2, B("PUT"), B("/p?q=1&r=%20"), h, 7, B(""), 0, 0, 0, 0};
    char *line = write_line(&r);

    (void)state;
    assert_non_null(strstr(line, "[\"X-Latin1\",{\"b64\":\"Y2Fm6Q==\"}]"));
    assert_non_null(strstr(line, "[\"X-Nul\",{\"b64\":\"eAB5\"}]"));
    assert_non_null(strstr(line, "[\"X-Utf8\",\"caf\xc3\xa9 \xe2\x9c\x93\"]"));
    assert_non_null(strstr(line, "\"tab\\there \\\"q\\\" back\\\\slash \\u0001\""));
    free(line);
    round_trip(&r);
}

static void test_utf8_and_control_bodies(void **state)
{
    struct lt_record r = {9,
                          3,
                          B("POST"),
                          B("/collect/m\xc3\xbcnchen"),
                          NULL,
                          0,
                          B("{\"e\":\"\xf0\x9f\x98\x80\",\"nl\":\"a\nb\r\x1f\x7f\"}"),
                          1,
                          400,
                          12,
                          LT_RF_TRUNCATED | LT_RF_INVALID | LT_RF_NO_RESPONSE};
    char *line = write_line(&r);

    (void)state;
    assert_non_null(strstr(line, "\"flags\":[\"truncated\",\"no_response\",\"invalid\"]"));
    assert_non_null(strstr(line, "\\n"));
    assert_non_null(strstr(line, "\\u001f"));
    free(line);
    round_trip(&r);
}

static void test_large_body(void **state)
{
    size_t n = 1024 * 1024;
    uint8_t *body = malloc(n);
    struct lt_record r = {1, 1, B("POST"), B("/big"), NULL, 0, {body, n}, 0, 0, 0, 0};

    (void)state;
    for (size_t i = 0; i < n; i++)
        body[i] = (uint8_t)(i * 2654435761u >> 13);
    round_trip(&r); /* binary: base64 */
    for (size_t i = 0; i < n; i++)
        body[i] = (uint8_t)('a' + i % 26);
    round_trip(&r); /* text */
    free(body);
}

static void test_all_byte_values(void **state)
{
    uint8_t all[256];
    struct lt_header h[] = {{B("X-All"), {all, sizeof(all)}}};
    struct lt_record r = {1, 1, B("POST"), B("/"), h, 1, {all, sizeof(all)}, 1, 0, 0, LT_RF_ALL};

    (void)state;
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    round_trip(&r);
    /* every ASCII byte but NUL: a text body with every escape */
    r.body = (struct lt_bytes){all + 1, 127};
    r.headers = NULL;
    r.nheaders = 0;
    round_trip(&r);
}

/* A capture can record a url that is not UTF-8: it goes as {"b64":...} and comes back. */
static void test_binary_url_and_names(void **state)
{
    static const uint8_t url[] = {'/', 'c', 0xe9};
    static const uint8_t name[] = {'X', 0xff};
    struct lt_header h[] = {{{name, sizeof(name)}, B("v")}};
    struct lt_record r = {1, 1, B("GET"), {url, sizeof(url)}, h, 1, B(""), 0, 0, 0, 0};
    char *line = write_line(&r);

    (void)state;
    assert_non_null(strstr(line, "\"url\":{\"b64\":\"L2Pp\"}"));
    assert_non_null(strstr(line, "[{\"b64\":\"WP8=\"},\"v\"]"));
    free(line);
    round_trip(&r);
}

/* Parses a line; returns the code, the message in msg. */
static int parse(const char *line, struct lt_recbuf *rb, char *msg)
{
    struct lt_err err;
    int rc;

    lt_err_clear(&err);
    rc = lt_jsonl_parse(rb, line, strlen(line), &lim, &err);
    strcpy(msg, err.msg);
    return rc;
}

static void expect_error(const char *line, const char *substr)
{
    struct lt_recbuf rb;
    char msg[LT_ERR_MSG_MAX];

    lt_recbuf_init(&rb);
    if (parse(line, &rb, msg) == 0)
        fail_msg("accepted: %s", line);
    if (!strstr(msg, substr))
        fail_msg("for %s: message [%s] lacks [%s]", line, msg, substr);
    lt_recbuf_release(&rb);
}

static void test_accepts_both_number_forms(void **state)
{
    struct lt_recbuf rb;
    char msg[LT_ERR_MSG_MAX];

    (void)state;
    lt_recbuf_init(&rb);
    assert_int_equal(parse("{\"ts_ns\":\"12\",\"session\":9007199254740993,\"method\":\"GET\","
                           "\"url\":\"/\"}",
                           &rb, msg),
                     0);
    assert_true(rb.rec.ts_ns == 12);
    assert_true(rb.rec.session == 9007199254740993ull); /* not rounded through a double */
    assert_int_equal(rb.rec.nheaders, 0);
    assert_int_equal(rb.rec.body.len, 0);
    assert_int_equal(rb.rec.has_response, 0);
    assert_int_equal(
        parse("{\"ts_ns\":18446744073709551615,\"method\":\"GET\",\"url\":\"/\"}", &rb, msg), 0);
    assert_true(rb.rec.ts_ns == UINT64_MAX);
    /* escapes decode; \u0000 is a NUL byte, surrogate pairs one code point */
    assert_int_equal(parse("{\"ts_ns\":1,\"method\":\"POST\",\"url\":\"/\\u0041\","
                           "\"body\":\"a\\u0000b\\ud83d\\ude00\\/\"}",
                           &rb, msg),
                     0);
    assert_int_equal(rb.rec.url.len, 2);
    assert_memory_equal(rb.rec.url.p, "/A", 2);
    assert_int_equal(rb.rec.body.len, 8);
    assert_memory_equal(rb.rec.body.p, "a\0b\xf0\x9f\x98\x80/", 8);
    /* "response": null is the same as no response */
    assert_int_equal(
        parse("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"response\":null}", &rb, msg), 0);
    assert_int_equal(rb.rec.has_response, 0);
    lt_recbuf_release(&rb);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"sesion\":3}",
                 "unknown key 'sesion'");
    expect_error("{\"ts_ns\":-1,\"method\":\"GET\",\"url\":\"/\"}",
                 "'ts_ns' must be a whole number from 0 to 18446744073709551615, got -1");
    expect_error("{\"ts_ns\":1.5,\"method\":\"GET\",\"url\":\"/\"}", "got 1.5");
    expect_error("{\"ts_ns\":1e3,\"method\":\"GET\",\"url\":\"/\"}", "got 1e3");
    expect_error("{\"ts_ns\":18446744073709551616,\"method\":\"GET\",\"url\":\"/\"}",
                 "got 18446744073709551616");
    expect_error("{\"ts_ns\":\"18446744073709551616\",\"method\":\"GET\",\"url\":\"/\"}",
                 "got \"18446744073709551616\"");
    expect_error("{\"ts_ns\":\" 1\",\"method\":\"GET\",\"url\":\"/\"}", "'ts_ns' must be");
    expect_error("{\"ts_ns\":true,\"method\":\"GET\",\"url\":\"/\"}",
                 "'ts_ns' must be a number, got true");
    expect_error("{\"method\":\"GET\",\"url\":\"/\"}", "missing key 'ts_ns'");
    expect_error("{\"ts_ns\":1,\"url\":\"/\"}", "missing key 'method'");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\"}", "missing key 'url'");
    expect_error("{\"ts_ns\":1,\"ts_ns\":2,\"method\":\"GET\",\"url\":\"/\"}",
                 "duplicate key 'ts_ns'");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"body\":\"\",\"body_b64\":\"\"}",
                 "both 'body' and 'body_b64'");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"body_b64\":\"a*==\"}",
                 "'body_b64': bad base64");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"body\":7}",
                 "'body' must be a string, got a number");
    expect_error(
        "{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"flags\":[\"redacted\",\"bogus\"]}",
        "unknown flag 'bogus'");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"headers\":[[\"a\"]]}",
                 "'headers'[0] must be [name, value]");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"headers\":[[\"a\",1]]}",
                 "'headers[0] value' must be a string or {\"b64\":\"...\"}, got a number");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"headers\":{}}",
                 "'headers' must be an array");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"response\":{\"latency_ns\":1}}",
                 "'response' has no 'status'");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"response\":{\"status\":70000}}",
                 "'response.status' 70000 is out of range");
    expect_error(
        "{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"response\":{\"status\":1,\"x\":1}}",
        "unknown key 'response.x'");
    expect_error("{\"ts_ns\":1,\"method\":\"G T\",\"url\":\"/\"}", "'method' holds a character");
    expect_error("{\"ts_ns\":1,\"method\":\"\",\"url\":\"/\"}", "'method' is empty");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/a b\"}",
                 "'url' holds a space or control character at byte 2");
    expect_error("[1,2]", "a record must be a JSON object, got an array");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\"} x",
                 "invalid JSON at column 38: unexpected data after the JSON value");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/}", "invalid JSON at column 33: "
                                                                 "unterminated string");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\\ud800\"}", "lone high surrogate");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\xff\"}", "not valid UTF-8");
    expect_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\tx\"}", "control character");
    expect_error("", "invalid JSON at column 1: unexpected end of input");
}

static void test_limits(void **state)
{
    struct lt_recbuf rb;
    struct lt_buf line;
    char msg[LT_ERR_MSG_MAX];

    (void)state;
    lt_recbuf_init(&rb);
    lt_buf_init(&line, 0);
    /* 257 headers */
    lt_buf_puts(&line, "{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"headers\":[");
    for (int i = 0; i < 257; i++)
        lt_buf_printf(&line, "%s[\"h%d\",\"v\"]", i ? "," : "", i);
    lt_buf_puts(&line, "]}");
    lt_buf_cstr(&line);
    assert_int_equal(parse((char *)line.data, &rb, msg), LT_E_LIMIT);
    assert_string_equal(msg, "257 headers, over the limit of 256");
    /* a url over 8 KiB */
    lt_buf_reset(&line);
    lt_buf_puts(&line, "{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/");
    for (int i = 0; i < 8192; i++)
        lt_buf_putc(&line, 'a');
    lt_buf_puts(&line, "\"}");
    lt_buf_cstr(&line);
    assert_int_equal(parse((char *)line.data, &rb, msg), LT_E_LIMIT);
    assert_string_equal(msg, "request line is 8196 bytes, over the limit of 8192");
    /* a body over a lowered limit */
    lim.body_max = 4;
    assert_int_equal(
        parse("{\"ts_ns\":1,\"method\":\"POST\",\"url\":\"/\",\"body\":\"12345\"}", &rb, msg),
        LT_E_LIMIT);
    assert_string_equal(msg, "body is 5 bytes, over the limit of 4");
    setup_limits();
    lt_buf_release(&line);
    lt_recbuf_release(&rb);
}

static void test_values_bounded(void **state)
{
    struct lt_buf line;
    struct lt_recbuf rb;
    char msg[LT_ERR_MSG_MAX];

    (void)state;
    lt_buf_init(&line, 0);
    lt_recbuf_init(&rb);
    lt_buf_puts(&line, "{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"flags\":[0");
    for (int i = 0; i < 100000; i++)
        lt_buf_puts(&line, ",0");
    lt_buf_puts(&line, "]}");
    lt_buf_cstr(&line);
    assert_int_equal(parse((char *)line.data, &rb, msg), LT_E_LIMIT);
    assert_string_equal(msg, "JSON has more than 6144 values");
    lt_buf_release(&line);
    lt_recbuf_release(&rb);
}

static void test_nesting_bounded(void **state)
{
    struct lt_buf line;
    struct lt_recbuf rb;
    char msg[LT_ERR_MSG_MAX];

    (void)state;
    lt_buf_init(&line, 0);
    lt_recbuf_init(&rb);
    lt_buf_puts(&line, "{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"flags\":");
    for (int i = 0; i < 100000; i++)
        lt_buf_putc(&line, '[');
    lt_buf_cstr(&line);
    assert_int_equal(parse((char *)line.data, &rb, msg), LT_E_FORMAT);
    assert_non_null(strstr(msg, "arrays and objects nested more than 64 deep"));
    lt_buf_release(&line);
    lt_recbuf_release(&rb);
}

/* The u64 rule's one helper, used for metadata (start_unix_ns, counts): exact both ways. */
static void test_json_u64_rule(void **state)
{
    const uint64_t below = ((uint64_t)1 << 53) - 1, at = (uint64_t)1 << 53;
    const uint64_t start = 1796109788204127513ULL; /* a run's start in Unix ns */
    cJSON *o = cJSON_CreateObject(), *x;
    char *text;
    uint64_t v;

    (void)state;
    cJSON_AddItemToObject(o, "a", lt_json_u64(below));
    cJSON_AddItemToObject(o, "b", lt_json_u64(at));
    cJSON_AddItemToObject(o, "c", lt_json_u64(start));
    cJSON_AddItemToObject(o, "d", lt_json_u64(0));
    text = cJSON_PrintUnformatted(o);
    assert_string_equal(text, "{\"a\":9007199254740991,\"b\":\"9007199254740992\","
                              "\"c\":\"1796109788204127513\",\"d\":0}");
    cJSON_Delete(o);
    o = cJSON_Parse(text);
    free(text);
    assert_int_equal(lt_json_get_u64(cJSON_GetObjectItem(o, "a"), &v), 0);
    assert_int_equal(v, below);
    assert_int_equal(lt_json_get_u64(cJSON_GetObjectItem(o, "b"), &v), 0);
    assert_int_equal(v, at);
    assert_int_equal(lt_json_get_u64(cJSON_GetObjectItem(o, "c"), &v), 0);
    assert_int_equal(v, start);
    assert_int_equal(lt_json_get_u64(cJSON_GetObjectItem(o, "d"), &v), 0);
    assert_int_equal(v, 0);
    cJSON_Delete(o);
    /* what is not exact is refused, never rounded */
    x = cJSON_CreateNumber(1.7961097882041275e+18);
    assert_int_equal(lt_json_get_u64(x, &v), -1);
    cJSON_Delete(x);
    x = cJSON_CreateNumber(1.5);
    assert_int_equal(lt_json_get_u64(x, &v), -1);
    cJSON_Delete(x);
    x = cJSON_CreateNumber(-1);
    assert_int_equal(lt_json_get_u64(x, &v), -1);
    cJSON_Delete(x);
    x = cJSON_CreateString("12a");
    assert_int_equal(lt_json_get_u64(x, &v), -1);
    cJSON_Delete(x);
    x = cJSON_CreateString("18446744073709551616");
    assert_int_equal(lt_json_get_u64(x, &v), -1);
    cJSON_Delete(x);
    assert_int_equal(lt_json_get_u64(NULL, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_output),
        cmocka_unit_test(test_minimal_output),
        cmocka_unit_test(test_big_numbers_as_strings),
        cmocka_unit_test(test_binary_and_nul_bodies),
        cmocka_unit_test(test_header_values),
        cmocka_unit_test(test_utf8_and_control_bodies),
        cmocka_unit_test(test_large_body),
        cmocka_unit_test(test_all_byte_values),
        cmocka_unit_test(test_binary_url_and_names),
        cmocka_unit_test(test_accepts_both_number_forms),
        cmocka_unit_test(test_json_u64_rule),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_nesting_bounded),
        cmocka_unit_test(test_values_bounded),
    };
    setup_limits();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
