/*
 * jsonl_import.c - fuzzes the JSONL record parser: every line of the input
 * is parsed; a record that parses is written back, and the written line must
 * parse again to the same bytes (the round trip export relies on).
 */
#include "lt_formats.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_limits lim;
    struct lt_recbuf rb, rb2;
    struct lt_buf out, out2;
    struct lt_err err;
    const char *p = (const char *)data, *end = p + size;

    lt_limits_default(&lim);
    lim.body_max = 1 << 20; /* keep single inputs cheap */
    lt_recbuf_init(&rb);
    lt_recbuf_init(&rb2);
    lt_buf_init(&out, 0);
    lt_buf_init(&out2, 0);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

        if (lt_jsonl_parse(&rb, p, len, &lim, &err) == 0) {
            lt_buf_reset(&out);
            lt_buf_reset(&out2);
            if (lt_jsonl_write(&out, &rb.rec) != 0)
                abort();
            if (lt_jsonl_parse(&rb2, (const char *)out.data, out.len - 1, &lim, &err) != 0)
                abort(); /* what export writes, import must take */
            if (lt_jsonl_write(&out2, &rb2.rec) != 0 || out.len != out2.len ||
                memcmp(out.data, out2.data, out.len) != 0)
                abort();
        }
        p += len + 1;
    }
    lt_buf_release(&out);
    lt_buf_release(&out2);
    lt_recbuf_release(&rb);
    lt_recbuf_release(&rb2);
    return 0;
}
