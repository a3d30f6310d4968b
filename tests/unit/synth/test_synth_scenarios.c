/*
 * test_synth_scenarios.c - scenario files: every key read, unknown and
 * repeated keys refused, errors that name the key, and the example files of
 * examples/scenarios/ equal to the built-ins they stand for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lt_synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000LL

static int parse(struct lt_synth_config *c, const char *json, struct lt_err *err)
{
    lt_err_clear(err);
    return lt_synth_parse(c, json, strlen(json), "t.json", err);
}

/* The message of a failing parse contains `want`. */
static void expect_error(const char *json, const char *want)
{
    struct lt_synth_config c;
    struct lt_err err;

    if (parse(&c, json, &err) == 0)
        fail_msg("accepted: %s", json);
    if (!strstr(err.msg, want))
        fail_msg("error '%s' does not contain '%s'", err.msg, want);
    if (!strstr(err.msg, "scenario 't.json'"))
        fail_msg("error '%s' does not name the file", err.msg);
}

static void test_full_file(void **state)
{
    struct lt_synth_config c;
    struct lt_err err;
    const char *j =
        "{\"name\":\"launch\",\"description\":\"x\",\"seed\":9,\"arrivals\":\"poisson\","
        "\"phases\":[{\"duration\":\"10m\",\"from\":50,\"to\":\"2k\"},"
        "{\"duration\":30,\"rate\":\"1.5k\",\"arrivals\":\"constant\"},{\"rate\":2000}],"
        "\"spike\":\"5x:10s/2m\",\"duration\":\"1h\",\"streams\":[\"web\",\"ios\"],"
        "\"users\":50000,\"zipf\":1.2,\"sessions\":{\"concurrent\":500,\"mean_events\":4},"
        "\"events\":{\"style\":\"tiny\",\"mix\":{\"track\":7,\"screen\":3}},"
        "\"payload\":{\"distribution\":\"uniform\",\"min\":\"100B\",\"max\":\"2KiB\"},"
        "\"errors\":{\"share\":\"12.5%\",\"kinds\":{\"missing_type\":2,\"unknown_type\":1}}}";

    (void)state;
    assert_int_equal(parse(&c, j, &err), 0);
    assert_string_equal(c.name, "launch");
    assert_int_equal(c.seed, 9);
    assert_int_equal(c.nphases, 3);
    assert_int_equal(c.phases[0].dur_ns, 600 * SEC);
    assert_true(c.phases[0].rate_from == 50 && c.phases[0].rate_to == 2000);
    assert_int_equal(c.phases[0].poisson, 1);
    assert_int_equal(c.phases[1].dur_ns, 30 * SEC);
    assert_true(c.phases[1].rate_from == 1500 && c.phases[1].rate_to == 1500);
    assert_int_equal(c.phases[1].poisson, 0);
    assert_int_equal(c.phases[2].dur_ns, 0);
    assert_int_equal(c.phases[2].poisson, 1);
    assert_int_equal(c.has_spike, 1);
    assert_int_equal(c.spike.factor_milli, 5000);
    assert_int_equal(c.spike.dur_ns, 10 * SEC);
    assert_int_equal(c.spike.period_ns, 120 * SEC);
    assert_int_equal(c.duration_ns, 3600 * SEC);
    assert_int_equal(c.nstreams, 2);
    assert_string_equal(c.streams[1], "ios");
    assert_int_equal(c.users, 50000);
    assert_true(c.zipf == 1.2);
    assert_int_equal(c.sessions, 500);
    assert_true(c.session_events == 4);
    assert_int_equal(c.style, LT_SYNTH_STYLE_TINY);
    assert_true(c.mix[LT_SYNTH_TRACK] == 7 && c.mix[LT_SYNTH_SCREEN] == 3);
    assert_true(c.mix[LT_SYNTH_IDENTIFY] == 0 && c.mix[LT_SYNTH_PAGE] == 0);
    assert_int_equal(c.sizes, LT_SYNTH_SIZE_UNIFORM);
    assert_int_equal(c.size_min, 100);
    assert_int_equal(c.size_max, 2048);
    assert_true(c.error_share == 0.125);
    assert_true(c.error_kinds[LT_SYNTH_MISSING_TYPE] == 2);
    assert_true(c.error_kinds[LT_SYNTH_MALFORMED_JSON] == 0);
}

static void test_errors_name_the_key(void **state)
{
    (void)state;
    expect_error("{\"rate\":5}", "key 'rate': unknown key");
    expect_error("{\"phases\":[{\"rate\":5,\"durration\":\"1s\"}]}",
                 "key 'phases[0].durration': unknown key");
    expect_error("{\"events\":{\"mix\":{\"purchase\":1}}}",
                 "key 'events.mix.purchase': unknown key");
    expect_error("{\"errors\":{\"kinds\":{\"typo\":1}}}", "key 'errors.kinds.typo': unknown key");
    expect_error("{\"users\":10,\"users\":20,\"duration\":\"1s\"}",
                 "invalid JSON at column 13: duplicate key 'users'");
    expect_error("{\"phases\":[{\"rate\":\"fast\"}],\"duration\":\"1s\"}",
                 "key 'phases[0].rate': must be a rate");
    expect_error("{\"phases\":[{\"rate\":5},{\"rate\":6}],\"duration\":\"1s\"}",
                 "key 'phases[0]': needs a \"duration\"");
    expect_error("{\"phases\":[{\"from\":5,\"to\":9}],\"duration\":\"1s\"}",
                 "key 'phases[0]': a ramp needs a \"duration\"");
    expect_error("{\"phases\":[{\"rate\":5,\"from\":1,\"to\":2,\"duration\":\"1s\"}]}",
                 "key 'phases[0]': give \"rate\"");
    expect_error("{\"phases\":[]}", "key 'phases': must be an array");
    expect_error("{\"duration\":\"soon\"}", "key 'duration': must be a duration");
    expect_error("{\"duration\":\"1s\",\"count\":5}", "key 'count': give");
    expect_error("{\"duration\":\"1s\",\"users\":0}", "key 'users': must be a whole number");
    expect_error("{\"duration\":\"1s\",\"users\":\"many\"}", "key 'users'");
    expect_error("{\"duration\":\"1s\",\"zipf\":-1}", "key 'zipf'");
    expect_error("{\"duration\":\"1s\",\"streams\":\"web\"}", "key 'streams'");
    expect_error("{\"duration\":\"1s\",\"streams\":[\"we b\"]}", "invalid stream name 'we b'");
    expect_error("{\"duration\":\"1s\",\"spike\":\"10:5s/30s\"}", "key 'spike'");
    expect_error("{\"duration\":\"1s\",\"events\":{\"style\":\"huge\"}}", "key 'events.style'");
    expect_error("{\"duration\":\"1s\",\"events\":{\"mix\":{\"track\":-1}}}",
                 "key 'events.mix.track'");
    expect_error("{\"duration\":\"1s\",\"events\":{\"mix\":{\"track\":0}}}", "'events.mix'");
    expect_error("{\"duration\":\"1s\",\"payload\":{\"min\":\"1KB\"}}",
                 "key 'payload.distribution': missing");
    expect_error("{\"duration\":\"1s\",\"payload\":{\"distribution\":\"uniform\",\"min\":"
                 "\"2KB\",\"max\":\"1KB\"}}",
                 "key 'payload.min'");
    expect_error("{\"duration\":\"1s\",\"errors\":{\"share\":2}}", "key 'errors.share'");
    expect_error("{\"duration\":\"1s\",\"sessions\":{\"concurrent\":0}}",
                 "key 'sessions.concurrent'");
    expect_error("{\"seed\":1.5,\"duration\":\"1s\"}", "key 'seed'");
    expect_error("{\"name\":\"\",\"duration\":\"1s\"}", "key 'name'");
    expect_error("[1,2]", "must be an object");
    expect_error("{\"duration\":\"1s\",", "invalid JSON at column 18: expected a key in quotes");
    expect_error("{}", "never ends");
}

/* examples/scenarios/NAME.json is the built-in NAME, parameter for parameter. */
static void test_examples_equal_builtins(void **state)
{
    (void)state;
    for (size_t i = 0; lt_synth_builtin_names[i]; i++) {
        struct lt_synth_config a, b;
        struct lt_err err;
        char path[512], *ma, *mb;
        snprintf(path, sizeof(path), "%s/../../examples/scenarios/%s.json", LT_TEST_DATA,
                 lt_synth_builtin_names[i]);
        assert_int_equal(lt_synth_builtin(lt_synth_builtin_names[i], &a, &err), 0);
        if (lt_synth_load(&b, path, &err))
            fail_msg("%s", err.msg);
        ma = lt_synth_meta_json(&a, NULL);
        mb = lt_synth_meta_json(&b, NULL);
        assert_string_equal(ma, mb);
        free(ma);
        free(mb);
    }
}

/* The launch-day example: a ramp and spikes, and it loads. */
static void test_launch_day_example(void **state)
{
    struct lt_synth_config c;
    struct lt_err err;
    char path[512];
    int ramp = 0;

    (void)state;
    snprintf(path, sizeof(path), "%s/../../examples/scenarios/launch-day.json", LT_TEST_DATA);
    if (lt_synth_load(&c, path, &err))
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < c.nphases; i++)
        ramp |= c.phases[i].rate_from != c.phases[i].rate_to;
    assert_true(ramp);
    assert_int_equal(c.has_spike, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_errors_name_the_key),
        cmocka_unit_test(test_examples_equal_builtins),
        cmocka_unit_test(test_launch_day_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
