/* test_rewrite.c - rewrite rules: path regex with groups, query, JSON field edits, counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_replay.h"

/* body edited at path (value NULL: dropped); the result as a C string, "=" when unchanged */
static const char *edit(const char *body, const char *path, const char *value, size_t *matched,
                        int *added)
{
    static char out[4096];
    struct lt_json_edit *e = lt_json_edit_new();
    struct lt_buf b;
    size_t m = 0;
    int a = 0, rc;

    lt_buf_init(&b, 0);
    rc = lt_json_edit_apply(e, &b, (const uint8_t *)body, strlen(body), path, value, &m, &a);
    assert_true(rc >= 0);
    if (rc == 0) {
        assert_int_equal(b.len, 0);
        strcpy(out, "=");
    } else {
        assert_true(b.len < sizeof(out));
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
        /* whatever the edit, the result is one JSON value */
        assert_true(lt_json_is_value(out, b.len));
    }
    if (matched)
        *matched = m;
    if (added)
        *added = a;
    lt_buf_release(&b);
    lt_json_edit_free(e);
    return out;
}

static void test_set_field(void **state)
{
    size_t m;
    int a;
    (void)state;
    assert_string_equal(edit("{\"a\":1,\"b\":2}", "a", "\"x\"", &m, &a), "{\"a\":\"x\",\"b\":2}");
    assert_int_equal(m, 1);
    assert_int_equal(a, 0);
    /* nested, whitespace kept, escaped keys compared decoded */
    assert_string_equal(edit("{ \"c\" : { \"l\\u0069b\" : {\"name\" : \"js\" } } }", "c.lib.name",
                             "\"lt\"", &m, &a),
                        "{ \"c\" : { \"l\\u0069b\" : {\"name\" : \"lt\" } } }");
    /* missing: added to the root with the objects on the way */
    assert_string_equal(edit("{\"a\":1}", "c.l.n", "true", &m, &a),
                        "{\"a\":1,\"c\":{\"l\":{\"n\":true}}}");
    assert_int_equal(m, 0);
    assert_int_equal(a, 1);
    assert_string_equal(edit("{ }", "k", "1", &m, &a), "{ \"k\":1}");
    assert_string_equal(edit("{\"c\":{}}", "c.k", "1", &m, &a), "{\"c\":{\"k\":1}}");
    /* a key on the way that is not an object: nothing */
    assert_string_equal(edit("{\"c\":\"s\"}", "c.k", "1", &m, &a), "=");
    assert_int_equal(a, 0);
    /* not an object, not JSON: left alone */
    assert_string_equal(edit("[1,2]", "a", "1", &m, &a), "=");
    assert_string_equal(edit("{\"a\":", "a", "1", &m, &a), "=");
    assert_string_equal(edit("", "a", "1", &m, &a), "=");
    /* a value that is a whole object or array is replaced whole */
    assert_string_equal(edit("{\"a\":{\"x\":[1,{\"y\":\"}\"}]},\"b\":0}", "a", "null", &m, &a),
                        "{\"a\":null,\"b\":0}");
}

static void test_batch(void **state)
{
    size_t m;
    int a;
    (void)state;
    /* the root and each object of batch[]; other elements skipped */
    assert_string_equal(
        edit("{\"k\":\"p\",\"batch\":[{\"k\":1},7,{\"j\":2},{\"k\":3}]}", "k", "\"s\"", &m, &a),
        "{\"k\":\"s\",\"batch\":[{\"k\":\"s\"},7,{\"j\":2},{\"k\":\"s\"}]}");
    assert_int_equal(m, 3);
    assert_int_equal(a, 0);
    /* found in an element only: not added to the root */
    assert_string_equal(edit("{\"batch\":[{\"c\":{\"n\":1}},{}]}", "c.n", "2", &m, &a),
                        "{\"batch\":[{\"c\":{\"n\":2}},{}]}");
    assert_int_equal(a, 0);
    assert_string_equal(
        edit("{\"batch\":[{\"ip\":1,\"x\":2},{\"x\":3,\"ip\":4}]}", "ip", NULL, &m, &a),
        "{\"batch\":[{\"x\":2},{\"x\":3}]}");
    assert_int_equal(m, 2);
    /* batch itself replaced: the edits inside it are dropped */
    assert_string_equal(edit("{\"batch\":[{\"batch\":1}]}", "batch", "[]", &m, &a),
                        "{\"batch\":[]}");
}

static void test_drop_field(void **state)
{
    size_t m;
    int a;
    (void)state;
    assert_string_equal(edit("{\"a\":1,\"b\":2,\"c\":3}", "a", NULL, &m, &a), "{\"b\":2,\"c\":3}");
    assert_string_equal(edit("{\"a\":1,\"b\":2,\"c\":3}", "b", NULL, &m, &a), "{\"a\":1,\"c\":3}");
    assert_string_equal(edit("{\"a\":1,\"b\":2,\"c\":3}", "c", NULL, &m, &a), "{\"a\":1,\"b\":2}");
    assert_string_equal(edit("{ \"a\" : 1 }", "a", NULL, &m, &a), "{  }");
    assert_string_equal(edit("{\"x\":{\"a\":\"q,\\\"}\",\"b\":[1]}}", "x.b", NULL, &m, &a),
                        "{\"x\":{\"a\":\"q,\\\"}\"}}");
    assert_string_equal(edit("{\"a\":1}", "z", NULL, &m, &a), "=");
    assert_int_equal(m, 0);
    assert_int_equal(a, 0);
}

/* rec through rules; url and body of the result as C strings */
struct res {
    char url[512], body[1024];
};

static void apply(struct lt_rewrite *rw, const char *url, const char *body, struct res *r)
{
    struct lt_record in, out;
    struct lt_err err;
    static const struct lt_header h[] = {{{(const uint8_t *)"X-A", 3}, {(const uint8_t *)"1", 1}}};

    memset(&in, 0, sizeof(in));
    in.method = (struct lt_bytes){(const uint8_t *)"POST", 4};
    in.url = (struct lt_bytes){(const uint8_t *)url, strlen(url)};
    in.body = (struct lt_bytes){(const uint8_t *)body, strlen(body)};
    in.headers = h;
    in.nheaders = 1;
    assert_int_equal(lt_rewrite_apply(rw, &in, &out, &err), 0);
    snprintf(r->url, sizeof(r->url), "%.*s", (int)out.url.len, (const char *)out.url.p);
    snprintf(r->body, sizeof(r->body), "%.*s", (int)out.body.len, (const char *)out.body.p);
}

static void test_rules_in_order(void **state)
{
    struct lt_rewrite *rw = lt_rewrite_new();
    struct lt_err err;
    struct lt_rule_stat st;
    struct res r;
    (void)state;
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_REWRITE_PATH,
                                    "^/query/api([0-9])/(.*)$=>/uni\\\\query/v\\1/\\2", &err),
                     0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_REWRITE_PATH, "uni=>multi", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_QUERY, "key=s", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_DROP_QUERY, "t", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "writeKey=stg", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "n=007", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_HEADER, "X-A: 2", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_DROP_HEADER, "X-B", &err), 0);
    assert_int_equal(lt_rewrite_count(rw), 8);

    apply(rw, "/query/api1/a/b?t=1&key=p&u=2&key=q", "{\"writeKey\":\"p\"}", &r);
    /* the second path rule sees the first one's result; \\ is a backslash */
    assert_string_equal(r.url, "/multi\\query/v1/a/b?key=s&u=2&key=s");
    /* a value that is not a JSON literal is a string ("007" is not a JSON number) */
    assert_string_equal(r.body, "{\"writeKey\":\"stg\",\"n\":\"007\"}");
    apply(rw, "/other", "", &r);
    assert_string_equal(r.url, "/other?key=s");
    assert_string_equal(r.body, "");

    lt_rewrite_stat(rw, 0, &st);
    assert_string_equal(st.option, "--rewrite-path");
    assert_string_equal(st.subject, "^/query/api([0-9])/(.*)$");
    assert_int_equal(st.matched, 1);
    lt_rewrite_stat(rw, 2, &st);
    assert_int_equal(st.matched, 1);
    assert_int_equal(st.added, 1);
    lt_rewrite_stat(rw, 3, &st);
    assert_int_equal(st.matched, 1);
    lt_rewrite_stat(rw, 5, &st);
    assert_int_equal(st.matched, 0);
    assert_int_equal(st.added, 1);
    lt_rewrite_stat(rw, 6, &st);
    assert_string_equal(st.subject, "X-A");
    assert_int_equal(st.matched, 2);
    lt_rewrite_stat(rw, 7, &st);
    assert_int_equal(st.matched, 0);
    lt_rewrite_reset_counts(rw);
    lt_rewrite_stat(rw, 0, &st);
    assert_int_equal(st.matched, 0);
    lt_rewrite_free(rw);
}

static void test_set_field_values(void **state)
{
    struct lt_rewrite *rw = lt_rewrite_new();
    struct lt_err err;
    struct res r;
    (void)state;
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "a=12.5", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "b={\"x\":[1]}", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "c=\"5\"", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "d=caf\xc3\xa9 \"q\"\\", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "e=", &err), 0);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "f=a=b", &err), 0);
    apply(rw, "/", "{}", &r);
    assert_string_equal(r.body, "{\"a\":12.5,\"b\":{\"x\":[1]},\"c\":\"5\","
                                "\"d\":\"caf\xc3\xa9 \\\"q\\\"\\\\\",\"e\":\"\",\"f\":\"a=b\"}");
    lt_rewrite_free(rw);
}

static void test_usage_errors(void **state)
{
    struct lt_rewrite *rw = lt_rewrite_new();
    struct lt_err err;
    (void)state;
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_REWRITE_PATH, "/a", &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "'=>'"));
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_REWRITE_PATH, "=>/a", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_REWRITE_PATH, "(a=>/b", &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "invalid expression"));
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_REWRITE_PATH, "(a)=>\\2", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_QUERY, "a", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_QUERY, "a=b c", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_QUERY, "a=b&c=d", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "a.b", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, ".a=1", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_DROP_FIELD, "a.", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_add(rw, LT_RULE_SET_FIELD, "a=\xff", &err), LT_E_USAGE);
    assert_int_equal(lt_rewrite_count(rw), 0);
    lt_rewrite_free(rw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_field),        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_drop_field),       cmocka_unit_test(test_rules_in_order),
        cmocka_unit_test(test_set_field_values), cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
