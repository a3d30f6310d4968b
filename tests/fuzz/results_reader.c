/*
 * results_reader.c - libFuzzer entry point for the results file reader and
 * the histogram import behind 'loadtape report': any input is read section by
 * section into stats without crashing, overreading or unbounded allocation.
 */
#include "lt_formats.h"
#include "lt_replay.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lt_stats st;
    static int ready;
    struct lt_results_reader *r;
    struct lt_results_section sec;
    struct lt_summary sum;
    struct lt_err err;

    if (!ready) {
        if (lt_stats_init(&st))
            return 0;
        ready = 1;
    }
    lt_stats_reset(&st);
    r = lt_results_reader_open_mem(data, size, &err);
    if (!r)
        return 0;
    (void)lt_results_reader_meta(r);
    for (int n = 0; n < 100000 && lt_results_reader_next(r, &sec, &err) == 1; n++)
        if (lt_stats_add_section(&st, &sec, &err))
            break;
    lt_summary_compute(&sum, &st);
    lt_results_reader_free(r);
    return 0;
}
