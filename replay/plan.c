/*
 * plan.c - the records a run schedules and when, and what that adds up to
 * before anything is sent.
 *
 * The walk is the one loop over the source that decides which records a run
 * sends and at what time: passes of --loop one mean gap apart, --limit per
 * pass, the schedule over every record (whatever the shard), --duration, and
 * shard membership. The run's reader thread walks it to send; the plan walks
 * it to count, so the plan cannot disagree with the run.
 *
 * The plan: records, the trace's span and its mean and peak rate (per second
 * of trace time), the wall-clock length and peak rate the schedule gives them
 * (per second of the run), the --spike windows that fire, and warnings about
 * windows that never fire or are cut short by the end of the trace, and
 * about a peak that -c connections cannot carry at the recorded service times.
 */
#include "lt_replay.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- the walk -------------------------------------------------------------------- */

int64_t lt_loop_pass_len(uint64_t first_ts, uint64_t last_ts, uint64_t n)
{
    int64_t span = (int64_t)(last_ts - first_ts);
    int64_t len = span + (n > 1 ? span / (int64_t)(n - 1) : 1000000000LL);

    return len > 0 ? len : 1;
}

int64_t lt_replay_length_hint(const struct lt_replay_opts *o, uint64_t nrecords, uint64_t span_ns)
{
    int64_t loops = o->loops ? (int64_t)o->loops : 1, ns = 0;

    if (o->sched.mode == LT_MODE_SPEED && nrecords)
        ns = (int64_t)((double)span_ns / o->sched.speed) * loops;
    else if (o->sched.mode == LT_MODE_RATE)
        ns = (int64_t)((double)nrecords * (double)loops / o->sched.rate * 1e9);
    if (o->duration_ns && (ns == 0 || o->duration_ns < ns))
        ns = o->duration_ns;
    return ns;
}

int lt_walk_init(struct lt_walk *w, const struct lt_replay_opts *o, struct lt_record_source *src,
                 struct lt_err *err)
{
    struct lt_schedule_opts base;
    int rc;

    memset(w, 0, sizeof(*w));
    if (!src->next)
        return lt_error(err, LT_E_USAGE,
                        "replay reads its records one by one: not from this source");
    w->o = o;
    w->src = src;
    w->loops = o->loops ? o->loops : 1;
    w->pass_start = 1;
    if ((rc = lt_schedule_init(&w->sc, &o->sched, err)))
        return rc;
    /* the same schedule without its spike: how much base time the run covers */
    base = o->sched;
    base.has_spike = 0;
    return lt_schedule_init(&w->base, &base, err);
}

int lt_walk_next(struct lt_walk *w, struct lt_walk_item *it, struct lt_err *err)
{
    const struct lt_replay_opts *o = w->o;

    while (!w->done) {
        int64_t trace;
        int rc;

        if (w->pass_start) {
            if (w->pass >= w->loops || (w->pass > 0 && w->npass == 0)) {
                w->done = 1; /* an empty source stays empty */
                break;
            }
            if (w->pass > 0) {
                rc = w->src->rewind
                         ? w->src->rewind(w->src->ctx, err)
                         : lt_error(err, LT_E_USAGE, "--loop: the source cannot start over");
                if (rc) {
                    w->done = 1;
                    return rc;
                }
                if (w->pass == 1)
                    w->pass_len = lt_loop_pass_len(w->first_ts, w->last_ts, w->npass);
            }
            w->inpass = 0;
            w->pass_start = 0;
        }
        if (o->limit && w->inpass >= o->limit) {
            w->pass++;
            w->pass_start = 1;
            continue;
        }
        rc = w->src->next(w->src->ctx, &it->rec, err);
        if (rc < 0) {
            w->done = 1;
            return rc;
        }
        if (rc == 0) {
            w->pass++;
            w->pass_start = 1;
            continue;
        }
        if (!w->have_first) {
            w->first_ts = it->rec.ts_ns;
            w->have_first = 1;
        }
        if (w->pass == 0) {
            w->last_ts = it->rec.ts_ns;
            w->npass++;
        }
        w->inpass++;
        trace = (int64_t)(it->rec.ts_ns - w->first_ts) + (int64_t)w->pass * w->pass_len;
        it->index = w->i++;
        it->pass = w->pass;
        it->trace_ns = trace;
        it->s_ns = lt_schedule_next(&w->sc, it->index, trace);
        it->base_ns = lt_schedule_next(&w->base, it->index, trace);
        if (o->duration_ns && o->sched.mode != LT_MODE_BURST && it->s_ns >= o->duration_ns) {
            w->done = w->cut = 1;
            break;
        }
        it->session = lt_loop_session(it->rec.session, w->pass);
        if (!lt_shard_member(it->session, o->shard_i, o->shard_n))
            continue;
        return 1;
    }
    return 0;
}

/* ---- the plan ---------------------------------------------------------------------- */

/* A running count per whole second of a time that never goes back. */
static void per_second(int64_t t, int64_t *sec, uint64_t *n, uint64_t *peak)
{
    int64_t k = t / 1000000000LL;

    if (*n == 0 || k != *sec) {
        *sec = k;
        *n = 0;
    }
    if (++*n > *peak)
        *peak = *n;
}

int lt_plan_compute(struct lt_plan *p, const struct lt_replay_opts *o, struct lt_record_source *src,
                    uint64_t budget, lt_plan_each_fn each, void *ctx, struct lt_err *err)
{
    struct lt_walk w;
    struct lt_walk_item it;
    int64_t tsec = 0, wsec = 0, first_trace = 0;
    uint64_t tn = 0, wn = 0;
    int rc;

    memset(p, 0, sizeof(*p));
    p->mode = o->sched.mode;
    p->conns = o->engine_conf.conns;
    p->loops = o->loops ? o->loops : 1;
    p->has_spike = o->sched.has_spike && o->sched.mode != LT_MODE_BURST;
    p->spike = o->sched.spike;
    p->last_window = -1;
    if ((rc = lt_walk_init(&w, o, src, err)))
        return rc;
    while ((rc = lt_walk_next(&w, &it, err)) == 1) {
        if (budget && p->records == budget) {
            p->partial = 1;
            break;
        }
        if (each && (rc = each(ctx, &it, err)))
            return rc;
        p->records++;
        if (it.pass == 0) {
            if (p->pass_records == 0)
                first_trace = it.trace_ns;
            p->pass_records++;
            p->trace_span_ns = it.trace_ns - first_trace;
            per_second(it.trace_ns - first_trace, &tsec, &tn, &p->trace_peak);
            p->pass_base_ns = it.base_ns;
            if (it.rec.has_response && it.rec.resp_latency_ns) {
                p->svc_n++;
                p->svc_sum_ns += (double)it.rec.resp_latency_ns;
            }
        }
        if (o->sched.mode == LT_MODE_BURST)
            continue;
        p->wall_ns = it.s_ns;
        p->base_ns = it.base_ns;
        per_second(it.s_ns, &wsec, &wn, &p->wall_peak);
        if (p->has_spike) {
            int64_t P = p->spike.period_ns, D = p->spike.dur_ns, k = it.s_ns / P;
            if (it.s_ns % P >= P - D && k != p->last_window) {
                if (p->nwindows < LT_PLAN_WINDOWS)
                    p->window[p->nwindows] = k;
                p->nwindows++;
                p->last_window = k;
            }
        }
    }
    if (rc < 0)
        return rc;
    p->cut = w.cut;
    if (p->has_spike && p->records) {
        int64_t P = p->spike.period_ns, D = p->spike.dur_ns;
        p->ends_in_window = p->wall_ns % P >= P - D;
    }
    return 0;
}

/* ---- words ------------------------------------------------------------------------------ */

static void secs(char *out, size_t n, int64_t ns)
{
    double s = (double)ns / 1e9;

    if (ns > 0 && ns < 1000000000LL)
        lt_format_duration(ns, out, n);
    else if (s < 10 && ns % 1000000000LL)
        snprintf(out, n, "%.2fs", s);
    else if (ns % 1000000000LL)
        snprintf(out, n, "%.1fs", s);
    else
        snprintf(out, n, "%.0fs", s);
}

/* Records per second over a span (a span of 0 says nothing about a rate). */
static double mean_rate(uint64_t n, int64_t span_ns)
{
    return span_ns > 0 && n > 1 ? (double)(n - 1) * 1e9 / (double)span_ns : 0;
}

int lt_plan_text(struct lt_buf *out, const struct lt_plan *p)
{
    char a[32], b[32];
    int rc = 0;

    secs(a, sizeof(a), p->trace_span_ns);
    rc |= lt_buf_printf(out, "plan: %llu record%s%s; one pass: trace span %s",
                        (unsigned long long)p->records, p->records == 1 ? "" : "s",
                        p->partial ? " (at least: the plan stopped counting there)" : "", a);
    if (p->pass_records > 1 && p->trace_span_ns > 0)
        rc |= lt_buf_printf(out, ", mean %.1f req/s", mean_rate(p->pass_records, p->trace_span_ns));
    if (p->trace_span_ns >= 1000000000LL)
        rc |= lt_buf_printf(out, ", peak %llu req/s (per second of trace)",
                            (unsigned long long)p->trace_peak);
    rc |= lt_buf_putc(out, '\n');
    if (p->mode == LT_MODE_BURST) {
        rc |= lt_buf_printf(out, "plan: wall clock: as fast as %d connections allow (--burst)\n",
                            p->conns);
    } else if (p->records) {
        secs(a, sizeof(a), p->wall_ns);
        rc |= lt_buf_printf(out, "plan: wall clock: last send at %s", a);
        if (p->records > 1 && p->wall_ns > 0)
            rc |= lt_buf_printf(out, ", mean %.1f req/s", mean_rate(p->records, p->wall_ns));
        /* a peak per second says nothing of a run shorter than one */
        if (p->wall_ns >= 1000000000LL)
            rc |= lt_buf_printf(out, ", peak %llu req/s (per second of the run)",
                                (unsigned long long)p->wall_peak);
        rc |= lt_buf_printf(out, "%s\n", p->cut ? ", cut by --duration" : "");
    }
    if (p->has_spike) {
        rc |= lt_buf_printf(out, "plan: spike windows that fire: %llu",
                            (unsigned long long)p->nwindows);
        for (uint64_t i = 0; i < p->nwindows && i < LT_PLAN_WINDOWS; i++) {
            int64_t P = p->spike.period_ns, start = p->window[i] * P + P - p->spike.dur_ns;
            secs(a, sizeof(a), start);
            secs(b, sizeof(b), (p->window[i] + 1) * P);
            rc |= lt_buf_printf(out, "%s%s-%s", i ? ", " : " (", a, b);
        }
        if (p->nwindows > LT_PLAN_WINDOWS)
            rc |= lt_buf_printf(out, ", ...");
        rc |= lt_buf_puts(out, p->nwindows ? ")\n" : "\n");
    }
    if (p->svc_n) {
        double svc = p->svc_sum_ns / (double)p->svc_n;
        lt_format_duration((int64_t)svc, a, sizeof(a));
        rc |=
            lt_buf_printf(out,
                          "plan: recorded service time: mean %s over %llu records; %d "
                          "connections carry about %.0f req/s\n",
                          a, (unsigned long long)p->svc_n, p->conns, (double)p->conns * 1e9 / svc);
    } else if (p->records) {
        rc |= lt_buf_printf(out, "plan: no recorded service times: the connections' capacity is "
                                 "not checked\n");
    }
    return rc ? LT_E_NOMEM : 0;
}

/*
 * The windows a pass asks for (as many periods as its unwarped length holds, at
 * least one) and the --loop N whose passes carry that many whole windows: each
 * period consumes (P - D) + F*D of base time.
 */
static uint64_t loops_for_windows(const struct lt_plan *p, uint64_t *asked)
{
    const struct lt_spike *sp = &p->spike;
    /* one pass of base time: its last record plus one mean gap, as passes follow each other */
    double pass =
        (double)p->pass_base_ns +
        (p->pass_records > 1 ? (double)p->pass_base_ns / (double)(p->pass_records - 1) : 1e9);
    double per = (double)(sp->period_ns - sp->dur_ns) +
                 (double)sp->dur_ns * (double)sp->factor_milli / 1000.0;
    double k = floor(pass / (double)sp->period_ns + 1e-9);
    uint64_t n;

    if (k < 1)
        k = 1;
    *asked = (uint64_t)k;
    n = (uint64_t)ceil(k * per / (pass > 0 ? pass : 1) - 1e-9);
    return n > p->loops ? n : p->loops + 1;
}

int lt_plan_warnings(struct lt_buf *out, const struct lt_plan *p, const char *spike)
{
    char a[32], b[32], c[32];
    int rc = 0;
    uint64_t asked, n;

    if (!p->records || p->partial)
        return 0;
    if (p->has_spike && p->nwindows == 0) {
        int64_t P = p->spike.period_ns;
        secs(a, sizeof(a), p->wall_ns);
        secs(b, sizeof(b), P - p->spike.dur_ns);
        rc |= lt_buf_printf(out,
                            "--spike %s: no spike window falls inside the run (its last send is "
                            "at %s, the first window opens at %s)",
                            spike, a, b);
        if (!p->cut) {
            n = loops_for_windows(p, &asked);
            rc |= lt_buf_printf(out, "; --loop %llu covers %llu window%s", (unsigned long long)n,
                                (unsigned long long)asked, asked == 1 ? "" : "s");
        }
        rc |= lt_buf_putc(out, '\n');
    } else if (p->has_spike && p->ends_in_window && !p->cut &&
               (n = loops_for_windows(p, &asked), p->nwindows - 1 < asked)) {
        /* the trace ran out inside a window, before the windows a pass asks for were whole */
        int64_t P = p->spike.period_ns, k = p->wall_ns / P;
        secs(a, sizeof(a), k * P + P - p->spike.dur_ns);
        secs(b, sizeof(b), (k + 1) * P);
        secs(c, sizeof(c), p->wall_ns);
        rc |= lt_buf_printf(out,
                            "--spike %s: the window at %s-%s consumes the rest of the trace and "
                            "the run ends at %s, before the next period; --loop %llu covers the "
                            "%llu window%s asked for\n",
                            spike, a, b, c, (unsigned long long)n, (unsigned long long)asked,
                            asked == 1 ? "" : "s");
    }
    if (p->svc_n && p->mode != LT_MODE_BURST) {
        double svc = p->svc_sum_ns / (double)p->svc_n, cap = (double)p->conns * 1e9 / svc;
        double peak =
            p->wall_ns >= 1000000000LL ? (double)p->wall_peak : mean_rate(p->records, p->wall_ns);
        if (peak > cap) {
            lt_format_duration((int64_t)svc, a, sizeof(a));
            rc |= lt_buf_printf(out,
                                "the peak of %.0f req/s is more than %d connections carry at the "
                                "recorded mean service time of %s (about %.0f req/s): requests "
                                "will wait for a connection (raise -c)\n",
                                peak, p->conns, a, cap);
        }
    }
    return rc ? LT_E_NOMEM : 0;
}
