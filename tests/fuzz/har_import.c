/*
 * har_import.c - fuzzes the HAR importer; every record it hands on is
 * exported again as a HAR entry, and must survive a JSONL round trip (what
 * HAR import makes, export and import as JSONL must carry).
 */
#include "lt_formats.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int export_one(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct lt_buf *out = ctx;
    struct lt_limits lim;
    struct lt_recbuf rb;
    int rc;

    lt_buf_reset(out);
    if (lt_har_entry(out, r, 0, 1) != 0)
        abort();
    lt_buf_reset(out);
    if (lt_jsonl_write(out, r) != 0)
        abort();
    lt_limits_default(&lim);
    lt_recbuf_init(&rb);
    rc = lt_jsonl_parse(&rb, (const char *)out->data, out->len - 1, &lim, err);
    lt_recbuf_release(&rb);
    if (rc != 0)
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
