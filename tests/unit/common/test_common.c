/* test_common.c - unit tests for common/: parsing, varints, buffers, RNG, spikes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lt_common.h"

static void test_durations(void **state)
{
    struct lt_err err;
    int64_t ns;

    (void)state;
    assert_int_equal(lt_parse_duration("500ms", &ns, &err), 0);
    assert_int_equal(ns, 500000000);
    assert_int_equal(lt_parse_duration("30s", &ns, &err), 0);
    assert_int_equal(ns, 30000000000LL);
    assert_int_equal(lt_parse_duration("5m", &ns, &err), 0);
    assert_int_equal(ns, 300000000000LL);
    assert_int_equal(lt_parse_duration("1h", &ns, &err), 0);
    assert_int_equal(ns, 3600000000000LL);
    assert_int_equal(lt_parse_duration("250us", &ns, &err), 0);
    assert_int_equal(ns, 250000);
    assert_int_equal(lt_parse_duration("1.5s", &ns, &err), 0);
    assert_int_equal(ns, 1500000000);
    assert_int_equal(lt_parse_duration("2", &ns, &err), 0);
    assert_int_equal(ns, 2000000000);
    assert_int_equal(lt_parse_duration("5x", &ns, &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "'5x'"));
    assert_int_equal(lt_parse_duration("-1s", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_duration("", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_duration("s", &ns, &err), LT_E_USAGE);
}

/* Go-style compounds, as vegeta and k6 users type them. */
static void test_compound_durations(void **state)
{
    struct lt_err err;
    int64_t ns;

    (void)state;
    assert_int_equal(lt_parse_duration("1m30s", &ns, &err), 0);
    assert_int_equal(ns, 90000000000LL);
    assert_int_equal(lt_parse_duration("1h15m", &ns, &err), 0);
    assert_int_equal(ns, 4500000000000LL);
    assert_int_equal(lt_parse_duration("1h2m3.5s", &ns, &err), 0);
    assert_int_equal(ns, 3723500000000LL);
    assert_int_equal(lt_parse_duration("2s500ms", &ns, &err), 0);
    assert_int_equal(ns, 2500000000LL);
    assert_int_equal(lt_parse_duration("1m0.000000001s", &ns, &err), 0);
    assert_int_equal(ns, 60000000001LL);
    assert_int_equal(lt_parse_duration("1d1ns", &ns, &err), 0);
    assert_int_equal(ns, 86400000000001LL);
    assert_int_equal(lt_parse_duration("1.5m", &ns, &err), 0);
    assert_int_equal(ns, 90000000000LL);
    assert_int_equal(lt_parse_duration("0", &ns, &err), 0);
    assert_int_equal(ns, 0);
    /* every part of a compound has a unit */
    assert_int_equal(lt_parse_duration("1m30", &ns, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "invalid duration '1m30': the last part needs a unit");
    assert_int_equal(lt_parse_duration("1m30x", &ns, &err), LT_E_USAGE);
    assert_string_equal(err.msg,
                        "invalid duration '1m30x': unknown unit 'x' (ns, us, ms, s, m, h, d)");
    assert_int_equal(lt_parse_duration("1m 30s", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_duration("1m-30s", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_duration(".s", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_duration("1e3s", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_duration("100000d", &ns, &err), 0);
    assert_int_equal(ns, 8640000000000000000LL);
    assert_int_equal(lt_parse_duration("200000d", &ns, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "invalid duration '200000d': too long");
    assert_int_equal(lt_parse_duration("100000d100000d", &ns, &err), LT_E_USAGE);
}

static void test_rates_per_unit(void **state)
{
    struct lt_err err;
    double r;

    (void)state;
    assert_int_equal(lt_parse_rate("5000/s", &r, &err), 0);
    assert_true(r == 5000.0);
    assert_int_equal(lt_parse_rate("50/1s", &r, &err), 0);
    assert_true(r == 50.0);
    assert_int_equal(lt_parse_rate("300/m", &r, &err), 0);
    assert_true(r == 5.0);
    assert_int_equal(lt_parse_rate("300/min", &r, &err), 0);
    assert_true(r == 5.0);
    assert_int_equal(lt_parse_rate("7200/h", &r, &err), 0);
    assert_true(r == 2.0);
    assert_int_equal(lt_parse_rate("100/500ms", &r, &err), 0);
    assert_true(r == 200.0);
    assert_int_equal(lt_parse_rate("5k/s", &r, &err), 0);
    assert_true(r == 5000.0);
    assert_int_equal(lt_parse_rate("1.5M/1m", &r, &err), 0);
    assert_true(r == 25000.0);
    assert_int_equal(lt_parse_rate("10/2s", &r, &err), 0);
    assert_true(r == 5.0);
    assert_int_equal(lt_parse_rate("50/", &r, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "invalid rate '50/': expected N per a duration (5000/s, 50/1s, "
                                 "300/m, 300/min, 10/h)");
    assert_int_equal(lt_parse_rate("50/2", &r, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_rate("50/0s", &r, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_rate("50/fortnight", &r, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_rate("/s", &r, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "invalid rate '/s'");
    assert_int_equal(lt_parse_rate("0/s", &r, &err), LT_E_USAGE);
}

static void test_factors(void **state)
{
    struct lt_err err;
    double f;

    (void)state;
    assert_int_equal(lt_parse_factor("2", &f, &err), 0);
    assert_true(f == 2.0);
    assert_int_equal(lt_parse_factor("2x", &f, &err), 0);
    assert_true(f == 2.0);
    assert_int_equal(lt_parse_factor("0.5x", &f, &err), 0);
    assert_true(f == 0.5);
    assert_int_equal(lt_parse_factor("10X", &f, &err), 0);
    assert_true(f == 10.0);
    assert_int_equal(lt_parse_factor("0x", &f, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "invalid factor '0x': must be above 0");
    assert_int_equal(lt_parse_factor("x", &f, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_factor("2xx", &f, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_factor("-2x", &f, &err), LT_E_USAGE);
}

static void test_rates_sizes(void **state)
{
    struct lt_err err;
    double r;
    uint64_t b;

    (void)state;
    assert_int_equal(lt_parse_rate("500", &r, &err), 0);
    assert_true(r == 500.0);
    assert_int_equal(lt_parse_rate("5k", &r, &err), 0);
    assert_true(r == 5000.0);
    assert_int_equal(lt_parse_rate("1.5M", &r, &err), 0);
    assert_true(r == 1500000.0);
    assert_int_equal(lt_parse_rate("0", &r, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_rate("fast", &r, &err), LT_E_USAGE);

    assert_int_equal(lt_parse_size("50B", &b, &err), 0);
    assert_int_equal(b, 50);
    assert_int_equal(lt_parse_size("4KiB", &b, &err), 0);
    assert_int_equal(b, 4096);
    assert_int_equal(lt_parse_size("50KB", &b, &err), 0);
    assert_int_equal(b, 50000);
    assert_int_equal(lt_parse_size("1MiB", &b, &err), 0);
    assert_int_equal(b, 1048576);
    assert_int_equal(lt_parse_size("12", &b, &err), 0);
    assert_int_equal(b, 12);
    assert_int_equal(lt_parse_size("3 KB", &b, &err), LT_E_USAGE);
}

static void test_numbers(void **state)
{
    struct lt_err err;
    uint64_t v;
    double d;

    (void)state;
    assert_int_equal(lt_parse_u64("18446744073709551615", 0, UINT64_MAX, &v, &err), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(lt_parse_u64("18446744073709551616", 0, UINT64_MAX, &v, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_u64("10", 1, 5, &v, &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "[1, 5]"));
    assert_int_equal(lt_parse_u64("-1", 0, 5, &v, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_fraction("10%", &d, &err), 0);
    assert_true(d > 0.0999 && d < 0.1001);
    assert_int_equal(lt_parse_fraction("0.25", &d, &err), 0);
    assert_true(d == 0.25);
    assert_int_equal(lt_parse_fraction("150%", &d, &err), LT_E_USAGE);
}

static void test_iso8601(void **state)
{
    struct lt_err err;
    int64_t ns;
    char out[64];

    (void)state;
    assert_int_equal(lt_parse_iso8601("2026-01-01T00:00:00Z", &ns, &err), 0);
    assert_int_equal(ns, 1767225600LL * 1000000000);
    assert_int_equal(lt_parse_iso8601("2026-01-01", &ns, &err), 0);
    assert_int_equal(ns, 1767225600LL * 1000000000);
    assert_int_equal(lt_parse_iso8601("1970-01-01T00:00:00.000000001Z", &ns, &err), 0);
    assert_int_equal(ns, 1);
    assert_int_equal(lt_parse_iso8601("2026-01-01T02:00:00+02:00", &ns, &err), 0);
    assert_int_equal(ns, 1767225600LL * 1000000000);
    assert_int_equal(lt_parse_iso8601("2024-02-29T12:34:56.5Z", &ns, &err), 0);
    lt_format_iso8601(ns, 3, out, sizeof(out));
    assert_string_equal(out, "2024-02-29T12:34:56.500Z");
    lt_format_iso8601(1767225600LL * 1000000000 + 123456789, 9, out, sizeof(out));
    assert_string_equal(out, "2026-01-01T00:00:00.123456789Z");
    assert_int_equal(lt_parse_iso8601("2026-01-01T00:00:00", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_iso8601("2026-13-01T00:00:00Z", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_iso8601("2026-02-30", &ns, &err), LT_E_USAGE);
    assert_int_equal(lt_parse_iso8601("yesterday", &ns, &err), LT_E_USAGE);
}

static void test_varint(void **state)
{
    static const uint64_t values[] = {
        0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, (1ULL << 53) + 1, UINT64_MAX};
    uint8_t buf[LT_VARINT_MAX];
    uint64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        size_t n = lt_varint_put(buf, values[i]);
        assert_int_equal(lt_varint_get(buf, buf + n, &v), n);
        assert_true(v == values[i]);
        /* Cut short: never a value. */
        assert_int_equal(lt_varint_get(buf, buf + n - 1, &v), 0);
    }
    assert_int_equal(lt_varint_put(buf, UINT64_MAX), 10);
    /* An 11th continuation byte or bits past 64 are rejected. */
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(lt_varint_get(buf, buf + sizeof(buf), &v), 0);
    buf[9] = 0x02;
    assert_int_equal(lt_varint_get(buf, buf + 10, &v), 0);
    for (int64_t s = -3; s <= 3; s++)
        assert_true(lt_unzigzag(lt_zigzag(s)) == s);
    assert_true(lt_zigzag(-1) == 1 && lt_zigzag(1) == 2);
}

static void test_buf_cap(void **state)
{
    struct lt_buf b;

    (void)state;
    lt_buf_init(&b, 10);
    assert_int_equal(lt_buf_append(&b, "0123456789", 10), 0);
    assert_int_equal(lt_buf_append(&b, "x", 1), LT_E_LIMIT);
    assert_int_equal(b.len, 10);
    assert_int_equal(lt_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data, "0123456789");
    lt_buf_reset(&b);
    assert_int_equal(lt_buf_printf(&b, "%d-%s", 42, "ab"), 0);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "42-ab", 5);
    assert_int_equal(lt_buf_reserve(&b, SIZE_MAX), LT_E_LIMIT);
    lt_buf_release(&b);
}

static void test_b64_utf8_crc(void **state)
{
    struct lt_buf b;
    struct lt_err err;

    (void)state;
    lt_buf_init(&b, 0);
    assert_int_equal(lt_b64_encode(&b, (const uint8_t *)"foob", 4), 0);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "Zm9vYg==", 8);
    lt_buf_reset(&b);
    assert_int_equal(lt_b64_decode(&b, "Zm9vYmE=", 8, &err), 0);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "fooba", 5);
    lt_buf_reset(&b);
    assert_int_equal(lt_b64_decode(&b, "Zm9v*mE=", 8, &err), LT_E_FORMAT);
    lt_buf_release(&b);

    assert_true(lt_utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe2\x82\xac", 11));
    assert_false(lt_utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
    assert_false(lt_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(lt_utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* cut */
    assert_false(lt_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */

    /* The CRC-32C check value. */
    assert_true(lt_crc32c(0, "123456789", 9) == 0xe3069283u);
    assert_true(lt_crc32c(lt_crc32c(0, "1234", 4), "56789", 5) == 0xe3069283u);
}

static void test_rng(void **state)
{
    struct lt_rng a, b;
    uint64_t counts[10] = {0};

    (void)state;
    lt_rng_seed(&a, 42);
    lt_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        assert_true(lt_rng_next(&a) == lt_rng_next(&b));
    for (int i = 0; i < 100000; i++)
        counts[lt_rng_below(&a, 10)]++;
    for (int i = 0; i < 10; i++) /* 10000 expected, sd ~95 */
        assert_true(counts[i] > 9500 && counts[i] < 10500);
    for (int i = 0; i < 1000; i++) {
        double d = lt_rng_double(&a);
        assert_true(d >= 0.0 && d < 1.0);
    }
}

static void test_spike(void **state)
{
    struct lt_spike sp;
    struct lt_err err;
    const int64_t S = 1000000000;

    (void)state;
    assert_int_equal(lt_spike_parse("10x:5s/30s", &sp, &err), 0);
    assert_true(sp.factor_milli == 10000);
    assert_int_equal(sp.dur_ns, 5 * S);
    assert_int_equal(sp.period_ns, 30 * S);
    /* Calm part: 1:1. */
    assert_int_equal(lt_spike_warp(&sp, 0), 0);
    assert_int_equal(lt_spike_warp(&sp, 25 * S), 25 * S);
    /* Inside the window base time runs 10x faster: 50 s of base fill the 5 s window. */
    assert_int_equal(lt_spike_warp(&sp, 30 * S), 25 * S + S / 2);
    assert_int_equal(lt_spike_warp(&sp, 75 * S), 30 * S);
    /* The next period starts calm again. */
    assert_int_equal(lt_spike_warp(&sp, 76 * S), 31 * S);
    /* Monotonic. */
    for (int64_t t = 0, prev = -1; t < 200 * S; t += S / 7) {
        int64_t w = lt_spike_warp(&sp, t);
        assert_true(w >= prev);
        prev = w;
    }
    assert_int_equal(lt_spike_parse("2.5x:1s/10s", &sp, &err), 0);
    assert_true(sp.factor_milli == 2500);
    assert_int_equal(lt_spike_parse("10x:30s/30s", &sp, &err), LT_E_USAGE);
    assert_int_equal(lt_spike_parse("1x:1s/10s", &sp, &err), LT_E_USAGE);
    assert_int_equal(lt_spike_parse("10:1s/10s", &sp, &err), LT_E_USAGE);
    assert_int_equal(lt_spike_parse("10x:1s", &sp, &err), LT_E_USAGE);
}

static void test_err(void **state)
{
    struct lt_err err;

    (void)state;
    assert_int_equal(lt_error(&err, LT_E_FORMAT, "block %u: bad checksum", 3u), LT_E_FORMAT);
    assert_string_equal(err.msg, "block 3: bad checksum");
    lt_err_prefix(&err, "'%s'", "a.tape");
    assert_string_equal(err.msg, "'a.tape': block 3: bad checksum");
    assert_int_equal(lt_error(NULL, LT_E_IO, "x"), LT_E_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_rates_sizes),
        cmocka_unit_test(test_compound_durations),
        cmocka_unit_test(test_rates_per_unit),
        cmocka_unit_test(test_factors),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_varint),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_b64_utf8_crc),
        cmocka_unit_test(test_rng),
        cmocka_unit_test(test_spike),
        cmocka_unit_test(test_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
