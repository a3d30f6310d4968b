/*
 * http_parse.c - parsing speed of loadtape's HTTP/1.x parser against
 * Debian's http-parser (nodejs/http-parser 2.9) on the same bytes: a stream
 * of pipelined event POSTs (keep-alive, ~9 headers, a JSON body), fed in
 * 16 KiB pieces as a socket read would deliver them. Built and run by
 * bench/http_parse.sh. Both parsers count messages and body bytes; loadtape's
 * also hands out every header (http-parser only calls back).
 */
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_formats.h"

#define CHUNK 16384
#define PAIRS 7

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of PAIRS values (sorts a copy). */
static double median(const double *v)
{
    double c[PAIRS];
    memcpy(c, v, sizeof(c));
    qsort(c, PAIRS, sizeof(c[0]), cmp_double);
    return c[PAIRS / 2];
}

static size_t hp_msgs, hp_body;

static int on_body(http_parser *p, const char *at, size_t n)
{
    (void)p;
    (void)at;
    hp_body += n;
    return 0;
}

static int on_done(http_parser *p)
{
    (void)p;
    hp_msgs++;
    return 0;
}

static double run_hp(const uint8_t *buf, size_t n, int rounds)
{
    http_parser_settings st;
    int64_t t0 = lt_mono_ns();

    memset(&st, 0, sizeof(st));
    st.on_body = on_body;
    st.on_message_complete = on_done;
    for (int r = 0; r < rounds; r++) {
        http_parser p;
        http_parser_init(&p, HTTP_REQUEST);
        for (size_t off = 0; off < n; off += CHUNK) {
            size_t len = n - off < CHUNK ? n - off : CHUNK;
            if (http_parser_execute(&p, &st, (const char *)buf + off, len) != len) {
                fprintf(stderr, "http-parser: %s\n", http_errno_name(HTTP_PARSER_ERRNO(&p)));
                exit(1);
            }
        }
    }
    return (double)(lt_mono_ns() - t0) / 1e9;
}

static size_t lt_msgs, lt_body, lt_hdrs;

static double run_lt(const uint8_t *buf, size_t n, int rounds)
{
    int64_t t0 = lt_mono_ns();

    for (int r = 0; r < rounds; r++) {
        struct lt_http_parser p;
        struct lt_http_msg m;
        struct lt_err err;
        lt_http_parser_init(&p, LT_HTTP_REQUEST, NULL);
        for (size_t off = 0; off < n; off += CHUNK) {
            size_t len = n - off < CHUNK ? n - off : CHUNK, pos = 0, used;
            while (pos < len) {
                int rc = lt_http_parser_feed(&p, buf + off + pos, len - pos, &used, &m, &err);
                pos += used;
                if (rc < 0) {
                    fprintf(stderr, "loadtape: %s\n", err.msg);
                    exit(1);
                }
                if (rc == LT_HTTP_MESSAGE) {
                    lt_msgs++;
                    lt_body += m.body.len;
                    lt_hdrs += m.nheaders;
                }
            }
        }
        lt_http_parser_release(&p);
    }
    return (double)(lt_mono_ns() - t0) / 1e9;
}

int main(int argc, char **argv)
{
    size_t nreq = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    struct lt_buf b;
    double hp_t[PAIRS], lt_t[PAIRS], ratio[PAIRS];

    lt_buf_init(&b, 0);
    for (size_t i = 0; i < nreq; i++) {
        char body[512];
        int bl =
            snprintf(body, sizeof(body),
                     "{\"type\":\"track\",\"event\":\"Product Viewed\",\"userId\":\"user-%zu\","
                     "\"messageId\":\"m-%zu\",\"properties\":{\"sku\":\"SKU-%zu\",\"price\":%zu."
                     "99},\"context\":{\"library\":{\"name\":\"analytics.js\"}}}",
                     i % 5000, i, i % 977, i % 300);
        lt_buf_printf(&b,
                      "POST /collect/web HTTP/1.1\r\nHost: collect.example.com\r\n"
                      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0\r\n"
                      "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\n"
                      "Content-Type: application/json\r\nOrigin: https://www.example.com\r\n"
                      "X-Request-Id: %zu\r\nConnection: keep-alive\r\nContent-Length: %d\r\n\r\n%s",
                      i, bl, body);
    }
    /*
     * PAIRS alternating runs of `rounds` passes each; medians of the times
     * and of the per-pair ratios (a shared machine makes single runs vary).
     */
    for (int k = 0; k < PAIRS; k++) {
        hp_t[k] = run_hp(b.data, b.len, rounds);
        lt_t[k] = run_lt(b.data, b.len, rounds);
        ratio[k] = hp_t[k] / lt_t[k];
    }
    if (hp_msgs != lt_msgs || hp_body != lt_body || lt_msgs != nreq * (size_t)rounds * PAIRS) {
        fprintf(stderr, "parsers disagree: %zu/%zu messages, %zu/%zu body bytes\n", hp_msgs,
                lt_msgs, hp_body, lt_body);
        return 1;
    }
    double mb = (double)b.len * rounds / 1e6, mh = median(hp_t), ml = median(lt_t);
    printf("%zu requests, %.1f MB a pass, %d passes a run, fed in %d-byte pieces; medians of %d "
           "alternating runs\n",
           nreq, (double)b.len / 1e6, rounds, CHUNK, PAIRS);
    printf("%-28s %10s %12s %8s\n", "parser", "MB/s", "requests/s", "ratio");
    printf("%-28s %10.0f %12.0f %8.2f\n", "http-parser 2.9 (Debian)", mb / mh,
           (double)nreq * rounds / mh, 1.0);
    printf("%-28s %10.0f %12.0f %8.2f\n", "loadtape lt_http_parser", mb / ml,
           (double)nreq * rounds / ml, median(ratio));
    lt_buf_release(&b);
    return 0;
}
