/*
 * tape_stats.c - what `inspect` shows about a tape, accumulated record by
 * record in bounded memory: counts, time span and peak second, distinct
 * sessions (exact up to a cap, then a HyperLogLog estimate), methods, top
 * URL paths and streams (space-saving counters: exact while the distinct
 * values fit), body size percentiles (exact below 1 KiB, within 1% above),
 * flags and response statuses.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESS_EXACT_MAX ((size_t)1 << 18)
#define HLL_BITS 12
#define HLL_M (1u << HLL_BITS)
#define NMETHODS 32
#define METHOD_LEN 24
#define TOPK_URLS 1024
#define TOPK_STREAMS 256
#define TOPK_KEY_MAX 256
#define TOP_SHOWN 10
#define HIST_EXACT 1024
#define HIST_SUB 128
#define HIST_N (HIST_EXACT + 54 * HIST_SUB)
#define NSTATUS 1000
#define NFLAGS 5

/* Space-saving top-k: a min-heap on counts and hash chains for lookup. */
struct topk_ent {
    uint64_t hash, count;
    int next, pos;
    uint16_t len;
    char key[TOPK_KEY_MAX];
};

struct topk {
    int k, n;
    struct topk_ent *e;
    int *heap;
    int *head; /* 2k chains, -1 = empty */
};

struct lt_tape_stats {
    uint64_t records, first_ts, last_ts;
    uint64_t cur_sec, cur_count, peak_sec, peak_count;
    /* sessions */
    uint64_t *sess;
    size_t sess_slots, sess_n;
    int sess_zero, sess_over;
    uint8_t hll[HLL_M];
    /* methods */
    struct {
        char name[METHOD_LEN];
        size_t len;
        uint64_t n;
    } methods[NMETHODS];
    int nmethods;
    uint64_t method_other;
    struct topk urls, streams;
    uint64_t body_total, body_min, body_max;
    uint64_t hist[HIST_N];
    uint64_t flags[NFLAGS];
    uint64_t with_response;
    uint64_t status[NSTATUS];
};

static uint64_t hash_bytes(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return lt_splitmix64(h);
}

static int topk_init(struct topk *t, int k)
{
    t->k = k;
    t->n = 0;
    t->e = calloc((size_t)k, sizeof(*t->e));
    t->heap = calloc((size_t)k, sizeof(*t->heap));
    t->head = malloc(2 * (size_t)k * sizeof(*t->head));
    if (!t->e || !t->heap || !t->head)
        return -1;
    for (int i = 0; i < 2 * k; i++)
        t->head[i] = -1;
    return 0;
}

static void topk_release(struct topk *t)
{
    free(t->e);
    free(t->heap);
    free(t->head);
}

static void heap_swap(struct topk *t, int a, int b)
{
    int x = t->heap[a];

    t->heap[a] = t->heap[b];
    t->heap[b] = x;
    t->e[t->heap[a]].pos = a;
    t->e[t->heap[b]].pos = b;
}

static void sift_down(struct topk *t, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && t->e[t->heap[l]].count < t->e[t->heap[m]].count)
            m = l;
        if (r < t->n && t->e[t->heap[r]].count < t->e[t->heap[m]].count)
            m = r;
        if (m == i)
            return;
        heap_swap(t, i, m);
        i = m;
    }
}

static void sift_up(struct topk *t, int i)
{
    while (i > 0 && t->e[t->heap[(i - 1) / 2]].count > t->e[t->heap[i]].count) {
        heap_swap(t, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void chain_unlink(struct topk *t, int idx)
{
    int *pp = &t->head[t->e[idx].hash & (uint64_t)(2 * t->k - 1)];

    while (*pp != idx)
        pp = &t->e[*pp].next;
    *pp = t->e[idx].next;
}

static void topk_add(struct topk *t, const uint8_t *key, size_t len)
{
    uint64_t h, old = 0;
    int b, idx;

    if (!t->e)
        return;
    if (len > TOPK_KEY_MAX)
        len = TOPK_KEY_MAX;
    h = hash_bytes(key, len);
    b = (int)(h & (uint64_t)(2 * t->k - 1));
    for (idx = t->head[b]; idx >= 0; idx = t->e[idx].next) {
        struct topk_ent *e = &t->e[idx];
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) {
            e->count++;
            sift_down(t, e->pos);
            return;
        }
    }
    if (t->n < t->k) {
        idx = t->n++;
        t->heap[idx] = idx;
        t->e[idx].pos = idx;
    } else {
        /* Replace the least counted entry, inheriting its count. */
        idx = t->heap[0];
        old = t->e[idx].count;
        chain_unlink(t, idx);
    }
    t->e[idx].hash = h;
    t->e[idx].count = old + 1;
    t->e[idx].len = (uint16_t)len;
    memcpy(t->e[idx].key, key, len);
    t->e[idx].next = t->head[b];
    t->head[b] = idx;
    if (old)
        sift_down(t, t->e[idx].pos);
    else
        sift_up(t, t->e[idx].pos);
}

struct lt_tape_stats *lt_tape_stats_new(void)
{
    struct lt_tape_stats *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->sess_slots = 1024;
    s->sess = calloc(s->sess_slots, sizeof(*s->sess));
    if (!s->sess || topk_init(&s->urls, TOPK_URLS) || topk_init(&s->streams, TOPK_STREAMS)) {
        lt_tape_stats_free(s);
        return NULL;
    }
    return s;
}

void lt_tape_stats_free(struct lt_tape_stats *s)
{
    if (!s)
        return;
    free(s->sess);
    topk_release(&s->urls);
    topk_release(&s->streams);
    free(s);
}

static void sess_insert(uint64_t *slots, size_t nslots, uint64_t v, size_t *n)
{
    size_t i = lt_splitmix64(v) & (nslots - 1);

    while (slots[i]) {
        if (slots[i] == v)
            return;
        i = (i + 1) & (nslots - 1);
    }
    slots[i] = v;
    (*n)++;
}

static void add_session(struct lt_tape_stats *s, uint64_t v)
{
    uint64_t h = lt_splitmix64(v ^ 0x5bd1e9955bd1e995ULL);
    unsigned j = (unsigned)(h >> (64 - HLL_BITS));
    uint64_t rest = h << HLL_BITS;
    uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - HLL_BITS + 1);

    if (rank > s->hll[j])
        s->hll[j] = rank;
    if (s->sess_over)
        return;
    if (v == 0) {
        s->sess_zero = 1;
        return;
    }
    if (s->sess_n + 1 > s->sess_slots / 2) {
        size_t ns = s->sess_slots * 2, n = 0;
        uint64_t *t = s->sess_n >= SESS_EXACT_MAX ? NULL : calloc(ns, sizeof(*t));
        if (!t) {
            /* Past the cap (or out of memory): the estimate takes over. */
            s->sess_over = 1;
            free(s->sess);
            s->sess = NULL;
            return;
        }
        for (size_t i = 0; i < s->sess_slots; i++)
            if (s->sess[i])
                sess_insert(t, ns, s->sess[i], &n);
        free(s->sess);
        s->sess = t;
        s->sess_slots = ns;
    }
    sess_insert(s->sess, s->sess_slots, v, &s->sess_n);
}

static uint64_t hll_estimate(const struct lt_tape_stats *s)
{
    double m = HLL_M, sum = 0, e;
    unsigned zeros = 0;

    for (unsigned j = 0; j < HLL_M; j++) {
        sum += ldexp(1.0, -(int)s->hll[j]);
        zeros += s->hll[j] == 0;
    }
    e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (e <= 2.5 * m && zeros)
        e = m * log(m / zeros);
    return (uint64_t)(e + 0.5);
}

static void add_method(struct lt_tape_stats *s, struct lt_bytes m)
{
    for (int i = 0; i < s->nmethods; i++)
        if (s->methods[i].len == m.len && memcmp(s->methods[i].name, m.p, m.len) == 0) {
            s->methods[i].n++;
            return;
        }
    if (s->nmethods == NMETHODS || m.len >= METHOD_LEN) {
        s->method_other++;
        return;
    }
    memcpy(s->methods[s->nmethods].name, m.p, m.len);
    s->methods[s->nmethods].name[m.len] = '\0';
    s->methods[s->nmethods].len = m.len;
    s->methods[s->nmethods].n = 1;
    s->nmethods++;
}

static size_t hist_bucket(uint64_t v)
{
    int e;

    if (v < HIST_EXACT)
        return (size_t)v;
    e = 63 - __builtin_clzll(v);
    return HIST_EXACT + (size_t)(e - 10) * HIST_SUB + ((v >> (e - 7)) & (HIST_SUB - 1));
}

static uint64_t hist_value(size_t b)
{
    size_t e, sub;

    if (b < HIST_EXACT)
        return b;
    e = (b - HIST_EXACT) / HIST_SUB + 10;
    sub = (b - HIST_EXACT) % HIST_SUB;
    return (uint64_t)(HIST_SUB + sub) << (e - 7);
}

/* The path of a URL (before '?'), and for /collect/{stream} the stream. */
static void add_url(struct lt_tape_stats *s, struct lt_bytes u)
{
    const uint8_t *q = memchr(u.p, '?', u.len);
    size_t plen = q ? (size_t)(q - u.p) : u.len;
    static const char pre[] = "/collect/";

    topk_add(&s->urls, u.p, plen);
    if (plen > sizeof(pre) - 1 && memcmp(u.p, pre, sizeof(pre) - 1) == 0) {
        const uint8_t *st = u.p + sizeof(pre) - 1;
        const uint8_t *sl = memchr(st, '/', plen - (sizeof(pre) - 1));
        size_t slen = sl ? (size_t)(sl - st) : plen - (sizeof(pre) - 1);
        if (slen)
            topk_add(&s->streams, st, slen);
    }
}

void lt_tape_stats_add(struct lt_tape_stats *s, const struct lt_record *r)
{
    uint64_t sec = r->ts_ns / 1000000000u;

    if (s->records == 0) {
        s->first_ts = r->ts_ns;
        s->body_min = r->body.len;
        s->cur_sec = sec;
    }
    s->records++;
    s->last_ts = r->ts_ns;
    if (sec != s->cur_sec) {
        s->cur_sec = sec;
        s->cur_count = 0;
    }
    if (++s->cur_count > s->peak_count) {
        s->peak_count = s->cur_count;
        s->peak_sec = sec;
    }
    add_session(s, r->session);
    add_method(s, r->method.p ? r->method : (struct lt_bytes){(const uint8_t *)"", 0});
    add_url(s, r->url.p ? r->url : (struct lt_bytes){(const uint8_t *)"", 0});
    s->body_total += r->body.len;
    if (r->body.len < s->body_min)
        s->body_min = r->body.len;
    if (r->body.len > s->body_max)
        s->body_max = r->body.len;
    s->hist[hist_bucket(r->body.len)]++;
    for (int i = 0; i < NFLAGS; i++)
        if (r->flags & (1u << i))
            s->flags[i]++;
    if (r->has_response) {
        s->with_response++;
        s->status[r->status < NSTATUS ? r->status : 0]++;
    }
}

/* The smallest value with at least p% of the records at or below it. */
static uint64_t percentile(const struct lt_tape_stats *s, double p)
{
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)s->records), acc = 0, v;

    if (rank < 1)
        rank = 1;
    for (size_t b = 0; b < HIST_N; b++) {
        acc += s->hist[b];
        if (acc >= rank) {
            v = hist_value(b);
            return v < s->body_min ? s->body_min : v > s->body_max ? s->body_max : v;
        }
    }
    return s->body_max;
}

static int cmp_ent(const void *a, const void *b)
{
    const struct topk_ent *x = *(const struct topk_ent *const *)a;
    const struct topk_ent *y = *(const struct topk_ent *const *)b;
    int c;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (int)x->len - (int)y->len;
}

static cJSON *top_json(const struct topk *t)
{
    cJSON *arr = cJSON_CreateArray();
    const struct topk_ent **v = t->n ? malloc((size_t)t->n * sizeof(*v)) : NULL;

    if (!arr || !v) {
        free(v);
        return arr;
    }
    for (int i = 0; i < t->n; i++)
        v[i] = &t->e[i];
    qsort(v, (size_t)t->n, sizeof(*v), cmp_ent);
    for (int i = 0; i < t->n && i < TOP_SHOWN; i++) {
        cJSON *pair = cJSON_CreateArray();
        char key[TOPK_KEY_MAX + 1];
        memcpy(key, v[i]->key, v[i]->len);
        key[v[i]->len] = '\0';
        /* Keys are bytes from the wire: keep them valid JSON strings. */
        for (size_t j = 0; j < v[i]->len; j++)
            if ((unsigned char)key[j] < 0x20 || (unsigned char)key[j] >= 0x7f)
                key[j] = '?';
        cJSON_AddItemToArray(pair, cJSON_CreateString(key));
        cJSON_AddItemToArray(pair, lt_json_u64(v[i]->count));
        cJSON_AddItemToArray(arr, pair);
    }
    free(v);
    return arr;
}

cJSON *lt_tape_stats_json(const struct lt_tape_stats *s)
{
    cJSON *o = cJSON_CreateObject(), *m, *b, *f, *st;
    uint64_t sessions;

    if (!o)
        return NULL;
    cJSON_AddItemToObject(o, "records", lt_json_u64(s->records));
    cJSON_AddItemToObject(o, "first_ts_ns", lt_json_u64(s->first_ts));
    cJSON_AddItemToObject(o, "last_ts_ns", lt_json_u64(s->last_ts));
    cJSON_AddItemToObject(o, "peak_rps", lt_json_u64(s->peak_count));
    cJSON_AddItemToObject(o, "peak_second", lt_json_u64(s->peak_sec));
    sessions = s->sess_over ? hll_estimate(s) : s->sess_n + (uint64_t)s->sess_zero;
    cJSON_AddItemToObject(o, "sessions", lt_json_u64(sessions));
    cJSON_AddBoolToObject(o, "sessions_exact", !s->sess_over);
    m = cJSON_AddObjectToObject(o, "methods");
    for (int i = 0; m && i < s->nmethods; i++) {
        char name[METHOD_LEN];
        memcpy(name, s->methods[i].name, METHOD_LEN);
        for (size_t j = 0; j < s->methods[i].len; j++)
            if ((unsigned char)name[j] < 0x20 || (unsigned char)name[j] >= 0x7f)
                name[j] = '?';
        cJSON_AddItemToObject(m, name, lt_json_u64(s->methods[i].n));
    }
    if (m && s->method_other)
        cJSON_AddItemToObject(m, "other", lt_json_u64(s->method_other));
    cJSON_AddItemToObject(o, "top_urls", top_json(&s->urls));
    cJSON_AddItemToObject(o, "top_streams", top_json(&s->streams));
    b = cJSON_AddObjectToObject(o, "body_bytes");
    if (b) {
        cJSON_AddItemToObject(b, "total", lt_json_u64(s->body_total));
        cJSON_AddItemToObject(b, "min", lt_json_u64(s->body_min));
        cJSON_AddItemToObject(b, "p50", lt_json_u64(s->records ? percentile(s, 50) : 0));
        cJSON_AddItemToObject(b, "p90", lt_json_u64(s->records ? percentile(s, 90) : 0));
        cJSON_AddItemToObject(b, "p99", lt_json_u64(s->records ? percentile(s, 99) : 0));
        cJSON_AddItemToObject(b, "max", lt_json_u64(s->body_max));
    }
    f = cJSON_AddObjectToObject(o, "flags");
    for (int i = 0; f && i < NFLAGS; i++)
        if (s->flags[i])
            cJSON_AddItemToObject(f, lt_record_flag_name(1u << i), lt_json_u64(s->flags[i]));
    cJSON_AddItemToObject(o, "with_response", lt_json_u64(s->with_response));
    st = cJSON_AddObjectToObject(o, "status");
    for (int i = 0; st && i < NSTATUS; i++)
        if (s->status[i]) {
            char k[8];
            snprintf(k, sizeof(k), "%d", i);
            cJSON_AddItemToObject(st, k, lt_json_u64(s->status[i]));
        }
    return o;
}

static int stats_put(void *ctx, const struct lt_record *rec, struct lt_err *err)
{
    (void)err;
    lt_tape_stats_add(ctx, rec);
    return 0;
}

void lt_tape_stats_sink(struct lt_record_sink *out, struct lt_tape_stats *s)
{
    memset(out, 0, sizeof(*out));
    out->ctx = s;
    out->put = stats_put;
}
