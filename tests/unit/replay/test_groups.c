/* test_groups.c - the per-endpoint groups: what a request's group is, the
 * cap and (other), the results section's round trip, and merging by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_replay.h"

static int classify(struct lt_groups *gs, const char *m, const char *u)
{
    struct lt_bytes mb = {(const uint8_t *)m, strlen(m)}, ub = {(const uint8_t *)u, strlen(u)};
    return lt_groups_classify(gs, &mb, &ub);
}

static const char *name_of(struct lt_groups *gs, int i)
{
    return gs->g[i]->name;
}

/* Method and path without the query; /collect/{stream} whatever follows. */
static void test_classify(void **state)
{
    struct lt_groups gs;
    int a, b, c, d, e, f;
    (void)state;

    assert_int_equal(lt_groups_init(&gs, 0), 0);
    assert_int_equal(gs.max, LT_GROUPS_DEFAULT);
    a = classify(&gs, "POST", "/collect/web?writeKey=x");
    b = classify(&gs, "POST", "/collect/web/batch");
    c = classify(&gs, "POST", "/collect/ios");
    d = classify(&gs, "GET", "/collect/web");
    e = classify(&gs, "GET", "/health?a=1&b=2");
    f = classify(&gs, "POST", "/collect/");
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    assert_int_equal(c, 1);
    assert_int_equal(d, 2);
    assert_int_equal(e, 3);
    assert_int_equal(f, 4);
    assert_string_equal(name_of(&gs, a), "/collect/web");
    assert_string_equal(gs.g[a]->method, "POST");
    assert_string_equal(name_of(&gs, c), "/collect/ios");
    assert_string_equal(gs.g[d]->method, "GET");
    assert_string_equal(name_of(&gs, e), "/health");
    assert_string_equal(name_of(&gs, f), "/collect/");
    assert_int_equal(gs.n, 5);
    assert_int_equal(gs.other, -1);
    lt_groups_release(&gs);
}

/* Past max named groups, and for names too long, requests go to (other). */
static void test_cap(void **state)
{
    struct lt_groups gs;
    char url[2048];
    int o;
    (void)state;

    assert_int_equal(lt_groups_init(&gs, 3), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(url, sizeof(url), "/p%d", i);
        assert_int_equal(classify(&gs, "GET", url), i);
    }
    o = classify(&gs, "GET", "/p3");
    assert_int_equal(o, 3);
    assert_string_equal(name_of(&gs, o), LT_GROUP_OTHER);
    assert_string_equal(gs.g[o]->method, "");
    assert_int_equal(classify(&gs, "POST", "/p4"), o);
    /* the named ones are still found */
    assert_int_equal(classify(&gs, "GET", "/p1?x"), 1);
    assert_int_equal(gs.n, 4);
    lt_groups_release(&gs);

    assert_int_equal(lt_groups_init(&gs, 10), 0);
    memset(url, 'a', sizeof(url) - 1);
    url[0] = '/';
    url[sizeof(url) - 1] = '\0';
    assert_int_equal(classify(&gs, "GET", url), 0);
    assert_string_equal(name_of(&gs, 0), LT_GROUP_OTHER);
    assert_int_equal(classify(&gs, "GET", "/"), 1);
    /* a name that reads "(other)" without a method is (other) itself */
    assert_int_equal(lt_groups_find(&gs, "", LT_GROUP_OTHER), 0);
    lt_groups_release(&gs);
}

static void fill(struct lt_stats *s, int n, int64_t base)
{
    for (int i = 0; i < n; i++) {
        lt_hist_record(&s->h[LT_RH_LATENCY], base + i * 1000);
        lt_hist_record(&s->h[LT_RH_SERVICE], base / 2 + i * 1000);
        s->status[202]++;
    }
    s->c[LT_RC_SCHEDULED] = s->c[LT_RC_SENT] = s->c[LT_RC_COMPLETED] = s->c[LT_RC_OK] = (uint64_t)n;
}

/*
 * Two shards' results files, each with its groups after the total: read back and
 * merged by name, the groups are exactly the sums, in name order with (other) last.
 */
static void test_sections_merge(void **state)
{
    char path[2][64];
    struct lt_groups gs[2], back;
    struct lt_report_group rows[8];
    struct lt_err err;
    void *scratch = malloc(lt_stats_scratch_size());
    size_t nrows;
    (void)state;

    for (int k = 0; k < 2; k++) {
        struct lt_results_writer *w;
        struct lt_results_section sec;
        struct lt_stats tot;
        snprintf(path[k], sizeof(path[k]), "/tmp/lt-groups-%d-%d.res", (int)getpid(), k);
        assert_int_equal(lt_groups_init(&gs[k], 2), 0);
        /* shard 1 sees the groups in another order and one more, which is (other) there */
        assert_int_equal(lt_groups_find(&gs[k], "POST", k ? "/collect/ios" : "/collect/web"), 0);
        assert_int_equal(lt_groups_find(&gs[k], "POST", k ? "/collect/web" : "/collect/ios"), 1);
        if (k)
            assert_int_equal(lt_groups_find(&gs[k], "GET", "/health"), 2);
        for (size_t i = 0; i < gs[k].n; i++)
            fill(lt_groups_stats(&gs[k], i), 10 * (int)(i + 1) + k, 1000000 * (int64_t)(i + 1));
        lt_stats_init(&tot);
        w = lt_results_writer_open(path[k], "{}", &err);
        assert_non_null(w);
        lt_stats_to_section(&tot, LT_RESULTS_TOTAL, scratch, &sec);
        assert_int_equal(lt_results_writer_add(w, &sec, &err), 0);
        for (size_t i = 0; i < gs[k].n; i++) {
            lt_group_to_section(gs[k].g[i], scratch, &sec);
            assert_int_equal(sec.kind, LT_RESULTS_GROUP);
            assert_int_equal(lt_results_writer_add(w, &sec, &err), 0);
        }
        assert_int_equal(lt_results_writer_close(w, &err), 0);
        lt_stats_release(&tot);
    }
    assert_int_equal(lt_groups_init(&back, LT_GROUPS_MAX), 0);
    for (int k = 0; k < 2; k++) {
        struct lt_results_reader *r = lt_results_reader_open(path[k], &err);
        struct lt_results_section sec;
        int rc, ngroups = 0;
        assert_non_null(r);
        while ((rc = lt_results_reader_next(r, &sec, &err)) == 1)
            if (sec.kind == LT_RESULTS_GROUP) {
                assert_int_equal(lt_groups_add_section(&back, &sec, &err), 0);
                ngroups++;
            }
        assert_int_equal(rc, 0);
        assert_int_equal(ngroups, k ? 3 : 2);
        lt_results_reader_free(r);
        unlink(path[k]);
    }
    nrows = lt_groups_rows(&back, rows);
    assert_int_equal(nrows, 3);
    assert_string_equal(rows[0].name, "/collect/ios");
    assert_string_equal(rows[1].name, "/collect/web");
    assert_string_equal(rows[2].name, LT_GROUP_OTHER);
    /* web: 10 (shard 0, first) + 21 (shard 1, second); ios: 20 + 11; (other): 31 */
    assert_int_equal(rows[1].stats->c[LT_RC_COMPLETED], 31);
    assert_int_equal(rows[0].stats->c[LT_RC_COMPLETED], 31);
    assert_int_equal(rows[2].stats->c[LT_RC_COMPLETED], 31);
    assert_int_equal(rows[1].stats->h[LT_RH_LATENCY].count, 31);
    assert_int_equal(rows[1].stats->status[202], 31);
    assert_int_equal(rows[1].stats->h[LT_RH_LATENCY].min, 1000000);
    assert_int_equal(rows[1].stats->h[LT_RH_LATENCY].max, 2000000 + 20 * 1000);
    for (int k = 0; k < 2; k++)
        lt_groups_release(&gs[k]);
    lt_groups_release(&back);
    free(scratch);
}

/* A group's name too long for the file is refused, not cut. */
static void test_name_limit(void **state)
{
    struct lt_results_writer *w;
    struct lt_results_section sec;
    struct lt_stats st;
    struct lt_err err;
    char path[64], *name = malloc(LT_RESULTS_GROUP_NAME_MAX + 2);
    void *scratch = malloc(lt_stats_scratch_size());
    (void)state;

    snprintf(path, sizeof(path), "/tmp/lt-groups-long-%d.res", (int)getpid());
    memset(name, 'x', LT_RESULTS_GROUP_NAME_MAX + 1);
    name[LT_RESULTS_GROUP_NAME_MAX + 1] = '\0';
    lt_stats_init(&st);
    w = lt_results_writer_open(path, "{}", &err);
    assert_non_null(w);
    lt_stats_to_section(&st, LT_RESULTS_GROUP, scratch, &sec);
    sec.group_method = "GET";
    sec.group_name = name;
    assert_int_equal(lt_results_writer_add(w, &sec, &err), LT_E_LIMIT);
    lt_results_writer_close(w, NULL);
    unlink(path);
    lt_stats_release(&st);
    free(name);
    free(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_sections_merge),
        cmocka_unit_test(test_name_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
