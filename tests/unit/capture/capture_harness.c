/* capture_harness.c - see capture_harness.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS 1000000LL

int collect(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct got *g = ctx;

    (void)err;
    assert_true(g->n < HARNESS_MAXREC);
    lt_recbuf_init(&g->rb[g->n]);
    assert_int_equal(lt_recbuf_set(&g->rb[g->n], r), 0);
    g->n++;
    return 0;
}

void got_release(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        lt_recbuf_release(&g->rb[i]);
    memset(g, 0, sizeof(*g));
}

/* Writes g's packets to a pcap, reads it back through the pipeline. */
struct lt_capture_stats run_opts(struct pg *g, const struct lt_capture_opts *o, struct got *out)
{
    char path[] = "/tmp/lt-capture-test-XXXXXX";
    int fd = mkstemp(path);
    struct lt_pkt_source_opts so;
    struct lt_pkt_source *src;
    struct lt_capture *c;
    struct lt_capture_stats st;
    struct lt_err err;
    struct lt_redact *rd;
    struct lt_record_sink sink = {out, collect, NULL, NULL, NULL}, chain;
    size_t i = 0;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pg_write(g, path), 0);
    memset(&so, 0, sizeof(so));
    so.file = path;
    src = lt_pkt_source_open(&so, &err);
    assert_non_null(src);
    rd = lt_redact_new(&out->redact, &err);
    assert_non_null(rd);
    assert_int_equal(lt_redact_sink(&chain, rd, &sink, &err), 0);
    c = lt_capture_new(o, out->raw ? &sink : &chain, &err);
    assert_non_null(c);
    for (;;) {
        const uint8_t *p;
        size_t caplen;
        int64_t ts;
        int rc = lt_pkt_source_next(src, &p, &caplen, &ts, &err);
        if (rc == LT_E_TRUNCATED)
            break;
        assert_int_equal(rc, 1);
        assert_int_equal(ts, g->pkts[i].ts_ns);
        assert_int_equal(lt_capture_packet(c, lt_pkt_source_datalink(src), ts, p, caplen, &err), 0);
        if (i < 512)
            out->n_after[i] = out->n;
        i++;
    }
    assert_int_equal(i, g->n);
    assert_int_equal(lt_capture_finish(c, &err), 0);
    st = *lt_capture_stats(c);
    out->rstats = *lt_redact_stats(rd);
    lt_capture_free(c);
    lt_record_sink_release(&chain);
    lt_redact_free(rd);
    lt_pkt_source_free(src);
    unlink(path);
    return st;
}

struct lt_capture_stats run(struct pg *g, struct got *out)
{
    struct lt_capture_opts o;

    memset(&o, 0, sizeof(o));
    return run_opts(g, &o, out);
}

void assert_bytes(struct lt_bytes b, const char *s)
{
    if (b.len != strlen(s) || memcmp(b.p, s, b.len) != 0) {
        print_error("expected [%s], got [%.*s]\n", s, (int)b.len, (const char *)b.p);
        fail();
    }
}

void assert_header(const struct lt_record *r, size_t i, const char *name, const char *val)
{
    assert_true(i < r->nheaders);
    assert_bytes(r->headers[i].name, name);
    assert_bytes(r->headers[i].value, val);
}
