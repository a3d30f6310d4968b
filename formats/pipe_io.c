/*
 * pipe_io.c - the record pipeline's adapters to files: JSON lines and HAR
 * logs read as record sources, and written as record sinks.
 *
 * The sources own the rules of an import that are not the record format's:
 * JSONL lines are bounded and must be in time order, a HAR log is read whole
 * (bounded) and its entries go out in startedDateTime order. Their errors
 * name the file and the line or entry, as `loadtape import` prints them.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK ((size_t)1 << 20)
/* The sinks write their buffer out once it holds this much. */
#define FLUSH_AT ((size_t)1 << 20)
/* What the records of a HAR log may take in memory (they are smaller than its text). */
#define HAR_RECORDS_MAX (2 * LT_HAR_FILE_MAX)

/* Messages quote input; a control character in them must not break the line. */
static void one_line(struct lt_err *err)
{
    for (char *p = err->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* {"source":{"kind":"import","format":FORMAT,"file":FILE}}, malloc'd; NULL out of memory. */
static char *import_meta(const char *file, const char *format)
{
    cJSON *m = cJSON_CreateObject(), *s = cJSON_CreateObject();
    char *text = NULL;

    if (m && s && cJSON_AddStringToObject(s, "kind", "import") &&
        cJSON_AddStringToObject(s, "format", format) && cJSON_AddStringToObject(s, "file", file) &&
        cJSON_AddItemToObject(m, "source", s)) {
        s = NULL;
        text = cJSON_PrintUnformatted(m);
    }
    cJSON_Delete(s);
    cJSON_Delete(m);
    return text;
}

/* ---- a bounded line reader ------------------------------------------------ */

struct line_reader {
    FILE *f;
    struct lt_buf buf;
    size_t start, scan;
    size_t max_line;
    int eof;
};

/*
 * The next line (without "\n" or "\r\n"): 1 with *line set, 0 at the end,
 * LT_E_LIMIT for a line longer than max_line, LT_E_IO for a read error (a
 * read cut short by a signal is one: the caller is being stopped). The line
 * stays valid until the next call.
 */
static int next_line(struct line_reader *lr, const char **line, size_t *len)
{
    for (;;) {
        uint8_t *nl = lr->buf.len > lr->scan
                          ? memchr(lr->buf.data + lr->scan, '\n', lr->buf.len - lr->scan)
                          : NULL;
        size_t n;

        if (nl || (lr->eof && lr->start < lr->buf.len)) {
            size_t end = nl ? (size_t)(nl - lr->buf.data) : lr->buf.len;
            if (end - lr->start > lr->max_line)
                return LT_E_LIMIT;
            *line = (const char *)lr->buf.data + lr->start;
            *len = end - lr->start;
            if (*len && (*line)[*len - 1] == '\r')
                (*len)--;
            lr->start = lr->scan = nl ? end + 1 : end;
            return 1;
        }
        if (lr->eof)
            return 0;
        lr->scan = lr->buf.len;
        if (lr->buf.len - lr->start > lr->max_line)
            return LT_E_LIMIT;
        /* keep only the unfinished line, then read more */
        if (lr->start)
            memmove(lr->buf.data, lr->buf.data + lr->start, lr->buf.len - lr->start);
        lr->buf.len -= lr->start;
        lr->scan -= lr->start;
        lr->start = 0;
        if (lt_buf_reserve(&lr->buf, READ_CHUNK))
            return LT_E_LIMIT;
        n = fread(lr->buf.data + lr->buf.len, 1, READ_CHUNK, lr->f);
        lr->buf.len += n;
        if (ferror(lr->f))
            return LT_E_IO;
        if (n == 0)
            lr->eof = 1;
    }
}

/* The longest line a record within the limits can take: every byte escaped as \u00XX. */
static size_t max_line_for(const struct lt_limits *l)
{
    return 6 * (l->body_max + l->headers_max + l->url_max) + 32 * l->nheaders_max + 4096;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* ---- JSON lines as a source -------------------------------------------------- */

struct jsonl_src {
    const char *name;
    struct lt_limits lim;
    struct line_reader lr;
    struct lt_recbuf rb;
    uint64_t lineno, rec_line, prev_ts, n;
    char *meta;
    char where[320];
};

static int jsonl_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct jsonl_src *s = ctx;
    const char *line;
    size_t len;
    int rc;

    for (;;) {
        s->lineno++;
        rc = next_line(&s->lr, &line, &len);
        if (rc == 0)
            return 0;
        if (rc == LT_E_LIMIT)
            return lt_error(err, LT_E_LIMIT,
                            "'%s' line %llu: line is longer than %zu bytes (the record limits)",
                            s->name, (unsigned long long)s->lineno, s->lr.max_line);
        if (rc < 0)
            return lt_error(err, LT_E_IO, "cannot read '%s': %s", s->name, strerror(errno));
        if (s->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            line += 3; /* a UTF-8 byte order mark, as some editors write */
            len -= 3;
        }
        if (!is_blank(line, len)) /* blank lines carry nothing */
            break;
    }
    if ((rc = lt_jsonl_parse(&s->rb, line, len, &s->lim, err))) {
        one_line(err);
        lt_err_prefix(err, "'%s' line %llu", s->name, (unsigned long long)s->lineno);
        return rc;
    }
    if (s->n && s->rb.rec.ts_ns < s->prev_ts)
        return lt_error(err, LT_E_FORMAT,
                        "'%s' line %llu: ts_ns %llu is below the previous record's %llu "
                        "(records must be in time order)",
                        s->name, (unsigned long long)s->lineno, (unsigned long long)s->rb.rec.ts_ns,
                        (unsigned long long)s->prev_ts);
    s->prev_ts = s->rb.rec.ts_ns;
    s->rec_line = s->lineno;
    s->n++;
    *rec = s->rb.rec;
    return 1;
}

static const char *jsonl_meta(void *ctx)
{
    return ((struct jsonl_src *)ctx)->meta;
}

static const char *jsonl_where(void *ctx)
{
    struct jsonl_src *s = ctx;

    snprintf(s->where, sizeof(s->where), "'%s' line %llu", s->name,
             (unsigned long long)s->rec_line);
    return s->where;
}

static void jsonl_release(void *ctx)
{
    struct jsonl_src *s = ctx;

    if (!s)
        return;
    lt_recbuf_release(&s->rb);
    lt_buf_release(&s->lr.buf);
    free(s->meta);
    free(s);
}

int lt_jsonl_source(struct lt_record_source *src, FILE *in, const char *name,
                    const struct lt_limits *l, struct lt_err *err)
{
    struct jsonl_src *s = calloc(1, sizeof(*s));

    memset(src, 0, sizeof(*src));
    if (!s || !(s->meta = import_meta(name, "jsonl"))) {
        free(s);
        return lt_error(err, LT_E_NOMEM, "out of memory");
    }
    s->name = name;
    s->lim = *l;
    s->lr.f = in;
    s->lr.max_line = max_line_for(l);
    lt_buf_init(&s->lr.buf, s->lr.max_line + READ_CHUNK + 16);
    lt_recbuf_init(&s->rb);
    src->ctx = s;
    src->next = jsonl_next;
    src->meta = jsonl_meta;
    src->where = jsonl_where;
    src->release = jsonl_release;
    return 0;
}

/* ---- a HAR log as a source ------------------------------------------------------- */

/*
 * The records of the log, in order, copied out of the document so that it
 * can be freed: each one's bytes in one arena (method, url, body, then each
 * header's name and value), the rest in a small descriptor.
 */
struct har_rec {
    uint64_t ts_ns, session, resp_latency_ns;
    size_t off, body_len;
    uint32_t method_len, url_len, nheaders, flags;
    uint16_t status;
    uint8_t has_response;
};

struct har_src {
    const char *name;
    struct lt_buf arena;
    struct lt_buf hlens; /* per header: name and value lengths (uint32_t each) */
    struct har_rec *recs;
    size_t n, cap, next;
    size_t *hoff; /* where each record's header lengths start in hlens */
    struct lt_header *hdrs;
    size_t hdrs_cap;
    char *meta;
    char where[300];
};

static int har_keep(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct har_src *h = ctx;
    struct har_rec *d;

    if (h->n == h->cap) {
        size_t ncap = h->cap ? 2 * h->cap : 64;
        struct har_rec *v = realloc(h->recs, ncap * sizeof(*v));
        size_t *o = v ? realloc(h->hoff, ncap * sizeof(*o)) : NULL;
        if (v)
            h->recs = v;
        if (!o)
            return lt_error(err, LT_E_NOMEM, "out of memory");
        h->hoff = o;
        h->cap = ncap;
    }
    d = &h->recs[h->n];
    *d = (struct har_rec){r->ts_ns,
                          r->session,
                          r->resp_latency_ns,
                          h->arena.len,
                          r->body.len,
                          (uint32_t)r->method.len,
                          (uint32_t)r->url.len,
                          (uint32_t)r->nheaders,
                          r->flags,
                          r->status,
                          (uint8_t)(r->has_response != 0)};
    h->hoff[h->n] = h->hlens.len;
    if (lt_buf_append(&h->arena, r->method.p, r->method.len) ||
        lt_buf_append(&h->arena, r->url.p, r->url.len) ||
        lt_buf_append(&h->arena, r->body.p, r->body.len))
        goto full;
    for (size_t i = 0; i < r->nheaders; i++) {
        uint32_t lens[2] = {(uint32_t)r->headers[i].name.len, (uint32_t)r->headers[i].value.len};
        if (lt_buf_append(&h->hlens, lens, sizeof(lens)) ||
            lt_buf_append(&h->arena, r->headers[i].name.p, r->headers[i].name.len) ||
            lt_buf_append(&h->arena, r->headers[i].value.p, r->headers[i].value.len))
            goto full;
    }
    h->n++;
    return 0;
full:
    return lt_error(err, LT_E_LIMIT, "the records take over %zu MiB", HAR_RECORDS_MAX >> 20);
}

static int har_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct har_src *h = ctx;
    const struct har_rec *d;
    const uint8_t *p;

    if (h->next >= h->n)
        return 0;
    d = &h->recs[h->next];
    if (d->nheaders > h->hdrs_cap) {
        struct lt_header *v = realloc(h->hdrs, d->nheaders * sizeof(*v));
        if (!v)
            return lt_error(err, LT_E_NOMEM, "out of memory");
        h->hdrs = v;
        h->hdrs_cap = d->nheaders;
    }
    p = h->arena.data + d->off;
    memset(rec, 0, sizeof(*rec));
    rec->ts_ns = d->ts_ns;
    rec->session = d->session;
    rec->method = (struct lt_bytes){p, d->method_len};
    p += d->method_len;
    rec->url = (struct lt_bytes){p, d->url_len};
    p += d->url_len;
    rec->body = (struct lt_bytes){p, d->body_len};
    p += d->body_len;
    for (size_t i = 0; i < d->nheaders; i++) {
        uint32_t lens[2];
        memcpy(lens, h->hlens.data + h->hoff[h->next] + i * sizeof(lens), sizeof(lens));
        h->hdrs[i].name = (struct lt_bytes){p, lens[0]};
        h->hdrs[i].value = (struct lt_bytes){p + lens[0], lens[1]};
        p += lens[0] + lens[1];
    }
    rec->headers = h->hdrs;
    rec->nheaders = d->nheaders;
    rec->has_response = d->has_response;
    rec->status = d->status;
    rec->resp_latency_ns = d->resp_latency_ns;
    rec->flags = d->flags;
    h->next++;
    return 1;
}

static int har_rewind(void *ctx, struct lt_err *err)
{
    (void)err;
    ((struct har_src *)ctx)->next = 0;
    return 0;
}

static const char *har_meta(void *ctx)
{
    return ((struct har_src *)ctx)->meta;
}

static const char *har_where(void *ctx)
{
    struct har_src *h = ctx;

    snprintf(h->where, sizeof(h->where), "'%s'", h->name);
    return h->where;
}

static void har_release(void *ctx)
{
    struct har_src *h = ctx;

    if (!h)
        return;
    lt_buf_release(&h->arena);
    lt_buf_release(&h->hlens);
    free(h->recs);
    free(h->hoff);
    free(h->hdrs);
    free(h->meta);
    free(h);
}

/* The whole of in, at most LT_HAR_FILE_MAX bytes, into doc. */
static int read_whole(FILE *in, const char *name, struct lt_buf *doc, struct lt_err *err)
{
    size_t n;

    do {
        if (lt_buf_reserve(doc, READ_CHUNK))
            return lt_error(err, LT_E_LIMIT,
                            "'%s' is larger than %zu MiB, the most a HAR import reads", name,
                            LT_HAR_FILE_MAX >> 20);
        n = fread(doc->data + doc->len, 1, READ_CHUNK, in);
        doc->len += n;
        if (ferror(in)) /* also a read cut short by a signal: the caller is being stopped */
            return lt_error(err, LT_E_IO, "cannot read '%s': %s", name, strerror(errno));
    } while (n > 0);
    return 0;
}

int lt_har_source(struct lt_record_source *src, FILE *in, const char *name,
                  const struct lt_limits *l, uint64_t *origin_ns, struct lt_err *err)
{
    struct har_src *h = calloc(1, sizeof(*h));
    struct lt_buf doc;
    uint64_t origin = 0;
    int rc;

    memset(src, 0, sizeof(*src));
    lt_buf_init(&doc, LT_HAR_FILE_MAX);
    if (!h)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    h->name = name;
    lt_buf_init(&h->arena, HAR_RECORDS_MAX);
    lt_buf_init(&h->hlens, HAR_RECORDS_MAX);
    if ((rc = read_whole(in, name, &doc, err)))
        goto fail;
    if (!(h->meta = import_meta(name, "har"))) {
        rc = lt_error(err, LT_E_NOMEM, "out of memory");
        goto fail;
    }
    if ((rc = lt_har_import((const char *)doc.data, doc.len, l, &origin, har_keep, h, err))) {
        one_line(err);
        lt_err_prefix(err, "'%s'", name);
        goto fail;
    }
    lt_buf_release(&doc);
    if (h->n)
        *origin_ns = origin;
    src->ctx = h;
    src->next = har_next;
    src->rewind = har_rewind;
    src->meta = har_meta;
    src->where = har_where;
    src->release = har_release;
    return 0;
fail:
    lt_buf_release(&doc);
    har_release(h);
    return rc;
}

/* ---- JSON lines and HAR logs as sinks ------------------------------------------ */

struct file_sink {
    FILE *f;
    const char *name;
    struct lt_buf b;
    int har, first;
    uint64_t origin_ns;
};

static int write_out(struct file_sink *s, struct lt_err *err)
{
    if (s->b.len && fwrite(s->b.data, 1, s->b.len, s->f) != s->b.len)
        return lt_error(err, LT_E_IO, "cannot write '%s': %s", s->name, strerror(errno));
    lt_buf_reset(&s->b);
    return 0;
}

static int no_room(struct file_sink *s, struct lt_err *err)
{
    return lt_error(err, LT_E_NOMEM, "out of memory writing '%s'", s->name);
}

static int file_put(void *ctx, const struct lt_record *rec, struct lt_err *err)
{
    struct file_sink *s = ctx;

    if (s->har ? lt_har_entry(&s->b, rec, s->origin_ns, s->first) : lt_jsonl_write(&s->b, rec))
        return no_room(s, err);
    s->first = 0;
    return s->b.len >= FLUSH_AT ? write_out(s, err) : 0;
}

static int file_finish(void *ctx, const char *meta, struct lt_err *err)
{
    struct file_sink *s = ctx;
    int rc;

    (void)meta; /* JSONL and HAR carry records only */
    if (s->har && lt_har_end(&s->b))
        return no_room(s, err);
    if ((rc = write_out(s, err)))
        return rc;
    if (fflush(s->f) != 0 || ferror(s->f))
        return lt_error(err, LT_E_IO, "cannot write '%s': %s", s->name, strerror(errno));
    return 0;
}

static void file_release(void *ctx)
{
    struct file_sink *s = ctx;

    if (!s)
        return;
    lt_buf_release(&s->b);
    free(s);
}

static int file_sink(struct lt_record_sink *out, FILE *f, const char *name, int har,
                     uint64_t origin_ns, struct lt_err *err)
{
    struct file_sink *s = calloc(1, sizeof(*s));

    memset(out, 0, sizeof(*out));
    if (!s)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    s->f = f;
    s->name = name;
    s->har = har;
    s->first = 1;
    s->origin_ns = origin_ns;
    lt_buf_init(&s->b, 0);
    if (har && lt_har_begin(&s->b, origin_ns)) {
        int rc = no_room(s, err);
        file_release(s);
        return rc;
    }
    out->ctx = s;
    out->put = file_put;
    out->finish = file_finish;
    out->release = file_release;
    return 0;
}

int lt_jsonl_sink(struct lt_record_sink *out, FILE *f, const char *name, struct lt_err *err)
{
    return file_sink(out, f, name, 0, 0, err);
}

int lt_har_sink(struct lt_record_sink *out, FILE *f, const char *name, uint64_t origin_ns,
                struct lt_err *err)
{
    return file_sink(out, f, name, 1, origin_ns, err);
}
