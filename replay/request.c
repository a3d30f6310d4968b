/*
 * request.c - from a record to the request on the wire: the target's
 * scheme, host and path prefix in front of the recorded path, the recorded
 * headers minus hop-by-hop ones (and the Host, unless --keep-host), with
 * --header/--drop-header applied, Content-Length corrected when it does not
 * match the body, and --fresh-ids rewriting messageId in JSON bodies.
 */
#include "lt_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int lt_target_parse(struct lt_target *t, const char *url, struct lt_err *err)
{
    const char *p, *hostend;
    size_t n, schemelen;

    memset(t, 0, sizeof(*t));
    if (strncasecmp(url, "http://", 7) == 0)
        schemelen = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        schemelen = 8;
    else
        return lt_error(err, LT_E_USAGE,
                        "invalid target '%s': expected http://HOST[:PORT][/PREFIX]", url);
    p = url + schemelen;
    hostend = p + strcspn(p, "/?#");
    if (hostend == p)
        return lt_error(err, LT_E_USAGE, "invalid target '%s': no host", url);
    if (*hostend == '?' || *hostend == '#' || strpbrk(hostend, "?#"))
        return lt_error(err, LT_E_USAGE, "invalid target '%s': a query or fragment is not allowed",
                        url);
    if (strpbrk(url, " \t\r\n"))
        return lt_error(err, LT_E_USAGE, "invalid target '%s': blank in URL", url);
    n = strlen(url);
    while (n > (size_t)(hostend - url) && url[n - 1] == '/')
        n--; /* "http://h/prefix/" + "/collect" must not give "//collect" */
    if (n >= sizeof(t->base) || (size_t)(hostend - p) >= sizeof(t->host))
        return lt_error(err, LT_E_USAGE, "invalid target '%s': too long", url);
    memcpy(t->base, url, n);
    t->base[n] = '\0';
    for (size_t i = 0; i < schemelen; i++) /* curl wants the scheme as is; keep it lowercase */
        t->base[i] = (char)(t->base[i] | 0x20);
    memcpy(t->host, p, (size_t)(hostend - p));
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

/* A header line for libcurl: "Name: value", or "Name;" for an empty value
 * (libcurl's spelling; "Name:" would remove the header instead). */
static int put_line(struct lt_buf *b, const uint8_t *name, size_t nlen, const uint8_t *val,
                    size_t vlen)
{
    int rc = lt_buf_append(b, name, nlen);
    if (vlen) {
        rc |= lt_buf_append(b, ": ", 2);
        rc |= lt_buf_append(b, val, vlen);
    } else {
        rc |= lt_buf_putc(b, ';');
    }
    rc |= lt_buf_putc(b, '\0');
    return rc;
}

static int put_url(struct lt_buf *b, const struct lt_target *t, const struct lt_bytes *u)
{
    static const char hex[] = "0123456789ABCDEF";
    const uint8_t *p = u->p, *end = u->p + u->len;
    int rc = lt_buf_puts(b, t->base);

    /* absolute-form (from a proxy): keep only the path */
    if (u->len > 7 && (strncasecmp((const char *)p, "http://", 7) == 0 ||
                       strncasecmp((const char *)p, "https://", 8) == 0)) {
        const uint8_t *q = memchr(p + 8, '/', (size_t)(end - (p + 8)));
        p = q ? q : end;
    }
    if (p == end || *p != '/')
        rc |= lt_buf_putc(b, '/');
    for (; p < end; p++) {
        /* bytes no URL may carry raw are percent-encoded, the rest kept as recorded */
        if (*p <= 0x20 || *p >= 0x7f) {
            rc |= lt_buf_putc(b, '%');
            rc |= lt_buf_putc(b, (uint8_t)hex[*p >> 4]);
            rc |= lt_buf_putc(b, (uint8_t)hex[*p & 15]);
        } else {
            rc |= lt_buf_putc(b, *p);
        }
    }
    rc |= lt_buf_putc(b, '\0');
    return rc;
}

struct lt_request *lt_request_build(const struct lt_record *rec, const struct lt_request_opts *o,
                                    uint64_t id_seed, uint64_t *id_ctr, struct lt_err *err)
{
    struct lt_buf lines, body, url;
    struct lt_request *rq = NULL;
    const uint8_t *bp = rec->body.p;
    size_t blen = rec->body.len, nh = 0, off;
    char clen[32];
    int rc = 0, has_host = 0, has_accept = 0, has_expect = 0, has_ctype = 0, has_clen = 0;

    lt_buf_init(&lines, 0);
    lt_buf_init(&body, 0);
    lt_buf_init(&url, 0);
    if (!is_token(&rec->method) || rec->method.len > 32) {
        lt_error(err, LT_E_FORMAT, "record at ts %llu: invalid method '%.*s'",
                 (unsigned long long)rec->ts_ns, (int)(rec->method.len > 32 ? 32 : rec->method.len),
                 (const char *)rec->method.p);
        goto out;
    }
    if (o->fresh_ids && blen) {
        if (lt_fresh_ids(&body, bp, blen, id_seed, id_ctr) < 0)
            goto nomem;
        bp = body.data;
        blen = body.len;
    }
    snprintf(clen, sizeof(clen), "%zu", blen);
    if (put_url(&url, o->target, &rec->url))
        goto nomem;
    for (size_t i = 0; i < rec->nheaders; i++) {
        const struct lt_header *h = &rec->headers[i];
        if (!is_token(&h->name) || unsafe(&h->value) || hop_by_hop(&h->name) ||
            in_connection(rec, &h->name) || listed(o->drop_headers, o->ndrop, &h->name, 0) ||
            listed(o->add_headers, o->nadd, &h->name, 1))
            continue;
        if (name_is(&h->name, "host")) {
            if (!o->keep_host || has_host)
                continue;
            has_host = 1;
        }
        if (name_is(&h->name, "content-length")) {
            /* one, and true to the body we send */
            if (has_clen)
                continue;
            has_clen = 1;
            rc |= put_line(&lines, h->name.p, h->name.len, (const uint8_t *)clen, strlen(clen));
            nh++;
            continue;
        }
        has_accept |= name_is(&h->name, "accept");
        has_expect |= name_is(&h->name, "expect");
        has_ctype |= name_is(&h->name, "content-type");
        rc |= put_line(&lines, h->name.p, h->name.len, h->value.p, h->value.len);
        nh++;
    }
    for (size_t i = 0; i < o->nadd; i++) {
        const char *a = o->add_headers[i], *colon = strchr(a, ':');
        const char *v = colon ? colon + 1 : a + strlen(a);
        struct lt_bytes nm = {(const uint8_t *)a, colon ? (size_t)(colon - a) : strlen(a)};
        while (*v == ' ' || *v == '\t')
            v++;
        if (!nm.len)
            continue;
        has_host |= name_is(&nm, "host");
        has_accept |= name_is(&nm, "accept");
        has_expect |= name_is(&nm, "expect");
        has_ctype |= name_is(&nm, "content-type");
        has_clen |= name_is(&nm, "content-length");
        rc |= put_line(&lines, nm.p, nm.len, (const uint8_t *)v, strlen(v));
        nh++;
    }
    if (rc)
        goto nomem;
    rq = malloc(sizeof(*rq) + rec->method.len + 1 + url.len + lines.len + blen +
                (nh + 1) * sizeof(char *) + sizeof(char *));
    if (!rq)
        goto nomem;
    memset(rq, 0, sizeof(*rq));
    /* layout in mem: header pointers, method, url, lines, body */
    off = ((nh + 1) * sizeof(char *) + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
    rq->hdrs = (char **)(void *)rq->mem;
    rq->method = (char *)rq->mem + off;
    memcpy(rq->method, rec->method.p, rec->method.len);
    rq->method[rec->method.len] = '\0';
    off += rec->method.len + 1;
    rq->url = (char *)rq->mem + off;
    memcpy(rq->url, url.data, url.len);
    off += url.len;
    {
        char *l = (char *)rq->mem + off;
        if (lines.len)
            memcpy(l, lines.data, lines.len);
        for (size_t i = 0; i < nh; i++) {
            rq->hdrs[i] = l;
            l += strlen(l) + 1;
        }
        rq->hdrs[nh] = NULL;
        off += lines.len;
    }
    rq->body = rq->mem + off;
    if (blen)
        memcpy(rq->body, bp, blen);
    rq->body_len = blen;
    rq->nhdrs = nh;
    rq->has_host = has_host;
    rq->has_accept = has_accept;
    rq->has_expect = has_expect;
    rq->has_ctype = has_ctype;
    rq->has_clen = has_clen;
    goto out;
nomem:
    lt_error(err, LT_E_NOMEM, "out of memory building a request");
out:
    lt_buf_release(&lines);
    lt_buf_release(&body);
    lt_buf_release(&url);
    return rq;
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
