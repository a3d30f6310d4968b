/*
 * rewrite.c - the rules of replay that fit a recording to another
 * environment (--rewrite-path, --set-query, --drop-query, --set-field,
 * --drop-field; --header and --drop-header are applied by request.c and only
 * counted here). They run on the reader's side, once per record, before the
 * request is built and serialised, so the send path never sees them: the
 * record that comes out points at the rewritten path and body, and
 * lt_request_build then gives it a Content-Length true to the new body.
 *
 * Each rule counts the records it matched (the thing it names was there) and
 * the records it added something to (a --set-query parameter, a --header or a
 * --set-field path that was missing), so a run can say which rule never
 * matched: usually a typing error in a path or a name.
 */
#include "lt_replay.h"

#include <cjson/cJSON.h>

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RULES_MAX 256
#define GROUPS 10 /* the whole match and \1..\9 */

struct rule {
    enum lt_rule_kind kind;
    char *subject; /* regex, parameter, header or field path (owned) */
    char *value;   /* replacement, query value, or the field's JSON text (owned) */
    regex_t re;    /* LT_RULE_REWRITE_PATH */
    int has_re;
    uint64_t matched, added;
};

struct lt_rewrite {
    struct rule r[RULES_MAX];
    size_t n;
    struct lt_buf url[2], body[2], tmp;
    struct lt_json_edit *je;
};

static const char *const kind_opt[] = {
    [LT_RULE_REWRITE_PATH] = "--rewrite-path", [LT_RULE_SET_QUERY] = "--set-query",
    [LT_RULE_DROP_QUERY] = "--drop-query",     [LT_RULE_HEADER] = "--header",
    [LT_RULE_DROP_HEADER] = "--drop-header",   [LT_RULE_SET_FIELD] = "--set-field",
    [LT_RULE_DROP_FIELD] = "--drop-field",
};

struct lt_rewrite *lt_rewrite_new(void)
{
    struct lt_rewrite *rw = calloc(1, sizeof(*rw));

    if (!rw)
        return NULL;
    for (int i = 0; i < 2; i++) {
        lt_buf_init(&rw->url[i], 0);
        lt_buf_init(&rw->body[i], 0);
    }
    lt_buf_init(&rw->tmp, 0);
    return rw;
}

void lt_rewrite_free(struct lt_rewrite *rw)
{
    if (!rw)
        return;
    for (size_t i = 0; i < rw->n; i++) {
        free(rw->r[i].subject);
        free(rw->r[i].value);
        if (rw->r[i].has_re)
            regfree(&rw->r[i].re);
    }
    for (int i = 0; i < 2; i++) {
        lt_buf_release(&rw->url[i]);
        lt_buf_release(&rw->body[i]);
    }
    lt_buf_release(&rw->tmp);
    lt_json_edit_free(rw->je);
    free(rw);
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Characters a query parameter's name or value may not carry raw in a request target. */
static int bad_query_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '&' || *s == '#')
            return 1;
    return 0;
}

/* The parts of an argument: "A<sep>B" (sep NULL: the whole argument is A). */
static int split(struct rule *r, const char *arg, const char *sep, struct lt_err *err)
{
    const char *at = sep ? strstr(arg, sep) : NULL;
    size_t alen = at ? (size_t)(at - arg) : strlen(arg);

    if (sep && !at)
        return lt_error(err, LT_E_USAGE, "%s: expected '%s' in '%s'", kind_opt[r->kind], sep, arg);
    if (alen == 0)
        return lt_error(err, LT_E_USAGE, "%s: nothing before '%s' in '%s'", kind_opt[r->kind],
                        sep ? sep : "", arg);
    r->subject = dup_n(arg, alen);
    r->value = at ? strdup(at + strlen(sep)) : NULL;
    if (!r->subject || (at && !r->value))
        return lt_error(err, LT_E_NOMEM, "out of memory");
    return 0;
}

static int check_replacement(struct rule *r, struct lt_err *err)
{
    for (const char *p = r->value; *p; p++) {
        if (*p != '\\')
            continue;
        if (p[1] >= '1' && p[1] <= '9' && (size_t)(p[1] - '0') > r->re.re_nsub)
            return lt_error(err, LT_E_USAGE,
                            "--rewrite-path: '\\%c' in '%s', but the expression has %zu group%s",
                            p[1], r->value, r->re.re_nsub, r->re.re_nsub == 1 ? "" : "s");
        if (p[1])
            p++;
    }
    if (strpbrk(r->value, "\r\n"))
        return lt_error(err, LT_E_USAGE, "--rewrite-path: a line break in the replacement");
    return 0;
}

/* A --set-field VALUE: a JSON literal when it reads as one, else a string. */
static int field_value(struct rule *r, struct lt_err *err)
{
    struct lt_buf b;
    char *v;

    if (lt_json_is_value(r->value, strlen(r->value)))
        return 0;
    if (!lt_utf8_valid((const uint8_t *)r->value, strlen(r->value)))
        return lt_error(err, LT_E_USAGE, "--set-field %s: the value is not UTF-8 text", r->subject);
    lt_buf_init(&b, 0);
    if (lt_buf_json_str(&b, r->value) || lt_buf_cstr(&b)) {
        lt_buf_release(&b);
        return lt_error(err, LT_E_NOMEM, "out of memory");
    }
    v = (char *)lt_buf_steal(&b, NULL);
    free(r->value);
    r->value = v;
    return 0;
}

int lt_rewrite_add(struct lt_rewrite *rw, enum lt_rule_kind kind, const char *arg,
                   struct lt_err *err)
{
    struct rule *r;
    int rc = 0;

    if (rw->n == RULES_MAX)
        return lt_error(err, LT_E_USAGE, "more than %d rewrite rules", RULES_MAX);
    r = &rw->r[rw->n];
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    switch (kind) {
    case LT_RULE_REWRITE_PATH: {
        int e;
        if ((rc = split(r, arg, "=>", err)))
            break;
        e = regcomp(&r->re, r->subject, REG_EXTENDED);
        if (e) {
            char msg[128];
            regerror(e, &r->re, msg, sizeof(msg));
            rc = lt_error(err, LT_E_USAGE, "--rewrite-path: invalid expression '%s': %s",
                          r->subject, msg);
            break;
        }
        r->has_re = 1;
        rc = check_replacement(r, err);
        break;
    }
    case LT_RULE_SET_QUERY:
        if (!(rc = split(r, arg, "=", err)) &&
            (bad_query_text(r->subject) || bad_query_text(r->value)))
            rc = lt_error(err, LT_E_USAGE,
                          "--set-query: '%s' has a blank, '&' or '#' (percent-encode them)", arg);
        break;
    case LT_RULE_DROP_QUERY:
        if (!(rc = split(r, arg, NULL, err)) && bad_query_text(r->subject))
            rc = lt_error(err, LT_E_USAGE, "--drop-query: '%s' has a blank, '&' or '#'", arg);
        break;
    case LT_RULE_HEADER:
        rc = split(r, arg, ":", err);
        break;
    case LT_RULE_DROP_HEADER:
        rc = split(r, arg, NULL, err);
        break;
    case LT_RULE_SET_FIELD:
    case LT_RULE_DROP_FIELD:
        rc = split(r, arg, kind == LT_RULE_SET_FIELD ? "=" : NULL, err);
        if (!rc && (r->subject[0] == '.' || r->subject[strlen(r->subject) - 1] == '.' ||
                    strstr(r->subject, "..")))
            rc = lt_error(err, LT_E_USAGE, "%s: '%s' is not a dotted path (a.b.c)", kind_opt[kind],
                          r->subject);
        if (!rc && kind == LT_RULE_SET_FIELD)
            rc = field_value(r, err);
        if (!rc && !rw->je && !(rw->je = lt_json_edit_new()))
            rc = lt_error(err, LT_E_NOMEM, "out of memory");
        break;
    default:
        rc = lt_error(err, LT_E_USAGE, "unknown rule");
    }
    if (rc) {
        free(r->subject);
        free(r->value);
        if (r->has_re)
            regfree(&r->re);
        memset(r, 0, sizeof(*r));
        return rc;
    }
    rw->n++;
    return 0;
}

size_t lt_rewrite_count(const struct lt_rewrite *rw)
{
    return rw ? rw->n : 0;
}

void lt_rewrite_stat(const struct lt_rewrite *rw, size_t i, struct lt_rule_stat *st)
{
    const struct rule *r = &rw->r[i];

    st->kind = r->kind;
    st->option = kind_opt[r->kind];
    st->subject = r->subject;
    st->matched = r->matched;
    st->added = r->added;
}

cJSON *lt_rewrite_json(const struct lt_rewrite *rw)
{
    cJSON *arr = cJSON_CreateArray();

    for (size_t i = 0; arr && i < lt_rewrite_count(rw); i++) {
        struct lt_rule_stat st;
        cJSON *o = cJSON_CreateObject();
        lt_rewrite_stat(rw, i, &st);
        cJSON_AddNumberToObject(o, "rule", (double)(i + 1));
        cJSON_AddStringToObject(o, "option", st.option);
        cJSON_AddStringToObject(o, "subject", st.subject);
        cJSON_AddItemToObject(o, "matched", lt_json_u64(st.matched));
        cJSON_AddItemToObject(o, "added", lt_json_u64(st.added));
        cJSON_AddBoolToObject(o, "never_matched", st.matched == 0);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

void lt_rewrite_reset_counts(struct lt_rewrite *rw)
{
    for (size_t i = 0; rw && i < rw->n; i++)
        rw->r[i].matched = rw->r[i].added = 0;
}

/* ---- applying ---------------------------------------------------------------- */

/* The url being rewritten: cur points at the record's or at one of the two buffers. */
struct text {
    const uint8_t *p;
    size_t len;
    int which; /* the buffer it is in, -1: the record's */
};

/* The buffer not holding t, emptied, to build t's next version in. */
static struct lt_buf *other(struct lt_buf *two, const struct text *t)
{
    struct lt_buf *b = &two[t->which == 0 ? 1 : 0];

    lt_buf_reset(b);
    return b;
}

static void take(struct text *t, struct lt_buf *two, struct lt_buf *b)
{
    t->p = b->data;
    t->len = b->len;
    t->which = (int)(b - two);
}

static int rewrite_path(struct lt_rewrite *rw, struct rule *r, struct text *u)
{
    regmatch_t m[GROUPS];
    size_t plen = 0;
    struct lt_buf *b;
    const char *path;
    int rc = 0;

    while (plen < u->len && u->p[plen] != '?')
        plen++;
    if (memchr(u->p, 0, plen))
        return 0;
    lt_buf_reset(&rw->tmp);
    if (lt_buf_append(&rw->tmp, u->p, plen) || lt_buf_cstr(&rw->tmp))
        return LT_E_NOMEM;
    path = (const char *)rw->tmp.data;
    for (int g = 0; g < GROUPS; g++)
        m[g].rm_so = m[g].rm_eo = -1;
    /* only the groups there are: glibc finds each one with a pass of its own */
    if (regexec(&r->re, path, r->re.re_nsub + 1 < GROUPS ? r->re.re_nsub + 1 : GROUPS, m, 0) != 0)
        return 0;
    b = other(rw->url, u);
    rc |= lt_buf_append(b, path, (size_t)m[0].rm_so);
    for (const char *q = r->value; *q; q++) {
        if (*q == '\\' && q[1] >= '0' && q[1] <= '9') {
            int g = q[1] - '0';
            if (m[g].rm_so >= 0)
                rc |= lt_buf_append(b, path + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
            q++;
        } else if (*q == '\\' && q[1]) {
            rc |= lt_buf_putc(b, (uint8_t)q[1]);
            q++;
        } else {
            rc |= lt_buf_putc(b, (uint8_t)*q);
        }
    }
    rc |= lt_buf_append(b, path + m[0].rm_eo, plen - (size_t)m[0].rm_eo);
    rc |= lt_buf_append(b, u->p + plen, u->len - plen);
    if (rc)
        return LT_E_NOMEM;
    take(u, rw->url, b);
    return 1;
}

/* --set-query (value) and --drop-query (value NULL): every parameter of that name. */
static int edit_query(struct lt_rewrite *rw, struct rule *r, struct text *u, int *added)
{
    size_t q = 0, nlen = strlen(r->subject), p;
    struct lt_buf *b;
    int rc = 0, found = 0, nparams = 0;

    while (q < u->len && u->p[q] != '?')
        q++;
    b = other(rw->url, u);
    rc |= lt_buf_append(b, u->p, q);
    for (p = q + 1; p <= u->len && q < u->len;) {
        size_t e = p, k;
        while (e < u->len && u->p[e] != '&')
            e++;
        k = p;
        while (k < e && u->p[k] != '=')
            k++;
        if (k - p == nlen && memcmp(u->p + p, r->subject, nlen) == 0) {
            found = 1;
            if (r->value) {
                rc |= lt_buf_putc(b, nparams++ ? '&' : '?');
                rc |= lt_buf_printf(b, "%s=%s", r->subject, r->value);
            }
        } else if (e > p) {
            rc |= lt_buf_putc(b, nparams++ ? '&' : '?');
            rc |= lt_buf_append(b, u->p + p, e - p);
        }
        p = e + 1;
    }
    if (!found && !r->value)
        return 0;
    if (!found) {
        rc |= lt_buf_putc(b, nparams++ ? '&' : '?');
        rc |= lt_buf_printf(b, "%s=%s", r->subject, r->value);
        *added = 1;
    }
    if (rc)
        return LT_E_NOMEM;
    take(u, rw->url, b);
    return found;
}

static int has_header(const struct lt_record *rec, const char *name, size_t nlen)
{
    for (size_t i = 0; i < rec->nheaders; i++)
        if (rec->headers[i].name.len == nlen &&
            strncasecmp((const char *)rec->headers[i].name.p, name, nlen) == 0)
            return 1;
    return 0;
}

int lt_rewrite_apply(struct lt_rewrite *rw, const struct lt_record *rec, struct lt_record *out,
                     struct lt_err *err)
{
    struct text u = {rec->url.p, rec->url.len, -1}, body = {rec->body.p, rec->body.len, -1};

    *out = *rec;
    for (size_t i = 0; rw && i < rw->n; i++) {
        struct rule *r = &rw->r[i];
        int rc = 0, added = 0;
        switch (r->kind) {
        case LT_RULE_REWRITE_PATH:
            rc = rewrite_path(rw, r, &u);
            break;
        case LT_RULE_SET_QUERY:
        case LT_RULE_DROP_QUERY:
            rc = edit_query(rw, r, &u, &added);
            break;
        case LT_RULE_HEADER:
            /* applied by lt_request_build: here only counted */
            rc = has_header(rec, r->subject, strlen(r->subject));
            added = !rc;
            break;
        case LT_RULE_DROP_HEADER:
            rc = has_header(rec, r->subject, strlen(r->subject));
            break;
        case LT_RULE_SET_FIELD:
        case LT_RULE_DROP_FIELD: {
            struct lt_buf *b = other(rw->body, &body);
            size_t matched = 0;
            rc = lt_json_edit_apply(rw->je, b, body.p, body.len, r->subject, r->value, &matched,
                                    &added);
            if (rc == 1)
                take(&body, rw->body, b);
            if (rc >= 0)
                rc = matched > 0;
            break;
        }
        }
        if (rc < 0)
            return lt_error(err, rc, "out of memory rewriting a request");
        r->matched += rc > 0;
        r->added += added != 0;
    }
    out->url = (struct lt_bytes){u.p, u.len};
    out->body = (struct lt_bytes){body.p, body.len};
    return 0;
}
