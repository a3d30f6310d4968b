/*
 * har_import.c - fuzzes the HAR importer; every record it hands on is
 * exported again as a HAR entry (both directions must hold up).
 */
#include "lt_formats.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int export_one(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct lt_buf *out = ctx;

    (void)err;
    lt_buf_reset(out);
    if (lt_har_entry(out, r, 0, 1) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_limits lim;
    struct lt_buf out;
    struct lt_err err;
    uint64_t origin;

    lt_limits_default(&lim);
    lim.body_max = 1 << 20;
    lt_buf_init(&out, 0);
    lt_har_import((const char *)data, size, &lim, &origin, export_one, &out, &err);
    lt_buf_release(&out);
    return 0;
}
