/*
 * opt_values.c - libFuzzer target for the option value parsers (durations,
 * rates, factors, sizes, numbers, fractions, ISO 8601 times, --spike). Every
 * parser sees the same text; what one accepts must be in its documented range,
 * a time must print and read back to the same instant, and a spike's warp
 * must be monotonic and fix 0.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[256], out[64];
    struct lt_err err;
    struct lt_spike sp;
    int64_t ns, back;
    uint64_t u;
    double d;

    if (size >= sizeof(s))
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (lt_parse_duration(s, &ns, &err) == 0) {
        if (ns < 0)
            abort();
        lt_format_duration(ns, out, sizeof(out));
    }
    if (lt_parse_rate(s, &d, &err) == 0 && !(d > 0 && d <= 1e9))
        abort();
    if (lt_parse_factor(s, &d, &err) == 0 && !(d > 0 && isfinite(d)))
        abort();
    lt_parse_size(s, &u, &err);
    if (lt_parse_u64(s, 3, 1000, &u, &err) == 0 && (u < 3 || u > 1000))
        abort();
    if (lt_parse_double(s, &d, &err) == 0 && !isfinite(d))
        abort();
    if (lt_parse_fraction(s, &d, &err) == 0 && !(d >= 0 && d <= 1))
        abort();
    if (lt_parse_iso8601(s, &ns, &err) == 0) {
        lt_format_iso8601(ns, 9, out, sizeof(out));
        if (lt_parse_iso8601(out, &back, &err) != 0 || back != ns)
            abort();
    }
    if (lt_spike_parse(s, &sp, &err) == 0) {
        int64_t prev = 0, t = 0;
        if (lt_spike_warp(&sp, 0) != 0)
            abort();
        for (size_t i = 0; i < 64; i++) {
            int64_t w, step = (int64_t)(data[i % size] + 1) * (sp.period_ns / 97 + 1);
            if (step > INT64_MAX / 4 - t)
                break;
            t += step;
            w = lt_spike_warp(&sp, t);
            if (w < prev || w > t)
                abort();
            prev = w;
        }
    }
    return 0;
}
