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
 */
#include "lt_formats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum state {
    ST_START,      /* between messages */
    ST_SEEK,       /* looking for a start line (resync) */
    ST_HEAD,       /* gathering the head */
    ST_BODY_CL,    /* Content-Length body */
    ST_CHUNK_SIZE, /* chunk-size line */
    ST_CHUNK_DATA,
    ST_CHUNK_END, /* CRLF after chunk data */
    ST_TRAILERS,
    ST_BODY_EOF, /* close-delimited body */
    ST_TUNNEL,   /* after an upgrade: not HTTP any more */
    ST_ERROR,
};

/* Step results inside the feed loop. */
enum { STEP_GO = 0, STEP_MSG = 1, STEP_CONTINUE = 2, STEP_MORE = 3 };

#define CHUNK_LINE_MAX 4096
#define REQQ_MAX 256

struct field {
    uint32_t name_off, name_len, val_off, val_len;
};

struct lt_http_state {
    enum lt_http_mode mode;
    struct lt_limits lim;
    int resync;
    enum state state;
    int err_code, err_status;
    char err_msg[LT_ERR_MSG_MAX];
    uint64_t offset; /* stream bytes consumed before the current feed */
    uint64_t msg_start, head_end;
    int emitted;
    size_t head_cap;

    struct lt_buf hold; /* head bytes gathered across feeds */
    size_t scan;        /* where the blank-line search resumes in hold */
    struct lt_buf body;
    struct lt_buf tbuf; /* trailer section */
    size_t tscan;
    const uint8_t *head_base;
    size_t head_len;
    int head_in_hold;
    const uint8_t *body_view; /* zero-copy body, or NULL */
    size_t body_view_len;

    struct field *fields; /* headers then trailers */
    size_t nfields, ntrailers, fields_cap;
    size_t field_bytes;
    struct lt_header *hdrs;
    size_t hdrs_cap;

    uint32_t flags;
    unsigned version_minor;
    uint16_t status;
    uint32_t method_off, method_len, url_off, url_len, reason_off, reason_len;
    uint64_t remaining;
    int resynced;
    int continue_told;

    /* chunk-size line */
    uint64_t csize;
    unsigned cdigits;
    int cphase; /* 0 digits, 1 whitespace after them, 2 saw CR, 3 in extensions */
    size_t cline;
    int cend_cr;

    uint8_t reqq[REQQ_MAX];
    unsigned reqq_head, reqq_len;
};

/* ---- character classes --------------------------------------------------- */

static int is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values: visible ASCII, SP, HTAB and obs-text; no other controls. */
static int is_vchar_ws(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

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

static int ieq(const uint8_t *p, size_t n, const char *s)
{
    return strlen(s) == n && strncasecmp((const char *)p, s, n) == 0;
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
    /* Room for the start line, every field with generous whitespace, the blank line. */
    s->head_cap = s->lim.url_max + 2 + s->lim.headers_max + s->lim.nheaders_max * 8 + 2;
    lt_buf_init(&s->hold, s->head_cap + 1);
    lt_buf_init(&s->body, s->lim.body_max ? s->lim.body_max : 1);
    lt_buf_init(&s->tbuf, s->head_cap + 1);
    s->state = (o && o->seek_start) ? ST_SEEK : ST_START;
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
    lt_buf_reset(&s->body);
    lt_buf_reset(&s->tbuf);
    s->scan = s->tscan = 0;
    s->head_base = NULL;
    s->head_len = 0;
    s->head_in_hold = 0;
    s->body_view = NULL;
    s->body_view_len = 0;
    s->nfields = s->ntrailers = s->field_bytes = 0;
    s->flags = 0;
    s->status = 0;
    s->remaining = 0;
    s->continue_told = 0;
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

unsigned lt_http_request_bits(const uint8_t *method, size_t len)
{
    if (ieq(method, len, "HEAD"))
        return LT_HTTP_REQ_HEAD;
    if (ieq(method, len, "CONNECT"))
        return LT_HTTP_REQ_CONNECT;
    return 0;
}

int lt_http_parser_push_request(struct lt_http_parser *p, unsigned req_bits)
{
    struct lt_http_state *s = p->st;

    if (s->reqq_len >= REQQ_MAX)
        return LT_E_LIMIT;
    s->reqq[(s->reqq_head + s->reqq_len) % REQQ_MAX] = (uint8_t)req_bits;
    s->reqq_len++;
    return 0;
}

static unsigned pop_request(struct lt_http_state *s)
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
 * Does b look like the beginning of a start line? 1: yes (a known method and
 * a space, or "HTTP/1."), 0: b is too short to say but could be, -1: no.
 * Used only when resynchronising.
 */
static int start_candidate(enum lt_http_mode mode, const uint8_t *b, size_t n)
{
    if (mode == LT_HTTP_RESPONSE) {
        size_t k = n < 7 ? n : 7;
        if (memcmp(b, "HTTP/1.", k) != 0)
            return -1;
        return n >= 7 ? 1 : 0;
    }
    int maybe = 0;
    for (size_t i = 0; i < sizeof(known_methods) / sizeof(known_methods[0]); i++) {
        size_t m = strlen(known_methods[i]);
        size_t k = n < m ? n : m;
        if (memcmp(b, known_methods[i], k) == 0) {
            if (n >= m)
                return 1;
            maybe = 1;
        }
    }
    return maybe ? 0 : -1;
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
static int parse_start_line(struct lt_http_state *s, const uint8_t *b, size_t n, const char **why,
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
        if (!is_vchar_ws(b[i])) {
            *why = "bad reason phrase";
            *status = 502;
            return -1;
        }
    return 0;
}

/* ---- fields ----------------------------------------------------------------------- */

/* Length of a line without its LF and an optional CR before it. */
static size_t line_body(const uint8_t *b, size_t lf)
{
    return (lf > 0 && b[lf - 1] == '\r') ? lf - 1 : lf;
}

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
static int parse_fields(struct lt_http_state *s, const uint8_t *b, size_t n, int trailers,
                        const char **why, int *status)
{
    size_t i = 0;

    *status = s->mode == LT_HTTP_REQUEST ? 400 : 502;
    while (i < n) {
        const uint8_t *lf = memchr(b + i, '\n', n - i);
        size_t end = lf ? (size_t)(lf - b) : n;
        size_t len = line_body(b + i, end - i), j = 0, vs, ve;
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
            if (!is_vchar_ws(l[k])) {
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

    if (n > 19) {
        f->cl_bad = 1;
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            f->cl_bad = 1;
            return 1;
        }
        x = x * 10 + (uint64_t)(v[i] - '0');
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
static int parse_head(struct lt_http_state *s, const uint8_t *b, size_t n, const char **why,
                      int *status)
{
    const uint8_t *lf = memchr(b, '\n', n);
    size_t first = (size_t)(lf - b), fstart = first + 1, fend;
    struct framing f;
    unsigned req = 0;

    memset(&f, 0, sizeof(f));
    if (parse_start_line(s, b, line_body(b, first), why, status) < 0)
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
    if (parse_fields(s, b + fstart, fend - fstart, 0, why, status) < 0)
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
        if (f.has_cl && f.cl > s->lim.body_max) {
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
    req = pop_request(s);
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
        if (f.cl > s->lim.body_max) {
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

/* ---- emitting ------------------------------------------------------------------------- */

/* Builds the caller's view of the current message. */
static int fill_msg(struct lt_http_state *s, struct lt_http_msg *m, uint64_t end)
{
    size_t nf = s->nfields + s->ntrailers;
    const uint8_t *b = s->head_base;

    if (nf > s->hdrs_cap) {
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
    else
        m->body = (struct lt_bytes){s->body.data, s->body.len};
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
    if (line_body(b, (size_t)(lf - b)) > s->lim.url_max)
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
    rc = parse_head(s, base, n, &why, &status);
    if (rc < 0)
        return head_error(p, why, status, err);
    return rc;
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
            return head_limit_error(p, 1, err);
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
        if (find_blank_line(s->hold.data, s->hold.len, &s->scan, &end)) {
            *pos += end - old;
            s->hold.len = end;
            return on_head(p, s->hold.data, end, 1, s->offset + *pos, err);
        }
        *pos += take;
        if (head_limit_at(s, s->hold.data, s->hold.len, &start_line))
            return head_limit_error(p, start_line, err);
        if (*pos == len)
            return STEP_MORE;
    }
}

static int step_body_cl(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *pos,
                        struct lt_err *err)
{
    struct lt_http_state *s = p->st;
    size_t avail = len - *pos, n;

    if (s->body.len == 0 && !(s->flags & LT_HTTP_F_GAP) && avail >= s->remaining) {
        s->body_view = data + *pos;
        s->body_view_len = (size_t)s->remaining;
        *pos += (size_t)s->remaining;
        s->remaining = 0;
        return STEP_MSG;
    }
    n = avail < s->remaining ? avail : (size_t)s->remaining;
    if (lt_buf_append(&s->body, data + *pos, n))
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
        if (!is_vchar_ws(c))
            return chunk_error(p, "bad chunk extension", err);
        continue;
    line_done:
        if (s->csize == 0) {
            s->state = ST_TRAILERS;
            lt_buf_reset(&s->tbuf);
            s->tscan = 0;
            return STEP_GO;
        }
        if (s->csize > s->lim.body_max - s->body.len)
            return fail(p, err, LT_E_LIMIT, s->mode == LT_HTTP_REQUEST ? 413 : 502,
                        "body exceeds the %zu-byte limit", s->lim.body_max);
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

    if (lt_buf_append(&s->body, data + *pos, n))
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
    if (parse_fields(s, s->tbuf.data, fend, 1, &why, &status) < 0)
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
                int c = start_candidate(s->mode, data + i, len - i);
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
                if (start_candidate(s->mode, data + i, n) == 1 &&
                    parse_start_line(&probe, data + i, line_body(data + i, n), &why, &status) ==
                        0) {
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
            int c = start_candidate(s->mode, h, n);
            int has_lf = h[n - 1] == '\n';
            int ok = 0;
            if (c == 0 && !has_lf && *pos == len)
                return STEP_MORE;
            if (c == 1 && has_lf) {
                struct lt_http_state probe = *s;
                ok = parse_start_line(&probe, h, line_body(h, n - 1), &why, &status) == 0;
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
            while (k < n && start_candidate(s->mode, h + k, n - k) < 0)
                k++;
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

    *used = 0;
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
            if (s->resync) {
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
    if ((s->state == ST_BODY_CL || s->state == ST_CHUNK_DATA) && n < s->remaining) {
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
