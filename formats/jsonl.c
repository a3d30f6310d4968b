/*
 * jsonl.c - records as JSON lines (DESIGN.md §3): the writer used by
 * `export` and the strict parser used by `import`. What the writer emits the
 * parser takes back byte for byte; anything it does not understand (an
 * unknown key, a fraction where a count belongs) is an error, not a guess.
 */
#include "jsonval.h"
#include "lt_formats.h"

#include <stdlib.h>
#include <string.h>

/* ---- writing -------------------------------------------------------------- */

/* Text that JSON can carry as a string: valid UTF-8 without NUL. */
static int is_text(const struct lt_bytes *b)
{
    return memchr(b->p, 0, b->len) == NULL && lt_utf8_valid(b->p, b->len);
}

/* A string, or {"b64":"..."} for bytes that are not text. */
static int put_bytes(struct lt_buf *out, const struct lt_bytes *b)
{
    int rc;

    if (b->len == 0 || is_text(b))
        return lt_buf_json_strn(out, b->p, b->len);
    if ((rc = lt_buf_puts(out, "{\"b64\":\"")) || (rc = lt_b64_encode(out, b->p, b->len)))
        return rc;
    return lt_buf_puts(out, "\"}");
}

int lt_jsonl_write(struct lt_buf *out, const struct lt_record *r)
{
    size_t start = out->len;
    int rc;

    if ((rc = lt_buf_puts(out, "{\"ts_ns\":")) || (rc = lt_buf_json_u64(out, r->ts_ns)) ||
        (rc = lt_buf_puts(out, ",\"session\":")) || (rc = lt_buf_json_u64(out, r->session)) ||
        (rc = lt_buf_puts(out, ",\"method\":")) || (rc = put_bytes(out, &r->method)) ||
        (rc = lt_buf_puts(out, ",\"url\":")) || (rc = put_bytes(out, &r->url)) ||
        (rc = lt_buf_puts(out, ",\"headers\":[")))
        goto out;
    for (size_t i = 0; i < r->nheaders; i++) {
        if ((rc = lt_buf_puts(out, i ? ",[" : "[")) || (rc = put_bytes(out, &r->headers[i].name)) ||
            (rc = lt_buf_putc(out, ',')) || (rc = put_bytes(out, &r->headers[i].value)) ||
            (rc = lt_buf_putc(out, ']')))
            goto out;
    }
    if ((rc = lt_buf_puts(out, "],")))
        goto out;
    if (r->body.len == 0 || is_text(&r->body)) {
        if ((rc = lt_buf_puts(out, "\"body\":")) ||
            (rc = lt_buf_json_strn(out, r->body.p, r->body.len)))
            goto out;
    } else {
        if ((rc = lt_buf_puts(out, "\"body_b64\":\"")) ||
            (rc = lt_b64_encode(out, r->body.p, r->body.len)) || (rc = lt_buf_putc(out, '"')))
            goto out;
    }
    if (r->has_response) {
        if ((rc = lt_buf_printf(
                 out, ",\"response\":{\"status\":%u,\"latency_ns\":", (unsigned)r->status)) ||
            (rc = lt_buf_json_u64(out, r->resp_latency_ns)) || (rc = lt_buf_putc(out, '}')))
            goto out;
    }
    if (r->flags & LT_RF_ALL) {
        int first = 1;
        if ((rc = lt_buf_puts(out, ",\"flags\":[")))
            goto out;
        for (uint32_t bit = 1; bit & LT_RF_ALL; bit <<= 1) {
            if (!(r->flags & bit))
                continue;
            if ((rc = lt_buf_printf(out, "%s\"%s\"", first ? "" : ",", lt_record_flag_name(bit))))
                goto out;
            first = 0;
        }
        if ((rc = lt_buf_putc(out, ']')))
            goto out;
    }
    rc = lt_buf_puts(out, "}\n");
out:
    if (rc)
        out->len = start; /* never leave half a line behind */
    return rc;
}

/* ---- parsing -------------------------------------------------------------- */

/* Where each piece of the record sits in rb->arena until the arena stops moving. */
struct span {
    size_t off, len;
};

struct pstate {
    const struct jv_doc *d;
    struct lt_recbuf *rb;
    struct lt_err *err;
    struct span method, url, body;
    struct span *hspans; /* 2 per header: name, value */
    size_t nhdr;
};

static int append_span(struct pstate *st, const char *p, size_t n, struct span *sp)
{
    sp->off = st->rb->arena.len;
    sp->len = n;
    if (lt_buf_append(&st->rb->arena, p, n))
        return lt_error(st->err, LT_E_LIMIT, "record too large");
    return 0;
}

static int b64_span(struct pstate *st, const char *p, size_t n, struct span *sp, const char *what)
{
    int rc;

    sp->off = st->rb->arena.len;
    if ((rc = lt_b64_decode(&st->rb->arena, p, n, st->err))) {
        lt_err_prefix(st->err, "'%s'", what);
        return rc;
    }
    sp->len = st->rb->arena.len - sp->off;
    return 0;
}

static int get_u64(struct pstate *st, const struct jv_node *n, const char *what, uint64_t *v)
{
    if (jv_u64(st->d, n, v) == 0)
        return 0;
    if (n->type == JV_NUM || n->type == JV_STR) {
        size_t len;
        const char *s = n->type == JV_STR ? jv_str(st->d, n, &len) : st->d->in + n->off;
        len = n->type == JV_STR ? len : n->len;
        return lt_error(st->err, LT_E_FORMAT,
                        "'%s' must be a whole number from 0 to 18446744073709551615, got %s%.*s%s",
                        what, n->type == JV_STR ? "\"" : "", len > 40 ? 40 : (int)len, s,
                        n->type == JV_STR ? "\"" : "");
    }
    return lt_error(st->err, LT_E_FORMAT, "'%s' must be a number, got %s", what, jv_type_name(n));
}

/* A string, or {"b64":"..."} (how the writer carries bytes that are not text). */
static int get_bytes(struct pstate *st, const struct jv_node *n, const char *what, struct span *sp)
{
    const struct jv_node *c;
    size_t len;
    const char *s;

    if (n->type == JV_STR) {
        s = jv_str(st->d, n, &len);
        return append_span(st, s, len, sp);
    }
    if (n->type == JV_OBJ && n->len == 1 && (c = jv_child(st->d, n)) &&
        jv_key_is(st->d, c, "b64") && c->type == JV_STR) {
        s = jv_str(st->d, c, &len);
        return b64_span(st, s, len, sp, what);
    }
    return lt_error(st->err, LT_E_FORMAT, "'%s' must be a string or {\"b64\":\"...\"}, got %s",
                    what, jv_type_name(n));
}

static int parse_headers(struct pstate *st, const struct jv_node *arr, const struct lt_limits *l)
{
    size_t i = 0;
    int rc;

    if (arr->type != JV_ARR)
        return lt_error(st->err, LT_E_FORMAT, "'headers' must be an array of [name, value], got %s",
                        jv_type_name(arr));
    if (arr->len > l->nheaders_max)
        return lt_error(st->err, LT_E_LIMIT, "%u headers, over the limit of %zu", arr->len,
                        l->nheaders_max);
    st->hspans = calloc(arr->len ? arr->len * 2 : 1, sizeof(*st->hspans));
    if (!st->hspans)
        return lt_error(st->err, LT_E_NOMEM, "out of memory");
    for (const struct jv_node *h = jv_child(st->d, arr); h; h = jv_next(st->d, h), i++) {
        const struct jv_node *name = jv_child(st->d, h), *value = jv_next(st->d, name);
        char what[48];

        if (h->type != JV_ARR || h->len != 2)
            return lt_error(st->err, LT_E_FORMAT, "'headers'[%zu] must be [name, value]", i);
        snprintf(what, sizeof(what), "headers[%zu] name", i);
        if ((rc = get_bytes(st, name, what, &st->hspans[2 * i])))
            return rc;
        if (st->hspans[2 * i].len == 0)
            return lt_error(st->err, LT_E_FORMAT, "'headers'[%zu] has an empty name", i);
        snprintf(what, sizeof(what), "headers[%zu] value", i);
        if ((rc = get_bytes(st, value, what, &st->hspans[2 * i + 1])))
            return rc;
    }
    st->nhdr = i;
    return 0;
}

static int parse_response(struct pstate *st, const struct jv_node *obj, struct lt_record *r)
{
    int have_status = 0;
    uint64_t v;
    int rc;

    if (obj->type != JV_OBJ)
        return lt_error(st->err, LT_E_FORMAT,
                        "'response' must be an object {\"status\":N,\"latency_ns\":N}, got %s",
                        jv_type_name(obj));
    for (const struct jv_node *c = jv_child(st->d, obj); c; c = jv_next(st->d, c)) {
        if (jv_key_is(st->d, c, "status")) {
            if ((rc = get_u64(st, c, "response.status", &v)))
                return rc;
            if (v > UINT16_MAX)
                return lt_error(st->err, LT_E_FORMAT, "'response.status' %llu is out of range",
                                (unsigned long long)v);
            r->status = (uint16_t)v;
            have_status = 1;
        } else if (jv_key_is(st->d, c, "latency_ns")) {
            if ((rc = get_u64(st, c, "response.latency_ns", &r->resp_latency_ns)))
                return rc;
        } else {
            size_t kl;
            const char *k = jv_key(st->d, c, &kl);
            return lt_error(st->err, LT_E_FORMAT, "unknown key 'response.%.*s'",
                            kl > 64 ? 64 : (int)kl, k);
        }
    }
    if (!have_status)
        return lt_error(st->err, LT_E_FORMAT, "'response' has no 'status'");
    r->has_response = 1;
    return 0;
}

static int parse_flags(struct pstate *st, const struct jv_node *arr, struct lt_record *r)
{
    if (arr->type != JV_ARR)
        return lt_error(st->err, LT_E_FORMAT, "'flags' must be an array of names, got %s",
                        jv_type_name(arr));
    for (const struct jv_node *c = jv_child(st->d, arr); c; c = jv_next(st->d, c)) {
        char name[32];
        size_t len;
        const char *s;
        uint32_t bit = 0;

        if (c->type != JV_STR)
            return lt_error(st->err, LT_E_FORMAT, "'flags' must hold names, got %s",
                            jv_type_name(c));
        s = jv_str(st->d, c, &len);
        if (len < sizeof(name) && !memchr(s, 0, len)) {
            memcpy(name, s, len);
            name[len] = '\0';
            bit = lt_record_flag_bit(name);
        }
        if (!bit)
            return lt_error(st->err, LT_E_FORMAT,
                            "unknown flag '%.*s' (known: truncated, redacted, incomplete, "
                            "no_response, invalid)",
                            len > 40 ? 40 : (int)len, s);
        r->flags |= bit;
    }
    return 0;
}

/* RFC 9110 token characters, the only ones a method may hold. */
static int is_tchar(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Checks what a request line needs: a token method, a url without spaces or controls. */
int jsonl_check_request_line(const struct lt_record *r, struct lt_err *err)
{
    if (r->method.len == 0)
        return lt_error(err, LT_E_FORMAT, "'method' is empty");
    for (size_t i = 0; i < r->method.len; i++)
        if (!is_tchar(r->method.p[i]))
            return lt_error(err, LT_E_FORMAT, "'method' holds a character a method cannot have");
    if (r->url.len == 0)
        return lt_error(err, LT_E_FORMAT, "'url' is empty");
    for (size_t i = 0; i < r->url.len; i++)
        if (r->url.p[i] <= 0x20 || r->url.p[i] == 0x7f)
            return lt_error(err, LT_E_FORMAT,
                            "'url' holds a space or control character at byte %zu", i);
    return 0;
}

/* The bytes of a span (an empty span points at "", never at a NULL arena). */
static struct lt_bytes at(const struct lt_recbuf *rb, const struct span *sp)
{
    if (sp->len == 0)
        return (struct lt_bytes){(const uint8_t *)"", 0};
    return (struct lt_bytes){rb->arena.data + sp->off, sp->len};
}

enum { K_TS, K_SESSION, K_METHOD, K_URL, K_HEADERS, K_BODY, K_BODY_B64, K_RESPONSE, K_FLAGS, K_N };
static const char *const keys[K_N] = {"ts_ns", "session",  "method",   "url",  "headers",
                                      "body",  "body_b64", "response", "flags"};

int lt_jsonl_parse(struct lt_recbuf *rb, const char *line, size_t len, const struct lt_limits *l,
                   struct lt_err *err)
{
    struct jv_node local[64]; /* a line of a few headers needs no allocation for its values */
    struct jv_doc doc;
    struct pstate st;
    const struct jv_node *root, *seen[K_N] = {0};
    struct lt_record *r = &rb->rec;
    int rc;

    /* A record within the limits is a few values per header and a few dozen more:
     * this bounds the parser's memory on a long line of tiny values. */
    jv_init_local(&doc, 4096 + 8 * l->nheaders_max, local, sizeof(local) / sizeof(local[0]));
    memset(&st, 0, sizeof(st));
    st.d = &doc;
    st.rb = rb;
    st.err = err;
    lt_buf_reset(&rb->arena);
    memset(r, 0, sizeof(*r));
    if ((rc = jv_parse(&doc, line, len, err)))
        goto out;
    root = jv_root(&doc);
    if (root->type != JV_OBJ) {
        rc = lt_error(err, LT_E_FORMAT, "a record must be a JSON object, got %s",
                      jv_type_name(root));
        goto out;
    }
    for (const struct jv_node *c = jv_child(&doc, root); c; c = jv_next(&doc, c)) {
        size_t k, kl;
        const char *kp;

        for (k = 0; k < K_N; k++)
            if (jv_key_is(&doc, c, keys[k]))
                break;
        kp = jv_key(&doc, c, &kl);
        if (k == K_N) {
            rc = lt_error(err, LT_E_FORMAT, "unknown key '%.*s'", kl > 64 ? 64 : (int)kl, kp);
            goto out;
        }
        if (seen[k]) {
            rc = lt_error(err, LT_E_FORMAT, "duplicate key '%s'", keys[k]);
            goto out;
        }
        seen[k] = c;
    }
    if (!seen[K_TS] || !seen[K_METHOD] || !seen[K_URL]) {
        rc = lt_error(err, LT_E_FORMAT, "missing key '%s'",
                      !seen[K_TS]       ? "ts_ns"
                      : !seen[K_METHOD] ? "method"
                                        : "url");
        goto out;
    }
    if (seen[K_BODY] && seen[K_BODY_B64]) {
        rc = lt_error(err, LT_E_FORMAT, "both 'body' and 'body_b64' are given");
        goto out;
    }
    if ((rc = get_u64(&st, seen[K_TS], "ts_ns", &r->ts_ns)))
        goto out;
    if (seen[K_SESSION] && (rc = get_u64(&st, seen[K_SESSION], "session", &r->session)))
        goto out;
    if ((rc = get_bytes(&st, seen[K_METHOD], "method", &st.method)) ||
        (rc = get_bytes(&st, seen[K_URL], "url", &st.url)))
        goto out;
    if (seen[K_HEADERS] && (rc = parse_headers(&st, seen[K_HEADERS], l)))
        goto out;
    if (seen[K_BODY]) {
        size_t bl;
        const char *b;
        if (seen[K_BODY]->type != JV_STR) {
            rc = lt_error(err, LT_E_FORMAT, "'body' must be a string, got %s",
                          jv_type_name(seen[K_BODY]));
            goto out;
        }
        b = jv_str(&doc, seen[K_BODY], &bl);
        if ((rc = append_span(&st, b, bl, &st.body)))
            goto out;
    } else if (seen[K_BODY_B64]) {
        size_t bl;
        const char *b;
        if (seen[K_BODY_B64]->type != JV_STR) {
            rc = lt_error(err, LT_E_FORMAT, "'body_b64' must be a string, got %s",
                          jv_type_name(seen[K_BODY_B64]));
            goto out;
        }
        b = jv_str(&doc, seen[K_BODY_B64], &bl);
        if ((rc = b64_span(&st, b, bl, &st.body, "body_b64")))
            goto out;
    }
    if (seen[K_RESPONSE] && seen[K_RESPONSE]->type != JV_NULL &&
        (rc = parse_response(&st, seen[K_RESPONSE], r)))
        goto out;
    if (seen[K_FLAGS] && (rc = parse_flags(&st, seen[K_FLAGS], r)))
        goto out;

    /* Every byte is in the arena now: point the record into it. */
    if (st.nhdr > rb->hdrs_cap) {
        struct lt_header *h = realloc(rb->hdrs, st.nhdr * sizeof(*h));
        if (!h) {
            rc = lt_error(err, LT_E_NOMEM, "out of memory");
            goto out;
        }
        rb->hdrs = h;
        rb->hdrs_cap = st.nhdr;
    }
    r->method = at(rb, &st.method);
    r->url = at(rb, &st.url);
    r->body = at(rb, &st.body);
    for (size_t i = 0; i < st.nhdr; i++) {
        rb->hdrs[i].name = at(rb, &st.hspans[2 * i]);
        rb->hdrs[i].value = at(rb, &st.hspans[2 * i + 1]);
    }
    r->headers = rb->hdrs;
    r->nheaders = st.nhdr;
    if ((rc = jsonl_check_request_line(r, err)) || (rc = lt_record_check(r, l, err)))
        goto out;
out:
    if (rc)
        memset(r, 0, sizeof(*r));
    free(st.hspans);
    jv_release(&doc);
    return rc;
}
