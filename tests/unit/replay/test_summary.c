/* test_summary.c - derived numbers, the JSON contract keys, --slo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_replay.h"

static void make(struct lt_stats *s)
{
    lt_stats_init(s);
    s->dur_ns = 10000000000LL;
    s->c[LT_RC_SCHEDULED] = 1010;
    s->c[LT_RC_SENT] = 1005;
    s->c[LT_RC_SKIPPED] = 5;
    s->c[LT_RC_COMPLETED] = 1000;
    s->c[LT_RC_OK] = 990;
    s->c[LT_RC_ERR_CONNECT] = 1;
    s->c[LT_RC_ERR_TIMEOUT] = 2;
    s->c[LT_RC_ABANDONED] = 2;
    s->status[202] = 990;
    s->status[503] = 10;
    for (int i = 1; i <= 1000; i++)
        lt_hist_record(&s->h[LT_RH_LATENCY], (int64_t)i * 100000); /* 0.1 .. 100 ms */
}

static void test_compute(void **state)
{
    struct lt_stats s;
    struct lt_summary sum;
    (void)state;
    make(&s);
    lt_summary_compute(&sum, &s);
    assert_int_equal(sum.errors, 3);
    assert_int_equal(sum.failed, 13); /* completed - ok + errors */
    assert_int_equal(sum.scheduled, sum.sent + sum.skipped);
    assert_int_equal(sum.sent, sum.completed + sum.errors + sum.abandoned);
    assert_true(fabs(sum.error_rate - 13.0 / 1003.0) < 1e-12);
    assert_true(fabs(sum.throughput_rps - 100.0) < 1e-9);
    assert_true(fabs(sum.ms[LT_RH_LATENCY][LT_Q_P50] - 50.0) < 0.05);
    assert_true(fabs(sum.ms[LT_RH_LATENCY][LT_Q_MAX] - 100.0) < 1e-9);
    assert_true(fabs(sum.ms[LT_RH_LATENCY][LT_Q_MIN] - 0.1) < 1e-9);
    assert_true(fabs(sum.ms[LT_RH_LATENCY][LT_Q_MEAN] - 50.05) < 1e-9);
    lt_stats_release(&s);
}

static void test_json_keys(void **state)
{
    struct lt_stats s;
    struct lt_summary sum;
    struct lt_run_meta meta = {.mode = "rate", .target = "http://127.0.0.1:8080"};
    struct lt_slo slo = {0};
    struct lt_err err;
    cJSON *j;
    const char *top[] = {"mode",   "target",         "duration_s",  "requests",   "status",
                         "errors", "throughput_rps", "latency_ms",  "service_ms", "lag_ms",
                         "slo",    "client_bound",   "interrupted", "run"};
    const char *req[] = {"scheduled", "sent", "completed", "ok", "failed"};
    const char *q[] = {"min", "mean", "p50", "p90", "p95", "p99", "p999", "max"};
    (void)state;
    make(&s);
    lt_summary_compute(&sum, &s);
    assert_int_equal(lt_slo_parse(&slo, "p90<200ms,error_rate<1%", &err), 0);
    j = lt_summary_json(&sum, &s, &meta, &slo);
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, top[i]));
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
        assert_non_null(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(j, "requests"), req[i]));
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
        assert_non_null(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(j, "latency_ms"), q[i]));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "status"), "503")->valueint, 10);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "errors"), "timeout")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"), "failed")->valueint,
                     13);
    assert_string_equal(cJSON_GetObjectItem(j, "mode")->valuestring, "rate");
    {
        cJSON *arr = cJSON_GetObjectItem(j, "slo");
        assert_int_equal(cJSON_GetArraySize(arr), 2);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "expr")->valuestring,
                            "p90<200ms");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "pass")));
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1), "pass")));
    }
    cJSON_Delete(j);
    lt_stats_release(&s);
}

static void test_slo(void **state)
{
    struct lt_stats s;
    struct lt_summary sum;
    struct lt_slo slo = {0};
    struct lt_err err;
    (void)state;
    make(&s);
    lt_summary_compute(&sum, &s);
    assert_int_equal(lt_slo_parse(&slo,
                                  "p50<50ms,p99<=100ms,max<1s,mean>10ms,throughput>=100,"
                                  "error_rate<2%,p90<90ms,p999<99ms",
                                  &err),
                     0);
    assert_int_equal(slo.n, 8);
    assert_true(lt_slo_pass(&slo.t[0], &sum) == 0); /* p50 = 50.0xx ms */
    /* p99 = 99.x ms, but 1.3% failed: more than the 1% tail the term speaks for */
    assert_false(lt_slo_pass(&slo.t[1], &sum));
    assert_true(lt_slo_pass(&slo.t[2], &sum));
    assert_true(lt_slo_pass(&slo.t[3], &sum));
    assert_true(lt_slo_pass(&slo.t[4], &sum));
    assert_true(lt_slo_pass(&slo.t[5], &sum));
    assert_false(lt_slo_pass(&slo.t[6], &sum));
    assert_false(lt_slo_pass(&slo.t[7], &sum));
    /* a p95 term holds while failures stay inside its 5% tail */
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p95<100ms", &err), 0);
    assert_true(lt_slo_pass(&slo.t[0], &sum));
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<200", &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "unit"));
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p98<2s", &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "unknown metric 'p98'"));
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99=2s", &err), LT_E_USAGE);
    lt_stats_release(&s);
}

/* The verdicts: no data fails, client-bound breaches are inconclusive, interrupted never passes. */
static void test_verdict(void **state)
{
    struct lt_stats s;
    struct lt_summary sum;
    struct lt_slo slo = {0}, er = {0};
    struct lt_err err;
    (void)state;
    assert_int_equal(lt_stats_init(&s), 0);
    assert_int_equal(lt_slo_parse(&slo, "p99<200ms", &err), 0);
    assert_int_equal(lt_slo_parse(&er, "error_rate<1%", &err), 0);
    /* nothing answered: a latency term has no data and fails */
    s.c[LT_RC_SCHEDULED] = s.c[LT_RC_SENT] = s.c[LT_RC_ERR_CONNECT] = 100;
    lt_summary_compute(&sum, &s);
    assert_false(lt_slo_pass(&slo.t[0], &sum));
    assert_int_equal(lt_summary_verdict(&sum, &slo), LT_VERDICT_BREACH);
    /* a fast run: passes */
    lt_stats_reset(&s);
    s.c[LT_RC_SCHEDULED] = s.c[LT_RC_SENT] = s.c[LT_RC_COMPLETED] = s.c[LT_RC_OK] = 1000;
    for (int i = 0; i < 1000; i++) {
        lt_hist_record(&s.h[LT_RH_LATENCY], 1000000);
        lt_hist_record(&s.h[LT_RH_LAG], 10000);
    }
    lt_summary_compute(&sum, &s);
    assert_false(sum.client_bound);
    assert_int_equal(lt_summary_verdict(&sum, &slo), LT_VERDICT_PASS);
    assert_int_equal(lt_summary_verdict(&sum, NULL), LT_VERDICT_PASS);
    /* over 1% held back by -c: client-bound; a pass stays a pass */
    s.c[LT_RC_HELD] = 11;
    lt_summary_compute(&sum, &s);
    assert_true(sum.client_bound);
    assert_non_null(strstr(sum.client_bound_reason, "1.1% of requests waited"));
    assert_int_equal(lt_summary_verdict(&sum, &slo), LT_VERDICT_PASS);
    s.c[LT_RC_HELD] = 10; /* exactly 1%: not over */
    lt_summary_compute(&sum, &s);
    assert_false(sum.client_bound);
    s.c[LT_RC_SCHEDULED] = 100;
    s.c[LT_RC_HELD] = 4; /* 4%, but too few to judge by */
    lt_summary_compute(&sum, &s);
    assert_false(sum.client_bound);
    s.c[LT_RC_HELD] = 5;
    lt_summary_compute(&sum, &s);
    assert_true(sum.client_bound);
    s.c[LT_RC_SCHEDULED] = 1000;
    s.c[LT_RC_HELD] = 10;
    lt_summary_compute(&sum, &s);
    assert_false(sum.client_bound);
    /* one late release in a thousand: not a verdict */
    lt_hist_record(&s.h[LT_RH_LAG], 3000000);
    lt_summary_compute(&sum, &s);
    assert_false(sum.client_bound);
    /* lag p99 over 1 ms: client-bound, and a latency breach is inconclusive */
    for (int i = 0; i < 20; i++) {
        lt_hist_record(&s.h[LT_RH_LATENCY], 500000000);
        lt_hist_record(&s.h[LT_RH_LAG], 5000000);
    }
    lt_summary_compute(&sum, &s);
    assert_true(sum.client_bound);
    assert_non_null(strstr(sum.client_bound_reason, "lag p99"));
    assert_int_equal(lt_summary_verdict(&sum, &slo), LT_VERDICT_INCONCLUSIVE);
    /* an error-rate breach is the target's, client-bound or not */
    s.c[LT_RC_OK] = 900;
    lt_summary_compute(&sum, &s);
    assert_int_equal(lt_summary_verdict(&sum, &er), LT_VERDICT_BREACH);
    /* interrupted: never a pass, with or without thresholds */
    lt_stats_reset(&s);
    s.c[LT_RC_SCHEDULED] = s.c[LT_RC_SENT] = s.c[LT_RC_COMPLETED] = s.c[LT_RC_OK] = 10;
    lt_hist_record(&s.h[LT_RH_LATENCY], 1000000);
    s.c[LT_RC_INTERRUPTED] = 1;
    lt_summary_compute(&sum, &s);
    assert_true(sum.interrupted);
    assert_int_equal(lt_summary_verdict(&sum, &slo), LT_VERDICT_INCONCLUSIVE);
    assert_int_equal(lt_summary_verdict(&sum, NULL), LT_VERDICT_INCONCLUSIVE);
    lt_stats_release(&s);
}

/* Throughput counts over the send window, not the drain after it. */
static void test_send_window(void **state)
{
    struct lt_stats s, a, b;
    struct lt_summary sum;
    (void)state;
    assert_int_equal(lt_stats_init(&s), 0);
    assert_int_equal(lt_stats_init(&a), 0);
    assert_int_equal(lt_stats_init(&b), 0);
    /* 600000 requests sent every 100 us from 0, each served in 100 us; the run drained 2 s */
    s.c[LT_RC_COMPLETED] = 600000;
    s.dur_ns = 62000000000LL;
    lt_stats_note_send(&s, 0, 100000);
    lt_stats_note_send(&s, 59999900000LL, 100000);
    lt_stats_note_send(&s, 30000000000LL, 900000000);
    lt_summary_compute(&sum, &s);
    assert_true(fabs(sum.throughput_rps - 10000.0) < 1e-6);
    /* shards merge to the same window: earliest first send, latest last one */
    lt_stats_note_send(&a, 0, 100000);
    lt_stats_note_send(&a, 40000000000LL, 100000);
    lt_stats_note_send(&b, 100000, 100000);
    lt_stats_note_send(&b, 59999900000LL, 100000);
    a.c[LT_RC_COMPLETED] = 300000;
    b.c[LT_RC_COMPLETED] = 300000;
    lt_stats_merge(&a, &b);
    lt_summary_compute(&sum, &a);
    assert_true(fabs(sum.throughput_rps - 10000.0) < 1e-6);
    lt_stats_release(&s);
    lt_stats_release(&a);
    lt_stats_release(&b);
}

static void test_ok_rule(void **state)
{
    struct lt_ok_rule ok;
    struct lt_err err;
    (void)state;
    assert_int_equal(lt_ok_parse(&ok, NULL, &err), 0);
    assert_true(lt_ok_match(&ok, 202, 0) && lt_ok_match(&ok, 299, 400));
    assert_false(lt_ok_match(&ok, 400, 400) || lt_ok_match(&ok, 300, 0));
    assert_int_equal(lt_ok_parse(&ok, "expected", &err), 0);
    assert_true(lt_ok_match(&ok, 400, 400) && lt_ok_match(&ok, 202, 0));
    assert_false(lt_ok_match(&ok, 202, 400) || lt_ok_match(&ok, 404, 0));
    assert_int_equal(lt_ok_parse(&ok, "200,4xx", &err), 0);
    assert_true(lt_ok_match(&ok, 200, 0) && lt_ok_match(&ok, 404, 0) && lt_ok_match(&ok, 499, 0));
    assert_false(lt_ok_match(&ok, 202, 0) || lt_ok_match(&ok, 500, 0));
    assert_int_equal(lt_ok_parse(&ok, "2xz", &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "'2xz'"));
    assert_int_equal(lt_ok_parse(&ok, "200,", &err), LT_E_USAGE);
    assert_int_equal(lt_ok_parse(&ok, "600", &err), LT_E_USAGE);
}

/* Spaces, ';' or ',' between terms, and errors that point at the term and character. */
static void test_slo_syntax(void **state)
{
    struct lt_slo slo;
    struct lt_err err;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, " p99 < 200ms ; error_rate<=1% ,throughput >= 10k ,", &err),
                     0);
    assert_int_equal(slo.n, 3);
    assert_string_equal(slo.t[0].expr, "p99<200ms");
    assert_int_equal(slo.t[0].metric, LT_Q_P99);
    assert_int_equal(slo.t[0].op, '<');
    assert_true(slo.t[0].limit == 200.0);
    assert_string_equal(slo.t[1].expr, "error_rate<=1%");
    assert_int_equal(slo.t[1].op, 'l');
    assert_true(slo.t[1].limit == 0.01);
    assert_string_equal(slo.t[2].expr, "throughput>=10k");
    assert_int_equal(slo.t[2].op, 'g');
    assert_true(slo.t[2].limit == 10000.0);

    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<200ms;error_rate<1%", &err), 0);
    assert_int_equal(slo.n, 2);
    assert_true(slo.t[1].limit == 0.01);
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<1m30s,error_rate<0.01", &err), 0);
    assert_true(slo.t[0].limit == 90000.0);
    assert_true(slo.t[1].limit == 0.01);

    /* 1 could be 1% or 100% */
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<200ms;error_rate<1", &err), LT_E_USAGE);
    assert_string_equal(err.msg,
                        "term 2 'error_rate<1', character 22: '1' is ambiguous: write 1% or 0.01");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "error_rate < 5", &err), LT_E_USAGE);
    assert_string_equal(
        err.msg, "term 1 'error_rate < 5', character 14: '5' is ambiguous: write 5% or 0.05");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p50<1s, p98 <2s", &err), LT_E_USAGE);
    assert_string_equal(err.msg, "term 2 'p98 <2s', character 9: unknown metric 'p98' (p50, p90, "
                                 "p95, p99, p999, max, mean, error_rate, throughput)");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99 = 2s", &err), LT_E_USAGE);
    assert_string_equal(
        err.msg, "term 1 'p99 = 2s', character 5: expected < <= > or >= after 'p99', not '='");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<", &err), LT_E_USAGE);
    assert_string_equal(err.msg, "term 1 'p99<', character 5: expected a value after 'p99<'");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<200 ms", &err), LT_E_USAGE);
    assert_string_equal(err.msg, "term 1 'p99<200 ms', character 8: unexpected space inside the "
                                 "value");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<200", &err), LT_E_USAGE);
    assert_string_equal(err.msg,
                        "term 1 'p99<200', character 5: the value '200' needs a unit (200ms)");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99<2s,,p50<1s", &err), LT_E_USAGE);
    assert_string_equal(err.msg, "term 2, character 8: empty term before ','");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "p99", &err), LT_E_USAGE);
    assert_string_equal(
        err.msg, "term 1 'p99', character 4: expected < <= > or >= after 'p99', not the end");
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, " ; ", &err), LT_E_USAGE);
    memset(&slo, 0, sizeof(slo));
    assert_int_equal(lt_slo_parse(&slo, "", &err), LT_E_USAGE);
    assert_string_equal(err.msg, "empty threshold expression");
}

/* The text summary fits 80 columns, even with huge counts, slow requests and many statuses. */
static void test_text_width(void **state)
{
    struct lt_stats s;
    struct lt_summary sum;
    struct lt_run_meta meta;
    struct lt_buf b;
    const char *p, *nl;
    int lines = 0;
    (void)state;
    memset(&meta, 0, sizeof(meta));
    snprintf(meta.mode, sizeof(meta.mode), "speed");
    snprintf(meta.target, sizeof(meta.target), "http://127.0.0.1:8080");
    make(&s);
    s.c[LT_RC_SCHEDULED] = s.c[LT_RC_SENT] = s.c[LT_RC_COMPLETED] = 999999999999ULL;
    s.c[LT_RC_OK] = 999999999000ULL;
    for (int code = 200; code < 600; code += 7)
        s.status[code] = 123456789;
    lt_hist_record(&s.h[LT_RH_LATENCY], 3599LL * 1000000000); /* an hour */
    s.c[LT_RC_NOT_SENT] = 999999999999ULL;
    s.c[LT_RC_HELD] = 999999999999ULL; /* client-bound: waits for a connection */
    s.c[LT_RC_SKIPPED] = s.c[LT_RC_ABANDONED] = s.c[LT_RC_MISMATCHED] = 999999999;
    lt_summary_compute(&sum, &s);
    lt_buf_init(&b, 0);
    assert_int_equal(lt_summary_text(&b, &sum, &s, &meta, NULL), 0);
    lt_buf_cstr(&b);
    for (p = (const char *)b.data; *p; p = nl + 1, lines++) {
        nl = strchr(p, '\n');
        assert_non_null(nl);
        if (nl - p > 80)
            fail_msg("line %d is %d columns: %.*s", lines, (int)(nl - p), (int)(nl - p), p);
    }
    assert_true(lines > 12);
    assert_non_null(strstr((const char *)b.data, "latency       0.100  "));
    assert_non_null(strstr((const char *)b.data, " 3599000"));
    assert_non_null(strstr((const char *)b.data, "\nCLIENT-BOUND "));
    assert_non_null(strstr((const char *)b.data, "\nNOT SENT    999999999999 "));
    lt_buf_release(&b);
    lt_stats_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute),     cmocka_unit_test(test_json_keys),
        cmocka_unit_test(test_slo),         cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_send_window), cmocka_unit_test(test_ok_rule),
        cmocka_unit_test(test_slo_syntax),  cmocka_unit_test(test_text_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
