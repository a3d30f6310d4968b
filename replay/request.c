/*
 * request.c - from a record to the request on the wire, the same for every
 * engine: the target's path prefix in front of the recorded path (asterisk-
 * form kept), the target's Host first (or the recorded one with --keep-host),
 * the recorded headers minus hop-by-hop ones, with --header/--drop-header
 * applied, Content-Length true to the body (and present whenever there is a
 * body, or the method is POST), --fresh-ids rewriting messageId in JSON
 * bodies, and for engines that want it the whole request serialised once.
 * Built into caller-owned storage that the next build reuses.
 */
#include "lt_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int lt_target_parse(struct lt_target *t, const char *url, struct lt_err *err)
{
    const char *p, *hostend, *portp = NULL, *hs, *he;
    size_t n, schemelen;

    memset(t, 0, sizeof(*t));
    if (strncasecmp(url, "http://", 7) == 0)
        schemelen = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        schemelen = 8, t->https = 1;
    else
        return lt_error(err, LT_E_USAGE,
                        "invalid target '%s': expected http://HOST[:PORT][/PREFIX]", url);
    if (strpbrk(url, " \t\r\n"))
        return lt_error(err, LT_E_USAGE, "invalid target '%s': blank in URL", url);
    p = url + schemelen;
    hostend = p + strcspn(p, "/?#");
    if (hostend == p)
        return lt_error(err, LT_E_USAGE, "invalid target '%s': no host", url);
    if (strpbrk(hostend, "?#"))
        return lt_error(err, LT_E_USAGE, "invalid target '%s': a query or fragment is not allowed",
                        url);
    if (memchr(p, '@', (size_t)(hostend - p)))
        return lt_error(err, LT_E_USAGE, "invalid target '%s': user information is not allowed",
                        url);
    /* the host for connecting: [v6] or name, then an optional :port */
    if (*p == '[') {
        hs = p + 1;
        he = memchr(hs, ']', (size_t)(hostend - hs));
        if (!he || he == hs)
            return lt_error(err, LT_E_USAGE, "invalid target '%s': bad IPv6 address", url);
        if (he + 1 < hostend) {
            if (he[1] != ':')
                return lt_error(err, LT_E_USAGE, "invalid target '%s': bad IPv6 address", url);
            portp = he + 2;
        }
    } else {
        hs = p;
        he = memchr(p, ':', (size_t)(hostend - p));
        if (he)
            portp = he + 1;
        else
            he = hostend;
        if (he == hs)
            return lt_error(err, LT_E_USAGE, "invalid target '%s': no host", url);
    }
    t->port = t->https ? 443 : 80;
    if (portp) {
        unsigned long v = 0;
        if (portp == hostend)
            return lt_error(err, LT_E_USAGE, "invalid target '%s': empty port", url);
        for (const char *q = portp; q < hostend; q++) {
            if (*q < '0' || *q > '9' || v > 65535)
                return lt_error(err, LT_E_USAGE, "invalid target '%s': bad port", url);
            v = v * 10 + (unsigned long)(*q - '0');
        }
        if (v < 1 || v > 65535)
            return lt_error(err, LT_E_USAGE, "invalid target '%s': port must be 1-65535", url);
        t->port = (uint16_t)v;
    }
    n = strlen(url);
    while (n > (size_t)(hostend - url) && url[n - 1] == '/')
        n--; /* "http://h/prefix/" + "/collect" must not give "//collect" */
    if (n >= sizeof(t->base) || (size_t)(hostend - p) >= sizeof(t->host) ||
        (size_t)(he - hs) >= sizeof(t->hostname))
        return lt_error(err, LT_E_USAGE, "invalid target '%s': too long", url);
    memcpy(t->base, url, n);
    for (size_t i = 0; i < schemelen; i++) /* the scheme lowercase, as libcurl wants it */
        t->base[i] = (char)(t->base[i] | 0x20);
    memcpy(t->origin, t->base, (size_t)(hostend - url));
    memcpy(t->prefix, hostend, n - (size_t)(hostend - url));
    memcpy(t->host, p, (size_t)(hostend - p));
    memcpy(t->hostname, hs, (size_t)(he - hs));
    return 0;
}

static int name_is(const struct lt_bytes *n, const char *s)
{
    size_t l = strlen(s);
    return n->len == l && strncasecmp((const char *)n->p, s, l) == 0;
}

/* True when name appears as a token of a Connection header value. */
static int in_connection(const struct lt_record *rec, const struct lt_bytes *name)
{
    for (size_t i = 0; i < rec->nheaders; i++) {
        const struct lt_header *h = &rec->headers[i];
        size_t j = 0;
        if (!name_is(&h->name, "connection"))
            continue;
        while (j < h->value.len) {
            size_t k;
            while (j < h->value.len && (h->value.p[j] == ' ' || h->value.p[j] == ','))
                j++;
            k = j;
            while (k < h->value.len && h->value.p[k] != ',' && h->value.p[k] != ' ')
                k++;
            if (k - j == name->len &&
                strncasecmp((const char *)h->value.p + j, (const char *)name->p, name->len) == 0)
                return 1;
            j = k;
        }
    }
    return 0;
}

static int hop_by_hop(const struct lt_bytes *n)
{
    static const char *const hop[] = {"connection", "keep-alive",        "proxy-connection", "te",
                                      "trailer",    "transfer-encoding", "upgrade"};
    for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
        if (name_is(n, hop[i]))
            return 1;
    return 0;
}

/* An RFC 9110 token (methods, header names): no room for injected syntax. */
static int is_token(const struct lt_bytes *b)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    if (b->len == 0)
        return 0;
    for (size_t i = 0; i < b->len; i++) {
        uint8_t c = b->p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c && strchr(extra, c))))
            return 0;
    }
    return 1;
}

static int unsafe(const struct lt_bytes *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->p[i] == '\r' || b->p[i] == '\n' || b->p[i] == '\0')
            return 1;
    return 0;
}

/*
 * --header 'Name: value': the name a token, the value without control
 * characters (CR and LF above all), so nothing given on the command line
 * can add a header line of its own or make the request unparsable, and
 * not Content-Length or Transfer-Encoding (found by fuzzing: a length that
 * is not the body's made the rest of it a request of its own).
 */
int lt_request_header_check(const char *s, struct lt_err *err)
{
    const char *colon = s ? strchr(s, ':') : NULL;
    struct lt_bytes name = {(const uint8_t *)s, colon ? (size_t)(colon - s) : 0};

    if (!colon || !is_token(&name))
        return lt_error(err, LT_E_USAGE, "expected 'Name: value', not '%s'", s ? s : "");
    /* RFC 9110 §5.5: no control character but the tab in a field value */
    for (const unsigned char *v = (const unsigned char *)colon + 1; *v; v++)
        if ((*v < 0x20 && *v != '\t') || *v == 0x7f)
            return lt_error(err, LT_E_USAGE, "'%s' holds a control character", s);
    /* the body's framing is the engine's: a wrong length would send a second request */
    if (name_is(&name, "content-length") || name_is(&name, "transfer-encoding"))
        return lt_error(err, LT_E_USAGE, "'%.*s' follows from the body and cannot be set",
                        (int)name.len, s);
    return 0;
}

/* Does the --header/--drop-header list name this header? */
static int listed(const char *const *v, size_t n, const struct lt_bytes *name, int colon)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = colon ? strcspn(v[i], ":") : strlen(v[i]);
        if (l == name->len && strncasecmp(v[i], (const char *)name->p, l) == 0)
            return 1;
    }
    return 0;
}

/* ---- building ------------------------------------------------------------ */

/*
 * While a request is built its bytes are appended to rq->mem, which may
 * move as it grows, so headers are first kept as offsets and turned into
 * pointers at the end.
 */
struct lt_request_span {
    size_t name, nlen, val, vlen;
};

static int put_target(struct lt_buf *b, const struct lt_target *t, const struct lt_bytes *u)
{
    static const char hex[] = "0123456789ABCDEF";
    const uint8_t *p = u->p, *end = u->p + u->len;
    int rc;

    /* asterisk-form (OPTIONS *) goes out as recorded, without the target's prefix */
    if (u->len == 1 && u->p[0] == '*')
        return lt_buf_putc(b, '*');
    rc = lt_buf_puts(b, t->prefix);
    /* absolute-form (from a proxy): keep only the path */
    if (u->len > 7 && (strncasecmp((const char *)p, "http://", 7) == 0 ||
                       strncasecmp((const char *)p, "https://", 8) == 0)) {
        const uint8_t *q = memchr(p + 8, '/', (size_t)(end - (p + 8)));
        p = q ? q : end;
    }
    if (p == end || *p != '/')
        rc |= lt_buf_putc(b, '/');
    {
        /* the usual case, nothing to encode: one copy */
        const uint8_t *q = p;
        while (q<end && * q> 0x20 && *q < 0x7f)
            q++;
        rc |= lt_buf_append(b, p, (size_t)(q - p));
        p = q;
    }
    for (; p < end; p++) {
        /* bytes no request line may carry raw are percent-encoded, the rest kept as recorded */
        if (*p <= 0x20 || *p >= 0x7f) {
            rc |= lt_buf_putc(b, '%');
            rc |= lt_buf_putc(b, (uint8_t)hex[*p >> 4]);
            rc |= lt_buf_putc(b, (uint8_t)hex[*p & 15]);
        } else {
            rc |= lt_buf_putc(b, *p);
        }
    }
    return rc;
}

/* n in decimal, NUL-terminated, into out (room for 21 bytes): snprintf costs more
 * than the rest of a small request's build. */
static void put_decimal(char *out, uint64_t n)
{
    char tmp[24];
    size_t i = 0, j = 0;

    do {
        tmp[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (i)
        out[j++] = tmp[--i];
    out[j] = '\0';
}

static int recorded_host(const struct lt_record *rec)
{
    for (size_t i = 0; i < rec->nheaders; i++)
        if (name_is(&rec->headers[i].name, "host") && !unsafe(&rec->headers[i].value))
            return 1;
    return 0;
}

/* Appends one header's bytes to mem and its offsets to the span list. */
static int add_header(struct lt_request *rq, struct lt_request_span **sp, size_t *cap, size_t *n,
                      const uint8_t *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    struct lt_request_span *s;

    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;
        struct lt_request_span *ns = realloc(*sp, c * sizeof(*ns));
        if (!ns)
            return LT_E_NOMEM;
        *sp = ns;
        *cap = c;
    }
    s = &(*sp)[(*n)++];
    s->name = rq->mem.len;
    s->nlen = nlen;
    s->val = rq->mem.len + nlen;
    s->vlen = vlen;
    return lt_buf_append(&rq->mem, name, nlen) | lt_buf_append(&rq->mem, val, vlen);
}

void lt_request_init(struct lt_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    lt_buf_init(&rq->mem, 0);
    lt_buf_init(&rq->wirebuf, 0);
    lt_buf_init(&rq->scratch, 0);
}

void lt_request_release(struct lt_request *rq)
{
    if (!rq)
        return;
    lt_buf_release(&rq->mem);
    lt_buf_release(&rq->wirebuf);
    lt_buf_release(&rq->scratch);
    free(rq->hv);
    free(rq->spans);
    memset(rq, 0, sizeof(*rq));
}

void lt_request_trim(struct lt_request *rq, size_t keep)
{
    struct lt_buf *b[3] = {&rq->mem, &rq->wirebuf, &rq->scratch};

    for (int i = 0; i < 3; i++)
        if (b[i]->cap > keep)
            lt_buf_release(b[i]);
}

int lt_request_build(struct lt_request *rq, const struct lt_record *rec,
                     const struct lt_request_opts *o, uint64_t id_seed, uint64_t *id_ctr,
                     struct lt_err *err)
{
    const uint8_t *bp = rec->body.p;
    size_t blen = rec->body.len, nh = 0, moff, toff, tlen, boff;
    char clen[32];
    int rc = 0, has_host = 0, has_clen = 0;
    int want_clen;
    static const struct lt_bytes host_name = {(const uint8_t *)"Host", 4};

    lt_buf_reset(&rq->mem);
    lt_buf_reset(&rq->wirebuf);
    lt_buf_reset(&rq->scratch);
    rq->has_accept = rq->has_expect = rq->has_ctype = rq->has_clen = rq->has_host = 0;
    rq->wire = (struct lt_bytes){NULL, 0};
    if (!is_token(&rec->method) || rec->method.len > 32)
        return lt_error(err, LT_E_FORMAT, "record at ts %llu: invalid method '%.*s'",
                        (unsigned long long)rec->ts_ns,
                        (int)(rec->method.len > 32 ? 32 : rec->method.len),
                        (const char *)rec->method.p);
    if (o->fresh_ids && blen) {
        if (lt_fresh_ids(&rq->scratch, bp, blen, id_seed, id_ctr) < 0)
            goto nomem;
        bp = rq->scratch.data;
        blen = rq->scratch.len;
    }
    put_decimal(clen, blen);
    /* method and target, NUL-terminated (libcurl takes C strings) */
    moff = 0;
    rc |= lt_buf_append(&rq->mem, rec->method.p, rec->method.len);
    rc |= lt_buf_putc(&rq->mem, '\0');
    toff = rq->mem.len;
    rc |= put_target(&rq->mem, o->target, &rec->url);
    tlen = rq->mem.len - toff;
    rc |= lt_buf_putc(&rq->mem, '\0');
    if (rc)
        goto nomem;
    /* the target's Host first, where an HTTP client puts it */
    if (!listed(o->add_headers, o->nadd, &host_name, 1) && (!o->keep_host || !recorded_host(rec))) {
        rc |= add_header(rq, &rq->spans, &rq->nspans_cap, &nh, (const uint8_t *)"Host", 4,
                         (const uint8_t *)o->target->host, strlen(o->target->host));
        has_host = 1;
    }
    for (size_t i = 0; i < rec->nheaders && !rc; i++) {
        const struct lt_header *h = &rec->headers[i];
        if (!is_token(&h->name) || unsafe(&h->value) || hop_by_hop(&h->name) ||
            in_connection(rec, &h->name) || listed(o->drop_headers, o->ndrop, &h->name, 0) ||
            listed(o->add_headers, o->nadd, &h->name, 1))
            continue;
        if (name_is(&h->name, "host")) {
            if (!o->keep_host || rq->has_host)
                continue;
            rq->has_host = 1;
        }
        if (name_is(&h->name, "content-length")) {
            /* one, and true to the body we send */
            if (has_clen)
                continue;
            has_clen = 1;
            rc |= add_header(rq, &rq->spans, &rq->nspans_cap, &nh, h->name.p, h->name.len,
                             (const uint8_t *)clen, strlen(clen));
            continue;
        }
        rq->has_accept |= name_is(&h->name, "accept");
        rq->has_expect |= name_is(&h->name, "expect");
        rq->has_ctype |= name_is(&h->name, "content-type");
        rc |= add_header(rq, &rq->spans, &rq->nspans_cap, &nh, h->name.p, h->name.len, h->value.p,
                         h->value.len);
    }
    for (size_t i = 0; i < o->nadd && !rc; i++) {
        const char *a = o->add_headers[i], *colon = strchr(a, ':');
        const char *v = colon ? colon + 1 : a + strlen(a);
        struct lt_bytes nm = {(const uint8_t *)a, colon ? (size_t)(colon - a) : strlen(a)};
        while (*v == ' ' || *v == '\t')
            v++;
        if (!nm.len)
            continue;
        rq->has_host |= name_is(&nm, "host");
        rq->has_accept |= name_is(&nm, "accept");
        rq->has_expect |= name_is(&nm, "expect");
        rq->has_ctype |= name_is(&nm, "content-type");
        has_clen |= name_is(&nm, "content-length");
        rc |= add_header(rq, &rq->spans, &rq->nspans_cap, &nh, nm.p, nm.len, (const uint8_t *)v,
                         strlen(v));
    }
    /* a body always says its length (and a POST says it has none) */
    want_clen = !has_clen && (blen || strcmp((const char *)rq->mem.data + moff, "POST") == 0);
    if (want_clen) {
        rc |= add_header(rq, &rq->spans, &rq->nspans_cap, &nh, (const uint8_t *)"Content-Length",
                         14, (const uint8_t *)clen, strlen(clen));
        has_clen = 1;
    }
    boff = rq->mem.len;
    rc |= lt_buf_append(&rq->mem, bp, blen);
    if (rc)
        goto nomem;
    if (nh > rq->hv_cap) {
        struct lt_header *hv = realloc(rq->hv, nh * sizeof(*hv));
        if (!hv)
            goto nomem;
        rq->hv = hv;
        rq->hv_cap = nh;
    }
    for (size_t i = 0; i < nh; i++) {
        rq->hv[i].name = (struct lt_bytes){rq->mem.data + rq->spans[i].name, rq->spans[i].nlen};
        rq->hv[i].value = (struct lt_bytes){rq->mem.data + rq->spans[i].val, rq->spans[i].vlen};
    }
    rq->method = (struct lt_bytes){rq->mem.data + moff, rec->method.len};
    rq->target = (struct lt_bytes){rq->mem.data + toff, tlen};
    rq->hdrs = rq->hv;
    rq->nhdrs = nh;
    rq->body = (struct lt_bytes){rq->mem.data + boff, blen};
    rq->has_host |= has_host;
    rq->has_clen = has_clen;
    rq->req_bits = lt_http_request_bits(rq->method.p, rq->method.len);
    if (o->want_wire) {
        if (lt_http_write_request(&rq->wirebuf, rq->method, rq->target, rq->hdrs, rq->nhdrs,
                                  rq->body))
            goto nomem;
        rq->wire = (struct lt_bytes){rq->wirebuf.data, rq->wirebuf.len};
    }
    return 0;
nomem:
    return lt_error(err, LT_E_NOMEM, "out of memory building a request");
}

/* ---- --fresh-ids ---------------------------------------------------------- */

/* Skips a JSON string starting at p (on its opening quote); returns the
 * position after the closing quote, or end when unterminated. */
static size_t skip_string(const uint8_t *s, size_t p, size_t end)
{
    for (p++; p < end; p++) {
        if (s[p] == '\\')
            p++;
        else if (s[p] == '"')
            return p + 1;
    }
    return end;
}

static void new_id(char out[37], uint64_t seed, uint64_t n)
{
    uint64_t a = lt_splitmix64(seed ^ lt_splitmix64(n)), b = lt_splitmix64(a ^ n);

    /* a version 4 UUID's shape */
    a = (a & 0xffffffffffff0fffULL) | 0x4000;
    b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffULL));
}

int lt_fresh_ids(struct lt_buf *out, const uint8_t *s, size_t len, uint64_t seed, uint64_t *ctr)
{
    size_t p = 0, copied = 0;
    int n = 0;

    while (p < len) {
        size_t k, q, v;
        if (s[p] != '"') {
            p++;
            continue;
        }
        k = p;
        q = skip_string(s, p, len);
        /* a key is a string followed by ':' */
        v = q;
        while (v < len && (s[v] == ' ' || s[v] == '\t' || s[v] == '\r' || s[v] == '\n'))
            v++;
        if (v < len && s[v] == ':' && q - k == 11 && memcmp(s + k, "\"messageId\"", 11) == 0) {
            v++;
            while (v < len && (s[v] == ' ' || s[v] == '\t' || s[v] == '\r' || s[v] == '\n'))
                v++;
            if (v < len && s[v] == '"') {
                size_t e = skip_string(s, v, len);
                char id[37];
                new_id(id, seed, (*ctr)++);
                if (lt_buf_append(out, s + copied, v - copied) || lt_buf_putc(out, '"') ||
                    lt_buf_append(out, id, 36) || lt_buf_putc(out, '"'))
                    return LT_E_NOMEM;
                copied = e;
                n++;
                p = e;
                continue;
            }
        }
        p = q;
    }
    if (lt_buf_append(out, s + copied, len - copied))
        return LT_E_NOMEM;
    return n;
}

/* ---- events in a body --------------------------------------------------------- */

static size_t skip_ws(const uint8_t *s, size_t p, size_t n)
{
    while (p < n && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n'))
        p++;
    return p;
}

uint32_t lt_count_events(const uint8_t *s, size_t n)
{
    size_t p = skip_ws(s, 0, n);
    int depth = 0;

    if (p >= n || s[p] != '{')
        return 0;
    /* look for "batch": [ as a key of the top-level object */
    while (p < n) {
        uint8_t c = s[p];
        if (c == '"') {
            size_t k = p, q = skip_string(s, p, n), v = skip_ws(s, q, n);
            if (depth == 1 && q - k == 7 && memcmp(s + k, "\"batch\"", 7) == 0 && v < n &&
                s[v] == ':') {
                size_t a = skip_ws(s, v + 1, n);
                uint32_t count = 0;
                int d = 0, any = 0;
                if (a >= n || s[a] != '[')
                    return 1;
                for (p = a + 1; p < n; p++) {
                    c = s[p];
                    if (c == '"') {
                        p = skip_string(s, p, n) - 1;
                        any = 1;
                    } else if (c == '{' || c == '[') {
                        d++;
                        any = 1;
                    } else if (c == '}' || c == ']') {
                        if (d == 0)
                            return count + (uint32_t)any;
                        d--;
                    } else if (c == ',' && d == 0) {
                        count++;
                        any = 0; /* the next element has shown nothing yet */
                    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                        any = 1;
                    }
                }
                return count + (uint32_t)any;
            }
            p = q;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        p++;
    }
    return 1;
}
