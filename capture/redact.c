/*
 * redact.c - the last stage before the tape: secrets are redacted (the
 * header stays, its value becomes "[redacted]" and the record is flagged),
 * the request target is put in origin form, and a body that was decoded
 * from chunks or cut short gets a Content-Length that matches it, so replay
 * sends exactly the recorded bytes.
 */
#include "cap_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const default_secrets[] = {
    "authorization",  "proxy-authorization",
    "cookie",         "set-cookie",
    "x-api-key",      "api-key",
    "apikey",         "x-auth-token",
    "x-access-token", "x-amz-security-token",
    "x-goog-api-key", "x-csrf-token",
    "x-xsrf-token",   "x-session-token",
};

#define REDACTED "[redacted]"

int cap_redact_init(struct cap_redact *rd, const struct lt_capture_opts *o)
{
    size_t nd = sizeof(default_secrets) / sizeof(default_secrets[0]);

    memset(rd, 0, sizeof(*rd));
    rd->off = o->keep_secrets;
    rd->names = calloc(nd + o->nredact + 1, sizeof(*rd->names));
    rd->lens = calloc(nd + o->nredact + 1, sizeof(*rd->lens));
    if (!rd->names || !rd->lens)
        return LT_E_NOMEM;
    for (size_t i = 0; i < nd; i++)
        rd->names[rd->n++] = default_secrets[i];
    for (size_t i = 0; i < o->nredact; i++)
        rd->names[rd->n++] = o->redact[i];
    for (size_t i = 0; i < rd->n; i++)
        rd->lens[i] = strlen(rd->names[i]);
    return 0;
}

void cap_redact_release(struct cap_redact *rd)
{
    free(rd->names);
    free(rd->lens);
    memset(rd, 0, sizeof(*rd));
}

static int name_is(const struct lt_bytes *n, const char *s)
{
    size_t l = strlen(s);
    return n->len == l && strncasecmp((const char *)n->p, s, l) == 0;
}

static int is_secret(const struct cap_redact *rd, const struct lt_bytes *n)
{
    /* lengths first: most headers are not secrets and differ in length */
    for (size_t i = 0; i < rd->n; i++)
        if (n->len == rd->lens[i] && strncasecmp((const char *)n->p, rd->names[i], n->len) == 0)
            return 1;
    return 0;
}

/* "http://host:80/p?q" -> "/p?q"; "http://host" -> "/"; others unchanged. */
static struct lt_bytes origin_form(struct lt_bytes u)
{
    static const uint8_t slash[] = "/";
    size_t i = 0;

    if (u.len && u.p[0] == '/')
        return u;
    while (i < u.len && u.p[i] != ':' && u.p[i] != '/')
        i++;
    if (i + 2 < u.len && u.p[i] == ':' && u.p[i + 1] == '/' && u.p[i + 2] == '/') {
        size_t j = i + 3;
        while (j < u.len && u.p[j] != '/' && u.p[j] != '?')
            j++;
        if (j == u.len)
            return (struct lt_bytes){slash, 1};
        return (struct lt_bytes){u.p + j, u.len - j};
    }
    return u; /* "*" for OPTIONS, or authority form for CONNECT */
}

int cap_emit(struct lt_capture *c, struct cap_req *r)
{
    const struct lt_record *in = &r->rb.rec;
    struct lt_record out = *in;
    char clen[24];
    size_t nh = 0;
    int cl_done = 0, rc;
    struct lt_err err;

    if (in->nheaders + 1 > c->hscratch_cap) {
        size_t ncap = in->nheaders + 16;
        struct lt_header *h = realloc(c->hscratch, ncap * sizeof(*h));
        if (!h) {
            cap_fail(c, LT_E_NOMEM, "record headers");
            return LT_E_NOMEM;
        }
        c->hscratch = h;
        c->hscratch_cap = ncap;
    }
    snprintf(clen, sizeof(clen), "%zu", in->body.len);
    for (size_t i = 0; i < in->nheaders; i++) {
        struct lt_header h = in->headers[i];
        if (r->rewrite_length) {
            int te = name_is(&h.name, "transfer-encoding");
            int cl = name_is(&h.name, "content-length");
            if (te || cl) {
                /* One Content-Length, where the first framing header was. */
                if (cl_done)
                    continue;
                cl_done = 1;
                h.name = (struct lt_bytes){(const uint8_t *)"Content-Length", 14};
                h.value = (struct lt_bytes){(const uint8_t *)clen, strlen(clen)};
            }
        }
        if (!c->redact.off && is_secret(&c->redact, &h.name)) {
            h.value = (struct lt_bytes){(const uint8_t *)REDACTED, sizeof(REDACTED) - 1};
            out.flags |= LT_RF_REDACTED;
        }
        c->hscratch[nh++] = h;
    }
    if (r->rewrite_length && !cl_done && in->body.len)
        c->hscratch[nh++] = (struct lt_header){{(const uint8_t *)"Content-Length", 14},
                                               {(const uint8_t *)clen, strlen(clen)}};
    out.headers = c->hscratch;
    out.nheaders = nh;
    out.url = origin_form(in->url);
    out.session = r->session;
    out.flags |= r->flags;
    /* ts order is kept by the heap; a packet stamped earlier than one already
     * written (clock steps in live capture) is held at the last ts. */
    out.ts_ns = r->ts_ns > c->origin_ns ? (uint64_t)(r->ts_ns - c->origin_ns) : 0;
    if (out.ts_ns < c->last_ts_out)
        out.ts_ns = c->last_ts_out;
    c->last_ts_out = out.ts_ns;
    out.has_response = r->has_response && !c->o.no_responses;
    if (out.has_response) {
        out.status = r->status;
        out.resp_latency_ns = r->resp_ts_ns > r->ts_ns ? (uint64_t)(r->resp_ts_ns - r->ts_ns) : 0;
        c->st.with_response++;
    } else if (!c->o.no_responses) {
        out.flags |= LT_RF_NO_RESPONSE;
        c->st.no_response++;
    }
    if (out.flags & LT_RF_REDACTED)
        c->st.redacted++;
    c->st.records++;
    lt_err_clear(&err);
    rc = c->fn ? c->fn(c->fn_ctx, &out, &err) : 0;
    if (rc) {
        if (!c->failed) {
            c->failed = rc;
            c->err = err;
        }
        return rc;
    }
    return 0;
}
