/* test_schedule.c - intended send times: --speed, --rate, poisson, --spike, shards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "lt_replay.h"

static void test_speed(void **state)
{
    struct lt_schedule sc;
    struct lt_schedule_opts o = {.mode = LT_MODE_SPEED, .speed = 1};
    struct lt_err err;
    (void)state;
    assert_int_equal(lt_schedule_init(&sc, &o, &err), 0);
    assert_int_equal(lt_schedule_next(&sc, 0, 0), 0);
    assert_int_equal(lt_schedule_next(&sc, 1, 1234567891), 1234567891); /* original timing, exact */
    o.speed = 2;
    lt_schedule_init(&sc, &o, &err);
    assert_int_equal(lt_schedule_next(&sc, 0, 3000000000LL), 1500000000LL);
    o.speed = 0.5;
    lt_schedule_init(&sc, &o, &err);
    assert_int_equal(lt_schedule_next(&sc, 0, 3000000000LL), 6000000000LL);
    o.speed = 0;
    assert_int_equal(lt_schedule_init(&sc, &o, &err), LT_E_USAGE);
}

/* --rate R: record i at exactly i*1e9/R ns, whatever the recorded times. */
static void test_rate(void **state)
{
    struct lt_schedule sc;
    struct lt_schedule_opts o = {.mode = LT_MODE_RATE, .rate = 3000};
    struct lt_err err;
    (void)state;
    lt_schedule_init(&sc, &o, &err);
    for (uint64_t i = 0; i < 100000; i++)
        assert_int_equal(lt_schedule_next(&sc, i, 999), (int64_t)(i * 1000000000ULL / 3000));
    /* no drift after a billion requests */
    assert_int_equal(lt_schedule_next(&sc, 3000000000ULL, 0), 1000000000000000LL);
}

static void test_poisson(void **state)
{
    struct lt_schedule a, b;
    struct lt_schedule_opts o = {.mode = LT_MODE_RATE, .rate = 10000, .poisson = 1, .seed = 7};
    struct lt_err err;
    int64_t t = 0, prev = 0, gaps_below_mean = 0;
    (void)state;
    lt_schedule_init(&a, &o, &err);
    lt_schedule_init(&b, &o, &err);
    for (uint64_t i = 0; i < 200000; i++) {
        t = lt_schedule_next(&a, i, 0);
        assert_int_equal(t, lt_schedule_next(&b, i, 0)); /* same seed, same times (shards agree) */
        assert_true(t >= prev);
        if (i && t - prev < 100000)
            gaps_below_mean++;
        prev = t;
    }
    /* 200k arrivals at 10k/s take about 20 s */
    assert_true(fabs((double)t / 1e9 - 20.0) < 0.3);
    /* exponential gaps: P(gap < mean) = 1 - 1/e = 63.2% */
    assert_true(fabs((double)gaps_below_mean / 200000.0 - 0.632) < 0.01);
}

/* --spike 4x:1s/5s on --rate 100: windows [4s,5s), [9s,10s) carry 400/s. */
static void test_spike(void **state)
{
    struct lt_schedule sc;
    struct lt_schedule_opts o = {.mode = LT_MODE_RATE, .rate = 100, .has_spike = 1};
    struct lt_err err;
    int per_sec[10] = {0};
    (void)state;
    assert_int_equal(lt_spike_parse("4x:1s/5s", &o.spike, &err), 0);
    lt_schedule_init(&sc, &o, &err);
    for (uint64_t i = 0;; i++) {
        int64_t t = lt_schedule_next(&sc, i, 0);
        if (t >= 10000000000LL)
            break;
        per_sec[t / 1000000000LL]++;
    }
    for (int s = 0; s < 10; s++)
        assert_int_equal(per_sec[s], (s == 4 || s == 9) ? 400 : 100);
    /* with --burst it is refused */
    o.mode = LT_MODE_BURST;
    assert_int_equal(lt_schedule_init(&sc, &o, &err), LT_E_USAGE);
}

/* The shard hash is frozen (DESIGN.md §6): these values must never change. */
static void test_shards(void **state)
{
    uint64_t counts[4] = {0};
    (void)state;
    assert_int_equal(lt_splitmix64(0), 0xe220a8397b1dcdafULL);
    assert_int_equal(lt_shard_member(0, 0xe220a8397b1dcdafULL % 3, 3), 1);
    for (uint64_t s = 0; s < 40000; s++) {
        int hits = 0;
        for (uint32_t i = 0; i < 4; i++)
            if (lt_shard_member(s, i, 4)) {
                counts[i]++;
                hits++;
            }
        assert_int_equal(hits, 1); /* every session in exactly one shard */
        assert_true(lt_shard_member(s, 0, 1));
    }
    for (int i = 0; i < 4; i++)
        assert_true(counts[i] > 9500 && counts[i] < 10500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speed), cmocka_unit_test(test_rate),   cmocka_unit_test(test_poisson),
        cmocka_unit_test(test_spike), cmocka_unit_test(test_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
