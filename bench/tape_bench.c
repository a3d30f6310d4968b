/*
 * tape_bench.c - generates realistic analytics event records (or small ones)
 * and measures the tape writer and reader. Used by bench/tape.sh.
 *
 *   tape_bench write --kind realistic|small --count N --seed S --level L
 *                    -o TAPE [--jsonl FILE]
 *       generates N records, appends them to a tape (timed) and, with
 *       --jsonl, writes the same records as JSONL (DESIGN.md §3, untimed).
 *   tape_bench read TAPE
 *       reads every record (timed), touching every field.
 *
 * Each prints one line of key=value pairs. "Record data" is the bytes of
 * method, URL, header names and values and body of every record.
 */
#include "lt_formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 4096

/*
 * Timings are CPU time of this (single-threaded) process, system time
 * included: the machine the benchmarks run on is shared, and CPU time is
 * what "records per second on one core" means. Wall time is printed too.
 */
static int64_t cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct gen {
    struct lt_rng rng;
    int small;
    uint64_t ts, n;
    char body[4096], url[64], ua[256], ip[32], clen[16], reqid[40];
    struct lt_header h[8];
};

static const char *const events[] = {
    "Product Viewed",       "Product Added",    "Cart Viewed",
    "Checkout Started",     "Order Completed",  "Product Clicked",
    "Products Searched",    "Signed Up",        "Signed In",
    "Video Played",         "Video Paused",     "Coupon Applied",
    "Payment Info Entered", "Promotion Viewed", "Product Shared",
    "Wishlist Added",
};
static const char *const categories[] = {"Games", "Books", "Shoes",   "Garden",
                                         "Music", "Toys",  "Kitchen", "Outdoors"};
static const char *const agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "analytics-ios/4.1.8 (iPhone15,2; iOS 17.4.1)",
    "analytics-android/3.3.2 (Pixel 7; Android 14)",
};
static const char *const pages[] = {
    "/",         "/pricing", "/docs/getting-started", "/blog/launch", "/products/shoes", "/cart",
    "/checkout", "/account"};
static const char *const traits_plan[] = {"free", "pro", "team", "enterprise"};

/* Users with skewed activity: low ids are much more active. */
static uint64_t pick_user(struct gen *g)
{
    double u = lt_rng_double(&g->rng);
    return (uint64_t)(50000.0 * u * u * u);
}

static void uuid(struct gen *g, char *out)
{
    uint64_t a = lt_rng_next(&g->rng), b = lt_rng_next(&g->rng);
    snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 52) & 0xfff,
             (unsigned long long)(b & 0xffffffffffffULL));
}

static void iso_ms(uint64_t ts, char *out, size_t n)
{
    lt_format_iso8601((int64_t)(1767225600000000000ULL + ts), 3, out, n);
}

/* A Segment-style track / identify / page event. */
static size_t realistic_body(struct gen *g, uint64_t user, int agent)
{
    char mid[40], anon[40], when[40];
    unsigned kind = (unsigned)lt_rng_below(&g->rng, 10);
    size_t n = 0, cap = sizeof(g->body);
    const char *page = pages[user % 8];
    struct lt_rng ur;

    uuid(g, mid);
    lt_rng_seed(&ur, user * 7919 + 11); /* per-user stable ids */
    {
        uint64_t a = lt_rng_next(&ur), b = lt_rng_next(&ur);
        snprintf(anon, sizeof(anon), "%08x-%04x-4%03x-b%03x-%012llx", (unsigned)(a >> 32),
                 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 52) & 0xfff,
                 (unsigned long long)(b & 0xffffffffffffULL));
    }
    iso_ms(g->ts, when, sizeof(when));
    if (kind < 6) {
        unsigned ev = (unsigned)lt_rng_below(&g->rng, 16);
        n += (size_t)snprintf(
            g->body + n, cap - n,
            "{\"type\":\"track\",\"event\":\"%s\",\"userId\":\"user_%llu\","
            "\"anonymousId\":\"%s\",\"messageId\":\"%s\",\"timestamp\":\"%s\","
            "\"properties\":{\"product_id\":\"p%u\",\"sku\":\"SKU-%05u\","
            "\"category\":\"%s\",\"price\":%u.%02u,\"quantity\":%u,"
            "\"currency\":\"USD\"%s},",
            events[ev], (unsigned long long)user, anon, mid, when,
            (unsigned)lt_rng_below(&g->rng, 5000), (unsigned)lt_rng_below(&g->rng, 20000),
            categories[lt_rng_below(&g->rng, 8)], (unsigned)lt_rng_below(&g->rng, 300),
            (unsigned)lt_rng_below(&g->rng, 100), 1 + (unsigned)lt_rng_below(&g->rng, 3),
            ev == 4 ? ",\"revenue\":42.50,\"order_id\":\"o-7f3a\"" : "");
    } else if (kind < 9) {
        n += (size_t)snprintf(g->body + n, cap - n,
                              "{\"type\":\"identify\",\"userId\":\"user_%llu\",\"anonymousId\":"
                              "\"%s\",\"messageId\":\"%s\",\"timestamp\":\"%s\",\"traits\":{"
                              "\"email\":\"user%llu@example.com\",\"name\":\"User %llu\","
                              "\"plan\":\"%s\",\"logins\":%u,\"createdAt\":\"2025-%02u-%02uT10:"
                              "00:00Z\"},",
                              (unsigned long long)user, anon, mid, when, (unsigned long long)user,
                              (unsigned long long)user, traits_plan[user % 4],
                              (unsigned)lt_rng_below(&g->rng, 500), 1 + (unsigned)(user % 12),
                              1 + (unsigned)(user % 28));
    } else {
        n += (size_t)snprintf(g->body + n, cap - n,
                              "{\"type\":\"page\",\"userId\":\"user_%llu\",\"anonymousId\":\"%s\","
                              "\"messageId\":\"%s\",\"timestamp\":\"%s\",\"name\":\"%s\","
                              "\"properties\":{\"path\":\"%s\",\"title\":\"Example %s\","
                              "\"url\":\"https://www.example.com%s\"},",
                              (unsigned long long)user, anon, mid, when, page + 1, page, page + 1,
                              page);
    }
    n += (size_t)snprintf(
        g->body + n, cap - n,
        "\"context\":{\"library\":{\"name\":\"%s\",\"version\":\"%s\"},"
        "\"page\":{\"path\":\"%s\",\"referrer\":\"%s\",\"url\":\"https://"
        "www.example.com%s\"},\"userAgent\":\"%s\",\"ip\":\"%s\",\"locale\":"
        "\"%s\"},\"sentAt\":\"%s\"}",
        agent >= 5 ? (agent == 5 ? "analytics-ios" : "analytics-android") : "analytics.js",
        agent >= 5 ? "4.1.8" : "5.2.0", page, user % 3 ? "https://www.google.com/" : "", page,
        agents[agent], g->ip, user % 5 ? "en-US" : "de-DE", when);
    return n;
}

/* Record i: realistic events at ~2000/s (Poisson), or small ones at 10000/s. */
static void gen_next(struct gen *g, struct lt_record *r)
{
    uint64_t user = pick_user(g);
    int agent = (int)(user % 7);
    size_t nh = 0;

    memset(r, 0, sizeof(*r));
    if (g->small) {
        g->ts += 100000;
        r->body.len = (size_t)snprintf(g->body, sizeof(g->body),
                                       "{\"type\":\"track\",\"event\":\"%s\",\"userId\":\"u%llu\","
                                       "\"properties\":{\"value\":%u}}",
                                       events[lt_rng_below(&g->rng, 16)], (unsigned long long)user,
                                       (unsigned)lt_rng_below(&g->rng, 1000));
        snprintf(g->url, sizeof(g->url), "/collect/%s", user % 4 ? "web" : "ios");
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"Content-Type", 12},
                                        {(const uint8_t *)"application/json", 16}};
        snprintf(g->clen, sizeof(g->clen), "%zu", r->body.len);
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"Content-Length", 14},
                                        {(const uint8_t *)g->clen, strlen(g->clen)}};
    } else {
        g->ts += (uint64_t)lt_rng_exp(&g->rng, 500000.0);
        snprintf(g->ip, sizeof(g->ip), "%u.%u.%u.%u", 10 + (unsigned)(user % 200),
                 (unsigned)(user >> 8) & 255, (unsigned)user & 255, 1 + (unsigned)(user % 250));
        r->body.len = realistic_body(g, user, agent);
        snprintf(g->url, sizeof(g->url), "/collect/%s",
                 agent == 5   ? "ios"
                 : agent == 6 ? "android"
                              : "web");
        snprintf(g->clen, sizeof(g->clen), "%zu", r->body.len);
        uuid(g, g->reqid);
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"Host", 4},
                                        {(const uint8_t *)"collect.example.com", 19}};
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"User-Agent", 10},
                                        {(const uint8_t *)agents[agent], strlen(agents[agent])}};
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"Content-Type", 12},
                                        {(const uint8_t *)"application/json", 16}};
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"Content-Length", 14},
                                        {(const uint8_t *)g->clen, strlen(g->clen)}};
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"Accept-Encoding", 15},
                                        {(const uint8_t *)"gzip, deflate, br", 17}};
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"X-Forwarded-For", 15},
                                        {(const uint8_t *)g->ip, strlen(g->ip)}};
        g->h[nh++] = (struct lt_header){{(const uint8_t *)"X-Request-Id", 12},
                                        {(const uint8_t *)g->reqid, 36}};
        r->has_response = 1;
        r->status = lt_rng_below(&g->rng, 100) == 0 ? 503 : 202;
        r->resp_latency_ns = 300000 + (uint64_t)lt_rng_exp(&g->rng, 700000.0);
    }
    r->ts_ns = g->ts;
    r->session = user * 16 + (g->ts >> 38); /* a user's visits split into sessions */
    r->method = (struct lt_bytes){(const uint8_t *)"POST", 4};
    r->url = (struct lt_bytes){(const uint8_t *)g->url, strlen(g->url)};
    r->headers = g->h;
    r->nheaders = nh;
    r->body.p = (const uint8_t *)g->body;
    g->n++;
}

static size_t record_bytes(const struct lt_record *r)
{
    size_t n = r->method.len + r->url.len + r->body.len;

    for (size_t i = 0; i < r->nheaders; i++)
        n += r->headers[i].name.len + r->headers[i].value.len;
    return n;
}

static int cmd_write(int argc, char **argv)
{
    struct lt_tape_writer_opts o = {.origin_ns = 1767225600000000000ULL};
    const char *out = NULL, *jsonl = NULL, *kind = "realistic";
    uint64_t count = 1000000, seed = 1, bytes = 0;
    struct lt_recbuf *batch = calloc(BATCH, sizeof(*batch));
    struct lt_tape_writer *w;
    struct lt_err err = {0};
    struct lt_buf line;
    struct gen g;
    FILE *jf = NULL;
    int64_t t_total = 0, w_total = 0;

    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--kind"))
            kind = argv[i + 1];
        else if (!strcmp(argv[i], "--count"))
            count = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--level"))
            o.level = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--block-bytes"))
            o.block_bytes = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "-o"))
            out = argv[i + 1];
        else if (!strcmp(argv[i], "--jsonl"))
            jsonl = argv[i + 1];
    }
    if (!out || !batch)
        return 2;
    memset(&g, 0, sizeof(g));
    lt_rng_seed(&g.rng, seed);
    g.small = strcmp(kind, "small") == 0;
    lt_buf_init(&line, 0);
    if (jsonl && !(jf = fopen(jsonl, "w"))) {
        perror(jsonl);
        return 1;
    }
    w = lt_tape_writer_open(out, &o, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < BATCH; i++)
        lt_recbuf_init(&batch[i]);
    for (uint64_t done = 0; done < count;) {
        size_t n = count - done < BATCH ? (size_t)(count - done) : BATCH;
        int64_t t0, w0;
        for (size_t i = 0; i < n; i++) {
            struct lt_record r;
            gen_next(&g, &r);
            lt_recbuf_set(&batch[i], &r);
            bytes += record_bytes(&r);
            if (jf) {
                lt_buf_reset(&line);
                lt_jsonl_write(&line, &r);
                fwrite(line.data, 1, line.len, jf);
            }
        }
        t0 = cpu_ns();
        w0 = lt_mono_ns();
        for (size_t i = 0; i < n; i++)
            if (lt_tape_writer_append(w, &batch[i].rec, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
        t_total += cpu_ns() - t0;
        w_total += lt_mono_ns() - w0;
        done += n;
    }
    {
        int64_t t0 = cpu_ns(), w0 = lt_mono_ns();
        if (lt_tape_writer_close(w, NULL, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        t_total += cpu_ns() - t0;
        w_total += lt_mono_ns() - w0;
    }
    if (jf)
        fclose(jf);
    printf("records=%llu data_bytes=%llu write_cpu_s=%.3f write_wall_s=%.3f write_rps=%.0f "
           "write_mbps=%.1f\n",
           (unsigned long long)count, (unsigned long long)bytes, t_total / 1e9, w_total / 1e9,
           count / (t_total / 1e9), bytes / 1e6 / (t_total / 1e9));
    for (size_t i = 0; i < BATCH; i++)
        lt_recbuf_release(&batch[i]);
    free(batch);
    lt_buf_release(&line);
    return 0;
}

static int cmd_read(const char *path)
{
    struct lt_err err = {0};
    struct lt_tape_reader *r;
    struct lt_record rec;
    uint64_t n = 0, bytes = 0, check = 0;
    int64_t t0 = cpu_ns(), w0 = lt_mono_ns(), t, wt;
    int rc;

    r = lt_tape_reader_open(path, &err);
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    while ((rc = lt_tape_reader_next(r, &rec, &err)) == 1) {
        n++;
        bytes += record_bytes(&rec);
        check += rec.ts_ns ^ rec.session ^ rec.status;
        if (rec.body.len)
            check += rec.body.p[rec.body.len - 1];
    }
    t = cpu_ns() - t0;
    wt = lt_mono_ns() - w0;
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("records=%llu data_bytes=%llu read_cpu_s=%.3f read_wall_s=%.3f read_rps=%.0f "
           "read_mbps=%.1f reader_mem=%zu check=%llu\n",
           (unsigned long long)n, (unsigned long long)bytes, t / 1e9, wt / 1e9, n / (t / 1e9),
           bytes / 1e6 / (t / 1e9), lt_tape_reader_memory(r), (unsigned long long)(check & 0xffff));
    lt_tape_reader_free(r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "write") == 0)
        return cmd_write(argc, argv);
    if (argc == 3 && strcmp(argv[1], "read") == 0)
        return cmd_read(argv[2]);
    fprintf(stderr, "usage: tape_bench write --kind realistic|small --count N --seed S "
                    "--level L -o TAPE [--jsonl FILE]\n       tape_bench read TAPE\n");
    return 2;
}
