/*
 * tape_testlib.h - shared by the tape tests: a deterministic record set with
 * every field kind, an exact record comparison, and writing a tape into
 * memory through a temporary file.
 */
#ifndef TAPE_TESTLIB_H
#define TAPE_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lt_formats.h"

#define BIG ((uint64_t)1 << 53)

struct recset {
    struct lt_recbuf *rb;
    size_t n;
};

static const char *const methods[] = {"POST", "GET", "PUT", "post", ""};
static const char *const streams[] = {"web", "ios", "android"};

/*
 * Record i of a set: JSON, binary (with NUL) and empty bodies; duplicate and
 * mixed-case headers, binary header values; responses present or absent;
 * every flag; sessions and timestamps above 2^53 when big is set. Record
 * `huge` (if < n) has a 1 MiB body.
 */
static void make_record(struct lt_rng *rng, size_t i, int big, size_t huge, uint64_t *ts,
                        struct lt_recbuf *out)
{
    static uint8_t body[(1 << 20) + 16];
    char url[128], val[64], ctype[] = "application/json";
    uint8_t binval[] = {'a', 0, 0xff, 'b', '\r'};
    struct lt_header h[8];
    struct lt_record r = {0};
    size_t nh = 0;

    *ts += lt_rng_below(rng, 3) == 0 ? 0 : lt_rng_below(rng, 5000000);
    r.ts_ns = *ts;
    r.session = big && i % 2 ? BIG + lt_rng_below(rng, 5) * 1000003 : lt_rng_below(rng, 40);
    if (i % 17 == 5)
        r.session = UINT64_MAX - i;
    r.method.p = (const uint8_t *)methods[i % 5];
    r.method.len = strlen(methods[i % 5]);
    snprintf(url, sizeof(url), "/collect/%s%s%zu", streams[i % 3], i % 4 ? "?x=" : "/", i % 7);
    r.url.p = (const uint8_t *)url;
    r.url.len = strlen(url);
    h[nh++] = (struct lt_header){{(const uint8_t *)"Content-Type", 12},
                                 {(const uint8_t *)ctype, strlen(ctype)}};
    if (i % 3 == 0)
        h[nh++] = (struct lt_header){{(const uint8_t *)"content-type", 12},
                                     {(const uint8_t *)"text/plain", 10}};
    if (i % 2 == 0) {
        snprintf(val, sizeof(val), "v%u", (unsigned)lt_rng_below(rng, 4));
        h[nh++] =
            (struct lt_header){{(const uint8_t *)"X-Dup", 5}, {(const uint8_t *)val, strlen(val)}};
        h[nh++] =
            (struct lt_header){{(const uint8_t *)"X-Dup", 5}, {(const uint8_t *)val, strlen(val)}};
    }
    if (i % 5 == 1)
        h[nh++] = (struct lt_header){{(const uint8_t *)"X-Bin", 5}, {binval, sizeof(binval)}};
    if (i % 11 == 3)
        h[nh++] = (struct lt_header){{(const uint8_t *)"X-Empty", 7}, {(const uint8_t *)"", 0}};
    if (i % 13 == 4)
        nh = 0;
    r.headers = h;
    r.nheaders = nh;
    switch (i % 4) {
    case 0:
        r.body.len = (size_t)snprintf((char *)body, sizeof(body),
                                      "{\"type\":\"track\",\"event\":\"e%zu\",\"userId\":\"u%u\"}",
                                      i % 9, (unsigned)lt_rng_below(rng, 100));
        break;
    case 1:
        r.body.len = 1 + lt_rng_below(rng, 300);
        for (size_t k = 0; k < r.body.len; k++)
            body[k] = (uint8_t)lt_rng_below(rng, 256);
        body[0] = 0;
        break;
    case 2:
        r.body.len = 0;
        break;
    default:
        r.body.len = 40 + lt_rng_below(rng, 60);
        memset(body, 'a' + (int)(i % 26), r.body.len);
    }
    if (i == huge) {
        r.body.len = 1 << 20;
        for (size_t k = 0; k < r.body.len; k++)
            body[k] = (uint8_t)(k * 7 + (k >> 9));
    }
    r.body.p = body;
    r.flags = (uint32_t)lt_rng_below(rng, LT_RF_ALL + 1);
    r.has_response = lt_rng_below(rng, 3) != 0;
    if (r.has_response) {
        r.status = (uint16_t)(i % 29 == 0 ? 0 : 100 + lt_rng_below(rng, 500));
        r.resp_latency_ns = i % 19 == 0 ? UINT64_MAX : lt_rng_below(rng, 1000000000);
    }
    if (big && i % 3 == 0)
        r.ts_ns = *ts = *ts < BIG ? BIG + *ts : *ts;
    lt_recbuf_init(out);
    assert_int_equal(lt_recbuf_set(out, &r), 0);
}

static void recset_make(struct recset *s, size_t n, uint64_t seed, int big, size_t huge)
{
    struct lt_rng rng;
    uint64_t ts = big ? BIG - 1000 : 0;

    lt_rng_seed(&rng, seed);
    s->n = n;
    s->rb = calloc(n, sizeof(*s->rb));
    assert_non_null(s->rb);
    for (size_t i = 0; i < n; i++)
        make_record(&rng, i, big, huge, &ts, &s->rb[i]);
}

static void recset_free(struct recset *s)
{
    for (size_t i = 0; i < s->n; i++)
        lt_recbuf_release(&s->rb[i]);
    free(s->rb);
}

static int bytes_eq(struct lt_bytes a, struct lt_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Every field, byte for byte. */
static int rec_equal(const struct lt_record *a, const struct lt_record *b)
{
    if (a->ts_ns != b->ts_ns || a->session != b->session || !bytes_eq(a->method, b->method) ||
        !bytes_eq(a->url, b->url) || a->nheaders != b->nheaders || !bytes_eq(a->body, b->body) ||
        a->has_response != b->has_response || a->flags != b->flags)
        return 0;
    if (a->has_response && (a->status != b->status || a->resp_latency_ns != b->resp_latency_ns))
        return 0;
    for (size_t i = 0; i < a->nheaders; i++)
        if (!bytes_eq(a->headers[i].name, b->headers[i].name) ||
            !bytes_eq(a->headers[i].value, b->headers[i].value))
            return 0;
    return 1;
}

static char *tmp_path(void)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof(path), "/tmp/lt-tape-test.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long len;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)len + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* Writes s[0..n) as a tape (closed when close_it, else flushed and left
 * as a killed writer would) and returns its bytes. */
static uint8_t *write_tape(const struct recset *s, size_t n, const struct lt_tape_writer_opts *o,
                           int close_it, size_t *len)
{
    struct lt_err err = {0};
    char *path = tmp_path();
    struct lt_tape_writer *w;
    uint8_t *p;

    unlink(path); /* a new file: its blocks are under path from the first record */
    w = lt_tape_writer_open(path, o, &err);

    assert_non_null(w);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(lt_tape_writer_append(w, &s->rb[i].rec, &err), 0);
    if (close_it) {
        assert_int_equal(lt_tape_writer_close(w, "{\"source\":{\"kind\":\"test\"}}", &err), 0);
    } else {
        assert_int_equal(lt_tape_writer_flush(w, &err), 0);
        p = slurp(path, len); /* before abort() removes the file */
        lt_tape_writer_abort(w);
        unlink(path);
        return p;
    }
    p = slurp(path, len);
    unlink(path);
    return p;
}

#endif
