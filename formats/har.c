/*
 * har.c - HAR 1.2 (the HTTP Archive format browsers export) to and from
 * records. Export streams one entry at a time; import reads a whole document
 * (bounded by the caller) and hands records on in startedDateTime order.
 */
#include "jsonval.h"
#include "lt_formats.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A HAR document may hold this many JSON values (bounds memory at ~200 MiB). */
#define HAR_MAX_NODES ((size_t)8 << 20)
/* And this many entries. */
#define HAR_MAX_ENTRIES ((size_t)4 << 20)

/* ---- export --------------------------------------------------------------- */

/*
 * Appends bytes with every byte that is not part of a valid UTF-8 character
 * percent-encoded (right for URLs and names; lossy elsewhere, where callers
 * use base64 instead).
 */
static int put_pct_invalid(struct lt_buf *out, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0, run = 0;
    int rc;

    while (i < n) {
        size_t len = lt_utf8_char(p + i, n - i);
        uint8_t e[3];
        if (len) {
            i += len;
            continue;
        }
        e[0] = '%';
        e[1] = (uint8_t)hex[p[i] >> 4];
        e[2] = (uint8_t)hex[p[i] & 15];
        if ((rc = lt_buf_append(out, p + run, i - run)) || (rc = lt_buf_append(out, e, 3)))
            return rc;
        run = ++i;
    }
    return lt_buf_append(out, p + run, n - run);
}

/* A JSON string of bytes, those that are not UTF-8 percent-encoded (tmp: scratch). */
static int put_json_pct(struct lt_buf *out, struct lt_buf *tmp, const uint8_t *p, size_t n)
{
    int rc;

    if (lt_utf8_valid(p, n))
        return lt_buf_json_strn(out, p, n);
    lt_buf_reset(tmp);
    if ((rc = put_pct_invalid(tmp, p, n)))
        return rc;
    return lt_buf_json_strn(out, tmp->data, tmp->len);
}

static int is_text(const struct lt_bytes *b)
{
    return memchr(b->p, 0, b->len) == NULL && lt_utf8_valid(b->p, b->len);
}

static const char *status_text(unsigned s)
{
    static const struct {
        unsigned code;
        const char *text;
    } t[] = {
        {100, "Continue"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {413, "Content Too Large"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].code == s)
            return t[i].text;
    return "";
}

int lt_har_begin(struct lt_buf *out, uint64_t origin_ns)
{
    (void)origin_ns;
    return lt_buf_printf(out,
                         "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"loadtape\","
                         "\"version\":\"%s\"},\"pages\":[],\"entries\":[\n",
                         LT_VERSION);
}

/* request.queryString: the query's name=value pairs, as they appear (not decoded). */
static int put_query(struct lt_buf *out, struct lt_buf *tmp, const struct lt_bytes *url)
{
    const uint8_t *q = memchr(url->p, '?', url->len), *end = url->p + url->len;
    int rc = lt_buf_putc(out, '['), first = 1;

    if (q) {
        const uint8_t *p = q + 1;
        while (p <= end && !rc) {
            const uint8_t *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
            const uint8_t *eq = memchr(p, '=', (size_t)(stop - p));
            const uint8_t *nend = eq ? eq : stop, *v = eq ? eq + 1 : stop;
            if (stop > p) {
                if ((rc = lt_buf_puts(out, first ? "{\"name\":" : ",{\"name\":")) ||
                    (rc = put_json_pct(out, tmp, p, (size_t)(nend - p))) ||
                    (rc = lt_buf_puts(out, ",\"value\":")) ||
                    (rc = put_json_pct(out, tmp, v, (size_t)(stop - v))) ||
                    (rc = lt_buf_putc(out, '}')))
                    break;
                first = 0;
            }
            p = stop + 1;
        }
    }
    return rc ? rc : lt_buf_putc(out, ']');
}

static int put_headers(struct lt_buf *out, struct lt_buf *tmp, const struct lt_record *r)
{
    int rc = lt_buf_putc(out, '[');

    for (size_t i = 0; i < r->nheaders && !rc; i++) {
        const struct lt_header *h = &r->headers[i];
        if ((rc = lt_buf_puts(out, i ? ",{\"name\":" : "{\"name\":")) ||
            (rc = put_json_pct(out, tmp, h->name.p, h->name.len)) ||
            (rc = lt_buf_puts(out, ",\"value\":")))
            break;
        if (is_text(&h->value)) {
            rc = lt_buf_json_strn(out, h->value.p, h->value.len);
        } else {
            /* HAR has no way to say it; a custom field keeps the bytes */
            if ((rc = lt_buf_putc(out, '"')) ||
                (rc = lt_b64_encode(out, h->value.p, h->value.len)) ||
                (rc = lt_buf_puts(out, "\",\"_encoding\":\"base64\"")))
                break;
        }
        if (!rc)
            rc = lt_buf_putc(out, '}');
    }
    return rc ? rc : lt_buf_putc(out, ']');
}

/*
 * One entry. request.url is absolute (HAR wants one): http:// + the Host
 * header (or localhost) + the recorded target; asterisk-form, which has no
 * absolute form, is written "*". A record without a response
 * gets status 0, as browsers write requests that got no answer.
 */
int lt_har_entry(struct lt_buf *out, const struct lt_record *r, uint64_t origin_ns, int first)
{
    const struct lt_header *host = lt_record_header(r, "Host");
    const struct lt_header *ctype = lt_record_header(r, "Content-Type");
    double ms = r->has_response ? (double)r->resp_latency_ns / 1e6 : 0;
    unsigned status = r->has_response ? r->status : 0;
    size_t start = out->len;
    struct lt_buf tmp, url;
    char when[40];
    int rc;

    lt_buf_init(&tmp, 0);
    lt_buf_init(&url, 0);
    lt_format_iso8601((int64_t)(origin_ns + r->ts_ns), 3, when, sizeof(when));
    if ((rc = lt_buf_printf(out,
                            "%s{\"startedDateTime\":\"%s\",\"time\":%.6f,\"request\":{\"method\":",
                            first ? "" : ",\n", when, ms)) ||
        (rc = put_json_pct(out, &tmp, r->method.p, r->method.len)) ||
        (rc = lt_buf_puts(out, ",\"url\":")))
        goto out;
    /* asterisk-form has no absolute form: "*" as it is */
    if (!(r->url.len == 1 && r->url.p[0] == '*')) {
        if ((rc = lt_buf_puts(&url, "http://")))
            goto out;
        if (host && host->value.len)
            rc = put_pct_invalid(&url, host->value.p, host->value.len);
        else
            rc = lt_buf_puts(&url, "localhost");
    }
    if (rc || (rc = put_pct_invalid(&url, r->url.p, r->url.len)) ||
        (rc = lt_buf_json_strn(out, url.data, url.len)) ||
        (rc = lt_buf_puts(out, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],\"headers\":")) ||
        (rc = put_headers(out, &tmp, r)) || (rc = lt_buf_puts(out, ",\"queryString\":")) ||
        (rc = put_query(out, &tmp, &r->url)))
        goto out;
    if (r->body.len) {
        if ((rc = lt_buf_puts(out, ",\"postData\":{\"mimeType\":")))
            goto out;
        if (ctype)
            rc = put_json_pct(out, &tmp, ctype->value.p, ctype->value.len);
        else
            rc = lt_buf_puts(out, "\"\"");
        if (rc || (rc = lt_buf_puts(out, ",\"text\":")))
            goto out;
        if (is_text(&r->body)) {
            rc = lt_buf_json_strn(out, r->body.p, r->body.len);
        } else if (!(rc = lt_buf_putc(out, '"')) &&
                   !(rc = lt_b64_encode(out, r->body.p, r->body.len))) {
            rc = lt_buf_puts(out, "\",\"encoding\":\"base64\"");
        }
        if (rc || (rc = lt_buf_putc(out, '}')))
            goto out;
    }
    rc =
        lt_buf_printf(out,
                      ",\"headersSize\":-1,\"bodySize\":%zu},\"response\":{\"status\":%u,"
                      "\"statusText\":\"%s\",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],"
                      "\"headers\":[],\"content\":{\"size\":0,\"mimeType\":\"\"},"
                      "\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":-1},\"cache\":{},"
                      "\"timings\":{\"send\":0,\"wait\":%.6f,\"receive\":0},"
                      "\"connection\":\"%llu\"}",
                      r->body.len, status, status_text(status), ms, (unsigned long long)r->session);
out:
    lt_buf_release(&tmp);
    lt_buf_release(&url);
    if (rc)
        out->len = start;
    return rc;
}

int lt_har_end(struct lt_buf *out)
{
    return lt_buf_puts(out, "\n]}}\n");
}

/* ---- import --------------------------------------------------------------- */

struct har_entry {
    uint64_t ts; /* Unix ns of startedDateTime, made non-negative */
    size_t idx;
    const struct jv_node *node;
};

static int cmp_entry(const void *a, const void *b)
{
    const struct har_entry *x = a, *y = b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Connection ids to sessions: decimal ids are kept, others numbered by first sight. */
struct conn_map {
    struct {
        const char *s;
        size_t len;
        uint64_t id;
    } * slots;
    size_t cap;
    uint64_t next_id;
};

static uint64_t conn_session(struct conn_map *m, const char *s, size_t len)
{
    uint64_t v = 0, h = 1469598103934665603ull;
    size_t i;
    int digits = len > 0 && len <= 19;

    for (i = 0; i < len && digits; i++)
        if (s[i] < '0' || s[i] > '9')
            digits = 0;
    if (digits) {
        for (i = 0; i < len; i++)
            v = v * 10 + (uint64_t)(s[i] - '0');
        return v;
    }
    for (i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slots[i].s) {
            m->slots[i].s = s;
            m->slots[i].len = len;
            m->slots[i].id = ++m->next_id;
            return m->slots[i].id;
        }
        if (m->slots[i].len == len && memcmp(m->slots[i].s, s, len) == 0)
            return m->slots[i].id;
    }
}

struct har_ctx {
    const struct jv_doc *d;
    const struct lt_limits *l;
    struct lt_err *err;
    struct lt_buf bytes; /* decoded base64 and the Host made from :authority */
    struct lt_header *hdrs;
    size_t *voff; /* per header: offset of a decoded value in bytes, or SIZE_MAX */
    size_t *vlen;
};

static const char *get_string(struct har_ctx *c, const struct jv_node *obj, const char *key,
                              size_t *len, int required)
{
    const struct jv_node *n = jv_get(c->d, obj, key);

    if (!n || n->type == JV_NULL) {
        if (required)
            lt_error(c->err, LT_E_FORMAT, "'%s' is missing", key);
        else
            lt_err_clear(c->err);
        return NULL;
    }
    if (n->type != JV_STR) {
        lt_error(c->err, LT_E_FORMAT, "'%s' must be a string, got %s", key, jv_type_name(n));
        return NULL;
    }
    return jv_str(c->d, n, len);
}

static int is_base64_encoding(struct har_ctx *c, const struct jv_node *obj)
{
    const char *keys[] = {"encoding", "_encoding"};

    for (size_t i = 0; i < 2; i++) {
        const struct jv_node *n = jv_get(c->d, obj, keys[i]);
        size_t len;
        const char *s;
        if (!n || n->type != JV_STR)
            continue;
        s = jv_str(c->d, n, &len);
        if (len == 6 && strncasecmp(s, "base64", 6) == 0)
            return 1;
    }
    return 0;
}

/*
 * The origin-form target of a HAR url: path and query, without scheme, host
 * or fragment. Returns 1 when the path is empty ("http://h" or "http://h?q"),
 * so "/" must go in front, -1 when the url is neither absolute nor a path.
 */
static int origin_form(const char *u, size_t len, struct lt_bytes *out)
{
    const char *p = u, *end = u + len, *hash;

    if (len == 1 && u[0] == '*') { /* asterisk-form, as lt_har_entry writes it */
        *out = (struct lt_bytes){(const uint8_t *)u, 1};
        return 0;
    }
    if (len && u[0] != '/') {
        p = NULL;
        for (const char *q = u; q + 2 < end; q++)
            if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
                p = q + 3;
                while (p < end && *p != '/' && *p != '?' && *p != '#')
                    p++;
                break;
            }
        if (!p)
            return -1; /* neither absolute nor a path */
    }
    hash = memchr(p, '#', (size_t)(end - p));
    if (hash)
        end = hash;
    *out = (struct lt_bytes){(const uint8_t *)p, (size_t)(end - p)};
    return p == end || *p == '?';
}

/*
 * Builds the record of one entry and hands it on. HTTP/2 pseudo-headers
 * (":authority", ...) are not sent on HTTP/1.1: they are dropped, and
 * :authority becomes the Host header when there is none.
 */
static int import_entry(struct har_ctx *c, const struct jv_node *e, uint64_t ts_ns,
                        struct conn_map *conns, lt_har_record_fn fn, void *ctx)
{
    const struct jv_node *req, *resp, *hdrs, *post, *conn, *time;
    struct lt_record r;
    const char *s, *authority = NULL;
    size_t len, alen = 0, nh = 0, hi = 0, body_off = 0, body_len = 0, url_off = 0;
    int rc, body_b64 = 0, url_slash = 0;
    struct lt_bytes url;

    memset(&r, 0, sizeof(r));
    r.ts_ns = ts_ns;
    lt_buf_reset(&c->bytes);
    if (e->type != JV_OBJ)
        return lt_error(c->err, LT_E_FORMAT, "must be an object, got %s", jv_type_name(e));
    req = jv_get(c->d, e, "request");
    if (!req || req->type != JV_OBJ)
        return lt_error(c->err, LT_E_FORMAT, "'request' is missing or not an object");
    if (!(s = get_string(c, req, "method", &len, 1)))
        return c->err->code;
    r.method = (struct lt_bytes){(const uint8_t *)s, len};
    if (!(s = get_string(c, req, "url", &len, 1)))
        return c->err->code;
    url_slash = origin_form(s, len, &url);
    if (url_slash < 0)
        return lt_error(c->err, LT_E_FORMAT,
                        "'request.url' \"%.*s\" is neither an absolute URL nor a path",
                        len > 60 ? 60 : (int)len, s);

    hdrs = jv_get(c->d, req, "headers");
    if (hdrs && hdrs->type != JV_ARR)
        return lt_error(c->err, LT_E_FORMAT, "'request.headers' must be an array");
    if (hdrs && hdrs->len > c->l->nheaders_max)
        return lt_error(c->err, LT_E_LIMIT, "%u headers, over the limit of %zu", hdrs->len,
                        c->l->nheaders_max);
    for (const struct jv_node *h = jv_child(c->d, hdrs); h; h = jv_next(c->d, h), hi++) {
        const char *name, *value;
        size_t nl, vl;
        if (h->type != JV_OBJ)
            return lt_error(c->err, LT_E_FORMAT, "'request.headers' must hold objects");
        if (!(name = get_string(c, h, "name", &nl, 1)) ||
            !(value = get_string(c, h, "value", &vl, 1))) {
            lt_err_prefix(c->err, "request.headers[%zu]", hi);
            return c->err->code;
        }
        if (nl == 0)
            return lt_error(c->err, LT_E_FORMAT, "request.headers[%zu]: the name is empty", hi);
        if (nl && name[0] == ':') {
            if (nl == 10 && memcmp(name, ":authority", 10) == 0) {
                authority = value;
                alen = vl;
            }
            continue;
        }
        c->hdrs[nh].name = (struct lt_bytes){(const uint8_t *)name, nl};
        c->hdrs[nh].value = (struct lt_bytes){(const uint8_t *)value, vl};
        c->voff[nh] = SIZE_MAX;
        if (is_base64_encoding(c, h)) {
            c->voff[nh] = c->bytes.len;
            if ((rc = lt_b64_decode(&c->bytes, value, vl, c->err))) {
                lt_err_prefix(c->err, "request.headers[%zu]", hi);
                return rc;
            }
            c->vlen[nh] = c->bytes.len - c->voff[nh];
        }
        nh++;
    }
    if (authority) {
        struct lt_record tmp = {.headers = c->hdrs, .nheaders = nh};
        if (!lt_record_header(&tmp, "Host")) {
            memmove(c->hdrs + 1, c->hdrs, nh * sizeof(*c->hdrs));
            memmove(c->voff + 1, c->voff, nh * sizeof(*c->voff));
            memmove(c->vlen + 1, c->vlen, nh * sizeof(*c->vlen));
            c->hdrs[0].name = (struct lt_bytes){(const uint8_t *)"Host", 4};
            c->hdrs[0].value = (struct lt_bytes){(const uint8_t *)authority, alen};
            c->voff[0] = SIZE_MAX;
            nh++;
        }
    }

    post = jv_get(c->d, req, "postData");
    if (post && post->type == JV_OBJ) {
        const char *text = get_string(c, post, "text", &len, 0);
        if (!text && c->err->code)
            return lt_error(c->err, LT_E_FORMAT, "'request.postData.text' must be a string");
        if (!text && jv_get(c->d, post, "params"))
            return lt_error(c->err, LT_E_FORMAT,
                            "'request.postData' has params but no text (not supported)");
        if (text && is_base64_encoding(c, post)) {
            body_off = c->bytes.len;
            if ((rc = lt_b64_decode(&c->bytes, text, len, c->err))) {
                lt_err_prefix(c->err, "request.postData.text");
                return rc;
            }
            body_len = c->bytes.len - body_off;
            body_b64 = 1;
        } else if (text) {
            r.body = (struct lt_bytes){(const uint8_t *)text, len};
        }
    } else if (post && post->type != JV_NULL) {
        return lt_error(c->err, LT_E_FORMAT, "'request.postData' must be an object");
    }

    if (url_slash) {
        /* "/" + query, built in bytes so the record can point at it */
        size_t off = c->bytes.len;
        if (lt_buf_putc(&c->bytes, '/') || lt_buf_append(&c->bytes, url.p, url.len))
            return lt_error(c->err, LT_E_LIMIT, "entry too large");
        url_off = off;
    }

    /* bytes stops growing here: resolve what points into it */
    if (body_b64)
        r.body =
            (struct lt_bytes){body_len ? c->bytes.data + body_off : (const uint8_t *)"", body_len};
    if (url_slash)
        url = (struct lt_bytes){c->bytes.data + url_off, url.len + 1};
    for (size_t i = 0; i < nh; i++)
        if (c->voff[i] != SIZE_MAX)
            c->hdrs[i].value = (struct lt_bytes){
                c->vlen[i] ? c->bytes.data + c->voff[i] : (const uint8_t *)"", c->vlen[i]};
    r.url = url;
    r.headers = c->hdrs;
    r.nheaders = nh;

    resp = jv_get(c->d, e, "response");
    if (resp && resp->type == JV_OBJ) {
        const struct jv_node *st = jv_get(c->d, resp, "status");
        double v;
        if (st && (jv_double(c->d, st, &v) || v < 0 || v > 65535 || (double)(uint32_t)v != v))
            return lt_error(c->err, LT_E_FORMAT, "'response.status' must be a whole number");
        if (st && v > 0) {
            r.has_response = 1;
            r.status = (uint16_t)v;
            time = jv_get(c->d, e, "time");
            if (time && jv_double(c->d, time, &v) == 0 && v > 0 && v < 1e12)
                r.resp_latency_ns = (uint64_t)(v * 1e6 + 0.5);
        }
    }
    conn = jv_get(c->d, e, "connection");
    if (conn && conn->type == JV_STR) {
        s = jv_str(c->d, conn, &len);
        r.session = conn_session(conns, s, len);
    } else if (conn && conn->type == JV_NUM) {
        uint64_t v;
        if (jv_u64(c->d, conn, &v) == 0)
            r.session = v;
    }
    if ((rc = jsonl_check_request_line(&r, c->err)) || (rc = lt_record_check(&r, c->l, c->err)))
        return rc;
    return fn(ctx, &r, c->err);
}

int lt_har_import(const char *doc, size_t len, const struct lt_limits *l, uint64_t *origin_ns,
                  lt_har_record_fn fn, void *ctx, struct lt_err *err)
{
    struct jv_doc d;
    struct har_ctx c;
    struct har_entry *ents = NULL;
    struct conn_map conns = {NULL, 0, 0};
    const struct jv_node *log, *entries;
    size_t n = 0, i;
    int rc = 0;

    struct lt_err local;

    if (!err)
        err = &local;
    jv_init(&d, HAR_MAX_NODES);
    memset(&c, 0, sizeof(c));
    c.d = &d;
    c.l = l;
    c.err = err;
    lt_buf_init(&c.bytes, 0);
    if ((rc = jv_parse(&d, doc, len, err)))
        goto out;
    log = jv_get(&d, jv_root(&d), "log");
    if (!log || log->type != JV_OBJ) {
        rc = lt_error(err, LT_E_FORMAT, "not a HAR file: no \"log\" object");
        goto out;
    }
    entries = jv_get(&d, log, "entries");
    if (!entries || entries->type != JV_ARR) {
        rc = lt_error(err, LT_E_FORMAT, "not a HAR file: no \"log.entries\" array");
        goto out;
    }
    if (entries->len > HAR_MAX_ENTRIES) {
        rc = lt_error(err, LT_E_LIMIT, "%u entries, over the limit of %zu", entries->len,
                      HAR_MAX_ENTRIES);
        goto out;
    }
    ents = calloc(entries->len ? entries->len : 1, sizeof(*ents));
    for (conns.cap = 16; conns.cap < 2 * (size_t)entries->len; conns.cap *= 2)
        ;
    conns.slots = calloc(conns.cap, sizeof(*conns.slots));
    c.hdrs = calloc(l->nheaders_max + 1, sizeof(*c.hdrs));
    c.voff = calloc(l->nheaders_max + 1, sizeof(*c.voff));
    c.vlen = calloc(l->nheaders_max + 1, sizeof(*c.vlen));
    if (!ents || !conns.slots || !c.hdrs || !c.voff || !c.vlen) {
        rc = lt_error(err, LT_E_NOMEM, "out of memory");
        goto out;
    }
    /* startedDateTime of every entry first: records go out in time order */
    for (const struct jv_node *e = jv_child(&d, entries); e; e = jv_next(&d, e), n++) {
        char tmp[64];
        size_t sl;
        const char *s;
        int64_t t;

        if (e->type != JV_OBJ || !(s = get_string(&c, e, "startedDateTime", &sl, 1))) {
            if (e->type != JV_OBJ)
                lt_error(err, LT_E_FORMAT, "must be an object, got %s", jv_type_name(e));
            lt_err_prefix(err, "log.entries[%zu]", n);
            rc = err->code;
            goto out;
        }
        if (sl >= sizeof(tmp) || memchr(s, 0, sl) ||
            (memcpy(tmp, s, sl), tmp[sl] = '\0', lt_parse_iso8601(tmp, &t, NULL)) || t < 0) {
            rc = lt_error(err, LT_E_FORMAT,
                          "log.entries[%zu]: 'startedDateTime' \"%.*s\" is not an ISO 8601 time", n,
                          sl > 40 ? 40 : (int)sl, s);
            goto out;
        }
        ents[n] = (struct har_entry){(uint64_t)t, n, e};
    }
    qsort(ents, n, sizeof(*ents), cmp_entry);
    /* set before the first record goes out: a caller may need it to open its tape */
    *origin_ns = n ? ents[0].ts : 0;
    for (i = 0; i < n; i++) {
        if ((rc = import_entry(&c, ents[i].node, ents[i].ts - ents[0].ts, &conns, fn, ctx))) {
            lt_err_prefix(err, "log.entries[%zu]", ents[i].idx);
            goto out;
        }
    }
out:
    free(ents);
    free(conns.slots);
    free(c.hdrs);
    free(c.voff);
    free(c.vlen);
    lt_buf_release(&c.bytes);
    jv_release(&d);
    return rc;
}
