/*
 * test_pipe_io.c - JSONL and HAR as record sources and sinks (formats/pipe_io.c):
 * what a JSONL source skips and refuses (each error naming the line), a HAR
 * source's order and origin, where() before a sink's error, the sinks' bytes
 * (exactly what lt_jsonl_write and lt_har_* make) and their write errors.
 */
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

/* Every record of a source, as the JSONL lines lt_jsonl_write makes; the rc of the end. */
static int drain(struct lt_record_source *src, struct lt_buf *out, struct lt_err *err)
{
    struct lt_record r;
    int rc;

    while ((rc = src->next(src->ctx, &r, err)) == 1)
        assert_int_equal(lt_jsonl_write(out, &r), 0);
    return rc;
}

static FILE *text_file(const char *s)
{
    FILE *f = fmemopen((void *)s, strlen(s), "r");
    assert_non_null(f);
    return f;
}

static void test_jsonl_source(void **state)
{
    static const char in[] =
        "\xef\xbb\xbf{\"ts_ns\":1,\"session\":2,\"method\":\"GET\",\"url\":\"/a\"}\r\n"
        "\n"
        "  \t\n"
        "{\"ts_ns\":1,\"method\":\"POST\",\"url\":\"/b\",\"body\":\"x\"}\n"
        "{\"ts_ns\":7,\"method\":\"GET\",\"url\":\"/c\"}";
    struct lt_record_source src;
    struct lt_limits lim;
    struct lt_err err;
    struct lt_buf out;
    FILE *f = text_file(in);

    (void)state;
    lt_limits_default(&lim);
    lt_buf_init(&out, 0);
    assert_int_equal(lt_jsonl_source(&src, f, "in.jsonl", &lim, &err), 0);
    assert_null(src.rewind); /* a pipe cannot go back */
    assert_string_equal(
        src.meta(src.ctx),
        "{\"source\":{\"kind\":\"import\",\"format\":\"jsonl\",\"file\":\"in.jsonl\"}}");
    assert_int_equal(drain(&src, &out, &err), 0);
    assert_int_equal(lt_buf_cstr(&out), 0);
    /* the BOM, CRLF, blank lines and the missing last newline change nothing */
    assert_string_equal((char *)out.data, "{\"ts_ns\":1,\"session\":2,\"method\":\"GET\",\"url\":"
                                          "\"/a\",\"headers\":[],\"body\":\"\"}\n"
                                          "{\"ts_ns\":1,\"session\":0,\"method\":\"POST\",\"url\":"
                                          "\"/b\",\"headers\":[],\"body\":\"x\"}\n"
                                          "{\"ts_ns\":7,\"session\":0,\"method\":\"GET\",\"url\":"
                                          "\"/c\",\"headers\":[],\"body\":\"\"}\n");
    assert_string_equal(src.where(src.ctx), "'in.jsonl' line 5");
    lt_record_source_release(&src);
    lt_buf_release(&out);
    fclose(f);
}

/* The first error of the input in, as the source says it. */
static const char *jsonl_error(const char *in, char *msg)
{
    struct lt_record_source src;
    struct lt_limits lim;
    struct lt_err err;
    struct lt_buf out;
    FILE *f = text_file(in);

    lt_limits_default(&lim);
    lim.body_max = 100; /* lines of up to about 6 * (100 + 64 KiB + 8 KiB) bytes */
    lt_buf_init(&out, 0);
    lt_err_clear(&err);
    assert_int_equal(lt_jsonl_source(&src, f, "bad\x01.jsonl", &lim, &err), 0);
    assert_true(drain(&src, &out, &err) < 0);
    strcpy(msg, err.msg);
    lt_record_source_release(&src);
    lt_buf_release(&out);
    fclose(f);
    return msg;
}

static void test_jsonl_errors(void **state)
{
    char msg[LT_ERR_MSG_MAX], *big;
    size_t n = 500000;

    (void)state;
    assert_string_equal(jsonl_error("{\"ts_ns\":5,\"method\":\"GET\",\"url\":\"/\"}\n\n"
                                    "{\"ts_ns\":3,\"method\":\"GET\",\"url\":\"/\"}\n",
                                    msg),
                        "'bad\x01.jsonl' line 3: ts_ns 3 is below the previous record's 5 "
                        "(records must be in time order)");
    /* a control character the input put in a message becomes '?' (the name is the caller's) */
    assert_string_equal(
        jsonl_error("{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\",\"a\\u0002\":1}\n", msg),
        "'bad\x01.jsonl' line 1: unknown key 'a?'");
    assert_string_equal(jsonl_error("{\"ts_ns\":1,\"method\":\"POST\",\"url\":\"/\",\"body\":\""
                                    "0123456789012345678901234567890123456789012345678901234567"
                                    "890123456789012345678901234567890123456789012345\"}\n",
                                    msg),
                        "'bad\x01.jsonl' line 1: body is 106 bytes, over the limit of 100");
    big = malloc(n + 2);
    assert_non_null(big);
    memset(big, 'x', n);
    strcpy(big + n, "\n");
    assert_string_equal(jsonl_error(big, msg), "'bad\x01.jsonl' line 1: line is longer than 455256 "
                                               "bytes (the record limits)");
    free(big);
}

/* A sink that refuses the second record. */
static int refuse_second(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    int *n = ctx;

    (void)r;
    if (++*n == 2)
        return lt_error(err, LT_E_IO, "cannot write tape 'x.tape': No space left on device");
    return 0;
}

static void test_pump_names_the_line(void **state)
{
    static const char in[] = "{\"ts_ns\":1,\"method\":\"GET\",\"url\":\"/\"}\n\n"
                             "{\"ts_ns\":2,\"method\":\"GET\",\"url\":\"/\"}\n"
                             "{\"ts_ns\":3,\"method\":\"GET\",\"url\":\"/\"}\n";
    struct lt_record_source src;
    struct lt_record_sink out = {0};
    struct lt_limits lim;
    struct lt_err err;
    uint64_t put = 99;
    int calls = 0;
    FILE *f = text_file(in);

    (void)state;
    lt_limits_default(&lim);
    out.ctx = &calls;
    out.put = refuse_second;
    assert_int_equal(lt_jsonl_source(&src, f, "in.jsonl", &lim, &err), 0);
    assert_int_equal(lt_record_pump(&src, &out, NULL, &put, &err), LT_E_IO);
    assert_int_equal(put, 1);
    assert_string_equal(err.msg,
                        "'in.jsonl' line 3: cannot write tape 'x.tape': No space left on device");
    lt_record_source_release(&src);
    fclose(f);
}

/* A HAR log whose entries are not in time order in the file. */
static const char har_doc[] =
    "{\"log\":{\"version\":\"1.2\",\"entries\":["
    "{\"startedDateTime\":\"2026-03-01T10:00:02.500Z\",\"connection\":\"7\","
    "\"request\":{\"method\":\"GET\",\"url\":\"http://h.example/late\",\"headers\":[]}},"
    "{\"startedDateTime\":\"2026-03-01T10:00:01.000Z\",\"connection\":\"7\","
    "\"request\":{\"method\":\"POST\",\"url\":\"http://h.example/early?a=1\","
    "\"headers\":[{\"name\":\"X-A\",\"value\":\"b\"}],"
    "\"postData\":{\"mimeType\":\"application/json\",\"text\":\"{}\"}},"
    "\"response\":{\"status\":202},\"time\":12.5}]}}";

static void test_har_source(void **state)
{
    struct lt_record_source src;
    struct lt_limits lim;
    struct lt_err err;
    struct lt_buf a, b;
    uint64_t origin = 42;
    int64_t want;
    FILE *f = text_file(har_doc);

    (void)state;
    lt_limits_default(&lim);
    lt_buf_init(&a, 0);
    lt_buf_init(&b, 0);
    assert_int_equal(lt_har_source(&src, f, "in.har", &lim, &origin, &err), 0);
    assert_int_equal(lt_parse_iso8601("2026-03-01T10:00:01Z", &want, NULL), 0);
    assert_int_equal(origin, (uint64_t)want);
    assert_string_equal(
        src.meta(src.ctx),
        "{\"source\":{\"kind\":\"import\",\"format\":\"har\",\"file\":\"in.har\"}}");
    assert_int_equal(drain(&src, &a, &err), 0);
    assert_int_equal(lt_buf_cstr(&a), 0);
    assert_string_equal(
        (char *)a.data,
        "{\"ts_ns\":0,\"session\":7,\"method\":\"POST\",\"url\":\"/early?a=1\",\"headers\":"
        "[[\"X-A\",\"b\"]],\"body\":\"{}\",\"response\":{\"status\":202,"
        "\"latency_ns\":12500000}}\n"
        "{\"ts_ns\":1500000000,\"session\":7,\"method\":\"GET\",\"url\":\"/late\",\"headers\":"
        "[],\"body\":\"\"}\n");
    assert_string_equal(src.where(src.ctx), "'in.har'");
    /* rewind gives the same records again */
    assert_int_equal(src.rewind(src.ctx, &err), 0);
    assert_int_equal(drain(&src, &b, &err), 0);
    assert_int_equal(lt_buf_cstr(&b), 0);
    assert_string_equal((char *)a.data, (char *)b.data);
    lt_record_source_release(&src);
    lt_buf_release(&a);
    lt_buf_release(&b);
    fclose(f);
}

static void test_har_source_errors(void **state)
{
    struct lt_record_source src;
    struct lt_limits lim;
    struct lt_err err;
    struct lt_record r;
    uint64_t origin = 42;
    FILE *f;

    (void)state;
    lt_limits_default(&lim);
    f = text_file("{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-03-01T10:00:00Z\","
                  "\"request\":{\"method\":\"GET\",\"url\":\"/\"}},{}]}}");
    assert_int_equal(lt_har_source(&src, f, "in.har", &lim, &origin, &err), LT_E_FORMAT);
    assert_string_equal(err.msg, "'in.har': log.entries[1]: 'startedDateTime' is missing");
    assert_null(src.next);
    assert_int_equal(origin, 42);
    fclose(f);
    /* no entries: no records, and the origin stays the caller's */
    f = text_file("{\"log\":{\"entries\":[]}}");
    assert_int_equal(lt_har_source(&src, f, "in.har", &lim, &origin, &err), 0);
    assert_int_equal(origin, 42);
    assert_int_equal(src.next(src.ctx, &r, &err), 0);
    lt_record_source_release(&src);
    fclose(f);
}

/* Two records through a sink into memory; returns the bytes (malloc'd). */
static char *through_sink(int har, uint64_t origin, const struct lt_record *r, size_t n)
{
    struct lt_record_sink out;
    struct lt_err err;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    assert_int_equal(
        har ? lt_har_sink(&out, f, "mem", origin, &err) : lt_jsonl_sink(&out, f, "mem", &err), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out.put(out.ctx, &r[i], &err), 0);
    assert_int_equal(out.finish(out.ctx, NULL, &err), 0);
    lt_record_sink_release(&out);
    fclose(f);
    return text;
}

static void test_sinks(void **state)
{
    static const struct lt_header h[] = {{{(const uint8_t *)"Host", 4}, {(const uint8_t *)"x", 1}}};
    struct lt_record r[2];
    struct lt_buf want;
    char *got;

    (void)state;
    memset(r, 0, sizeof(r));
    r[0].ts_ns = 5;
    r[0].method = (struct lt_bytes){(const uint8_t *)"GET", 3};
    r[0].url = (struct lt_bytes){(const uint8_t *)"/a", 2};
    r[0].headers = h;
    r[0].nheaders = 1;
    r[1] = r[0];
    r[1].ts_ns = 2000000;
    r[1].body = (struct lt_bytes){(const uint8_t *)"caf\xc3\xa9", 5};
    lt_buf_init(&want, 0);
    assert_int_equal(lt_jsonl_write(&want, &r[0]) || lt_jsonl_write(&want, &r[1]), 0);
    assert_int_equal(lt_buf_cstr(&want), 0);
    got = through_sink(0, 0, r, 2);
    assert_string_equal(got, (char *)want.data);
    free(got);
    lt_buf_reset(&want);
    assert_int_equal(lt_har_begin(&want, 1000) || lt_har_entry(&want, &r[0], 1000, 1) ||
                         lt_har_entry(&want, &r[1], 1000, 0) || lt_har_end(&want),
                     0);
    assert_int_equal(lt_buf_cstr(&want), 0);
    got = through_sink(1, 1000, r, 2);
    assert_string_equal(got, (char *)want.data);
    free(got);
    /* no records: a valid, empty log */
    got = through_sink(1, 0, r, 0);
    cJSON *j = cJSON_Parse(got);
    assert_non_null(j);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "log"), "entries")), 0);
    cJSON_Delete(j);
    free(got);
    lt_buf_release(&want);
}

/* A full disk: the error names the output and the cause, at put() or at the latest finish(). */
static void test_sink_write_error(void **state)
{
    struct lt_record_sink out;
    struct lt_record r;
    struct lt_err err;
    int rc = 0;
    FILE *f = fopen("/dev/full", "w");

    (void)state;
    if (!f)
        skip();
    memset(&r, 0, sizeof(r));
    r.method = (struct lt_bytes){(const uint8_t *)"GET", 3};
    r.url = (struct lt_bytes){(const uint8_t *)"/", 1};
    lt_err_clear(&err);
    assert_int_equal(lt_jsonl_sink(&out, f, "full.jsonl", &err), 0);
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = out.put(out.ctx, &r, &err);
    assert_int_equal(rc, 0); /* held in the buffer */
    assert_int_equal(out.finish(out.ctx, NULL, &err), LT_E_IO);
    assert_string_equal(err.msg, "cannot write 'full.jsonl': No space left on device");
    lt_record_sink_release(&out);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_source),        cmocka_unit_test(test_jsonl_errors),
        cmocka_unit_test(test_pump_names_the_line), cmocka_unit_test(test_har_source),
        cmocka_unit_test(test_har_source_errors),   cmocka_unit_test(test_sinks),
        cmocka_unit_test(test_sink_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
