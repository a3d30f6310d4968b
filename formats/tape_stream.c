/*
 * tape_stream.c - a tape read from a pipe (standard input, a FIFO): there is
 * no index to read first, so the blocks are read in order, each checked as
 * the recovery scan checks a block header and then loaded as from a file, and
 * the index and footer are checked (and the trailer merged) when reached.
 * Bytes come through a forward-only window: the reader asks for [off, off+n),
 * which must not start before what it asked for last, and the window holds at
 * most that much (one block, or the index), so memory stays bounded as with a
 * file.
 */
#include "tape_reader_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One read(2), retried on EINTR; 0 marks the end of the stream. */
static ssize_t read_some(struct tape_stream *s, void *b, size_t n)
{
    ssize_t k;

    do
        k = read(s->fd, b, n);
    while (k < 0 && errno == EINTR);
    if (k == 0)
        s->eof = 1;
    return k;
}

ssize_t tape_stream_fill(struct tape_stream *s, uint64_t off, size_t n, const uint8_t **p)
{
    if (off < s->off) {
        errno = ESPIPE;
        return -1;
    }
    /* drop what lies before off */
    if (off - s->off >= s->len) {
        uint64_t skip = off - s->off - s->len;
        s->off += s->len;
        s->len = 0;
        while (skip > 0 && !s->eof) {
            uint8_t tmp[4096];
            ssize_t k = read_some(s, tmp, skip < sizeof(tmp) ? (size_t)skip : sizeof(tmp));
            if (k < 0)
                return -1;
            skip -= (uint64_t)k;
            s->off += (uint64_t)k;
        }
        if (skip)
            return 0;
    } else if (off > s->off) {
        size_t drop = (size_t)(off - s->off);
        memmove(s->buf, s->buf + drop, s->len - drop);
        s->len -= drop;
        s->off = off;
    }
    if (n > s->cap) {
        uint8_t *nb = realloc(s->buf, n);
        if (!nb) {
            errno = ENOMEM;
            return -1;
        }
        s->buf = nb;
        s->cap = n;
    }
    while (s->len < n && !s->eof) {
        ssize_t k = read_some(s, s->buf + s->len, n - s->len);
        if (k < 0)
            return -1;
        s->len += (size_t)k;
    }
    *p = s->buf;
    return (ssize_t)(s->len < n ? s->len : n);
}

void tape_stream_release(struct tape_stream *s)
{
    free(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
}

/* Bytes [off, off+n) of a pipe at *out; the end of the input is truncation. */
int tape_stream_view(struct lt_tape_reader *r, uint64_t off, size_t n, const uint8_t **out,
                     struct lt_err *err)
{
    ssize_t got = tape_stream_fill(&r->st, off, n, out);

    if (got < 0)
        return lt_error(err, errno == ENOMEM ? LT_E_NOMEM : LT_E_IO,
                        "cannot read tape '%s' at offset %llu: %s", r->name,
                        (unsigned long long)off, strerror(errno));
    if ((size_t)got < n)
        return lt_error(err, LT_E_TRUNCATED, "tape '%s': %zu bytes at offset %llu are past its end",
                        r->name, n, (unsigned long long)off);
    return 0;
}

/* ---- reading from a pipe --------------------------------------------- */

/* The end of a pipe's records without a valid index: said once, as a warning. */
static void stream_end(struct lt_tape_reader *r, const char *how, const char *note)
{
    r->send = 1;
    tape_set_warning(r, "tape '%s' %s: read %llu records in %llu complete blocks%s", r->name, how,
                     (unsigned long long)r->srecords, (unsigned long long)r->info.nblocks, note);
}

/*
 * The index section and footer at the end of a pipe: checked against the
 * blocks read (their count and records) and its own checksums; the trailer's
 * metadata is merged as when the index is read first. Returns 0 (the end).
 */
static int stream_index(struct lt_tape_reader *r, uint64_t off, struct lt_err *err)
{
    const uint8_t *p;
    uint64_t len, n;
    uint32_t mlen;
    char *copy;
    cJSON *trailer;
    const char *why = NULL;
    ssize_t got;

    if (tape_stream_view(r, off, TAPE_INDEX_FIXED, &p, NULL)) {
        stream_end(r, "was not closed", "; its index is incomplete");
        return 0;
    }
    n = lt_get_le32(p + 4);
    if (n * TAPE_INDEX_ENTRY + TAPE_INDEX_FIXED + 8 > TAPE_INDEX_MAX)
        why = "bad index header";
    else if (tape_stream_view(r, off, TAPE_INDEX_FIXED + (size_t)n * TAPE_INDEX_ENTRY + 4, &p,
                              NULL))
        why = "index incomplete";
    if (why)
        goto damaged;
    mlen = lt_get_le32(p + TAPE_INDEX_FIXED + (size_t)n * TAPE_INDEX_ENTRY);
    len = TAPE_INDEX_FIXED + n * TAPE_INDEX_ENTRY + 4 + (uint64_t)mlen + 4;
    if (len > TAPE_INDEX_MAX) {
        why = "bad index length";
        goto damaged;
    }
    if (tape_stream_view(r, off, (size_t)len + TAPE_FOOTER, &p, NULL)) {
        why = "index or footer incomplete";
        goto damaged;
    }
    if (!tape_crc_ok(lt_get_le32(p + len - 4), p, (size_t)len - 4))
        why = "index checksum mismatch";
    else if (n != r->info.nblocks || lt_get_le64(p + 8) != r->srecords)
        why = "its counts do not match the blocks read";
    else if (memcmp(p + len + 24, TAPE_FOOTER_MAGIC, 8) != 0 ||
             !tape_crc_ok(lt_get_le32(p + len + 20), p + len, 20) || lt_get_le64(p + len) != off ||
             lt_get_le64(p + len + 8) != len)
        why = "bad footer";
    if (why)
        goto damaged;
    copy = malloc((size_t)mlen + 1);
    if (!copy)
        return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for the trailer", r->name);
    memcpy(copy, p + TAPE_INDEX_FIXED + n * TAPE_INDEX_ENTRY + 4, mlen);
    copy[mlen] = '\0';
    trailer = cJSON_Parse(copy);
    free(copy);
    if (!cJSON_IsObject(trailer)) {
        cJSON_Delete(trailer);
        why = "trailer is not a JSON object";
        goto damaged;
    }
    tape_merge_meta(r->meta, trailer);
    cJSON_Delete(trailer);
    r->send = 1;
    r->info.closed = 1;
    r->info.file_size = off + len + TAPE_FOOTER;
    got = tape_stream_fill(&r->st, r->info.file_size, 1, &p);
    if (got != 0)
        tape_set_warning(r, "tape '%s': %s after its footer at offset %llu", r->name,
                         got < 0 ? "a read error" : "more bytes",
                         (unsigned long long)r->info.file_size);
    return 0;
damaged:
    r->send = 1;
    tape_set_warning(
        r,
        "tape '%s': the index at offset %llu is damaged (%s); read %llu records in %llu "
        "blocks before it",
        r->name, (unsigned long long)off, why, (unsigned long long)r->srecords,
        (unsigned long long)r->info.nblocks);
    return 0;
}

/*
 * The next block of a pipe, checked as the recovery scan checks a block
 * header (its number, first record and first time follow the previous
 * block's), then loaded. Returns 1, 0 at the end of the records, or an error.
 */
int tape_stream_next_block(struct lt_tape_reader *r, struct lt_err *err)
{
    uint64_t off = r->snext_off;
    struct lt_block_info b = {0};
    const uint8_t *p;
    const char *bad;
    uint32_t no, crc;
    char note[160];
    ssize_t got;
    int rc;

    if (r->send)
        return 0;
    got = tape_stream_fill(&r->st, off, TAPE_BLOCK_HDR, &p);
    if (got < 0)
        return tape_stream_view(r, off, TAPE_BLOCK_HDR, &p, err);
    if (got >= 4 && memcmp(p, TAPE_INDEX_MAGIC, 4) == 0)
        return stream_index(r, off, err);
    if (got < TAPE_BLOCK_HDR) {
        note[0] = '\0';
        if (got)
            snprintf(note, sizeof(note), "; the last %zd bytes are an incomplete block", got);
        stream_end(r, "was not closed", note);
        return 0;
    }
    bad = tape_parse_block_hdr(p, &no, &b, &crc);
    if (!bad &&
        (no != r->info.nblocks || b.first_record != r->srecords || b.first_ts_ns < r->slast_ts))
        bad = "block out of sequence";
    if (bad) {
        lt_error(&r->failed, LT_E_CORRUPT, "tape '%s': block %llu at offset %llu: %s", r->name,
                 (unsigned long long)r->info.nblocks, (unsigned long long)off, bad);
        if (err)
            *err = r->failed;
        return LT_E_CORRUPT;
    }
    got = tape_stream_fill(&r->st, off, (size_t)b.size, &p);
    if (got < 0)
        return tape_stream_view(r, off, (size_t)b.size, &p, err);
    if ((uint64_t)got < b.size) {
        snprintf(note, sizeof(note),
                 "; block %llu at offset %llu is incomplete (%zd of %llu bytes)",
                 (unsigned long long)r->info.nblocks, (unsigned long long)off, got,
                 (unsigned long long)b.size);
        stream_end(r, "was not closed", note);
        return 0;
    }
    b.offset = off;
    r->sblk = b;
    rc = tape_load_block(r, (size_t)r->info.nblocks, err);
    if (rc)
        return rc;
    if (r->info.nblocks == 0)
        r->info.first_ts_ns = b.first_ts_ns;
    r->info.last_ts_ns = r->slast_ts = b.last_ts_ns;
    r->info.nblocks++;
    r->info.nrecords = r->srecords += b.nrecords;
    r->info.raw_bytes += b.raw_size;
    r->info.file_size = r->snext_off = off + b.size;
    return 1;
}
