/*
 * test_sink.c - the collector and the recorder as record sources, on
 * loopback: what each puts into the record sink it is given, and what a
 * sink that fails (a full disk) does to the collector's answers and counters
 * and to the recorder's run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lt_sink.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A record sink that keeps copies; put number fail_at (from 1) fails, with
 * `durable` records said to be safe from then on. */
struct mem {
    struct lt_recbuf rb[32];
    size_t n;
    size_t fail_at;
    uint64_t durable;
};

static int mem_put(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct mem *m = ctx;

    if (m->fail_at && m->n + 1 == m->fail_at)
        return lt_error(err, LT_E_IO, "cannot write 't.tape': No space left on device");
    assert_true(m->n < 32);
    lt_recbuf_init(&m->rb[m->n]);
    assert_int_equal(lt_recbuf_set(&m->rb[m->n], r), 0);
    m->n++;
    return 0;
}

static uint64_t mem_durable(void *ctx)
{
    return ((struct mem *)ctx)->durable;
}

static void mem_release(struct mem *m)
{
    for (size_t i = 0; i < m->n; i++)
        lt_recbuf_release(&m->rb[i]);
}

static void assert_bytes(struct lt_bytes b, const char *s)
{
    if (b.len != strlen(s) || memcmp(b.p, s, b.len) != 0) {
        print_error("expected [%s], got [%.*s]\n", s, (int)b.len, (const char *)b.p);
        fail();
    }
}

/* ---- a client: one request per connection, the status back ---- */

static int port_of(const char *url)
{
    const char *c = strrchr(url, ':');
    return c ? atoi(c + 1) : 0;
}

/* Sends raw on a new connection and reads to EOF; the status, body in *resp. */
static int ask(int port, const char *raw, char *resp, size_t cap)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;
    size_t n = 0;
    ssize_t k;

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(write(fd, raw, strlen(raw)), (ssize_t)strlen(raw));
    while (n + 1 < cap && (k = read(fd, resp + n, cap - 1 - n)) > 0)
        n += (size_t)k;
    resp[n] = '\0';
    close(fd);
    sscanf(resp, "HTTP/1.%*d %d", &status);
    return status;
}

static const char EVENT[] = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u1\"}";

static int post(int port, char *resp, size_t cap)
{
    char raw[512];

    snprintf(raw, sizeof(raw),
             "POST /collect/web HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             strlen(EVENT), EVENT);
    return ask(port, raw, resp, cap);
}

/* ---- running a source on a thread ---- */

struct runner {
    pthread_t th;
    struct lt_record_source src;
    struct lt_record_sink *out;
    int rc;
    struct lt_err err;
};

static void *run_main(void *arg)
{
    struct runner *r = arg;

    r->rc = lt_record_pump(&r->src, r->out, NULL, NULL, &r->err);
    return NULL;
}

static void start(struct runner *r, struct lt_record_sink *out)
{
    r->out = out;
    lt_err_clear(&r->err);
    assert_int_equal(pthread_create(&r->th, NULL, run_main, r), 0);
}

/* ---- the collector ---- */

struct errs {
    int calls;
    uint64_t recorded, lost;
    char msg[200];
};

static void on_record_error(void *ctx, const char *msg, uint64_t recorded, uint64_t lost)
{
    struct errs *e = ctx;

    e->calls++;
    e->recorded = recorded;
    e->lost = lost;
    snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

static struct lt_sink *new_sink(struct errs *e)
{
    struct lt_sink_opts o;
    struct lt_err err;
    struct lt_sink *s;

    memset(&o, 0, sizeof(o));
    o.net.listen = "127.0.0.1:0";
    o.on_record_error = on_record_error;
    o.ctx = e;
    s = lt_sink_new(&o, &err);
    assert_non_null(s);
    return s;
}

static cJSON *stats(int port)
{
    static char resp[8192];
    const char *body;

    assert_int_equal(ask(port, "GET /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", resp,
                         sizeof(resp)),
                     200);
    body = strstr(resp, "\r\n\r\n");
    assert_non_null(body);
    return cJSON_Parse(body + 4);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

    assert_non_null(it);
    return it->valuedouble;
}

/* Every answered request is a record: as received, with the answer's status. */
static void test_collector_records(void **state)
{
    struct mem m = {0};
    struct lt_record_sink out = {&m, mem_put, NULL, NULL, NULL};
    struct errs e = {0};
    struct lt_sink *s = new_sink(&e);
    int port = port_of(lt_sink_url(s));
    struct runner r;
    char resp[4096];
    cJSON *st;

    (void)state;
    lt_sink_source(&r.src, s, 0);
    start(&r, &out);
    assert_int_equal(post(port, resp, sizeof(resp)), 202);
    assert_int_equal(ask(port,
                         "POST /collect/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                         resp, sizeof(resp)),
                     400);
    assert_int_equal(ask(port, "GET /nope?a=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                         resp, sizeof(resp)),
                     404);
    st = stats(port); /* answered after it is counted: /stats holds the 3 before it */
    assert_int_equal(num(st, "recorded"), 3);
    cJSON_Delete(st);
    lt_sink_stop(s);
    pthread_join(r.th, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(m.n, 4); /* the /stats request too */
    assert_int_equal(lt_sink_recorded(s), 4);
    assert_null(lt_sink_record_error(s, NULL));
    assert_bytes(m.rb[0].rec.method, "POST");
    assert_bytes(m.rb[0].rec.url, "/collect/web");
    assert_bytes(m.rb[0].rec.body, EVENT);
    assert_int_equal(m.rb[0].rec.nheaders, 3);
    assert_int_equal(m.rb[0].rec.status, 202);
    assert_true(m.rb[0].rec.has_response);
    /* the chunked body decoded; its framing header as received (the transform's to fix) */
    assert_bytes(m.rb[1].rec.body, "{}");
    assert_bytes(m.rb[1].rec.headers[2].name, "Transfer-Encoding");
    assert_int_equal(m.rb[1].rec.status, 400);
    assert_bytes(m.rb[2].rec.url, "/nope?a=1");
    assert_int_equal(m.rb[2].rec.status, 404);
    for (size_t i = 0; i < m.n; i++) {
        assert_int_equal(m.rb[i].rec.session, i + 1); /* a connection each */
        if (i)
            assert_true(m.rb[i].rec.ts_ns >= m.rb[i - 1].rec.ts_ns);
    }
    assert_int_equal(e.calls, 0);
    mem_release(&m);
    lt_sink_free(s);
}

/*
 * The sink refuses the 3rd record, with 1 of the 2 before it durable: the
 * callback hears once (1 recorded, 1 lost), /stats says the same with the
 * error, /collect and /health answer 503 from then on, the run goes on.
 */
static void test_collector_sink_fails(void **state)
{
    struct mem m = {0};
    struct lt_record_sink out = {&m, mem_put, NULL, NULL, mem_durable};
    struct errs e = {0};
    struct lt_sink *s = new_sink(&e);
    int port = port_of(lt_sink_url(s));
    struct runner r;
    char resp[4096];
    uint64_t lost = 0;
    cJSON *st;

    (void)state;
    m.fail_at = 3;
    m.durable = 1;
    lt_sink_source(&r.src, s, 0);
    start(&r, &out);
    assert_int_equal(post(port, resp, sizeof(resp)), 202);
    assert_int_equal(post(port, resp, sizeof(resp)), 202);
    assert_int_equal(post(port, resp, sizeof(resp)), 503);
    assert_non_null(strstr(resp, "cannot record"));
    assert_int_equal(post(port, resp, sizeof(resp)), 503);
    assert_int_equal(ask(port, "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", resp,
                         sizeof(resp)),
                     503);
    st = stats(port);
    assert_int_equal(num(st, "recorded"), 1);
    assert_int_equal(num(st, "record_lost"), 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(st, "record_error")->valuestring,
                        "cannot write 't.tape': No space left on device");
    cJSON_Delete(st);
    lt_sink_stop(s);
    pthread_join(r.th, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(e.calls, 1);
    assert_int_equal(e.recorded, 1);
    assert_int_equal(e.lost, 1);
    assert_string_equal(lt_sink_record_error(s, &lost),
                        "cannot write 't.tape': No space left on device");
    assert_int_equal(lost, 1);
    assert_int_equal(lt_sink_recorded(s), 1);
    assert_int_equal(m.n, 2); /* nothing was put after the failure */
    mem_release(&m);
    lt_sink_free(s);
}

/* ---- the recorder ---- */

static struct lt_recorder *new_recorder(uint64_t limit)
{
    struct lt_recorder_opts o = {"127.0.0.1:0", limit, NULL};
    struct lt_err err;
    struct lt_recorder *rec = lt_recorder_new(&o, &err);

    assert_non_null(rec);
    return rec;
}

/* Every request is answered 202 and recorded without a response; the limit stops it. */
static void test_recorder(void **state)
{
    struct mem m = {0};
    struct lt_record_sink out = {&m, mem_put, NULL, NULL, NULL};
    struct lt_recorder *rec = new_recorder(2);
    int port = port_of(lt_recorder_url(rec));
    struct runner r;
    char resp[4096];

    (void)state;
    lt_recorder_source(&r.src, rec, 0);
    start(&r, &out);
    assert_int_equal(ask(port, "BAD\r\n\r\n", resp, sizeof(resp)), 400);
    assert_int_equal(ask(port, "GET /a?token=t HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                         resp, sizeof(resp)),
                     202);
    assert_int_equal(post(port, resp, sizeof(resp)), 202);
    pthread_join(r.th, NULL); /* the limit stopped it */
    assert_int_equal(r.rc, 0);
    assert_int_equal(m.n, 2);
    assert_bytes(m.rb[0].rec.url, "/a?token=t"); /* as received: redaction is the sink's */
    assert_false(m.rb[0].rec.has_response);
    assert_int_equal(m.rb[0].rec.flags, 0);
    assert_bytes(m.rb[1].rec.body, EVENT);
    assert_int_equal(m.rb[1].rec.session, 3);
    assert_true(m.rb[1].rec.ts_ns >= m.rb[0].rec.ts_ns);
    assert_int_equal(lt_recorder_stats(rec)->records, 2);
    assert_int_equal(lt_recorder_stats(rec)->requests, 2);
    assert_int_equal(lt_recorder_stats(rec)->dropped_unparsable, 1);
    assert_true(lt_recorder_origin(rec) > 0);
    mem_release(&m);
    lt_recorder_free(rec);
}

/* A put that fails stops the recorder, whose run returns that error. */
static void test_recorder_sink_fails(void **state)
{
    struct mem m = {0};
    struct lt_record_sink out = {&m, mem_put, NULL, NULL, NULL};
    struct lt_recorder *rec = new_recorder(0);
    int port = port_of(lt_recorder_url(rec));
    struct runner r;
    char resp[4096];

    (void)state;
    m.fail_at = 2;
    lt_recorder_source(&r.src, rec, 0);
    start(&r, &out);
    assert_int_equal(post(port, resp, sizeof(resp)), 202);
    assert_int_equal(post(port, resp, sizeof(resp)), 202);
    pthread_join(r.th, NULL);
    assert_int_equal(r.rc, LT_E_IO);
    assert_string_equal(r.err.msg, "cannot write 't.tape': No space left on device");
    assert_int_equal(m.n, 1);
    assert_int_equal(lt_recorder_stats(rec)->records, 1);
    mem_release(&m);
    lt_recorder_free(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collector_records),
        cmocka_unit_test(test_collector_sink_fails),
        cmocka_unit_test(test_recorder),
        cmocka_unit_test(test_recorder_sink_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
