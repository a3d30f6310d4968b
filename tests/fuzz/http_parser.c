/*
 * http_parser.c - libFuzzer target for the HTTP/1.x parser, with a
 * differential check: the same bytes fed whole and fed in pseudo-random
 * pieces must give the same messages, errors and counters.
 *
 * The first input byte picks the options: bit 0 responses, bit 1 resync,
 * bit 2 seek_start, bit 3 small limits, bits 4-7 seed the splits. The second
 * byte, for responses, says which requests were HEAD (bit i) or CONNECT.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_msg(struct lt_buf *o, const struct lt_http_msg *m)
{
    lt_buf_printf(o, "M %d %u %u %#x %llu %llu %llu|", (int)m->mode, m->status, m->version_minor,
                  m->flags, (unsigned long long)m->start_offset,
                  (unsigned long long)m->head_end_offset, (unsigned long long)m->end_offset);
    lt_buf_append(o, m->method.p, m->method.len);
    lt_buf_putc(o, '|');
    lt_buf_append(o, m->url.p, m->url.len);
    lt_buf_putc(o, '|');
    lt_buf_append(o, m->reason.p, m->reason.len);
    for (size_t i = 0; i < m->nheaders + m->ntrailers; i++) {
        const struct lt_header *h = &m->headers[i];
        lt_buf_printf(o, "|%zu:", h->name.len);
        lt_buf_append(o, h->name.p, h->name.len);
        lt_buf_printf(o, "=%zu:", h->value.len);
        lt_buf_append(o, h->value.p, h->value.len);
    }
    lt_buf_printf(o, "|B%zu:", m->body.len);
    lt_buf_append(o, m->body.p, m->body.len);
    lt_buf_putc(o, '\n');
}

/* Feeds data[0, n) in pieces chosen by rng (whole when rng is NULL). */
static void run(const uint8_t *data, size_t n, unsigned opt, unsigned reqs, struct lt_rng *rng,
                struct lt_buf *o)
{
    struct lt_limits small = {32, 64, 4, 64};
    struct lt_http_parser_opts po = {(opt & 8) ? &small : NULL, (opt >> 1) & 1, (opt >> 2) & 1};
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    size_t off = 0;
    int stop = 0, guard = 0;

    if (lt_http_parser_init(&p, (opt & 1) ? LT_HTTP_RESPONSE : LT_HTTP_REQUEST, &po))
        return;
    for (int i = 0; i < 8; i++)
        lt_http_parser_push_request(&p, (reqs >> i) & 1 ? LT_HTTP_REQ_HEAD
                                                        : (reqs == 0xff ? LT_HTTP_REQ_CONNECT : 0));
    while (off < n && !stop) {
        size_t len = rng ? 1 + (size_t)lt_rng_below(rng, 97) : n;
        uint8_t *copy;
        size_t pos = 0;
        if (len > n - off)
            len = n - off;
        copy = malloc(len);
        if (!copy)
            break;
        memcpy(copy, data + off, len);
        while (pos < len) {
            size_t used = 0;
            int rc = lt_http_parser_feed(&p, copy + pos, len - pos, &used, &m, &err);
            if (used > len - pos)
                abort();
            pos += used;
            if (rc == LT_HTTP_MESSAGE) {
                put_msg(o, &m);
            } else if (rc < 0) {
                lt_buf_printf(o, "E %d %d %s\n", rc, lt_http_parser_error_status(&p), err.msg);
                if (!((opt >> 1) & 1)) {
                    stop = 1;
                    break;
                }
            } else if (rc == LT_HTTP_NEED_MORE && pos != len) {
                abort(); /* NEED_MORE must consume everything */
            }
            if (++guard > 1000000)
                abort(); /* no progress */
        }
        free(copy);
        off += len;
    }
    if (!stop) {
        int rc = lt_http_parser_finish(&p, &m, &err);
        if (rc == LT_HTTP_MESSAGE)
            put_msg(o, &m);
        else if (rc < 0)
            lt_buf_printf(o, "F %d\n", rc);
    }
    lt_buf_printf(o, "S %llu %llu %llu %llu\n", (unsigned long long)p.messages,
                  (unsigned long long)p.errors, (unsigned long long)p.skipped_bytes,
                  (unsigned long long)p.tunnel_bytes);
    lt_http_parser_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_buf whole, split;
    struct lt_rng rng;
    unsigned opt, reqs;

    if (size < 2)
        return 0;
    opt = data[0];
    reqs = data[1];
    lt_buf_init(&whole, 0);
    lt_buf_init(&split, 0);
    run(data + 2, size - 2, opt, reqs, NULL, &whole);
    lt_rng_seed(&rng, opt >> 4);
    run(data + 2, size - 2, opt, reqs, &rng, &split);
    if (whole.len != split.len || memcmp(whole.data, split.data, whole.len) != 0) {
        /* A split changed what was parsed: show both transcripts. */
        fputs("--- whole\n", stderr);
        fwrite(whole.data, 1, whole.len, stderr);
        fputs("--- split\n", stderr);
        fwrite(split.data, 1, split.len, stderr);
        abort();
    }
    lt_buf_release(&whole);
    lt_buf_release(&split);
    return 0;
}
