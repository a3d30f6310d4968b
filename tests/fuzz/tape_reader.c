/*
 * tape_reader.c - fuzzes the tape reader: open from memory, read every
 * record into the statistics accumulator, then seek by block and by time
 * and read again. Whatever the bytes, the reader must fail cleanly.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads at most max records; returns how many. */
static size_t drain(struct lt_tape_reader *r, struct lt_tape_stats *st, size_t max)
{
    struct lt_record rec;
    struct lt_err err;
    size_t n = 0;

    while (n < max && lt_tape_reader_next(r, &rec, &err) == 1) {
        if (st)
            lt_tape_stats_add(st, &rec);
        n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_err err;
    struct lt_tape_reader *r = lt_tape_reader_open_mem(data, size, &err);
    struct lt_tape_stats *st;
    const struct lt_tape_info *info;
    cJSON *j;

    if (!r)
        return 0;
    info = lt_tape_reader_info(r);
    st = lt_tape_stats_new();
    drain(r, st, 1000000);
    j = lt_tape_stats_json(st);
    cJSON_Delete(j);
    if (info->nblocks) {
        lt_tape_reader_seek_block(r, (size_t)(info->nblocks / 2), &err);
        drain(r, NULL, 1000);
        lt_tape_reader_seek_ts(r, info->first_ts_ns / 2 + info->last_ts_ns / 2, &err);
        drain(r, NULL, 1000);
    }
    (void)lt_tape_reader_warning(r);
    lt_tape_stats_free(st);
    lt_tape_reader_free(r);
    return 0;
}
