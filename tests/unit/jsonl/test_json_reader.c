/*
 * test_json_reader.c - the one reader of untrusted JSON (formats/jsonval.c):
 * its rules at their edges (lt_json_check), and the same verdict on every path
 * that reads untrusted JSON: the sink's event validation, a JSONL import line,
 * a HAR entry and a scenario file.
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
#include "lt_synth.h"

/* A heap string from a printf format (freed by the caller). */
static char *fmt(const char *f, ...)
{
    struct lt_buf b;
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    lt_buf_init(&b, 0);
    assert_int_equal(lt_buf_reserve(&b, (size_t)n + 1), 0);
    va_start(ap, f);
    vsnprintf((char *)b.data, (size_t)n + 1, f, ap);
    va_end(ap);
    return (char *)b.data;
}

/* depth arrays nested: [[[...]]]. */
static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);

    assert_non_null(s);
    memset(s, '[', (size_t)depth);
    memset(s + depth, ']', (size_t)depth);
    s[depth * 2] = '\0';
    return s;
}

/* An object of n members "k0".."k{n-1}", then, when dup >= 0, "k{dup}" again. */
static char *wide(int n, int dup)
{
    struct lt_buf b;

    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '{');
    for (int i = 0; i < n; i++)
        lt_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
    if (dup >= 0)
        lt_buf_printf(&b, ",\"k%d\":0", dup);
    lt_buf_putc(&b, '}');
    lt_buf_cstr(&b);
    return (char *)b.data;
}

static int check(const char *s, char *msg)
{
    struct lt_err err;
    int rc;

    lt_err_clear(&err);
    rc = lt_json_check(s, strlen(s), &err);
    if (msg)
        strcpy(msg, err.msg);
    return rc;
}

static void expect_refused(const char *s, const char *want)
{
    char msg[LT_ERR_MSG_MAX];

    if (check(s, msg) != LT_E_FORMAT || strcmp(msg, want) != 0)
        fail_msg("'%s': expected \"%s\", got \"%s\"", s, want, msg);
}

static void test_depth_limit(void **state)
{
    char *ok = nested(LT_JSON_DEPTH_MAX), *over = nested(LT_JSON_DEPTH_MAX + 1);

    (void)state;
    assert_int_equal(LT_JSON_DEPTH_MAX, 64);
    assert_int_equal(check(ok, NULL), 0);
    expect_refused(over, "invalid JSON at column 65: arrays and objects nested more than 64 deep");
    free(ok);
    free(over);
    /* objects count the same as arrays */
    ok = fmt("%s", "{\"a\":{\"a\":[{\"a\":[]}]}}");
    assert_int_equal(check(ok, NULL), 0);
    free(ok);
}

static void test_duplicate_keys(void **state)
{
    char *s;

    (void)state;
    expect_refused("{\"a\":1,\"a\":2}", "invalid JSON at column 8: duplicate key 'a'");
    /* the decoded key counts: \u0061 is "a" */
    expect_refused("{\"a\":1,\"\\u0061\":2}", "invalid JSON at column 8: duplicate key 'a'");
    expect_refused("{\"x\":{\"b\":[],\"b\":null}}", "invalid JSON at column 14: duplicate key 'b'");
    expect_refused("{\"caf\xc3\xa9\":1,\n\"caf\xc3\xa9\":2}",
                   "invalid JSON at line 2, column 1: duplicate key 'caf\xc3\xa9'");
    /* case differs, other objects, other levels: all distinct */
    assert_int_equal(check("{\"a\":1,\"A\":2,\"b\":{\"a\":3},\"c\":[{\"a\":4},{\"a\":5}]}", NULL),
                     0);
    /* large objects (past the pairwise comparison): the first and the last key again */
    s = wide(1000, 0);
    expect_refused(s, "invalid JSON at column 10782: duplicate key 'k0'");
    free(s);
    s = wide(9, 8);
    expect_refused(s, "invalid JSON at column 65: duplicate key 'k8'");
    free(s);
    s = wide(5000, -1);
    assert_int_equal(check(s, NULL), 0);
    free(s);
    /* two large objects with the same keys, one inside the other's array */
    {
        char *w = wide(20, -1);
        s = fmt("[%s,{\"in\":%s}]", w, w);
        assert_int_equal(check(s, NULL), 0);
        free(s);
        free(w);
    }
}

static void test_strings_numbers_rest(void **state)
{
    char msg[LT_ERR_MSG_MAX];

    (void)state;
    expect_refused("\"\\ud800\"", "invalid JSON at column 2: lone high surrogate in \\u escape");
    expect_refused("\"\\ud800\\u0041\"",
                   "invalid JSON at column 2: lone high surrogate in \\u escape");
    expect_refused("\"\\udc00\"", "invalid JSON at column 2: lone low surrogate in \\u escape");
    assert_int_equal(check("\"\\ud83d\\ude00 caf\xc3\xa9 \xf0\x9f\x98\x80\"", NULL), 0);
    expect_refused("[\"caf\xe9\"]", "invalid JSON at column 3: string is not valid UTF-8");
    expect_refused("[\"\xed\xa0\x80\"]", "invalid JSON at column 3: string is not valid UTF-8");
    expect_refused("{\"\xc0\xaf\":1}", "invalid JSON at column 3: string is not valid UTF-8");
    expect_refused("\"a\tb\"", "invalid JSON at column 3: control character in a string");
    expect_refused("\"\\x\"", "invalid JSON at column 2: bad escape in a string");
    /* numbers: RFC 8259's grammar, nothing more */
    assert_int_equal(check("[0,-0,1.5,-2e-3,1E+9,18446744073709551616,1e400]", NULL), 0);
    expect_refused("[01]", "invalid JSON at column 3: expected ',' or ']'");
    expect_refused("[1.]", "invalid JSON at column 2: bad number");
    expect_refused("[.5]", "invalid JSON at column 2: unexpected character");
    expect_refused("[+1]", "invalid JSON at column 2: unexpected character");
    expect_refused("[-]", "invalid JSON at column 2: bad number");
    expect_refused("[1e]", "invalid JSON at column 2: bad number");
    expect_refused("[NaN]", "invalid JSON at column 2: unexpected character");
    expect_refused("[0x10]", "invalid JSON at column 3: expected ',' or ']'");
    /* one value, whitespace around it, nothing after */
    assert_int_equal(check(" \t\r\n{} \n", NULL), 0);
    expect_refused("{} x", "invalid JSON at column 4: unexpected data after the JSON value");
    expect_refused("{}{}", "invalid JSON at column 3: unexpected data after the JSON value");
    expect_refused("", "invalid JSON at column 1: unexpected end of input");
    expect_refused("\xef\xbb\xbf{}", "invalid JSON at column 1: unexpected character");
    /* for text read on with cJSON, a NUL in a string is refused where it is */
    assert_int_equal(check("{\"a\":\"x\\u0000y\"}", msg), LT_E_FORMAT);
    assert_string_equal(msg, "invalid JSON at column 6: a string holds \\u0000, which this file "
                             "cannot carry");
}

/* ---- every path, the same verdict ----------------------------------------------- */

enum { P_EVENT, P_JSONL, P_HAR, P_SCENARIO, P_CHECK, P_N };
static const char *const path_names[P_N] = {"sink event", "JSONL line", "HAR entry",
                                            "scenario file", "lt_json_check"};

static int har_record(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    (void)r;
    (void)err;
    ++*(int *)ctx;
    return 0;
}

/*
 * value put where each path takes any JSON (an event's properties, a HAR
 * entry's custom field) or, where none does (JSONL, scenario files), as a key
 * the path does not know: the reader must have its say first. Returns 0 when
 * the path accepted, else fills msg.
 */
static int run_path(int path, const char *value, char *msg)
{
    struct lt_err err;
    char *doc = NULL;
    int rc = 0;

    lt_err_clear(&err);
    msg[0] = '\0';
    switch (path) {
    case P_EVENT: {
        struct lt_event_verdict v;
        doc = fmt("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"x\":%s}}",
                  value);
        if (lt_event_validate((const uint8_t *)doc, strlen(doc), &v) != LT_EV_OK) {
            strcpy(msg, v.msg);
            rc = v.reason == LT_EV_MALFORMED_JSON ? LT_E_FORMAT : -100;
        }
        break;
    }
    case P_JSONL: {
        struct lt_limits lim;
        struct lt_recbuf rb;
        lt_limits_default(&lim);
        lt_recbuf_init(&rb);
        doc = fmt("{\"ts_ns\":0,\"method\":\"GET\",\"url\":\"/\",\"x\":%s}", value);
        rc = lt_jsonl_parse(&rb, doc, strlen(doc), &lim, &err);
        lt_recbuf_release(&rb);
        strcpy(msg, err.msg);
        break;
    }
    case P_HAR: {
        struct lt_limits lim;
        uint64_t origin;
        int n = 0;
        lt_limits_default(&lim);
        doc = fmt("{\"log\":{\"entries\":[{\"startedDateTime\":\"2026-01-01T00:00:00Z\","
                  "\"request\":{\"method\":\"GET\",\"url\":\"/\"},\"_x\":%s}]}}",
                  value);
        rc = lt_har_import(doc, strlen(doc), &lim, &origin, har_record, &n, &err);
        if (!rc && n != 1)
            rc = -101;
        strcpy(msg, err.msg);
        break;
    }
    case P_SCENARIO: {
        struct lt_synth_config c;
        doc = fmt("{\"duration\":\"1s\",\"x\":%s}", value);
        rc = lt_synth_parse(&c, doc, strlen(doc), "t.json", &err);
        strcpy(msg, err.msg);
        break;
    }
    default:
        rc = lt_json_check(value, strlen(value), &err);
        strcpy(msg, err.msg);
    }
    free(doc);
    return rc;
}

static void test_same_verdict_everywhere(void **state)
{
    static const struct {
        const char *value, *reason;
    } bad[] = {
        {"\"caf\xe9\"", "string is not valid UTF-8"},
        {"\"\xf0\x9f\x98\"", "string is not valid UTF-8"},
        {"\"\\ud800\"", "lone high surrogate in \\u escape"},
        {"\"\\udfff x\"", "lone low surrogate in \\u escape"},
        {"{\"a\":1,\"a\":2}", "duplicate key 'a'"},
        {"{\"k\":1,\"\\u006b\":2}", "duplicate key 'k'"},
        {"\"tab\there\"", "control character in a string"},
        {"[1,]", "unexpected character"},
        {"[01]", "expected ',' or ']'"},
        {"1.", "bad number"},
        {"NaN", "unexpected character"},
        {"'single'", "unexpected character"},
    };
    char *deep = nested(100), *big = wide(50, 49);
    const char *extra[][2] = {{deep, "arrays and objects nested more than 64 deep"},
                              {big, "duplicate key 'k49'"}};
    char msg[LT_ERR_MSG_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 2; i++) {
        const char *value = i < sizeof(bad) / sizeof(bad[0]) ? bad[i].value : extra[i - 12][0];
        const char *reason = i < sizeof(bad) / sizeof(bad[0]) ? bad[i].reason : extra[i - 12][1];
        for (int p = 0; p < P_N; p++) {
            int rc = run_path(p, value, msg);
            if (rc != LT_E_FORMAT || !strstr(msg, reason) || !strstr(msg, "JSON at "))
                fail_msg("%s with %.60s: expected the reader's \"%s\", got %d \"%s\"",
                         path_names[p], value, reason, rc, msg);
        }
    }
    free(deep);
    free(big);
}

/* What the reader accepts, every path accepts as JSON: any refusal is the path's own rule. */
static void test_same_acceptance_everywhere(void **state)
{
    const char *good[] = {
        "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \\ud83d\\ude00 \\u00e9\\/\"",
        "{\"a\":1,\"A\":2,\"b\":{\"a\":1}}",
        "[0,-0,1.5e-3,1E+9,18446744073709551616,1e400,true,false,null]",
        NULL, /* 60 arrays deep: under the limit inside every document */
        NULL, /* 50 distinct keys */
    };
    char *deep = nested(60), *big = wide(50, -1), msg[LT_ERR_MSG_MAX];

    (void)state;
    good[3] = deep;
    good[4] = big;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        for (int p = 0; p < P_N; p++) {
            int rc = run_path(p, good[i], msg);
            /* JSONL and scenario files know no key "x": refused for that, by their own rule */
            int want_refusal = p == P_JSONL || p == P_SCENARIO;
            if (want_refusal ? !(rc && strstr(msg, "unknown key") && !strstr(msg, "JSON at"))
                             : rc != 0)
                fail_msg("%s with %.60s: got %d \"%s\"", path_names[p], good[i], rc, msg);
        }
    }
    free(deep);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_strings_numbers_rest),
        cmocka_unit_test(test_same_verdict_everywhere),
        cmocka_unit_test(test_same_acceptance_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
