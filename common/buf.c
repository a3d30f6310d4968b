/* buf.c - growable byte buffers with a hard cap. */
#include "lt_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lt_buf_init(struct lt_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : LT_BUF_DEFAULT_MAX;
}

void lt_buf_release(struct lt_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

int lt_buf_reserve(struct lt_buf *b, size_t extra)
{
    size_t need, ncap;
    uint8_t *p;

    if (extra > b->max || b->len > b->max - extra)
        return LT_E_LIMIT;
    need = b->len + extra;
    if (need <= b->cap)
        return 0;
    /* +1 keeps room for the NUL that lt_buf_cstr() may add. */
    ncap = b->cap ? b->cap : 64;
    while (ncap < need + 1)
        ncap = ncap > SIZE_MAX / 2 ? need + 1 : ncap * 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    p = realloc(b->data, ncap);
    if (!p)
        return LT_E_NOMEM;
    b->data = p;
    b->cap = ncap;
    return 0;
}

int lt_buf_append(struct lt_buf *b, const void *p, size_t n)
{
    int rc;

    if (n == 0)
        return 0;
    rc = lt_buf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int lt_buf_putc(struct lt_buf *b, uint8_t c)
{
    if (b->len < b->cap) {
        b->data[b->len++] = c;
        return 0;
    }
    return lt_buf_append(b, &c, 1);
}

int lt_buf_puts(struct lt_buf *b, const char *s)
{
    return lt_buf_append(b, s, strlen(s));
}

int lt_buf_printf(struct lt_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return LT_E_INTERNAL;
    rc = lt_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int lt_buf_cstr(struct lt_buf *b)
{
    int rc = lt_buf_reserve(b, 0);

    if (rc)
        return rc;
    if (b->len + 1 > b->cap) {
        uint8_t *p = realloc(b->data, b->len + 1);
        if (!p)
            return LT_E_NOMEM;
        b->data = p;
        b->cap = b->len + 1;
    }
    b->data[b->len] = '\0';
    return 0;
}

uint8_t *lt_buf_steal(struct lt_buf *b, size_t *len)
{
    uint8_t *p = b->data;

    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
