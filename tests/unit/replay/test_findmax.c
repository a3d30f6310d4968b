/* test_findmax.c - the --find-max search: where it lands, and that it always ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lt_replay.h"

/* Runs the search against a target that holds up to cap, and returns the step count. */
static unsigned search(struct lt_findmax *f, double start, double max, double cap,
                       enum lt_fm_outcome above)
{
    double x, seen[LT_FM_MAX_STEPS + 1];
    unsigned n = 0;

    lt_findmax_init(f, start, max, 0.05);
    while ((x = lt_findmax_next(f)) > 0) {
        assert_true(n < LT_FM_MAX_STEPS);
        for (unsigned i = 0; i < n; i++)
            assert_true(seen[i] != x); /* never the same step twice */
        seen[n++] = x;
        lt_findmax_note(f, x, x <= cap ? LT_FM_PASS : above);
    }
    return n;
}

static void test_knee(void **state)
{
    static const double caps[] = {1.0, 1.3, 3.4, 3.99, 7.7, 20, 63.9};
    struct lt_findmax f;
    (void)state;
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        unsigned n = search(&f, 1, 64, caps[i], LT_FM_BREACH);
        assert_int_equal(f.end, LT_FM_KNEE);
        /* holds at most the capacity, breaks above it, within the precision */
        assert_true(f.holds <= caps[i]);
        assert_true(f.breaks > caps[i]);
        assert_true(f.breaks - f.holds <= 0.05 * f.holds + 1e-9);
        assert_true(n <= 7 + 6); /* six doublings to 64, then about log2(1/0.05) halvings */
    }
}

static void test_at_max(void **state)
{
    struct lt_findmax f;
    unsigned n;
    (void)state;
    n = search(&f, 1, 64, 1000, LT_FM_BREACH);
    assert_int_equal(f.end, LT_FM_AT_MAX);
    assert_true(f.holds == 64);
    assert_true(f.breaks == 0);
    assert_int_equal(n, 7); /* 1 2 4 8 16 32 64 */
    /* a maximum off the doubling line is tried itself */
    n = search(&f, 1, 10, 1000, LT_FM_BREACH);
    assert_true(f.holds == 10);
    assert_int_equal(n, 5); /* 1 2 4 8 10 */
}

static void test_first_fails(void **state)
{
    struct lt_findmax f;
    (void)state;
    assert_int_equal(search(&f, 1, 64, 0.5, LT_FM_BREACH), 1);
    assert_int_equal(f.end, LT_FM_FIRST);
    assert_true(f.holds == 0 && f.breaks == 1);
    /* a start of its own (--speed 2) */
    assert_int_equal(search(&f, 2, 64, 1, LT_FM_BREACH), 1);
    assert_true(f.breaks == 2);
}

static void test_stops_early(void **state)
{
    struct lt_findmax f;
    (void)state;
    /* a broken target: no bisection */
    assert_int_equal(search(&f, 1, 64, 3, LT_FM_BROKEN), 3);
    assert_int_equal(f.end, LT_FM_END_BROKEN);
    assert_true(f.holds == 2 && f.breaks == 4);
    /* the client: "at least" what passed, never a break */
    assert_int_equal(search(&f, 1, 64, 3, LT_FM_CLIENT), 3);
    assert_int_equal(f.end, LT_FM_END_CLIENT);
    assert_true(f.holds == 2 && f.breaks == 0);
    /* -c limits: bisected like a breach (the caller says whose limit it is) */
    search(&f, 1, 64, 3, LT_FM_CONNS);
    assert_int_equal(f.end, LT_FM_KNEE);
    assert_int_equal(f.breaks_how, LT_FM_CONNS);
    lt_findmax_init(&f, 1, 64, 0.05);
    lt_findmax_note(&f, lt_findmax_next(&f), LT_FM_STOPPED);
    assert_true(lt_findmax_next(&f) == 0);
    assert_int_equal(f.end, LT_FM_END_STOPPED);
}

/* What a step's numbers say: the target's breach, the client's, or the connections'. */
static void test_judge(void **state)
{
    struct lt_summary s;
    struct lt_slo slo;
    struct lt_err err;
    int term;
    (void)state;
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<100ms,error_rate<1%", &err), 0);
    memset(&s, 0, sizeof(s));
    s.hist_count[LT_RH_LATENCY] = s.hist_count[LT_RH_SERVICE] = s.hist_count[LT_RH_LAG] = 1000;
    s.scheduled = 1000;
    s.ms[LT_RH_LATENCY][LT_Q_P99] = 50;
    s.ms[LT_RH_SERVICE][LT_Q_P99] = 40;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_PASS);
    assert_int_equal(term, -1);
    s.ms[LT_RH_LATENCY][LT_Q_P99] = 150;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_BREACH);
    assert_int_equal(term, 0);
    /* held back by -c, the target's own time within: the connections' limit */
    s.client_bound = 1;
    s.held = 100;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_CONNS);
    /* the target's own time fails it too: the target's breach, whatever the client */
    s.ms[LT_RH_SERVICE][LT_Q_P99] = 120;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_BREACH);
    /* loadtape late on its schedule: the client, pass or not */
    s.late = 50;
    s.lag_bound = 1;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_CLIENT);
    s.ms[LT_RH_LATENCY][LT_Q_P99] = s.ms[LT_RH_SERVICE][LT_Q_P99] = 10;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_CLIENT);
    /* over half failed, and interrupted, come first */
    s.error_rate = 0.6;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_BROKEN);
    assert_int_equal(term, 0); /* failures past p99's tail fail it first */
    s.interrupted = 1;
    assert_int_equal(lt_findmax_judge(&s, &slo, &term), LT_FM_STOPPED);
}

/* ---- the stream the steps read ---- */

struct seq_src {
    uint64_t n, i, first_ts;
    int rewinds;
    struct lt_record rec; /* kept valid until the next call, as a tape reader does */
};

static int seq_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct seq_src *q = ctx;
    (void)err;
    if (q->i >= q->n)
        return 0;
    memset(&q->rec, 0, sizeof(q->rec));
    q->rec.ts_ns = q->first_ts + q->i * 1000000000ULL;
    q->rec.session = 100 + q->i;
    q->i++;
    *rec = q->rec;
    return 1;
}

static int seq_rewind(void *ctx, struct lt_err *err)
{
    struct seq_src *q = ctx;
    (void)err;
    q->i = 0;
    q->rewinds++;
    return 0;
}

/* Reads the current window: its records' times (in s) and sessions. */
static size_t read_window(struct lt_record_source *src, uint64_t *ts, uint64_t *sess)
{
    struct lt_record rec;
    struct lt_err err;
    size_t n = 0;
    int rc;

    while ((rc = src->next(src->ctx, &rec, &err)) == 1) {
        ts[n] = rec.ts_ns / 1000000000ULL;
        sess[n++] = rec.session;
    }
    assert_int_equal(rc, 0);
    return n;
}

static void test_loop_rules(void **state)
{
    (void)state;
    /* span 3 s over 4 records: one mean gap (1 s) after the last */
    assert_int_equal(lt_loop_pass_len(10000000000ULL, 13000000000ULL, 4), 4000000000LL);
    assert_int_equal(lt_loop_pass_len(5, 5, 1), 1000000000LL); /* one record: 1 s */
    assert_int_equal(lt_loop_pass_len(5, 5, 2), 1);            /* never 0 */
    assert_int_equal(lt_loop_session(7, 0), 7);
    assert_int_equal(lt_loop_session(7, 2), lt_splitmix64(7 ^ (2 * 0x9e3779b97f4a7c15ULL)));
    assert_true(lt_loop_session(7, 1) != lt_loop_session(7, 2));
}

/* Windows of trace time take up where the last one ended, into the next pass. */
static void test_stream_by_time(void **state)
{
    struct seq_src q = {.n = 4, .first_ts = 10000000000ULL};
    struct lt_record_source base = {.ctx = &q, .next = seq_next, .rewind = seq_rewind}, src;
    struct lt_fm_stream s;
    uint64_t ts[16], sess[16];
    (void)state;

    lt_fm_stream_init(&s, &base, 0);
    lt_fm_stream_source(&s, &src);
    assert_null(src.rewind);
    lt_fm_stream_window(&s, 0, 2500000000ULL); /* [0, 2.5 s) */
    assert_int_equal(read_window(&src, ts, sess), 3);
    assert_int_equal(ts[0], 0);
    assert_int_equal(ts[2], 2);
    assert_int_equal(sess[0], 100);
    assert_int_equal(sess[2], 102);
    lt_fm_stream_window(&s, 0, 2500000000ULL); /* [2.5 s, 5 s): the held record, then pass 1 */
    assert_int_equal(read_window(&src, ts, sess), 2);
    assert_int_equal(ts[0], 3);
    assert_int_equal(sess[0], 103);
    assert_int_equal(ts[1], 4); /* pass 1 starts one pass length (4 s) after the first */
    assert_int_equal(sess[1], lt_loop_session(100, 1));
    assert_int_equal(q.rewinds, 1);
    lt_fm_stream_window(&s, 0, 2500000000ULL); /* [5 s, 7.5 s) */
    assert_int_equal(read_window(&src, ts, sess), 3);
    assert_int_equal(ts[0], 5);
    assert_int_equal(ts[2], 7);
    assert_int_equal(sess[2], lt_loop_session(103, 1));
}

/* Windows of a number of records; an empty base stays empty; a base that cannot rewind fails. */
static void test_stream_by_count(void **state)
{
    struct seq_src q = {.n = 4};
    struct lt_record_source base = {.ctx = &q, .next = seq_next, .rewind = seq_rewind}, src;
    struct lt_fm_stream s;
    struct lt_record rec;
    struct lt_err err;
    uint64_t ts[16], sess[16];
    (void)state;

    lt_fm_stream_init(&s, &base, 1);
    lt_fm_stream_source(&s, &src);
    lt_fm_stream_window(&s, 3, 0);
    assert_int_equal(read_window(&src, ts, sess), 3);
    lt_fm_stream_window(&s, 3, 0);
    assert_int_equal(read_window(&src, ts, sess), 3);
    assert_int_equal(ts[0], 3);
    assert_int_equal(ts[1], 4);
    assert_int_equal(ts[2], 5);
    lt_fm_stream_window(&s, 0, 0); /* at least one record */
    assert_int_equal(read_window(&src, ts, sess), 1);
    assert_int_equal(ts[0], 6);

    q = (struct seq_src){.n = 0};
    lt_fm_stream_init(&s, &base, 1);
    lt_fm_stream_window(&s, 5, 0);
    assert_int_equal(read_window(&src, ts, sess), 0);
    assert_int_equal(q.rewinds, 0);

    q = (struct seq_src){.n = 2};
    base.rewind = NULL;
    lt_fm_stream_init(&s, &base, 1);
    lt_fm_stream_window(&s, 5, 0);
    assert_int_equal(src.next(src.ctx, &rec, &err), 1);
    assert_int_equal(src.next(src.ctx, &rec, &err), 1);
    assert_int_equal(src.next(src.ctx, &rec, &err), LT_E_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_knee),           cmocka_unit_test(test_at_max),
        cmocka_unit_test(test_first_fails),    cmocka_unit_test(test_stops_early),
        cmocka_unit_test(test_judge),          cmocka_unit_test(test_loop_rules),
        cmocka_unit_test(test_stream_by_time), cmocka_unit_test(test_stream_by_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
