/* test_har.c - HAR 1.2 export and import. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "lt_formats.h"

#define B(s) ((struct lt_bytes){(const uint8_t *)(s), sizeof(s) - 1})

struct got {
    struct lt_recbuf rb[8];
    size_t n;
};

static int collect(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct got *g = ctx;

    (void)err;
    if (g->n >= 8)
        return LT_E_LIMIT;
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

static int import(const char *doc, struct got *g, uint64_t *origin, char *msg)
{
    struct lt_limits lim;
    struct lt_err err;
    int rc;

    lt_limits_default(&lim);
    lt_err_clear(&err);
    g->n = 0;
    rc = lt_har_import(doc, strlen(doc), &lim, origin, collect, g, &err);
    if (msg)
        strcpy(msg, err.msg);
    return rc;
}

static void assert_bytes(struct lt_bytes b, const char *s, size_t n)
{
    assert_int_equal(b.len, n);
    if (n)
        assert_memory_equal(b.p, s, n);
}
#define ASSERT_BYTES(b, lit) assert_bytes((b), (lit), sizeof(lit) - 1)

/* Export two records, check the document is HAR 1.2, import it back. */
static void test_export_import(void **state)
{
    static const uint8_t bin[] = {0, 1, 2, 0xff};
    static const uint8_t latin1[] = {'c', 'a', 'f', 0xe9};
    struct lt_header h1[] = {{B("Host"), B("api.example.com")},
                             {B("Content-Type"), B("application/json")},
                             {B("X-Latin1"), {latin1, 4}},
                             {B("x-dup"), B("a")},
                             {B("X-Dup"), B("b")}};
    struct lt_record r1 = {
        2000000, 7,      B("POST"), B("/collect/web?x=1&y"), h1, 5, B("{\"type\":\"track\"}"), 1,
        202,     830000, 0};
    struct lt_record r2 = {
        5000000, 9007199254740993ull, B("PUT"), B("/bin"), NULL, 0, {bin, 4}, 0, 0, 0, 0};
    uint64_t origin = 1767225600000000000ull; /* 2026-01-01T00:00:00Z */
    struct lt_buf out;
    struct got g = {0};
    cJSON *doc, *log, *e0, *e1;
    char msg[LT_ERR_MSG_MAX];

    (void)state;
    lt_buf_init(&out, 0);
    assert_int_equal(lt_har_begin(&out, origin), 0);
    assert_int_equal(lt_har_entry(&out, &r1, origin, 1), 0);
    assert_int_equal(lt_har_entry(&out, &r2, origin, 0), 0);
    assert_int_equal(lt_har_end(&out), 0);
    assert_int_equal(lt_buf_cstr(&out), 0);

    doc = cJSON_Parse((char *)out.data);
    assert_non_null(doc);
    log = cJSON_GetObjectItemCaseSensitive(doc, "log");
    assert_string_equal(cJSON_GetObjectItem(log, "version")->valuestring, "1.2");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(log, "creator"), "name")->valuestring, "loadtape");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(log, "entries")), 2);
    e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(log, "entries"), 0);
    e1 = cJSON_GetArrayItem(cJSON_GetObjectItem(log, "entries"), 1);
    assert_string_equal(cJSON_GetObjectItem(e0, "startedDateTime")->valuestring,
                        "2026-01-01T00:00:00.002Z");
    assert_true(cJSON_GetObjectItem(e0, "time")->valuedouble == 0.83);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(e0, "request"), "url")->valuestring,
                        "http://api.example.com/collect/web?x=1&y");
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(e0, "request"), "queryString")),
        2);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(e0, "response"), "status")->valueint,
                     202);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e0, "response"), "statusText")->valuestring,
        "Accepted");
    assert_non_null(cJSON_GetObjectItem(e0, "timings"));
    assert_non_null(cJSON_GetObjectItem(e0, "cache"));
    assert_string_equal(cJSON_GetObjectItem(e0, "connection")->valuestring, "7");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(e1, "request"), "url")->valuestring,
                        "http://localhost/bin");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(e1, "response"), "status")->valueint,
                     0);
    cJSON_Delete(doc);

    uint64_t o2 = 0;
    if (import((char *)out.data, &g, &o2, msg))
        fail_msg("import: %s", msg);
    assert_int_equal(g.n, 2);
    assert_true(o2 == origin + 2000000); /* the earliest entry */
    struct lt_record *a = &g.rb[0].rec, *b = &g.rb[1].rec;
    assert_true(a->ts_ns == 0);
    assert_true(a->session == 7);
    ASSERT_BYTES(a->method, "POST");
    ASSERT_BYTES(a->url, "/collect/web?x=1&y");
    assert_int_equal(a->nheaders, 5);
    ASSERT_BYTES(a->headers[2].value, "caf\xe9"); /* bytes kept through _encoding */
    ASSERT_BYTES(a->headers[4].name, "X-Dup");
    ASSERT_BYTES(a->body, "{\"type\":\"track\"}");
    assert_int_equal(a->has_response, 1);
    assert_int_equal(a->status, 202);
    assert_true(a->resp_latency_ns == 830000);
    assert_true(b->ts_ns == 3000000);
    assert_true(b->session == 9007199254740993ull);
    assert_bytes(b->body, "\0\1\2\xff", 4);
    assert_int_equal(b->has_response, 0);
    got_release(&g);
    lt_buf_release(&out);
}

/* What browsers write: absolute urls, HTTP/2 pseudo-headers, zones, any order. */
static void test_browser_har(void **state)
{
    const char *doc =
        "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"WebInspector\",\"version\":\"537\"},"
        "\"pages\":[],\"entries\":["
        "{\"startedDateTime\":\"2026-03-01T10:00:01.500+01:00\",\"time\":12.5,"
        " \"request\":{\"method\":\"POST\",\"url\":\"https://h.example/collect/app#frag\","
        "  \"httpVersion\":\"h2\",\"headers\":[{\"name\":\":method\",\"value\":\"POST\"},"
        "  {\"name\":\":authority\",\"value\":\"h.example\"},{\"name\":\":path\",\"value\":\"/c\"},"
        "  {\"name\":\"content-type\",\"value\":\"application/json\"}],"
        "  \"postData\":{\"mimeType\":\"application/json\",\"text\":\"{}\"}},"
        " \"response\":{\"status\":200},\"connection\":\"abc\"},"
        "{\"startedDateTime\":\"2026-03-01T09:00:00.000Z\",\"time\":-1,"
        " \"request\":{\"method\":\"GET\",\"url\":\"http://h.example?q=1\",\"headers\":[]},"
        " \"response\":{\"status\":0},\"connection\":\"xyz\"},"
        "{\"startedDateTime\":\"2026-03-01T09:00:00.000Z\","
        " \"request\":{\"method\":\"GET\",\"url\":\"/plain\",\"headers\":[]},"
        " \"connection\":\"abc\"}"
        "]}}";
    struct got g = {0};
    uint64_t origin = 0;
    char msg[LT_ERR_MSG_MAX];
    int64_t want_origin;

    (void)state;
    if (import(doc, &g, &origin, msg))
        fail_msg("import: %s", msg);
    assert_int_equal(lt_parse_iso8601("2026-03-01T09:00:00Z", &want_origin, NULL), 0);
    assert_true(origin == (uint64_t)want_origin);
    assert_int_equal(g.n, 3);
    /* equal times keep the file's order */
    ASSERT_BYTES(g.rb[0].rec.url, "/?q=1");
    assert_int_equal(g.rb[0].rec.has_response, 0);
    assert_true(g.rb[0].rec.session == 1); /* "xyz" seen first in time order */
    ASSERT_BYTES(g.rb[1].rec.url, "/plain");
    assert_true(g.rb[1].rec.session == 2); /* "abc" */
    assert_true(g.rb[1].rec.ts_ns == 0);
    assert_true(g.rb[2].rec.ts_ns == 1500000000ull);
    ASSERT_BYTES(g.rb[2].rec.url, "/collect/app");
    assert_true(g.rb[2].rec.session == 2);
    assert_int_equal(g.rb[2].rec.nheaders, 2);
    ASSERT_BYTES(g.rb[2].rec.headers[0].name, "Host");
    ASSERT_BYTES(g.rb[2].rec.headers[0].value, "h.example");
    ASSERT_BYTES(g.rb[2].rec.headers[1].name, "content-type");
    ASSERT_BYTES(g.rb[2].rec.body, "{}");
    assert_int_equal(g.rb[2].rec.status, 200);
    assert_true(g.rb[2].rec.resp_latency_ns == 12500000);
    got_release(&g);
}

static void expect_error(const char *doc, const char *substr)
{
    struct got g = {0};
    uint64_t origin;
    char msg[LT_ERR_MSG_MAX];

    if (import(doc, &g, &origin, msg) == 0)
        fail_msg("accepted: %s", doc);
    if (!strstr(msg, substr))
        fail_msg("message [%s] lacks [%s]", msg, substr);
    got_release(&g);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{\"entries\":[]}", "not a HAR file: no \"log\" object");
    expect_error("{\"log\":{}}", "not a HAR file: no \"log.entries\" array");
    expect_error("{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\","
                 "\"request\":{\"method\":\"GET\",\"url\":\"/\"}},{\"request\":{}}]}}",
                 "log.entries[1]: 'startedDateTime' is missing");
    expect_error("{\"log\":{\"entries\":[{\"startedDateTime\":\"yesterday\"}]}}",
                 "log.entries[0]: 'startedDateTime' \"yesterday\" is not an ISO 8601 time");
    expect_error("{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\"}]}}",
                 "log.entries[0]: 'request' is missing or not an object");
    expect_error("{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\","
                 "\"request\":{\"method\":\"G T\",\"url\":\"/\"}}]}}",
                 "log.entries[0]: 'method' holds a character");
    expect_error("{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\","
                 "\"request\":{\"method\":\"POST\",\"url\":\"/\",\"postData\":{\"text\":\"*\","
                 "\"encoding\":\"base64\"}}}]}}",
                 "log.entries[0]: request.postData.text: bad base64");
    expect_error(
        "{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\","
        "\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":[{\"name\":\"a\"}]}}]}}",
        "log.entries[0]: request.headers[0]: 'value' is missing");
    expect_error("{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\","
                 "\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":["
                 "{\"name\":\":path\",\"value\":\"/\"},{\"name\":\"\",\"value\":\"x\"}]}}]}}",
                 "log.entries[0]: request.headers[1]: the name is empty");
    expect_error(
        "{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\","
        "\"request\":{\"method\":\"GET\",\"url\":\"http?x/y\"}}]}}",
        "log.entries[0]: 'request.url' \"http?x/y\" is neither an absolute URL nor a path");
    expect_error("{\"log\":{\"entries\":[}}", "invalid JSON at column 20: unexpected character");
}

/* Asterisk-form has no absolute URL: written "*", read back as "*". */
static void test_asterisk_form(void **state)
{
    struct lt_header h[] = {{B("Host"), B("h")}};
    struct lt_record r = {0, 1, B("OPTIONS"), B("*"), h, 1, {NULL, 0}, 0, 0, 0, 0};
    struct lt_buf out;
    struct got g = {0};
    uint64_t origin = 1767225600000000000ull;

    (void)state;
    lt_buf_init(&out, 0);
    assert_int_equal(lt_har_begin(&out, origin), 0);
    assert_int_equal(lt_har_entry(&out, &r, origin, 1), 0);
    assert_int_equal(lt_har_end(&out), 0);
    assert_int_equal(lt_buf_cstr(&out), 0);
    assert_non_null(strstr((char *)out.data, "\"url\":\"*\""));
    assert_int_equal(import((char *)out.data, &g, &origin, NULL), 0);
    assert_int_equal(g.n, 1);
    ASSERT_BYTES(g.rb[0].rec.method, "OPTIONS");
    ASSERT_BYTES(g.rb[0].rec.url, "*");
    got_release(&g);
    lt_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_import),
        cmocka_unit_test(test_browser_har),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_asterisk_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
