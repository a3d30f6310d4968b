/*
 * tape_reader.c - reads tape format v1 (docs/FORMAT.md) from a file (pread,
 * one block in memory at a time) or from a caller's buffer.
 *
 * open() checks the header, then reads the index through the footer. When
 * the footer or index is missing or damaged, it scans the block headers from
 * the start instead and keeps every complete block, with a warning. Every
 * block is checked (header and payload CRC-32C, sizes against caps and the
 * file, fields against the index) before anything in it is decoded, and a
 * decoded block must account for every byte of every column; so a damaged
 * byte is reported with its block number and offset, never decoded into
 * different records.
 *
 * From a pipe ("-" or a FIFO) there is no index to read first: blocks are
 * read in order through a forward-only window (tape_stream.c), each checked
 * as the recovery scan checks it, and the index and trailer are checked and
 * merged when reached at the end. Seeking needs the index and is refused.
 */
#include "tape_reader_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static int tape_read(struct lt_tape_reader *r, uint64_t off, void *dst, size_t n,
                     struct lt_err *err)
{
    uint8_t *d = dst;

    if (r->stream) {
        const uint8_t *p;
        int rc = tape_stream_view(r, off, n, &p, err);
        if (rc == 0)
            memcpy(dst, p, n);
        return rc;
    }
    if (r->is_url)
        return tape_url_read(&r->url, off, n, dst, err);
    if (off > r->info.file_size || n > r->info.file_size - off)
        return lt_error(err, LT_E_TRUNCATED, "tape '%s': %zu bytes at offset %llu are past its end",
                        r->name, n, (unsigned long long)off);
    if (r->fd < 0) {
        memcpy(d, r->mem + off, n);
        return 0;
    }
    while (n > 0) {
        ssize_t k = pread(r->fd, d, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return lt_error(err, LT_E_IO, "cannot read tape '%s' at offset %llu: %s", r->name,
                            (unsigned long long)off, k < 0 ? strerror(errno) : "unexpected end");
        d += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

/* Bytes [off, off+n): a view into memory, or read into the comp buffer. */
int tape_view(struct lt_tape_reader *r, uint64_t off, size_t n, const uint8_t **out,
              struct lt_err *err)
{
    if (r->stream)
        return tape_stream_view(r, off, n, out, err);
    if (off > r->info.file_size || n > r->info.file_size - off)
        return lt_error(err, LT_E_TRUNCATED, "tape '%s': %zu bytes at offset %llu are past its end",
                        r->name, n, (unsigned long long)off);
    if (r->fd < 0 && !r->is_url) {
        *out = r->mem + off;
        return 0;
    }
    if (n > r->comp_cap) {
        uint8_t *p = realloc(r->comp, n);
        if (!p)
            return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for %zu bytes", r->name, n);
        r->comp = p;
        r->comp_cap = n;
    }
    *out = r->comp;
    return tape_read(r, off, r->comp, n, err);
}

/* Decodes a 56-byte block header; returns 0 or a short reason. */
const char *tape_parse_block_hdr(const uint8_t *h, uint32_t *block_no, struct lt_block_info *b,
                                 uint32_t *payload_crc)
{
    uint32_t comp, raw;

    if (memcmp(h, TAPE_BLOCK_MAGIC, 4) != 0)
        return "bad block magic";
    if (!tape_crc_ok(lt_get_le32(h + 52), h, 52))
        return "block header checksum mismatch";
    *block_no = lt_get_le32(h + 4);
    comp = lt_get_le32(h + 8);
    raw = lt_get_le32(h + 12);
    b->size = TAPE_BLOCK_HDR + (uint64_t)comp;
    b->raw_size = raw;
    b->nrecords = lt_get_le32(h + 16);
    b->first_ts_ns = lt_get_le64(h + 24);
    b->last_ts_ns = lt_get_le64(h + 32);
    b->first_record = lt_get_le64(h + 40);
    *payload_crc = lt_get_le32(h + 48);
    if (comp > TAPE_BLOCK_COMP_MAX || raw > TAPE_BLOCK_RAW_MAX)
        return "block sizes over the limits";
    if (b->nrecords == 0 || b->nrecords > raw || b->first_ts_ns > b->last_ts_ns)
        return "inconsistent block header";
    return NULL;
}

static int add_block(struct lt_tape_reader *r, const struct lt_block_info *b, size_t *cap)
{
    if (r->nblocks == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        struct lt_block_info *p = realloc(r->blocks, nc * sizeof(*p));
        if (!p)
            return LT_E_NOMEM;
        r->blocks = p;
        *cap = nc;
    }
    r->blocks[r->nblocks++] = *b;
    return 0;
}

void tape_set_warning(struct lt_tape_reader *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->warning, sizeof(r->warning), fmt, ap);
    va_end(ap);
    r->has_warning = 1;
}

/*
 * Recovery: walks the block headers from the start and keeps every block
 * that is whole in the file, stopping at the index, at the end of the file,
 * or at the first thing that is not a valid block (reported when reached).
 * index_off is where a damaged index was said to start (0 when unknown).
 */
static int scan_blocks(struct lt_tape_reader *r, uint64_t index_off, const char *why,
                       struct lt_err *err)
{
    uint64_t off = r->data_start, nrec = 0, prev_ts = 0;
    size_t cap = 0;
    uint8_t h[TAPE_BLOCK_HDR];
    const char *tail = "";
    char note[200] = "";
    int at_index = 0, rc;

    r->nblocks = 0;
    while (off < r->info.file_size) {
        struct lt_block_info b = {0};
        uint32_t no, crc;
        const char *bad;

        if (off == index_off ||
            (r->info.file_size - off >= 4 && tape_read(r, off, h, 4, err) == 0 &&
             memcmp(h, TAPE_INDEX_MAGIC, 4) == 0)) {
            at_index = 1;
            break;
        }
        if (r->info.file_size - off < TAPE_BLOCK_HDR) {
            snprintf(note, sizeof(note), "; the last %llu bytes are an incomplete block",
                     (unsigned long long)(r->info.file_size - off));
            break;
        }
        rc = tape_read(r, off, h, TAPE_BLOCK_HDR, err);
        if (rc)
            return rc;
        bad = tape_parse_block_hdr(h, &no, &b, &crc);
        if (!bad && (no != r->nblocks || b.first_record != nrec || b.first_ts_ns < prev_ts))
            bad = "block out of sequence";
        if (bad) {
            lt_error(&r->deferred, LT_E_CORRUPT, "tape '%s': block %zu at offset %llu: %s", r->name,
                     r->nblocks, (unsigned long long)off, bad);
            snprintf(note, sizeof(note), "; block %zu at offset %llu is damaged (%s)", r->nblocks,
                     (unsigned long long)off, bad);
            break;
        }
        if (b.size > r->info.file_size - off) {
            snprintf(note, sizeof(note),
                     "; block %zu at offset %llu is incomplete (%llu of %llu bytes)", r->nblocks,
                     (unsigned long long)off, (unsigned long long)(r->info.file_size - off),
                     (unsigned long long)b.size);
            break;
        }
        b.offset = off;
        if (add_block(r, &b, &cap))
            return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for the block list",
                            r->name);
        nrec += b.nrecords;
        prev_ts = b.last_ts_ns;
        off += b.size;
    }
    if (why)
        tail = why;
    if (why || at_index)
        tape_set_warning(r,
                         "tape '%s': the index is damaged (%s), blocks were scanned instead: "
                         "%llu records in %zu blocks%s",
                         r->name, why ? tail : "footer not found", (unsigned long long)nrec,
                         r->nblocks, note);
    else
        tape_set_warning(
            r, "tape '%s' was not closed: recovered %llu records in %zu complete blocks%s", r->name,
            (unsigned long long)nrec, r->nblocks, note);
    r->info.nrecords = nrec;
    return 0;
}

/* Checks the index entries against each other and the file; 0 or a reason. */
static const char *check_index(struct lt_tape_reader *r, const uint8_t *e, uint32_t n,
                               uint64_t nrecords, uint64_t index_off)
{
    uint64_t off = r->data_start, rec = 0, prev_ts = 0;

    for (uint32_t i = 0; i < n; i++, e += TAPE_INDEX_ENTRY) {
        struct lt_block_info *b = &r->blocks[i];
        uint32_t comp = lt_get_le32(e + 8);

        b->offset = lt_get_le64(e);
        b->size = TAPE_BLOCK_HDR + (uint64_t)comp;
        b->raw_size = lt_get_le32(e + 12);
        b->nrecords = lt_get_le32(e + 16);
        b->first_ts_ns = lt_get_le64(e + 24);
        b->last_ts_ns = lt_get_le64(e + 32);
        b->first_record = lt_get_le64(e + 40);
        if (b->offset != off || b->size > index_off - off)
            return "block offsets do not add up";
        if (comp > TAPE_BLOCK_COMP_MAX || b->raw_size > TAPE_BLOCK_RAW_MAX || b->nrecords == 0 ||
            b->nrecords > b->raw_size)
            return "bad block sizes";
        if (b->first_record != rec || b->first_ts_ns > b->last_ts_ns || b->first_ts_ns < prev_ts)
            return "entries out of order";
        off += b->size;
        rec += b->nrecords;
        prev_ts = b->last_ts_ns;
    }
    if (off != index_off)
        return "blocks do not end at the index";
    if (rec != nrecords)
        return "record count does not match";
    return NULL;
}

/* Merges the trailer object's keys over the header metadata. */
void tape_merge_meta(cJSON *meta, cJSON *trailer)
{
    while (trailer->child) {
        cJSON *item = cJSON_DetachItemViaPointer(trailer, trailer->child);
        cJSON *old = item->string ? cJSON_GetObjectItemCaseSensitive(meta, item->string) : NULL;
        /* Relinks item under its own key (replacing by name would free the
         * key it is given before copying it). */
        if (old)
            cJSON_ReplaceItemViaPointer(meta, old, item);
        else if (!item->string || !cJSON_AddItemToObject(meta, item->string, item))
            cJSON_Delete(item);
    }
}

/*
 * Reads the footer and the index. Returns 0 when the tape is closed and its
 * index is valid, 1 with *why set when it must be scanned, or an error.
 */
static int read_index(struct lt_tape_reader *r, uint64_t *index_off, const char **why,
                      struct lt_err *err)
{
    uint8_t f[TAPE_FOOTER];
    const uint8_t *sec;
    uint64_t off, len, nrecords;
    uint32_t n, mlen;
    uint8_t *copy = NULL;
    cJSON *trailer = NULL;
    int rc;

    *why = NULL;
    if (r->info.file_size < r->data_start + TAPE_FOOTER)
        return 1;
    rc = tape_read(r, r->info.file_size - TAPE_FOOTER, f, TAPE_FOOTER, err);
    if (rc)
        return rc;
    if (memcmp(f + 24, TAPE_FOOTER_MAGIC, 8) != 0)
        return 1; /* not closed */
    if (!tape_crc_ok(lt_get_le32(f + 20), f, 20)) {
        *why = "footer checksum mismatch";
        return 1;
    }
    off = lt_get_le64(f);
    len = lt_get_le64(f + 8);
    if (off < r->data_start || off > r->info.file_size - TAPE_FOOTER || len > TAPE_INDEX_MAX ||
        len < TAPE_INDEX_FIXED + 8 || len != r->info.file_size - TAPE_FOOTER - off) {
        *why = "footer points outside the file";
        return 1;
    }
    *index_off = off;
    rc = tape_view(r, off, (size_t)len, &sec, err);
    if (rc)
        return rc;
    if (!tape_crc_ok(lt_get_le32(sec + len - 4), sec, (size_t)len - 4)) {
        *why = "index checksum mismatch";
        return 1;
    }
    n = lt_get_le32(sec + 4);
    nrecords = lt_get_le64(sec + 8);
    if (memcmp(sec, TAPE_INDEX_MAGIC, 4) != 0 ||
        (uint64_t)n * TAPE_INDEX_ENTRY > len - TAPE_INDEX_FIXED - 8) {
        *why = "bad index header";
        return 1;
    }
    mlen = lt_get_le32(sec + TAPE_INDEX_FIXED + (size_t)n * TAPE_INDEX_ENTRY);
    if ((uint64_t)TAPE_INDEX_FIXED + (uint64_t)n * TAPE_INDEX_ENTRY + 4 + mlen + 4 != len) {
        *why = "bad index length";
        return 1;
    }
    r->blocks = n ? malloc((size_t)n * sizeof(*r->blocks)) : NULL;
    if (n && !r->blocks)
        return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for the index", r->name);
    r->nblocks = n;
    *why = check_index(r, sec + TAPE_INDEX_FIXED, n, nrecords, off);
    if (*why) {
        free(r->blocks);
        r->blocks = NULL;
        r->nblocks = 0;
        return 1;
    }
    /* The JSON is parsed from a NUL-terminated copy. */
    copy = malloc((size_t)mlen + 1);
    if (!copy)
        return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for the trailer", r->name);
    memcpy(copy, sec + TAPE_INDEX_FIXED + (size_t)n * TAPE_INDEX_ENTRY + 4, mlen);
    copy[mlen] = '\0';
    trailer = cJSON_Parse((const char *)copy);
    free(copy);
    if (!trailer || !cJSON_IsObject(trailer)) {
        cJSON_Delete(trailer);
        free(r->blocks);
        r->blocks = NULL;
        r->nblocks = 0;
        *why = "trailer is not a JSON object";
        return 1;
    }
    tape_merge_meta(r->meta, trailer);
    cJSON_Delete(trailer);
    r->info.nrecords = nrecords;
    return 0;
}

static int read_header(struct lt_tape_reader *r, struct lt_err *err)
{
    uint8_t h[TAPE_HDR_FIXED];
    const uint8_t *m;
    uint32_t mlen;
    uint8_t *copy;
    int rc;

    if (r->info.file_size < TAPE_MAGIC_LEN || tape_read(r, 0, h, TAPE_MAGIC_LEN, NULL) != 0 ||
        memcmp(h, TAPE_MAGIC, TAPE_MAGIC_LEN) != 0)
        return lt_error(err, LT_E_FORMAT, "'%s' is not a loadtape tape (bad magic at offset 0)",
                        r->name);
    if (r->info.file_size < TAPE_HDR_FIXED + 4)
        return lt_error(err, LT_E_TRUNCATED, "tape '%s' is truncated inside its header", r->name);
    rc = tape_read(r, 0, h, TAPE_HDR_FIXED, err);
    if (rc)
        return rc;
    mlen = lt_get_le32(h + 24);
    if (mlen > TAPE_META_MAX)
        return lt_error(err, LT_E_CORRUPT,
                        "tape '%s': header metadata length %u at offset 24 is over the limit",
                        r->name, mlen);
    if (r->info.file_size < (uint64_t)TAPE_HDR_FIXED + mlen + 4)
        return lt_error(err, LT_E_TRUNCATED, "tape '%s' is truncated inside its header", r->name);
    rc = tape_view(r, 0, TAPE_HDR_FIXED + (size_t)mlen + 4, &m, err);
    if (rc)
        return rc;
    if (!tape_crc_ok(lt_get_le32(m + TAPE_HDR_FIXED + mlen), m, TAPE_HDR_FIXED + (size_t)mlen))
        return lt_error(err, LT_E_CORRUPT, "tape '%s': header checksum mismatch (bytes 0 to %u)",
                        r->name, TAPE_HDR_FIXED + mlen + 4);
    r->info.version_major = lt_get_le32(h + 8) & 0xffff;
    r->info.version_minor = lt_get_le32(h + 8) >> 16;
    if (r->info.version_major > LT_TAPE_VERSION_MAJOR)
        return lt_error(err, LT_E_VERSION,
                        "tape '%s' has format version %u.%u; this loadtape reads version %d.x "
                        "only: use a newer loadtape",
                        r->name, r->info.version_major, r->info.version_minor,
                        LT_TAPE_VERSION_MAJOR);
    if (r->info.version_major < 1)
        return lt_error(err, LT_E_FORMAT, "tape '%s' has unknown format version %u.%u", r->name,
                        r->info.version_major, r->info.version_minor);
    r->info.origin_ns = lt_get_le64(h + 16);
    copy = malloc((size_t)mlen + 1);
    if (!copy)
        return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for the header", r->name);
    memcpy(copy, m + TAPE_HDR_FIXED, mlen);
    copy[mlen] = '\0';
    r->meta = cJSON_Parse((const char *)copy);
    free(copy);
    if (!r->meta || !cJSON_IsObject(r->meta))
        return lt_error(err, LT_E_FORMAT, "tape '%s': header metadata is not a JSON object",
                        r->name);
    r->data_start = TAPE_HDR_FIXED + (uint64_t)mlen + 4;
    return 0;
}

static struct lt_tape_reader *reader_open(struct lt_tape_reader *r, struct lt_err *err)
{
    uint64_t index_off = 0;
    const char *why = NULL;
    int rc;

    r->cur = SIZE_MAX;
    r->dctx = ZSTD_createDCtx();
    if (!r->dctx) {
        lt_error(err, LT_E_NOMEM, "out of memory for a tape reader");
        goto fail;
    }
    if (read_header(r, err))
        goto fail;
    if (r->stream) {
        /* the index is at the end: blocks are counted as they come */
        r->info.streamed = 1;
        r->snext_off = r->data_start;
        r->info.file_size = r->data_start;
        return r;
    }
    rc = read_index(r, &index_off, &why, err);
    if (rc < 0)
        goto fail;
    if (rc == 1 && scan_blocks(r, index_off, why, err))
        goto fail;
    r->info.closed = rc == 0;
    r->info.nblocks = r->nblocks;
    for (size_t i = 0; i < r->nblocks; i++)
        r->info.raw_bytes += r->blocks[i].raw_size;
    if (r->nblocks) {
        r->info.first_ts_ns = r->blocks[0].first_ts_ns;
        r->info.last_ts_ns = r->blocks[r->nblocks - 1].last_ts_ns;
    }
    return r;
fail:
    lt_tape_reader_free(r);
    return NULL;
}

struct lt_tape_reader *lt_tape_reader_open(const char *path, struct lt_err *err)
{
    struct lt_tape_reader *r = calloc(1, sizeof(*r));
    struct stat st;

    if (!r || !(r->name = strdup(path))) {
        free(r);
        lt_error(err, LT_E_NOMEM, "out of memory for a tape reader");
        return NULL;
    }
    if (tape_url_is(path)) {
        r->fd = -1;
        r->is_url = 1;
        if (tape_url_open(&r->url, path, &r->info.file_size, err)) {
            lt_tape_reader_free(r);
            return NULL;
        }
        return reader_open(r, err);
    }
    /* "-" is standard input: a file redirected there is read as a file; a
     * terminal holds no tape (and would only wait for one to be typed) */
    if (strcmp(path, "-") == 0 && isatty(STDIN_FILENO)) {
        lt_error(err, LT_E_USAGE,
                 "refusing to read a tape from a terminal (pipe one in, or give a file)");
        lt_tape_reader_free(r);
        return NULL;
    }
    r->fd = strcmp(path, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
                                   : open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        lt_error(err, LT_E_IO, "cannot open '%s': %s", path, strerror(errno));
        lt_tape_reader_free(r);
        return NULL;
    }
    if (fstat(r->fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) ||
                                    S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode))) {
        lt_error(err, LT_E_IO, "cannot read tape '%s': not a regular file or a pipe", path);
        lt_tape_reader_free(r);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        r->stream = 1;
        r->st.fd = r->fd;
        r->info.file_size = UINT64_MAX; /* known at the end */
    } else {
        r->info.file_size = (uint64_t)st.st_size;
    }
    return reader_open(r, err);
}

struct lt_tape_reader *lt_tape_reader_open_mem(const uint8_t *p, size_t n, struct lt_err *err)
{
    struct lt_tape_reader *r = calloc(1, sizeof(*r));

    if (!r || !(r->name = strdup("(memory)"))) {
        free(r);
        lt_error(err, LT_E_NOMEM, "out of memory for a tape reader");
        return NULL;
    }
    r->fd = -1;
    r->mem = p;
    r->info.file_size = n;
    return reader_open(r, err);
}

void lt_tape_reader_free(struct lt_tape_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    tape_stream_release(&r->st);
    if (r->is_url)
        tape_url_release(&r->url);
    cJSON_Delete(r->meta);
    free(r->blocks);
    ZSTD_freeDCtx(r->dctx);
    free(r->comp);
    free(r->raw);
    for (int i = 0; i < 4; i++)
        free(r->dicts[i].ents);
    free(r->hdrs);
    free(r->name);
    free(r);
}

int lt_tape_reader_fetched(const struct lt_tape_reader *r, uint64_t *bytes, uint64_t *requests)
{
    if (!r->is_url)
        return 0;
    *bytes = r->url.fetched;
    *requests = r->url.requests;
    return 1;
}

const struct lt_tape_info *lt_tape_reader_info(const struct lt_tape_reader *r)
{
    return &r->info;
}

const struct cJSON *lt_tape_reader_meta(const struct lt_tape_reader *r)
{
    return r->meta;
}

const char *lt_tape_reader_warning(const struct lt_tape_reader *r)
{
    return r->has_warning ? r->warning : NULL;
}

size_t lt_tape_reader_nblocks(const struct lt_tape_reader *r)
{
    return r->nblocks;
}

const struct lt_block_info *lt_tape_reader_block(const struct lt_tape_reader *r, size_t i)
{
    return i < r->nblocks ? &r->blocks[i] : NULL;
}

size_t lt_tape_reader_memory(const struct lt_tape_reader *r)
{
    size_t n = r->comp_cap + r->raw_cap + r->hdrs_cap * sizeof(*r->hdrs) + r->st.cap;

    for (int i = 0; i < 4; i++)
        n += (size_t)r->dicts[i].cap * sizeof(struct lt_bytes);
    return n;
}

/* ---- decoding a block ------------------------------------------------- */

static const int dict_col[4] = {COL_METHOD, COL_URL, COL_HNAME, COL_HVALUE};

/* Block i as the index (or, from a pipe, its own header) describes it. */
static const struct lt_block_info *blk(const struct lt_tape_reader *r, size_t i)
{
    return r->stream ? &r->sblk : &r->blocks[i];
}

/* Records a corruption of block i in err and makes the reader stop there. */
static int block_corrupt(struct lt_tape_reader *r, size_t i, const char *what, struct lt_err *err)
{
    lt_error(&r->failed, LT_E_CORRUPT, "tape '%s': block %zu at offset %llu: %s", r->name, i,
             (unsigned long long)blk(r, i)->offset, what);
    if (err)
        *err = r->failed;
    r->left = 0;
    return LT_E_CORRUPT;
}

/*
 * Reads block i whole, checks it against its header, its checksums and the
 * index, decompresses it and points a cursor at each column.
 */
int tape_load_block(struct lt_tape_reader *r, size_t i, struct lt_err *err)
{
    const struct lt_block_info *bi = blk(r, i);
    struct lt_block_info b = {0};
    struct cursor c;
    const uint8_t *p, *data;
    uint32_t no, crc;
    uint64_t ncols, lens[64], total = 0;
    unsigned long long fcs;
    const char *bad;
    size_t comp, d;
    int rc;

    rc = tape_view(r, bi->offset, (size_t)bi->size, &p, err);
    if (rc) {
        r->failed = err ? *err : r->failed;
        return rc;
    }
    comp = (size_t)bi->size - TAPE_BLOCK_HDR;
    bad = tape_parse_block_hdr(p, &no, &b, &crc);
    if (!bad && (no != i || b.size != bi->size || b.raw_size != bi->raw_size ||
                 b.nrecords != bi->nrecords || b.first_ts_ns != bi->first_ts_ns ||
                 b.last_ts_ns != bi->last_ts_ns || b.first_record != bi->first_record))
        bad = "block header does not match the index";
    if (!bad && !tape_crc_ok(crc, p + TAPE_BLOCK_HDR, comp))
        bad = "payload checksum mismatch";
    if (bad)
        return block_corrupt(r, i, bad, err);
    fcs = ZSTD_getFrameContentSize(p + TAPE_BLOCK_HDR, comp);
    if (fcs != b.raw_size)
        return block_corrupt(r, i, "zstd frame size does not match the block header", err);
    if (b.raw_size > r->raw_cap) {
        uint8_t *np = realloc(r->raw, (size_t)b.raw_size);
        if (!np)
            return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for block %zu", r->name, i);
        r->raw = np;
        r->raw_cap = (size_t)b.raw_size;
    }
    d = ZSTD_decompressDCtx(r->dctx, r->raw, (size_t)b.raw_size, p + TAPE_BLOCK_HDR, comp);
    if (ZSTD_isError(d) || d != b.raw_size)
        return block_corrupt(r, i, "cannot decompress the payload", err);

    /* Column directory: count, lengths, then the columns in order. */
    c.p = r->raw;
    c.end = r->raw + b.raw_size;
    d = lt_varint_get(c.p, c.end, &ncols);
    if (!d || ncols < COL_COUNT || ncols > 64)
        return block_corrupt(r, i, "bad column directory", err);
    c.p += d;
    for (uint64_t k = 0; k < ncols; k++) {
        d = lt_varint_get(c.p, c.end, &lens[k]);
        if (!d || lens[k] > (uint64_t)(c.end - c.p))
            return block_corrupt(r, i, "bad column directory", err);
        c.p += d;
        total += lens[k];
    }
    if (total != (uint64_t)(c.end - c.p))
        return block_corrupt(r, i, "column lengths do not add up", err);
    data = c.p;
    for (int k = 0; k < COL_COUNT; k++) {
        r->col[k].p = data;
        r->col[k].end = data + lens[k];
        data += lens[k];
    }
    for (int k = 0; k < 4; k++)
        r->dicts[k].n = 0;
    r->prev_ts = b.first_ts_ns;
    r->prev_session = 0;
    r->left = r->nrec = b.nrecords;
    r->cur = i;
    r->next_block = i + 1;
    return 0;
}

static inline int get_varint(struct cursor *c, uint64_t *v)
{
    size_t n;

    if (c->p < c->end && *c->p < 0x80) {
        *v = *c->p++;
        return 0;
    }
    n = lt_varint_get(c->p, c->end, v);
    if (!n)
        return -1;
    c->p += n;
    return 0;
}

/* One string of a dictionary column: a repeat, or a literal (remembered). */
static int get_dict(struct lt_tape_reader *r, int which, struct lt_bytes *out)
{
    struct cursor *codes = &r->col[dict_col[which]], *lits = &r->col[dict_col[which] + 1];
    struct rdict *d = &r->dicts[which];
    uint64_t code, len;

    if (get_varint(codes, &code))
        return -1;
    if (code >= 2) {
        if (code - 2 >= d->n)
            return -1;
        *out = d->ents[code - 2];
        return 0;
    }
    if (get_varint(lits, &len) || len > (uint64_t)(lits->end - lits->p))
        return -1;
    out->p = lits->p;
    out->len = (size_t)len;
    lits->p += len;
    if (code == 0) {
        if (d->n == TAPE_DICT_MAX)
            return -1;
        if (d->n == d->cap) {
            uint32_t nc = d->cap ? d->cap * 2 : 256;
            struct lt_bytes *e = realloc(d->ents, (size_t)nc * sizeof(*e));
            if (!e)
                return -2;
            d->ents = e;
            d->cap = nc;
        }
        d->ents[d->n++] = *out;
    }
    return 0;
}

static int decode_record(struct lt_tape_reader *r, struct lt_record *rec, struct lt_err *err)
{
    struct cursor *col = r->col;
    uint64_t v, nh, status;
    const char *what;
    char msg[96];
    int rc = 0;

#define BAD(name)                                                                                  \
    do {                                                                                           \
        what = name;                                                                               \
        goto bad;                                                                                  \
    } while (0)
    if (get_varint(&col[COL_TS], &v) || r->prev_ts + v < r->prev_ts)
        BAD("bad ts column");
    rec->ts_ns = r->prev_ts += v;
    if (get_varint(&col[COL_SESSION], &v))
        BAD("bad session column");
    rec->session = r->prev_session += (uint64_t)lt_unzigzag(v);
    if ((rc = get_dict(r, 0, &rec->method)))
        BAD("bad method column");
    if ((rc = get_dict(r, 1, &rec->url)))
        BAD("bad url column");
    if (get_varint(&col[COL_NHEADERS], &nh) || nh > TAPE_RECORD_HEADERS_MAX ||
        nh > (uint64_t)(col[COL_HNAME].end - col[COL_HNAME].p))
        BAD("bad header count column");
    if (nh > r->hdrs_cap) {
        struct lt_header *h = realloc(r->hdrs, (size_t)nh * sizeof(*h));
        if (!h)
            return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for headers", r->name);
        r->hdrs = h;
        r->hdrs_cap = (size_t)nh;
    }
    for (uint64_t k = 0; k < nh; k++) {
        if ((rc = get_dict(r, 2, &r->hdrs[k].name)))
            BAD("bad header name column");
        if ((rc = get_dict(r, 3, &r->hdrs[k].value)))
            BAD("bad header value column");
    }
    rec->headers = r->hdrs;
    rec->nheaders = (size_t)nh;
    if (get_varint(&col[COL_BODY_LEN], &v) || v > (uint64_t)(col[COL_BODY].end - col[COL_BODY].p))
        BAD("bad body length column");
    rec->body.p = col[COL_BODY].p;
    rec->body.len = (size_t)v;
    col[COL_BODY].p += v;
    if (get_varint(&col[COL_FLAGS], &v) || v > UINT32_MAX)
        BAD("bad flags column");
    rec->flags = (uint32_t)v;
    if (get_varint(&col[COL_STATUS], &status) || status > 65536)
        BAD("bad status column");
    rec->has_response = status != 0;
    rec->status = status ? (uint16_t)(status - 1) : 0;
    rec->resp_latency_ns = 0;
    if (status && get_varint(&col[COL_LATENCY], &rec->resp_latency_ns))
        BAD("bad latency column");
    if (--r->left == 0) {
        /* The last record must use up every column exactly. */
        for (int k = 0; k < COL_COUNT; k++)
            if (col[k].p != col[k].end)
                BAD("columns not used up exactly");
        if (rec->ts_ns != blk(r, r->cur)->last_ts_ns)
            BAD("last ts does not match the block header");
    }
    return 1;
bad:
#undef BAD
    if (rc == -2)
        return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for block %zu", r->name, r->cur);
    snprintf(msg, sizeof(msg), "record %u: %s", r->nrec - r->left, what);
    return block_corrupt(r, r->cur, msg, err);
}

void lt_tape_reader_skip_damaged(struct lt_tape_reader *r, lt_tape_skip_fn fn, void *ctx)
{
    r->on_skip = fn;
    r->skip_ctx = ctx;
}

uint64_t lt_tape_reader_skipped(const struct lt_tape_reader *r, uint64_t *blocks)
{
    if (blocks)
        *blocks = r->skipped_blocks;
    return r->skipped_records;
}

/*
 * Block i failed its checks with r->failed: pass over it when asked to and
 * the index says where the next one is. unread: its records not returned.
 */
static int skip_block(struct lt_tape_reader *r, size_t i, uint64_t unread, struct lt_err *err)
{
    if (!r->on_skip || r->stream || !r->info.closed || r->failed.code != LT_E_CORRUPT)
        return 0;
    r->skipped_blocks++;
    r->skipped_records += unread;
    r->on_skip(r->skip_ctx, i, blk(r, i)->offset, unread, r->failed.msg);
    lt_err_clear(&r->failed);
    lt_err_clear(err);
    r->left = 0;
    r->pending = 0;
    r->next_block = i + 1;
    return 1;
}

int lt_tape_reader_next(struct lt_tape_reader *r, struct lt_record *rec, struct lt_err *err)
{
    int rc;

    if (r->failed.code) {
        if (err)
            *err = r->failed;
        return r->failed.code;
    }
    if (r->pending) {
        *rec = r->pend;
        r->pending = 0;
        return 1;
    }
    for (;;) {
        while (r->left == 0) {
            if (r->stream) {
                rc = tape_stream_next_block(r, err);
                if (rc <= 0)
                    return rc;
                continue;
            }
            if (r->next_block >= r->nblocks) {
                if (r->deferred.code) {
                    r->failed = r->deferred;
                    if (err)
                        *err = r->failed;
                    return r->failed.code;
                }
                return 0;
            }
            rc = tape_load_block(r, r->next_block, err);
            if (rc && !skip_block(r, r->next_block, blk(r, r->next_block)->nrecords, err))
                return rc;
        }
        {
            uint32_t left = r->left;
            rc = decode_record(r, rec, err);
            /* a record that does not decode: the rest of its block is passed over */
            if (rc < 0 && skip_block(r, r->cur, left, err))
                continue;
        }
        return rc;
    }
}

/* Seeking needs the index, which a pipe reaches only at its end. */
static int no_seek(const struct lt_tape_reader *r, const char *what, struct lt_err *err)
{
    return lt_error(err, LT_E_USAGE,
                    "tape '%s' is read from a pipe, without its index: it cannot be %s (save it "
                    "to a file first)",
                    r->name, what);
}

int lt_tape_reader_seek_block(struct lt_tape_reader *r, size_t i, struct lt_err *err)
{
    if (r->stream) {
        /* the start, before anything was read, is where a pipe already is */
        if (i == 0 && r->info.nblocks == 0 && r->left == 0 && !r->send)
            return 0;
        return no_seek(r, i == 0 ? "read twice" : "read from a chosen block", err);
    }
    if (i > r->nblocks)
        return lt_error(err, LT_E_USAGE, "tape '%s': no block %zu (it has %zu)", r->name, i,
                        r->nblocks);
    lt_err_clear(&r->failed);
    r->pending = 0;
    r->left = 0;
    r->next_block = i;
    return 0;
}

int lt_tape_reader_seek_ts(struct lt_tape_reader *r, uint64_t ts_ns, struct lt_err *err)
{
    size_t lo = 0, hi = r->nblocks;
    struct lt_record rec;
    int rc;

    if (r->stream)
        return no_seek(r, "positioned by time", err);
    /* The first block that ends at or after ts holds the record sought. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->blocks[mid].last_ts_ns < ts_ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    rc = lt_tape_reader_seek_block(r, lo, err);
    while (rc == 0 && lo < r->nblocks) {
        rc = lt_tape_reader_next(r, &rec, err);
        if (rc <= 0)
            return rc;
        if (rec.ts_ns >= ts_ns) {
            r->pend = rec;
            r->pending = 1;
            return 0;
        }
        rc = 0;
    }
    return rc;
}
