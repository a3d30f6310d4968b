/*
 * test_synth_events.c - what synthetic events look like: every body judged
 * by the sink's own validation rules, the exact mix and error share per
 * seed, unique messageIds, timestamps that match the record's time,
 * sessions of one visitor, Zipf-skewed users, SDK headers, and body sizes
 * on target.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lt_synth.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000LL

static struct lt_synth *start(const char *name, uint64_t seed, uint64_t count,
                              struct lt_synth_config *c)
{
    struct lt_err err;
    struct lt_synth *s;

    assert_int_equal(lt_synth_builtin(name, c, &err), 0);
    c->seed = seed;
    c->duration_ns = 0;
    c->count = count;
    s = lt_synth_new(c, &err);
    assert_non_null(s);
    return s;
}

static const char *header(const struct lt_record *r, const char *name, size_t *len)
{
    const struct lt_header *h = lt_record_header(r, name);

    if (!h)
        return NULL;
    *len = h->value.len;
    return (const char *)h->value.p;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* realistic: 60/30/10 within 1% over 100k, for several seeds; every body valid. */
static void test_realistic_mix_and_validity(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct lt_synth_config c;
        struct lt_synth *s = start("realistic", seed, 100000, &c);
        struct lt_record r;
        struct lt_err err;
        uint64_t n = 0, by[8] = {0}, tracks = 0, anon_tracks = 0;

        while (lt_synth_next(s, &r, &err) == 1) {
            struct lt_event_verdict v;
            const char *b = (const char *)r.body.p;
            /* every body of the first seed through the sink's rules */
            if (seed == 1)
                assert_int_equal(lt_event_validate(r.body.p, r.body.len, &v), LT_EV_OK);
            assert_int_equal(r.flags, 0);
            /* bodies start with the type */
            if (strncmp(b, "{\"type\":\"track\"", 15) == 0) {
                by[0]++;
                tracks++;
                if (!memmem(b, r.body.len, "\"userId\"", 8))
                    anon_tracks++;
            } else if (strncmp(b, "{\"type\":\"identify\"", 18) == 0) {
                by[1]++;
            } else if (strncmp(b, "{\"type\":\"page\"", 14) == 0) {
                by[2]++;
            } else {
                fail_msg("unexpected type in %.40s", b);
            }
            n++;
        }
        assert_int_equal(n, 100000);
        assert_true(fabs((double)by[0] / n - 0.60) < 0.01);
        assert_true(fabs((double)by[1] / n - 0.30) < 0.01);
        assert_true(fabs((double)by[2] / n - 0.10) < 0.01);
        /* identify comes before track: few tracks are from unknown visitors */
        assert_true((double)anon_tracks / (double)tracks < 0.05);
        lt_synth_free(s);
    }
}

/* The fields of the Segment spec, and how they vary. */
static void test_realistic_fields(void **state)
{
    struct lt_synth_config c;
    struct lt_synth *s = start("realistic", 7, 20000, &c);
    struct lt_record r;
    struct lt_err err;
    uint64_t *ids = calloc(20000, sizeof(*ids)), n = 0;
    uint64_t *anon = calloc(40000, sizeof(*anon)); /* by session id */
    uint64_t nsess_seen = 0, multi = 0, names = 0;
    uint32_t *per_session = calloc(40000, sizeof(*per_session));

    (void)state;
    c.origin_ns = 1767225600000000000ULL;
    while (lt_synth_next(s, &r, &err) == 1) {
        cJSON *ev = cJSON_ParseWithLength((const char *)r.body.p, r.body.len);
        const cJSON *mid, *ts, *ctx, *page, *lib, *type, *aid;
        char want[40], clen[24];
        size_t hl = 0;
        const char *hv;
        int64_t t;

        assert_non_null(ev);
        type = cJSON_GetObjectItem(ev, "type");
        mid = cJSON_GetObjectItem(ev, "messageId");
        ts = cJSON_GetObjectItem(ev, "timestamp");
        ctx = cJSON_GetObjectItem(ev, "context");
        aid = cJSON_GetObjectItem(ev, "anonymousId");
        assert_true(cJSON_IsString(mid) && cJSON_IsString(ts) && cJSON_IsObject(ctx));
        assert_true(cJSON_IsString(aid));
        {
            /* the first 64 bits of the UUID-shaped id */
            uint64_t v = 0;
            for (const char *q = mid->valuestring; *q && q < mid->valuestring + 19; q++)
                if (*q != '-')
                    v = v << 4 | (uint64_t)(*q <= '9' ? *q - '0' : *q - 'a' + 10);
            ids[n] = v;
        }
        /* timestamp = origin + ts_ns, to the millisecond */
        assert_int_equal(lt_parse_iso8601(ts->valuestring, &t, &err), 0);
        assert_true(t <= (int64_t)(c.origin_ns + r.ts_ns) &&
                    (int64_t)(c.origin_ns + r.ts_ns) - t < 1000000);
        lt_format_iso8601((int64_t)(c.origin_ns + r.ts_ns), 3, want, sizeof(want));
        assert_string_equal(ts->valuestring, want);
        lib = cJSON_GetObjectItem(ctx, "library");
        page = cJSON_GetObjectItem(ctx, "page");
        assert_true(cJSON_IsString(cJSON_GetObjectItem(lib, "name")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(lib, "version")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(page, "path")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(page, "url")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(page, "referrer")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(page, "title")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(ctx, "userAgent")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(ctx, "ip")));
        if (strcmp(type->valuestring, "identify") == 0) {
            assert_true(cJSON_IsObject(cJSON_GetObjectItem(ev, "traits")));
            assert_true(cJSON_IsString(cJSON_GetObjectItem(ev, "userId")));
        } else {
            assert_true(cJSON_IsObject(cJSON_GetObjectItem(ev, "properties")));
        }
        if (strcmp(type->valuestring, "track") == 0 &&
            strcmp(cJSON_GetObjectItem(ev, "event")->valuestring, "Order Completed") == 0)
            names++;
        /* headers an SDK sends; Content-Length matches */
        hv = header(&r, "Content-Type", &hl);
        assert_non_null(hv);
        assert_true(hl == 16 && memcmp(hv, "application/json", 16) == 0);
        hv = header(&r, "Content-Length", &hl);
        assert_non_null(hv);
        snprintf(clen, sizeof(clen), "%zu", r.body.len);
        assert_true(hl == strlen(clen) && memcmp(hv, clen, hl) == 0);
        hv = header(&r, "User-Agent", &hl);
        assert_non_null(hv);
        assert_true(hl == strlen(cJSON_GetObjectItem(ctx, "userAgent")->valuestring) &&
                    memcmp(hv, cJSON_GetObjectItem(ctx, "userAgent")->valuestring, hl) == 0);
        /* url is /collect/{stream} of one of the scenario's streams */
        assert_true(r.url.len > 9 && memcmp(r.url.p, "/collect/", 9) == 0);
        assert_true(r.method.len == 4 && memcmp(r.method.p, "POST", 4) == 0);
        /* a session is one visitor (one device: one anonymousId) */
        assert_true(r.session > 0 && r.session < 40000);
        {
            uint64_t h = lt_crc32c(0, aid->valuestring, strlen(aid->valuestring)) | 1ULL << 40;
            if (!anon[r.session]) {
                anon[r.session] = h;
                nsess_seen++;
            } else {
                assert_true(anon[r.session] == h);
            }
            if (++per_session[r.session] == 2)
                multi++;
        }
        cJSON_Delete(ev);
        n++;
    }
    /* messageIds unique */
    qsort(ids, n, sizeof(*ids), cmp_u64);
    for (uint64_t i = 1; i < n; i++)
        assert_true(ids[i] != ids[i - 1]);
    /* sessions group several events; events vary (not one template) */
    assert_true(nsess_seen > 500 && nsess_seen < n / 2);
    assert_true(multi > nsess_seen / 2);
    assert_true(names > 50);
    free(ids);
    free(anon);
    free(per_session);
    lt_synth_free(s);
}

/* A few users send much of the traffic (Zipf), unlike a uniform draw. */
static void test_users_zipf(void **state)
{
    struct lt_synth_config c;
    struct lt_synth *s = start("baseline", 3, 100000, &c);
    struct lt_record r;
    struct lt_err err;
    uint64_t *u = malloc(100000 * sizeof(*u)), n = 0, *counts, nu = 0, top = 0;

    (void)state;
    while (lt_synth_next(s, &r, &err) == 1) {
        const char *b = (const char *)r.body.p, *p = strstr(b, "\"userId\":\"");
        assert_non_null(p);
        u[n++] = lt_crc32c(0, p, (size_t)(strchr(p + 10, '"') - p));
    }
    qsort(u, n, sizeof(*u), cmp_u64);
    counts = calloc(n, sizeof(*counts));
    for (uint64_t i = 0; i < n; i++) {
        if (i == 0 || u[i] != u[i - 1])
            nu++;
        counts[nu - 1]++;
    }
    qsort(counts, nu, sizeof(*counts), cmp_u64);
    /* the top 1% of 1000 users: far more than 1% of the events */
    for (uint64_t i = nu - nu / 100; i < nu; i++)
        top += counts[i];
    assert_true(nu > 300 && nu <= 1000);
    assert_true((double)top / (double)n > 0.15);
    free(u);
    free(counts);
    lt_synth_free(s);
}

/* errors: 10% invalid per seed (9-11% over 100k), each of the kind its header names. */
static void test_errors_share_and_kinds(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct lt_synth_config c;
        struct lt_synth *s = start("errors", seed, 100000, &c);
        struct lt_record r;
        struct lt_err err;
        uint64_t n = 0, invalid = 0, kinds[LT_EV_REASON_COUNT] = {0};

        while (lt_synth_next(s, &r, &err) == 1) {
            struct lt_event_verdict v;
            size_t hl = 0;
            const char *hv = header(&r, "X-Loadtape-Invalid", &hl);
            enum lt_event_reason why = LT_EV_OK;
            /* all bodies of the first seed, the invalid ones of the others */
            if (seed == 1 || hv)
                why = lt_event_validate(r.body.p, r.body.len, &v);
            char name[40];
            if (hv) {
                assert_true(r.flags & LT_RF_INVALID);
                assert_true(hl < sizeof(name));
                memcpy(name, hv, hl);
                name[hl] = '\0';
                /* the sink rejects it for the reason the header names */
                assert_string_equal(lt_event_reason_name(why), name);
                kinds[why]++;
                invalid++;
            } else {
                assert_int_equal(r.flags & LT_RF_INVALID, 0);
                assert_int_equal(why, LT_EV_OK);
            }
            n++;
        }
        assert_int_equal(n, 100000);
        assert_true(invalid >= 9000 && invalid <= 11000);
        /* and exactly 10 in every 100, so 10% to the event */
        assert_int_equal(invalid, 10000);
        assert_true(kinds[LT_EV_MALFORMED_JSON] > 1500);
        assert_true(kinds[LT_EV_MISSING_TYPE] > 1500);
        assert_true(kinds[LT_EV_UNKNOWN_TYPE] > 1500);
        assert_true(kinds[LT_EV_TRACK_WITHOUT_EVENT] > 1500);
        assert_true(kinds[LT_EV_WRONG_FIELD_TYPE] > 1500);
        lt_synth_free(s);
    }
}

/* The invalid names synth uses are the sink's reason names. */
static void test_invalid_names_match_sink(void **state)
{
    (void)state;
    for (int k = 0; k < LT_SYNTH_NINVALID; k++)
        assert_true(lt_event_reason_from_name(lt_synth_invalid_name(k)) > 0);
}

/* payload: valid JSON spread log-uniformly over 50 B .. 50 KB. */
static void test_payload_sizes(void **state)
{
    struct lt_synth_config c;
    struct lt_synth *s = start("payload", 5, 20000, &c);
    struct lt_record r;
    struct lt_err err;
    uint64_t n = 0, below500 = 0, above5k = 0;
    size_t lo = SIZE_MAX, hi = 0;

    (void)state;
    while (lt_synth_next(s, &r, &err) == 1) {
        struct lt_event_verdict v;
        assert_int_equal(lt_event_validate(r.body.p, r.body.len, &v), LT_EV_OK);
        lo = r.body.len < lo ? r.body.len : lo;
        hi = r.body.len > hi ? r.body.len : hi;
        below500 += r.body.len < 500;
        above5k += r.body.len > 5000;
        n++;
    }
    assert_true(lo >= 48 && lo <= 60);
    assert_true(hi >= 45000 && hi <= 52500);
    /* log-uniform: a third of the mass per decade */
    assert_true(fabs((double)below500 / n - 1.0 / 3) < 0.02);
    assert_true(fabs((double)above5k / n - 1.0 / 3) < 0.02);
    lt_synth_free(s);
}

/* Each target size is met within 5%, whatever the event type and style. */
static void test_payload_targets(void **state)
{
    static const uint64_t sizes[] = {50,  51,  55,  64,   80,   100,   150,   199,    200,
                                     250, 400, 700, 1000, 3333, 10000, 50000, 1000000};
    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int style = 0; style < 2; style++) {
            struct lt_synth_config c;
            struct lt_err err;
            struct lt_synth *s;
            struct lt_record r;
            lt_synth_config_default(&c);
            c.count = sizes[i] >= 10000 ? 12 : 120;
            c.style = style ? LT_SYNTH_STYLE_REALISTIC : LT_SYNTH_STYLE_TINY;
            for (int t = 0; t < LT_SYNTH_NTYPES; t++)
                c.mix[t] = 1;
            c.sizes = LT_SYNTH_SIZE_FIXED;
            c.size_min = c.size_max = sizes[i];
            s = lt_synth_new(&c, &err);
            assert_non_null(s);
            while (lt_synth_next(s, &r, &err) == 1) {
                struct lt_event_verdict v;
                double d = fabs((double)r.body.len - (double)sizes[i]);
                if (d > 0.05 * (double)sizes[i])
                    fail_msg("target %llu: got %zu: %.*s", (unsigned long long)sizes[i], r.body.len,
                             (int)(r.body.len < 300 ? r.body.len : 300), (const char *)r.body.p);
                assert_int_equal(lt_event_validate(r.body.p, r.body.len, &v), LT_EV_OK);
            }
            lt_synth_free(s);
        }
    }
}

/* baseline: tiny events, ~50-80 B, all valid track events with unique ids. */
static void test_baseline_tiny(void **state)
{
    struct lt_synth_config c;
    struct lt_synth *s = start("baseline", 1, 50000, &c);
    struct lt_record r;
    struct lt_err err;
    uint64_t *ids = malloc(50000 * sizeof(*ids)), n = 0;

    (void)state;
    while (lt_synth_next(s, &r, &err) == 1) {
        struct lt_event_verdict v;
        const char *p;
        assert_int_equal(lt_event_validate(r.body.p, r.body.len, &v), LT_EV_OK);
        assert_true(r.body.len >= 50 && r.body.len <= 80);
        assert_true(strncmp((const char *)r.body.p, "{\"type\":\"track\"", 15) == 0);
        p = memmem(r.body.p, r.body.len, "\"messageId\":\"", 13);
        assert_non_null(p);
        ids[n++] = strtoull(p + 13, NULL, 36);       /* compact ids are base 36 */
        assert_int_equal(r.ts_ns, (n - 1) * 100000); /* 10k/s */
    }
    qsort(ids, n, sizeof(*ids), cmp_u64);
    for (uint64_t i = 1; i < n; i++)
        assert_true(ids[i] != ids[i - 1]);
    free(ids);
    lt_synth_free(s);
}

/* Metadata: scenario, parameters, origin and seed. */
static void test_meta(void **state)
{
    struct lt_synth_config c;
    struct lt_err err;
    char *m;
    cJSON *j, *src;

    (void)state;
    assert_int_equal(lt_synth_builtin("burst", &c, &err), 0);
    c.seed = 42;
    m = lt_synth_meta_json(&c, NULL);
    assert_non_null(m);
    j = cJSON_Parse(m);
    assert_non_null(j);
    src = cJSON_GetObjectItem(j, "source");
    assert_string_equal(cJSON_GetObjectItem(src, "kind")->valuestring, "synth");
    assert_string_equal(cJSON_GetObjectItem(src, "scenario")->valuestring, "burst");
    assert_int_equal((int)cJSON_GetObjectItem(src, "seed")->valuedouble, 42);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(src, "parameters"), "spike")->valuestring,
        "10x:5s/30s");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(src, "parameters"), "origin")->valuestring,
        "2026-01-01T00:00:00.000000000Z");
    cJSON_Delete(j);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realistic_mix_and_validity),
        cmocka_unit_test(test_realistic_fields),
        cmocka_unit_test(test_users_zipf),
        cmocka_unit_test(test_errors_share_and_kinds),
        cmocka_unit_test(test_invalid_names_match_sink),
        cmocka_unit_test(test_payload_sizes),
        cmocka_unit_test(test_payload_targets),
        cmocka_unit_test(test_baseline_tiny),
        cmocka_unit_test(test_meta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
