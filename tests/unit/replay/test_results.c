/* test_results.c - the results file: round trip, damage, versions, and the
 * exact merge of per-interval sections into the total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lt_replay.h"

static char path[64];

static void fill(struct lt_stats *s, int seed, int n)
{
    struct lt_rng rng;
    lt_rng_seed(&rng, (uint64_t)seed);
    for (int i = 0; i < n; i++) {
        lt_hist_record(&s->h[LT_RH_LATENCY], (int64_t)lt_rng_exp(&rng, 3e6));
        lt_hist_record(&s->h[LT_RH_SERVICE], (int64_t)lt_rng_exp(&rng, 1e6));
        lt_hist_record(&s->h[LT_RH_LAG], (int64_t)lt_rng_below(&rng, 50000));
        s->status[i % 10 ? 202 : 503]++;
    }
    s->c[LT_RC_SCHEDULED] = s->c[LT_RC_SENT] = s->c[LT_RC_COMPLETED] = (uint64_t)n;
    s->c[LT_RC_OK] = (uint64_t)(n - (n + 9) / 10);
    s->c[LT_RC_ERR_RESET] = 3;
}

static uint8_t *slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    uint8_t *b = malloc(1 << 22);
    *n = fread(b, 1, 1 << 22, f);
    fclose(f);
    return b;
}

/* Two intervals and their total survive the round trip bit for bit. */
static void test_round_trip(void **state)
{
    struct lt_stats i1, i2, tot, back, sum;
    struct lt_results_writer *w;
    struct lt_results_reader *r;
    struct lt_results_section sec;
    struct lt_err err;
    void *scratch = malloc(lt_stats_scratch_size());
    int rc, n = 0;
    (void)state;

    lt_stats_init(&i1);
    lt_stats_init(&i2);
    lt_stats_init(&tot);
    lt_stats_init(&back);
    lt_stats_init(&sum);
    fill(&i1, 1, 5000);
    i1.start_ns = 0;
    i1.dur_ns = 1000000000;
    fill(&i2, 2, 700);
    i2.start_ns = 1000000000;
    i2.dur_ns = 400000000;
    lt_stats_merge(&tot, &i1);
    lt_stats_merge(&tot, &i2);
    assert_int_equal(tot.dur_ns, 1400000000);

    w = lt_results_writer_open(path, "{\"mode\":\"rate\",\"target\":\"http://x\"}", &err);
    assert_non_null(w);
    lt_stats_to_section(&i1, LT_RESULTS_INTERVAL, scratch, &sec);
    assert_int_equal(lt_results_writer_add(w, &sec, &err), 0);
    lt_stats_to_section(&i2, LT_RESULTS_INTERVAL, scratch, &sec);
    assert_int_equal(lt_results_writer_add(w, &sec, &err), 0);
    lt_stats_to_section(&tot, LT_RESULTS_TOTAL, scratch, &sec);
    assert_int_equal(lt_results_writer_add(w, &sec, &err), 0);
    assert_int_equal(lt_results_writer_close(w, &err), 0);

    r = lt_results_reader_open(path, &err);
    assert_non_null(r);
    assert_string_equal(lt_results_reader_meta(r), "{\"mode\":\"rate\",\"target\":\"http://x\"}");
    while ((rc = lt_results_reader_next(r, &sec, &err)) == 1) {
        n++;
        if (sec.kind == LT_RESULTS_INTERVAL)
            assert_int_equal(lt_stats_add_section(&sum, &sec, &err), 0);
        else
            assert_int_equal(lt_stats_add_section(&back, &sec, &err), 0);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 3);
    /* the total read back, and the sum of the intervals, both equal the total */
    for (int k = 0; k < 2; k++) {
        struct lt_stats *s = k ? &sum : &back;
        assert_memory_equal(s->c, tot.c, sizeof(tot.c));
        assert_memory_equal(s->status, tot.status, sizeof(tot.status));
        assert_int_equal(s->dur_ns, tot.dur_ns);
        for (int h = 0; h < LT_RESULTS_NHIST; h++) {
            assert_memory_equal(s->h[h].counts, tot.h[h].counts, LT_HIST_COUNTS * 8);
            assert_int_equal(s->h[h].min, tot.h[h].min);
            assert_int_equal(s->h[h].max, tot.h[h].max);
            assert_int_equal(s->h[h].sum, tot.h[h].sum);
        }
    }
    lt_results_reader_free(r);
    lt_stats_release(&i1);
    lt_stats_release(&i2);
    lt_stats_release(&tot);
    lt_stats_release(&back);
    lt_stats_release(&sum);
    free(scratch);
}

/*
 * No results file before the first section: a run that fails first leaves
 * none (and an older file as it was); the first section gives it its name.
 */
static void test_no_empty_file(void **state)
{
    struct lt_stats st;
    struct lt_results_writer *w;
    struct lt_results_section sec;
    struct lt_err err;
    struct stat sb;
    void *scratch = malloc(lt_stats_scratch_size());
    char tmp[128], p2[96];
    FILE *f;
    (void)state;

    snprintf(p2, sizeof(p2), "%s-2", path); /* test_damage reads the first test's file */
    unlink(p2);
    w = lt_results_writer_open(p2, "{}", &err);
    assert_non_null(w);
    assert_int_equal(stat(p2, &sb), -1);
    assert_int_equal(lt_results_writer_close(w, &err), 0);
    assert_int_equal(stat(p2, &sb), -1);
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", p2, (long)getpid());
    assert_int_equal(stat(tmp, &sb), -1);

    f = fopen(p2, "w");
    fputs("older results", f);
    fclose(f);
    w = lt_results_writer_open(p2, "{}", &err);
    assert_non_null(w);
    lt_results_writer_close(w, NULL);
    f = fopen(p2, "r");
    assert_non_null(fgets(tmp, sizeof(tmp), f));
    fclose(f);
    assert_string_equal(tmp, "older results");

    lt_stats_init(&st);
    fill(&st, 3, 10);
    w = lt_results_writer_open(p2, "{}", &err);
    assert_non_null(w);
    lt_stats_to_section(&st, LT_RESULTS_INTERVAL, scratch, &sec);
    assert_int_equal(lt_results_writer_add(w, &sec, &err), 0);
    /* over an older file: a run killed now leaves it as it was */
    assert_int_equal(stat(p2, &sb), 0);
    assert_int_equal(sb.st_size, 13);
    assert_int_equal(lt_results_writer_close(w, &err), 0);
    assert_int_equal(stat(p2, &sb), 0);
    assert_true(sb.st_size > 16);
    assert_int_equal(stat(tmp, &sb), -1);
    unlink(p2);
    /* a new file: a run killed after its first section leaves its intervals under the name */
    w = lt_results_writer_open(p2, "{}", &err);
    assert_non_null(w);
    assert_int_equal(lt_results_writer_add(w, &sec, &err), 0);
    assert_int_equal(stat(p2, &sb), 0);
    assert_true(sb.st_size > 16);
    assert_int_equal(lt_results_writer_close(w, &err), 0);
    unlink(p2);
    lt_stats_release(&st);
    free(scratch);
}

/* Every single flipped byte is caught (checksums), never misread. */
static void test_damage(void **state)
{
    size_t n;
    uint8_t *b = slurp(path, &n);
    struct lt_err err;
    (void)state;

    for (size_t off = 0; off < n; off += 7) {
        struct lt_results_reader *r;
        struct lt_results_section sec;
        int rc = 0;
        if (off == 10 || off == 11)
            continue; /* the minor version: any value reads */
        b[off] ^= 0x5a;
        r = lt_results_reader_open_mem(b, n, &err);
        if (r) {
            while ((rc = lt_results_reader_next(r, &sec, &err)) == 1)
                ;
            lt_results_reader_free(r);
        }
        assert_true(!r || rc < 0);
        b[off] ^= 0x5a;
    }
    /* cut short: the sections before the cut read, then "not closed" */
    {
        struct lt_results_reader *r = lt_results_reader_open_mem(b, n - 12, &err);
        struct lt_results_section sec;
        int rc, got = 0;
        assert_non_null(r);
        while ((rc = lt_results_reader_next(r, &sec, &err)) == 1)
            got++;
        assert_int_equal(got, 3);
        assert_int_equal(rc, LT_E_TRUNCATED);
        assert_non_null(strstr(err.msg, "not closed"));
        lt_results_reader_free(r);
    }
    /* a newer major version is refused with a clear message */
    b[8] = 2;
    assert_null(lt_results_reader_open_mem(b, n, &err));
    assert_int_equal(err.code, LT_E_VERSION);
    assert_non_null(strstr(err.msg, "newer"));
    b[0] = 'X';
    assert_null(lt_results_reader_open_mem(b, n, &err));
    assert_non_null(strstr(err.msg, "not a loadtape results file"));
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_no_empty_file),
        cmocka_unit_test(test_damage),
    };
    int rc;
    snprintf(path, sizeof(path), "/tmp/lt-results-test-%d.res", (int)getpid());
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    return rc;
}
