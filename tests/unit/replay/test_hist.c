/* test_hist.c - the log-linear histogram: precision, exact extremes, merging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "lt_replay.h"

/* Every value maps to a slot whose range holds it, within 1/1024 relative width. */
static void test_index_ranges(void **state)
{
    (void)state;
    uint64_t vals[] = {0,
                       1,
                       2,
                       1000,
                       2047,
                       2048,
                       2049,
                       4095,
                       4096,
                       123456,
                       999999,
                       1000000,
                       3600000000000ULL,
                       (1ULL << 40) + 12345};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint32_t ix = lt_hist_index(vals[i]);
        assert_true(ix < LT_HIST_COUNTS);
        assert_true(lt_hist_lowest(ix) <= vals[i]);
        assert_true(lt_hist_highest(ix) >= vals[i]);
        /* 3 significant digits: the slot is at most 1/1024 of the value wide */
        if (vals[i] >= 2048)
            assert_true((double)(lt_hist_highest(ix) - lt_hist_lowest(ix) + 1) <=
                        (double)vals[i] / 1024.0 + 1);
        else
            assert_int_equal(lt_hist_lowest(ix), vals[i]); /* exact below 2048 ns */
    }
    /* slots tile the line: each one starts right after the previous */
    for (uint32_t ix = 1; ix < LT_HIST_COUNTS; ix++)
        assert_int_equal(lt_hist_lowest(ix), lt_hist_highest(ix - 1) + 1);
    /* one hour fits without clamping */
    assert_true((double)lt_hist_highest(lt_hist_index(3600000000000ULL)) <
                3.6e12 * (1 + 1.0 / 1024));
}

static void test_percentiles(void **state)
{
    struct lt_hist h;
    (void)state;
    assert_int_equal(lt_hist_init(&h), 0);
    /* 1..10000 us */
    for (int i = 1; i <= 10000; i++)
        lt_hist_record(&h, (int64_t)i * 1000);
    assert_int_equal(h.count, 10000);
    assert_int_equal(h.min, 1000);
    assert_int_equal(h.max, 10000000);
    assert_int_equal(h.sum, 50005000ULL * 1000);
    assert_true(fabs(lt_hist_mean(&h) - 5000500.0) < 1e-6);
    struct {
        double p;
        double want;
    } cases[] = {{50, 5000000}, {90, 9000000}, {99, 9900000}, {99.9, 9990000}, {100, 10000000}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = (double)lt_hist_percentile(&h, cases[i].p);
        assert_true(fabs(got - cases[i].want) <= cases[i].want / 1000.0);
        assert_true(got >= cases[i].want); /* highest equivalent value */
    }
    assert_int_equal(lt_hist_percentile(&h, 0), 1000);
    lt_hist_reset(&h);
    assert_int_equal(h.count, 0);
    assert_int_equal(lt_hist_percentile(&h, 99), 0);
    lt_hist_record(&h, -5);              /* clamped to 0 */
    lt_hist_record(&h, 7200000000000LL); /* 2 h: counted in the top slot, max exact */
    assert_int_equal(h.min, 0);
    assert_int_equal(h.max, 7200000000000ULL);
    assert_int_equal(lt_hist_percentile(&h, 100), 7200000000000ULL);
    lt_hist_release(&h);
}

/* Histograms of parts add up to the histogram of the whole, exactly. */
static void test_merge_exact(void **state)
{
    struct lt_hist a, b, whole;
    struct lt_rng rng;
    (void)state;
    lt_hist_init(&a);
    lt_hist_init(&b);
    lt_hist_init(&whole);
    lt_rng_seed(&rng, 42);
    for (int i = 0; i < 100000; i++) {
        int64_t v = (int64_t)lt_rng_exp(&rng, 2e6);
        lt_hist_record(i % 3 ? &a : &b, v);
        lt_hist_record(&whole, v);
    }
    lt_hist_merge(&a, &b);
    assert_int_equal(a.count, whole.count);
    assert_int_equal(a.sum, whole.sum);
    assert_int_equal(a.min, whole.min);
    assert_int_equal(a.max, whole.max);
    assert_memory_equal(a.counts, whole.counts, LT_HIST_COUNTS * sizeof(uint64_t));
    for (double p = 1; p < 100; p += 7.3)
        assert_int_equal(lt_hist_percentile(&a, p), lt_hist_percentile(&whole, p));
    lt_hist_release(&a);
    lt_hist_release(&b);
    lt_hist_release(&whole);
}

static void test_export_import(void **state)
{
    struct lt_hist h, back;
    struct lt_results_hist rh;
    struct lt_results_bin *bins = calloc(LT_HIST_COUNTS, sizeof(*bins));
    struct lt_err err;
    (void)state;
    lt_hist_init(&h);
    lt_hist_init(&back);
    for (int i = 0; i < 1000; i++)
        lt_hist_record(&h, 500 + i * i * 37);
    lt_hist_export(&h, &rh, bins);
    assert_true(rh.nbins > 0 && rh.nbins <= 1000);
    assert_int_equal(lt_hist_import(&back, &rh, &err), 0);
    assert_memory_equal(h.counts, back.counts, LT_HIST_COUNTS * sizeof(uint64_t));
    assert_int_equal(back.min, h.min);
    assert_int_equal(back.max, h.max);
    rh.sub_buckets = 1024; /* another layout is refused */
    assert_int_equal(lt_hist_import(&back, &rh, &err), LT_E_FORMAT);
    lt_hist_release(&h);
    lt_hist_release(&back);
    free(bins);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_ranges),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_merge_exact),
        cmocka_unit_test(test_export_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
