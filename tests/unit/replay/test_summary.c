/* test_summary.c - derived numbers, the JSON contract keys, --slo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
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
    struct lt_run_meta meta = {"rate", "http://127.0.0.1:8080"};
    struct lt_slo slo = {0};
    struct lt_err err;
    cJSON *j;
    const char *top[] = {"mode",   "target",         "duration_s", "requests",   "status",
                         "errors", "throughput_rps", "latency_ms", "service_ms", "lag_ms",
                         "slo"};
    const char *req[] = {"scheduled", "sent", "completed", "ok", "failed"};
    const char *q[] = {"min", "mean", "p50", "p90", "p95", "p99", "p999", "max"};
    (void)state;
    make(&s);
    lt_summary_compute(&sum, &s);
    assert_int_equal(lt_slo_parse(&slo, "p99<200ms,error_rate<1%", &err), 0);
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
                            "p99<200ms");
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
    assert_true(lt_slo_pass(&slo.t[1], &sum));
    assert_true(lt_slo_pass(&slo.t[2], &sum));
    assert_true(lt_slo_pass(&slo.t[3], &sum));
    assert_true(lt_slo_pass(&slo.t[4], &sum));
    assert_true(lt_slo_pass(&slo.t[5], &sum));
    assert_false(lt_slo_pass(&slo.t[6], &sum));
    assert_false(lt_slo_pass(&slo.t[7], &sum));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute),
        cmocka_unit_test(test_json_keys),
        cmocka_unit_test(test_slo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
