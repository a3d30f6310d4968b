/*
 * test_json_text.c - unit tests for common/json.c: the one JSON string escaper
 * (UTF-8 through as it is, controls escaped, invalid bytes as U+FFFD) and the
 * number-or-string rule for u64 values, exact at its edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lt_common.h"

/* p[0, n) through lt_buf_json_strn, compared byte for byte with want (a C string). */
static void expect_str(const char *p, size_t n, const char *want)
{
    struct lt_buf b;

    lt_buf_init(&b, 0);
    assert_int_equal(lt_buf_json_strn(&b, p, n), 0);
    assert_int_equal(lt_buf_cstr(&b), 0);
    assert_string_equal((const char *)b.data, want);
    /* whatever came in, what goes out is UTF-8 */
    assert_true(lt_utf8_valid(b.data, b.len));
    lt_buf_release(&b);
}

#define EXPECT(lit, want) expect_str(lit, sizeof(lit) - 1, want)

static void test_utf8_passes_through(void **state)
{
    (void)state;
    EXPECT("caf\xc3\xa9", "\"caf\xc3\xa9\"");           /* café, 2-byte é */
    EXPECT("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""); /* 😀 U+1F600, 4 bytes */
    EXPECT("\xe2\x9c\x93 \xef\xbf\xbd", "\"\xe2\x9c\x93 \xef\xbf\xbd\""); /* ✓, U+FFFD itself */
    EXPECT("\xc2\x80\xdf\xbf\xf4\x8f\xbf\xbf", "\"\xc2\x80\xdf\xbf\xf4\x8f\xbf\xbf\""); /* edges */
    EXPECT("", "\"\"");
    EXPECT("plain ascii / <tag> ~\x7f", "\"plain ascii / <tag> ~\x7f\""); /* DEL is not escaped */
}

static void test_controls_quotes_backslashes(void **state)
{
    (void)state;
    EXPECT("a\"b\\c", "\"a\\\"b\\\\c\"");
    EXPECT("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
    EXPECT("\x01\x1f", "\"\\u0001\\u001f\"");
    EXPECT("a\0b", "\"a\\u0000b\""); /* a NUL inside sized bytes */
    EXPECT("\xc3\xa9\n\xc3\xa9", "\"\xc3\xa9\\n\xc3\xa9\"");
}

/* Every byte that is not part of a valid UTF-8 character becomes \ufffd, one for one. */
static void test_invalid_bytes_replaced(void **state)
{
    (void)state;
    EXPECT("\xff", "\"\\ufffd\"");
    EXPECT("a\x80z", "\"a\\ufffdz\"");   /* a lone continuation byte */
    EXPECT("caf\xe9", "\"caf\\ufffd\""); /* Latin-1 é */
    EXPECT("caf\xc3", "\"caf\\ufffd\""); /* cut short at the end */
    EXPECT("\xf0\x9f\x98"
           "a",
           "\"\\ufffd\\ufffd\\ufffda\"");                           /* cut short before 'a' */
    EXPECT("\xc0\xaf", "\"\\ufffd\\ufffd\"");                       /* overlong '/' */
    EXPECT("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");            /* a surrogate, U+D800 */
    EXPECT("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
    EXPECT("\xe9\xc3\xa9\"", "\"\\ufffd\xc3\xa9\\\"\"");            /* good after bad is kept */
}

static void test_c_string_and_cap(void **state)
{
    struct lt_buf b;

    (void)state;
    lt_buf_init(&b, 0);
    assert_int_equal(lt_buf_json_str(&b, "unknown type 'caf\xc3\xa9'"), 0);
    assert_int_equal(b.len, 22);
    assert_memory_equal(b.data, "\"unknown type 'caf\xc3\xa9'\"", 22);
    lt_buf_release(&b);
    /* the buffer's cap holds: an error, and nothing past the cap */
    lt_buf_init(&b, 8);
    assert_int_equal(lt_buf_json_str(&b, "0123456789"), LT_E_LIMIT);
    assert_true(b.len <= 8);
    lt_buf_release(&b);
}

static void expect_u64(uint64_t v, const char *want)
{
    char s[LT_JSON_U64_TEXT_MAX];
    struct lt_buf b;

    assert_int_equal(lt_json_u64_text(v, s), strlen(want));
    assert_string_equal(s, want);
    lt_buf_init(&b, 0);
    assert_int_equal(lt_buf_json_u64(&b, v), 0);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    lt_buf_release(&b);
}

static void test_u64_rule(void **state)
{
    (void)state;
    expect_u64(0, "0");
    expect_u64(7, "7");
    expect_u64(999999999999999ULL, "999999999999999");
    expect_u64(((uint64_t)1 << 53) - 1, "9007199254740991"); /* 2^53 - 1: still a number */
    expect_u64((uint64_t)1 << 53, "\"9007199254740992\"");   /* 2^53: a string */
    expect_u64(((uint64_t)1 << 53) + 1, "\"9007199254740993\"");
    expect_u64(UINT64_MAX, "\"18446744073709551615\""); /* 2^64 - 1, the longest */
    assert_int_equal(sizeof("\"18446744073709551615\""), LT_JSON_U64_TEXT_MAX);
}

static void test_utf8_prefix(void **state)
{
    const uint8_t *cafe = (const uint8_t *)"caf\xc3\xa9!";

    (void)state;
    assert_int_equal(lt_utf8_prefix(cafe, 6, 10), 6);
    assert_int_equal(lt_utf8_prefix(cafe, 6, 5), 5); /* "café" whole */
    assert_int_equal(lt_utf8_prefix(cafe, 6, 4), 3); /* not half an é */
    assert_int_equal(lt_utf8_prefix((const uint8_t *)"\xf0\x9f\x98\x80", 4, 3), 0);
    assert_int_equal(lt_utf8_char((const uint8_t *)"\xf0\x9f\x98\x80", 4), 4);
    assert_int_equal(lt_utf8_char((const uint8_t *)"\xf0\x9f\x98\x80", 3), 0);
    assert_int_equal(lt_utf8_char((const uint8_t *)"\xc3\xa9", 2), 2);
    assert_int_equal(lt_utf8_char((const uint8_t *)"\x80", 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_passes_through),
        cmocka_unit_test(test_controls_quotes_backslashes),
        cmocka_unit_test(test_invalid_bytes_replaced),
        cmocka_unit_test(test_c_string_and_cap),
        cmocka_unit_test(test_u64_rule),
        cmocka_unit_test(test_utf8_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
