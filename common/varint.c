/* varint.c - unsigned LEB128 varints. */
#include "lt_common.h"

size_t lt_varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int lt_buf_put_varint(struct lt_buf *b, uint64_t v)
{
    int rc;

    if (b->cap - b->len < LT_VARINT_MAX) {
        rc = lt_buf_reserve(b, LT_VARINT_MAX);
        if (rc)
            return rc;
    }
    b->len += lt_varint_put(b->data + b->len, v);
    return 0;
}

size_t lt_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    unsigned shift = 0;
    size_t n = 0;

    /* Fast path: one byte. */
    if (p < end && p[0] < 0x80) {
        *v = p[0];
        return 1;
    }
    while (p + n < end && n < LT_VARINT_MAX) {
        uint8_t c = p[n++];
        if (shift == 63 && (c & 0x7e))
            return 0; /* overflows 64 bits */
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return n;
        }
        shift += 7;
    }
    return 0;
}
