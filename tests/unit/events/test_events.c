/* test_events.c - the sink's event validation rules (DESIGN.md §4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lt_formats.h"

static struct lt_event_verdict v;

static enum lt_event_reason check(const char *body)
{
    return lt_event_validate((const uint8_t *)body, strlen(body), &v);
}

static void test_valid(void **state)
{
    (void)state;
    assert_int_equal(check("{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u1\","
                           "\"properties\":{\"plan\":\"pro\"},\"context\":{}}"),
                     LT_EV_OK);
    assert_int_equal(v.accepted, 1);
    assert_int_equal(v.index, -1);
    assert_int_equal(check("{\"type\":\"identify\",\"anonymousId\":\"a\",\"traits\":{}}"),
                     LT_EV_OK);
    assert_int_equal(check("{\"type\":\"page\",\"userId\":\"u\",\"anonymousId\":null}"), LT_EV_OK);
    assert_int_equal(check("{\"type\":\"screen\",\"userId\":\"u\"}"), LT_EV_OK);
    assert_int_equal(check("{\"type\":\"group\",\"userId\":\"u\",\"groupId\":\"g\"}"), LT_EV_OK);
    assert_int_equal(check("{\"type\":\"alias\",\"userId\":\"u\",\"previousId\":\"p\"}"), LT_EV_OK);
    assert_int_equal(check(" {\"batch\":[{\"type\":\"page\",\"userId\":\"u\"},"
                           "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"x\"}]}\n"),
                     LT_EV_OK);
    assert_int_equal(v.accepted, 2);
}

static void test_invalid(void **state)
{
    static const struct {
        const char *body;
        enum lt_event_reason reason;
        const char *name;
        const char *msg;
    } cases[] = {
        {"", LT_EV_MALFORMED_JSON, "malformed_json", "empty body"},
        {"{\"type\":\"track\"", LT_EV_MALFORMED_JSON, "malformed_json", "not valid JSON"},
        {"[1,2]", LT_EV_NOT_OBJECT, "not_object", "JSON object"},
        {"\"track\"", LT_EV_NOT_OBJECT, "not_object", "JSON object"},
        {"{\"userId\":\"u\"}", LT_EV_MISSING_TYPE, "missing_type", "missing \"type\""},
        {"{\"type\":\"purchase\",\"userId\":\"u\"}", LT_EV_UNKNOWN_TYPE, "unknown_type",
         "unknown type 'purchase'"},
        {"{\"type\":\"Track\",\"userId\":\"u\",\"event\":\"e\"}", LT_EV_UNKNOWN_TYPE,
         "unknown_type", "'Track'"},
        {"{\"type\":\"track\",\"userId\":\"u\"}", LT_EV_TRACK_WITHOUT_EVENT, "track_without_event",
         "without \"event\""},
        {"{\"type\":\"track\",\"userId\":\"u\",\"event\":42}", LT_EV_WRONG_FIELD_TYPE,
         "wrong_field_type", "\"event\" must be a string"},
        {"{\"type\":7,\"userId\":\"u\"}", LT_EV_WRONG_FIELD_TYPE, "wrong_field_type",
         "\"type\" must be a string"},
        {"{\"type\":\"page\",\"userId\":12}", LT_EV_WRONG_FIELD_TYPE, "wrong_field_type",
         "\"userId\" must be a string"},
        {"{\"type\":\"page\",\"userId\":\"u\",\"properties\":[]}", LT_EV_WRONG_FIELD_TYPE,
         "wrong_field_type", "\"properties\" must be an object"},
        {"{\"type\":\"identify\",\"userId\":\"u\",\"traits\":\"vip\"}", LT_EV_WRONG_FIELD_TYPE,
         "wrong_field_type", "\"traits\" must be an object"},
        {"{\"type\":\"page\",\"userId\":\"u\",\"context\":null}", LT_EV_WRONG_FIELD_TYPE,
         "wrong_field_type", "\"context\" must be an object"},
        {"{\"type\":\"page\"}", LT_EV_MISSING_USER, "missing_user", "userId"},
        {"{\"type\":\"page\",\"userId\":\"\"}", LT_EV_MISSING_USER, "missing_user", "userId"},
        {"{\"batch\":[]}", LT_EV_EMPTY_BATCH, "empty_batch", "empty"},
        {"{\"batch\":{}}", LT_EV_WRONG_FIELD_TYPE, "wrong_field_type", "must be an array"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum lt_event_reason r = check(cases[i].body);
        if (r != cases[i].reason || !strstr(v.msg, cases[i].msg)) {
            print_error("case %zu '%s': got %s '%s'\n", i, cases[i].body, lt_event_reason_name(r),
                        v.msg);
            fail();
        }
        assert_string_equal(lt_event_reason_name(r), cases[i].name);
        assert_int_equal(lt_event_reason_from_name(cases[i].name), (int)cases[i].reason);
        assert_int_equal(v.accepted, 0);
    }
}

/* One bad event rejects the whole batch and names its index. */
static void test_batch_index(void **state)
{
    (void)state;
    assert_int_equal(check("{\"batch\":[{\"type\":\"page\",\"userId\":\"u\"},"
                           "{\"type\":\"page\",\"userId\":\"u\"},"
                           "{\"type\":\"track\",\"userId\":\"u\"}]}"),
                     LT_EV_TRACK_WITHOUT_EVENT);
    assert_int_equal(v.index, 2);
    assert_int_equal(v.accepted, 0);
    assert_string_equal(v.msg, "batch[2]: track event without \"event\"");
    assert_int_equal(check("{\"batch\":[5]}"), LT_EV_NOT_OBJECT);
    assert_int_equal(v.index, 0);
}

/* An unknown type is quoted as it came: UTF-8 whole, never cut inside a character. */
static void test_messages_keep_utf8(void **state)
{
    (void)state;
    assert_int_equal(check("{\"type\":\"caf\xc3\xa9\",\"userId\":\"u\"}"), LT_EV_UNKNOWN_TYPE);
    assert_string_equal(v.msg, "unknown type 'caf\xc3\xa9'");
    /* an escape decodes to the same bytes */
    assert_int_equal(check("{\"type\":\"caf\\u00e9 \\ud83d\\ude00\",\"userId\":\"u\"}"),
                     LT_EV_UNKNOWN_TYPE);
    assert_string_equal(v.msg, "unknown type 'caf\xc3\xa9 \xf0\x9f\x98\x80'");
    /* 38 bytes, then a 4-byte emoji that would end past the 40 quoted: left out whole */
    assert_int_equal(check("{\"type\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xf0\x9f\x98\x80"
                           "tail\",\"userId\":\"u\"}"),
                     LT_EV_UNKNOWN_TYPE);
    assert_string_equal(v.msg, "unknown type 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
    /* a NUL does not cut the message short, nor pass for "track" */
    assert_int_equal(check("{\"type\":\"track\\u0000x\",\"userId\":\"u\",\"event\":\"e\"}"),
                     LT_EV_UNKNOWN_TYPE);
    assert_string_equal(v.msg, "unknown type 'track\\u0000x'");
    assert_int_equal(check("{\"batch\":[{\"type\":\"\xc3\xa9t\xc3\xa9\",\"userId\":\"u\"}]}"),
                     LT_EV_UNKNOWN_TYPE);
    assert_string_equal(v.msg, "batch[0]: unknown type '\xc3\xa9t\xc3\xa9'");
}

/* What the reader refuses is malformed_json, the message saying where and why. */
static void test_reader_refusals(void **state)
{
    static const struct {
        const char *body, *msg;
    } cases[] = {
        {"{\"type\":\"track\",\"type\":\"page\",\"userId\":\"u\"}",
         "body is not valid JSON at column 17: duplicate key 'type'"},
        {"{\"type\":\"page\",\"userId\":\"caf\xe9\"}",
         "body is not valid JSON at column 26: string is not valid UTF-8"},
        {"{\"type\":\"page\",\"userId\":\"\\ud800\"}",
         "body is not valid JSON at column 26: lone high surrogate in \\u escape"},
        {"{\"type\":\"page\",\"userId\":\"u\"} trailing",
         "body is not valid JSON at column 30: unexpected data after the JSON value"},
        {"{\"type\":\"page\",\n\"userId\":01}",
         "body is not valid JSON at line 2, column 11: expected ',' or '}'"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(check(cases[i].body), LT_EV_MALFORMED_JSON);
        assert_string_equal(v.msg, cases[i].msg);
        assert_int_equal(v.accepted, 0);
    }
}

/* An event with properties {"x": arrays nested n deep}. */
static enum lt_event_reason check_nested(int n)
{
    char body[400];
    int len =
        snprintf(body, sizeof(body), "{\"type\":\"page\",\"userId\":\"u\",\"properties\":{\"x\":");

    for (int i = 0; i < n; i++)
        body[len++] = '[';
    for (int i = 0; i < n; i++)
        body[len++] = ']';
    memcpy(body + len, "}}", 3);
    return check(body);
}

/* Properties nest up to the reader's limit: 64 levels of arrays and objects in all. */
static void test_depth(void **state)
{
    (void)state;
    /* the event object and properties are 2 levels: 62 arrays more make 64 */
    assert_int_equal(check_nested(62), LT_EV_OK);
    assert_int_equal(check_nested(63), LT_EV_MALFORMED_JSON);
    assert_string_equal(v.msg, "body is not valid JSON at column 109: arrays and objects nested "
                               "more than 64 deep");
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(lt_event_reason_name(LT_EV_OK), "ok");
    assert_null(lt_event_reason_name(LT_EV_REASON_COUNT));
    assert_int_equal(lt_event_reason_from_name("nope"), -1);
    for (int i = 0; i < LT_EV_REASON_COUNT; i++)
        assert_int_equal(lt_event_reason_from_name(lt_event_reason_name(i)), i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),           cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_batch_index),     cmocka_unit_test(test_messages_keep_utf8),
        cmocka_unit_test(test_reader_refusals), cmocka_unit_test(test_depth),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
