/*
 * test_tape_golden.c - reads tests/data/golden-v1.tape, a tape written by the
 * first version of the format, and checks every value in it: the format must
 * never change under an old tape silently. The records are those of
 * tests/data/golden-v1.jsonl (also checked here), listed below.
 *
 * `test_tape_golden --write PATH` writes the tape again from the table (only
 * for a new golden file of a new format version; never to "fix" this test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "lt_formats.h"

#define ORIGIN 1767225600000000000ULL /* 2026-01-01T00:00:00Z */
#define BIG1 9007199254740993ULL      /* 2^53 + 1 */
#define BIG3 9007199254740995ULL      /* 2^53 + 3 */
#define B(s)                                                                                       \
    {                                                                                              \
        (const uint8_t *)(s), sizeof(s) - 1                                                        \
    }
#define H(n, v)                                                                                    \
    {                                                                                              \
        B(n), B(v)                                                                                 \
    }

static const struct lt_header h_json[] = {H("Content-Type", "application/json"),
                                          H("User-Agent", "golden/1.0")};
static const struct lt_header h_health[] = {H("Host", "example.test")};
static const struct lt_header h_ios[] = {H("content-type", "application/octet-stream"),
                                         H("X-Dup", "a"), H("X-Dup", "b")};
static const struct lt_header h_page[] = {H("Content-Type", "application/json"),
                                          H("X-Bin", "a\0b\xff")};

static const struct lt_record golden[] = {
    {0, 1, B("POST"), B("/collect/web"), h_json, 2,
     B("{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u1\"}"), 1, 202, 830000, 0},
    {1500000, 1, B("POST"), B("/collect/web"), h_json, 2,
     B("{\"type\":\"identify\",\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\"}}"), 1, 202, 910000,
     0},
    {2000000, 2, B("GET"), B("/health"), h_health, 1, B(""), 0, 0, 0, LT_RF_NO_RESPONSE},
    {2000000, BIG1, B("POST"), B("/collect/ios?batch=1"), h_ios, 3, B("\0\1\xff\xfex"), 1, 400,
     1200000, LT_RF_TRUNCATED | LT_RF_REDACTED},
    {BIG3, 3, B("PUT"), B("/collect/web"), h_page, 2, B("{\"type\":\"page\",\"name\":\"Home\"}"), 1,
     503, 0, LT_RF_INVALID},
    {BIG3, 3, B("POST"), B("/collect/web"), NULL, 0, B(""), 0, 0, 0, LT_RF_INCOMPLETE},
};
#define NGOLDEN (sizeof(golden) / sizeof(golden[0]))

static int bytes_eq(struct lt_bytes a, struct lt_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void assert_record(const struct lt_record *a, const struct lt_record *b, size_t i)
{
    if (a->ts_ns != b->ts_ns || a->session != b->session || !bytes_eq(a->method, b->method) ||
        !bytes_eq(a->url, b->url) || !bytes_eq(a->body, b->body) || a->flags != b->flags ||
        a->has_response != b->has_response || a->status != b->status ||
        a->resp_latency_ns != b->resp_latency_ns || a->nheaders != b->nheaders)
        fail_msg("golden record %zu differs", i);
    for (size_t k = 0; k < a->nheaders; k++)
        if (!bytes_eq(a->headers[k].name, b->headers[k].name) ||
            !bytes_eq(a->headers[k].value, b->headers[k].value))
            fail_msg("golden record %zu: header %zu differs", i, k);
}

static void test_golden_v1(void **state)
{
    struct lt_err err = {0};
    struct lt_tape_reader *r = lt_tape_reader_open(LT_TEST_DATA "/golden-v1.tape", &err);
    const struct lt_tape_info *info;
    const cJSON *meta, *stats;
    struct lt_record rec;
    size_t n = 0;
    int rc;

    (void)state;
    if (!r)
        fail_msg("%s", err.msg);
    info = lt_tape_reader_info(r);
    assert_int_equal(info->version_major, 1);
    assert_int_equal(info->version_minor, 0);
    assert_int_equal(info->closed, 1);
    assert_null(lt_tape_reader_warning(r));
    assert_int_equal(info->nrecords, 6);
    assert_int_equal(info->nblocks, 2);
    assert_true(info->origin_ns == ORIGIN);
    assert_true(info->first_ts_ns == 0);
    assert_true(info->last_ts_ns == BIG3);
    assert_int_equal(lt_tape_reader_block(r, 0)->nrecords, 4);
    assert_int_equal(lt_tape_reader_block(r, 1)->nrecords, 2);
    assert_int_equal(lt_tape_reader_block(r, 1)->first_record, 4);
    assert_true(lt_tape_reader_block(r, 1)->first_ts_ns == BIG3);
    meta = lt_tape_reader_meta(r);
    assert_string_equal(cJSON_GetObjectItem(meta, "format")->valuestring, "loadtape tape");
    assert_string_equal(cJSON_GetObjectItem(meta, "origin")->valuestring,
                        "2026-01-01T00:00:00.000000000Z");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(meta, "source"), "file")->valuestring,
        "golden-v1.jsonl");
    assert_int_equal(cJSON_GetObjectItem(meta, "records")->valuedouble, 6);
    stats = cJSON_GetObjectItem(meta, "stats");
    assert_int_equal(cJSON_GetObjectItem(stats, "sessions")->valuedouble, 4);
    assert_int_equal(cJSON_GetObjectItem(stats, "with_response")->valuedouble, 4);
    assert_string_equal(cJSON_GetObjectItem(stats, "last_ts_ns")->valuestring, "9007199254740995");
    while ((rc = lt_tape_reader_next(r, &rec, &err)) == 1) {
        assert_true(n < NGOLDEN);
        assert_record(&rec, &golden[n], n);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, NGOLDEN);
    assert_int_equal(lt_tape_reader_seek_ts(r, 2000000, &err), 0);
    assert_int_equal(lt_tape_reader_next(r, &rec, &err), 1);
    assert_record(&rec, &golden[2], 2);
    lt_tape_reader_free(r);
}

/* The JSONL source holds the same records (read with the JSONL parser). */
static void test_golden_source(void **state)
{
    FILE *f = fopen(LT_TEST_DATA "/golden-v1.jsonl", "r");
    struct lt_limits lim;
    struct lt_recbuf rb;
    struct lt_err err = {0};
    char line[4096];
    size_t n = 0;

    (void)state;
    assert_non_null(f);
    lt_limits_default(&lim);
    lt_recbuf_init(&rb);
    while (fgets(line, sizeof(line), f)) {
        size_t len = strcspn(line, "\n");
        if (lt_jsonl_parse(&rb, line, len, &lim, &err) != 0)
            fail_msg("golden-v1.jsonl line %zu: %s", n + 1, err.msg);
        assert_true(n < NGOLDEN);
        assert_record(&rb.rec, &golden[n], n);
        n++;
    }
    fclose(f);
    lt_recbuf_release(&rb);
    assert_int_equal(n, NGOLDEN);
}

static int write_golden(const char *path)
{
    struct lt_tape_writer_opts o = {
        .block_records = 4,
        .origin_ns = ORIGIN,
        .meta_json = "{\"source\":{\"kind\":\"import\",\"file\":\"golden-v1.jsonl\"}}"};
    struct lt_err err = {0};
    struct lt_tape_writer *w = lt_tape_writer_open(path, &o, &err);

    for (size_t i = 0; w && i < NGOLDEN; i++)
        if (lt_tape_writer_append(w, &golden[i], &err))
            break;
    if (!w || err.code || lt_tape_writer_close(w, NULL, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_v1),
        cmocka_unit_test(test_golden_source),
    };
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_golden(argv[2]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
