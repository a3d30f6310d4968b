/*
 * http_parser.c - libFuzzer target for the HTTP/1.x parser, with a
 * differential check: the same bytes fed whole and fed in pseudo-random
 * pieces must give the same messages, errors and counters.
 *
 * The first input byte picks the options: bit 0 responses, bit 1 resync,
 * bit 2 seek_start, bit 3 small limits, bits 4-7 seed the splits. The second
 * byte, for responses, says which requests were HEAD (bit i) or CONNECT.
 *
 * A third run with discard_body, split differently, must frame the same
 * messages with the same body lengths, unless the kept run hit the body
 * limit (which discard_body lifts).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The message as the transcripts show it; `lens` leaves out the body's bytes. */
static void put_msg(struct lt_buf *o, struct lt_buf *lens, const struct lt_http_msg *m, int discard)
{
    if (discard ? m->body.len != 0 : m->body_len != m->body.len)
        abort();
    lt_buf_printf(lens, "M %d %u %u %#x %llu %llu %llu B%llu\n", (int)m->mode, m->status,
                  m->version_minor, m->flags, (unsigned long long)m->start_offset,
                  (unsigned long long)m->head_end_offset, (unsigned long long)m->end_offset,
                  (unsigned long long)m->body_len);
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

/*
 * Feeds data[0, n) in pieces chosen by rng (whole when rng is NULL); writes
 * the transcript to o and, without body bytes, to lens.
 */
static void run(const uint8_t *data, size_t n, unsigned opt, unsigned reqs, int discard,
                struct lt_rng *rng, struct lt_buf *o, struct lt_buf *lens)
{
    struct lt_limits small = {32, 64, 4, 64};
    struct lt_http_parser_opts po = {.limits = (opt & 8) ? &small : NULL,
                                     .resync = (opt >> 1) & 1,
                                     .seek_start = (opt >> 2) & 1,
                                     .discard_body = discard};
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
                put_msg(o, lens, &m, discard);
            } else if (rc < 0) {
                lt_buf_printf(o, "E %d %d %s\n", rc, lt_http_parser_error_status(&p), err.msg);
                lt_buf_printf(lens, "E %d %s\n", rc, err.msg);
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
            put_msg(o, lens, &m, discard);
        else if (rc < 0)
            lt_buf_printf(o, "F %d\n", rc);
    }
    lt_buf_printf(o, "S %llu %llu %llu %llu\n", (unsigned long long)p.messages,
                  (unsigned long long)p.errors, (unsigned long long)p.skipped_bytes,
                  (unsigned long long)p.tunnel_bytes);
    lt_buf_printf(lens, "S %llu %llu %llu %llu\n", (unsigned long long)p.messages,
                  (unsigned long long)p.errors, (unsigned long long)p.skipped_bytes,
                  (unsigned long long)p.tunnel_bytes);
    lt_http_parser_release(&p);
}

static void differ(const char *what, const struct lt_buf *a, const struct lt_buf *b)
{
    fprintf(stderr, "--- whole\n%.*s--- %s\n%.*s", (int)a->len, (const char *)a->data, what,
            (int)b->len, (const char *)b->data);
    abort();
}

static int same(const struct lt_buf *a, const struct lt_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_buf whole, whole_lens, split, split_lens, disc, disc_lens;
    struct lt_rng rng;
    unsigned opt, reqs;

    if (size < 2)
        return 0;
    opt = data[0];
    reqs = data[1];
    lt_buf_init(&whole, 0);
    lt_buf_init(&whole_lens, 0);
    lt_buf_init(&split, 0);
    lt_buf_init(&split_lens, 0);
    lt_buf_init(&disc, 0);
    lt_buf_init(&disc_lens, 0);
    run(data + 2, size - 2, opt, reqs, 0, NULL, &whole, &whole_lens);
    lt_rng_seed(&rng, opt >> 4);
    run(data + 2, size - 2, opt, reqs, 0, &rng, &split, &split_lens);
    /* A split changed what was parsed: show both transcripts. */
    if (!same(&whole, &split))
        differ("split", &whole, &split);
    lt_rng_seed(&rng, (opt >> 4) + 16);
    run(data + 2, size - 2, opt, reqs, 1, &rng, &disc, &disc_lens);
    /* Bodies may hold NULs: search the transcript as bytes. */
    if (!memmem(whole.data, whole.len, "body exceeds", 12) && !same(&whole_lens, &disc_lens))
        differ("discard_body", &whole_lens, &disc_lens);
    lt_buf_release(&whole);
    lt_buf_release(&whole_lens);
    lt_buf_release(&split);
    lt_buf_release(&split_lens);
    lt_buf_release(&disc);
    lt_buf_release(&disc_lens);
    return 0;
}
