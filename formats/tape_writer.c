/*
 * tape_writer.c - the streaming tape writer (format v1, docs/FORMAT.md).
 *
 * Records are split into columns as they arrive (timestamps, sessions,
 * methods, URLs, header names and values, bodies, flags, responses), with a
 * per-block dictionary for repeated strings; a full block is compressed as
 * one zstd frame and written with its checksummed header. close() adds the
 * index and the trailer. The writer only appends: it never seeks, so a pipe
 * works, and a writer killed at any point leaves every complete block
 * readable.
 */
#include "tape_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define DEFAULT_BLOCK_RECORDS ((size_t)1 << 20)
#define BLOCK_BYTES_MAX ((size_t)64 << 20)

/* A per-block dictionary of strings: an open-addressing table of entry
 * numbers; entries point at their bytes in the column's literal buffer. */
struct wdict {
    uint32_t *slots; /* entry + 1, 0 = empty */
    size_t nslots;   /* a power of two */
    struct {
        uint64_t hash;
        size_t off;
        size_t len;
    } * ents;
    uint32_t n;
};

struct lt_tape_writer {
    int fd;
    int own_fd;
    int is_reg; /* a regular file we created: abort() removes it */
    char *name;
    char *tmp;   /* a regular file's name until its first record (or close) */
    int replace; /* a file was at the name: it stays until a clean close */
    int failed;
    int level;
    size_t block_records, block_bytes;
    ZSTD_CCtx *cctx;

    struct lt_buf cols[COL_COUNT];
    struct wdict dicts[4]; /* method, url, header name, header value */
    uint32_t blk_nrec;
    uint64_t blk_first_ts, prev_ts, prev_session;
    int have_ts;
    uint64_t last_ts; /* of the previous record appended, for the order check */

    struct lt_buf raw; /* directory + columns of the block being written */
    struct lt_buf out; /* block header + compressed frame */
    struct lt_buf index;
    uint64_t offset; /* bytes written so far */
    uint64_t nrecords, nblocks, raw_bytes;
    struct lt_tape_stats *stats;
};

static const int dict_col[4] = {COL_METHOD, COL_URL, COL_HNAME, COL_HVALUE};

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = 0;
        memcpy(&v, p, n);
        h = (h ^ v) * 0x94d049bb133111ebULL;
    }
    return lt_splitmix64(h);
}

static int write_all(struct lt_tape_writer *w, const uint8_t *p, size_t n, struct lt_err *err)
{
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            w->failed = 1;
            return lt_error(err, LT_E_IO, "cannot write tape '%s': %s", w->name, strerror(errno));
        }
        p += k;
        n -= (size_t)k;
        w->offset += (uint64_t)k;
    }
    return 0;
}

static void dict_reset(struct wdict *d)
{
    if (d->slots && d->n)
        memset(d->slots, 0, d->nslots * sizeof(*d->slots));
    d->n = 0;
}

static int dict_grow(struct wdict *d)
{
    size_t ns = d->nslots ? d->nslots * 2 : 1024;
    uint32_t *slots = calloc(ns, sizeof(*slots));
    void *ents = realloc(d->ents, (ns / 2) * sizeof(*d->ents));

    if (!slots || !ents) {
        free(slots);
        if (ents)
            d->ents = ents;
        return LT_E_NOMEM;
    }
    d->ents = ents;
    for (uint32_t i = 0; i < d->n; i++) {
        size_t s = d->ents[i].hash & (ns - 1);
        while (slots[s])
            s = (s + 1) & (ns - 1);
        slots[s] = i + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = ns;
    return 0;
}

/*
 * Appends one string to a dictionary column: a code (entry number + 2 for a
 * repeat) and, for a new string, its length and bytes in the literal column.
 * Short strings are remembered so their next occurrence costs a code only.
 */
static int put_dict(struct lt_tape_writer *w, int which, struct lt_bytes s)
{
    struct wdict *d = &w->dicts[which];
    struct lt_buf *codes = &w->cols[dict_col[which]];
    struct lt_buf *lits = &w->cols[dict_col[which] + 1];
    uint64_t h = 0;
    size_t slot = 0;
    int add = s.len <= TAPE_DICT_LIT_MAX && d->n < TAPE_DICT_MAX;
    int rc;

    if (add) {
        if ((size_t)d->n + 1 > d->nslots / 2) {
            rc = dict_grow(d);
            if (rc)
                return rc;
        }
        h = hash_bytes(s.p, s.len);
        slot = h & (d->nslots - 1);
        while (d->slots[slot]) {
            uint32_t e = d->slots[slot] - 1;
            if (d->ents[e].hash == h && d->ents[e].len == s.len &&
                (s.len == 0 || memcmp(lits->data + d->ents[e].off, s.p, s.len) == 0))
                return lt_buf_put_varint(codes, (uint64_t)e + 2);
            slot = (slot + 1) & (d->nslots - 1);
        }
    }
    rc = lt_buf_put_varint(codes, add ? 0 : 1);
    if (!rc)
        rc = lt_buf_put_varint(lits, s.len);
    if (rc)
        return rc;
    if (add) {
        d->ents[d->n].hash = h;
        d->ents[d->n].off = lits->len;
        d->ents[d->n].len = s.len;
        d->slots[slot] = ++d->n;
    }
    return lt_buf_append(lits, s.p, s.len);
}

static size_t block_raw_len(const struct lt_tape_writer *w)
{
    size_t n = 0;

    for (int c = 0; c < COL_COUNT; c++)
        n += w->cols[c].len;
    return n;
}

static void block_reset(struct lt_tape_writer *w)
{
    for (int c = 0; c < COL_COUNT; c++)
        lt_buf_reset(&w->cols[c]);
    for (int i = 0; i < 4; i++)
        dict_reset(&w->dicts[i]);
    w->blk_nrec = 0;
    w->prev_session = 0;
}

/* Compresses the current block and writes its header and frame. */
static int write_block(struct lt_tape_writer *w, struct lt_err *err)
{
    uint8_t *h, ent[TAPE_INDEX_ENTRY];
    size_t bound, csize;
    int rc;

    if (w->blk_nrec == 0)
        return 0;
    lt_buf_reset(&w->raw);
    rc = lt_buf_put_varint(&w->raw, COL_COUNT);
    for (int c = 0; c < COL_COUNT && !rc; c++)
        rc = lt_buf_put_varint(&w->raw, w->cols[c].len);
    for (int c = 0; c < COL_COUNT && !rc; c++)
        rc = lt_buf_append(&w->raw, w->cols[c].data, w->cols[c].len);
    if (rc)
        goto nomem;
    if (w->raw.len > TAPE_BLOCK_RAW_MAX) {
        w->failed = 1;
        return lt_error(err, LT_E_LIMIT, "tape '%s': block of %zu bytes is over the limit of %zu",
                        w->name, w->raw.len, TAPE_BLOCK_RAW_MAX);
    }
    bound = ZSTD_compressBound(w->raw.len);
    lt_buf_reset(&w->out);
    if (lt_buf_reserve(&w->out, TAPE_BLOCK_HDR + bound))
        goto nomem;
    csize = ZSTD_compress2(w->cctx, w->out.data + TAPE_BLOCK_HDR, bound, w->raw.data, w->raw.len);
    if (ZSTD_isError(csize)) {
        w->failed = 1;
        return lt_error(err, LT_E_INTERNAL, "tape '%s': zstd: %s", w->name,
                        ZSTD_getErrorName(csize));
    }
    h = w->out.data;
    memset(h, 0, TAPE_BLOCK_HDR);
    memcpy(h, TAPE_BLOCK_MAGIC, 4);
    lt_put_le32(h + 4, (uint32_t)w->nblocks);
    lt_put_le32(h + 8, (uint32_t)csize);
    lt_put_le32(h + 12, (uint32_t)w->raw.len);
    lt_put_le32(h + 16, w->blk_nrec);
    lt_put_le64(h + 24, w->blk_first_ts);
    lt_put_le64(h + 32, w->prev_ts);
    lt_put_le64(h + 40, w->nrecords - w->blk_nrec);
    lt_put_le32(h + 48, lt_crc32c(0, h + TAPE_BLOCK_HDR, csize));
    lt_put_le32(h + 52, lt_crc32c(0, h, 52));
    w->out.len = TAPE_BLOCK_HDR + csize;

    /* The index entry repeats the header's fields with the block's offset. */
    lt_put_le64(ent, w->offset);
    memcpy(ent + 8, h + 8, 12);
    lt_put_le32(ent + 20, 0);
    memcpy(ent + 24, h + 24, 24);
    if (lt_buf_append(&w->index, ent, sizeof(ent)))
        goto nomem;

    rc = write_all(w, w->out.data, w->out.len, err);
    if (rc)
        return rc;
    w->nblocks++;
    w->raw_bytes += w->raw.len;
    block_reset(w);
    return 0;
nomem:
    w->failed = 1;
    return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for a block", w->name);
}

/* Parses a caller's JSON object; NULL text gives an empty object. */
static cJSON *parse_object(const char *text, const char *what, struct lt_err *err)
{
    cJSON *o = text ? cJSON_Parse(text) : cJSON_CreateObject();

    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        lt_error(err, LT_E_USAGE, "%s is not a JSON object", what);
        return NULL;
    }
    return o;
}

static void set_item(cJSON *o, const char *key, cJSON *v)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else
        cJSON_AddItemToObject(o, key, v);
}

static int write_header(struct lt_tape_writer *w, const struct lt_tape_writer_opts *o,
                        struct lt_err *err)
{
    cJSON *meta = parse_object(o->meta_json, "tape metadata", err), *comp;
    char iso[64], ons[24];
    char *text = NULL;
    struct lt_buf b;
    size_t mlen;
    int rc = LT_E_NOMEM;

    lt_buf_init(&b, 0);
    if (!meta)
        return err ? err->code : LT_E_USAGE;
    lt_format_iso8601((int64_t)o->origin_ns, 9, iso, sizeof(iso));
    snprintf(ons, sizeof(ons), "%llu", (unsigned long long)o->origin_ns);
    set_item(meta, "format", cJSON_CreateString("loadtape tape"));
    set_item(meta, "tool_version", cJSON_CreateString(LT_VERSION));
    set_item(meta, "origin", cJSON_CreateString(iso));
    set_item(meta, "origin_ns", cJSON_CreateString(ons));
    comp = cJSON_CreateObject();
    cJSON_AddStringToObject(comp, "codec", "zstd");
    cJSON_AddNumberToObject(comp, "level", w->level);
    cJSON_AddNumberToObject(comp, "block_bytes", (double)w->block_bytes);
    set_item(meta, "compression", comp);
    text = cJSON_PrintUnformatted(meta);
    if (!text)
        goto out;
    mlen = strlen(text);
    if (mlen > TAPE_META_MAX) {
        rc = lt_error(err, LT_E_LIMIT, "tape metadata is %zu bytes, over the limit of %zu", mlen,
                      TAPE_META_MAX);
        goto out;
    }
    if (lt_buf_reserve(&b, TAPE_HDR_FIXED + mlen + 4))
        goto out;
    memcpy(b.data, TAPE_MAGIC, TAPE_MAGIC_LEN);
    b.data[8] = LT_TAPE_VERSION_MAJOR;
    b.data[9] = 0;
    b.data[10] = LT_TAPE_VERSION_MINOR;
    b.data[11] = 0;
    lt_put_le32(b.data + 12, 0);
    lt_put_le64(b.data + 16, o->origin_ns);
    lt_put_le32(b.data + 24, (uint32_t)mlen);
    memcpy(b.data + TAPE_HDR_FIXED, text, mlen);
    lt_put_le32(b.data + TAPE_HDR_FIXED + mlen, lt_crc32c(0, b.data, TAPE_HDR_FIXED + mlen));
    b.len = TAPE_HDR_FIXED + mlen + 4;
    rc = write_all(w, b.data, b.len, err);
out:
    if (rc == LT_E_NOMEM)
        lt_error(err, rc, "out of memory for the tape header");
    free(text);
    cJSON_Delete(meta);
    lt_buf_release(&b);
    return rc;
}

static struct lt_tape_writer *writer_new(int fd, const char *name,
                                         const struct lt_tape_writer_opts *o, struct lt_err *err)
{
    static const struct lt_tape_writer_opts defaults;
    struct lt_tape_writer *w = calloc(1, sizeof(*w));
    int level;

    if (!o)
        o = &defaults;
    level = o->level ? o->level : LT_TAPE_LEVEL_DEFAULT;

    if (!w || !(w->name = strdup(name)) || !(w->cctx = ZSTD_createCCtx()) ||
        !(w->stats = lt_tape_stats_new())) {
        lt_error(err, LT_E_NOMEM, "out of memory for a tape writer");
        goto fail;
    }
    w->fd = fd;
    if (level < 1 || level > LT_TAPE_LEVEL_MAX) {
        lt_error(err, LT_E_USAGE, "compression level %d is out of range 1..%d", level,
                 LT_TAPE_LEVEL_MAX);
        goto fail;
    }
    w->level = level;
    w->block_records = o->block_records ? o->block_records : DEFAULT_BLOCK_RECORDS;
    if (w->block_records > UINT32_MAX)
        w->block_records = UINT32_MAX;
    /* Bigger blocks at high levels give zstd a longer history to match. */
    w->block_bytes = o->block_bytes ? o->block_bytes
                     : level >= 16  ? (size_t)32 << 20
                     : level >= 10  ? (size_t)4 << 20
                                    : (size_t)1 << 20;
    if (w->block_bytes > BLOCK_BYTES_MAX)
        w->block_bytes = BLOCK_BYTES_MAX;
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0);
    if (level >= 10) {
        /* Let matches reach across the whole block (zstd's window at these
         * levels is smaller than the bigger blocks). */
        int wlog = 20;
        while (wlog < 27 && ((size_t)1 << wlog) < w->block_bytes)
            wlog++;
        ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_windowLog, wlog);
        ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_enableLongDistanceMatching, 1);
    }
    for (int c = 0; c < COL_COUNT; c++)
        lt_buf_init(&w->cols[c], TAPE_BLOCK_RAW_MAX);
    lt_buf_init(&w->raw, TAPE_BLOCK_RAW_MAX + 64);
    lt_buf_init(&w->out, 0);
    lt_buf_init(&w->index, TAPE_INDEX_MAX);
    if (write_header(w, o, err))
        goto fail;
    return w;
fail:
    if (w) {
        w->fd = -1;
        lt_tape_writer_abort(w);
    }
    return NULL;
}

struct lt_tape_writer *lt_tape_writer_fdopen(int fd, const char *name,
                                             const struct lt_tape_writer_opts *o,
                                             struct lt_err *err)
{
    return writer_new(fd, name, o, err);
}

struct lt_tape_writer *lt_tape_writer_open(const char *path, const struct lt_tape_writer_opts *o,
                                           struct lt_err *err)
{
    struct lt_tape_writer *w;
    struct stat st;
    char *tmp = NULL;
    int fd, is_reg, replace;

    if (strcmp(path, "-") == 0)
        return writer_new(STDOUT_FILENO, "-", o, err);
    /*
     * A regular file is written under a temporary name beside it. When there
     * was no file at path, it takes the real name with the first record: an
     * error before then leaves no empty tape, and a writer killed later
     * leaves its complete blocks under the real name. When a file was there,
     * the new one takes its place only at a clean close, so an older tape
     * survives any failure (a full disk, a kill).
     */
    is_reg = stat(path, &st) != 0 || S_ISREG(st.st_mode);
    replace = is_reg && access(path, F_OK) == 0;
    if (is_reg) {
        if (!(tmp = malloc(strlen(path) + 32))) {
            lt_error(err, LT_E_NOMEM, "out of memory");
            return NULL;
        }
        sprintf(tmp, "%s.tmp%ld", path, (long)getpid());
    }
    fd = open(tmp ? tmp : path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        lt_error(err, LT_E_IO, "cannot create '%s': %s", path, strerror(errno));
        free(tmp);
        return NULL;
    }
    w = writer_new(fd, path, o, err);
    if (!w) {
        close(fd);
        if (tmp)
            unlink(tmp);
        free(tmp);
        return NULL;
    }
    w->own_fd = 1;
    w->is_reg = is_reg;
    w->tmp = tmp;
    w->replace = replace;
    return w;
}

/* Splits one record into the block's columns. */
static int encode_record(struct lt_tape_writer *w, const struct lt_record *r)
{
    struct lt_buf *c = w->cols;
    int rc;

    if (w->blk_nrec == 0) {
        w->blk_first_ts = r->ts_ns;
        w->prev_ts = r->ts_ns;
    }
    rc = lt_buf_put_varint(&c[COL_TS], r->ts_ns - w->prev_ts);
    rc =
        rc ? rc
           : lt_buf_put_varint(&c[COL_SESSION], lt_zigzag((int64_t)(r->session - w->prev_session)));
    rc = rc ? rc : put_dict(w, 0, r->method);
    rc = rc ? rc : put_dict(w, 1, r->url);
    rc = rc ? rc : lt_buf_put_varint(&c[COL_NHEADERS], r->nheaders);
    for (size_t i = 0; i < r->nheaders && !rc; i++) {
        rc = put_dict(w, 2, r->headers[i].name);
        rc = rc ? rc : put_dict(w, 3, r->headers[i].value);
    }
    rc = rc ? rc : lt_buf_put_varint(&c[COL_BODY_LEN], r->body.len);
    rc = rc ? rc : lt_buf_append(&c[COL_BODY], r->body.p, r->body.len);
    rc = rc ? rc : lt_buf_put_varint(&c[COL_FLAGS], r->flags);
    rc = rc ? rc : lt_buf_put_varint(&c[COL_STATUS], r->has_response ? (uint64_t)r->status + 1 : 0);
    if (r->has_response && !rc)
        rc = lt_buf_put_varint(&c[COL_LATENCY], r->resp_latency_ns);
    if (rc)
        return rc;
    w->prev_ts = r->ts_ns;
    w->prev_session = r->session;
    w->blk_nrec++;
    return 0;
}

/* The temporary name gives way to the real one. */
static int settle_name(struct lt_tape_writer *w, struct lt_err *err)
{
    if (!w->tmp)
        return 0;
    if (rename(w->tmp, w->name) != 0) {
        w->failed = 1;
        return lt_error(err, LT_E_IO, "cannot rename '%s' to '%s': %s", w->tmp, w->name,
                        strerror(errno));
    }
    free(w->tmp);
    w->tmp = NULL;
    return 0;
}

int lt_tape_writer_append(struct lt_tape_writer *w, const struct lt_record *r, struct lt_err *err)
{
    size_t est = r->method.len + r->url.len + r->body.len + 64;
    int rc;

    if (w->failed)
        return lt_error(err, LT_E_USAGE, "tape '%s': writer failed earlier", w->name);
    if (w->have_ts && r->ts_ns < w->last_ts)
        return lt_error(err, LT_E_USAGE,
                        "tape '%s': record %llu has ts_ns %llu, below the previous %llu", w->name,
                        (unsigned long long)w->nrecords, (unsigned long long)r->ts_ns,
                        (unsigned long long)w->last_ts);
    if (r->nheaders > TAPE_RECORD_HEADERS_MAX)
        return lt_error(err, LT_E_LIMIT,
                        "tape '%s': record %llu has %zu headers, over the limit of %u", w->name,
                        (unsigned long long)w->nrecords, r->nheaders, TAPE_RECORD_HEADERS_MAX);
    for (size_t i = 0; i < r->nheaders; i++)
        est += r->headers[i].name.len + r->headers[i].value.len + 4;
    if (est > TAPE_BLOCK_RAW_MAX / 2)
        return lt_error(err, LT_E_LIMIT,
                        "tape '%s': record %llu is %zu bytes, over the limit of %zu", w->name,
                        (unsigned long long)w->nrecords, est, TAPE_BLOCK_RAW_MAX / 2);
    /* A record that would overflow the block starts a new one. */
    if (w->blk_nrec && block_raw_len(w) + est > w->block_bytes) {
        rc = write_block(w, err);
        if (rc)
            return rc;
    }
    rc = encode_record(w, r);
    if (rc) {
        w->failed = 1;
        return lt_error(err, rc, "tape '%s': cannot add record %llu: %s", w->name,
                        (unsigned long long)w->nrecords, lt_errc_name(rc));
    }
    w->nrecords++;
    w->have_ts = 1;
    w->last_ts = r->ts_ns;
    lt_tape_stats_add(w->stats, r);
    if (w->tmp && !w->replace && (rc = settle_name(w, err)))
        return rc;
    if (w->blk_nrec >= w->block_records || block_raw_len(w) >= w->block_bytes)
        return write_block(w, err);
    return 0;
}

int lt_tape_writer_flush(struct lt_tape_writer *w, struct lt_err *err)
{
    if (w->failed)
        return lt_error(err, LT_E_USAGE, "tape '%s': writer failed earlier", w->name);
    return write_block(w, err);
}

uint64_t lt_tape_writer_count(const struct lt_tape_writer *w)
{
    return w->nrecords;
}

uint64_t lt_tape_writer_written(const struct lt_tape_writer *w)
{
    return w->nrecords - w->blk_nrec;
}

/* The trailer JSON: the writer's counts and stats, with the caller's keys. */
static char *trailer_json(struct lt_tape_writer *w, const char *final_meta_json, struct lt_err *err)
{
    cJSON *t = parse_object(final_meta_json, "final tape metadata", err), *st;
    char *text;

    if (!t)
        return NULL;
    set_item(t, "records", lt_json_u64(w->nrecords));
    set_item(t, "blocks", lt_json_u64(w->nblocks));
    set_item(t, "raw_bytes", lt_json_u64(w->raw_bytes));
    st = lt_tape_stats_json(w->stats);
    if (st)
        set_item(t, "stats", st);
    text = cJSON_PrintUnformatted(t);
    cJSON_Delete(t);
    if (!text)
        lt_error(err, LT_E_NOMEM, "out of memory for the tape trailer");
    return text;
}

static int write_index(struct lt_tape_writer *w, const char *final_meta_json, struct lt_err *err)
{
    char *text = trailer_json(w, final_meta_json, err);
    uint64_t start = w->offset;
    uint8_t head[TAPE_INDEX_FIXED], foot[TAPE_FOOTER], tail[8];
    struct lt_buf sec;
    size_t mlen;
    int rc = LT_E_NOMEM;

    lt_buf_init(&sec, TAPE_INDEX_MAX);
    if (!text)
        return err ? err->code : LT_E_NOMEM;
    mlen = strlen(text);
    memcpy(head, TAPE_INDEX_MAGIC, 4);
    lt_put_le32(head + 4, (uint32_t)w->nblocks);
    lt_put_le64(head + 8, w->nrecords);
    lt_put_le32(tail, (uint32_t)mlen);
    if (lt_buf_append(&sec, head, sizeof(head)) ||
        lt_buf_append(&sec, w->index.data, w->index.len) || lt_buf_append(&sec, tail, 4) ||
        lt_buf_append(&sec, text, mlen)) {
        rc = lt_error(err, LT_E_LIMIT, "tape '%s': index of %llu blocks is too large", w->name,
                      (unsigned long long)w->nblocks);
        goto out;
    }
    lt_put_le32(tail, lt_crc32c(0, sec.data, sec.len));
    if (lt_buf_append(&sec, tail, 4))
        goto out;
    lt_put_le64(foot, start);
    lt_put_le64(foot + 8, sec.len);
    lt_put_le32(foot + 16, 0);
    lt_put_le32(foot + 20, lt_crc32c(0, foot, 20));
    memcpy(foot + 24, TAPE_FOOTER_MAGIC, 8);
    if (lt_buf_append(&sec, foot, sizeof(foot)))
        goto out;
    rc = write_all(w, sec.data, sec.len, err);
out:
    free(text);
    lt_buf_release(&sec);
    return rc;
}

static void writer_free(struct lt_tape_writer *w)
{
    for (int c = 0; c < COL_COUNT; c++)
        lt_buf_release(&w->cols[c]);
    for (int i = 0; i < 4; i++) {
        free(w->dicts[i].slots);
        free(w->dicts[i].ents);
    }
    lt_buf_release(&w->raw);
    lt_buf_release(&w->out);
    lt_buf_release(&w->index);
    ZSTD_freeCCtx(w->cctx);
    lt_tape_stats_free(w->stats);
    free(w->name);
    free(w->tmp);
    free(w);
}

/*
 * What a close that failed leaves, said after the error: the records of the
 * blocks written stay readable (not closed) under the temporary name when a
 * file was at the name (which stays as it was), or under the name itself;
 * a file that holds not one record is removed.
 */
static void failed_close(struct lt_tape_writer *w, struct lt_err *err)
{
    uint64_t held = w->nrecords - w->blk_nrec;
    char what[512];

    if (!w->is_reg)
        return;
    if (held == 0) {
        unlink(w->tmp ? w->tmp : w->name);
        snprintf(what, sizeof(what), "no tape written%s",
                 w->tmp && w->replace ? ", the file at the name is unchanged" : "");
    } else if (w->tmp) {
        snprintf(what, sizeof(what),
                 "its first %llu records are in '%s' (not closed); '%s' is unchanged",
                 (unsigned long long)held, w->tmp, w->name);
    } else {
        snprintf(what, sizeof(what), "'%s' holds its first %llu records (not closed)", w->name,
                 (unsigned long long)held);
    }
    if (err) {
        size_t n = strnlen(err->msg, sizeof(err->msg));
        snprintf(err->msg + n, sizeof(err->msg) - n, "; %s", what);
    }
}

int lt_tape_writer_close(struct lt_tape_writer *w, const char *final_meta_json, struct lt_err *err)
{
    int rc;

    if (!w)
        return 0;
    if (w->failed) {
        rc = lt_error(err, LT_E_IO, "tape '%s' was not closed (a write failed earlier)", w->name);
        goto out;
    }
    rc = write_block(w, err);
    if (!rc)
        rc = write_index(w, final_meta_json, err);
out:
    if (w->own_fd && close(w->fd) != 0 && !rc)
        rc = lt_error(err, LT_E_IO, "cannot close tape '%s': %s", w->name, strerror(errno));
    if (!rc)
        rc = settle_name(w, err);
    else
        failed_close(w, err);
    writer_free(w);
    return rc;
}

void lt_tape_writer_abort(struct lt_tape_writer *w)
{
    if (!w)
        return;
    if (w->own_fd && w->fd >= 0)
        close(w->fd);
    if (w->is_reg)
        unlink(w->tmp ? w->tmp : w->name);
    writer_free(w);
}
