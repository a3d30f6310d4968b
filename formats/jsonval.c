/* jsonval.c - a strict, bounded JSON reader keeping raw numbers and sized strings. */
#include "jsonval.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Objects up to this many members have their keys compared pairwise; larger
 * ones through the document's hash of keys, so no object costs quadratic time. */
#define PAIRWISE_MAX 8
/* Bytes of a key or string quoted in a message. */
#define QUOTE_MAX 40

struct parser {
    struct jv_doc *d;
    const char *p, *end;
    struct lt_err *err;
};

void jv_init(struct jv_doc *d, size_t max_nodes)
{
    memset(d, 0, sizeof(*d));
    d->max_nodes = max_nodes;
    lt_buf_init(&d->strs, 0);
}

void jv_init_local(struct jv_doc *d, size_t max_nodes, struct jv_node *local, size_t n)
{
    jv_init(d, max_nodes);
    d->nodes = local;
    d->cap = n;
    d->local = local;
}

void jv_release(struct jv_doc *d)
{
    if (!d)
        return;
    if (d->nodes != d->local)
        free(d->nodes);
    free(d->keys);
    lt_buf_release(&d->strs);
    memset(d, 0, sizeof(*d));
}

/*
 * Says where the input went wrong: "column C" within one line, "line L,
 * column C" in a document of several lines.
 */
static int fail_at(const struct jv_doc *d, size_t off, const char *what, struct lt_err *err)
{
    size_t line = 1, col = 1;

    for (size_t i = 0; i < off && i < d->inlen; i++) {
        if (d->in[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (line == 1)
        return lt_error(err, LT_E_FORMAT, "invalid JSON at column %zu: %s", col, what);
    return lt_error(err, LT_E_FORMAT, "invalid JSON at line %zu, column %zu: %s", line, col, what);
}

static int fail(struct parser *ps, const char *at, const char *what)
{
    return fail_at(ps->d, (size_t)(at - ps->d->in), what, ps->err);
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* A new node; returns its index + 1, or 0 after an error. */
static uint32_t new_node(struct parser *ps, enum jv_type t)
{
    struct jv_doc *d = ps->d;

    if (d->max_nodes && d->n >= d->max_nodes) {
        lt_error(ps->err, LT_E_LIMIT, "JSON has more than %zu values", d->max_nodes);
        return 0;
    }
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 32;
        struct jv_node *nn;
        if (d->max_nodes && ncap > d->max_nodes)
            ncap = d->max_nodes;
        if (d->nodes == d->local) {
            /* out of the caller's storage: onto the heap */
            if ((nn = malloc(ncap * sizeof(*nn))) && d->n)
                memcpy(nn, d->nodes, d->n * sizeof(*nn));
        } else {
            nn = realloc(d->nodes, ncap * sizeof(*nn));
        }
        if (!nn) {
            lt_error(ps->err, LT_E_NOMEM, "out of memory reading JSON");
            return 0;
        }
        d->nodes = nn;
        d->cap = ncap;
    }
    memset(&d->nodes[d->n], 0, sizeof(d->nodes[0]));
    d->nodes[d->n].type = (uint8_t)t;
    d->nodes[d->n].pos = (uint32_t)(ps->p - d->in);
    return (uint32_t)++d->n;
}

static int hex4(const char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            *v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            *v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    return 0;
}

static int put_utf8(struct lt_buf *b, uint32_t cp)
{
    uint8_t o[4];
    size_t n;

    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (uint8_t)(0xc0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (uint8_t)(0xe0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        o[0] = (uint8_t)(0xf0 | cp >> 18);
        o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return lt_buf_append(b, o, n);
}

/*
 * Reads a string at ps->p (on the opening quote). Without escapes it stays
 * in the input; otherwise it is decoded into strs. Either way it must be
 * valid UTF-8 and hold no raw control character.
 */
static int parse_string(struct parser *ps, uint32_t *off, uint32_t *len, uint8_t *esc)
{
    const char *start = ++ps->p, *q = start;
    struct lt_buf *b = &ps->d->strs;
    size_t boff;
    int rc;

    while (q < ps->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
        q++;
    if (q < ps->end && *q == '"') {
        if (!lt_utf8_valid((const uint8_t *)start, (size_t)(q - start)))
            return fail(ps, start, "string is not valid UTF-8");
        *off = (uint32_t)(start - ps->d->in);
        *len = (uint32_t)(q - start);
        *esc = 0;
        ps->p = q + 1;
        return 0;
    }
    boff = b->len;
    if ((rc = lt_buf_append(b, start, (size_t)(q - start))))
        return lt_error(ps->err, rc, "JSON strings too large");
    while (q < ps->end && *q != '"') {
        unsigned char c = (unsigned char)*q;
        if (c < 0x20)
            return fail(ps, q, "control character in a string");
        if (c != '\\') {
            const char *r = q;
            while (r < ps->end && *r != '"' && *r != '\\' && (unsigned char)*r >= 0x20)
                r++;
            if ((rc = lt_buf_append(b, q, (size_t)(r - q))))
                return lt_error(ps->err, rc, "JSON strings too large");
            q = r;
            continue;
        }
        if (ps->end - q < 2)
            return fail(ps, start - 1, "unterminated string");
        switch (q[1]) {
        case '"':
        case '\\':
        case '/':
            rc = lt_buf_putc(b, (uint8_t)q[1]);
            q += 2;
            break;
        case 'b':
            rc = lt_buf_putc(b, '\b');
            q += 2;
            break;
        case 'f':
            rc = lt_buf_putc(b, '\f');
            q += 2;
            break;
        case 'n':
            rc = lt_buf_putc(b, '\n');
            q += 2;
            break;
        case 'r':
            rc = lt_buf_putc(b, '\r');
            q += 2;
            break;
        case 't':
            rc = lt_buf_putc(b, '\t');
            q += 2;
            break;
        case 'u': {
            uint32_t cp, lo;
            if (ps->end - q < 6 || hex4(q + 2, &cp))
                return fail(ps, q, "bad \\u escape");
            q += 6;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail(ps, q - 6, "lone low surrogate in \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (ps->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &lo) ||
                    lo < 0xdc00 || lo > 0xdfff)
                    return fail(ps, q - 6, "lone high surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                q += 6;
            }
            rc = put_utf8(b, cp);
            break;
        }
        default:
            return fail(ps, q, "bad escape in a string");
        }
        if (rc)
            return lt_error(ps->err, rc, "JSON strings too large");
    }
    if (q >= ps->end)
        return fail(ps, start - 1, "unterminated string");
    if (b->len > boff && !lt_utf8_valid(b->data + boff, b->len - boff))
        return fail(ps, start, "string is not valid UTF-8");
    if (b->len > UINT32_MAX)
        return lt_error(ps->err, LT_E_LIMIT, "JSON strings too large");
    *off = (uint32_t)boff;
    *len = (uint32_t)(b->len - boff);
    *esc = 1;
    ps->p = q + 1;
    return 0;
}

static int parse_number(struct parser *ps, struct jv_node *n)
{
    const char *q = ps->p;

    if (q < ps->end && *q == '-')
        q++;
    if (q >= ps->end || *q < '0' || *q > '9')
        return fail(ps, ps->p, "bad number");
    if (*q == '0')
        q++;
    else
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    if (q < ps->end && *q == '.') {
        q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return fail(ps, ps->p, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return fail(ps, ps->p, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    n->off = (uint32_t)(ps->p - ps->d->in);
    n->len = (uint32_t)(q - ps->p);
    ps->p = q;
    return 0;
}

/* ---- keys given twice ---------------------------------------------------------- */

static int same_key(const struct jv_doc *d, const struct jv_node *m, const char *k, size_t kl)
{
    size_t ml;

    return m->klen == kl && memcmp(jv_key(d, m, &ml), k, kl) == 0;
}

static size_t key_hash(uint32_t obj, const char *k, size_t kl)
{
    uint64_t h = 1469598103934665603ull ^ obj;

    for (size_t i = 0; i < kl; i++)
        h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
    return (size_t)(h ^ h >> 29);
}

/* The slot of (obj, key) in the hash of keys, or the free slot where it would go. */
static size_t key_slot(const struct jv_doc *d, uint32_t obj, const char *k, size_t kl, int *found)
{
    size_t mask = d->keys_cap - 1;

    for (size_t i = key_hash(obj, k, kl) & mask;; i = (i + 1) & mask) {
        uint64_t e = d->keys[i];
        if (!e || ((uint32_t)(e >> 32) == obj && same_key(d, &d->nodes[(uint32_t)e - 1], k, kl))) {
            *found = e != 0;
            return i;
        }
    }
}

/* Adds member (index + 1) of obj (index + 1) to the hash of keys; it is not there yet. */
static int key_add(struct parser *ps, uint32_t obj, uint32_t member)
{
    struct jv_doc *d = ps->d;
    size_t kl;
    const char *k;
    int found;

    if ((d->nkeys + 1) * 2 > d->keys_cap) {
        size_t ocap = d->keys_cap, ncap = ocap ? ocap * 2 : 64;
        uint64_t *old = d->keys, *nk = calloc(ncap, sizeof(*nk));
        if (!nk)
            return lt_error(ps->err, LT_E_NOMEM, "out of memory reading JSON");
        d->keys = nk;
        d->keys_cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i]) {
                k = jv_key(d, &d->nodes[(uint32_t)old[i] - 1], &kl);
                nk[key_slot(d, (uint32_t)(old[i] >> 32), k, kl, &found)] = old[i];
            }
        free(old);
    }
    k = jv_key(d, &d->nodes[member - 1], &kl);
    d->keys[key_slot(d, obj, k, kl, &found)] = (uint64_t)obj << 32 | member;
    d->nkeys++;
    return 0;
}

/*
 * Whether obj (index + 1, with count members so far) already has the key
 * k[0, kl). Up to PAIRWISE_MAX members, *sig (the object's own, 0 at first)
 * has a bit per key's length and first byte, and only a key whose bit is
 * already set is compared with the others: records' keys differ in those, so
 * they cost no comparison. From the (PAIRWISE_MAX + 1)th member on, the
 * object's members go into the hash of keys (*hashed set once they are there).
 */
static int key_seen(struct parser *ps, uint32_t obj, uint32_t count, const char *k, size_t kl,
                    uint64_t *sig, int *hashed, int *seen)
{
    const struct jv_doc *d = ps->d;
    int rc;

    *seen = 0;
    if (count < PAIRWISE_MAX) {
        uint64_t bit = (uint64_t)1 << (((kl ? (uint8_t)k[0] : 0) * 7u + kl) & 63);
        if (*sig & bit) {
            for (uint32_t m = d->nodes[obj - 1].child; m; m = d->nodes[m - 1].next)
                if (same_key(d, &d->nodes[m - 1], k, kl)) {
                    *seen = 1;
                    break;
                }
        }
        *sig |= bit;
        return 0;
    }
    if (!*hashed) {
        for (uint32_t m = d->nodes[obj - 1].child; m; m = d->nodes[m - 1].next)
            if ((rc = key_add(ps, obj, m)))
                return rc;
        *hashed = 1;
    }
    key_slot(d, obj, k, kl, seen);
    return 0;
}

/* ---- values ------------------------------------------------------------------- */

static int parse_value(struct parser *ps, unsigned depth, uint32_t *out);

/* Arrays and objects: children linked in order. */
static int parse_container(struct parser *ps, unsigned depth, uint32_t self, int is_obj)
{
    uint32_t last = 0, count = 0;
    uint64_t sig = 0;
    char close = is_obj ? '}' : ']';
    int rc, hashed = 0;

    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        uint32_t koff = 0, klen = 0, child;
        uint8_t kesc = 0;

        skip_ws(ps);
        if (is_obj) {
            const char *at = ps->p, *k;
            int seen;
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, ps->p, "expected a key in quotes");
            if ((rc = parse_string(ps, &koff, &klen, &kesc)))
                return rc;
            k = kesc ? (const char *)ps->d->strs.data + koff : ps->d->in + koff;
            if ((rc = key_seen(ps, self, count, k, klen, &sig, &hashed, &seen)))
                return rc;
            if (seen) {
                char what[64 + QUOTE_MAX];
                snprintf(what, sizeof(what), "duplicate key '%.*s'",
                         (int)lt_utf8_prefix((const uint8_t *)k, klen, QUOTE_MAX), k);
                return fail(ps, at, what);
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, ps->p, "expected ':'");
            ps->p++;
            skip_ws(ps);
        }
        if ((rc = parse_value(ps, depth + 1, &child)))
            return rc;
        if (is_obj) {
            ps->d->nodes[child - 1].koff = koff;
            ps->d->nodes[child - 1].klen = klen;
            ps->d->nodes[child - 1].kesc = kesc;
        }
        if (last)
            ps->d->nodes[last - 1].next = child;
        else
            ps->d->nodes[self - 1].child = child;
        last = child;
        count++;
        if (hashed && (rc = key_add(ps, self, child)))
            return rc;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            break;
        }
        return fail(ps, ps->p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    ps->d->nodes[self - 1].len = count;
    return 0;
}

static int literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, ps->p, "unexpected character");
    ps->p += n;
    return 0;
}

static int parse_value(struct parser *ps, unsigned depth, uint32_t *out)
{
    uint32_t idx;
    int rc = 0;
    char c;

    if (ps->p >= ps->end)
        return fail(ps, ps->p, "unexpected end of input");
    c = *ps->p;
    switch (c) {
    case '{':
    case '[':
        if (depth >= JV_DEPTH_MAX) {
            char what[64];
            snprintf(what, sizeof(what), "arrays and objects nested more than %d deep",
                     JV_DEPTH_MAX);
            return fail(ps, ps->p, what);
        }
        if (!(idx = new_node(ps, c == '{' ? JV_OBJ : JV_ARR)))
            return ps->err ? ps->err->code : LT_E_NOMEM;
        rc = parse_container(ps, depth, idx, c == '{');
        break;
    case '"': {
        uint32_t off, len;
        uint8_t esc;
        if (!(idx = new_node(ps, JV_STR)))
            return ps->err ? ps->err->code : LT_E_NOMEM;
        rc = parse_string(ps, &off, &len, &esc);
        ps->d->nodes[idx - 1].off = off;
        ps->d->nodes[idx - 1].len = len;
        ps->d->nodes[idx - 1].esc = esc;
        break;
    }
    case 't':
    case 'f':
    case 'n':
        if (!(idx = new_node(ps, c == 't' ? JV_TRUE : c == 'f' ? JV_FALSE : JV_NULL)))
            return ps->err ? ps->err->code : LT_E_NOMEM;
        rc = literal(ps, c == 't' ? "true" : c == 'f' ? "false" : "null");
        break;
    default:
        if (c != '-' && (c < '0' || c > '9'))
            return fail(ps, ps->p, "unexpected character");
        if (!(idx = new_node(ps, JV_NUM)))
            return ps->err ? ps->err->code : LT_E_NOMEM;
        rc = parse_number(ps, &ps->d->nodes[idx - 1]);
        break;
    }
    *out = idx;
    return rc;
}

int jv_parse(struct jv_doc *d, const char *in, size_t len, struct lt_err *err)
{
    struct parser ps = {d, in, in + len, err};
    uint32_t root;
    int rc;

    d->in = in;
    d->inlen = len;
    d->n = 0;
    lt_buf_reset(&d->strs);
    if (d->nkeys) {
        memset(d->keys, 0, d->keys_cap * sizeof(*d->keys));
        d->nkeys = 0;
    }
    if (len > JV_INPUT_MAX)
        return lt_error(err, LT_E_LIMIT, "JSON input of %zu bytes is too large", len);
    skip_ws(&ps);
    if ((rc = parse_value(&ps, 0, &root)))
        return rc;
    skip_ws(&ps);
    if (ps.p != ps.end)
        return fail(&ps, ps.p, "unexpected data after the JSON value");
    return 0;
}

/*
 * Only a string that had escapes can hold a NUL (a raw one is a control
 * character, refused): those are looked at once the text is read, so the
 * reader's own loop pays nothing for it. A key is reported where its value is.
 */
int lt_json_check(const char *text, size_t len, struct lt_err *err)
{
    struct jv_doc d;
    int rc;

    jv_init(&d, 0);
    rc = jv_parse(&d, text, len, err);
    for (size_t i = 0; !rc && i < d.n; i++) {
        const struct jv_node *n = &d.nodes[i];
        if ((n->esc && n->type == JV_STR && memchr(d.strs.data + n->off, 0, n->len)) ||
            (n->kesc && memchr(d.strs.data + n->koff, 0, n->klen)))
            rc = fail_at(&d, n->pos, "a string holds \\u0000, which this file cannot carry", err);
    }
    jv_release(&d);
    return rc;
}

const struct jv_node *jv_root(const struct jv_doc *d)
{
    return d->n ? &d->nodes[0] : NULL;
}

const struct jv_node *jv_child(const struct jv_doc *d, const struct jv_node *n)
{
    return n && n->child ? &d->nodes[n->child - 1] : NULL;
}

const struct jv_node *jv_next(const struct jv_doc *d, const struct jv_node *n)
{
    return n && n->next ? &d->nodes[n->next - 1] : NULL;
}

const char *jv_str(const struct jv_doc *d, const struct jv_node *n, size_t *len)
{
    *len = n->len;
    if (n->esc)
        return (const char *)d->strs.data + n->off;
    return d->in + n->off;
}

const char *jv_key(const struct jv_doc *d, const struct jv_node *n, size_t *len)
{
    *len = n->klen;
    if (n->kesc)
        return (const char *)d->strs.data + n->koff;
    return d->in + n->koff;
}

int jv_key_is(const struct jv_doc *d, const struct jv_node *n, const char *key)
{
    size_t len, kl = strlen(key);
    const char *k = jv_key(d, n, &len);

    return len == kl && memcmp(k, key, kl) == 0;
}

const struct jv_node *jv_get(const struct jv_doc *d, const struct jv_node *obj, const char *key)
{
    if (!obj || obj->type != JV_OBJ)
        return NULL;
    for (const struct jv_node *c = jv_child(d, obj); c; c = jv_next(d, c))
        if (jv_key_is(d, c, key))
            return c;
    return NULL;
}

static int digits_u64(const char *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;

    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned dg;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        dg = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - dg) / 10)
            return -1;
        x = x * 10 + dg;
    }
    *v = x;
    return 0;
}

int jv_u64(const struct jv_doc *d, const struct jv_node *n, uint64_t *v)
{
    size_t len;
    const char *s;

    if (n->type == JV_NUM)
        return digits_u64(d->in + n->off, n->len, v);
    if (n->type == JV_STR) {
        s = jv_str(d, n, &len);
        return digits_u64(s, len, v);
    }
    return -1;
}

int jv_double(const struct jv_doc *d, const struct jv_node *n, double *v)
{
    char tmp[64], *end;

    if (n->type != JV_NUM || n->len >= sizeof(tmp))
        return -1;
    memcpy(tmp, d->in + n->off, n->len);
    tmp[n->len] = '\0';
    errno = 0;
    *v = strtod(tmp, &end);
    if (errno == ERANGE || *end)
        return -1;
    return 0;
}

const char *jv_type_name(const struct jv_node *n)
{
    static const char *const names[] = {"null",     "false",    "true",     "a number",
                                        "a string", "an array", "an object"};
    return n && n->type <= JV_OBJ ? names[n->type] : "nothing";
}
