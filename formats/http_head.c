/*
 * http_head.c - message heads for the HTTP/1.x parser (http_parse.c): start
 * lines, field lines, and the framing a head implies (RFC 9112 §6: which
 * body, if any, follows; what is refused as ambiguous).
 */
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- character classes --------------------------------------------------- */

/* RFC 9110 token characters (ASCII only; the rest of the table is zero). */
static const uint8_t tchar_table[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
};

static int is_tchar(uint8_t c)
{
    return tchar_table[c];
}

static int ieq(const uint8_t *p, size_t n, const char *s)
{
    return strlen(s) == n && strncasecmp((const char *)p, s, n) == 0;
}

unsigned lt_http_request_bits(const uint8_t *method, size_t len)
{
    if (ieq(method, len, "HEAD"))
        return LT_HTTP_REQ_HEAD;
    if (ieq(method, len, "CONNECT"))
        return LT_HTTP_REQ_CONNECT;
    return 0;
}

unsigned http_pop_request(struct lt_http_state *s)
{
    unsigned bits;

    if (s->reqq_len == 0)
        return 0;
    bits = s->reqq[s->reqq_head];
    s->reqq_head = (s->reqq_head + 1) % REQQ_MAX;
    s->reqq_len--;
    return bits;
}

/* ---- start lines ----------------------------------------------------------------- */

static const char *const known_methods[] = {
    "GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
};

/*
 * Does b look like the beginning of a start line? 1: yes, 0: b is too short
 * to say but could be, -1: no. For responses "HTTP/1."; for requests a
 * method and a space: any RFC 9110 token (of at most HTTP_METHOD_SEEK_MAX
 * characters) where a line starts (line_start), and one of the common
 * methods anywhere, since skipped bytes seldom end in a line end but a
 * word glued to a method ("garbageGET") is not a method. The whole line
 * must still parse as a request line to be taken. Used only when
 * resynchronising.
 */
int http_start_candidate(enum lt_http_mode mode, const uint8_t *b, size_t n, int line_start)
{
    size_t i = 0;
    int maybe = 0;

    if (mode == LT_HTTP_RESPONSE) {
        size_t k = n < 7 ? n : 7;
        if (memcmp(b, "HTTP/1.", k) != 0)
            return -1;
        return n >= 7 ? 1 : 0;
    }
    if (line_start) {
        while (i < n && i < HTTP_METHOD_SEEK_MAX && is_tchar(b[i]))
            i++;
        if (i == n)
            return 0; /* n <= HTTP_METHOD_SEEK_MAX: the space may come next */
        return i > 0 && b[i] == ' ' ? 1 : -1;
    }
    for (size_t k = 0; k < sizeof(known_methods) / sizeof(known_methods[0]); k++) {
        size_t m = strlen(known_methods[k]);
        size_t c = n < m ? n : m;
        if (memcmp(b, known_methods[k], c) == 0) {
            if (n >= m)
                return 1;
            maybe = 1;
        }
    }
    return maybe ? 0 : -1;
}

/*
 * At a message boundary, does the line b[0, n) (without its line end) start
 * like a request line, a method-shaped word (upper-case letters, digits, '_'
 * and '-', starting with a letter) then a space or the line's end? Such a
 * line that does not parse is a malformed request, not another protocol.
 */
int http_looks_like_request(const uint8_t *b, size_t n)
{
    size_t i = 0;

    if (n == 0 || b[0] < 'A' || b[0] > 'Z')
        return 0;
    while (i < n && i < HTTP_METHOD_SEEK_MAX &&
           ((b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '_' ||
            b[i] == '-'))
        i++;
    return i == n || b[i] == ' ';
}

static int parse_version(const uint8_t *v, size_t n, unsigned *minor, int *status)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9') {
        *status = 400;
        return -1;
    }
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1')) {
        *status = 505;
        return -1;
    }
    *minor = (unsigned)(v[7] - '0');
    return 0;
}

/*
 * Parses a start line (without its line end) into s. Returns 0, or -1 with
 * *why and *status set.
 */
int http_parse_start_line(struct lt_http_state *s, const uint8_t *b, size_t n, const char **why,
                          int *status)
{
    *status = 400;
    if (s->mode == LT_HTTP_REQUEST) {
        size_t i = 0, m, u;
        if (n > s->lim.url_max) {
            *why = "request line exceeds the url limit";
            *status = 414;
            return -1;
        }
        while (i < n && is_tchar(b[i]))
            i++;
        if (i == 0 || i >= n || b[i] != ' ') {
            *why = "bad request method";
            return -1;
        }
        m = i++;
        u = i;
        while (i < n && b[i] > 0x20 && b[i] != 0x7f)
            i++;
        if (i == u || i >= n || b[i] != ' ') {
            *why = "bad request target";
            return -1;
        }
        s->method_off = 0;
        s->method_len = (uint32_t)m;
        s->url_off = (uint32_t)u;
        s->url_len = (uint32_t)(i - u);
        i++;
        if (parse_version(b + i, n - i, &s->version_minor, status) < 0) {
            *why = *status == 505 ? "unsupported http version" : "bad http version";
            return -1;
        }
        return 0;
    }
    if (n > s->lim.url_max) {
        *why = "status line exceeds the url limit";
        *status = 502;
        return -1;
    }
    if (n < 12 || parse_version(b, 8, &s->version_minor, status) < 0 || b[8] != ' ' || b[9] < '1' ||
        b[9] > '9' || b[10] < '0' || b[10] > '9' || b[11] < '0' || b[11] > '9' ||
        (n > 12 && b[12] != ' ')) {
        *why = "bad status line";
        *status = 502;
        return -1;
    }
    s->status = (uint16_t)((b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0'));
    s->reason_off = n > 12 ? 13 : 12;
    s->reason_len = (uint32_t)(n - s->reason_off);
    for (size_t i = s->reason_off; i < n; i++)
        if (!http_is_vchar_ws(b[i])) {
            *why = "bad reason phrase";
            *status = 502;
            return -1;
        }
    return 0;
}

/* ---- fields ----------------------------------------------------------------------- */

static int add_field(struct lt_http_state *s, uint32_t no, uint32_t nl, uint32_t vo, uint32_t vl)
{
    if (s->nfields + s->ntrailers >= s->fields_cap) {
        size_t cap = s->fields_cap ? s->fields_cap * 2 : 16;
        struct field *f = realloc(s->fields, cap * sizeof(*f));
        if (!f)
            return LT_E_NOMEM;
        s->fields = f;
        s->fields_cap = cap;
    }
    s->fields[s->nfields + s->ntrailers] = (struct field){no, nl, vo, vl};
    return 0;
}

/*
 * Parses the field lines of b[0, n) (each ending in LF, the blank line not
 * included) as headers or trailers. Offsets are relative to b.
 */
int http_parse_fields(struct lt_http_state *s, const uint8_t *b, size_t n, int trailers,
                      const char **why, int *status)
{
    size_t i = 0;

    *status = s->mode == LT_HTTP_REQUEST ? 400 : 502;
    while (i < n) {
        const uint8_t *lf = memchr(b + i, '\n', n - i);
        size_t end = lf ? (size_t)(lf - b) : n;
        size_t len = http_line_body(b + i, end - i), j = 0, vs, ve;
        const uint8_t *l = b + i;

        if (l[0] == ' ' || l[0] == '\t') {
            *why = "obsolete line folding";
            return -1;
        }
        while (j < len && is_tchar(l[j]))
            j++;
        if (j == 0 || j >= len || l[j] != ':') {
            *why = (j < len && (l[j] == ' ' || l[j] == '\t')) ? "whitespace before colon"
                                                              : "bad header line";
            return -1;
        }
        vs = j + 1;
        while (vs < len && (l[vs] == ' ' || l[vs] == '\t'))
            vs++;
        ve = len;
        while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
            ve--;
        for (size_t k = vs; k < ve; k++)
            if (!http_is_vchar_ws(l[k])) {
                *why = l[k] == '\r' ? "bare CR in header" : "control character in header";
                return -1;
            }
        if (s->nfields + s->ntrailers >= s->lim.nheaders_max) {
            *why = "header count exceeds the limit";
            *status = s->mode == LT_HTTP_REQUEST ? 431 : 502;
            return -1;
        }
        s->field_bytes += j + (ve - vs);
        if (s->field_bytes > s->lim.headers_max) {
            *why = "headers exceed the size limit";
            *status = s->mode == LT_HTTP_REQUEST ? 431 : 502;
            return -1;
        }
        if (add_field(s, (uint32_t)i, (uint32_t)j, (uint32_t)(i + vs), (uint32_t)(ve - vs))) {
            *why = "out of memory";
            *status = 500;
            return -1;
        }
        if (trailers)
            s->ntrailers++;
        else
            s->nfields++;
        i = end + 1;
    }
    return 0;
}

/*
 * Splits a comma-separated list value into trimmed elements and calls fn on
 * each non-empty one; stops at fn's first non-zero return.
 */
static int each_element(const uint8_t *v, size_t n, int (*fn)(void *, const uint8_t *, size_t),
                        void *ctx)
{
    size_t i = 0;
    while (i <= n) {
        size_t a = i, b;
        while (i < n && v[i] != ',')
            i++;
        b = i;
        while (a < b && (v[a] == ' ' || v[a] == '\t'))
            a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
            b--;
        if (b > a) {
            int rc = fn(ctx, v + a, b - a);
            if (rc)
                return rc;
        }
        i++;
    }
    return 0;
}

struct framing {
    int has_cl, cl_bad, cl_differ;
    uint64_t cl;
    int has_te, te_chunked_final, te_chunked_count, te_unknown_final;
    int conn_close, conn_keepalive, expect_continue, expect_other;
};

static int cl_element(void *ctx, const uint8_t *v, size_t n)
{
    struct framing *f = ctx;
    uint64_t x = 0;

    /* Any value up to UINT64_MAX (a body too big to keep is refused later, by the limit). */
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)(v[i] - '0');
        if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - d) / 10) {
            f->cl_bad = 1;
            return 1;
        }
        x = x * 10 + d;
    }
    if (f->has_cl && f->cl != x) {
        f->cl_differ = 1;
        return 1;
    }
    f->has_cl = 1;
    f->cl = x;
    return 0;
}

static int te_element(void *ctx, const uint8_t *v, size_t n)
{
    struct framing *f = ctx;
    size_t k = 0;

    while (k < n && v[k] != ';' && v[k] != ' ' && v[k] != '\t')
        k++;
    f->has_te = 1;
    if (ieq(v, k, "chunked")) {
        f->te_chunked_count++;
        f->te_chunked_final = 1;
    } else {
        f->te_chunked_final = 0;
    }
    return 0;
}

static int conn_element(void *ctx, const uint8_t *v, size_t n)
{
    struct framing *f = ctx;
    if (ieq(v, n, "close"))
        f->conn_close = 1;
    else if (ieq(v, n, "keep-alive"))
        f->conn_keepalive = 1;
    return 0;
}

static int expect_element(void *ctx, const uint8_t *v, size_t n)
{
    struct framing *f = ctx;
    if (ieq(v, n, "100-continue"))
        f->expect_continue = 1;
    else
        f->expect_other = 1;
    return 0;
}

/* ---- message head -------------------------------------------------------------------- */

/*
 * Parses a complete head b[0, n) (start line, fields, blank line) and sets
 * up the body state. Returns STEP_GO with the body state set, STEP_MSG when
 * the message has no body, or -1 with *why and *status set.
 */
int http_parse_head(struct lt_http_state *s, const uint8_t *b, size_t n, const char **why,
                    int *status)
{
    const uint8_t *lf = memchr(b, '\n', n);
    size_t first = (size_t)(lf - b), fstart = first + 1, fend;
    struct framing f;
    unsigned req = 0;

    memset(&f, 0, sizeof(f));
    if (http_parse_start_line(s, b, http_line_body(b, first), why, status) < 0)
        return -1;
    /* The blank line ends the head: CRLF or LF. */
    fend = n - 1;
    if (fend > fstart && b[fend - 1] == '\r')
        fend--;
    if (fend < fstart)
        fend = fstart;
    for (size_t i = fstart; i < fend; i++)
        if (b[i] == '\r' && (i + 1 >= fend || b[i + 1] != '\n')) {
            *why = "bare CR in header";
            *status = s->mode == LT_HTTP_REQUEST ? 400 : 502;
            return -1;
        }
    if (http_parse_fields(s, b + fstart, fend - fstart, 0, why, status) < 0)
        return -1;
    for (size_t i = 0; i < s->nfields; i++) {
        struct field *fl = &s->fields[i];
        fl->name_off += (uint32_t)fstart;
        fl->val_off += (uint32_t)fstart;
    }
    for (size_t i = 0; i < s->nfields; i++) {
        const struct field *fl = &s->fields[i];
        const uint8_t *nm = b + fl->name_off, *v = b + fl->val_off;
        if (ieq(nm, fl->name_len, "content-length")) {
            if (fl->val_len == 0)
                f.cl_bad = 1;
            each_element(v, fl->val_len, cl_element, &f);
        } else if (ieq(nm, fl->name_len, "transfer-encoding")) {
            each_element(v, fl->val_len, te_element, &f);
        } else if (ieq(nm, fl->name_len, "connection")) {
            each_element(v, fl->val_len, conn_element, &f);
        } else if (ieq(nm, fl->name_len, "expect")) {
            each_element(v, fl->val_len, expect_element, &f);
        }
    }
    *status = s->mode == LT_HTTP_REQUEST ? 400 : 502;
    if (f.cl_bad) {
        *why = "bad content-length";
        return -1;
    }
    if (f.cl_differ) {
        *why = "differing content-length values";
        return -1;
    }
    if (f.has_cl && f.has_te) {
        *why = "both content-length and transfer-encoding";
        return -1;
    }
    if (f.te_chunked_count > 1) {
        *why = "chunked applied more than once";
        return -1;
    }
    if (f.has_te && f.te_chunked_count && !f.te_chunked_final) {
        *why = "chunked is not the final transfer coding";
        return -1;
    }
    if (s->version_minor == 1 ? !f.conn_close : (f.conn_keepalive && !f.conn_close))
        s->flags |= LT_HTTP_F_KEEPALIVE;
    if (f.has_te && s->version_minor == 0)
        s->flags &= ~(uint32_t)LT_HTTP_F_KEEPALIVE; /* RFC 9112 §6.1: faulty framing */

    if (s->mode == LT_HTTP_REQUEST) {
        if (f.expect_continue && s->version_minor == 1)
            s->flags |= LT_HTTP_F_EXPECT_CONTINUE;
        if (f.has_te && !f.te_chunked_final) {
            *why = "unsupported transfer-encoding";
            *status = 501;
            return -1;
        }
        if (f.has_te) {
            s->flags |= LT_HTTP_F_CHUNKED;
            s->state = ST_CHUNK_SIZE;
            return STEP_GO;
        }
        if (f.has_cl && f.cl > s->lim.body_max && !s->discard && !s->cut) {
            *why = "body exceeds the size limit";
            *status = 413;
            return -1;
        }
        if (f.has_cl && f.cl > 0) {
            s->remaining = f.cl;
            s->state = ST_BODY_CL;
            return STEP_GO;
        }
        return STEP_MSG;
    }

    /* Responses: framing depends on the status and on the request. */
    if (s->status >= 100 && s->status < 200 && s->status != 101) {
        s->flags |= LT_HTTP_F_INTERIM | LT_HTTP_F_KEEPALIVE; /* the final response decides */
        return STEP_MSG;
    }
    req = http_pop_request(s);
    if (s->status == 101 || ((req & LT_HTTP_REQ_CONNECT) && s->status / 100 == 2)) {
        s->flags |= LT_HTTP_F_UPGRADE;
        return STEP_MSG;
    }
    if ((req & LT_HTTP_REQ_HEAD) || s->status == 204 || s->status == 304)
        return STEP_MSG;
    if (f.has_te && f.te_chunked_final) {
        s->flags |= LT_HTTP_F_CHUNKED;
        s->state = ST_CHUNK_SIZE;
        return STEP_GO;
    }
    if (f.has_cl && !f.has_te) {
        if (f.cl > s->lim.body_max && !s->discard) {
            *why = "body exceeds the size limit";
            return -1;
        }
        if (f.cl == 0)
            return STEP_MSG;
        s->remaining = f.cl;
        s->state = ST_BODY_CL;
        return STEP_GO;
    }
    s->flags |= LT_HTTP_F_CLOSE_DELIMITED;
    s->flags &= ~(uint32_t)LT_HTTP_F_KEEPALIVE;
    s->state = ST_BODY_EOF;
    return STEP_GO;
}
