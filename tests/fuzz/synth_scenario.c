/*
 * synth_scenario.c - fuzzes the scenario-file parser: any input either fails
 * with a message or gives a config that passes the checks and generates
 * records (a few, with sizes capped to keep single inputs cheap) whose
 * times never go back.
 */
#include "lt_synth.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_synth_config c;
    struct lt_synth *s;
    struct lt_record r;
    struct lt_err err;
    uint64_t prev = 0;

    if (lt_synth_parse(&c, (const char *)data, size, "fuzz", &err)) {
        if (!err.msg[0])
            __builtin_trap(); /* every failure explains itself */
        return 0;
    }
    if (lt_synth_config_check(&c, &err))
        __builtin_trap();
    c.count = 64;
    c.duration_ns = 0;
    if (c.size_max > 65536)
        c.size_max = 65536;
    if (c.size_min > c.size_max)
        c.size_min = c.size_max;
    s = lt_synth_new(&c, &err);
    if (!s)
        return 0;
    while (lt_synth_next(s, &r, &err) == 1) {
        if (r.ts_ns < prev || r.body.len == 0)
            __builtin_trap();
        prev = r.ts_ns;
    }
    lt_synth_free(s);
    return 0;
}
