/* record.c - the record model: flags, limits, owning copies, lookups. */
#include "lt_formats.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const flag_names[] = {
    "truncated", "redacted", "incomplete", "no_response", "invalid",
};

void lt_limits_default(struct lt_limits *l)
{
    l->url_max = LT_LIMIT_URL;
    l->headers_max = LT_LIMIT_HEADERS;
    l->nheaders_max = LT_LIMIT_NHEADERS;
    l->body_max = LT_LIMIT_BODY;
}

const char *lt_record_flag_name(uint32_t bit)
{
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (bit == 1u << i)
            return flag_names[i];
    return NULL;
}

uint32_t lt_record_flag_bit(const char *name)
{
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (strcmp(name, flag_names[i]) == 0)
            return 1u << i;
    return 0;
}

void lt_recbuf_init(struct lt_recbuf *rb)
{
    memset(rb, 0, sizeof(*rb));
    /* Enough for the largest record the limits allow, plus slack. */
    lt_buf_init(&rb->arena, (size_t)LT_LIMIT_BODY * 4);
}

void lt_recbuf_release(struct lt_recbuf *rb)
{
    if (!rb)
        return;
    lt_buf_release(&rb->arena);
    free(rb->hdrs);
    memset(rb, 0, sizeof(*rb));
}

/*
 * Copies every byte the view points at into one arena first, then fixes up
 * the pointers: the arena may move while it grows, so offsets are kept until
 * all bytes are in.
 */
int lt_recbuf_set(struct lt_recbuf *rb, const struct lt_record *src)
{
    size_t total = src->method.len + src->url.len + src->body.len;
    size_t off_method, off_url, off_body, off;
    int rc;

    for (size_t i = 0; i < src->nheaders; i++)
        total += src->headers[i].name.len + src->headers[i].value.len;
    if (src->nheaders > rb->hdrs_cap) {
        struct lt_header *h = realloc(rb->hdrs, src->nheaders * sizeof(*h));
        if (!h)
            return LT_E_NOMEM;
        rb->hdrs = h;
        rb->hdrs_cap = src->nheaders;
    }
    lt_buf_reset(&rb->arena);
    rc = lt_buf_reserve(&rb->arena, total + 1);
    if (rc)
        return rc;
    off_method = rb->arena.len;
    lt_buf_append(&rb->arena, src->method.p, src->method.len);
    off_url = rb->arena.len;
    lt_buf_append(&rb->arena, src->url.p, src->url.len);
    off_body = rb->arena.len;
    lt_buf_append(&rb->arena, src->body.p, src->body.len);
    off = rb->arena.len;
    for (size_t i = 0; i < src->nheaders; i++) {
        lt_buf_append(&rb->arena, src->headers[i].name.p, src->headers[i].name.len);
        lt_buf_append(&rb->arena, src->headers[i].value.p, src->headers[i].value.len);
    }
    /* The arena no longer moves: point into it. */
    rb->rec = *src;
    rb->rec.method = (struct lt_bytes){rb->arena.data + off_method, src->method.len};
    rb->rec.url = (struct lt_bytes){rb->arena.data + off_url, src->url.len};
    rb->rec.body = (struct lt_bytes){rb->arena.data + off_body, src->body.len};
    for (size_t i = 0; i < src->nheaders; i++) {
        size_t nl = src->headers[i].name.len, vl = src->headers[i].value.len;
        rb->hdrs[i].name = (struct lt_bytes){rb->arena.data + off, nl};
        rb->hdrs[i].value = (struct lt_bytes){rb->arena.data + off + nl, vl};
        off += nl + vl;
    }
    rb->rec.headers = rb->hdrs;
    return 0;
}

int lt_record_check(const struct lt_record *r, const struct lt_limits *l, struct lt_err *err)
{
    size_t hbytes = 0;

    if (r->url.len + r->method.len > l->url_max)
        return lt_error(err, LT_E_LIMIT, "request line is %zu bytes, over the limit of %zu",
                        r->url.len + r->method.len, l->url_max);
    if (r->nheaders > l->nheaders_max)
        return lt_error(err, LT_E_LIMIT, "%zu headers, over the limit of %zu", r->nheaders,
                        l->nheaders_max);
    for (size_t i = 0; i < r->nheaders; i++)
        hbytes += r->headers[i].name.len + r->headers[i].value.len;
    if (hbytes > l->headers_max)
        return lt_error(err, LT_E_LIMIT, "headers are %zu bytes, over the limit of %zu", hbytes,
                        l->headers_max);
    if (r->body.len > l->body_max)
        return lt_error(err, LT_E_LIMIT, "body is %zu bytes, over the limit of %zu", r->body.len,
                        l->body_max);
    return 0;
}

const struct lt_header *lt_record_header(const struct lt_record *r, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < r->nheaders; i++)
        if (r->headers[i].name.len == n &&
            strncasecmp((const char *)r->headers[i].name.p, name, n) == 0)
            return &r->headers[i];
    return NULL;
}
