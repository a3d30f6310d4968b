/*
 * test_run.c - the run's open loop through the engine interface, with a fake
 * engine that answers every request after a fixed service time (one timerfd
 * on the run's loop). No network: this checks the measurement semantics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lt_replay.h"

/* ---- a fake engine: FIFO, fixed service time, per-session overlap check ---- */

#define FMAX 4096
struct fake {
    struct lt_loop *loop;
    struct lt_engine_events ev;
    int tfd;
    struct lt_xfer *q[FMAX];
    int64_t due[FMAX];
    size_t n;
    int64_t service_ns;
    int max_per_session; /* observed */
};

static int64_t g_service_ns;
static struct fake *g_fake;
static _Atomic int64_t g_first_start; /* mono ns of the first request sent */

static void rearm(struct fake *f)
{
    struct itimerspec its = {0};
    if (f->n) {
        its.it_value.tv_sec = f->due[0] / 1000000000;
        its.it_value.tv_nsec = f->due[0] % 1000000000;
    }
    timerfd_settime(f->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_fd(void *ctx, int fd, uint32_t events)
{
    struct fake *f = ctx;
    uint64_t v;
    (void)events;
    if (read(fd, &v, sizeof(v)) < 0) {
    }
    while (f->n && f->due[0] <= lt_mono_ns()) {
        struct lt_xfer *x = f->q[0];
        memmove(f->q, f->q + 1, (f->n - 1) * sizeof(f->q[0]));
        memmove(f->due, f->due + 1, (f->n - 1) * sizeof(f->due[0]));
        f->n--;
        x->d_ns = lt_mono_ns();
        x->status = x->session == 3 ? 503 : 202;
        f->ev.done(f->ev.ctx, x);
    }
    rearm(f);
}

static void *fcreate(struct lt_loop *loop, const struct lt_engine_conf *c,
                     const struct lt_engine_events *ev, struct lt_err *err)
{
    struct fake *f = calloc(1, sizeof(*f));
    (void)c;
    (void)err;
    f->loop = loop;
    f->ev = *ev;
    f->service_ns = g_service_ns;
    f->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    lt_loop_watch(loop, f->tfd, EPOLLIN, on_fd, f);
    g_fake = f;
    return f;
}

static int fstart(void *e, struct lt_xfer *x, struct lt_err *err)
{
    struct fake *f = e;
    int same = 1;
    (void)err;
    for (size_t i = 0; i < f->n; i++)
        same += f->q[i]->session == x->session;
    if (same > f->max_per_session)
        f->max_per_session = same;
    x->a_ns = lt_mono_ns();
    if (!g_first_start)
        g_first_start = x->a_ns;
    /* served one after another: a single-threaded server */
    f->due[f->n] = (f->n ? f->due[f->n - 1] : x->a_ns) + f->service_ns;
    if (f->due[f->n] < x->a_ns + f->service_ns)
        f->due[f->n] = x->a_ns + f->service_ns;
    f->q[f->n++] = x;
    rearm(f);
    return 0;
}

static size_t fabort(void *e)
{
    struct fake *f = e;
    size_t n = f->n;
    for (size_t i = 0; i < n; i++)
        f->ev.aborted(f->ev.ctx, f->q[i]);
    f->n = 0;
    return n;
}

static void fdestroy(void *e)
{
    struct fake *f = e;
    fabort(f);
    lt_loop_watch(f->loop, f->tfd, 0, NULL, NULL);
    close(f->tfd);
    free(f);
}

static const struct lt_engine_ops fake_ops = {
    .name = "fake", .create = fcreate, .destroy = fdestroy, .start = fstart, .abort_all = fabort};

/* ---- an in-memory source ---------------------------------------------------- */

struct mem_src {
    size_t n, i;
    int64_t gap_ns;
    uint64_t nsessions;
};

static int mnext(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct mem_src *m = ctx;
    (void)err;
    if (m->i >= m->n)
        return 0;
    memset(rec, 0, sizeof(*rec));
    rec->ts_ns = (uint64_t)((int64_t)m->i * m->gap_ns);
    rec->session = m->i % m->nsessions;
    rec->method.p = (const uint8_t *)"POST";
    rec->method.len = 4;
    rec->url.p = (const uint8_t *)"/collect/web";
    rec->url.len = 12;
    rec->has_response = 1;
    rec->status = 202;
    m->i++;
    return 1;
}

static int mrewind(void *ctx, struct lt_err *err)
{
    (void)err;
    ((struct mem_src *)ctx)->i = 0;
    return 0;
}

static int push_run(void *ctx, struct lt_record_sink *out, struct lt_err *err)
{
    (void)ctx;
    (void)out;
    (void)err;
    return 0;
}

static struct lt_target target;

static void base_opts(struct lt_replay_opts *o)
{
    memset(o, 0, sizeof(*o));
    lt_target_parse(&target, "http://127.0.0.1:9", NULL);
    o->engine = &fake_ops;
    o->engine_conf.conns = 1;
    o->req.target = &target;
    o->sched.mode = LT_MODE_SPEED;
    o->sched.speed = 1;
    o->loops = 1;
    o->grace_ns = 50000000;
}

static void check_invariants(const struct lt_stats *t)
{
    const uint64_t *c = t->c;
    uint64_t errors =
        c[LT_RC_ERR_CONNECT] + c[LT_RC_ERR_TIMEOUT] + c[LT_RC_ERR_RESET] + c[LT_RC_ERR_OTHER];
    assert_int_equal(c[LT_RC_SCHEDULED], c[LT_RC_SENT] + c[LT_RC_SKIPPED] + c[LT_RC_NOT_SENT]);
    assert_int_equal(c[LT_RC_SENT], c[LT_RC_COMPLETED] + errors + c[LT_RC_ABANDONED]);
    /* the histograms hold every completed response, of any status, and every timeout */
    assert_int_equal(t->h[LT_RH_LATENCY].count, c[LT_RC_COMPLETED] + c[LT_RC_ERR_TIMEOUT]);
    assert_int_equal(t->h[LT_RH_SERVICE].count, c[LT_RC_COMPLETED] + c[LT_RC_ERR_TIMEOUT]);
    assert_int_equal(t->h[LT_RH_LAG].count, c[LT_RC_SCHEDULED]);
}

struct ivs {
    int n;
    uint64_t completed;
};

static int on_interval(void *ctx, const struct lt_results_section *sec, struct lt_err *err)
{
    struct ivs *v = ctx;
    (void)err;
    v->n++;
    v->completed += sec->c[LT_RC_COMPLETED];
    return 0;
}

/*
 * One connection, a server taking 10 ms per request, requests every 5 ms: the
 * open loop keeps sending on time, requests queue, and latency (from the
 * intended time) grows to about half the run while service time stays 10 ms.
 * A closed loop would report 10 ms for everything.
 */
static void test_open_loop_queue(void **state)
{
    struct mem_src m = {.n = 200, .gap_ns = 5000000, .nsessions = 7};
    struct lt_record_source src = {.ctx = &m, .next = mnext, .rewind = mrewind};
    struct lt_replay_opts o;
    struct lt_replay *r;
    struct lt_err err;
    struct lt_replay_cbs cb = {0};
    struct ivs iv = {0};
    struct lt_summary sum;
    (void)state;
    base_opts(&o);
    g_service_ns = 10000000;
    cb.ctx = &iv;
    cb.interval = on_interval;
    r = lt_replay_new(&o, &src, &err);
    assert_non_null(r);
    assert_int_equal(lt_replay_run(r, &cb, &err), 0);
    lt_summary_compute(&sum, lt_replay_totals(r));
    check_invariants(lt_replay_totals(r));
    assert_int_equal(sum.scheduled, 200);
    assert_int_equal(sum.completed, 200);
    assert_int_equal(lt_replay_totals(r)->status[503], 29); /* sessions 3, 10, ... 199 */
    assert_int_equal(sum.ok + lt_replay_totals(r)->status[503], 200);
    /* 200 x 10 ms = 2 s of work sent over 1 s: the last waits about 1 s */
    assert_true(sum.ms[LT_RH_LATENCY][LT_Q_MAX] > 900);
    assert_true(sum.ms[LT_RH_LATENCY][LT_Q_P50] > 400);
    assert_true(sum.ms[LT_RH_SERVICE][LT_Q_P99] < 50); /* tolerant of a loaded machine */
    assert_true(sum.ms[LT_RH_LAG][LT_Q_P50] < 5);
    assert_true(sum.duration_s > 1.9 && sum.duration_s < 2.3);
    /* intervals streamed: about one per second, adding up to the total */
    assert_true(iv.n >= 2 && iv.n <= 3);
    assert_int_equal(iv.completed, 200);
    lt_replay_free(r);
}

static void *stopper(void *arg)
{
    /* 300 ms after the first send (the run warms up its reader first) */
    while (!g_first_start)
        lt_sleep_until_ns(lt_mono_ns() + 1000000);
    lt_sleep_until_ns(g_first_start + 300000000);
    lt_replay_stop(arg);
    return NULL;
}

/* A stop mid-run: what waited is skipped, what was in flight past the grace
 * is abandoned, and the counter invariants hold. */
static void test_stop_invariants(void **state)
{
    struct mem_src m = {.n = 100000, .gap_ns = 1000000, .nsessions = 1000};
    struct lt_record_source src = {.ctx = &m, .next = mnext, .rewind = mrewind};
    struct lt_replay_opts o;
    struct lt_replay *r;
    struct lt_err err;
    pthread_t th;
    struct lt_summary sum;
    int64_t t0;
    (void)state;
    base_opts(&o);
    g_first_start = 0;
    o.engine_conf.conns = 4;
    g_service_ns = 200000000; /* 200 ms: slower than the grace */
    r = lt_replay_new(&o, &src, &err);
    pthread_create(&th, NULL, stopper, r);
    assert_int_equal(lt_replay_run(r, NULL, &err), 0);
    pthread_join(th, NULL);
    t0 = g_first_start;
    assert_true(lt_mono_ns() - t0 < 1000000000); /* stopped promptly */
    lt_summary_compute(&sum, lt_replay_totals(r));
    check_invariants(lt_replay_totals(r));
    assert_true(sum.scheduled > 250 && sum.scheduled < 400);
    assert_true(sum.skipped > 200);
    assert_int_equal(sum.abandoned, 4);
    assert_true(sum.completed >= 1);
    lt_replay_free(r);
}

/* --keep-order: never two requests of one session at once; --loop N passes. */
static void test_keep_order_loop(void **state)
{
    struct mem_src m = {.n = 60, .gap_ns = 1000000, .nsessions = 3};
    struct lt_record_source src = {.ctx = &m, .next = mnext, .rewind = mrewind};
    struct lt_replay_opts o;
    struct lt_replay *r;
    struct lt_err err;
    struct lt_summary sum;
    (void)state;
    base_opts(&o);
    o.engine_conf.conns = 16;
    o.keep_order = 1;
    o.loops = 2;
    g_service_ns = 5000000;
    r = lt_replay_new(&o, &src, &err);
    assert_int_equal(lt_replay_run(r, NULL, &err), 0);
    lt_summary_compute(&sum, lt_replay_totals(r));
    check_invariants(lt_replay_totals(r));
    assert_int_equal(sum.completed, 120);
    assert_int_equal(g_fake->max_per_session, 1);
    lt_replay_free(r);
}

/* --duration cuts the schedule; --burst keeps -c busy; --shard splits exactly. */
static void test_duration_burst_shard(void **state)
{
    struct mem_src m = {.n = 1000, .gap_ns = 1000000, .nsessions = 50};
    struct lt_record_source src = {.ctx = &m, .next = mnext, .rewind = mrewind};
    struct lt_replay_opts o;
    struct lt_replay *r;
    struct lt_err err;
    struct lt_summary sum;
    uint64_t parts = 0;
    (void)state;
    base_opts(&o);
    o.engine_conf.conns = 8;
    o.duration_ns = 300000000;
    g_service_ns = 100000;
    r = lt_replay_new(&o, &src, &err);
    assert_int_equal(lt_replay_run(r, NULL, &err), 0);
    lt_summary_compute(&sum, lt_replay_totals(r));
    check_invariants(lt_replay_totals(r));
    assert_true(sum.scheduled >= 295 && sum.scheduled <= 300);
    lt_replay_free(r);

    m.i = 0;
    base_opts(&o);
    o.sched.mode = LT_MODE_BURST;
    o.engine_conf.conns = 3;
    g_service_ns = 100000;
    r = lt_replay_new(&o, &src, &err);
    assert_int_equal(lt_replay_run(r, NULL, &err), 0);
    lt_summary_compute(&sum, lt_replay_totals(r));
    check_invariants(lt_replay_totals(r));
    assert_int_equal(sum.completed, 1000);
    assert_true(sum.duration_s < 0.5); /* not the tape's 1 s */
    lt_replay_free(r);

    for (uint32_t i = 0; i < 3; i++) {
        m.i = 0;
        base_opts(&o);
        o.sched.mode = LT_MODE_RATE;
        o.sched.rate = 20000;
        o.engine_conf.conns = 8;
        o.shard_i = i;
        o.shard_n = 3;
        g_service_ns = 10000;
        r = lt_replay_new(&o, &src, &err);
        assert_int_equal(lt_replay_run(r, NULL, &err), 0);
        parts += lt_replay_totals(r)->c[LT_RC_COMPLETED];
        lt_replay_free(r);
    }
    assert_int_equal(parts, 1000);
}

/* The run reads a pull source; --loop needs one that can start over. */
static void test_source_kinds(void **state)
{
    struct mem_src m = {.n = 10, .gap_ns = 1000000, .nsessions = 2};
    struct lt_record_source src = {.ctx = &m, .next = mnext};
    struct lt_record_source push = {.ctx = &m, .run = push_run};
    struct lt_replay_opts o;
    struct lt_plan plan;
    struct lt_err err;
    (void)state;
    base_opts(&o);
    assert_null(lt_replay_new(&o, &push, &err));
    assert_int_equal(err.code, LT_E_USAGE);
    assert_int_equal(lt_plan_compute(&plan, &o, &push, 0, NULL, NULL, &err), LT_E_USAGE);
    /* one pass needs no rewind */
    assert_int_equal(lt_plan_compute(&plan, &o, &src, 0, NULL, NULL, &err), 0);
    assert_int_equal(plan.records, 10);
    m.i = 0;
    o.loops = 2;
    assert_int_equal(lt_plan_compute(&plan, &o, &src, 0, NULL, NULL, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "--loop: the source cannot start over");
    m.i = 0;
    src.rewind = mrewind;
    assert_int_equal(lt_plan_compute(&plan, &o, &src, 0, NULL, NULL, &err), 0);
    assert_int_equal(plan.records, 20);
}

/* The length progress shows: the schedule over every pass, or --duration when shorter. */
static void test_length_hint(void **state)
{
    struct lt_replay_opts o;
    (void)state;
    base_opts(&o);
    o.sched.speed = 2;
    o.loops = 3;
    assert_int_equal(lt_replay_length_hint(&o, 10, 9000000000ULL), 13500000000LL);
    assert_int_equal(lt_replay_length_hint(&o, 0, 0), 0); /* nothing known yet (a pipe) */
    o.sched.mode = LT_MODE_RATE;
    o.sched.rate = 5;
    assert_int_equal(lt_replay_length_hint(&o, 10, 9000000000ULL), 6000000000LL);
    o.duration_ns = 1000000000;
    assert_int_equal(lt_replay_length_hint(&o, 10, 9000000000ULL), 1000000000LL);
    o.sched.mode = LT_MODE_BURST;
    assert_int_equal(lt_replay_length_hint(&o, 10, 9000000000ULL), 1000000000LL);
    o.duration_ns = 0;
    assert_int_equal(lt_replay_length_hint(&o, 10, 9000000000ULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_loop_queue), cmocka_unit_test(test_stop_invariants),
        cmocka_unit_test(test_keep_order_loop), cmocka_unit_test(test_duration_burst_shard),
        cmocka_unit_test(test_source_kinds),    cmocka_unit_test(test_length_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
