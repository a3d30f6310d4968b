/*
 * jsonedit.c - one field of a JSON body set or removed at a dotted path
 * (replay's --set-field and --drop-field), the rest of the text kept byte for
 * byte. The body is read with the strict reader (jsonval.c), so only a valid
 * document is edited and every edit is a whole value or a whole member: the
 * result is valid JSON again. Positions come from the reader's nodes; a
 * value's end is found by skipping it in the (already validated) text.
 */
#include "jsonval.h"

#include <stdlib.h>
#include <string.h>

/* Nodes a body may have before it is left alone (memory bound: about 36 MB). */
#define EDIT_MAX_NODES ((size_t)1 << 20)
#define EDIT_MAX_DEPTH 32 /* segments of a path */

struct edit {
    size_t start, end; /* bytes of the input replaced */
    size_t roff, rlen; /* the replacement, in struct lt_json_edit.rep */
};

struct lt_json_edit {
    struct jv_doc doc;
    struct edit *ed;
    size_t ned, edcap;
    struct lt_buf rep;
};

struct lt_json_edit *lt_json_edit_new(void)
{
    struct lt_json_edit *e = calloc(1, sizeof(*e));

    if (!e)
        return NULL;
    jv_init(&e->doc, EDIT_MAX_NODES);
    lt_buf_init(&e->rep, 0);
    return e;
}

void lt_json_edit_free(struct lt_json_edit *e)
{
    if (!e)
        return;
    jv_release(&e->doc);
    lt_buf_release(&e->rep);
    free(e->ed);
    free(e);
}

int lt_json_is_value(const char *s, size_t n)
{
    struct jv_doc d;
    struct lt_err err;
    int rc;

    jv_init(&d, 4096);
    rc = jv_parse(&d, s, n, &err);
    jv_release(&d);
    return rc == 0;
}

/* ---- positions in validated JSON text --------------------------------------- */

static size_t skip_ws(const char *s, size_t p, size_t n)
{
    while (p < n && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n'))
        p++;
    return p;
}

static size_t skip_str(const char *s, size_t p, size_t n)
{
    for (p++; p < n; p++) {
        if (s[p] == '\\')
            p++;
        else if (s[p] == '"')
            return p + 1;
    }
    return n;
}

/* The end of the value starting at p (one past its last byte). */
static size_t value_end(const char *s, size_t p, size_t n)
{
    size_t depth = 0;

    if (p >= n)
        return n;
    if (s[p] == '"')
        return skip_str(s, p, n);
    if (s[p] != '{' && s[p] != '[') {
        while (p < n && !strchr(",]} \t\r\n", s[p]))
            p++;
        return p;
    }
    while (p < n) {
        char c = s[p];
        if (c == '"') {
            p = skip_str(s, p, n);
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return n;
}

/* Where one member of an object lies in the text. */
struct member {
    const struct jv_node *node;
    size_t kstart; /* where its key starts, when it is the first member */
    size_t vstart, vend;
    size_t prev_vend; /* end of the previous member's value, when has_prev */
    size_t next_kstart;
    int has_prev, has_next;
};

static int find_member(const struct jv_doc *d, const struct jv_node *obj, const char *key,
                       size_t klen, struct member *m)
{
    const char *s = d->in;
    size_t n = d->inlen;
    const struct jv_node *prev = NULL;

    /* positions are found only for the member asked for: a scan of every value would
     * cost as much as the parse */
    for (const struct jv_node *c = jv_child(d, obj); c; c = jv_next(d, c)) {
        size_t kl;
        const char *k = jv_key(d, c, &kl);
        if (kl == klen && memcmp(k, key, klen) == 0) {
            size_t q;
            m->node = c;
            m->vstart = c->pos;
            m->vend = value_end(s, c->pos, n);
            m->has_prev = prev != NULL;
            m->prev_vend = prev ? value_end(s, prev->pos, n) : 0;
            m->kstart = prev ? 0 : skip_ws(s, obj->pos + 1, n);
            q = skip_ws(s, m->vend, n);
            m->has_next = q < n && s[q] == ',';
            m->next_kstart = m->has_next ? skip_ws(s, q + 1, n) : 0;
            return 1;
        }
        prev = c;
    }
    return 0;
}

static int add_edit(struct lt_json_edit *e, size_t start, size_t end, size_t roff)
{
    if (e->ned == e->edcap) {
        size_t c = e->edcap ? e->edcap * 2 : 16;
        struct edit *ne = realloc(e->ed, c * sizeof(*ne));
        if (!ne)
            return LT_E_NOMEM;
        e->ed = ne;
        e->edcap = c;
    }
    e->ed[e->ned++] = (struct edit){start, end, roff, e->rep.len - roff};
    return 0;
}

struct path {
    const char *seg[EDIT_MAX_DEPTH];
    size_t len[EDIT_MAX_DEPTH];
    size_t n;
};

/*
 * Follows the path from obj. Returns 1 with the last member found; 0 when a
 * key is missing (*missing_at: its segment, *parent: the object that lacks
 * it), -1 when a key on the way holds something other than an object.
 */
static int follow(const struct jv_doc *d, const struct jv_node *obj, const struct path *p,
                  struct member *m, size_t *missing_at, const struct jv_node **parent)
{
    for (size_t i = 0; i < p->n; i++) {
        if (!find_member(d, obj, p->seg[i], p->len[i], m)) {
            *missing_at = i;
            *parent = obj;
            return 0;
        }
        if (i + 1 < p->n) {
            if (m->node->type != JV_OBJ)
                return -1;
            obj = m->node;
        }
    }
    return 1;
}

/* An edit at one object (the root, or an element of batch[]); 1 when the path was there. */
static int edit_at(struct lt_json_edit *e, const struct jv_node *obj, const struct path *p,
                   const char *value, size_t vlen)
{
    struct member m;
    size_t miss;
    const struct jv_node *parent;
    size_t roff = e->rep.len;

    if (follow(&e->doc, obj, p, &m, &miss, &parent) != 1)
        return 0;
    if (value) {
        if (lt_buf_append(&e->rep, value, vlen) || add_edit(e, m.vstart, m.vend, roff))
            return LT_E_NOMEM;
    } else if (m.has_prev) {
        if (add_edit(e, m.prev_vend, m.vend, roff))
            return LT_E_NOMEM;
    } else if (m.has_next) {
        if (add_edit(e, m.kstart, m.next_kstart, roff))
            return LT_E_NOMEM;
    } else if (add_edit(e, m.kstart, m.vend, roff)) {
        return LT_E_NOMEM;
    }
    return 1;
}

/* Adds the path to the root object: the missing members and objects, then the value. */
static int add_at_root(struct lt_json_edit *e, const struct path *p, const char *value, size_t vlen,
                       int *added)
{
    struct member m;
    size_t miss, at, roff = e->rep.len;
    const struct jv_node *parent;
    int rc = 0;

    if (follow(&e->doc, jv_root(&e->doc), p, &m, &miss, &parent) != 0)
        return 0;
    at = value_end(e->doc.in, parent->pos, e->doc.inlen) - 1; /* its closing brace */
    if (parent->child)
        rc |= lt_buf_putc(&e->rep, ',');
    for (size_t i = miss; i < p->n; i++) {
        rc |= lt_buf_json_strn(&e->rep, p->seg[i], p->len[i]);
        rc |= lt_buf_putc(&e->rep, ':');
        if (i + 1 < p->n)
            rc |= lt_buf_putc(&e->rep, '{');
    }
    rc |= lt_buf_append(&e->rep, value, vlen);
    for (size_t i = miss + 1; i < p->n; i++)
        rc |= lt_buf_putc(&e->rep, '}');
    if (rc || add_edit(e, at, at, roff))
        return LT_E_NOMEM;
    *added = 1;
    return 0;
}

static int cmp_edit(const void *a, const void *b)
{
    const struct edit *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int lt_json_edit_apply(struct lt_json_edit *e, struct lt_buf *out, const uint8_t *body, size_t len,
                       const char *path, const char *value, size_t *matched, int *added)
{
    struct path p;
    struct lt_err err;
    const struct jv_node *root, *batch;
    const char *s = (const char *)body;
    size_t vlen = value ? strlen(value) : 0, copied = 0, last_end = 0;
    int rc;

    *matched = 0;
    *added = 0;
    /* the path's segments: keys between dots, none empty */
    p.n = 0;
    for (const char *q = path;;) {
        size_t l = strcspn(q, ".");
        if (l == 0 || p.n == EDIT_MAX_DEPTH)
            return LT_E_USAGE;
        p.seg[p.n] = q;
        p.len[p.n++] = l;
        if (!q[l])
            break;
        q += l + 1;
    }
    if (len == 0 || jv_parse(&e->doc, s, len, &err))
        return 0; /* not JSON (or past the bound): left as it is */
    root = jv_root(&e->doc);
    if (root->type != JV_OBJ)
        return 0;
    e->ned = 0;
    lt_buf_reset(&e->rep);
    if ((rc = edit_at(e, root, &p, value, vlen)) < 0)
        return rc;
    *matched += (size_t)rc;
    batch = jv_get(&e->doc, root, "batch");
    if (batch && batch->type == JV_ARR)
        for (const struct jv_node *c = jv_child(&e->doc, batch); c; c = jv_next(&e->doc, c)) {
            if (c->type != JV_OBJ)
                continue;
            if ((rc = edit_at(e, c, &p, value, vlen)) < 0)
                return rc;
            *matched += (size_t)rc;
        }
    if (!*matched && value && (rc = add_at_root(e, &p, value, vlen, added)) < 0)
        return rc;
    if (!e->ned)
        return 0;
    qsort(e->ed, e->ned, sizeof(e->ed[0]), cmp_edit);
    for (size_t i = 0; i < e->ned; i++) {
        const struct edit *x = &e->ed[i];
        if (x->start < last_end)
            continue; /* inside a value already replaced (--set-field batch=...) */
        if (lt_buf_append(out, s + copied, x->start - copied) ||
            lt_buf_append(out, e->rep.data + x->roff, x->rlen))
            return LT_E_NOMEM;
        copied = last_end = x->end;
    }
    if (lt_buf_append(out, s + copied, len - copied))
        return LT_E_NOMEM;
    return 1;
}
