/*
 * http_write.c - the HTTP/1.x serializer beside the parser: a request in
 * its wire form, in one buffer, so an engine sends it with one write.
 *
 * It writes exactly what it is given: the caller has already chosen the
 * headers (hop-by-hop ones removed, Host and Content-Length decided), so
 * the serializer adds none of its own and changes no byte of a name, value
 * or target. An empty value is written "Name:" with nothing after the colon.
 */
#include "lt_formats.h"

#include <string.h>

static size_t request_size(struct lt_bytes method, struct lt_bytes target,
                           const struct lt_header *h, size_t nh, struct lt_bytes body)
{
    size_t n = method.len + 1 + target.len + 11 + 2 + body.len;

    for (size_t i = 0; i < nh; i++)
        n += h[i].name.len + 1 + (h[i].value.len ? 1 + h[i].value.len : 0) + 2;
    return n;
}

static uint8_t *put(uint8_t *p, const void *s, size_t n)
{
    if (n)
        memcpy(p, s, n);
    return p + n;
}

int lt_http_write_request(struct lt_buf *out, struct lt_bytes method, struct lt_bytes target,
                          const struct lt_header *h, size_t nh, struct lt_bytes body)
{
    size_t n = request_size(method, target, h, nh, body);
    uint8_t *p;
    int rc;

    /* one reservation, then plain copies: the buffer is reused request after request */
    if ((rc = lt_buf_reserve(out, n)))
        return rc;
    p = out->data + out->len;
    p = put(p, method.p, method.len);
    *p++ = ' ';
    p = put(p, target.p, target.len);
    p = put(p, " HTTP/1.1\r\n", 11);
    for (size_t i = 0; i < nh; i++) {
        p = put(p, h[i].name.p, h[i].name.len);
        *p++ = ':';
        if (h[i].value.len) {
            *p++ = ' ';
            p = put(p, h[i].value.p, h[i].value.len);
        }
        p = put(p, "\r\n", 2);
    }
    p = put(p, "\r\n", 2);
    p = put(p, body.p, body.len);
    out->len += n;
    return 0;
}
