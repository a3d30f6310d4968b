/* spike.c - the --spike time warp shared by synth and replay. */
#include "lt_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int lt_spike_parse(const char *s, struct lt_spike *sp, struct lt_err *err)
{
    char buf[128], *x, *slash;
    double f;
    struct lt_err e2;

    if (!s || strlen(s) >= sizeof(buf))
        goto bad;
    strcpy(buf, s);
    x = strstr(buf, "x:");
    if (!x)
        goto bad;
    *x = '\0';
    slash = strchr(x + 2, '/');
    if (!slash)
        goto bad;
    *slash = '\0';
    if (lt_parse_double(buf, &f, &e2) || f <= 1.0 || f > 1000.0)
        return lt_error(err, LT_E_USAGE,
                        "invalid spike '%s': factor must be above 1 and at most 1000", s);
    if (lt_parse_duration(x + 2, &sp->dur_ns, &e2) ||
        lt_parse_duration(slash + 1, &sp->period_ns, &e2))
        goto bad;
    if (sp->dur_ns <= 0 || sp->period_ns <= sp->dur_ns)
        return lt_error(err, LT_E_USAGE,
                        "invalid spike '%s': the window must be shorter than the period", s);
    sp->factor_milli = (uint64_t)llround(f * 1000.0);
    return 0;
bad:
    return lt_error(err, LT_E_USAGE,
                    "invalid spike '%s': expected FACTORx:DUR/PERIOD like 10x:5s/30s", s ? s : "");
}

int64_t lt_spike_warp(const struct lt_spike *sp, int64_t base_ns)
{
    /* One period of wall time carries (P - D) + F*D of base time. */
    int64_t calm = sp->period_ns - sp->dur_ns;
    __int128 per = (__int128)calm * 1000 + (__int128)sp->dur_ns * sp->factor_milli; /* x1000 */
    __int128 b = (__int128)base_ns * 1000;
    __int128 k, r;

    if (base_ns <= 0)
        return base_ns;
    k = b / per;
    r = b - k * per;
    if (r < (__int128)calm * 1000)
        return (int64_t)(k * sp->period_ns + r / 1000);
    return (int64_t)(k * sp->period_ns + calm + (r - (__int128)calm * 1000) / sp->factor_milli);
}
