/* b64.c - standard base64 (RFC 4648) with padding. */
#include "lt_common.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t lt_b64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

int lt_b64_encode(struct lt_buf *out, const uint8_t *p, size_t n)
{
    int rc = lt_buf_reserve(out, lt_b64_encoded_len(n));
    uint8_t *o;
    size_t i;

    if (rc)
        return rc;
    o = out->data + out->len;
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int lt_b64_decode(struct lt_buf *out, const char *s, size_t n, struct lt_err *err)
{
    uint32_t acc = 0;
    int bits = 0, rc;

    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return lt_error(err, LT_E_FORMAT, "bad base64: wrong length");
    rc = lt_buf_reserve(out, n / 4 * 3 + 2);
    if (rc)
        return lt_error(err, rc, "base64 data too large");
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            return lt_error(err, LT_E_FORMAT, "bad base64: character %zu is not base64", i);
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->data[out->len++] = (uint8_t)(acc >> bits);
        }
    }
    return 0;
}
