/*
 * test_redact.c - the recording transform: secrets in headers, query and
 * JSON bodies at any depth replaced by the marker, framing that follows the
 * body, origin form, and nothing else touched.
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

#include <cjson/cJSON.h>

#define B(s) ((struct lt_bytes){(const uint8_t *)(s), sizeof(s) - 1})
#define H(n, v) ((struct lt_header){B(n), B(v)})

static void assert_bytes(struct lt_bytes got, const char *want)
{
    size_t n = strlen(want);
    if (got.len != n || memcmp(got.p, want, n) != 0)
        fail_msg("got '%.*s', want '%s'", (int)got.len, (const char *)got.p, want);
}

static const char *header(const struct lt_record *r, const char *name)
{
    static char v[256];
    const struct lt_header *h = lt_record_header(r, name);
    if (!h)
        return NULL;
    snprintf(v, sizeof(v), "%.*s", (int)h->value.len, (const char *)h->value.p);
    return v;
}

static struct lt_redact *rd_new(const struct lt_redact_opts *o)
{
    struct lt_err err;
    struct lt_redact *rd = lt_redact_new(o, &err);
    assert_non_null(rd);
    return rd;
}

static struct lt_record post(struct lt_bytes url, const struct lt_header *h, size_t nh,
                             struct lt_bytes body)
{
    struct lt_record r;
    memset(&r, 0, sizeof(r));
    r.method = B("POST");
    r.url = url;
    r.headers = h;
    r.nheaders = nh;
    r.body = body;
    return r;
}

static void test_headers(void **state)
{
    struct lt_header h[] = {H("Host", "x"), H("Authorization", "Bearer SECRET123"),
                            H("x-write-key", "wk_live_1"), H("X-Segment-Write-Key", "seg"),
                            H("X-Trace", "keep")};
    struct lt_record in = post(B("/collect/web"), h, 5, B("")), out;
    struct lt_redact *rd = rd_new(NULL);
    struct lt_err err;

    (void)state;
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_int_equal(out.nheaders, 5);
    assert_string_equal(header(&out, "authorization"), "[redacted]");
    assert_string_equal(header(&out, "X-Write-Key"), "[redacted]");
    assert_string_equal(header(&out, "x-segment-write-key"), "[redacted]");
    assert_string_equal(header(&out, "x-trace"), "keep");
    assert_string_equal(header(&out, "host"), "x");
    /* names keep their case and order */
    assert_bytes(out.headers[1].name, "Authorization");
    assert_true(out.flags & LT_RF_REDACTED);
    assert_int_equal(lt_redact_stats(rd)->headers, 3);
    assert_int_equal(lt_redact_stats(rd)->redacted, 1);
    lt_redact_free(rd);
}

static void test_query(void **state)
{
    struct lt_record in = post(
                         B("/collect/web?api_key=AK1&keep=1&token=T1&TOKEN=T2&sig=&writeKey=w"),
                         NULL, 0, B("")),
                     out;
    struct lt_redact *rd = rd_new(NULL);
    struct lt_err err;

    (void)state;
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    /* an empty value stays empty: there is nothing to hide */
    assert_bytes(out.url, "/collect/web?api_key=%5Bredacted%5D&keep=1&token=%5Bredacted%5D"
                          "&TOKEN=%5Bredacted%5D&sig=&writeKey=%5Bredacted%5D");
    assert_int_equal(lt_redact_stats(rd)->queries, 4);
    assert_true(out.flags & LT_RF_REDACTED);
    /* a name that only contains a secret's name is not one */
    in = post(B("/p?monkey=1&tokens=2&xkey=3"), NULL, 0, B(""));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_ptr_equal(out.url.p, in.url.p);
    assert_false(out.flags & LT_RF_REDACTED);
    lt_redact_free(rd);
}

static void assert_valid_json(struct lt_bytes b)
{
    cJSON *j = cJSON_ParseWithLength((const char *)b.p, b.len);
    if (!j)
        fail_msg("not JSON: %.*s", (int)b.len, (const char *)b.p);
    cJSON_Delete(j);
}

static void test_json_any_depth(void **state)
{
    static const char body[] =
        "{\"writeKey\":\"WK2\",\"type\":\"track\",\"context\":{\"password\" : \"P3\","
        "\"note\":\"a \\\"token\\\": here\"},\"batch\":[{\"token\":\"T4\",\"n\":1},"
        "{\"apiKey\":{\"nested\":[1,2]}},{\"secret\":12.5e3}],\"api_key\":null,"
        "\"name\":\"password\"}";
    struct lt_header h[] = {H("Content-Type", "application/json"), H("Content-Length", "999")};
    struct lt_record in = post(B("/collect/web"), h, 2, B(body)), out;
    struct lt_redact *rd = rd_new(NULL);
    struct lt_err err;
    char clen[16];

    (void)state;
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.body,
                 "{\"writeKey\":\"[redacted]\",\"type\":\"track\",\"context\":{\"password\" : "
                 "\"[redacted]\",\"note\":\"a \\\"token\\\": here\"},\"batch\":[{\"token\":"
                 "\"[redacted]\",\"n\":1},{\"apiKey\":\"[redacted]\"},{\"secret\":\"[redacted]\"}],"
                 "\"api_key\":\"[redacted]\",\"name\":\"password\"}");
    assert_valid_json(out.body);
    assert_int_equal(lt_redact_stats(rd)->fields, 6);
    snprintf(clen, sizeof(clen), "%zu", out.body.len);
    assert_string_equal(header(&out, "content-length"), clen);
    assert_true(out.flags & LT_RF_REDACTED);
    lt_redact_free(rd);
}

static void test_idempotent_and_untouched(void **state)
{
    static const char body[] = "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\"}";
    struct lt_header h[] = {H("Content-Length", "41"), H("X-A", "1")};
    struct lt_record in = post(B("/collect/web?a=1"), h, 2, B(body)), out, again;
    struct lt_redact *rd = rd_new(NULL);
    struct lt_err err;
    struct lt_recbuf rb;

    (void)state;
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_ptr_equal(out.body.p, in.body.p);
    assert_ptr_equal(out.url.p, in.url.p);
    assert_int_equal(out.flags, 0);
    assert_int_equal(lt_redact_stats(rd)->normalised, 0);
    /* a redacted record goes through again unchanged and is not counted twice */
    in = post(B("/p?token=T"), h, 0, B("{\"token\":\"T\"}"));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    lt_recbuf_init(&rb);
    assert_int_equal(lt_recbuf_set(&rb, &out), 0);
    assert_int_equal(lt_redact_apply(rd, &rb.rec, &again, &err), 0);
    assert_bytes(again.url, "/p?token=%5Bredacted%5D");
    assert_bytes(again.body, "{\"token\":\"[redacted]\"}");
    assert_int_equal(lt_redact_stats(rd)->queries, 1);
    assert_int_equal(lt_redact_stats(rd)->fields, 1);
    lt_recbuf_release(&rb);
    lt_redact_free(rd);
}

static void test_keep_secrets_and_more_names(void **state)
{
    const char *hs[] = {"X-Tenant"}, *qs[] = {"session"}, *fs[] = {"ssn"};
    struct lt_redact_opts keep = {.keep_secrets = 1};
    struct lt_redact_opts more = {0, hs, 1, qs, 1, fs, 1};
    struct lt_header h[] = {H("Authorization", "Bearer S"), H("X-Tenant", "t1"),
                            H("Content-Length", "23")};
    struct lt_record in = post(B("/p?token=T&session=S"), h, 3,
                               B("{\"ssn\":\"1\",\"token\":\"2\"}")),
                     out;
    struct lt_redact *rd = rd_new(&keep);
    struct lt_err err;

    (void)state;
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_ptr_equal(out.url.p, in.url.p);
    assert_ptr_equal(out.body.p, in.body.p);
    assert_string_equal(header(&out, "authorization"), "Bearer S");
    assert_int_equal(out.flags, 0);
    lt_redact_free(rd);

    rd = rd_new(&more);
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.url, "/p?token=%5Bredacted%5D&session=%5Bredacted%5D");
    assert_bytes(out.body, "{\"ssn\":\"[redacted]\",\"token\":\"[redacted]\"}");
    assert_string_equal(header(&out, "x-tenant"), "[redacted]");
    assert_string_equal(header(&out, "content-length"), "41");
    lt_redact_free(rd);
}

static void test_framing_and_origin(void **state)
{
    struct lt_header te[] = {H("Host", "h"), H("Transfer-Encoding", "chunked"),
                             H("Content-Length", "3")};
    struct lt_header none[] = {H("Host", "h")};
    struct lt_header cl050[] = {H("Content-Length", " 050")};
    struct lt_record in = post(B("http://h:8080/collect/web?x=1"), te, 3, B("hello")), out;
    struct lt_redact_opts keep = {.keep_secrets = 1};
    struct lt_redact *rd = rd_new(&keep);
    struct lt_err err;

    (void)state;
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.url, "/collect/web?x=1");
    assert_int_equal(out.nheaders, 2);
    assert_bytes(out.headers[1].name, "Content-Length");
    assert_bytes(out.headers[1].value, "5");
    /* a body without framing gets a Content-Length at the end */
    in = post(B("http://h"), none, 1, B("abc"));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.url, "/");
    assert_int_equal(out.nheaders, 2);
    assert_bytes(out.headers[1].value, "3");
    /* an absolute form with a query but no path: "/" + query; then stable */
    in = post(B("http://h:80?token=t&b=1"), none, 0, B(""));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.url, "/?token=t&b=1");
    /* not a scheme: left as it is */
    in = post(B("?x://h/p"), none, 0, B(""));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_ptr_equal(out.url.p, in.url.p);
    /* "050" is 50: framing that is right stays as it was written */
    in = post(B("*"), cl050, 1, B("01234567890123456789012345678901234567890123456789"));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.url, "*");
    assert_bytes(out.headers[0].value, " 050");
    assert_int_equal(lt_redact_stats(rd)->normalised, 3);
    lt_redact_free(rd);
}

static void test_form_body_and_broken_json(void **state)
{
    struct lt_header form[] = {
        H("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        H("Content-Length", "21")};
    struct lt_record in = post(B("/p"), form, 2, B("writeKey=abc&event=ok")), out;
    struct lt_redact *rd = rd_new(NULL);
    struct lt_err err;

    (void)state;
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.body, "writeKey=%5Bredacted%5D&event=ok");
    assert_string_equal(header(&out, "content-length"), "32");
    /* cut-off JSON: what can be found is redacted, nothing is read past the end */
    in = post(B("/p"), NULL, 0, B("{\"a\":[{\"token\":\"abc"));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.body, "{\"a\":[{\"token\":\"[redacted]\"");
    in = post(B("/p"), NULL, 0, B("{\"token\""));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.body, "{\"token\"");
    in = post(B("/p"), NULL, 0, B("[\"\\\\\",\"token\":1]"));
    assert_int_equal(lt_redact_apply(rd, &in, &out, &err), 0);
    assert_bytes(out.body, "[\"\\\\\",\"token\":\"[redacted]\"]");
    lt_redact_free(rd);
}

static void test_bad_names(void **state)
{
    const char *empty[] = {""};
    struct lt_redact_opts o = {.headers = empty, .nheaders = 1};
    struct lt_err err;

    (void)state;
    lt_err_clear(&err);
    assert_null(lt_redact_new(&o, &err));
    assert_non_null(strstr(err.msg, "empty"));
}

/* ---- the pump, and a sink chain ---------------------------------------------------- */

struct arr_src {
    const struct lt_record *v;
    size_t n, i;
};

static int arr_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct arr_src *a = ctx;
    (void)err;
    if (a->i == a->n)
        return 0;
    *rec = a->v[a->i++];
    return 1;
}

struct collect {
    struct lt_buf jsonl;
    int finished, fail_at, puts;
};

static int col_put(void *ctx, const struct lt_record *rec, struct lt_err *err)
{
    struct collect *c = ctx;
    if (++c->puts == c->fail_at)
        return lt_error(err, LT_E_IO, "disk full");
    return lt_jsonl_write(&c->jsonl, rec);
}

static int col_finish(void *ctx, const char *meta, struct lt_err *err)
{
    struct collect *c = ctx;
    (void)meta;
    (void)err;
    c->finished++;
    return 0;
}

static void test_pump_through_redaction(void **state)
{
    struct lt_header h[] = {H("Authorization", "Bearer S")};
    struct lt_record recs[3];
    struct arr_src a = {recs, 3, 0};
    struct lt_record_source src = {.ctx = &a, .next = arr_next};
    struct collect c = {.fail_at = 0};
    struct lt_record_sink col = {.ctx = &c, .put = col_put, .finish = col_finish};
    struct lt_record_sink chain;
    struct lt_redact *rd = rd_new(NULL);
    struct lt_err err;
    uint64_t n = 0;
    volatile int stop = 0;

    (void)state;
    for (int i = 0; i < 3; i++)
        recs[i] = post(B("/p?token=t"), h, 1, B(""));
    lt_buf_init(&c.jsonl, 0);
    assert_int_equal(lt_redact_sink(&chain, rd, &col, &err), 0);
    assert_int_equal(lt_record_pump(&src, &chain, &stop, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(c.finished, 0);
    assert_int_equal(chain.finish(chain.ctx, NULL, &err), 0);
    assert_int_equal(c.finished, 1);
    assert_int_equal(lt_buf_cstr(&c.jsonl), 0);
    assert_null(strstr((char *)c.jsonl.data, "Bearer S"));
    assert_null(strstr((char *)c.jsonl.data, "token=t"));
    assert_non_null(strstr((char *)c.jsonl.data, "\"redacted\""));
    /* a failing sink stops the pump with its error; a stop flag stops it before the next */
    a.i = 0;
    c.fail_at = c.puts + 2;
    assert_int_equal(lt_record_pump(&src, &chain, &stop, &n, &err), LT_E_IO);
    assert_int_equal(n, 1);
    assert_string_equal(err.msg, "disk full");
    a.i = 0;
    stop = 1;
    assert_int_equal(lt_record_pump(&src, &chain, &stop, &n, &err), 0);
    assert_int_equal(n, 0);
    lt_record_sink_release(&chain);
    assert_null(chain.put);
    lt_buf_release(&c.jsonl);
    lt_redact_free(rd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_json_any_depth),
        cmocka_unit_test(test_idempotent_and_untouched),
        cmocka_unit_test(test_keep_secrets_and_more_names),
        cmocka_unit_test(test_framing_and_origin),
        cmocka_unit_test(test_form_body_and_broken_json),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_pump_through_redaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
