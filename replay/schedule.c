/*
 * schedule.c - when each record is meant to go (DESIGN.md §4 "Timing"):
 * trace time scaled by --speed, or record i at i/R (--rate, integer
 * arithmetic) or at Poisson arrivals, then warped by --spike. The result is
 * an offset from the run's start; the run turns it into an absolute
 * CLOCK_MONOTONIC deadline, so errors never accumulate.
 */
#include "lt_replay.h"

#include <math.h>
#include <string.h>

int lt_schedule_init(struct lt_schedule *sc, const struct lt_schedule_opts *o, struct lt_err *err)
{
    memset(sc, 0, sizeof(*sc));
    sc->o = *o;
    switch (o->mode) {
    case LT_MODE_SPEED:
        if (!(o->speed > 0) || o->speed > 1e6)
            return lt_error(err, LT_E_USAGE, "speed must be above 0 and at most 1000000");
        break;
    case LT_MODE_RATE:
        if (!(o->rate > 0) || o->rate > 1e9)
            return lt_error(err, LT_E_USAGE, "rate must be above 0 and at most 1G");
        sc->rate_milli = (uint64_t)llround(o->rate * 1000.0);
        if (sc->rate_milli == 0)
            sc->rate_milli = 1;
        lt_rng_seed(&sc->rng, o->seed);
        break;
    case LT_MODE_BURST:
        if (o->has_spike)
            return lt_error(err, LT_E_USAGE, "--spike cannot be used with --burst");
        break;
    }
    return 0;
}

int64_t lt_schedule_next(struct lt_schedule *sc, uint64_t i, int64_t trace_ns)
{
    int64_t base = 0;

    switch (sc->o.mode) {
    case LT_MODE_SPEED:
        if (trace_ns < 0)
            trace_ns = 0;
        base = sc->o.speed == 1.0 ? trace_ns : (int64_t)((double)trace_ns / sc->o.speed);
        break;
    case LT_MODE_RATE:
        if (!sc->o.poisson) {
            base = (int64_t)((__int128)i * 1000000000000LL / sc->rate_milli);
        } else {
            /* the first arrival opens the run; then exponential gaps */
            if (i > 0)
                sc->poisson_t +=
                    (int64_t)llround(lt_rng_exp(&sc->rng, 1e12 / (double)sc->rate_milli));
            base = sc->poisson_t;
        }
        break;
    case LT_MODE_BURST:
        return 0;
    }
    return sc->o.has_spike ? lt_spike_warp(&sc->o.spike, base) : base;
}
