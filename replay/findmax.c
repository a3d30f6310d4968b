/*
 * findmax.c - the search of replay --find-max: which factor of the base
 * speed (or rate) to try next, and what a step's summary says of it. The
 * running of steps is the caller's; this is the part that must never loop
 * forever or call a client's limit the target's.
 */
#include "lt_replay.h"

#include <math.h>
#include <string.h>

void lt_findmax_init(struct lt_findmax *f, double start, double max, double precision)
{
    memset(f, 0, sizeof(*f));
    f->start = start;
    f->max = max > start ? max : start;
    f->precision = precision > 0 ? precision : 0.05;
}

/* Three significant digits: factors people can read and type back. */
static double round3(double x)
{
    double m;

    if (!(x > 0))
        return x;
    m = pow(10.0, 2.0 - floor(log10(x)));
    return round(x * m) / m;
}

double lt_findmax_next(struct lt_findmax *f)
{
    double x;

    if (f->end != LT_FM_SEARCHING)
        return 0;
    if (f->steps >= LT_FM_MAX_STEPS) {
        f->end = LT_FM_END_STEPS;
        return 0;
    }
    if (f->steps == 0)
        return f->start;
    if (f->breaks == 0) {
        if (f->holds >= f->max) {
            f->end = LT_FM_AT_MAX;
            return 0;
        }
        x = f->holds * 2;
        return x < f->max ? round3(x) : f->max;
    }
    if (f->holds == 0) {
        f->end = LT_FM_FIRST;
        return 0;
    }
    if ((f->breaks - f->holds) <= f->precision * f->holds) {
        f->end = LT_FM_KNEE;
        return 0;
    }
    x = round3((f->holds + f->breaks) / 2);
    if (x <= f->holds || x >= f->breaks) /* rounding met an end: as close as it gets */
        x = (f->holds + f->breaks) / 2;
    return x;
}

void lt_findmax_note(struct lt_findmax *f, double factor, enum lt_fm_outcome o)
{
    f->steps++;
    switch (o) {
    case LT_FM_PASS:
        if (factor > f->holds)
            f->holds = factor;
        break;
    case LT_FM_BREACH:
    case LT_FM_CONNS:
    case LT_FM_BROKEN:
        if (f->breaks == 0 || factor < f->breaks) {
            f->breaks = factor;
            f->breaks_how = o;
        }
        if (o == LT_FM_BROKEN)
            f->end = LT_FM_END_BROKEN; /* never keep hammering a broken target */
        break;
    case LT_FM_CLIENT:
        f->end = LT_FM_END_CLIENT;
        break;
    case LT_FM_STOPPED:
        f->end = LT_FM_END_STOPPED;
        break;
    }
}

enum lt_fm_outcome lt_findmax_judge(const struct lt_summary *sum, const struct lt_slo *slo,
                                    int *term)
{
    int lagging = sum->lag_bound;
    enum lt_verdict v = lt_summary_verdict(sum, slo);

    *term = -1;
    for (size_t i = 0; slo && i < slo->n; i++)
        if (!lt_slo_pass(&slo->t[i], sum)) {
            *term = (int)i;
            break;
        }
    if (sum->interrupted)
        return LT_FM_STOPPED;
    if (sum->error_rate > 0.5)
        return LT_FM_BROKEN;
    if (lagging)
        return LT_FM_CLIENT; /* the load asked for was not the load sent */
    if (v == LT_VERDICT_BREACH)
        return LT_FM_BREACH;
    if (v == LT_VERDICT_INCONCLUSIVE)
        return LT_FM_CONNS; /* client-bound by -c alone, the target's own time within */
    return LT_FM_PASS;
}

const char *lt_findmax_end_name(enum lt_fm_end e)
{
    static const char *const n[] = {"searching", "knee",         "max",         "first-step",
                                    "errors",    "client-bound", "interrupted", "steps"};
    return (unsigned)e < sizeof(n) / sizeof(n[0]) ? n[e] : "?";
}

const char *lt_findmax_outcome_name(enum lt_fm_outcome o)
{
    static const char *const n[] = {"pass",   "breach",       "connections",
                                    "errors", "client-bound", "interrupted"};
    return (unsigned)o < sizeof(n) / sizeof(n[0]) ? n[o] : "?";
}

/* ---- the stream the steps read ---------------------------------------------------- */

void lt_fm_stream_init(struct lt_fm_stream *s, struct lt_record_source *base, int by_count)
{
    memset(s, 0, sizeof(*s));
    s->base = base;
    s->by_count = by_count;
}

void lt_fm_stream_window(struct lt_fm_stream *s, uint64_t n, uint64_t span_ns)
{
    if (s->by_count)
        s->left = n ? n : 1;
    else
        s->win_end += span_ns;
}

/* The next record of the endless stream: base's, pass after pass. */
static int stream_fetch(struct lt_fm_stream *s, struct lt_record *rec, struct lt_err *err)
{
    for (int tries = 0; tries < 2; tries++) {
        int rc = s->base->next(s->base->ctx, rec, err);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            if (!s->have_first) {
                s->first_ts = rec->ts_ns;
                s->have_first = 1;
            }
            if (s->pass == 0) {
                s->last_ts = rec->ts_ns;
                s->npass0++;
            }
            rec->ts_ns = (rec->ts_ns > s->first_ts ? rec->ts_ns - s->first_ts : 0) +
                         s->pass * (uint64_t)s->pass_len;
            rec->session = lt_loop_session(rec->session, s->pass);
            return 1;
        }
        if (!s->have_first)
            return 0; /* an empty window stays empty */
        if (s->pass == 0)
            s->pass_len = lt_loop_pass_len(s->first_ts, s->last_ts, s->npass0);
        s->pass++;
        if (!s->base->rewind)
            return lt_error(err, LT_E_USAGE, "--find-max: the tape cannot start over");
        if ((rc = s->base->rewind(s->base->ctx, err)) < 0)
            return rc;
    }
    return 0;
}

static int stream_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct lt_fm_stream *s = ctx;
    int rc;

    if (s->by_count && s->left == 0)
        return 0;
    if (s->has_held) {
        *rec = s->held;
        s->has_held = 0;
    } else if ((rc = stream_fetch(s, rec, err)) != 1) {
        return rc;
    }
    if (!s->by_count && rec->ts_ns >= s->win_end) {
        s->held = *rec;
        s->has_held = 1;
        return 0;
    }
    if (s->by_count)
        s->left--;
    return 1;
}

void lt_fm_stream_source(struct lt_fm_stream *s, struct lt_record_source *src)
{
    memset(src, 0, sizeof(*src));
    src->ctx = s;
    src->next = stream_next;
}
