/*
 * slo_header.c - libFuzzer target for the --slo and --header parsers. The
 * input is an --slo expression, then a NUL, then a --header value.
 *
 * An expression that parses must give the same terms again when its terms
 * are joined back (each is stored without spaces). A header that passes the
 * check must go out as exactly one header line: the request built with it
 * parses as one request holding that header's name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lt_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slo(const char *expr)
{
    struct lt_slo a, b;
    struct lt_err err;
    char joined[LT_SLO_MAX * 66];
    size_t n = 0;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    if (lt_slo_parse(&a, expr, &err) != 0 || a.n == 0) /* (terms are appended to a) */
        return;
    if (a.n > LT_SLO_MAX)
        abort();
    for (size_t i = 0; i < a.n; i++) {
        size_t l = strlen(a.t[i].expr);
        if (l == 0 || n + l + 2 > sizeof(joined))
            abort();
        memcpy(joined + n, a.t[i].expr, l);
        n += l;
        joined[n++] = ',';
    }
    joined[n - 1] = '\0';
    if (lt_slo_parse(&b, joined, &err) != 0 || b.n != a.n)
        abort();
    for (size_t i = 0; i < a.n; i++)
        if (b.t[i].metric != a.t[i].metric || b.t[i].op != a.t[i].op ||
            b.t[i].limit != a.t[i].limit || strcmp(b.t[i].expr, a.t[i].expr) != 0)
            abort();
}

static void check_header(const char *h)
{
    static const struct lt_header rh[] = {
        {{(const uint8_t *)"Content-Type", 12}, {(const uint8_t *)"application/json", 16}},
    };
    struct lt_record rec = {.method = {(const uint8_t *)"POST", 4},
                            .url = {(const uint8_t *)"/collect/web", 12},
                            .headers = rh,
                            .nheaders = 1,
                            .body = {(const uint8_t *)"{}", 2}};
    struct lt_target t;
    struct lt_request rq;
    struct lt_request_opts o;
    struct lt_http_parser p;
    struct lt_http_msg m;
    struct lt_err err;
    const char *const add[1] = {h};
    size_t used = 0, nlen = strcspn(h, ":"), found = 0;
    uint64_t ctr = 0;
    int rc;

    if (lt_request_header_check(h, &err) != 0)
        return;
    if (lt_target_parse(&t, "http://127.0.0.1:8080", &err) != 0)
        abort();
    memset(&o, 0, sizeof(o));
    o.target = &t;
    o.add_headers = add;
    o.nadd = 1;
    o.want_wire = 1;
    lt_request_init(&rq);
    if (lt_request_build(&rq, &rec, &o, 1, &ctr, &err) != 0)
        abort();
    if (lt_http_parser_init(&p, LT_HTTP_REQUEST, NULL) != 0)
        abort();
    rc = lt_http_parser_feed(&p, rq.wire.p, rq.wire.len, &used, &m, &err);
    if (rc != LT_HTTP_MESSAGE || used != rq.wire.len)
        abort();
    for (size_t i = 0; i < m.nheaders; i++)
        found += m.headers[i].name.len == nlen &&
                 strncasecmp((const char *)m.headers[i].name.p, h, nlen) == 0;
    if (found == 0)
        abort();
    lt_http_parser_release(&p);
    lt_request_release(&rq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[1024];
    size_t n;

    if (size >= sizeof(s))
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    n = strlen(s);
    check_slo(s);
    if (n < size)
        check_header(s + n + 1);
    return 0;
}
