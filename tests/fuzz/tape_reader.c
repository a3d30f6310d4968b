/*
 * tape_reader.c - fuzzes the tape reader: open from memory, read every
 * record into the statistics accumulator, then seek by block and by time
 * and read again; then read the same bytes as a pipe on standard input
 * ("-": block by block, the index checked at the end). Whatever the bytes,
 * the reader must fail cleanly.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

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

/* The bytes through a pipe that holds them whole (skipped when one cannot). */
static void read_as_pipe(const uint8_t *data, size_t size)
{
    struct lt_err err;
    struct lt_tape_reader *r;
    int fds[2], saved;

    if (size > (1 << 20) || pipe(fds) != 0)
        return;
    if (fcntl(fds[1], F_SETPIPE_SZ, (int)(size < 4096 ? 4096 : size)) < (int)size ||
        write(fds[1], data, size) != (ssize_t)size) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    close(fds[1]);
    saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    r = lt_tape_reader_open("-", &err);
    dup2(saved, STDIN_FILENO);
    close(saved);
    if (!r)
        return;
    drain(r, NULL, 1000000);
    (void)lt_tape_reader_warning(r);
    lt_tape_reader_seek_ts(r, 0, &err);
    lt_tape_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_err err;
    struct lt_tape_reader *r;
    struct lt_tape_stats *st;
    const struct lt_tape_info *info;
    cJSON *j;

    read_as_pipe(data, size);
    r = lt_tape_reader_open_mem(data, size, &err);
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
