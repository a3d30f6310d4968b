/*
 * arrivals.c - when events happen, in base time (before spikes): phases of a
 * constant rate or a linear ramp, with constant spacing or Poisson arrivals.
 *
 * Times are integer nanoseconds computed from the event's index, never by
 * adding up doubles: arrival j of a constant phase is at j*1e9/R (R kept in
 * thousandths of an event per second, so 1.5/s stays exact), arrival j of a
 * ramp at the inverse of its cumulative rate. Poisson gaps are drawn as
 * doubles but rounded to whole ns before they are added, so the clock itself
 * is an integer; ramps use thinning at the phase's peak rate.
 */
#include "synth_int.h"

#include <math.h>

static void load_phase(struct arrivals *a)
{
    const struct lt_synth_config *c = a->cfg;
    const struct lt_synth_phase *ph;

    a->j = 0;
    a->t = 0;
    if (a->phase < c->nphases) {
        ph = &c->phases[a->phase];
        a->dur = ph->dur_ns > 0 ? ph->dur_ns : INT64_MAX;
        a->from = ph->rate_from;
        a->to = ph->dur_ns > 0 ? ph->rate_to : ph->rate_from;
        a->poisson = ph->poisson;
    } else if (a->extend && c->nphases > 0 && c->phases[c->nphases - 1].dur_ns > 0) {
        /* After the phases the last rate holds, for --count/--duration. */
        ph = &c->phases[c->nphases - 1];
        a->dur = INT64_MAX;
        a->from = a->to = ph->rate_to;
        a->poisson = ph->poisson;
    } else {
        a->done = 1;
        return;
    }
    a->rate_milli = (int64_t)llround(a->from * 1000.0);
    if (a->dur == INT64_MAX && a->rate_milli <= 0)
        a->done = 1; /* an endless phase without events: nothing more comes */
}

static void advance(struct arrivals *a)
{
    if (a->dur == INT64_MAX) {
        a->done = 1;
        return;
    }
    a->start += a->dur;
    a->phase++;
    load_phase(a);
}

void arrivals_init(struct arrivals *a, const struct lt_synth_config *cfg, int extend)
{
    memset(a, 0, sizeof(*a));
    a->cfg = cfg;
    a->extend = extend;
    lt_rng_seed(&a->rng, lt_splitmix64(cfg->seed ^ 0x61727269766c73ULL));
    load_phase(a);
}

/* Offset of arrival j in a ramp from r0 to r1 over dur; -1 past its end. */
static int64_t ramp_offset(const struct arrivals *a, uint64_t j)
{
    double T = (double)a->dur / 1e9, r0 = a->from, slope = (a->to - a->from) / T;
    double disc, t;

    if (j == 0)
        return 0;
    /* Cumulative rate L(t) = r0 t + slope t^2 / 2; solve L(t) = j in the
     * form that does not cancel when the slope is small. */
    disc = r0 * r0 + 2.0 * slope * (double)j;
    if (disc < 0)
        return -1;
    if (r0 + sqrt(disc) <= 0)
        return -1;
    t = 2.0 * (double)j / (r0 + sqrt(disc));
    if (!(t * 1e9 < (double)a->dur))
        return -1;
    return (int64_t)(t * 1e9);
}

int arrivals_next(struct arrivals *a, int64_t *base_ns)
{
    /* Each pass either returns an arrival or moves to the next phase. */
    for (size_t guard = 0; guard <= LT_SYNTH_MAX_PHASES + 1; guard++) {
        int64_t off;

        if (a->done)
            return 0;
        if (!a->poisson) {
            if (a->from == a->to) {
                __int128 o;
                if (a->rate_milli <= 0) {
                    advance(a);
                    continue;
                }
                o = (__int128)a->j * 1000000000000LL / a->rate_milli;
                if (o >= a->dur) {
                    advance(a);
                    continue;
                }
                off = (int64_t)o;
            } else {
                off = ramp_offset(a, a->j);
                if (off < 0) {
                    advance(a);
                    continue;
                }
            }
            a->j++;
            *base_ns = a->start + off;
            return 1;
        }
        {
            double peak = a->from > a->to ? a->from : a->to;
            int found = 0;
            if (peak <= 0) {
                advance(a);
                continue;
            }
            /* Thinning: candidates at the peak rate, each kept with
             * probability rate(t)/peak; bounded because t only grows and
             * the phase ends at dur. */
            while (!found) {
                int64_t gap = (int64_t)llround(lt_rng_exp(&a->rng, 1e9 / peak));
                if (gap >= a->dur - a->t) {
                    a->t = a->dur;
                    break;
                }
                a->t += gap;
                if (a->from == a->to)
                    found = 1;
                else {
                    double r = a->from + (a->to - a->from) * ((double)a->t / (double)a->dur);
                    found = lt_rng_double(&a->rng) * peak < r;
                }
            }
            if (!found) {
                advance(a);
                continue;
            }
            *base_ns = a->start + a->t;
            return 1;
        }
    }
    return 0;
}
