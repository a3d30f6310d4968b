/*
 * test_synth_source.c - the generator as a record source: the records of
 * lt_synth_next byte for byte, the same again after rewind(), and meta() as
 * a tape's header (before the first record) and final metadata (after).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lt_synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every record as JSONL, from next() until the end. */
static void lines(int (*next)(void *, struct lt_record *, struct lt_err *), void *ctx,
                  struct lt_buf *out)
{
    struct lt_record r;
    struct lt_err err;
    int rc;

    while ((rc = next(ctx, &r, &err)) == 1)
        assert_int_equal(lt_jsonl_write(out, &r), 0);
    assert_int_equal(rc, 0);
}

static int gen_next(void *ctx, struct lt_record *r, struct lt_err *err)
{
    return lt_synth_next(ctx, r, err);
}

static void test_source_is_the_generator(void **state)
{
    struct lt_synth_config c;
    struct lt_record_source src;
    struct lt_err err;
    struct lt_buf want, got;
    struct lt_synth *s;
    char *meta0, *meta1;

    (void)state;
    assert_int_equal(lt_synth_builtin("errors", &c, &err), 0);
    c.count = 3000;
    c.duration_ns = 0;
    s = lt_synth_new(&c, &err);
    assert_non_null(s);
    lt_buf_init(&want, 0);
    lt_buf_init(&got, 0);
    meta0 = lt_synth_meta_json(&c, NULL);
    lines(gen_next, s, &want);
    meta1 = lt_synth_meta_json(&c, s);
    assert_non_null(meta0);
    assert_non_null(meta1);
    assert_string_not_equal(meta0, meta1); /* what was made is in the final one */

    assert_int_equal(lt_synth_source(&src, &c, &err), 0);
    assert_string_equal(src.meta(src.ctx), meta0);
    lines(src.next, src.ctx, &got);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    assert_string_equal(src.meta(src.ctx), meta1);
    /* rewind: the same records, and the counts start over */
    assert_int_equal(src.rewind(src.ctx, &err), 0);
    assert_string_equal(src.meta(src.ctx), meta0);
    lt_buf_reset(&got);
    lines(src.next, src.ctx, &got);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    assert_string_equal(src.meta(src.ctx), meta1);
    lt_record_source_release(&src);
    free(meta0);
    free(meta1);
    lt_synth_free(s);
    lt_buf_release(&want);
    lt_buf_release(&got);
}

static void test_bad_config(void **state)
{
    struct lt_synth_config c;
    struct lt_record_source src;
    struct lt_err err;

    (void)state;
    assert_int_equal(lt_synth_builtin("baseline", &c, &err), 0);
    c.nstreams = 0;
    lt_err_clear(&err);
    assert_true(lt_synth_source(&src, &c, &err) < 0);
    assert_true(err.msg[0] != '\0');
    assert_null(src.next);
    assert_null(src.ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_is_the_generator),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
