/*
 * redact.c - the transform every recording path applies before the tape:
 * the request target in origin form, framing that matches the body, and
 * secrets replaced by a fixed marker in header values, query parameters
 * (also of a form-encoded body) and JSON body fields at any depth. The
 * record's other bytes pass through untouched, so a record with nothing to
 * change comes out byte for byte as it went in.
 */
#include "lt_formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const default_headers[] = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "x-amz-security-token",
    "x-goog-api-key",
    "x-csrf-token",
    "x-xsrf-token",
    "x-session-token",
    "x-write-key",
    "x-segment-write-key",
    NULL,
};

static const char *const default_queries[] = {
    "api_key",   "apikey",   "key",    "token",     "access_token", "writeKey",
    "write_key", "password", "secret", "signature", "sig",          NULL,
};

static const char *const default_fields[] = {
    "writeKey", "write_key", "apiKey", "api_key", "password", "secret", "token", NULL,
};

#define JSON_MARKER "\"" LT_REDACTED "\""
/* Names longer than this are refused (a name is compared byte for byte). */
#define NAME_MAX_LEN 256
#define NAMES_MAX 1024

struct names {
    char **v; /* lower-cased (ASCII), sorted by length */
    size_t *len;
    size_t n;
    size_t minlen, maxlen;
    size_t *at; /* [l]: the first name of length l or more; maxlen + 2 entries */
};

struct lt_redact {
    int off;
    struct names h, q, f;
    struct lt_header *hs;
    size_t hs_cap;
    struct lt_buf origin, url, body;
    char clen[24];
    struct lt_redact_stats st;
};

const char *const *lt_redact_defaults(int kind)
{
    return kind == 'h' ? default_headers : kind == 'q' ? default_queries : default_fields;
}

/* Sorts the names by length (a counting sort) and fills ns->at. */
static int names_index(struct names *ns, struct lt_err *err)
{
    char **v = calloc(ns->n ? ns->n : 1, sizeof(*v));
    size_t *len = calloc(ns->n ? ns->n : 1, sizeof(*len));
    size_t *pos = calloc(ns->maxlen + 2, sizeof(*pos));

    ns->at = calloc(ns->maxlen + 2, sizeof(*ns->at));
    if (!v || !len || !pos || !ns->at) {
        free(v);
        free(len);
        free(pos);
        return lt_error(err, LT_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < ns->n; i++)
        ns->at[ns->len[i] + 1]++;
    for (size_t l = 1; l < ns->maxlen + 2; l++)
        ns->at[l] += ns->at[l - 1];
    memcpy(pos, ns->at, (ns->maxlen + 2) * sizeof(*pos));
    for (size_t i = 0; i < ns->n; i++) {
        size_t k = pos[ns->len[i]]++;
        v[k] = ns->v[i];
        len[k] = ns->len[i];
    }
    free(ns->v);
    free(ns->len);
    free(pos);
    ns->v = v;
    ns->len = len;
    return 0;
}

static int names_init(struct names *ns, const char *const *defs, const char *const *more,
                      size_t nmore, const char *what, struct lt_err *err)
{
    size_t nd = 0;

    while (defs[nd])
        nd++;
    if (nmore > NAMES_MAX)
        return lt_error(err, LT_E_LIMIT, "more than %d %s names to redact", NAMES_MAX, what);
    ns->v = calloc(nd + nmore, sizeof(*ns->v));
    ns->len = calloc(nd + nmore, sizeof(*ns->len));
    if (!ns->v || !ns->len)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    ns->minlen = SIZE_MAX;
    for (size_t i = 0; i < nd + nmore; i++) {
        const char *s = i < nd ? defs[i] : more[i - nd];
        size_t l = strlen(s);
        if (l == 0 || l > NAME_MAX_LEN)
            return lt_error(err, LT_E_USAGE, "%s name to redact '%.40s': empty or over %d bytes",
                            what, s, NAME_MAX_LEN);
        ns->v[ns->n] = strdup(s);
        if (!ns->v[ns->n])
            return lt_error(err, LT_E_NOMEM, "out of memory");
        for (size_t k = 0; k < l; k++)
            if (ns->v[ns->n][k] >= 'A' && ns->v[ns->n][k] <= 'Z')
                ns->v[ns->n][k] += 'a' - 'A';
        ns->len[ns->n++] = l;
        if (l < ns->minlen)
            ns->minlen = l;
        if (l > ns->maxlen)
            ns->maxlen = l;
    }
    return names_index(ns, err);
}

static void names_release(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
    free(ns->len);
    free(ns->at);
    memset(ns, 0, sizeof(*ns));
}

/* p[0, n) equals the lower-cased name, ASCII letters compared without case. */
static int same_name(const uint8_t *p, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c != (uint8_t)lower[i])
            return 0;
    }
    return 1;
}

static inline int names_has(const struct names *ns, const uint8_t *p, size_t n)
{
    if (n < ns->minlen || n > ns->maxlen)
        return 0;
    /* sorted by length: only the names of length n are compared */
    for (size_t i = ns->at[n]; i < ns->at[n + 1]; i++)
        if (same_name(p, ns->v[i], n))
            return 1;
    return 0;
}

struct lt_redact *lt_redact_new(const struct lt_redact_opts *o, struct lt_err *err)
{
    struct lt_redact *rd = calloc(1, sizeof(*rd));
    static const struct lt_redact_opts none;

    if (!rd) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    if (!o)
        o = &none;
    rd->off = o->keep_secrets;
    lt_buf_init(&rd->origin, 0);
    lt_buf_init(&rd->url, 0);
    lt_buf_init(&rd->body, 0);
    if (names_init(&rd->h, default_headers, o->headers, o->nheaders, "header", err) ||
        names_init(&rd->q, default_queries, o->queries, o->nqueries, "query", err) ||
        names_init(&rd->f, default_fields, o->fields, o->nfields, "field", err)) {
        lt_redact_free(rd);
        return NULL;
    }
    return rd;
}

void lt_redact_free(struct lt_redact *rd)
{
    if (!rd)
        return;
    names_release(&rd->h);
    names_release(&rd->q);
    names_release(&rd->f);
    free(rd->hs);
    lt_buf_release(&rd->origin);
    lt_buf_release(&rd->url);
    lt_buf_release(&rd->body);
    free(rd);
}

const struct lt_redact_stats *lt_redact_stats(const struct lt_redact *rd)
{
    return &rd->st;
}

/* ---- the request target ------------------------------------------------------ */

/* "http://host:80/p?q" -> "/p?q"; "http://host" -> "/"; others unchanged. */
static int scheme_char(uint8_t c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

/*
 * Absolute form to origin form: "http://host:80/p?q" -> "/p?q", "http://host" -> "/",
 * "http://host?q" -> "/?q" (built in *scratch). Anything else ("*" for OPTIONS,
 * authority form for CONNECT, a target already in origin form) is left as it is.
 */
static int origin_form(struct lt_bytes u, struct lt_buf *scratch, struct lt_bytes *out)
{
    static const uint8_t slash[] = "/";
    size_t i = 0, j;

    *out = u;
    if (u.len && u.p[0] == '/')
        return 0;
    while (i < u.len && scheme_char(u.p[i], i == 0))
        i++;
    if (i == 0 || i + 2 >= u.len || u.p[i] != ':' || u.p[i + 1] != '/' || u.p[i + 2] != '/')
        return 0;
    j = i + 3;
    while (j < u.len && u.p[j] != '/' && u.p[j] != '?')
        j++;
    if (j == u.len) {
        *out = (struct lt_bytes){slash, 1};
    } else if (u.p[j] == '/') {
        *out = (struct lt_bytes){u.p + j, u.len - j};
    } else {
        scratch->len = 0;
        if (lt_buf_putc(scratch, '/') || lt_buf_append(scratch, u.p + j, u.len - j))
            return LT_E_NOMEM;
        *out = (struct lt_bytes){scratch->data, scratch->len};
    }
    return 0;
}

/*
 * Redacts the values of secret parameters in the query p[0, n) ("a=1&b=2"),
 * appending the result after prefix[0, np) to out; returns how many values
 * were replaced, with out left empty when none was (or < 0 out of memory).
 */
static long redact_query(const struct names *ns, const uint8_t *prefix, size_t np, const uint8_t *p,
                         size_t n, struct lt_buf *out)
{
    static const size_t ml = sizeof(LT_REDACTED_QUERY) - 1;
    size_t i = 0, done = 0; /* p[0, done) is in out */
    long hits = 0;

    out->len = 0;
    while (i < n) {
        const uint8_t *amp = memchr(p + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - p) : n;
        const uint8_t *eq = memchr(p + i, '=', end - i);
        if (eq && names_has(ns, p + i, (size_t)(eq - (p + i)))) {
            size_t v = (size_t)(eq - p) + 1;
            if (end > v && !(end - v == ml && memcmp(p + v, LT_REDACTED_QUERY, ml) == 0)) {
                if (hits == 0 && np && lt_buf_append(out, prefix, np))
                    return -1;
                if (lt_buf_append(out, p + done, v - done) ||
                    lt_buf_append(out, LT_REDACTED_QUERY, ml))
                    return -1;
                done = end;
                hits++;
            }
        }
        i = end + 1;
    }
    if (hits && lt_buf_append(out, p + done, n - done))
        return -1;
    return hits;
}

/* ---- JSON bodies ---------------------------------------------------------------- */

static size_t skip_ws(const uint8_t *b, size_t n, size_t i)
{
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
        i++;
    return i;
}

/* b[i] is '"': the index just past the closing quote (n when unterminated). */
static inline size_t string_end(const uint8_t *b, size_t n, size_t i)
{
    i++;
    while (i < n) {
        const uint8_t *q = memchr(b + i, '"', n - i);
        size_t k, bs = 0;
        if (!q)
            return n;
        k = (size_t)(q - b);
        while (k - bs > i && b[k - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)
            return k + 1;
        i = k + 1;
    }
    return n;
}

/* The index just past the JSON value starting at b[i] (or where it breaks off). */
static size_t value_end(const uint8_t *b, size_t n, size_t i)
{
    size_t depth = 0;

    if (i >= n)
        return n;
    if (b[i] != '{' && b[i] != '[' && b[i] != '"') {
        while (i < n && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' &&
               b[i] != '\n' && b[i] != '\r')
            i++;
        return i;
    }
    while (i < n) {
        if (b[i] == '"') {
            i = string_end(b, n, i);
            if (depth == 0)
                return i;
            continue;
        }
        if (b[i] == '{' || b[i] == '[')
            depth++;
        else if ((b[i] == '}' || b[i] == ']') && --depth == 0)
            return i + 1;
        i++;
    }
    return n;
}

/*
 * Redacts secret fields anywhere in the JSON text b[0, n): every string
 * followed by ':' is a member name, and a matching one has its value (any
 * value) replaced by the marker string. The result goes to out (left empty
 * when nothing was replaced); returns the count, or < 0 out of memory.
 */
static long redact_json(const struct names *ns, const uint8_t *b, size_t n, struct lt_buf *out)
{
    static const size_t ml = sizeof(JSON_MARKER) - 1;
    size_t i = 0, done = 0;
    long hits = 0;

    out->len = 0;
    while (i < n) {
        const uint8_t *q = memchr(b + i, '"', n - i);
        size_t s, e, c;
        if (!q)
            break;
        s = (size_t)(q - b);
        e = string_end(b, n, s);
        c = skip_ws(b, n, e);
        if (c < n && b[c] == ':' && e - s >= 2 && names_has(ns, b + s + 1, e - s - 2)) {
            size_t v = skip_ws(b, n, c + 1), ve = value_end(b, n, v);
            if (ve > v && !(ve - v == ml && memcmp(b + v, JSON_MARKER, ml) == 0)) {
                if (lt_buf_append(out, b + done, v - done) || lt_buf_append(out, JSON_MARKER, ml))
                    return -1;
                done = ve;
                hits++;
            }
            i = ve > e ? ve : e;
            continue;
        }
        i = e;
    }
    if (hits && lt_buf_append(out, b + done, n - done))
        return -1;
    return hits;
}

static int looks_json(const struct lt_bytes *body)
{
    size_t i = skip_ws(body->p, body->len, 0);
    return i < body->len && (body->p[i] == '{' || body->p[i] == '[');
}

static int is_form(const struct lt_record *r)
{
    static const char form[] = "application/x-www-form-urlencoded";
    const struct lt_header *ct = lt_record_header(r, "content-type");

    return ct && ct->value.len >= sizeof(form) - 1 &&
           strncasecmp((const char *)ct->value.p, form, sizeof(form) - 1) == 0;
}

/* ---- headers and framing --------------------------------------------------------- */

static int name_is(const struct lt_bytes *n, const char *s, size_t l)
{
    return n->len == l && strncasecmp((const char *)n->p, s, l) == 0;
}

/* A Content-Length value that is exactly len (digits, optional spaces around). */
static int length_is(const struct lt_bytes *v, size_t len)
{
    size_t i = 0, n = v->len;
    uint64_t x = 0;
    int digits = 0;

    while (i < n && (v->p[i] == ' ' || v->p[i] == '\t'))
        i++;
    while (n > i && (v->p[n - 1] == ' ' || v->p[n - 1] == '\t'))
        n--;
    for (; i < n; i++) {
        if (v->p[i] < '0' || v->p[i] > '9' || x > (UINT64_MAX - 9) / 10)
            return 0;
        x = x * 10 + (uint64_t)(v->p[i] - '0');
        digits = 1;
    }
    return digits && x == len;
}

/* Does the framing have to be rewritten to say the body's length? */
static int framing_wrong(const struct lt_record *r, size_t len)
{
    int cl = 0;

    for (size_t i = 0; i < r->nheaders; i++) {
        const struct lt_header *h = &r->headers[i];
        if (name_is(&h->name, "transfer-encoding", 17))
            return 1;
        if (name_is(&h->name, "content-length", 14)) {
            if (!length_is(&h->value, len))
                return 1;
            cl = 1;
        }
    }
    return !cl && len > 0;
}

static int put_headers(struct lt_redact *rd, const struct lt_record *in, struct lt_record *out,
                       int fix, struct lt_err *err)
{
    static const struct lt_bytes clname = {(const uint8_t *)"Content-Length", 14};
    size_t nh = 0;
    int cl_done = 0;

    if (in->nheaders + 1 > rd->hs_cap) {
        size_t ncap = in->nheaders + 16;
        struct lt_header *h = realloc(rd->hs, ncap * sizeof(*h));
        if (!h)
            return lt_error(err, LT_E_NOMEM, "out of memory");
        rd->hs = h;
        rd->hs_cap = ncap;
    }
    if (fix)
        lt_u64_text(out->body.len, rd->clen);
    for (size_t i = 0; i < in->nheaders; i++) {
        struct lt_header h = in->headers[i];
        if (fix &&
            (name_is(&h.name, "transfer-encoding", 17) || name_is(&h.name, "content-length", 14))) {
            /* One Content-Length, where the first framing header was. */
            if (cl_done)
                continue;
            cl_done = 1;
            h.name = clname;
            h.value = (struct lt_bytes){(const uint8_t *)rd->clen, strlen(rd->clen)};
        } else if (!rd->off && names_has(&rd->h, h.name.p, h.name.len) &&
                   !(h.value.len == sizeof(LT_REDACTED) - 1 &&
                     memcmp(h.value.p, LT_REDACTED, h.value.len) == 0)) {
            h.value = (struct lt_bytes){(const uint8_t *)LT_REDACTED, sizeof(LT_REDACTED) - 1};
            out->flags |= LT_RF_REDACTED;
            rd->st.headers++;
        }
        rd->hs[nh++] = h;
    }
    if (fix && !cl_done && out->body.len)
        rd->hs[nh++] = (struct lt_header){clname, {(const uint8_t *)rd->clen, strlen(rd->clen)}};
    out->headers = rd->hs;
    out->nheaders = nh;
    return 0;
}

/* ---- the transform --------------------------------------------------------------- */

static int redact_url(struct lt_redact *rd, struct lt_record *out)
{
    const uint8_t *qm = memchr(out->url.p, '?', out->url.len);
    size_t np;
    long hits;

    if (!qm)
        return 0;
    np = (size_t)(qm - out->url.p) + 1;
    hits = redact_query(&rd->q, out->url.p, np, qm + 1, out->url.len - np, &rd->url);
    if (hits < 0)
        return LT_E_NOMEM;
    if (hits) {
        out->url = (struct lt_bytes){rd->url.data, rd->url.len};
        out->flags |= LT_RF_REDACTED;
        rd->st.queries += (uint64_t)hits;
    }
    return 0;
}

static int redact_body(struct lt_redact *rd, const struct lt_record *in, struct lt_record *out)
{
    long hits = 0;

    if (out->body.len == 0)
        return 0;
    if (looks_json(&out->body))
        hits = redact_json(&rd->f, out->body.p, out->body.len, &rd->body);
    else if (is_form(in))
        hits = redact_query(&rd->q, NULL, 0, out->body.p, out->body.len, &rd->body);
    if (hits < 0)
        return LT_E_NOMEM;
    if (hits) {
        out->body = (struct lt_bytes){rd->body.data, rd->body.len};
        out->flags |= LT_RF_REDACTED;
        rd->st.fields += (uint64_t)hits;
    }
    return 0;
}

int lt_redact_apply(struct lt_redact *rd, const struct lt_record *in, struct lt_record *out,
                    struct lt_err *err)
{
    int fix, changed;

    *out = *in;
    rd->st.records++;
    if (origin_form(in->url, &rd->origin, &out->url))
        return lt_error(err, LT_E_NOMEM, "out of memory");
    changed = out->url.p != in->url.p;
    if (!rd->off && (redact_url(rd, out) || redact_body(rd, in, out)))
        return lt_error(err, LT_E_NOMEM, "out of memory");
    fix = framing_wrong(in, out->body.len);
    if (fix || (!rd->off && rd->h.n)) {
        int rc = put_headers(rd, in, out, fix, err);
        if (rc)
            return rc;
    }
    if (fix || changed)
        rd->st.normalised++;
    if ((out->flags & LT_RF_REDACTED) && !(in->flags & LT_RF_REDACTED))
        rd->st.redacted++;
    return 0;
}

/* ---- as a sink ------------------------------------------------------------------- */

struct redact_sink {
    struct lt_redact *rd;
    struct lt_record_sink *next;
};

static int rs_put(void *ctx, const struct lt_record *rec, struct lt_err *err)
{
    struct redact_sink *s = ctx;
    struct lt_record out;
    int rc = lt_redact_apply(s->rd, rec, &out, err);

    return rc ? rc : s->next->put(s->next->ctx, &out, err);
}

static int rs_finish(void *ctx, const char *meta, struct lt_err *err)
{
    struct redact_sink *s = ctx;

    return s->next->finish ? s->next->finish(s->next->ctx, meta, err) : 0;
}

static uint64_t rs_durable(void *ctx)
{
    struct redact_sink *s = ctx;

    return lt_record_sink_durable(s->next, 0);
}

int lt_redact_sink(struct lt_record_sink *out, struct lt_redact *rd, struct lt_record_sink *next,
                   struct lt_err *err)
{
    struct redact_sink *s = malloc(sizeof(*s));

    memset(out, 0, sizeof(*out));
    if (!s)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    s->rd = rd;
    s->next = next;
    out->ctx = s;
    out->put = rs_put;
    out->finish = rs_finish;
    out->release = free;
    out->durable = s->next->durable ? rs_durable : NULL;
    return 0;
}
