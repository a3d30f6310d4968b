/*
 * h1_reader.c - how the native engine reads the answers on one connection:
 * formats' response parser told what each request was (HEAD's answer has no
 * body), 1xx interim answers passed over, bodies counted and dropped, and
 * the connection's fate decided (kept alive only when the server says so and
 * sent nothing it was not asked for). No sockets here, so tests and the fuzz
 * target drive it with bytes alone.
 */
#include "lt_replay.h"

#include <string.h>

int lt_h1_reader_init(struct lt_h1_reader *r)
{
    struct lt_http_parser_opts po;

    memset(r, 0, sizeof(*r));
    memset(&po, 0, sizeof(po));
    po.discard_body = 1; /* counted, never kept: an answer of any size is fine */
    return lt_http_parser_init(&r->p, LT_HTTP_RESPONSE, &po);
}

void lt_h1_reader_release(struct lt_h1_reader *r)
{
    if (r)
        lt_http_parser_release(&r->p);
}

int lt_h1_reader_expect(struct lt_h1_reader *r, unsigned req_bits)
{
    return lt_http_parser_push_request(&r->p, req_bits);
}

int lt_h1_reader_feed(struct lt_h1_reader *r, const uint8_t *p, size_t n, struct lt_h1_answer *a,
                      struct lt_err *err)
{
    size_t off = 0;

    while (off < n) {
        struct lt_http_msg m;
        size_t used = 0;
        int ev = lt_http_parser_feed(&r->p, p + off, n - off, &used, &m, err);

        off += used;
        if (ev < 0)
            return ev;
        if (ev == LT_HTTP_MESSAGE && !(m.flags & LT_HTTP_F_INTERIM)) {
            a->status = m.status;
            /* bytes after the answer were never asked for: the connection is not reused */
            a->keep_alive =
                (m.flags & LT_HTTP_F_KEEPALIVE) && !(m.flags & LT_HTTP_F_UPGRADE) && off == n;
            return 1;
        }
        if (used == 0)
            break; /* all taken, nothing complete (the parser consumes what it is given) */
    }
    return 0;
}

int lt_h1_reader_eof(struct lt_h1_reader *r, struct lt_h1_answer *a, struct lt_err *err)
{
    struct lt_http_msg m;
    int ev = lt_http_parser_finish(&r->p, &m, err);

    if (ev == LT_HTTP_MESSAGE && !(m.flags & (LT_HTTP_F_TRUNCATED | LT_HTTP_F_INTERIM))) {
        a->status = m.status;
        a->keep_alive = 0;
        return 1;
    }
    return 0;
}
