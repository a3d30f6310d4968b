/*
 * pipe.c - the record pipeline's plumbing: pumping a source into a sink,
 * releasing either end, a parsed HTTP message as a record, and the tape as
 * a source (with a window) and as a sink.
 */
#include "lt_formats.h"

#include <stdlib.h>
#include <string.h>

int lt_record_pump(struct lt_record_source *src, struct lt_record_sink *out,
                   const volatile int *stop, uint64_t *n, struct lt_err *err)
{
    struct lt_record rec;
    uint64_t put = 0;
    int rc = 0;

    if (!src->next) {
        if (!src->run)
            return lt_error(err, LT_E_USAGE, "a record source that can neither be read nor run");
        return src->run(src->ctx, out, err);
    }
    while (!(stop && *stop)) {
        rc = src->next(src->ctx, &rec, err);
        if (rc <= 0)
            break;
        rc = out->put(out->ctx, &rec, err);
        if (rc > 0) {
            put++; /* taken, and enough */
            break;
        }
        if (rc) {
            if (src->where)
                lt_err_prefix(err, "%s", src->where(src->ctx));
            break;
        }
        put++;
    }
    if (n)
        *n = put;
    return rc < 0 ? rc : 0;
}

void lt_record_source_release(struct lt_record_source *src)
{
    if (src->release)
        src->release(src->ctx);
    memset(src, 0, sizeof(*src));
}

void lt_record_sink_release(struct lt_record_sink *out)
{
    if (out->release)
        out->release(out->ctx);
    memset(out, 0, sizeof(*out));
}

uint64_t lt_record_sink_durable(const struct lt_record_sink *out, uint64_t put)
{
    return out->durable ? out->durable(out->ctx) : put;
}

void lt_record_from_http(struct lt_record *r, const struct lt_http_msg *m)
{
    memset(r, 0, sizeof(*r));
    r->method = m->method;
    r->url = m->url;
    r->headers = m->headers;
    r->nheaders = m->nheaders;
    r->body = m->body;
}

/* ---- the tape as a source -------------------------------------------------- */

struct tape_src {
    struct lt_tape_reader *rd;
    struct lt_tape_window w;
};

static int tape_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct tape_src *t = ctx;
    int rc = lt_tape_reader_next(t->rd, rec, err);

    if (rc == 1 && t->w.to_ts && rec->ts_ns >= t->w.to_ts)
        return 0;
    return rc;
}

static int tape_rewind(void *ctx, struct lt_err *err)
{
    struct tape_src *t = ctx;

    if (t->w.has_from)
        return lt_tape_reader_seek_ts(t->rd, t->w.from_ts, err);
    return lt_tape_reader_seek_block(t->rd, 0, err);
}

int lt_tape_source(struct lt_record_source *src, struct lt_tape_reader *rd,
                   const struct lt_tape_window *w, struct lt_err *err)
{
    struct tape_src *t = calloc(1, sizeof(*t));

    memset(src, 0, sizeof(*src));
    if (!t)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    t->rd = rd;
    if (w)
        t->w = *w;
    if (t->w.has_from) {
        int rc = lt_tape_reader_seek_ts(rd, t->w.from_ts, err);
        if (rc) {
            free(t);
            return rc;
        }
    }
    src->ctx = t;
    src->next = tape_next;
    src->rewind = tape_rewind;
    src->release = free;
    return 0;
}

/* ---- the tape as a sink ------------------------------------------------------ */

struct tape_sink {
    struct lt_tape_writer *w; /* NULL once closed */
    uint64_t held;            /* records safe in the file, once closed */
};

static int tape_put(void *ctx, const struct lt_record *rec, struct lt_err *err)
{
    struct tape_sink *t = ctx;

    if (!t->w)
        return lt_error(err, LT_E_USAGE, "the tape is already closed");
    return lt_tape_writer_append(t->w, rec, err);
}

static int tape_finish(void *ctx, const char *meta, struct lt_err *err)
{
    struct tape_sink *t = ctx;
    uint64_t all, written;
    int rc;

    if (!t->w)
        return lt_error(err, LT_E_USAGE, "the tape is already closed");
    all = lt_tape_writer_count(t->w);
    written = lt_tape_writer_written(t->w);
    rc = lt_tape_writer_close(t->w, meta, err);
    t->w = NULL;
    t->held = rc ? written : all;
    return rc;
}

static uint64_t tape_durable(void *ctx)
{
    struct tape_sink *t = ctx;

    return t->w ? lt_tape_writer_written(t->w) : t->held;
}

static void tape_release(void *ctx)
{
    struct tape_sink *t = ctx;

    if (t->w)
        lt_tape_writer_abort(t->w);
    free(t);
}

int lt_tape_sink(struct lt_record_sink *out, struct lt_tape_writer *w, struct lt_err *err)
{
    struct tape_sink *t = calloc(1, sizeof(*t));

    memset(out, 0, sizeof(*out));
    if (!t) {
        lt_tape_writer_abort(w);
        return lt_error(err, LT_E_NOMEM, "out of memory");
    }
    t->w = w;
    out->ctx = t;
    out->put = tape_put;
    out->finish = tape_finish;
    out->release = tape_release;
    out->durable = tape_durable;
    return 0;
}
