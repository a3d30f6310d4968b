/*
 * http_parse.c - the incremental HTTP/1.x parser (lt_formats.h).
 *
 * One state machine per direction of a connection. A message head is parsed
 * in one go once its blank line has arrived: straight out of the caller's
 * buffer when the head arrived whole (zero-copy), otherwise out of `hold`,
 * where the head's bytes are gathered across feeds. Bodies are views into
 * the caller's buffer when they arrive whole with their head, and are copied
 * into `body` otherwise (always when chunked, since the framing is removed).
 * Header positions are kept as offsets from the head's base, so a head can
 * move from the caller's buffer into `hold` when its body straddles feeds.
 * With discard_body, bodies are framed the same way but only counted
 * (body_len); `body` is never touched.
 */
#include "http_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEEP_BODY_CAP ((size_t)256 * 1024)

/* ---- character classes --------------------------------------------------- */

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- errors ---------------------------------------------------------------- */

static int fail(struct lt_http_parser *p, struct lt_err *err, int code, int status, const char *fmt,
                ...) LT_PRINTF(5, 6);

static void drop_message(struct lt_http_state *s);

/*
 * Records an error. Without resync it is sticky; with resync the partial
 * message is dropped and the parser seeks the next start line.
 */
static int fail(struct lt_http_parser *p, struct lt_err *err, int code, int status, const char *fmt,
                ...)
{
    struct lt_http_state *s = p->st;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->err_msg, sizeof(s->err_msg), fmt, ap);
    va_end(ap);
    s->err_code = code;
    s->err_status = status;
    p->errors++;
    if (s->resync) {
        drop_message(s);
        s->state = ST_SEEK;
    } else {
        s->state = ST_ERROR;
    }
    return lt_error(err, code, "%s", s->err_msg);
}

/* ---- lifetime ---------------------------------------------------------------- */

int lt_http_parser_init(struct lt_http_parser *p, enum lt_http_mode mode,
                        const struct lt_http_parser_opts *o)
{
    struct lt_http_state *s;

    memset(p, 0, sizeof(*p));
    s = calloc(1, sizeof(*s));
    if (!s)
        return LT_E_NOMEM;
    s->mode = mode;
    if (o && o->limits)
        s->lim = *o->limits;
    else
        lt_limits_default(&s->lim);
    s->resync = o ? o->resync : 0;
    s->discard = o ? o->discard_body : 0;
    s->cut = o && mode == LT_HTTP_REQUEST ? o->cut_body : 0;
    /* Room for the start line, every field with generous whitespace, the blank line. */
    s->head_cap = s->lim.url_max + 2 + s->lim.headers_max + s->lim.nheaders_max * 8 + 2;
    lt_buf_init(&s->hold, s->head_cap + 1);
    lt_buf_init(&s->body, s->lim.body_max ? s->lim.body_max : 1);
    lt_buf_init(&s->tbuf, s->head_cap + 1);
    s->state = (o && o->seek_start) ? ST_SEEK : ST_START;
    s->line_start = 1;
    p->st = s;
    return 0;
}

void lt_http_parser_release(struct lt_http_parser *p)
{
    struct lt_http_state *s;

    if (!p || !p->st)
        return;
    s = p->st;
    lt_buf_release(&s->hold);
    lt_buf_release(&s->body);
    lt_buf_release(&s->tbuf);
    free(s->fields);
    free(s->hdrs);
    free(s);
    p->st = NULL;
}

/* Forgets the current message (storage is kept for reuse). */
static void drop_message(struct lt_http_state *s)
{
    lt_buf_reset(&s->hold);
    /* A big body's storage goes back: a parser per connection must stay small. */
    if (s->body.cap > KEEP_BODY_CAP)
        lt_buf_release(&s->body);
    lt_buf_reset(&s->body);
    lt_buf_reset(&s->tbuf);
    s->scan = s->tscan = 0;
    s->head_base = NULL;
    s->head_len = 0;
    s->head_in_hold = 0;
    s->body_view = NULL;
    s->body_view_len = 0;
    s->body_len = 0;
    s->nfields = s->ntrailers = s->field_bytes = 0;
    s->flags = 0;
    s->status = 0;
    s->remaining = 0;
    s->continue_told = 0;
    s->line_checked = 0;
    s->emitted = 0;
}

int lt_http_parser_idle(const struct lt_http_parser *p)
{
    const struct lt_http_state *s = p->st;
    return s->state == ST_START || (s->state == ST_SEEK && (s->emitted || s->hold.len == 0));
}

int lt_http_parser_error_status(const struct lt_http_parser *p)
{
    return p->st->err_status ? p->st->err_status : 400;
}

/* ---- responses: what the requests were ---------------------------------------- */

int lt_http_parser_push_request(struct lt_http_parser *p, unsigned req_bits)
{
    struct lt_http_state *s = p->st;

    if (s->reqq_len >= REQQ_MAX)
        return LT_E_LIMIT;
    s->reqq[(s->reqq_head + s->reqq_len) % REQQ_MAX] = (uint8_t)req_bits;
    s->reqq_len++;
    return 0;
}

/* ---- emitting ------------------------------------------------------------------------- */

/* Builds the caller's view of the current message. */
static int fill_msg(struct lt_http_state *s, struct lt_http_msg *m, uint64_t end)
{
    size_t nf = s->nfields + s->ntrailers;
    const uint8_t *b = s->head_base;

    /* Allocated on the first message even without fields, so headers and
     * trailers are never NULL (nor NULL plus an offset). */
    if (nf > s->hdrs_cap || !s->hdrs) {
        size_t cap = nf < 16 ? 16 : nf;
        struct lt_header *h = realloc(s->hdrs, cap * sizeof(*h));
        if (!h)
            return LT_E_NOMEM;
        s->hdrs = h;
        s->hdrs_cap = cap;
    }
    memset(m, 0, sizeof(*m));
    m->mode = s->mode;
    if (s->mode == LT_HTTP_REQUEST) {
        m->method = (struct lt_bytes){b + s->method_off, s->method_len};
        m->url = (struct lt_bytes){b + s->url_off, s->url_len};
    } else {
        m->status = s->status;
        m->reason = (struct lt_bytes){b + s->reason_off, s->reason_len};
    }
    m->version_minor = s->version_minor;
    for (size_t i = 0; i < nf; i++) {
        const struct field *f = &s->fields[i];
        const uint8_t *base = i < s->nfields ? b : s->tbuf.data;
        s->hdrs[i].name = (struct lt_bytes){base + f->name_off, f->name_len};
        s->hdrs[i].value = (struct lt_bytes){base + f->val_off, f->val_len};
    }
    m->headers = s->hdrs;
    m->nheaders = s->nfields;
    m->trailers = s->hdrs + s->nfields;
    m->ntrailers = s->ntrailers;
    if (s->body_view)
        m->body = (struct lt_bytes){s->body_view, s->body_view_len};
    else if (!s->discard)
        m->body = (struct lt_bytes){s->body.data, s->body.len};
    m->body_len = s->discard ? s->body_len : m->body.len;
    m->start_offset = s->msg_start;
    m->head_end_offset = s->head_end;
    m->end_offset = end;
    m->flags = s->flags | (s->resynced ? LT_HTTP_F_RESYNCED : 0);
    return 0;
}

/* Keeps the head alive past the caller's buffer: copies it into hold. */
static int keep_head(struct lt_http_state *s)
{
    if (s->head_in_hold || !s->head_base)
        return 0;
    lt_buf_reset(&s->hold);
    if (lt_buf_append(&s->hold, s->head_base, s->head_len))
        return LT_E_NOMEM;
    s->head_base = s->hold.data;
    s->head_in_hold = 1;
    return 0;
}

/* ---- steps --------------------------------------------------------------------------- */

/*
 * Searches b[*scan, len) line by line for an empty line. Returns 1 with
 * *end just past it; 0 with *scan at the start of the last partial line.
 */
static int find_blank_line(const uint8_t *b, size_t len, size_t *scan, size_t *end)
{
    size_t i = *scan;

    while (i < len) {
        const uint8_t *lf = memchr(b + i, '\n', len - i);
        size_t j;
        if (!lf)
            break;
        j = (size_t)(lf - b);
        if (j == i || (j == i + 1 && b[i] == '\r')) {
            *end = j + 1;
            *scan = j + 1;
            return 1;
        }
        i = j + 1;
    }
    *scan = i;
    return 0;
}

/*
 * Where a head still gathering breaks a limit, counted in bytes from its
 * start; 0 when b[0, n) breaks none yet. The start line must end within
 * url_max + 3 bytes, the head within head_cap + 1. The answer depends only
 * on the bytes, never on how they were split, and the parser always stops
 * consuming exactly there, so resynchronising goes on from the same byte.
 */
static size_t head_limit_at(const struct lt_http_state *s, const uint8_t *b, size_t n,
                            int *start_line)
{
    size_t win = n < s->lim.url_max + 3 ? n : s->lim.url_max + 3;
    const uint8_t *lf = memchr(b, '\n', win);

    *start_line = 1;
    if (!lf)
        return n >= s->lim.url_max + 3 ? s->lim.url_max + 3 : 0;
    if (http_line_body(b, (size_t)(lf - b)) > s->lim.url_max)
        return (size_t)(lf - b) + 1;
    *start_line = 0;
    return n > s->head_cap ? s->head_cap + 1 : 0;
}

static int head_limit_error(struct lt_http_parser *p, int start_line, struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    int req = s->mode == LT_HTTP_REQUEST;

    if (start_line)
        return fail(p, err, LT_E_LIMIT, req ? 414 : 502, "%s line exceeds the %zu-byte url limit",
                    req ? "request" : "status", s->lim.url_max);
    return fail(p, err, LT_E_LIMIT, req ? 431 : 502, "headers exceed the %zu-byte limit",
                s->lim.headers_max);
}

static int head_error(struct lt_http_parser *p, const char *why, int status, struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    int req = s->mode == LT_HTTP_REQUEST;

    /* Limits are reported alike whichever path found them (see head_limit_at). */
    if (strstr(why, "line exceeds"))
        return fail(p, err, LT_E_LIMIT, status, "%s line exceeds the %zu-byte url limit",
                    req ? "request" : "status", s->lim.url_max);
    if (strstr(why, "header count"))
        return fail(p, err, LT_E_LIMIT, status, "more than %zu headers (the limit)",
                    s->lim.nheaders_max);
    if (strstr(why, "headers exceed"))
        return fail(p, err, LT_E_LIMIT, status, "headers exceed the %zu-byte limit",
                    s->lim.headers_max);
    if (strstr(why, "body exceeds"))
        return fail(p, err, LT_E_LIMIT, status, "body exceeds the %zu-byte limit", s->lim.body_max);
    return fail(p, err, LT_E_FORMAT, status, "%s at stream offset %llu", why,
                (unsigned long long)s->msg_start);
}

/* A complete head at base[0, n): parse it and pick the body state. */
static int on_head(struct lt_http_parser *p, const uint8_t *base, size_t n, int in_hold,
                   uint64_t end_off, struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    const char *why = "bad message";
    int status = 400, rc;

    s->head_base = base;
    s->head_len = n;
    s->head_in_hold = in_hold;
    s->head_end = end_off;
    rc = http_parse_head(s, base, n, &why, &status);
    if (rc < 0)
        return head_error(p, why, status, err);
    return rc;
}

/*
 * Resynchronising requests: a message that begins with a line that is not
 * a request line is not waited for to its blank line. A line shaped like one
 * (a method-like word, then a space or the line's end) is a malformed
 * request: an error, counted by the caller. Anything else is another
 * protocol's bytes, skipped while seeking, as before a message. b[0, n) is
 * the line without its line end; the caller has consumed it.
 */
static int bad_first_line(struct lt_http_parser *p, const uint8_t *b, size_t n, size_t consumed,
                          const char *why, int status, struct lt_err *err)
{
    struct lt_http_state *s = p->st;

    if (http_looks_like_request(b, n))
        return head_error(p, why, status, err);
    drop_message(s);
    p->skipped_bytes += consumed;
    s->resynced = 1;
    s->state = ST_SEEK;
    return STEP_GO;
}

/* Resync, requests: checks the start line b[0, lf) once its line end is in. */
static int check_first_line(struct lt_http_parser *p, const uint8_t *b, size_t lf, int *bad,
                            struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    const char *why = "bad request line";
    int status = 400;

    *bad = 0;
    if (!s->resync || s->mode != LT_HTTP_REQUEST || s->line_checked)
        return 0;
    s->line_checked = 1;
    if (http_parse_start_line(s, b, http_line_body(b, lf), &why, &status) == 0)
        return 0;
    *bad = 1;
    return bad_first_line(p, b, http_line_body(b, lf), lf + 1, why, status, err);
}

static int step_head(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos,
                     struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    size_t end, at_err;
    int start_line;

    if (s->hold.len == 0) {
        /* Zero-copy: the head may be whole in data. */
        size_t scan = 0, at = *pos, n = len - at;
        if (n > s->head_cap + 1)
            n = s->head_cap + 1;
        at_err = head_limit_at(s, data + at, n, &start_line);
        if (at_err && start_line) {
            *pos = at + at_err;
            if (s->resync && s->mode == LT_HTTP_REQUEST &&
                !http_looks_like_request(data + at, at_err))
                return bad_first_line(p, data + at, at_err, at_err, "", 400, err);
            return head_limit_error(p, 1, err);
        }
        {
            const uint8_t *lf = memchr(data + at, '\n', n);
            int bad;
            if (lf) {
                size_t k = (size_t)(lf - (data + at));
                int rc = check_first_line(p, data + at, k, &bad, err);
                if (bad) {
                    *pos = at + k + 1;
                    return rc;
                }
            }
        }
        if (find_blank_line(data + at, n, &scan, &end)) {
            *pos = at + end;
            return on_head(p, data + at, end, 0, s->offset + *pos, err);
        }
        if (at_err) {
            *pos = at + at_err;
            return head_limit_error(p, 0, err);
        }
        if (lt_buf_append(&s->hold, data + at, len - at))
            return fail(p, err, LT_E_NOMEM, 500, "out of memory");
        s->scan = scan;
        *pos = len;
        return STEP_MORE;
    }
    /*
     * Gathering in hold: while the start line is open, take no more than up
     * to its line end (or the url limit), so a limit is found at the same
     * byte as when the head arrives whole.
     */
    for (;;) {
        size_t old = s->hold.len, lim, take = len - *pos;
        if (s->scan == 0) {
            const uint8_t *lf = memchr(data + *pos, '\n', take);
            lim = s->lim.url_max + 3;
            if (lf && (size_t)(lf - (data + *pos)) + 1 < take)
                take = (size_t)(lf - (data + *pos)) + 1;
        } else {
            lim = s->head_cap + 1;
        }
        if (take > (lim > old ? lim - old : 0))
            take = lim > old ? lim - old : 0;
        if (lt_buf_append(&s->hold, data + *pos, take))
            return fail(p, err, LT_E_NOMEM, 500, "out of memory");
        if (old < s->hold.len && s->resync && !s->line_checked) {
            const uint8_t *lf = memchr(s->hold.data, '\n', s->hold.len);
            int bad, rc;
            if (lf) {
                size_t k = (size_t)(lf - s->hold.data);
                /* copied out: a bad line drops hold */
                *pos += k + 1 - old;
                rc = check_first_line(p, s->hold.data, k, &bad, err);
                if (bad)
                    return rc;
                *pos -= k + 1 - old;
            }
        }
        if (find_blank_line(s->hold.data, s->hold.len, &s->scan, &end)) {
            *pos += end - old;
            s->hold.len = end;
            return on_head(p, s->hold.data, end, 1, s->offset + *pos, err);
        }
        *pos += take;
        if (head_limit_at(s, s->hold.data, s->hold.len, &start_line)) {
            if (start_line && s->resync && s->mode == LT_HTTP_REQUEST &&
                !http_looks_like_request(s->hold.data, s->hold.len))
                return bad_first_line(p, s->hold.data, s->hold.len, s->hold.len, "", 400, err);
            return head_limit_error(p, start_line, err);
        }
        if (*pos == len)
            return STEP_MORE;
    }
}

/* Keeps n body bytes; with cut_body, those past the limit are skipped (flagged). */
static int body_keep(struct lt_http_state *s, const uint8_t *b, size_t n)
{
    size_t room = s->lim.body_max - s->body.len;

    if (s->cut && n > room) {
        s->flags |= LT_HTTP_F_CUT;
        n = room;
    }
    return lt_buf_append(&s->body, b, n);
}

static int step_body_cl(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos,
                        struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    size_t avail = len - *pos, n;

    if (s->discard) {
        uint64_t take = avail < s->remaining ? avail : s->remaining;
        *pos += (size_t)take;
        s->remaining -= take;
        s->body_len += take;
        return s->remaining == 0 ? STEP_MSG : STEP_MORE;
    }
    if (s->body.len == 0 && !(s->flags & LT_HTTP_F_GAP) && avail >= s->remaining &&
        s->remaining <= s->lim.body_max) {
        s->body_view = data + *pos;
        s->body_view_len = (size_t)s->remaining;
        *pos += (size_t)s->remaining;
        s->remaining = 0;
        return STEP_MSG;
    }
    n = avail < s->remaining ? avail : (size_t)s->remaining;
    if (body_keep(s, data + *pos, n))
        return fail(p, err, LT_E_LIMIT, 413, "body exceeds the %zu-byte limit", s->lim.body_max);
    *pos += n;
    s->remaining -= n;
    return s->remaining == 0 ? STEP_MSG : STEP_MORE;
}

static int chunk_error(struct lt_http_parser *p, const char *why, struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    return fail(p, err, LT_E_FORMAT, s->mode == LT_HTTP_REQUEST ? 400 : 502,
                "%s in chunked body of message at stream offset %llu", why,
                (unsigned long long)s->msg_start);
}

/* The chunk-size line: 1*HEXDIG [ BWS ; chunk-ext ] CRLF, byte by byte. */
static int step_chunk_size(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos,
                           struct lt_err *err)
{
    struct lt_http_state *s = p->st;

    while (*pos < len) {
        uint8_t c = data[(*pos)++];
        int h;

        if (++s->cline > CHUNK_LINE_MAX)
            return chunk_error(p, "chunk line too long", err);
        if (s->cphase == 2) {
            if (c != '\n')
                return chunk_error(p, "bare CR", err);
            goto line_done;
        }
        if (c == '\n') {
            if (s->cdigits == 0)
                return chunk_error(p, "missing chunk size", err);
            goto line_done;
        }
        if (c == '\r') {
            if (s->cdigits == 0)
                return chunk_error(p, "missing chunk size", err);
            s->cphase = 2;
            continue;
        }
        if (s->cphase == 0 && (h = hexval(c)) >= 0) {
            if (s->cdigits >= 16 || (s->csize >> 60) != 0)
                return chunk_error(p, "chunk size too large", err);
            s->csize = s->csize * 16 + (uint64_t)h;
            s->cdigits++;
            continue;
        }
        if (s->cdigits == 0)
            return chunk_error(p, "bad chunk size", err);
        if (s->cphase == 0 || s->cphase == 1) {
            /* After the size: BWS, then ';' starts the extensions. */
            if (c == ';')
                s->cphase = 3;
            else if (c == ' ' || c == '\t')
                s->cphase = 1;
            else
                return chunk_error(p, s->cphase ? "bad chunk extension" : "bad chunk size", err);
            continue;
        }
        if (!http_is_vchar_ws(c))
            return chunk_error(p, "bad chunk extension", err);
        continue;
    line_done:
        if (s->csize == 0) {
            s->state = ST_TRAILERS;
            lt_buf_reset(&s->tbuf);
            s->tscan = 0;
            return STEP_GO;
        }
        if (s->discard) {
            /* Nothing is kept, so only the count could overflow (after 2^64 bytes). */
            if (s->csize > UINT64_MAX - s->body_len)
                return chunk_error(p, "body length overflows 64 bits", err);
        } else if (!s->cut && s->csize > s->lim.body_max - s->body.len) {
            return fail(p, err, LT_E_LIMIT, s->mode == LT_HTTP_REQUEST ? 413 : 502,
                        "body exceeds the %zu-byte limit", s->lim.body_max);
        }
        s->remaining = s->csize;
        s->state = ST_CHUNK_DATA;
        return STEP_GO;
    }
    return STEP_MORE;
}

static void chunk_line_reset(struct lt_http_state *s)
{
    s->csize = 0;
    s->cdigits = 0;
    s->cphase = 0;
    s->cline = 0;
}

static int step_chunk_data(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos,
                           struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    size_t avail = len - *pos;
    size_t n = avail < s->remaining ? avail : (size_t)s->remaining;

    if (s->discard)
        s->body_len += n;
    else if (body_keep(s, data + *pos, n))
        return fail(p, err, LT_E_LIMIT, 413, "body exceeds the %zu-byte limit", s->lim.body_max);
    *pos += n;
    s->remaining -= n;
    if (s->remaining)
        return STEP_MORE;
    s->state = ST_CHUNK_END;
    s->cend_cr = 0;
    return STEP_GO;
}

static int step_chunk_end(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos,
                          struct lt_err *err)
{
    struct lt_http_state *s = p->st;

    while (*pos < len) {
        uint8_t c = data[(*pos)++];
        if (c == '\r' && !s->cend_cr) {
            s->cend_cr = 1;
            continue;
        }
        if (c != '\n')
            return chunk_error(p, "missing CRLF after chunk data", err);
        chunk_line_reset(s);
        s->state = ST_CHUNK_SIZE;
        return STEP_GO;
    }
    return STEP_MORE;
}

static int step_trailers(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos,
                         struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    size_t old = s->tbuf.len, take = len - *pos, end, fend;
    const char *why = "bad trailer";
    int status = 400;

    if (take > s->head_cap + 1 - old)
        take = s->head_cap + 1 - old;
    if (lt_buf_append(&s->tbuf, data + *pos, take))
        return fail(p, err, LT_E_NOMEM, 500, "out of memory");
    if (!find_blank_line(s->tbuf.data, s->tbuf.len, &s->tscan, &end)) {
        *pos += take;
        if (s->tbuf.len > s->head_cap)
            return fail(p, err, LT_E_LIMIT, s->mode == LT_HTTP_REQUEST ? 431 : 502,
                        "trailers exceed the %zu-byte limit", s->lim.headers_max);
        return STEP_MORE;
    }
    *pos += end - old;
    s->tbuf.len = end;
    fend = end - 1;
    if (fend > 0 && s->tbuf.data[fend - 1] == '\r')
        fend--;
    for (size_t i = 0; i < fend; i++)
        if (s->tbuf.data[i] == '\r' && (i + 1 >= fend || s->tbuf.data[i + 1] != '\n'))
            return chunk_error(p, "bare CR in trailer", err);
    if (http_parse_fields(s, s->tbuf.data, fend, 1, &why, &status) < 0)
        return fail(p, err, status == 431 ? LT_E_LIMIT : LT_E_FORMAT, status,
                    "%s in trailers of message at stream offset %llu", why,
                    (unsigned long long)s->msg_start);
    return STEP_MSG;
}

/*
 * Resynchronising: looks for a start line. hold holds a candidate (or the
 * prefix of one) that has not reached its line end; nothing past a line end
 * ever enters hold here, so the head step can carry on from it.
 */
/* Does data[i] start a line (or follow a gap, or start the stream)? */
static int line_start_at(const struct lt_http_state *s, const uint8_t *data, size_t i)
{
    return i > 0 ? data[i - 1] == '\n' : s->line_start;
}

static int step_seek(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos)
{
    struct lt_http_state *s = p->st;
    const char *why;
    int status;

    for (;;) {
        if (s->hold.len == 0) {
            size_t i = *pos;
            /* Find the first byte where a candidate could start. */
            for (; i < len; i++) {
                int c = http_start_candidate(s->mode, data + i, len - i, line_start_at(s, data, i));
                if (c >= 0)
                    break;
            }
            p->skipped_bytes += i - *pos;
            if (i > *pos)
                s->resynced = 1;
            *pos = i;
            if (i == len)
                return STEP_MORE;
            const uint8_t *lf = memchr(data + i, '\n', len - i);
            if (lf) {
                size_t n = (size_t)(lf - (data + i));
                struct lt_http_state probe = *s;
                if (http_start_candidate(s->mode, data + i, n, line_start_at(s, data, i)) == 1 &&
                    http_parse_start_line(&probe, data + i, http_line_body(data + i, n), &why,
                                          &status) == 0) {
                    s->state = ST_HEAD;
                    s->msg_start = s->offset + i;
                    return STEP_GO;
                }
                (*pos)++;
                p->skipped_bytes++;
                s->resynced = 1;
                continue;
            }
            if (len - i > s->lim.url_max + 2) {
                (*pos)++;
                p->skipped_bytes++;
                s->resynced = 1;
                continue;
            }
            s->hold_ls = line_start_at(s, data, i);
            lt_buf_append(&s->hold, data + i, len - i);
            *pos = len;
            return STEP_MORE;
        }
        /* hold has a candidate without its line end: add up to the next LF. */
        if (s->hold.data[s->hold.len - 1] != '\n' && *pos < len) {
            const uint8_t *lf = memchr(data + *pos, '\n', len - *pos);
            size_t take = lf ? (size_t)(lf - (data + *pos)) + 1 : len - *pos;
            if (take > s->lim.url_max + 3)
                take = s->lim.url_max + 3;
            lt_buf_append(&s->hold, data + *pos, take);
            *pos += take;
        }
        {
            const uint8_t *h = s->hold.data;
            size_t n = s->hold.len;
            int c = http_start_candidate(s->mode, h, n, s->hold_ls);
            int has_lf = h[n - 1] == '\n';
            int ok = 0;
            if (c == 0 && !has_lf && *pos == len)
                return STEP_MORE;
            if (c == 1 && has_lf) {
                struct lt_http_state probe = *s;
                ok = http_parse_start_line(&probe, h, http_line_body(h, n - 1), &why, &status) == 0;
            }
            if (ok) {
                s->state = ST_HEAD;
                s->scan = n;
                s->msg_start = s->offset + *pos - n;
                return STEP_GO;
            }
            if (c == 1 && !has_lf && n <= s->lim.url_max + 2) {
                if (*pos == len)
                    return STEP_MORE;
                continue;
            }
            /* Not a start line: drop a byte and look again inside hold. */
            size_t k = 1;
            while (k < n && http_start_candidate(s->mode, h + k, n - k, h[k - 1] == '\n') < 0)
                k++;
            s->hold_ls = h[k - 1] == '\n';
            p->skipped_bytes += k;
            s->resynced = 1;
            memmove(s->hold.data, h + k, n - k);
            s->hold.len = n - k;
        }
    }
}

/* ---- the feed loop ------------------------------------------------------------------- */

static int finish_message(struct lt_http_parser *p, struct lt_http_msg *msg, uint64_t end)
{
    struct lt_http_state *s = p->st;

    if (fill_msg(s, msg, end))
        return LT_E_NOMEM;
    s->emitted = 1;
    s->resynced = 0;
    p->messages++;
    s->state = (s->flags & LT_HTTP_F_UPGRADE) ? ST_TUNNEL : ST_START;
    return LT_HTTP_MESSAGE;
}

int lt_http_parser_feed(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *used,
                        struct lt_http_msg *msg, struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    size_t pos = 0;
    int rc = STEP_GO;
    static const uint8_t none[1];

    *used = 0;
    if (!data)
        data = none; /* (NULL, 0) is a valid empty feed; keep pointer arithmetic defined */
    if (s->emitted)
        drop_message(s);
    if (s->state == ST_ERROR)
        return lt_error(err, s->err_code, "%s", s->err_msg);
    while (rc == STEP_GO) {
        switch (s->state) {
        case ST_START:
            while (pos < len && (data[pos] == '\r' || data[pos] == '\n'))
                pos++;
            if (pos == len) {
                rc = STEP_MORE;
                break;
            }
            chunk_line_reset(s);
            if (s->resync && (s->mode == LT_HTTP_RESPONSE || data[pos] < 'A' || data[pos] > 'Z')) {
                s->state = ST_SEEK;
            } else {
                s->state = ST_HEAD;
                s->msg_start = s->offset + pos;
            }
            break;
        case ST_SEEK:
            rc = step_seek(p, data, len, &pos);
            break;
        case ST_HEAD:
            rc = step_head(p, data, len, &pos, err);
            if (rc == STEP_GO && (s->flags & LT_HTTP_F_EXPECT_CONTINUE) && pos == len &&
                !s->continue_told) {
                s->continue_told = 1;
                rc = STEP_CONTINUE;
            }
            break;
        case ST_BODY_CL:
            rc = step_body_cl(p, data, len, &pos, err);
            break;
        case ST_CHUNK_SIZE:
            rc = step_chunk_size(p, data, len, &pos, err);
            break;
        case ST_CHUNK_DATA:
            rc = step_chunk_data(p, data, len, &pos, err);
            break;
        case ST_CHUNK_END:
            rc = step_chunk_end(p, data, len, &pos, err);
            break;
        case ST_TRAILERS:
            rc = step_trailers(p, data, len, &pos, err);
            break;
        case ST_BODY_EOF: {
            /* Up to the limit exactly, so an error is at the same byte for any split. */
            size_t room = s->lim.body_max - s->body.len, n = len - pos;
            if (s->discard) {
                s->body_len += n; /* 2^64 bytes would take centuries */
                rc = STEP_MORE;
                pos = len;
                break;
            }
            if (n > room) {
                lt_buf_append(&s->body, data + pos, room);
                pos += room;
                rc = fail(p, err, LT_E_LIMIT, 502, "body exceeds the %zu-byte limit",
                          s->lim.body_max);
                break;
            }
            if (lt_buf_append(&s->body, data + pos, n))
                rc = fail(p, err, LT_E_NOMEM, 500, "out of memory");
            else
                rc = STEP_MORE;
            pos = len;
            break;
        }
        case ST_TUNNEL:
            p->tunnel_bytes += len - pos;
            pos = len;
            rc = STEP_MORE;
            break;
        case ST_ERROR:
            rc = lt_error(err, s->err_code, "%s", s->err_msg);
            break;
        }
        if (rc == STEP_GO && pos == len && s->state != ST_START && s->state != ST_SEEK &&
            s->state != ST_HEAD)
            rc = STEP_MORE;
    }
    *used = pos;
    if (pos > 0)
        s->line_start = data[pos - 1] == '\n';
    if (rc == STEP_MSG) {
        rc = finish_message(p, msg, s->offset + pos);
    } else if (rc == STEP_CONTINUE) {
        if (keep_head(s) || fill_msg(s, msg, s->offset + pos))
            rc = LT_E_NOMEM;
        else
            rc = LT_HTTP_CONTINUE;
    } else if (rc == STEP_MORE) {
        rc = LT_HTTP_NEED_MORE;
        if (s->state >= ST_BODY_CL && s->state <= ST_BODY_EOF && keep_head(s))
            rc = LT_E_NOMEM;
    }
    s->offset += pos;
    return rc;
}

int lt_http_parser_finish(struct lt_http_parser *p, struct lt_http_msg *msg, struct lt_err *err)
{
    struct lt_http_state *s = p->st;

    if (s->emitted)
        drop_message(s);
    switch (s->state) {
    case ST_BODY_EOF:
        return finish_message(p, msg, s->offset);
    case ST_BODY_CL:
        if (s->remaining == 0) /* complete but for a gap: flagged already */
            return finish_message(p, msg, s->offset);
        /* fall through */
    case ST_CHUNK_SIZE:
    case ST_CHUNK_DATA:
    case ST_CHUNK_END:
    case ST_TRAILERS:
        s->flags |= LT_HTTP_F_TRUNCATED;
        return finish_message(p, msg, s->offset);
    case ST_HEAD:
        if (s->hold.len) {
            drop_message(s);
            s->state = ST_START;
            return lt_error(err, LT_E_TRUNCATED,
                            "stream ended inside a message head at stream offset %llu",
                            (unsigned long long)s->msg_start);
        }
        s->state = ST_START;
        return 0;
    default:
        return 0;
    }
}

int lt_http_parser_gap(struct lt_http_parser *p, uint64_t n)
{
    struct lt_http_state *s = p->st;

    if (s->emitted)
        drop_message(s);
    s->offset += n;
    s->line_start = 1; /* what follows a gap is taken to start a line */
    /* A gap that ends exactly at the body's end (the usual snaplen case) keeps the
     * message: the next feed or finish returns it flagged. */
    if ((s->state == ST_BODY_CL || s->state == ST_CHUNK_DATA) && n <= s->remaining) {
        s->remaining -= n;
        s->flags |= LT_HTTP_F_GAP;
        return 1;
    }
    if (s->state == ST_TUNNEL || s->state == ST_ERROR)
        return 0;
    drop_message(s);
    s->state = ST_SEEK;
    s->resynced = 1;
    return 0;
}
