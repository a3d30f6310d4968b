/*
 * test_synth_arrivals.c - when synthetic events happen: constant spacing at
 * exactly i*1e9/R, Poisson counts within 4 standard deviations, ramps,
 * phases, spikes (the same warp replay uses), --count/--duration bounds,
 * and determinism.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lt_synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000LL

static void base_cfg(struct lt_synth_config *c, double rate, int64_t dur)
{
    lt_synth_config_default(c);
    c->style = LT_SYNTH_STYLE_TINY;
    c->phases[0].rate_from = c->phases[0].rate_to = rate;
    c->duration_ns = dur;
}

/* Runs the generator; stores up to cap timestamps, returns the count. */
static uint64_t run(const struct lt_synth_config *c, uint64_t *ts, uint64_t cap)
{
    struct lt_err err;
    struct lt_synth *s = lt_synth_new(c, &err);
    struct lt_record r;
    uint64_t n = 0, prev = 0;
    int rc;

    assert_non_null(s);
    while ((rc = lt_synth_next(s, &r, &err)) == 1) {
        assert_true(r.ts_ns >= prev);
        prev = r.ts_ns;
        if (ts && n < cap)
            ts[n] = r.ts_ns;
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(lt_synth_count(s), n);
    lt_synth_free(s);
    return n;
}

static void test_constant_exact_times(void **state)
{
    struct lt_synth_config c;
    uint64_t *ts = malloc(20000 * sizeof(*ts)), n;

    (void)state;
    base_cfg(&c, 1000, 10 * SEC);
    n = run(&c, ts, 20000);
    assert_int_equal(n, 10000); /* rate x duration, exactly */
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(ts[i], i * 1000000ULL);

    /* A rate that is not a whole number: 1.5/s gives i*1e9/1.5, in integers. */
    base_cfg(&c, 1.5, 100 * SEC);
    n = run(&c, ts, 20000);
    assert_int_equal(n, 150);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(ts[i], (uint64_t)((__int128)i * 1000000000000LL / 1500));

    /* 7/s over 1 h: still exact, no drift at the end. */
    base_cfg(&c, 7, 3600 * SEC);
    n = run(&c, ts, 20000);
    assert_int_equal(n, 25200);
    assert_int_equal(ts[19999], (uint64_t)((__int128)19999 * 1000000000000LL / 7000));
    free(ts);
}

static void test_constant_count_within_tenth_percent(void **state)
{
    struct lt_synth_config c;
    static const double rates[] = {333, 1234.5, 10000, 77777};
    static const int64_t durs[] = {7 * SEC, 3 * SEC + 500000000, SEC, 2 * SEC};

    (void)state;
    for (int i = 0; i < 4; i++) {
        double want = rates[i] * (double)durs[i] / 1e9;
        uint64_t n;
        base_cfg(&c, rates[i], durs[i]);
        n = run(&c, NULL, 0);
        assert_true(fabs((double)n - want) <= want * 0.001 + 1);
    }
}

static void test_poisson_counts(void **state)
{
    struct lt_synth_config c;

    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double want = 5000.0 * 20, sd = sqrt(want);
        uint64_t n;
        base_cfg(&c, 5000, 20 * SEC);
        c.phases[0].poisson = 1;
        c.seed = seed;
        n = run(&c, NULL, 0);
        assert_true(fabs((double)n - want) <= 4 * sd);
        /* and not the constant process's exact count every time */
        if (seed == 1)
            assert_true(n != 100000);
    }
}

static void test_poisson_gaps_exponential(void **state)
{
    struct lt_synth_config c;
    uint64_t *ts = malloc(100000 * sizeof(*ts)), n, small = 0;
    double mean;

    (void)state;
    base_cfg(&c, 1000, 60 * SEC);
    c.phases[0].poisson = 1;
    n = run(&c, ts, 100000);
    assert_true(n > 50000);
    /* P(gap < mean) = 1 - 1/e = 0.632 for exponential gaps. */
    for (uint64_t i = 1; i < n; i++)
        small += ts[i] - ts[i - 1] < 1000000;
    mean = (double)small / (double)(n - 1);
    assert_true(fabs(mean - 0.632) < 0.01);
    free(ts);
}

static void test_ramp_and_phases(void **state)
{
    struct lt_synth_config c;
    uint64_t *ts = malloc(40000 * sizeof(*ts)), n, first_half = 0;

    (void)state;
    /* 0 -> 2000/s over 10 s: 10000 events, a quarter in the first half. */
    base_cfg(&c, 0, 0);
    c.phases[0].rate_from = 0;
    c.phases[0].rate_to = 2000;
    c.phases[0].dur_ns = 10 * SEC;
    n = run(&c, ts, 40000);
    assert_true(fabs((double)n - 10000) <= 10);
    for (uint64_t i = 0; i < n; i++)
        first_half += ts[i] < 5 * SEC;
    assert_true(fabs((double)first_half - 2500) <= 5);

    /* Phases: 1 s at 100/s, a 2 s ramp 100 -> 300/s, then 1 s at 300/s. */
    c.nphases = 3;
    c.phases[0] = (struct lt_synth_phase){SEC, 100, 100, 0};
    c.phases[1] = (struct lt_synth_phase){2 * SEC, 100, 300, 0};
    c.phases[2] = (struct lt_synth_phase){SEC, 300, 300, 0};
    n = run(&c, ts, 40000);
    assert_true(fabs((double)n - (100 + 400 + 300)) <= 2);
    assert_int_equal(ts[0], 0);
    assert_int_equal(ts[100], SEC); /* the ramp starts on time */
    assert_true(ts[n - 1] < 4 * (uint64_t)SEC);

    /* The same with Poisson arrivals: within 4 standard deviations. */
    for (int i = 0; i < 3; i++)
        c.phases[i].poisson = 1;
    n = run(&c, ts, 40000);
    assert_true(fabs((double)n - 800) <= 4 * sqrt(800));
    free(ts);
}

static void test_open_phase_holds_with_count_and_duration(void **state)
{
    struct lt_synth_config c;
    uint64_t *ts = malloc(5000 * sizeof(*ts)), n;

    (void)state;
    /* After a finite phase, --count keeps its rate going. */
    base_cfg(&c, 100, 0);
    c.phases[0].dur_ns = SEC;
    c.count = 250;
    n = run(&c, ts, 5000);
    assert_int_equal(n, 250);
    assert_int_equal(ts[249], 2490000000ULL);
    /* --duration shorter than the phases cuts them. */
    c.count = 0;
    c.phases[0].dur_ns = 10 * SEC;
    c.duration_ns = SEC / 2;
    assert_int_equal(run(&c, NULL, 0), 50);
    /* No bound: the phases' end. */
    c.duration_ns = 0;
    assert_int_equal(run(&c, NULL, 0), 1000);
    free(ts);
}

static void test_spike_windows(void **state)
{
    struct lt_synth_config c;
    uint64_t *ts = malloc(300000 * sizeof(*ts)), n, in_win = 0, calm = 0;
    struct lt_err err;

    (void)state;
    base_cfg(&c, 1000, 60 * SEC);
    assert_int_equal(lt_spike_parse("10x:5s/30s", &c.spike, &err), 0);
    c.has_spike = 1;
    n = run(&c, ts, 300000);
    /* Each 30 s period: 25 s at 1000/s and 5 s at 10000/s. */
    assert_true(fabs((double)n - 2 * (25000 + 50000)) <= 150);
    for (uint64_t i = 0; i < n; i++) {
        int64_t in_period = (int64_t)(ts[i] % (30 * SEC));
        if (in_period >= 25 * SEC)
            in_win++;
        else
            calm++;
        /* The times are replay's warp of the base-rate times. */
        assert_int_equal(ts[i], (uint64_t)lt_spike_warp(&c.spike, (int64_t)i * 1000000));
    }
    assert_true(fabs((double)in_win - 100000) <= 100); /* 10000/s over 2 x 5 s */
    assert_true(fabs((double)calm - 50000) <= 50);     /* 1000/s over 2 x 25 s */
    /* The first window starts at 25 s: a run starts calm. */
    assert_true(ts[24999] < 25 * (uint64_t)SEC && ts[25001] >= 25 * (uint64_t)SEC);
    free(ts);
}

static uint64_t digest(const struct lt_synth_config *c)
{
    struct lt_err err;
    struct lt_synth *s = lt_synth_new(c, &err);
    struct lt_record r;
    uint32_t h = 0;

    assert_non_null(s);
    while (lt_synth_next(s, &r, &err) == 1) {
        h = lt_crc32c(h, &r.ts_ns, sizeof(r.ts_ns));
        h = lt_crc32c(h, &r.session, sizeof(r.session));
        h = lt_crc32c(h, r.url.p, r.url.len);
        h = lt_crc32c(h, r.body.p, r.body.len);
        for (size_t i = 0; i < r.nheaders; i++) {
            h = lt_crc32c(h, r.headers[i].name.p, r.headers[i].name.len);
            h = lt_crc32c(h, r.headers[i].value.p, r.headers[i].value.len);
        }
        h = lt_crc32c(h, &r.flags, sizeof(r.flags));
    }
    lt_synth_free(s);
    return h;
}

static void test_deterministic(void **state)
{
    static const char *const names[] = {"baseline", "payload", "realistic", "burst", "errors"};
    struct lt_synth_config c;
    struct lt_err err;

    (void)state;
    for (int i = 0; i < 5; i++) {
        uint64_t a, b;
        assert_int_equal(lt_synth_builtin(names[i], &c, &err), 0);
        c.duration_ns = 0;
        c.count = 3000;
        a = digest(&c);
        b = digest(&c);
        assert_true(a == b);
        c.seed = 2;
        assert_true(digest(&c) != a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_exact_times),
        cmocka_unit_test(test_constant_count_within_tenth_percent),
        cmocka_unit_test(test_poisson_counts),
        cmocka_unit_test(test_poisson_gaps_exponential),
        cmocka_unit_test(test_ramp_and_phases),
        cmocka_unit_test(test_open_phase_holds_with_count_and_duration),
        cmocka_unit_test(test_spike_windows),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
